"""Risk page FHS VaR in headless Chromium: picking the method runs the fits as a background job."""

import pandas as pd
import pytest

import workspace
from finance_core import risk
from tests.e2e.conftest import console_errors, text_of

pytestmark = pytest.mark.e2e


def test_fhs_var_runs_as_a_job_and_shows_its_var(desk):
    wd = workspace.resolve(workspace.DEFAULT)
    weights = pd.Series(1 / 20, index=wd.returns.columns)
    expected = risk.portfolio_fhs_risk(wd.returns, weights, "garch", 0.99, 1)  # the app-level tests check this
    desk.driver.get(desk.server_url + "/risk?method=fhs&level=0.99&fc_model=garch")
    desk.wait_for_element("#risk-fhs-var-panel[style*='block']", timeout=40)  # the job's Run, Cancel, progress
    desk.wait_for_contains_text("#risk-fhs-var-status", "FHS VaR driven by GARCH(1,1)-t.", timeout=180)
    assert text_of(desk, "#risk-kpi-var") == f"{expected.var:.2%}"
    assert "Filtered historical (forecast)" in text_of(desk, "#risk-var-kpis")
    assert desk.find_element("#risk-fhs-var-run").get_attribute("disabled") is None
    assert [e for e in console_errors(desk) if "favicon" not in e["message"]] == []
