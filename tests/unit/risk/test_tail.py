"""finance_core.risk.tail against skfolio (historical VaR/CVaR), QuantStats (Gaussian VaR),
SciPy (normal tail integrals, numerical integration) and a full sort.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import quantstats as qs
from scipy import integrate, stats
from skfolio import measures as skm

from finance_core import risk


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
