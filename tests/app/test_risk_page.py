"""Risk page callbacks as functions: they show finance_core's numbers and keep results on bad input."""

import base64

import empyrical
import numpy as np
import pandas as pd
import pytest
from dash import no_update
from scipy import stats

import workspace
from finance_core import data, estimators, risk
from pages import risk as page

WS = workspace.DEFAULT


@pytest.fixture(scope="module")
def wd():
    return workspace.resolve(WS)


def test_var_kpi_is_the_historical_var_of_the_equal_weight_portfolio(wd):
    cards, fig, rows, tail, tail_sector, _cf, alert = page.value_at_risk(WS, 0.95, 1, "historical", 1_000_000,
                                                                          "light")
    w = pd.Series(1 / 20, index=wd.prices.columns)
    expected = risk.value_at_risk(wd.returns, 0.95, "historical", 1, weights=w)
    assert f"{expected:.2%}" in str(cards)
    assert f"${expected * 1_000_000:,.0f}" in str(cards)
    assert [r["method"] for r in rows][:3] == ["Historical", "Gaussian", "Cornish-Fisher"]
    assert alert is None and fig.data[0].type == "histogram"


def test_target_portfolio_is_used_when_set(wd):
    ws = workspace.with_target(WS, pd.Series({"KO": 0.5, "PG": 0.5}), "manual")
    badge, *_rest, alert = page.performance(ws, "light")
    assert "Target portfolio (manual)" in str(badge) and alert is None


def test_portfolio_outside_the_universe_is_named_and_nothing_changes():
    ws = workspace.with_target(dict(WS, universe=["AAPL", "MSFT"]), pd.Series({"KO": 1.0}), "manual")
    top = page.performance(ws, "light")
    assert top[:6] == (no_update,) * 6
    assert "KO, which are not in the chosen universe" in str(top[6])
    # Each section keeps its result and points to the message at the top instead of repeating it.
    for out in (page.value_at_risk(ws, 0.95, 1, "historical", 1e6, "light"), page.decomposition(ws, "light"),
                page.stress(ws, 1e6, None, "light"), page.backtest(ws, 0.99, 250, "historical", "light"),
                page.factor_risk(ws, "factor_pca", "light")):
        assert set(out[:-1]) == {no_update}
        assert "Not computed" in str(out[-1]) and "top of the page" in str(out[-1])


def test_shock_sums_asset_pnl_to_the_portfolio(wd):
    fig, summary = page.shock(-0.2, [-0.1], [{"sector": "Energy"}], WS, 1_000_000, "light")
    pnl = pd.Series(fig.data[0].y, index=fig.data[0].x)
    total = str(summary).split("(")[-1].split(")")[0]  # "-$170,980": the sign before the dollar sign
    assert pnl.sum() == pytest.approx(float(total.replace("$", "").replace(",", "")), abs=1.0)
    assert pnl["XOM"] < 0 and pnl["CVX"] < 0  # energy names fall with an energy shock


def test_bad_confidence_from_a_url_is_refused_with_a_message():
    out = page.value_at_risk(WS, 1.5, 1, "historical", 1e6, "light")
    assert out[0] is no_update and "confidence" in str(out[-1]).lower()


def test_stress_uses_the_full_bundled_history_even_for_a_short_window():
    ws = workspace.select(WS, start="2021-01-04", end="2022-12-28", benchmark="SP500")  # the price index
    fig, rows, sliders, alert = page.stress(ws, 1e6, None, "light")
    covid = next(r for r in rows if "COVID" in r["scenario"])
    sp = data.load_dataset("sp500").benchmark
    # S&P 500 close 3386.15 on 2020-02-19 and 2237.40 on 2020-03-23 (published index closes): -33.9%.
    assert covid["benchmark_return"] == pytest.approx(sp["2020-03-23"] / sp["2020-02-19"] - 1, abs=1e-9)
    assert covid["benchmark_return"] == pytest.approx(2237.40 / 3386.15 - 1, abs=5e-4)


