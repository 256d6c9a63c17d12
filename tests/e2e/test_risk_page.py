"""Risk page in headless Chromium: sliders recompute, stress sliders, backtest, jobs, bad input."""

import time

import pytest

from finance_core import risk
from tests.e2e.conftest import click, console_errors, drag_slider, text_of, wait_for_change

pytestmark = pytest.mark.e2e




def _open(desk):
    desk.driver.get(desk.server_url + "/risk")
    desk.wait_for_contains_text("#risk-portfolio-label", "Equal weight (20 assets)", timeout=40)
    desk.wait_for_element("#risk-kpi-var", timeout=40)


def test_risk_page_numbers_and_confidence_slider(desk):
    _open(desk)
    var95 = text_of(desk, "#risk-kpi-var")
    assert var95.endswith("%") and float(var95.rstrip("%")) > 0
    assert "Sharpe" in desk.find_element("#risk-perf-grid").text
    drag_slider(desk, "risk-level", 120)  # towards 99%
    var_hi = wait_for_change(desk, "#risk-kpi-var", var95)
    assert float(var_hi.rstrip("%")) > float(var95.rstrip("%"))  # a higher confidence has a larger VaR
    horizon_before = text_of(desk, "#risk-kpi-var")
    drag_slider(desk, "risk-horizon", 150)
    assert float(wait_for_change(desk, "#risk-kpi-var", horizon_before).rstrip("%")) > float(horizon_before.rstrip("%"))
    # Stress tests list the historical scenarios.
    desk.wait_for_contains_text("#risk-stress-grid", "COVID", timeout=30)
    assert console_errors(desk) == []


def test_market_shock_slider_updates_pnl(desk):
    _open(desk)
    desk.wait_for_contains_text("#risk-shock-total", "Portfolio: +0.00%", timeout=30)
    desk.wait_for_contains_text("#risk-stress-grid", "COVID", timeout=30)
    desk.wait_for_element("#risk-shock-sectors [role=slider]", timeout=30)
    time.sleep(1)
    drag_slider(desk, "risk-shock-market", -150)
    total = wait_for_change(desk, "#risk-shock-total", "Portfolio: +0.00% ($0)")
    assert total.startswith("Portfolio: -")
    assert console_errors(desk) == []


def test_var_backtest_traffic_light_and_regimes(desk):
    _open(desk)
    zone = text_of(desk, "#risk-bt-zone")
    assert zone in {"GREEN", "YELLOW", "RED"}
    # Basel zones for 250 days at 99%: the exception count shown decides the colour (Basel 1996, Table 2).
    exceptions = int(text_of(desk, "#risk-bt-exceptions").split(" of ")[0])
    assert exceptions >= 0
    click(desk, "#risk-regime-run")
    desk.wait_for_contains_text("#risk-regime-status", "Fitted", timeout=90)
    assert "bull" in desk.find_element("#risk-regime-grid").text
    assert console_errors(desk) == []


def _set_paths(desk, n):
    box = desk.find_element("#risk-mc-paths")
    box.clear()
    box.send_keys(str(n))


def test_monte_carlo_job_can_be_cancelled_then_reports_goal_probability(desk):
    _open(desk)
    _set_paths(desk, 100_000)  # 50 chunks of 2,000 paths: long enough to cancel mid-way
    click(desk, "#risk-mc-run")
    desk.wait_for_element("#risk-mc-progress-wrap[style*='block']", timeout=30)
    assert desk.find_element("#risk-mc-run").get_attribute("disabled") is not None
    click(desk, "#risk-mc-cancel")
    desk.wait_for_element("#risk-mc-progress-wrap[style*='none']", timeout=30)
    time.sleep(1.0)
    assert "Projected" not in text_of(desk, "#risk-mc-status")  # cancelled: no result
    assert desk.find_element("#risk-mc-run").get_attribute("disabled") is None
    _set_paths(desk, 10_000)
    click(desk, "#risk-mc-run")
    desk.wait_for_contains_text("#risk-mc-status", "Projected 10,000 paths", timeout=120)
    assert "Probability of reaching the goal" in text_of(desk, "#risk-mc-result")
    assert console_errors(desk) == []


def test_scenario_list_is_the_documented_one():
    names = [s.name for s in risk.SCENARIOS]
    assert any("COVID" in n for n in names) and any("2022" in n for n in names)


def test_settings_travel_in_the_url(desk):
    desk.driver.get(desk.server_url + "/risk?level=0.99&horizon=5&method=gaussian")
    desk.wait_for_contains_text("#risk-var-kpis", "VaR 99.0%, 5d (Gaussian)", timeout=40)
    drag_slider(desk, "risk-horizon", -300)  # back to 1 day
    deadline = time.time() + 20
    while time.time() < deadline and "horizon=" in desk.driver.current_url:
        time.sleep(0.2)
    # 1 day is the default: the link leaves it out and keeps what differs.
    assert desk.driver.current_url.endswith("/risk?level=0.99&method=gaussian")
    # A link with a confidence outside the sensible range gets a message, not a traceback.
    desk.driver.get(desk.server_url + "/risk?level=1.7")
    desk.wait_for_contains_text("#risk-url-problems", "level=1.7 is outside the accepted range 0.9 to 0.995",
                                timeout=40)
    assert [e for e in console_errors(desk) if "favicon" not in e["message"]] == []
