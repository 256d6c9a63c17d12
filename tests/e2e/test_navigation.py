"""Settings survive navigation: each page reopened from the navbar shows what was left on it."""

from __future__ import annotations

import time

import pytest
from selenium.webdriver.common.keys import Keys

from tests.e2e.conftest import click, console_errors, pick, show, text_of, wait_for_change

pytestmark = pytest.mark.e2e


def _retype(desk, selector, value):
    """Select the box's text, type over it and press Enter (no blur), as a person does."""
    el = show(desk, selector)
    el.send_keys(Keys.CONTROL, "a")
    el.send_keys(str(value) + Keys.ENTER)


def _weights(desk) -> dict[str, float]:
    """Ticker -> weight of every row of the Construct weights grid (AG Grid renders only the visible rows)."""
    show(desk, "#construct-weights-grid")
    return desk.driver.execute_script(
        "const out = {}; dash_ag_grid.getApi('construct-weights-grid')"
        ".forEachNode(n => { out[n.data.ticker] = n.data.weight; }); return out;")


def _nav(desk, page: str, ready: str):
    click(desk, f"#nav-{page}")
    desk.wait_for_element(ready, timeout=40)


def _slider_value(desk, slider_id: str) -> str:
    return desk.wait_for_element(f"#{slider_id} [role=slider]", timeout=30).get_attribute("aria-valuenow")


def test_settings_survive_navigation_through_the_navbar(desk):
    desk.driver.get(desk.server_url + "/construct")
    desk.wait_for_contains_text("#construct-kpi-solver", "", timeout=40)
    vol = text_of(desk, "#construct-kpi-vol")
    _retype(desk, "#construct-upper", 10)
    capped_vol = wait_for_change(desk, "#construct-kpi-vol", vol, timeout=40)
    desk.wait_for_contains_text("#construct-kpi-solver", "", timeout=40)
    weights = _weights(desk)
    assert len(weights) == 20
    # Max weight 10%: no weight above 10.0% (the uncapped max Sharpe puts far more in a few names).
    assert max(weights.values()) <= 0.10 + 1e-9 and sum(weights.values()) == pytest.approx(1.0)

    # Risk: confidence 0.95 -> 0.99 with the keyboard (8 steps of 0.005).
    _nav(desk, "risk", "#risk-kpi-var")
    var95 = text_of(desk, "#risk-kpi-var")
    thumb = show(desk, "#risk-level [role=slider]")
    thumb.send_keys(*[Keys.ARROW_RIGHT] * 8)
    var99 = wait_for_change(desk, "#risk-kpi-var", var95, timeout=40)
    assert _slider_value(desk, "risk-level") == "0.99"

    # Execute: 50,000 shares instead of 200,000.
    _nav(desk, "execute", "#exec-kpi-cost")
    desk.wait_for_contains_text("#exec-fit-quality", "Held-out R2", timeout=40)
    cost = text_of(desk, "#exec-kpi-cost")
    _retype(desk, "#exec-shares", 50000)
    cost_50k = wait_for_change(desk, "#exec-kpi-cost", cost, timeout=40)

    # Away to the Data page, then back to each by the navbar.
    _nav(desk, "data", "#nav-data.active")
    _nav(desk, "construct", "#construct-kpi-vol")
    assert desk.wait_for_element("#construct-upper").get_attribute("value") == "10"
    desk.wait_for_text_to_equal("#construct-kpi-vol", capped_vol, timeout=40)
    assert _weights(desk) == weights
    assert "upper=10" in desk.driver.current_url

    _nav(desk, "risk", "#risk-kpi-var")
    assert _slider_value(desk, "risk-level") == "0.99"
    desk.wait_for_text_to_equal("#risk-kpi-var", var99, timeout=40)

    _nav(desk, "execute", "#exec-kpi-cost")
    assert desk.wait_for_element("#exec-shares").get_attribute("value") == "50000"
    desk.wait_for_text_to_equal("#exec-kpi-cost", cost_50k, timeout=40)
    assert "nav-execute" in desk.driver.find_element("css selector", ".pd-navbar .nav-link.active").get_attribute("id")
    assert console_errors(desk) == []


def test_construct_reopened_shows_the_workspace_target_or_says_it_differs(desk):
    desk.driver.get(desk.server_url + "/construct?upper=10")
    desk.wait_for_contains_text("#construct-leftover-text", "Leftover cash", timeout=60)
    weights = _weights(desk)
    click(desk, "#construct-use-target")
    desk.wait_for_contains_text("#construct-target-set", "Target set: Max Sharpe", timeout=20)
    _nav(desk, "risk", "#risk-kpi-var")
    desk.wait_for_contains_text("#risk-portfolio-label", "Target portfolio (Max Sharpe)", timeout=40)
    _nav(desk, "construct", "#construct-kpi-vol")
    desk.wait_for_contains_text("#construct-target-same", "This is the workspace target (Max Sharpe", timeout=40)
    assert _weights(desk) == weights
    _retype(desk, "#construct-upper", 20)
    desk.wait_for_contains_text("#construct-target-differs", "these settings build a different one", timeout=40)
    assert "press Use as target to replace it" in text_of(desk, "#construct-target-differs")
    assert console_errors(desk) == []


def test_construct_link_carries_only_what_the_method_uses(desk):
    desk.driver.get(desk.server_url + "/construct")
    desk.wait_for_element("#construct-kpi-vol", timeout=40)
    _retype(desk, "#construct-upper", 10)
    desk.wait_for_contains_text("#construct-leftover-text", "Leftover cash", timeout=60)
    time.sleep(1)  # the address bar is rewritten after the grids fill in
    url = desk.driver.current_url
    # Max Sharpe, max weight 10%: no Black-Litterman views, target, Kelly fraction or blank grid rows.
    assert url.endswith("/construct?upper=10"), url
    # The method picker is the first control: at the top of the page, where later notes cannot shift it.
    desk.driver.execute_script("window.scrollTo(0, 0);")
    time.sleep(0.5)
    pick(desk, "#construct-method", "Black-Litterman")
    desk.wait_for_contains_text("#construct-detail-title", "Black-Litterman", timeout=40)
    time.sleep(1)
    # Black-Litterman reads the views, but the sample views are the default: they need not travel.
    assert desk.driver.current_url.endswith("/construct?upper=10&method=black_litterman")
    assert console_errors(desk) == []


def test_a_link_with_its_own_settings_wins_over_the_kept_ones(desk):
    desk.driver.get(desk.server_url + "/construct")
    desk.wait_for_element("#construct-kpi-vol", timeout=40)
    _retype(desk, "#construct-upper", 10)
    desk.wait_for_contains_text("#construct-leftover-text", "Leftover cash", timeout=60)
    desk.driver.get(desk.server_url + "/construct?upper=25")  # a shared link, in the same tab
    desk.wait_for_contains_text("#construct-leftover-text", "Leftover cash", timeout=60)
    assert desk.wait_for_element("#construct-upper").get_attribute("value") == "25"
    _nav(desk, "risk", "#risk-kpi-var")
    _nav(desk, "construct", "#construct-kpi-vol")
    assert desk.wait_for_element("#construct-upper").get_attribute("value") == "25"
    assert desk.driver.current_url.endswith("/construct?upper=25")
    assert console_errors(desk) == []
