"""Risk page Forecasts section in headless Chromium: the background job fills chart, table, verdicts, FHS."""

import pytest

from tests.e2e.conftest import click, console_errors, show, text_of

pytestmark = pytest.mark.e2e


def test_run_forecasts_shows_the_evaluation_table_and_fhs_line(desk):
    desk.driver.get(desk.server_url + "/risk?fc_model=garch")
    desk.wait_for_contains_text("#risk-portfolio-label", "Equal weight (20 assets)", timeout=40)
    click(desk, "#risk-fc-run")
    desk.wait_for_element("#risk-fc-progress-wrap[style*='block']", timeout=30)
    assert desk.find_element("#risk-fc-run").get_attribute("disabled") is not None
    assert desk.find_element("#risk-fc-cancel").get_attribute("disabled") is None
    desk.wait_for_contains_text("#risk-fc-status", "out-of-sample days, horizon 1, refit every 63 days",
                                timeout=180)
    show(desk, "#risk-fc-grid")
    desk.wait_for_contains_text("#risk-fc-grid", "★ best", timeout=30)
    grid = text_of(desk, "#risk-fc-grid")
    for label in ("EWMA (RiskMetrics 0.94)", "GARCH(1,1)-t", "GJR-GARCH-t", "HAR (Corsi 2009)", "Gradient boosting"):
        assert label in grid
    assert "Lowest out-of-sample QLIKE" in text_of(desk, "#risk-fc-verdicts")
    assert text_of(desk, "#risk-fc-fhs-line").startswith("FHS VaR 99% driven by GARCH(1,1)-t:")
    assert desk.find_element("#risk-fc-run").get_attribute("disabled") is None
    assert [e for e in console_errors(desk) if "favicon" not in e["message"]] == []
