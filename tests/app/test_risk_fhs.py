"""The Risk page's FHS rows as plain callbacks: the Forecasts section's model drives the VaR and its backtest."""

import numpy as np
import pandas as pd
import pytest
from dash import no_update

import workspace
from finance_core import forecast, risk
from pages import risk as page
from pages import risk_forecasts

WS = workspace.DEFAULT


@pytest.fixture(scope="module")
def series():
    wd = workspace.resolve(WS)
    return risk.portfolio_returns(wd.returns, pd.Series(1 / 20, index=wd.returns.columns))


def test_fhs_var_row_scales_the_ewma_residual_quantile_by_tomorrows_vol(series):
    cards, fig, rows, *_tail, note, alert = page.value_at_risk(WS, 0.99, 1, "fhs", 1_000_000, "light", "ewma")
    assert alert is None
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
    _cards, _fig, rows, *_rest = page.value_at_risk(WS, 0.99, 1, "historical", 1e6, "light", "ml")
    assert "Filtered historical (forecast)" not in [r["method"] for r in rows]


def test_backtest_shows_fhs_and_historical_breaches_side_by_side(series):
    cards, fig, alert = page.backtest(WS, 0.99, 250, "fhs", "light", "garch")
    assert alert is None
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
    out = page.value_at_risk(ws, 0.99, 1, "fhs", 1e6, "light", "gjr")
    assert set(out[:-1]) == {no_update}
    assert "trains on 500 days and needs more history" in str(out[-1])
    bt = page.backtest(ws, 0.99, 250, "fhs", "light", "gjr")
    assert set(bt[:-1]) == {no_update} and "needs more history" in str(bt[-1])


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
