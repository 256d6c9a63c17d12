"""Risk page in headless Chromium: sliders recompute, stress sliders, backtest, jobs, bad input."""

import time

import pytest

from finance_core import risk
from tests.e2e.conftest import click, console_errors, drag_slider, pick, show, text_of, wait_for_change

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
    # the Cornish-Fisher row is explained beside the table, with the sample's S and K
    desk.wait_for_contains_text("#risk-cf-note", "excess kurtosis K = 16.93", timeout=30)
    assert "outside the expansion's domain of validity" in text_of(desk, "#risk-cf-note")
    drag_slider(desk, "risk-level", 120)  # towards 99%
    var_hi = wait_for_change(desk, "#risk-kpi-var", var95)
    assert float(var_hi.rstrip("%")) > float(var95.rstrip("%"))  # a higher confidence has a larger VaR
    horizon_before = text_of(desk, "#risk-kpi-var")
    drag_slider(desk, "risk-horizon", 150)
    assert float(wait_for_change(desk, "#risk-kpi-var", horizon_before).rstrip("%")) > float(horizon_before.rstrip("%"))
    # Stress tests list the historical scenarios.
    show(desk, "#risk-stress-grid")  # grids lay their rows out once on screen
    desk.wait_for_contains_text("#risk-stress-grid", "COVID", timeout=60)
    assert console_errors(desk) == []


def test_market_shock_slider_updates_pnl(desk):
    _open(desk)
    desk.wait_for_contains_text("#risk-shock-total", "Portfolio: +0.00%", timeout=30)
    show(desk, "#risk-stress-grid")  # grids lay their rows out once on screen
    desk.wait_for_contains_text("#risk-stress-grid", "COVID", timeout=60)
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
    assert "trailing 21-day annualised return and volatility" in desk.find_element("#risk-regime-grid").find_element(
        "xpath", "./ancestor::section").text
    assert console_errors(desk) == []


def test_regime_names_agree_with_the_returns_shown(desk):
    _open(desk)
    click(desk, "#risk-regime-run")
    desk.wait_for_contains_text("#risk-regime-status", "Fitted", timeout=90)
    show(desk, "#risk-regime-grid")
    desk.wait_for_element("#risk-regime-grid .ag-row [col-id='annual_return']", timeout=30)
    for row in desk.find_elements("#risk-regime-grid .ag-center-cols-container .ag-row"):
        name = row.find_element("css selector", "[col-id='regime']").text
        ret = float(row.find_element("css selector", "[col-id='annual_return']").text.rstrip("%"))
        assert name.startswith("bull") == (ret > 0), (name, ret)
    assert console_errors(desk) == []


def test_monte_carlo_uses_typed_assumptions_and_says_so(desk):
    _open(desk)
    box = show(desk, "#risk-mc-return")
    deadline = time.time() + 30  # the placeholder is the history's estimate
    while time.time() < deadline and "estimate" not in (box.get_attribute("placeholder") or ""):
        time.sleep(0.3)
    assert box.get_attribute("placeholder").endswith("% (estimate)")
    assert "% (estimate)" in desk.find_element("#risk-mc-volatility").get_attribute("placeholder")
    box.send_keys("7")
    desk.find_element("#risk-mc-volatility").send_keys("15")
    _set_paths(desk, 10_000)
    click(desk, "#risk-mc-run")
    desk.wait_for_contains_text("#risk-mc-status", "Projected 10,000 paths", timeout=120)
    assert text_of(desk, "#risk-mc-assumptions") == "Assumptions: 7.0% return, 15.0% volatility a year (your input)."
    # 20 years, no contribution: median 1e6 exp((ln 1.07 - 0.15^2 / 2) 20) = $3.09 million (GBM)
    median = float(text_of(desk, "#risk-mc-result").split("Median final wealth $")[1].split(";")[0].replace(",", ""))
    assert median == pytest.approx(3.09e6, rel=0.03)
    deadline = time.time() + 20  # both boxes travel in the link
    while time.time() < deadline and "mc_volatility=15" not in desk.driver.current_url:
        time.sleep(0.2)
    assert "mc_return=7" in desk.driver.current_url and "mc_volatility=15" in desk.driver.current_url
    # A negative volatility is refused with a message; the projection on screen stays.
    vol_box = desk.find_element("#risk-mc-volatility")
    vol_box.clear()
    vol_box.send_keys("-5\t")  # leaving the box commits it, as a person does
    click(desk, "#risk-mc-run")
    desk.wait_for_contains_text("#risk-mc-status", "The volatility must be zero or more; got -5.0% a year", timeout=60)
    assert "(your input)" in text_of(desk, "#risk-mc-assumptions")
    # Blank boxes: the estimate, and the note says so.
    desk.find_element("#risk-mc-return").clear()
    desk.find_element("#risk-mc-volatility").clear()
    click(desk, "#risk-mc-run")
    desk.wait_for_contains_text("#risk-mc-assumptions", "estimated from 2013-01-02 to 2022-12-28", timeout=120)
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
    assert "Job lost" not in text_of(desk, "#risk-mc-status")  # a cancel is not reported as a lost job
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


def test_factor_risk_section_reads_the_split(desk):
    _open(desk)
    show(desk, "#risk-factor-summary")
    desk.wait_for_contains_text("#risk-factor-summary", "Factor ", timeout=60)
    pca = text_of(desk, "#risk-factor-summary")
    assert "specific" in pca and "eigenvalue ratio" in pca
    pick(desk, "#risk-factor-model", "Factor ETFs (MTUM QUAL SIZE USMV VLUE)")
    etf = wait_for_change(desk, "#risk-factor-summary", pca, timeout=60)
    assert "MTUM, QUAL, SIZE, USMV, VLUE" in etf
    desk.wait_for_contains_text("#risk-factor-grid", "Specific", timeout=30)
    assert console_errors(desk) == []
