"""Risk page covariance forecasts in headless Chromium: the background job fills the table and the bar chart."""

import numpy as np
import pytest
from selenium.webdriver.common.by import By

import workspace
from finance_core import data
from finance_core.forecast.covariance import COVARIANCE_FORECASTS, compare_covariance_forecasts
from tests.e2e.conftest import click, console_errors, show, text_of

pytestmark = pytest.mark.e2e


def test_run_covariance_forecasts_shows_each_estimators_realised_volatility(desk, tmp_path):
    # Three uploaded assets from mid-2019 (about 900 days, 400 out of sample): the page's evaluation in
    # seconds; all 20 bundled assets take minutes (one GARCH refit per asset and rebalance).
    prices = data.load_dataset("sp500").prices[["KO", "MSFT", "XOM"]].loc["2019-06-03":]
    path = tmp_path / "three.csv"
    prices.rename_axis("date").to_csv(path)
    desk.driver.get(desk.server_url + "/")
    desk.wait_for_contains_text("#data-summary-text", "20 assets", timeout=30)
    desk.driver.find_element(By.CSS_SELECTOR, "#upload-prices input[type=file]").send_keys(str(path))
    desk.wait_for_contains_text("#data-summary-text", "3 assets", timeout=30)
    click(desk, "#nav-risk")
    desk.wait_for_contains_text("#risk-portfolio-label", "Equal weight (3 assets)", timeout=40)
    click(desk, "#risk-cov-run")
    desk.wait_for_element("#risk-cov-progress-wrap[style*='block']", timeout=30)
    assert desk.find_element("#risk-cov-run").get_attribute("disabled") is not None
    assert desk.find_element("#risk-cov-cancel").get_attribute("disabled") is None
    desk.wait_for_contains_text("#risk-cov-status", "Compared 8 estimators", timeout=240)
    show(desk, "#risk-cov-grid")
    desk.wait_for_contains_text("#risk-cov-grid", "★ best", timeout=30)
    grid = text_of(desk, "#risk-cov-grid")
    for label in ("Ledoit-Wolf", "Forecast: EWMA covariance (RiskMetrics 0.94)", "Forecast: constant-correlation GARCH"):
        assert label in grid
    # The sample estimator's row against finance_core on the same uploaded returns.
    ws, _ = workspace.with_upload(workspace.DEFAULT, "prices", path.read_bytes(), "three.csv")
    held = compare_covariance_forecasts(workspace.resolve(ws).returns, COVARIANCE_FORECASTS, window=250,
                                        min_train=500, rebalance_every=21)
    expected = float(np.sqrt(held.iloc[:, 0].var(ddof=1) * 252)) * 100
    shown = float(desk.find_element("#risk-cov-grid [row-index='0'] [col-id='volatility']").text.rstrip("%"))
    assert shown == pytest.approx(expected, abs=0.006)  # shown to two decimals
    assert desk.find_element("#risk-cov-chart-chart .bars") is not None
    assert desk.find_element("#risk-cov-run").get_attribute("disabled") is None
    assert [e for e in console_errors(desk) if "favicon" not in e["message"]] == []