def test_edited_scenarios_drive_the_stress_test(call_with_trigger):
    rows = call_with_trigger("risk-scenario-add.n_clicks", page.edit_scenarios, 1, 0, 0, page.SCENARIO_ROWS, [])
    assert len(rows) == len(page.SCENARIO_ROWS) + 1
    fig, table, _sliders, alert = page.stress(WS, 1e6, rows, "light")
    assert alert is None and table[-1]["scenario"] == rows[-1]["name"]
    bad = [*rows[:-1], {"name": "Backwards", "start": "2020-03-01", "end": "2020-01-01"}]
    out = page.stress(WS, 1e6, bad, "light")
    assert out[0] is no_update and "Scenario 'Backwards' ends (2020-01-01) before it starts" in str(out[3])
    kept = call_with_trigger("risk-scenario-remove.n_clicks", page.edit_scenarios, 1, 1, 0, rows, [rows[0]])
    assert rows[0]["name"] not in [r["name"] for r in kept]


def test_bootstrap_monte_carlo_is_offered_and_portfolio_value_must_be_positive():
    cards, _fig, rows, *_ = page.value_at_risk(WS, 0.95, 1, "monte_carlo_bootstrap", 1e6, "light")
    assert "Monte Carlo (bootstrap)" in [r["method"] for r in rows]
    out = page.value_at_risk(WS, 0.95, 1, "historical", -5, "light")
    assert out[0] is no_update and "portfolio value must be a positive amount" in str(out[-1])


def test_regime_names_agree_with_the_table_and_the_page_says_what_is_fitted(wd):
    fig, rows, status = page.regimes(1, WS, "light")
    assert rows and "Fitted" in status and "first on the data up to" in status
    for row in rows:  # the issue saw 'bear volatile' at +27.6% a year on the bundled data
        assert row["regime"].startswith("bull") == (row["annual_return"] > 0), row
    vols = {r["regime"]: r["volatility"] for r in rows}
    assert all(("volatile" in name) == (v == max(vols.values())) for name, v in vols.items())
    assert {"feature_return", "feature_volatility"} <= set(rows[0])
    assert "trailing 21-day annualised return and volatility" in page.REGIME_NOTE
    assert "refitted every year" in page.REGIME_NOTE


def _median_final(summary) -> float:
    return float(str(summary).split("Median final wealth $")[1].split(";")[0].replace(",", ""))


# The projection form as a person fills it in: 20 years from $1 million, no contributions, no goal.
MC_FORM = dict(years=20, contribution=0, goal=None, paths=10_000, method="normal", exp_return=7, vol=15, value=1e6,
               ws=WS, theme="light")


def _project(progress, **changes):
    """The Monte Carlo callback run on MC_FORM with ``changes`` (by the callback's names)."""
    assert set(changes) <= set(MC_FORM), changes
    return page.monte_carlo(progress, 1, **{**MC_FORM, **changes})


def test_monte_carlo_uses_the_entered_assumptions_and_says_which(wd):
    progress = []
    fig, summary, status = _project(progress.append)
    assert "Projected 10,000 paths" in str(status)
    assert "Assumptions: 7.0% return, 15.0% volatility a year (your input)." in str(summary)
    # No contributions: terminal wealth of geometric Brownian motion with E[G] = 1 + m is lognormal, median
    # W0 exp((ln(1 + m) - s^2 / 2) T) (Hull, Options, Futures and Other Derivatives, ch. 15):
    # 1e6 * exp((ln 1.07 - 0.15^2 / 2) * 20) = 1e6 * exp(1.12817) = $3.09 million.
    expected = 1e6 * np.exp((np.log(1.07) - 0.15**2 / 2) * 20)
    assert _median_final(summary) == pytest.approx(expected, rel=0.03)  # 10,000 paths: s.e. about 0.8%
    # A blank volatility is estimated from the history, and the note says so for that number only.
    _fig, summary, _ = _project(progress.append, paths=2_000, vol=None)
    port = wd.returns.mean(axis=1)  # the equal-weight portfolio
    vol = port.std(ddof=1) * np.sqrt(252)
    assert (f"Assumptions: 7.0% return (your input), {vol:.1%} volatility (estimated from 2013-01-02 to "
            f"2022-12-28) a year.") in str(summary)


