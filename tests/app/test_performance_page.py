"""Performance page callbacks as functions: numbers equal finance_core's and an oracle's; bad input keeps results."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from dash import no_update

import workspace
from components import ids
from finance_core import estimators, exposures, limits
from pages import performance as page

WS = workspace.DEFAULT
BLANK_FORM = {k: None for k in page.LIMIT_FORM}


@pytest.fixture(scope="module")
def data():
    """The default workspace's equal-weight daily returns, the market and the factor ETFs minus the market, aligned."""
    wd = workspace.resolve(WS)
    y = wd.returns.mean(axis=1).rename("portfolio")  # equal weight, daily rebalanced
    market, etfs = wd.benchmark_returns, estimators.bundled_factor_returns()
    factors = pd.concat([market.rename("Market"), etfs.sub(market, axis=0).add_suffix("-Market")], axis=1)
    joined = pd.concat([y, factors], axis=1, join="inner").dropna()
    return wd, joined["portfolio"], joined[factors.columns]


def test_beta_table_matches_statsmodels_hac(data):
    _wd, y, x = data
    kpis, fig, rows, alert = page.factor_exposures(WS, "light")
    assert alert is None
    lags = exposures.default_lags(len(y))
    oracle = sm.OLS(y, sm.add_constant(x)).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
    table = pd.DataFrame(rows).set_index("term")
    assert list(table.index) == ["alpha", "Market", "MTUM-Market", "QUAL-Market", "SIZE-Market", "USMV-Market",
                                 "VLUE-Market"]
    np.testing.assert_allclose(table["coef"], oracle.params.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(table["std_error"], oracle.bse.to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(table["p_value"], oracle.pvalues.to_numpy(), rtol=1e-5, atol=1e-300)
    assert f"{oracle.rsquared:.3f}" in str(kpis) and f"{oracle.params['Market']:.3f}" in str(kpis)
    capm = sm.OLS(y, sm.add_constant(x["Market"])).fit().params["Market"]  # the plain CAPM beta
    assert oracle.params["Market"] == pytest.approx(capm, abs=0.1)  # no longer split with collinear ETF betas
    bars = fig.data[0]
    assert list(bars.x) == list(x.columns)
    np.testing.assert_allclose(np.asarray(bars.y) + np.asarray(bars.error_y.array), table["ci_high"].iloc[1:])


def test_rolling_betas_end_with_the_last_window_fit_and_refuse_a_long_window(data):
    _wd, y, x = data
    fig, alert = page.rolling(WS, 126, "light")
    assert alert is None and [t.name for t in fig.data] == list(x.columns)
    last = sm.OLS(y.iloc[-126:], sm.add_constant(x.iloc[-126:])).fit().params
    np.testing.assert_allclose([t.y[-1] for t in fig.data], last.iloc[1:].to_numpy(), rtol=1e-8)
    fig, alert = page.rolling(WS, len(y) + 1, "light")
    assert fig is no_update
    assert f"longer than the {len(y)} dates available" in str(alert)


def test_contributions_add_up_to_the_compounded_portfolio_return(data):
    wd, _y, _x = data
    kpis, _fa, asset_rows, _fs, sector_rows, alert = page.contribution(WS, "light")
    assert alert is None
    compounded = float(np.prod(1 + wd.returns.mean(axis=1)) - 1)  # the equal-weight portfolio, independently
    assets = pd.DataFrame(asset_rows).set_index("asset")
    sectors = pd.DataFrame(sector_rows).set_index("sector")
    assert assets["contribution"].sum() == pytest.approx(compounded, rel=1e-10)
    assert sectors["contribution"].sum() == pytest.approx(compounded, rel=1e-10)
    energy = [t for t in assets.index if wd.sectors[t] == "Energy"]
    assert sectors.loc["Energy", "contribution"] == pytest.approx(assets.loc[energy, "contribution"].sum())
    assert str(kpis).count(f"{compounded:.2%}") == 3


def test_limits_store_the_form_and_list_breaches(call_with_trigger):
    form = dict(BLANK_FORM, single_name_weight=0.04, volatility=0.5)
    out = call_with_trigger(f"{page.LIMIT_APPLY}.n_clicks", page.check_limits, 1, WS, form, None)
    stored, note, rows, *values, alert = out
    assert alert is None
    assert stored == [{"kind": "single_name_weight", "threshold": 0.04}, {"kind": "volatility", "threshold": 0.5}]
    assert values == [0.04, None, 0.5, None, None]
    # equal weight over 20 names: 5% per name breaches a 4% limit by 1 point; the volatility stays under 50%
    assert rows == [{"what": "Single-name weight", "limit": 0.04, "value": pytest.approx(0.05),
                     "excess": pytest.approx(0.01)}]
    assert "1 of 2 limits breached" in str(note)
    # on reload the stored limits are applied and put back in the form
    again = call_with_trigger(f"{ids.WORKSPACE}.data", page.check_limits, 0, WS, BLANK_FORM, stored)
    assert again[2] == rows and again[3] == 0.04


def test_no_breach_and_a_negative_limit_keeps_the_previous_result(call_with_trigger):
    ok = call_with_trigger(f"{page.LIMIT_APPLY}.n_clicks", page.check_limits, 1, WS,
                           dict(BLANK_FORM, sector_weight=0.9), None)
    assert ok[2] == [] and "No limit breached" in str(ok[1])
    bad = call_with_trigger(f"{page.LIMIT_APPLY}.n_clicks", page.check_limits, 2, WS,
                            dict(BLANK_FORM, var=-0.02), ok[0])
    assert set(bad[:-1]) == {no_update}
    with pytest.raises(limits.DataError) as raised:  # the alert carries finance_core's own message
        limits.limit_from_dict({"kind": "var", "threshold": -0.02})
    assert raised.value.message in str(bad[-1])
    assert "The VaR limit must be zero or more; got -0.02" in str(bad[-1])


def test_dates_before_the_factor_etfs_explain_the_short_window_and_keep_the_chart():
    ws = workspace.select(WS, start="2013-01-02", end="2013-12-31")  # the factor ETFs start in 2014
    out = page.factor_exposures(ws, "light")
    assert set(out[:-1]) == {no_update}
    assert "The window has 0 dates" in str(out[-1]) and "Choose a longer window" in str(out[-1])
    # the other sections still compute on those dates
    assert page.contribution(ws, "light")[-1] is None


def test_a_portfolio_outside_the_universe_is_named_in_every_section(call_with_trigger):
    ws = workspace.with_target(dict(WS, universe=["AAPL", "MSFT"]), pd.Series({"KO": 1.0}), "manual")
    outs = [page.factor_exposures(ws, "light"), page.rolling(ws, 126, "light"), page.contribution(ws, "light"),
            call_with_trigger(f"{ids.WORKSPACE}.data", page.check_limits, 0, ws, BLANK_FORM, None)]
    for out in outs:
        assert set(out[:-1]) == {no_update}
        assert "KO, which are not in the chosen universe" in str(out[-1])
