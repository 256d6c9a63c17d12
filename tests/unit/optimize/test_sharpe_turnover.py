"""Max Sharpe under a turnover budget (with caps and sector limits) from the kink active set (issue 12).

Oracle: the homogenised program of Cornuejols and Tutuncu (2007, *Optimization Methods in Finance*,
section 8.2) with the budget scaled too, min y'Sy s.t. (mu - rf)'y = 1, 1'y = kappa,
lo kappa <= y <= hi kappa, sector rows <= cap kappa, ||y - kappa h||_1 <= kappa T, kappa >= 0,
w = y / kappa, in plain cvxpy solved by Clarabel at 1e-11 tolerances on seeded problems.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest

from finance_core import optimize as opt
from finance_core.errors import InfeasibleError
from tests.unit.optimize.test_linear_qp import _problem
from tests.unit.optimize.test_tangency import TURNOVER_CASES


def _clarabel_sharpe_turnover(mu: pd.Series, cov: pd.DataFrame, cap: float, h: np.ndarray, budget: float,
                              sectors: pd.Series | None, sector_cap: float, rf: float) -> np.ndarray:
    n = len(h)
    y, kappa = cp.Variable(n), cp.Variable(nonneg=True)
    cons = [(mu.to_numpy() - rf) @ y == 1, cp.sum(y) == kappa, y >= 0, y <= cap * kappa,
            cp.norm1(y - kappa * h) <= budget * kappa]
    if sectors is not None:
        cons += [(sectors == s).to_numpy().astype(float) @ y <= sector_cap * kappa for s in sorted(set(sectors))]
    prob = cp.Problem(cp.Minimize(cp.quad_form(y, cp.psd_wrap(cov.to_numpy()))), cons)
    prob.solve(solver="CLARABEL", tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11)
    assert prob.status == "optimal"
    return np.asarray(y.value) / float(kappa.value)


@pytest.mark.parametrize("seed", [31, 32, 33])
@pytest.mark.parametrize(("n", "cap", "held", "budget", "sector_cap", "fast"), TURNOVER_CASES)
def test_max_sharpe_turnover_matches_clarabel(seed: int, n: int, cap: float, held: str, budget: float,
                                              sector_cap: float | None, fast: bool) -> None:
    mu, cov, sectors = _problem(n, seed)
    rf = 0.01
    h = np.full(n, 1.0 / n) if held == "equal" else np.where(np.arange(n) % 2 == 0, 2.0 / n, 0.0)
    bounds = {s: (0.0, sector_cap) for s in sorted(set(sectors))} if sector_cap else None
    cons = opt.Constraints(bounds=(0.0, cap), current_weights=pd.Series(h, index=mu.index), max_turnover=budget,
                           sector_map=sectors if bounds else None, sector_bounds=bounds)
    got = opt.mean_variance(mu, cov, objective="max_sharpe", risk_free_rate=rf, constraints=cons)
    assert got.solver in ("active_set", "CLARABEL")
    oracle = _clarabel_sharpe_turnover(mu, cov, cap, h, budget, sectors if bounds else None, sector_cap or 1.0, rf)
    w = got.weights.to_numpy()
    np.testing.assert_allclose(w, oracle, atol=1e-6 if got.solver == "active_set" else 1e-5)
    c, e = cov.to_numpy(), mu.to_numpy() - rf
    oracle_sharpe = float(e @ oracle / np.sqrt(oracle @ c @ oracle))
    assert got.sharpe >= oracle_sharpe - (1e-10 if got.solver == "active_set" else 1e-7)  # never worse
    assert np.abs(w - h).sum() <= budget + 1e-10 and w.max() <= cap + 1e-12 and w.min() >= -1e-12
    if bounds:
        assert pd.Series(w, index=mu.index).groupby(sectors).sum().max() <= sector_cap + 1e-10


def test_max_sharpe_turnover_is_the_fast_path_on_an_easy_case() -> None:
    mu, cov, _ = _problem(30, 31)
    h = np.full(30, 1 / 30)
    cons = opt.Constraints(bounds=(0.0, 0.08), current_weights=pd.Series(h, index=mu.index), max_turnover=0.2)
    got = opt.mean_variance(mu, cov, objective="max_sharpe", constraints=cons)
    assert got.solver == "active_set"
    assert float(np.abs(got.weights.to_numpy() - h).sum()) == pytest.approx(0.2, abs=1e-9)  # the budget binds


def test_max_sharpe_turnover_infeasible_names_the_budget() -> None:
    """Holdings of 20% in five names cannot get under a 10% cap with 10% turnover: named, not a traceback."""
    mu, cov, _ = _problem(20, 10)
    h = np.where(np.arange(20) < 5, 0.2, 0.0)
    cons = opt.Constraints(bounds=(0.0, 0.1), current_weights=pd.Series(h, index=mu.index), max_turnover=0.1)
    with pytest.raises(InfeasibleError, match="(?i)turnover") as err:
        opt.mean_variance(mu, cov, objective="max_sharpe", constraints=cons)
    assert err.value.code == "turnover_too_tight"