def test_default_projection_grows_at_the_historical_cagr_and_placeholders_show_the_estimate(wd):
    port = wd.returns.mean(axis=1)
    m, s = (1 + port.mean()) ** 252 - 1, port.std(ddof=1) * np.sqrt(252)
    ret_box, vol_box, hint = page.monte_carlo_estimate(WS)
    assert (ret_box, vol_box) == (f"{m:.1%} (estimate)", f"{s:.1%} (estimate)")
    assert "estimated from 2013-01-02 to 2022-12-28" in hint
    _fig, summary, _ = _project([].append, exp_return=None, vol=None)
    assert f"Assumptions: {m:.1%} return, {s:.1%} volatility a year (estimated from 2013-01-02" in str(summary)
    # The median path compounds at the sample's CAGR (empyrical), not sigma^2/2 (about 1.5% a year) below it.
    growth = (_median_final(summary) / 1e6) ** (1 / 20) - 1
    assert growth == pytest.approx(empyrical.cagr(port), abs=0.003)


def test_monte_carlo_bad_assumption_is_named_and_nothing_changes():
    out = _project([].append, paths=1_000, vol=-5)
    assert out[:2] == (no_update, no_update)
    assert "The volatility must be zero or more; got -5.0% a year." in str(out[2])
    out = _project([].append, paths=1_000, exp_return=-150, vol=10)
    assert "The expected return must be above -100% a year; got -150.0%." in str(out[2])
    # an emptied box (the browser empties one outside its min/max) is named, not replaced by a default
    out = _project([].append, years=None, paths=1_000, vol=10)
    assert out[:2] == (no_update, no_update) and "Type the number of years (1 to 60)" in str(out[2])
    out = _project([].append, paths=None, vol=10)
    assert "Type the number of paths (100 to 200,000)" in str(out[2])


