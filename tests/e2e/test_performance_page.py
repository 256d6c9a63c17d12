"""Performance page in headless Chromium: a beta, the contribution total, a weight limit that breaches."""

import pytest

from tests.e2e.conftest import click, console_errors, show, text_of, wait_for_change

pytestmark = pytest.mark.e2e


def test_performance_page_betas_contributions_and_a_breach(desk):
    desk.driver.get(desk.server_url + "/performance")
    desk.wait_for_element("#perf-kpi-beta", timeout=60)
    beta = float(text_of(desk, "#perf-kpi-beta"))
    assert 0.3 < beta < 1.5  # an equal-weight book of 20 large caps moves with the market
    show(desk, "#perf-exposure-grid")
    desk.wait_for_contains_text("#perf-exposure-grid", "MTUM", timeout=30)
    desk.wait_for_element("#perf-kpi-total", timeout=60)
    total = text_of(desk, "#perf-kpi-total")
    assert total.endswith("%") and text_of(desk, "#perf-kpi-sum-asset") == total == text_of(desk, "#perf-kpi-sum-sector")
    # a 4% single-name limit on twenty names at 5% each is breached
    box = show(desk, "#perf-limit-single_name_weight")
    box.send_keys("0.04")
    click(desk, "#perf-limits-apply")
    desk.wait_for_contains_text("#perf-breach-count", "1 of 1 limits breached", timeout=30)
    show(desk, "#perf-breach-grid")
    desk.wait_for_contains_text("#perf-breach-grid", "Single-name weight", timeout=30)
    assert console_errors(desk) == []


def test_a_breached_limit_shows_in_the_navbar_of_another_page(desk):
    desk.driver.get(desk.server_url + "/performance")
    box = show(desk, "#perf-limit-single_name_weight", timeout=60)
    box.send_keys("0.01")  # twenty names at 5% each: all over a 1% cap
    click(desk, "#perf-limits-apply")
    desk.wait_for_contains_text("#perf-breach-count", "1 of 1 limits breached", timeout=30)
    click(desk, "#nav-data")  # the Data page, through the navbar as a person would
    badge = wait_for_change(desk, "#breach-count", "", timeout=30)  # re-read if the badge is redrawn meanwhile
    count = int(badge.split()[0])
    assert count > 0
    assert desk.driver.current_url.rstrip("/") == desk.server_url.rstrip("/")
    assert console_errors(desk) == []
