"""The Risk page's FHS rows as plain callbacks: the Forecasts section's model drives the VaR and its backtest.

Picking FHS starts a background job (its request callback, then the job); here both are called as functions.
"""

import numpy as np
import pandas as pd
import pytest
from dash import no_update

import workspace
from finance_core import forecast, risk
from pages import risk as page
from pages import risk_forecasts

WS = workspace.DEFAULT
SHOWN, HIDDEN = {"display": "block"}, {"display": "none"}


def fhs_var(ws, level, horizon, value, model):
    """What the page shows for the FHS method: the section waits, the request starts the job, the job fills it."""
    section = page.value_at_risk(ws, level, horizon, "fhs", value, "light")
    assert section == (no_update,) * 6 + (None,)  # nothing fitted in the foreground
    panel, request = page.fhs_var_request(ws, level, horizon, "fhs", value, model)
    assert panel == SHOWN and request["model"] == model
    progress: list = []
    out = page.fhs_var_job(progress.append, request, 0, ws=ws, theme="light")
    assert progress[0] == (5, f"Fitting {risk_forecasts.MODEL_LABELS[model]} on past data only, every 63 days")
    return out


def fhs_backtest(ws, level, window, model):
    assert page.backtest(ws, level, window, "fhs", "light") == (no_update, no_update, None)
    panel, request = page.fhs_backtest_request(ws, level, window, "fhs", model)
    assert panel == SHOWN
    return page.fhs_backtest_job([].append, request, 0, ws=ws, theme="light")


@pytest.fixture(scope="module")
def series():
    wd = workspace.resolve(WS)
    return risk.portfolio_returns(wd.returns, pd.Series(1 / 20, index=wd.returns.columns))


def test_fhs_var_row_scales_the_ewma_residual_quantile_by_tomorrows_vol(series):
    cards, fig, rows, *_tail, note, alert, status = fhs_var(WS, 0.99, 1, 1_000_000, "ewma")
    assert alert is None and "FHS VaR driven by EWMA (RiskMetrics 0.94)" in str(status)
    row = rows[-1]
    assert row["method"] == "Filtered historical (forecast)"
    # Independent check: the RiskMetrics variance from the 500th day on (the desk's first origin), residuals
    # r[t] / sigma[t-1], their lower empirical 1% quantile (McNeil et al. convention) times tomorrow's sigma.
    s2 = forecast.ewma_variance(series).iloc[499:]
    z = np.sort((series / np.sqrt(s2.shift(1))).dropna().to_numpy())
    expected = np.sqrt(s2.iloc[-1]) * -z[int(np.floor(z.size * 0.01))]
    assert row["var"] == pytest.approx(expected, rel=1e-12)
    assert row["var_amount"] == pytest.approx(expected * 1e6, rel=1e-12)
    assert f"{expected:.2%}" in str(cards) and "Filtered historical (forecast)" in str(cards)
    assert "EWMA (RiskMetrics 0.94)" in note and f"{np.sqrt(s2.iloc[-1]):.2%}" in note
    assert fig.data[0].type == "histogram"


def test_the_other_methods_do_not_fit_a_forecast():
    _cards, _fig, rows, *_rest = page.value_at_risk(WS, 0.99, 1, "historical", 1e6, "light")
    assert "Filtered historical (forecast)" not in [r["method"] for r in rows]
    assert page.fhs_var_request(WS, 0.99, 1, "historical", 1e6, "ml") == (HIDDEN, no_update)
    assert page.fhs_backtest_request(WS, 0.99, 250, "gaussian", "ml") == (HIDDEN, no_update)


def test_backtest_shows_fhs_and_historical_breaches_side_by_side(series):
    cards, fig, alert, status = fhs_backtest(WS, 0.99, 250, "garch")
    assert alert is None and "backtested" in str(status)
    expected = risk.compare_fhs_with_historical(series, risk.desk_variance_forecast(series, "garch"), 250, 0.99)
    text = str(cards)
    assert f"{expected.fhs.exceptions} of {expected.fhs.observations}" in text
    grid = next(c for c in _walk(cards) if getattr(c, "id", None) == "risk-bt-fhs-grid")
    by_method = {r["method"]: r for r in grid.rowData}
    assert by_method["FHS (GARCH(1,1)-t)"]["exceptions"] == expected.fhs.exceptions
    assert by_method["Plain historical"]["exceptions"] == expected.historical.exceptions
    assert by_method["Plain historical"]["observations"] == expected.fhs.observations
    assert expected.verdict() in text
    # The chart plots the FHS VaR the cards count.
    assert len(fig.data[0].x) == expected.fhs.observations


def test_the_plain_backtest_has_no_comparison():
    cards, _fig, alert = page.backtest(WS, 0.99, 250, "historical", "light")
    assert alert is None and "risk-bt-fhs-grid" not in str(cards)


def test_a_short_history_explains_itself_and_keeps_the_last_result():
    ws = workspace.select(WS, start="2022-01-01")
    *out, alert, status = fhs_var(ws, 0.99, 1, 1e6, "gjr")
    assert set(out) == {no_update} and status == "Not run: see the message above."
    assert "trains on 500 days and needs more history" in str(alert)
    *bt, alert, status = fhs_backtest(ws, 0.99, 250, "gjr")
    assert set(bt) == {no_update} and "needs more history" in str(alert) and status.startswith("Not run")


def test_a_bad_portfolio_value_stops_the_fhs_job_with_the_section_message():
    assert "portfolio value must be a positive amount" in str(page.value_at_risk(WS, 0.99, 1, "fhs", -5, "light")[-1])
    _panel, request = page.fhs_var_request(WS, 0.99, 1, "fhs", -5, "ewma")
    *out, alert, _status = page.fhs_var_job([].append, request, 0, ws=WS, theme="light")
    assert set(out) == {no_update} and "portfolio value must be a positive amount" in str(alert)


def test_the_backtest_lists_the_fhs_method():
    layout = str(page.layout())
    assert "Filtered historical (forecast)" in layout and risk_forecasts.MODEL in layout


def _walk(node):
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, (list, tuple)):
        for child in children:
            yield from _walk(child)
    elif children is not None and not isinstance(children, str):
        yield from _walk(children)
    if isinstance(node, list):
        for child in node:
            yield from _walk(child)


def test_the_fhs_fits_run_as_cancellable_background_jobs_with_progress():
    import app

    deps = app.server.test_client().get("/_dash-dependencies").get_json()
    for job in (page.FHS_VAR_JOB, page.FHS_BT_JOB):
        spec = next(d for d in deps if f"{job.status}.children" in d["output"])
        assert spec["background"] is not None and spec["prevent_initial_call"] is True
        assert {i["id"] for i in spec["inputs"]} == {f"{job.prefix}-request", job.run}
        assert spec["running"]["running"][f"{job.cancel}.disabled"] is False
        assert any(d["output"] == f"{job.cancel}.id" for d in deps)  # Dash's cancel callback
    # The foreground VaR and backtest callbacks no longer fit a model: they do not read the model picker.
    for output in (f"{page.VAR_KPIS}.children", f"{page.BT_CARDS}.children"):
        spec = next(d for d in deps if d["output"].startswith(f"..{output}..") or d["output"].startswith(output))
        assert risk_forecasts.MODEL not in {i["id"] for i in spec["inputs"]}