def _layout_value(tree, id_, prop):
    """The initial ``prop`` of the component ``id_`` in a page layout."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if getattr(node, "id", None) == id_:
            return getattr(node, prop, None)
        kids = getattr(node, "children", None)
        stack.extend(kids if isinstance(kids, list | tuple) else [kids] if kids is not None else [])
    raise KeyError(id_)


def test_max_drawdown_is_a_negative_fraction_on_every_page(wd, call_with_trigger):
    """README, Conventions: drawdowns are negative fractions; each place that shows one is read."""
    from pages import construct, present
    from pages import data as data_page

    port = wd.returns.mean(axis=1)  # the equal-weight portfolio of the default workspace
    mdd = empyrical.max_drawdown(port)  # oracle: empyrical, negative
    assert mdd < -0.2
    # Data page: per-asset statistics grid
    rows = data_page.render(WS, "light")[1]
    for row in rows:
        assert row["max_drawdown"] == pytest.approx(empyrical.max_drawdown(wd.returns[row["ticker"]]), rel=1e-9)
        assert row["max_drawdown"] < 0
    # Risk page: KPI card and performance grid
    _badge, kpis, perf, *_ = page.performance(WS, "light")
    assert f"{mdd:.2%}" in str(kpis)
    assert next(r for r in perf if r["metric"] == "Max drawdown")["portfolio"] == f"{mdd:.1%}"
    # Present page KPI and the downloadable report
    assert f"{mdd:.1%}" in str(present.render({}, None, None, WS)[2])
    download, _ = call_with_trigger("present-report-html.n_clicks", present.download_report, 1, 0, {}, "Acme",
                                    None, WS)
    assert f"Max drawdown</div><div class='value'>{mdd:.1%}" in base64.b64decode(download["content"]).decode()
    # Construct page: walk-forward backtest metrics grid
    tree = construct.layout()
    recipe = {name: _layout_value(tree, s.component_id, s.component_property)
              for name, s in construct.RECIPE_STATES.items()}
    *_figs, bt_rows, _cols, status = construct.run_backtest([].append, 1, ["equal_weight"], "M", 252, 10, recipe,
                                                            WS, "light")
    assert "Backtested" in str(status)
    shown = next(r for r in bt_rows if r["metric"] == "Max drawdown")
    assert all(v.startswith("-") for k, v in shown.items() if k != "metric"), shown


def test_cornish_fisher_row_is_explained_with_the_sample_skew_and_kurtosis(wd):
    """The issue saw a Cornish-Fisher CVaR of 4.9% against a historical 2.6% at 95%."""
    *_rest, note, alert = page.value_at_risk(WS, 0.95, 1, "cornish_fisher", 1e6, "light")
    port = wd.returns.mean(axis=1).to_numpy()
    S, K = stats.skew(port, bias=False), stats.kurtosis(port, bias=False)  # scipy's adjusted estimators
    assert K > 8  # daily returns with the 2020 crash
    assert f"skew S = {S:.2f} and excess kurtosis K = {K:.2f}" in note and alert is None
    assert "outside the expansion's domain of validity" in note and "Unreliable here" in note
    # Over 20 days the moments shrink (S / sqrt(20), K / 20) and the expansion holds.
    *_rest, note20, _ = page.value_at_risk(WS, 0.95, 20, "cornish_fisher", 1e6, "light")
    assert f"K = {K / 20:.2f} (daily values scaled to 20 days" in note20 and "inside the expansion's domain" in note20


def test_stress_benchmark_column_is_the_chosen_benchmark():
    _fig, rows, _sliders, _alert = page.stress(WS, 1e6, None, "light")  # default: S&P 500 total return
    tr = data.load_dataset("sp500").total_return_benchmark
    covid = next(r for r in rows if "COVID" in r["scenario"])
    assert covid["benchmark_return"] == pytest.approx(tr["2020-03-23"] / tr["2020-02-19"] - 1, abs=1e-12)


def test_a_stock_of_the_universe_as_benchmark_drives_every_risk_section(wd):
    """Issue 16: AAPL as benchmark made the shock section fail (ValueError: the AAPL column twice)."""
    ws = workspace.select(WS, benchmark="AAPL")
    outputs = {"performance": page.performance(ws, "light"),
               "var": page.value_at_risk(ws, 0.95, 1, "historical", 1e6, "light"),
               "decomposition": page.decomposition(ws, "light"), "stress": page.stress(ws, 1e6, None, "light"),
               "backtest": page.backtest(ws, 0.99, 250, "historical", "light")}
    for name, out in outputs.items():
        assert out[-1] is None, name  # no alert
    fig, summary = page.shock(-0.2, [], [], ws, 1_000_000, "light")
    assert "went wrong" not in str(summary)
    pnl = pd.Series(fig.data[0].y, index=fig.data[0].x)
    assert list(pnl.index) == list(wd.returns.columns)
    # Shocking the market is shocking AAPL itself: AAPL moves -20%, every other stock by its regression beta on
    # AAPL (the conditional mean of a bivariate normal), on numpy's sample covariance of the daily returns.
    rets = wd.returns.to_numpy()
    aapl = list(wd.returns.columns).index("AAPL")
    c = np.cov(rets, rowvar=False)
    moves = c[:, aapl] / c[aapl, aapl] * -0.2
    np.testing.assert_allclose(pnl.to_numpy(), moves / 20 * 1_000_000, rtol=1e-9)
    assert pnl["AAPL"] == pytest.approx(-0.2 / 20 * 1_000_000)


@pytest.mark.parametrize("model", ["factor_pca", "factor_etf"])
def test_factor_risk_section_splits_the_target_variance(wd, model):
    ws = workspace.with_target(WS, pd.Series({"KO": 0.5, "PG": 0.3, "AAPL": 0.2}), "manual")
    summary, fig, rows, alert = page.factor_risk(ws, model, "light")
    w = pd.Series({"KO": 0.5, "PG": 0.3, "AAPL": 0.2}).reindex(wd.returns.columns).fillna(0.0)
    cov = estimators.covariance_estimate(wd.returns, model).cov
    total = float(w @ cov @ w)  # the dense B F B' + D the model implies
    assert rows[-1]["component"] == "Total" and rows[-1]["variance"] == pytest.approx(total, rel=1e-10)
    specific = rows[-2]
    assert specific["component"] == "Specific"
    assert f"specific {specific['share']:.1%}" in summary and alert is None
    assert sum(fig.data[0].y) == pytest.approx(1.0)


def test_factor_risk_refuses_an_unknown_model():
    *_, alert = page.factor_risk(WS, "nope", "light")
    assert "Unknown factor model 'nope'" in str(alert)
