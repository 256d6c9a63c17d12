"""Construction page in headless Chromium."""

import time
from pathlib import Path

import pytest
from selenium.webdriver.common.keys import Keys

from tests.e2e.conftest import click, console_errors, drag_slider, show, text_of, wait_for_change

pytestmark = pytest.mark.e2e




def _type(desk, selector, value):
    el = show(desk, selector)
    el.send_keys(Keys.CONTROL, "a")
    el.send_keys(Keys.DELETE)
    el.send_keys(str(value))
    el.send_keys(Keys.TAB)


def test_slider_moves_the_chosen_portfolio_and_bad_bounds_explain(desk):
    desk.driver.get(desk.server_url + "/construct?method=max_utility&ra=2")
    vol = text_of(desk, "#construct-kpi-vol")
    desk.wait_for_element("#construct-frontier-chart .scatterlayer", timeout=30)
    drag_slider(desk, "construct-risk-aversion", 120)  # more risk averse: lower volatility
    new = wait_for_change(desk, "#construct-kpi-vol", vol)
    assert float(new.rstrip("%")) < float(vol.rstrip("%"))
    assert "ra=" in desk.driver.current_url and "ra=2&" not in desk.driver.current_url + "&"
    _type(desk, "#construct-lower", 10)  # 20 assets x 10% minimum = 200%: infeasible
    desk.wait_for_contains_text("#construct-alerts", "lower bounds (minimum weights) add up to 200.00%", timeout=30)
    assert desk.find_element("#construct-kpi-vol").text == new  # the previous result stays
    assert console_errors(desk) == []


def test_compare_backtest_and_use_as_target(desk):
    desk.driver.get(desk.server_url + "/construct?method=hrp")
    desk.wait_for_contains_text("#construct-kpi-solver", "recursive_bisection", timeout=40)
    desk.wait_for_contains_text("#construct-detail-title", "Cluster tree", timeout=30)
    click(desk, "#construct-compare-run")
    desk.wait_for_contains_text("#construct-compare-grid", "Equal weight", timeout=60)
    click(desk, "#construct-backtest-run")
    desk.wait_for_contains_text("#construct-backtest-status", "Backtested 4 methods", timeout=180)
    desk.wait_for_contains_text("#construct-bt-grid", "Benchmark", timeout=10)
    desk.wait_for_contains_text("#construct-leftover-text", "Leftover cash", timeout=30)
    click(desk, "#construct-trades-csv")
    target = Path(desk.download_path) / "portfolio-desk-trades.csv"
    deadline = time.time() + 20
    while time.time() < deadline and not target.exists():
        time.sleep(0.2)
    assert target.read_text().startswith("ticker,side,shares")
    click(desk, "#construct-use-target")
    desk.wait_for_contains_text("#construct-target-set", "Target set: Hierarchical risk parity", timeout=20)
    click(desk, "#nav-risk")
    desk.wait_for_contains_text("#risk-portfolio-label", "Target portfolio (Hierarchical risk parity)", timeout=40)
    assert console_errors(desk) == []
