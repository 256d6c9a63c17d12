"""finance_core.risk against peer libraries (oracles) and closed forms.

Oracles: skfolio (historical VaR/CVaR), QuantStats (Gaussian VaR, skew, kurtosis, win
rate, ulcer index, drawdown details), empyrical (ratios, rolling statistics),
Riskfolio-Lib (risk contributions), SciPy (normal tail integrals, chi-squared
likelihood-ratio tests, numerical integration), closed forms of geometric Brownian
motion and the annuity future value for the Monte Carlo projection.
"""

from __future__ import annotations

import warnings

import empyrical
import numpy as np
import pandas as pd
import pytest
import quantstats as qs
import riskfolio as rp
from scipy import integrate, stats
from skfolio import measures as skm

from finance_core import risk
from finance_core.data import load_dataset, to_returns
from finance_core.errors import DataError


@pytest.fixture(scope="module")
def market():
    ds = load_dataset("sp500")
    rets = to_returns(ds.prices).iloc[-2500:]
    bench = to_returns(ds.benchmark).reindex(rets.index)
    rng = np.random.default_rng(7)
    w = pd.Series(rng.dirichlet(np.ones(rets.shape[1])), index=rets.columns)
    port = pd.Series(rets.to_numpy() @ w.to_numpy(), index=rets.index, name="portfolio")
    return {"rets": rets, "bench": bench, "w": w, "port": port, "sectors": ds.sectors}


# --------------------------------------------------------------------------- VaR / CVaR
@pytest.mark.parametrize("level", [0.9, 0.95, 0.975, 0.99])
def test_historical_var_cvar_match_skfolio(market, level):
    port = market["port"]
    assert risk.value_at_risk(port, level) == pytest.approx(
        skm.value_at_risk(port.to_numpy(), beta=level), rel=1e-12
    )
    assert risk.conditional_value_at_risk(port, level) == pytest.approx(
        skm.cvar(port.to_numpy(), beta=level), rel=1e-12
    )
    # DataFrame + weights gives the same portfolio
    assert risk.value_at_risk(market["rets"], level, weights=market["w"]) == pytest.approx(
        skm.value_at_risk(port.to_numpy(), beta=level), rel=1e-10
    )


def test_historical_per_asset_match_skfolio(market):
    rets = market["rets"]
    ours = risk.value_at_risk(rets, 0.99)
    np.testing.assert_allclose(ours.to_numpy(), skm.value_at_risk(rets.to_numpy(), beta=0.99), rtol=1e-12)
    ours = risk.conditional_value_at_risk(rets, 0.95)
    np.testing.assert_allclose(ours.to_numpy(), skm.cvar(rets.to_numpy(), beta=0.95), rtol=1e-12)


