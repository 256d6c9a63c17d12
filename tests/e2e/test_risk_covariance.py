"""Risk page covariance forecasts in headless Chromium: the background job fills the table and the bar chart."""

import pytest

from tests.e2e.conftest import click, console_errors, show, text_of

pytestmark = pytest.mark.e2e


def test_run_covariance_forecasts_shows_each_estimators_realised_volatility(desk):
    desk.driver.get(desk.server_url + "/risk")
    desk.wait_for_contains_text("#risk-portfolio-label", "Equal weight (20 assets)", timeout=40)
    click(desk, "#risk-cov-run")
    desk.wait_for_element("#risk-cov-progress-wrap[style*='block']", timeout=30)
    assert desk.find_element("#risk-cov-run").get_attribute("disabled") is not None
    assert desk.find_element("#risk-cov-cancel").get_attribute("disabled") is None
    # 20 assets' rolling GARCH fits: minutes on a loaded two-core machine
    desk.wait_for_contains_text("#risk-cov-status", "Compared 8 estimators on 2,015 out-of-sample days", timeout=540)
    show(desk, "#risk-cov-grid")
    desk.wait_for_contains_text("#risk-cov-grid", "★ best", timeout=30)
    grid = text_of(desk, "#risk-cov-grid")
    for label in ("Ledoit-Wolf", "Forecast: EWMA covariance (RiskMetrics 0.94)", "Forecast: constant-correlation GARCH"):
        assert label in grid
    # realised volatility of the sample estimator's min-variance portfolio, 2015-2022 (about 16%)
    volatility = float(desk.find_element("#risk-cov-grid [row-index='0'] [col-id='volatility']").text.rstrip("%"))
    assert 10 < volatility < 25
    assert desk.find_element("#risk-cov-chart-chart .bars") is not None
    assert desk.find_element("#risk-cov-run").get_attribute("disabled") is None
    assert [e for e in console_errors(desk) if "favicon" not in e["message"]] == []
