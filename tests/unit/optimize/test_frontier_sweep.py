"""The warm-started constrained frontier (issue 12, point 4) against cold Clarabel solves.

Oracle: an independent cvxpy model of each point, min w'Sw s.t. mu'w = r, 1'w = 1, bounds and
sector rows, solved cold by Clarabel at 1e-11 tolerances for every target the sweep traced.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest

from finance_core import optimize as opt
from finance_core.errors import InfeasibleError
from tests.unit.optimize.test_linear_qp import _problem  # the same seeded problems, four sectors


def _cold_point(mu: pd.Series, cov: pd.DataFrame, target: float, lo: float, hi: float, sectors: pd.Series,
                sector_range: tuple[float, float]) -> np.ndarray:
    w = cp.Variable(len(mu))
    cons = [cp.sum(w) == 1, w >= lo, w <= hi, mu.to_numpy() @ w == target]
    for name in sorted(set(sectors)):
        member = (sectors == name).to_numpy().astype(float)
        cons += [member @ w >= sector_range[0], member @ w <= sector_range[1]]
    prob = cp.Problem(cp.Minimize(cp.quad_form(w, cp.psd_wrap(cov.to_numpy()))), cons)
    prob.solve(solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    assert prob.status == "optimal"
    return np.asarray(w.value)


# (n, lower, cap, sector range)
CASES = [(40, 0.0, 0.08, (0.0, 0.30)), (60, 0.0, 0.05, (0.15, 0.28)), (30, -0.02, 0.10, (0.20, 0.30))]


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize(("n", "lower", "cap", "sector_range"), CASES)
def test_swept_frontier_matches_cold_clarabel(seed: int, n: int, lower: float, cap: float,
                                              sector_range: tuple[float, float]) -> None:
    mu, cov, sectors = _problem(n, seed)
    cons = opt.Constraints(bounds=(lower, cap), sector_map=sectors,
                           sector_bounds={s: sector_range for s in sorted(set(sectors))})
    fr = opt.efficient_frontier(mu, cov, n_points=15, constraints=cons)
    assert fr.solver == "active_set"
    cold_points = [n for n in fr.notes if "solved cold" in n]
    assert not cold_points or cold_points[0].startswith("1 of 15")  # at most the boundary point
    mv = opt.mean_variance(mu, cov, objective="min_variance", constraints=cons, solver="CLARABEL")
    assert fr.volatilities.iloc[0] == pytest.approx(mv.volatility, abs=1e-8)
    sigma = cov.to_numpy()
    for k in range(15):
        want = _cold_point(mu, cov, float(fr.returns.iloc[k]), lower, cap, sectors, sector_range)
        got = fr.weights.iloc[k].to_numpy()
        np.testing.assert_allclose(got, want, atol=1e-6)
        assert got @ sigma @ got <= want @ sigma @ want + 1e-10  # never a worse objective
    assert np.all(np.diff(fr.returns) > 0) and np.all(np.diff(fr.volatilities) > -1e-12)
    # the max Sharpe point is the tangency active set's, the same as mean_variance's
    ms = opt.mean_variance(mu, cov, objective="max_sharpe", constraints=cons)
    assert fr.max_sharpe is not None
    np.testing.assert_allclose(fr.max_sharpe.weights, ms.weights, atol=1e-9)


def test_swept_frontier_agrees_with_the_compiled_cvxpy_loop() -> None:
    """The old path (solver="cvxpy": one compiled problem re-solved per target) traces the same points."""
    mu, cov, sectors = _problem(50, 7)
    cons = opt.Constraints(bounds=(0.0, 0.06), sector_map=sectors,
                           sector_bounds={s: (0.1, 0.3) for s in sorted(set(sectors))})
    fast = opt.efficient_frontier(mu, cov, n_points=10, constraints=cons)
    slow = opt.efficient_frontier(mu, cov, n_points=10, constraints=cons, solver="cvxpy")
    assert fast.solver == "active_set" and slow.solver in opt.SOLVER_CHAIN
    # Clarabel's default tolerance leaves the min-variance return ~1e-5 loose on a flat valley, so
    # the evenly spaced targets shift by up to that; the risks agree tightly and are never worse
    np.testing.assert_allclose(fast.returns, slow.returns, atol=5e-5)
    np.testing.assert_allclose(fast.volatilities, slow.volatilities, atol=1e-7)
    assert fast.volatilities.iloc[0] <= slow.volatilities.iloc[0] + 1e-10


def test_swept_frontier_infeasible_sector_floors_are_named() -> None:
    """Four sector floors of 30% need 120% of the book: the message names the sector limits."""
    mu, cov, sectors = _problem(20, 3)
    cons = opt.Constraints(bounds=(0.0, 0.2), sector_map=sectors,
                           sector_bounds={s: (0.3, 0.5) for s in sorted(set(sectors))})
    with pytest.raises(InfeasibleError, match="(?i)sector"):
        opt.efficient_frontier(mu, cov, n_points=5, constraints=cons)


def test_a_sector_held_at_zero_and_peer_points() -> None:
    """On the bundled S&P sample with Information Technology capped at 20%, min variance holds no
    IT at all (the row sits at 0 with every member at its bound, a singular working set the sweep
    drops); the points agree with PyPortfolioOpt's efficient_return under the same sector cap."""
    from pypfopt import EfficientFrontier

    from finance_core.data.bundled import load_dataset, to_returns
    from finance_core.estimators import covariance, expected_returns

    ds = load_dataset("sp500")
    rets = to_returns(ds.prices.iloc[-757:])
    mu, cov = expected_returns(rets, "mean"), covariance(rets, "sample")
    cons = opt.Constraints(sector_map=ds.sectors, sector_bounds={"Information Technology": (0.0, 0.2)})
    fr = opt.efficient_frontier(mu, cov, n_points=8, constraints=cons)
    assert fr.solver == "active_set"
    tech = (ds.sectors.reindex(mu.index) == "Information Technology").to_numpy()
    assert fr.weights.iloc[0].to_numpy()[tech].sum() == pytest.approx(0.0, abs=1e-12)
    for k in (1, 4, 6):
        ef = EfficientFrontier(mu, cov, weight_bounds=(0, 1), solver="CLARABEL")
        ef.add_sector_constraints(ds.sectors.to_dict(), {}, {"Information Technology": 0.2})
        ef.efficient_return(float(fr.returns.iloc[k]))
        # PyPortfolioOpt stops at Clarabel's default tolerances: its risk is never below ours
        assert fr.volatilities.iloc[k] == pytest.approx(ef.portfolio_performance()[1], abs=1e-6)
        assert fr.volatilities.iloc[k] <= ef.portfolio_performance()[1] + 1e-9