def test_historical_horizon_uses_overlapping_compounded_returns(market):
    port = market["port"]
    h = 10
    # oracle: pandas rolling product of gross returns, then skfolio's VaR
    agg = ((1 + port).rolling(h).apply(np.prod, raw=True) - 1).dropna().to_numpy()
    assert risk.value_at_risk(port, 0.99, horizon=h) == pytest.approx(
        skm.value_at_risk(agg, beta=0.99), rel=1e-9
    )
    assert risk.conditional_value_at_risk(port, 0.99, horizon=h) == pytest.approx(
        skm.cvar(agg, beta=0.99), rel=1e-9
    )
    np.testing.assert_allclose(risk.horizon_returns(port, h).to_numpy(), agg, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("level", [0.95, 0.99])
def test_gaussian_var_matches_quantstats_and_cvar_matches_scipy(market, level):
    port = market["port"]
    # QuantStats' value_at_risk is the variance-covariance VaR as a (negative) return
    expected = -qs.stats.value_at_risk(port, sigma=1, confidence=level)
    assert risk.value_at_risk(port, level, "gaussian") == pytest.approx(expected, rel=1e-10)
    mu, sd = port.mean(), port.std()
    q = stats.norm.ppf(1 - level, mu, sd)
    tail = stats.norm.expect(lambda x: x, loc=mu, scale=sd, ub=q, conditional=True)
    assert risk.conditional_value_at_risk(port, level, "gaussian") == pytest.approx(-tail, rel=1e-7)
    # horizon scaling: mean h mu, volatility sqrt(h) sigma (square-root-of-time rule, Jorion 2007)
    h = 5
    expected_h = -(h * mu + np.sqrt(h) * sd * stats.norm.ppf(1 - level))
    assert risk.value_at_risk(port, level, "gaussian", horizon=h) == pytest.approx(expected_h, rel=1e-10)


def _cf_quantile(u, skew, kurt):
    z = stats.norm.ppf(u)
    return z + (z**2 - 1) * skew / 6 + (z**3 - 3 * z) * kurt / 24 - (2 * z**3 - 5 * z) * skew**2 / 36


def test_cornish_fisher_against_expansion_and_numerical_tail_mean(market):
    port = market["port"]
    x = port.to_numpy()
    mu, sd = x.mean(), x.std(ddof=1)
    skew = stats.skew(x, bias=False)  # scipy's adjusted estimators as the independent moments
    kurt = stats.kurtosis(x, bias=False)
    level = 0.99
    expected_var = -(mu + sd * _cf_quantile(1 - level, skew, kurt))  # Zangari (1996) expansion
    assert risk.value_at_risk(port, level, "cornish_fisher") == pytest.approx(expected_var, rel=1e-9)
    # CVaR: the tail mean of the Cornish-Fisher quantile function, by numerical integration
    integral, _ = integrate.quad(lambda u: _cf_quantile(u, skew, kurt), 0, 1 - level, limit=200)
    expected_cvar = -(mu + sd * integral / (1 - level))
    assert risk.conditional_value_at_risk(port, level, "cornish_fisher") == pytest.approx(
        expected_cvar, rel=1e-6
    )


def test_monte_carlo_normal_converges_to_gaussian_and_is_seeded(market):
    rets, w = market["rets"], market["w"]
    g = risk.value_at_risk(rets, 0.99, "gaussian", weights=w)
    mc = risk.value_at_risk(rets, 0.99, "monte_carlo", weights=w, n_scenarios=200_000, seed=1)
    assert mc == pytest.approx(g, rel=0.02)
    gc = risk.conditional_value_at_risk(rets, 0.99, "gaussian", weights=w)
    mcc = risk.conditional_value_at_risk(rets, 0.99, "monte_carlo", weights=w, n_scenarios=200_000, seed=1)
    assert mcc == pytest.approx(gc, rel=0.03)
    again = risk.value_at_risk(rets, 0.99, "monte_carlo", weights=w, n_scenarios=200_000, seed=1)
    assert again == mc


def test_monte_carlo_bootstrap_converges_to_historical(market):
    port = market["port"]
    hist = risk.value_at_risk(port, 0.95)
    boot = risk.value_at_risk(port, 0.95, "monte_carlo", simulation="bootstrap", n_scenarios=200_000, seed=3)
    assert boot == pytest.approx(hist, rel=0.03)


def test_var_table_money_and_ordering(market):
    table = risk.var_table(market["rets"], 0.99, weights=market["w"], portfolio_value=2e6, n_scenarios=20_000)
    assert list(table.index) == list(risk.METHODS)
    np.testing.assert_allclose(table["var_amount"], table["var"] * 2e6)
    assert (table["cvar"] >= table["var"]).all()


# --------------------------------------------------------------------------- performance
def test_performance_summary_matches_empyrical(market):
    port, bench = market["port"], market["bench"]
    rf_annual = 0.02
    rf = (1 + rf_annual) ** (1 / 252) - 1
    s = risk.performance_summary(port, bench, risk_free_rate=rf_annual)
    assert s["cagr"] == pytest.approx(empyrical.annual_return(port), rel=1e-10)
    assert s["volatility"] == pytest.approx(empyrical.annual_volatility(port), rel=1e-10)
    assert s["sharpe"] == pytest.approx(empyrical.sharpe_ratio(port, risk_free=rf), rel=1e-10)
    assert s["sortino"] == pytest.approx(empyrical.sortino_ratio(port, required_return=rf), rel=1e-10)
    assert s["calmar"] == pytest.approx(empyrical.calmar_ratio(port), rel=1e-10)
    assert s["omega"] == pytest.approx(empyrical.omega_ratio(port, risk_free=rf), rel=1e-10)
    assert s["max_drawdown"] == pytest.approx(empyrical.max_drawdown(port), rel=1e-10)
    alpha, beta = empyrical.alpha_beta(port, bench, risk_free=rf)
    assert s["beta"] == pytest.approx(beta, rel=1e-10)
    assert s["alpha"] == pytest.approx(alpha, rel=1e-8)
    assert s["information_ratio"] == pytest.approx(
        empyrical.excess_sharpe(port, bench) * np.sqrt(252), rel=1e-10
    )
    assert s["tracking_error"] == pytest.approx(empyrical.annual_volatility(port - bench), rel=1e-10)


def test_performance_summary_matches_quantstats(market):
    port = market["port"]
    s = risk.performance_summary(port)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert s["skew"] == pytest.approx(qs.stats.skew(port), rel=1e-10)
        assert s["kurtosis"] == pytest.approx(qs.stats.kurtosis(port), rel=1e-10)
        assert s["hit_rate"] == pytest.approx(qs.stats.win_rate(port), rel=1e-12)
        assert s["best_day"] == pytest.approx(qs.stats.best(port), rel=1e-12)
        assert s["worst_day"] == pytest.approx(qs.stats.worst(port), rel=1e-12)
        # Martin's Ulcer index averages over n; QuantStats divides the sum by n - 1
        n = len(port)
        assert s["ulcer_index"] ** 2 * n == pytest.approx(
            qs.stats.ulcer_index(port) ** 2 * (n - 1), rel=1e-10
        )


def test_rolling_statistics_match_empyrical(market):
    port, bench = market["port"], market["bench"]
    roll = risk.rolling_statistics(port, bench, window=63)
    vol = empyrical.roll_annual_volatility(port, 63)
    pd.testing.assert_series_equal(roll["volatility"].dropna(), vol, check_names=False, rtol=1e-9)
    sharpe = empyrical.roll_sharpe_ratio(port, 63)
    pd.testing.assert_series_equal(roll["sharpe"].dropna(), sharpe, check_names=False, rtol=1e-8)
    beta = empyrical.roll_beta(port, bench, 63)
    np.testing.assert_allclose(
        roll["beta"].dropna().to_numpy(), np.asarray(beta).ravel()[-len(roll["beta"].dropna()) :], rtol=1e-8
    )


def test_drawdowns_match_quantstats_details(market):
    port = market["port"]
    result = risk.drawdowns(port, top=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dd = qs.stats.to_drawdown_series(port)
        details = qs.stats.drawdown_details(dd).sort_values("max drawdown").head(5)
    np.testing.assert_allclose(result.underwater.to_numpy(), dd.to_numpy(), atol=1e-12)
    np.testing.assert_allclose(
        result.table["drawdown"].to_numpy() * 100, details["max drawdown"].to_numpy(), rtol=1e-9
    )
    assert list(result.table["trough"].dt.strftime("%Y-%m-%d")) == list(details["valley"])
    assert result.max_drawdown == pytest.approx(empyrical.max_drawdown(port), rel=1e-12)
    first = result.table.iloc[0]
    assert first["peak"] < first["trough"]
    assert pd.isna(first["recovery"]) or first["recovery"] > first["trough"]


# --------------------------------------------------------------------------- decomposition
def test_risk_contributions_match_riskfolio(market):
    rets, w = market["rets"], market["w"]
    cov = rets.cov()
    table = risk.risk_contributions(w, cov)
    vol = float(np.sqrt(w @ cov @ w))
    assert table["component"].sum() == pytest.approx(vol, rel=1e-12)
    assert table["percent"].sum() == pytest.approx(1.0, rel=1e-12)
    rc = rp.Risk_Contribution(w.to_frame(), rets, cov, rm="MV")
    np.testing.assert_allclose(table["component"].to_numpy(), np.asarray(rc).ravel(), rtol=1e-5)


@pytest.mark.parametrize("measure", ["var", "cvar"])
@pytest.mark.parametrize("method", ["gaussian", "historical"])
def test_tail_contributions_add_up_to_the_measure(market, measure, method):
    rets, w = market["rets"], market["w"]
    table = risk.tail_risk_contributions(rets, w, 0.95, measure=measure, method=method)
    port = market["port"].to_numpy()
    if method == "historical":  # skfolio as the oracle of the total
        total = skm.value_at_risk(port, beta=0.95) if measure == "var" else skm.cvar(port, beta=0.95)
    else:
        fn = risk.value_at_risk if measure == "var" else risk.conditional_value_at_risk
        total = fn(rets, 0.95, "gaussian", weights=w)
        # and a finite-difference check of the Euler marginal (homogeneity of degree 1)
        i = 3
        eps = 1e-6
        bumped = w.copy()
        bumped.iloc[i] += eps
        numeric = (fn(rets, 0.95, "gaussian", weights=bumped) - total) / eps
        assert table["marginal"].iloc[i] == pytest.approx(numeric, rel=1e-4)
    assert table["component"].sum() == pytest.approx(total, rel=1e-10)
    assert table["percent"].sum() == pytest.approx(1.0, rel=1e-10)


def test_sector_aggregation_adds_up(market):
    table = risk.risk_contributions(market["w"], market["rets"].cov())
    sectors = risk.aggregate_by_sector(table, market["sectors"])
    assert sectors["component"].sum() == pytest.approx(table["component"].sum(), rel=1e-12)
    assert sectors["weight"].sum() == pytest.approx(1.0)
    energy = market["sectors"][market["sectors"] == "Energy"].index
    assert sectors.loc["Energy", "component"] == pytest.approx(table.loc[energy, "component"].sum())


# --------------------------------------------------------------------------- stress tests
def test_stress_test_replays_buy_and_hold(market):
    ds = load_dataset("sp500")
    w = pd.Series({"AAPL": 0.5, "XOM": 0.5})
    table = risk.stress_test(w)
    assert list(table.index) == [s.name for s in risk.SCENARIOS]
    p = ds.prices.loc["2020-02-19":"2020-03-23", ["AAPL", "XOM"]]
    expected = 0.5 * (p["AAPL"].iloc[-1] / p["AAPL"].iloc[0] - 1) + 0.5 * (
        p["XOM"].iloc[-1] / p["XOM"].iloc[0] - 1
    )
    assert table.loc["COVID-19 crash", "portfolio_return"] == pytest.approx(expected, rel=1e-12)
    assert table.loc["COVID-19 crash", "relative"] == pytest.approx(
        expected - table.loc["COVID-19 crash", "benchmark_return"]
    )
    paths = risk.scenario_paths(w, "COVID-19 crash")
    assert paths["portfolio"].iloc[-1] - 1 == pytest.approx(expected, rel=1e-12)


def test_stress_test_custom_scenarios_and_missing_history():
    prices = load_dataset("sp500").prices.loc["2015":]
    custom = [risk.Scenario("Brexit", "2016-06-23", "2016-06-27"), ("Old", "1995-01-01", "1995-12-31")]
    table = risk.stress_test(pd.Series({"JPM": 1.0}), custom, prices=prices)
    assert np.isfinite(table.loc["Brexit", "portfolio_return"])
    assert np.isnan(table.loc["Old", "portfolio_return"])
    assert "No price history" in table.loc["Old", "note"]


def test_hypothetical_shock_single_asset_uses_regression_betas(market):
    cov = market["rets"].cov() * 21
    w = market["w"]
    res = risk.hypothetical_shock(w, cov, {"XOM": -0.2})
    # conditional mean of a bivariate normal: E[r_j | r_i = s] = cov_ji / var_i * s
    expected = cov["XOM"] / cov.loc["XOM", "XOM"] * -0.2
    np.testing.assert_allclose(res.pnl["asset_return"].to_numpy(), expected.to_numpy(), rtol=1e-10)
    assert res.pnl.loc["XOM", "shocked"]
    assert res.portfolio_return == pytest.approx(float(w @ expected))


def test_hypothetical_shock_sector_and_market(market):
    cov = market["rets"].cov() * 21
    sectors = market["sectors"]
    res = risk.hypothetical_shock(market["w"], cov, {"market": -0.15, "Energy": -0.3}, sectors)
    energy = sectors[sectors == "Energy"].index
    assert res.pnl.loc[energy, "asset_return"].mean() == pytest.approx(-0.3, abs=1e-10)
    assert res.pnl["asset_return"].mean() == pytest.approx(-0.15, abs=1e-10)
    assert res.portfolio_pnl == pytest.approx(res.pnl["pnl"].sum())


def test_hypothetical_shock_errors(market):
    cov = market["rets"].cov()
    with pytest.raises(DataError, match="Unknown shock 'NOPE'"):
        risk.hypothetical_shock(market["w"], cov, {"NOPE": -0.1}, market["sectors"])
    with pytest.raises(DataError, match="contradict"):
        risk.hypothetical_shock(market["w"], cov, {"XOM": -0.1, "xom": -0.3})


# --------------------------------------------------------------------------- backtests
@pytest.mark.parametrize("x, t, level", [(0, 250, 0.99), (4, 250, 0.99), (12, 250, 0.99), (30, 500, 0.95)])
def test_kupiec_matches_scipy_g_test(x, t, level):
    p = 1 - level
    # Kupiec's LR is the G-test (log-likelihood power divergence) of observed vs expected counts
    g, pval = stats.power_divergence([t - x, x], f_exp=[t * (1 - p), t * p], lambda_="log-likelihood")
    res = risk.kupiec_test(x, t, level)
    assert res.statistic == pytest.approx(g, rel=1e-10, abs=1e-12)
    assert res.pvalue == pytest.approx(stats.chi2.sf(g, 1), rel=1e-8)


def test_christoffersen_matches_scipy_contingency_g_test():
    rng = np.random.default_rng(5)
    hits = rng.random(600) < 0.03
    hits[100:104] = True  # a cluster
    prev, nxt = hits[:-1], hits[1:]
    table = np.array([[np.sum(~prev & ~nxt), np.sum(~prev & nxt)], [np.sum(prev & ~nxt), np.sum(prev & nxt)]])
    g, pval, dof, _ = stats.chi2_contingency(table, correction=False, lambda_="log-likelihood")
    res = risk.christoffersen_test(hits, 0.99)
    assert res.statistic == pytest.approx(g, rel=1e-10)
    assert res.pvalue == pytest.approx(pval, rel=1e-8)
    assert res.reject
    cc = risk.christoffersen_test(hits, 0.99, kind="conditional_coverage")
    uc = risk.kupiec_test(int(table[:, 1].sum()), int(table.sum()), 0.99)
    assert cc.statistic == pytest.approx(uc.statistic + g, rel=1e-10)
    assert cc.dof == 2


@pytest.mark.parametrize("method", ["historical", "gaussian", "cornish_fisher"])
def test_var_backtest_forecasts_are_out_of_sample(market, method):
    port = market["port"]
    bt = risk.var_backtest(port, window=250, level=0.99, method=method)
    assert len(bt.frame) == len(port) - 250
    for j in (0, 137, len(bt.frame) - 1):
        date = bt.frame.index[j]
        past = port.loc[:date].iloc[-251:-1]  # the 250 days before `date`
        if method == "historical":
            expected = skm.value_at_risk(past.to_numpy(), beta=0.99)  # skfolio as oracle
        else:
            expected = risk.value_at_risk(past, 0.99, method)
        assert bt.frame["var"].iloc[j] == pytest.approx(expected, rel=1e-9)
    assert bt.exceptions == int((bt.frame["return"] < -bt.frame["var"]).sum())
    assert bt.kupiec == risk.kupiec_test(bt.exceptions, bt.observations, 0.99)
    assert bt.zone in ("green", "yellow", "red")


# --------------------------------------------------------------------------- regimes
def test_regimes_have_no_look_ahead(market):
    bench = market["bench"]
    full = risk.detect_regimes(bench, min_train=500, refit_every=250)
    cut = bench.iloc[:1600]
    part = risk.detect_regimes(cut, min_train=500, refit_every=250)
    # Which days share a regime is decided with past data only: truncating the history leaves
    # every earlier assignment unchanged. (The names describe the statistics of the whole
    # analysed period, so a shorter period may name the same state differently.)
    pd.testing.assert_series_equal(full.states.iloc[:1600], part.states)
    for result in (full, part):  # one name per state
        assert result.labels.groupby(result.states).nunique().eq(1).all()
    allowed = {"warm-up", "bull quiet", "bull volatile", "bear quiet", "bear volatile"}
    assert set(full.labels.unique()) <= allowed
    assert (full.labels.iloc[:519] == "warm-up").all()  # 20 feature days + 499 training days
    assert (full.states.iloc[:519] == -1).all()


def test_regime_labels_agree_with_the_statistics_they_show(market):
    """Bundled data: the issue found 'bear volatile' at +27.6% a year and 'bull volatile' at -10.0%."""
    for returns, weights in ((market["bench"], None), (market["rets"], market["w"]),
                             (market["rets"], pd.Series(1 / 20, index=market["rets"].columns))):
        res = risk.detect_regimes(returns, weights=weights)
        for name, row in res.stats.iterrows():
            assert name.startswith("bull") == (row["annual_return"] > 0), name  # judged by annual_return
            others = res.stats["volatility"].drop(name)
            assert ("volatile" in name) == bool(row["volatility"] > others.min()), name  # two regimes
        # the table's realised return is the mean of the days that carry the label
        port = risk.portfolio_returns(returns, weights)
        for name, row in res.stats.iterrows():
            assert row["annual_return"] == pytest.approx(port[res.labels == name].mean() * 252, rel=1e-12)


def test_regimes_of_a_calm_up_trend_and_a_volatile_down_trend():
    # Alternating 250-day blocks: calm up-trend (+0.08% a day, 0.5% daily sd, about +20% and 8% a
    # year) and volatile down-trend (-0.15% a day, 2.5% daily sd, about -38% and 40% a year).
    rng = np.random.default_rng(3)
    calm = [rng.normal(0.0008, 0.005, 250) for _ in range(6)]
    wild = [rng.normal(-0.0015, 0.025, 250) for _ in range(6)]
    r = pd.Series(np.concatenate([b for pair in zip(calm, wild, strict=True) for b in pair]),
                  index=pd.bdate_range("2000-01-03", periods=3000))
    truth = pd.Series(np.tile(np.repeat(["bull quiet", "bear volatile"], 250), 6), index=r.index)
    res = risk.detect_regimes(r)
    assert set(res.stats.index) == {"bull quiet", "bear volatile"}
    judged = res.labels != "warm-up"
    # allow the 21-day feature window to lag each of the switches
    assert (res.labels[judged] == truth[judged]).mean() > 0.95
    assert res.stats.loc["bear volatile", "annual_return"] < 0 < res.stats.loc["bull quiet", "annual_return"]
    assert res.stats.loc["bear volatile", "feature_volatility"] > res.stats.loc["bull quiet", "feature_volatility"]


def test_regime_statistics_match_empyrical_on_each_regime(market):
    bench = market["bench"]
    res = risk.detect_regimes(bench, min_train=500, refit_every=250)
    for name, row in res.stats.iterrows():
        subset = bench[res.labels == name]
        assert row["days"] == len(subset)
        assert row["volatility"] == pytest.approx(empyrical.annual_volatility(subset), rel=1e-10)
        assert row["sharpe"] == pytest.approx(empyrical.sharpe_ratio(subset), rel=1e-10)
    assert res.stats["share"].sum() == pytest.approx(1.0)


# --------------------------------------------------------------------------- Monte Carlo
def test_monte_carlo_matches_gbm_closed_form():
    m, s, T, w0 = 0.07, 0.18, 10, 100.0
    res = risk.monte_carlo_paths(w0, T, expected_return=m, volatility=s, n_paths=40_000, goal=200.0, seed=11)
    mu = np.log1p(m)
    loc, scale = np.log(w0) + (mu - s**2 / 2) * T, s * np.sqrt(T)
    # lognormal terminal wealth of geometric Brownian motion (Hull, ch. 15)
    for p in (5, 50, 95):
        expected = np.exp(loc + scale * stats.norm.ppf(p / 100))
        assert res.percentiles.loc[T, f"p{p}"] == pytest.approx(expected, rel=0.02)
    assert res.percentiles.loc[T, "mean"] == pytest.approx(w0 * (1 + m) ** T, rel=0.02)
    expected_goal = stats.norm.sf((np.log(200.0) - loc) / scale)
    assert res.goal_probability == pytest.approx(expected_goal, abs=0.01)


def test_monte_carlo_deterministic_contributions_match_annuity_formula():
    # zero volatility: wealth follows the future value of an annuity with monthly compounding
    m, years, c, w0 = 0.05, 20, 12_000.0, 50_000.0
    res = risk.monte_carlo_paths(w0, years, expected_return=m, volatility=0.0, contribution=c, n_paths=200)
    i = (1 + m) ** (1 / 12) - 1
    n = 12 * years
    fv = w0 * (1 + i) ** n + (c / 12) * ((1 + i) ** n - 1) / i
    assert res.percentiles.loc[years, "p50"] == pytest.approx(fv, rel=1e-10)


def test_monte_carlo_withdrawals_deplete_and_progress_is_reported():
    calls = []
    res = risk.monte_carlo_paths(
        100_000, 30, expected_return=0.03, volatility=0.15, contribution=-12_000, n_paths=3_000,
        chunk_size=1_000, progress=lambda done, total: calls.append((done, total)),
    )  # fmt: skip
    assert calls == [(1000, 3000), (2000, 3000), (3000, 3000)]
    assert res.depletion_probability > 0.5
    assert (res.percentiles.loc[30, "p5"]) == 0.0


def test_estimated_projection_compounds_at_the_historical_cagr(market):
    port = market["port"]
    res = risk.monte_carlo_paths(1.0, 20, returns=port, n_paths=20_000, seed=5)
    assert (res.return_source, res.volatility_source) == ("estimated", "estimated")
    # m = (1 + mean daily)^252 - 1 = E[annual gross] - 1 for i.i.d. days; sigma = daily sd x sqrt(252)
    assert res.expected_return == pytest.approx((1 + port.mean()) ** 252 - 1, rel=1e-12)
    assert res.volatility == pytest.approx(empyrical.annual_volatility(port), rel=1e-12)
    # so the median path grows at the sample's CAGR (empyrical), not sigma^2 / 2 a year below it
    growth = res.percentiles.loc[20, "p50"] ** (1 / 20) - 1
    assert growth == pytest.approx(empyrical.cagr(port), abs=0.003)
    given = risk.monte_carlo_paths(1.0, 5, returns=port, expected_return=0.07, n_paths=200)
    assert (given.expected_return, given.return_source, given.volatility_source) == (0.07, "input", "estimated")


def test_monte_carlo_bootstrap_from_history(market):
    res = risk.monte_carlo_paths(1.0, 5, returns=market["port"], method="bootstrap", n_paths=2_000, goal=1.5)
    assert 0 <= res.goal_probability <= 1
    assert res.method == "bootstrap"


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("level", [0.4, 1.0, 95, -0.1, float("nan")])
def test_level_out_of_range_is_named(market, level):
    with pytest.raises(DataError, match="confidence level") as err:
        risk.value_at_risk(market["port"], level)
    assert err.value.code == "bad_level"
    if level == 95:
        assert "0.95" in str(err.value)


def test_window_longer_than_history(market):
    short = market["port"].iloc[:100]
    with pytest.raises(DataError, match="window of 250 days.*100 days of history"):
        risk.var_backtest(short, window=250)
    with pytest.raises(DataError, match="rolling window of 126 days is longer than the 100 days"):
        risk.rolling_statistics(short)
    with pytest.raises(DataError, match="horizon of 200 days"):
        risk.value_at_risk(short, 0.95, horizon=200)


def test_weights_outside_universe_are_named(market):
    w = pd.Series({"AAPL": 0.5, "TSLA": 0.3, "NFLX": 0.2})
    with pytest.raises(DataError, match="TSLA, NFLX") as err:
        risk.value_at_risk(market["rets"], 0.95, weights=w)
    assert err.value.code == "unknown_ticker"
    with pytest.raises(DataError, match="TSLA"):
        risk.stress_test(w)
    with pytest.raises(DataError, match="TSLA"):
        risk.risk_contributions(w, market["rets"].cov())


def test_other_bad_inputs(market):
    with pytest.raises(DataError, match="Unknown VaR method 'magic'"):
        risk.value_at_risk(market["port"], 0.95, "magic")
    with pytest.raises(DataError, match="3 weights were given for 20 assets"):
        risk.value_at_risk(market["rets"], 0.95, weights=[0.2, 0.3, 0.5])
    with pytest.raises(DataError, match="missing or not a number"):
        risk.value_at_risk(market["rets"], 0.95, weights=pd.Series({"AAPL": np.nan}))
    with pytest.raises(DataError, match="cannot exceed"):
        risk.kupiec_test(300, 250, 0.99)
    with pytest.raises(DataError, match="Give expected_return and volatility"):
        risk.monte_carlo_paths(1.0, 10)
    with pytest.raises(DataError, match="ends .* before it starts"):
        risk.stress_test(pd.Series({"AAPL": 1.0}), [("Backwards", "2020-03-01", "2020-01-01")])


@pytest.mark.parametrize("level", [0.9, 0.95, 0.99, 0.999])
def test_per_asset_historical_var_fast_path_equals_the_full_partition(level):
    """The thresholded per-asset path reads the same order statistics as a full sort (ties included)."""
    rng = np.random.default_rng(7)
    x = rng.standard_t(4, (6000, 30)) * 0.01
    x[:, 0] = 0.001  # a constant column
    x[::5, 1] = -0.04  # many ties in the tail
    frame = pd.DataFrame(x, columns=[f"A{i}" for i in range(30)])
    var = risk.value_at_risk(frame, level)
    cvar = risk.conditional_value_at_risk(frame, level)
    n = len(x)
    k = (1 - level) * n
    ordered = np.sort(x, axis=0)
    i_var = min(n - 1, int(np.floor(k + 4 * np.finfo(float).eps * n)))
    i = max(0, int(np.ceil(k) - 1))
    # McNeil et al. (2015) lower empirical quantile and the Acerbi-Tasche (2002) estimator, from a full sort.
    np.testing.assert_array_equal(var.to_numpy(), -ordered[i_var])
    expected_cvar = -ordered[:i].sum(axis=0) / k + ordered[i] * (i / k - 1.0)
    np.testing.assert_allclose(cvar.to_numpy(), expected_cvar, rtol=1e-12)


def test_growth_compounds_returns_from_the_initial_value():
    r = pd.Series([0.10, -0.10, np.nan, 0.05])
    # 100 -> 110 -> 99 -> 99 (a missing return counts as flat) -> 103.95, by hand.
    np.testing.assert_allclose(risk.growth(r, 100.0).to_numpy(), [110.0, 99.0, 99.0, 103.95])
