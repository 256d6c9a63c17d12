"""Performance page callbacks as functions: numbers equal finance_core's and an oracle's; bad input keeps results."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from dash import no_update

import workspace
from finance_core import estimators, exposures, rebalancing
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


def _form(**values):
    return {name: default for name, (_label, default) in page.LIMIT_SETTINGS.items()} | BLANK_FORM | values


def test_limits_are_kept_in_the_workspace_and_list_breaches():
    ws, alert = page.save_limits(1, _form(single_name_weight=0.04, volatility=0.5), WS)
    assert alert is None
    assert [(r["kind"], r["threshold"]) for r in ws["limits"]] == [("single_name_weight", 0.04), ("volatility", 0.5)]
    note, rows, fig, alert = page.check_limits(ws, "light")
    assert alert is None
    # equal weight over 20 names: 5% per name breaches a 4% limit by 1 point, since the first history date;
    # the volatility stays under 50%
    assert rows == [{"what": "Single-name weight", "limit": "4.00%", "value": "5.00%", "excess": "1.00%",
                     "since": "2014-01-07"}]  # 2013-01-02 + 252 dates: the first full window
    assert "1 of 2 limits breached" in str(note)
    assert [t.y for t in fig.data][0] == ("Single-name weight", "Volatility")
    # the form shows the kept limits again (on reload and on other pages' return)
    form = page.fill_limit_form(ws)
    assert form["single_name_weight"] == 0.04 and form["volatility"] == 0.5 and form["var"] is None


def test_var_cvar_and_drift_settings_travel_with_their_limits():
    form = _form(var=0.01, var_level=0.99, var_horizon=5, drift=0.3, drift_band="relative")
    target = workspace.with_target(WS, pd.Series({"AAPL": 0.5, "MSFT": 0.5}), "manual")
    ws, alert = page.save_limits(1, form, target)
    assert alert is None
    assert ws["limits"] == [
        {"kind": "drift", "threshold": 0.3, "level": 0.95, "horizon": 1, "band": "relative"},
        {"kind": "var", "threshold": 0.01, "level": 0.99, "horizon": 5, "band": "absolute"},
    ]
    assert page.fill_limit_form(ws) == form
    _note, rows, _fig, alert = page.check_limits(ws, "light")
    assert alert is None and [r["what"] for r in rows] == ["VaR 99% 5d"]  # the book is the target: no drift


@pytest.mark.parametrize(("values", "message"), [
    ({"var": -0.02}, "The VaR limit must be zero or more; got -0.02"),
    ({"var": 0.02, "var_level": -0.95}, "The VaR level -0.95 is outside the sensible range"),
    ({"cvar": 0.02, "cvar_level": 1.2}, "The CVaR level 1.2 is outside the sensible range"),
    ({"single_name_weight": -0.1}, "The Single-name weight limit must be zero or more"),
    ({"drift": 0.05}, "A drift limit needs target weights"),
])
def test_a_senseless_limit_names_the_field_and_keeps_the_previous_limits(values, message):
    kept, _ = page.save_limits(1, _form(sector_weight=0.9), WS)
    ok = page.check_limits(kept, "light")
    assert ok[1] == [] and "No limit breached" in str(ok[0])
    bad = page.save_limits(2, _form(**values), kept)
    assert bad[0] is no_update  # the workspace keeps its limits, so every result on screen stays
    assert message in str(bad[1])


def test_no_limit_says_so():
    note, rows, fig, alert = page.check_limits(WS, "light")
    assert "No limit set" in str(note) and rows == [] and alert is None
    assert "No limit set" in str(fig.layout.annotations[0].text)


def test_dates_before_the_factor_etfs_explain_the_short_window_and_keep_the_chart():
    ws = workspace.select(WS, start="2013-01-02", end="2013-12-31")  # the factor ETFs start in 2014
    out = page.factor_exposures(ws, "light")
    assert set(out[:-1]) == {no_update}
    assert "The window has 0 dates" in str(out[-1]) and "Choose a longer window" in str(out[-1])
    # the other sections still compute on those dates
    assert page.contribution(ws, "light")[-1] is None


def test_a_portfolio_outside_the_universe_is_named_in_every_section():
    ws = workspace.with_target(dict(WS, universe=["AAPL", "MSFT"]), pd.Series({"KO": 1.0}), "manual")
    limited = workspace.with_limits(ws, [{"kind": "volatility", "threshold": 0.2}])
    outs = [page.factor_exposures(ws, "light"), page.rolling(ws, 126, "light"), page.contribution(ws, "light"),
            page.check_limits(limited, "light")]
    for out in outs:
        assert set(out[:-1]) == {no_update}
        assert "KO, which are not in the chosen universe" in str(out[-1])


# --------------------------------------------------------------------------- rebalancing policies
TWO_YEARS = workspace.select(WS, start="2021-01-04", end="2022-12-28")
POLICY_FORM = dict(page.POLICY_DEFAULTS, tax="none")


def test_policy_table_and_chart_match_finance_core_and_count_month_ends():
    rows, fig, alert = page.rebalancing_policies(1, TWO_YEARS, POLICY_FORM, "light")
    assert alert is None
    table = pd.DataFrame(rows).set_index("policy")
    assert list(table.index) == ["Monthly", "Quarterly", "Band 1%", "Band 2.5%", "Band 5%", "Band 10%"]
    wd = workspace.resolve(TWO_YEARS)
    port = workspace.portfolio(TWO_YEARS, wd)
    expected = rebalancing.compare_policies(wd.returns, port.weights, rebalancing.policy_set(
        POLICY_FORM["kinds"], rebalancing.BAND_WIDTHS), cost_bps=10)
    np.testing.assert_allclose(table[list(expected.columns[:-1])], expected[expected.columns[:-1]], rtol=1e-12)
    assert table["realised_tax"].isna().all()  # tax "none"
    # independent counts: one trade at every month end (quarter end) but the last date, which never trades
    months = wd.returns.index.to_period("M")
    assert table.loc["Monthly", "rebalances"] == months.nunique() - 1
    assert table.loc["Quarterly", "rebalances"] == wd.returns.index.to_period("Q").nunique() - 1
    # a 20% band never trades over these two years: buy and hold, each name compounding on its own
    hold = pd.DataFrame(page.rebalancing_policies(1, TWO_YEARS, dict(POLICY_FORM, kinds=["band"], widths="0.2"),
                                                  "light")[0]).iloc[0]
    grown = (port.weights * (1 + wd.returns).prod()).sum()
    assert (hold["rebalances"], hold["annual_turnover"]) == (0, 0)
    assert hold["annual_return"] == pytest.approx(grown ** (252 / len(wd.returns)) - 1, rel=1e-12)
    assert list(fig.data[0].x) == pytest.approx(table["annual_turnover"].tolist())
    assert list(fig.data[0].y) == pytest.approx(table["tracking_error"].tolist())
    assert list(fig.data[0].text) == list(table.index)


def test_policy_tax_from_a_new_account_and_from_uploaded_lots():
    form = dict(POLICY_FORM, kinds=["monthly"], tax="cash")
    rows, _fig, alert = page.rebalancing_policies(1, TWO_YEARS, form, "light")
    assert alert is None
    wd = workspace.resolve(TWO_YEARS)
    port = workspace.portfolio(TWO_YEARS, wd)
    book = rebalancing.TaxBook(wd.prices, capital=page.TAX_CAPITAL)
    run = rebalancing.simulate_policy(wd.returns, port.weights, rebalancing.RebalancePolicy(calendar="M"))
    assert rows[0]["realised_tax"] == pytest.approx(rebalancing.policy_tax(run, port.weights, book))
    assert rows[0]["realised_tax"] > 0  # monthly trades sell winners bought at the start
    lots_csv = "account,ticker,acquired,shares,cost_basis\n" + "".join(
        f"brokerage,{t},2019-06-03,100,{100 * 10.0:.2f}\n" for t in wd.prices.columns)
    ws, _notes = workspace.with_upload(TWO_YEARS, "lots", lots_csv.encode(), "lots.csv")
    rows_lots, _fig, alert = page.rebalancing_policies(1, ws, dict(form, tax="lots"), "light")
    assert alert is None
    wd_lots = workspace.resolve(ws)
    book_lots = rebalancing.TaxBook(wd_lots.prices, lots=wd_lots.lots)
    port_lots = workspace.portfolio(ws, wd_lots)
    run_lots = rebalancing.simulate_policy(wd_lots.returns, port_lots.weights, rebalancing.RebalancePolicy(calendar="M"))
    assert rows_lots[0]["realised_tax"] == pytest.approx(rebalancing.policy_tax(run_lots, port_lots.weights, book_lots))
    assert rows_lots[0]["realised_tax"] != pytest.approx(rows[0]["realised_tax"])  # $10 bases, older lots


@pytest.mark.parametrize(("change", "message"), [
    ({"widths": "0.01, -0.025"}, "Each band width must be greater than zero; got '-0.025'"),
    ({"widths": "0.01, wide"}, "Each band width"),
    ({"widths": ""}, "Band widths: enter at least one width"),
    ({"kinds": []}, "Policies: choose at least one rebalancing policy"),
    ({"kinds": None}, "Policies: choose at least one rebalancing policy"),
    ({"cost": None}, "The cost in basis points is empty"),
    ({"cost": -5}, "The cost in basis points must be zero or more"),
    ({"tax": "lots"}, "Tax: no tax lots are uploaded"),
    ({"tax": "estate"}, "Tax: choose one of A new taxable account"),
    ({"band_type": "log"}, "The band type must be 'absolute' or 'relative'"),
])
def test_bad_policy_input_names_the_field_and_keeps_the_previous_result(change, message):
    out = page.rebalancing_policies(2, TWO_YEARS, dict(POLICY_FORM, **change), "light")
    assert out[:2] == (no_update, no_update)  # the previous table and chart stay on screen
    assert message in str(out[2]) and "Policies not compared" in str(out[2])


def test_policy_section_is_on_the_page_with_its_export_and_link_settings():
    text = str(page.layout())
    assert "Rebalancing policies" in text and "rebalancing-policies.csv" in text
    values = page.URL.initial({"policies": '["band"]', "widths": "0.05", "cost": "2"})
    assert (values["policies"], values["widths"], values["cost"], values["tax"]) == (["band"], "0.05", 2.0, "cash")


def test_opening_the_page_saves_no_limits():
    """Dash calls save_limits when the page opens (its output is the app-level workspace store): with the button
    never pressed it must leave the workspace alone, or every callback of the page runs a second time."""
    from dash import no_update

    assert page.save_limits(0, _form(single_name_weight=0.04), WS) == (no_update, no_update)
    assert page.save_limits(None, _form(single_name_weight=0.04), WS) == (no_update, no_update)


def test_a_policy_comparison_is_computed_once_for_the_same_inputs(monkeypatch):
    """Each visit of the page compared the policies again (a backtest per policy, the page's dearest call);
    the same data, weights and form now reuse the table, and a different form or workspace does not."""
    calls = []
    real = rebalancing.compare_policies

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(page, "_POLICY_TABLES", page._Memo(4))
    monkeypatch.setattr(page.rebalancing, "compare_policies", counted)
    first = page.rebalancing_policies(1, TWO_YEARS, POLICY_FORM, "light")
    again = page.rebalancing_policies(1, workspace.with_session(dict(TWO_YEARS)), POLICY_FORM, "light")
    assert again[0] == first[0] and len(calls) == 1  # another session on the same bundled data
    page.rebalancing_policies(1, TWO_YEARS, dict(POLICY_FORM, band_type="relative"), "light")
    page.rebalancing_policies(1, TWO_YEARS, dict(POLICY_FORM, cost=20.0), "light")
    assert len(calls) == 3
    for k in range(5):  # the memo keeps its 4 latest tables
        page.rebalancing_policies(1, TWO_YEARS, dict(POLICY_FORM, cost=float(k)), "light")
    assert len(page._POLICY_TABLES._items) == 4
