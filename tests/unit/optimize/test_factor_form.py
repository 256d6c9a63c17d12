"""Mean-variance and the frontier on a FactorModel (issue 12, point 3): the factor form on cvxpy
must reach the same optimum as the dense covariance ``B F B' + diag(D)`` it implies.

The reference is the same problem solved on the dense N x N covariance (cvxpy/Clarabel with the
Cholesky factor, and the dense fast path PIQP), and volatilities are recomputed independently as
``sqrt(w' Σ w)`` on the dense matrix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finance_core import optimize as opt
from finance_core.errors import DataError
from finance_core.factor_model import FactorModel

OBJECTIVES = {
    "max_sharpe": {},
    "min_variance": {},
    "target_return": {"target": 0.12},
    "target_volatility": {"target": 0.15},
    "max_utility": {"risk_aversion": 3.0},
}


def random_model(n: int, k: int = 6, seed: int = 0) -> tuple[pd.Series, FactorModel, opt.Constraints]:
    """A random factor model (vols 15-60%, factors explain 30-70%), Sharpe 0-1, cap + 11 sector caps."""
    rng = np.random.default_rng(seed + n)
    tickers = [f"A{i:04d}" for i in range(n)]
    names = [f"f{j}" for j in range(k)]
    vol = rng.uniform(0.15, 0.60, n)
    share = rng.uniform(0.3, 0.7, n)
    raw = rng.normal(size=(k, k))
    f = raw @ raw.T / k + np.eye(k) * 0.05
    b = rng.normal(size=(n, k))
    b *= np.sqrt(share * vol**2 / np.einsum("ij,jk,ik->i", b, f, b))[:, None]
    model = FactorModel(
        pd.DataFrame(b, index=tickers, columns=names),
        pd.DataFrame(f, index=names, columns=names),
        pd.Series((1 - share) * vol**2, index=tickers),
    )
    mu = pd.Series(rng.uniform(0.0, 1.0, n) * vol, index=tickers)
    sectors = pd.Series([f"S{i % 11:02d}" for i in range(n)], index=tickers)
    cap = max(0.05, 2.0 / n)
    cons = opt.Constraints(
        bounds=(0.0, cap), sector_map=sectors, sector_bounds={s: (0.02, 0.15) for s in sectors.unique()}
    )
    return mu, model, cons


def dense_vol(w: pd.Series, model: FactorModel) -> float:
    cov = model.covariance().to_numpy()
    v = w.reindex(model.tickers).to_numpy()
    return float(np.sqrt(v @ cov @ v))


@pytest.mark.parametrize("objective", list(OBJECTIVES))
def test_every_objective_matches_dense_at_n50(objective: str) -> None:
    mu, model, cons = random_model(50)
    kwargs = OBJECTIVES[objective]
    factor = opt.mean_variance(mu, model, objective=objective, constraints=cons, solver="cvxpy", **kwargs)
    dense = opt.mean_variance(mu, model.covariance(), objective=objective, constraints=cons, solver="cvxpy", **kwargs)
    assert np.abs(factor.weights - dense.weights).max() < 1e-6
    assert factor.volatility == pytest.approx(dense_vol(factor.weights, model), rel=1e-10)
    assert factor.volatility == pytest.approx(dense.volatility, abs=1e-7)
    assert factor.expected_return == pytest.approx(dense.expected_return, abs=1e-7)
    assert any("factor form" in note for note in factor.notes)
    assert factor.weights.max() <= 0.05 + 1e-8


@pytest.mark.parametrize("objective", ["max_sharpe", "min_variance"])
def test_large_universe_uses_factor_form_and_matches_dense(objective: str) -> None:
    mu, model, cons = random_model(400)
    factor = opt.mean_variance(mu, model, objective=objective, constraints=cons)
    assert factor.solver == "CLARABEL"
    assert any("never formed" in note for note in factor.notes)
    cov = model.covariance()
    dense = opt.mean_variance(mu, cov, objective=objective, constraints=cons, solver="cvxpy")
    fast = opt.mean_variance(mu, cov, objective=objective, constraints=cons)
    assert np.abs(factor.weights - dense.weights).max() < 1e-6
    assert factor.volatility == pytest.approx(dense_vol(factor.weights, model), rel=1e-10)
    # never a worse objective than the dense solvers, to their 1e-10 gap tolerance (relative 1e-8)
    if objective == "max_sharpe":
        assert factor.sharpe >= max(dense.sharpe, fast.sharpe) * (1 - 1e-8)
    else:
        assert factor.volatility <= min(dense.volatility, fast.volatility) * (1 + 1e-8)
    sector_sums = factor.weights.groupby(lambda t: f"S{int(t[1:]) % 11:02d}").sum()
    assert sector_sums.max() <= 0.15 + 1e-8 and sector_sums.min() >= 0.02 - 1e-8


def test_small_universe_expands_to_the_dense_fast_path() -> None:
    mu, model, cons = random_model(50)
    alloc = opt.mean_variance(mu, model, constraints=cons)
    assert alloc.solver == "active_set"  # max Sharpe under caps and sectors: the tangency active set
    reference = opt.mean_variance(mu, model.covariance(), constraints=cons)
    assert np.abs(alloc.weights - reference.weights).max() < 1e-9


def test_frontier_in_factor_form_matches_dense() -> None:
    mu, model, cons = random_model(50)
    factor = opt.efficient_frontier(mu, model, n_points=5, constraints=cons, solver="cvxpy")
    dense = opt.efficient_frontier(mu, model.covariance(), n_points=5, constraints=cons, solver="cvxpy")
    assert np.abs(factor.weights.to_numpy() - dense.weights.to_numpy()).max() < 1e-6
    np.testing.assert_allclose(factor.volatilities, dense.volatilities, atol=1e-7)
    np.testing.assert_allclose(factor.asset_volatilities, np.sqrt(np.diag(model.covariance())), rtol=1e-12)
    assert factor.max_sharpe is not None and dense.max_sharpe is not None
    assert factor.max_sharpe.sharpe == pytest.approx(dense.max_sharpe.sharpe, abs=1e-7)


def test_tickers_not_matching_mu_are_refused_by_name() -> None:
    mu, model, cons = random_model(50)
    extra = pd.concat([mu, pd.Series({"ZZZ": 0.1})])
    with pytest.raises(DataError, match="does not cover ZZZ") as err:
        opt.mean_variance(extra, model)
    assert err.value.code == "bad_factor_model"
    with pytest.raises(DataError, match="Expected returns are missing for A0050"):
        opt.mean_variance(mu, random_model(51)[1])


def test_negative_specific_variance_is_refused() -> None:
    mu, model, _ = random_model(50)
    spec = model.specific_variance.where(model.specific_variance.index != "A0003", -0.01)
    bad = FactorModel(model.loadings, model.factor_covariance, spec)
    with pytest.raises(DataError, match="negative specific variances for A0003"):
        opt.efficient_frontier(mu, bad)


def test_recipe_hands_the_factor_model_to_mean_variance() -> None:
    from finance_core import recipes

    rng = np.random.default_rng(7)
    n, t = 320, 900
    tickers = [f"A{i:04d}" for i in range(n)]
    factors = rng.normal(0.0004, 0.01, size=(t, 3))
    returns = pd.DataFrame(
        factors @ rng.normal(1.0, 0.5, size=(3, n)) + rng.normal(0.0003, 0.015, size=(t, n)), columns=tickers
    )
    recipe = recipes.Recipe(method="min_variance", cov_method="factor_pca", upper=0.05)
    est = recipes.estimate(returns, recipe)
    assert est.factor_model is not None
    structured = recipes.allocate(returns, recipe, estimates=est)
    assert structured.solver == "CLARABEL"
    assert any("never formed" in note for note in structured.notes)
    dense = recipes.allocate(returns, recipe, estimates=recipes.Estimates(est.mu, est.cov, est.notes))
    assert np.abs(structured.weights - dense.weights).max() < 1e-6
    assert structured.volatility == pytest.approx(dense.volatility, rel=1e-6)


def test_estimates_offer_the_factor_model_as_the_risk_input() -> None:
    from finance_core import recipes

    mu, model, _ = random_model(50)
    assert recipes.Estimates(mu, model.covariance(), (), model).risk is model
    dense = model.covariance()
    assert recipes.Estimates(mu, dense).risk is dense


def test_capped_factor_frontier_reaches_its_top_point() -> None:
    """A 500-asset PCA model with a 5% cap (the Construct page's 500-name upload): Clarabel called the top
    point infeasible at the first back-off from the highest attainable return, leaving a NaN point that made
    the chart's axis ranges NaN (and every asset label drawn). The top is retried a hair lower; every point
    agrees with the critical line on the implied covariance."""
    from benchmarks.generated import prices_frame
    from finance_core import estimators

    prices = prices_frame(seed=5)
    returns = prices.pct_change().dropna()
    model = estimators.factor_model(returns)
    mu = returns.mean() * 252
    cons = opt.Constraints(bounds=(0.0, 0.05))
    factor = opt.efficient_frontier(mu, model, n_points=50, constraints=cons)
    assert np.isfinite(factor.returns).all() and np.isfinite(factor.volatilities).all()
    assert not [n for n in factor.notes if "could not be solved" in n]
    top = float(np.sort(mu.to_numpy())[-20:].sum() * 0.05)  # the highest return a 5% cap allows: the best 20
    assert factor.returns.iloc[-1] == pytest.approx(top, rel=1e-5)
    dense = opt.efficient_frontier(mu, model.covariance(), n_points=50, constraints=cons)
    assert factor.solver == "CLARABEL" and dense.solver == "cla"  # factor form on cvxpy; dense: critical line
    # Point 0 is min variance, whose return the flat objective leaves loose; the others are target returns.
    np.testing.assert_allclose(factor.returns[1:-1], dense.returns[1:-1], rtol=1e-6)
    np.testing.assert_allclose(factor.volatilities[:-1], dense.volatilities[:-1], rtol=1e-5)
    assert factor.volatilities.iloc[-1] == pytest.approx(dense.volatilities.iloc[-1], rel=1e-3)
