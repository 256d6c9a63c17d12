"""Exact fast path for linear constraints: weight bounds, sector bounds and a turnover budget.

The problem goes to PIQP's dense interior-point solver with the covariance as the Hessian, which
on a 500-asset problem with caps and 11 sector limits answers in about a tenth of the time
Clarabel takes through cvxpy (measured in benchmarks/bench_constrained.py; daqp's dense active
set was about 3x slower cold, so PIQP was chosen). Anything it does not cover (costs, leverage,
infinite bounds, a non-converged solve) returns ``None`` and the caller takes the general cvxpy
path, which also names the conflicting constraints of an infeasible problem.

- min variance: minimise w'Σw subject to 1'w = b, lo <= w <= hi, slo <= Gw <= shi;
- max Sharpe: first the tangency active set (``_box.pdas_sharpe``: the sector rows join the
  working set), then, if its sets cycle, the homogenised program of Cornuejols and Tutuncu (2007, Optimization Methods in
  Finance, section 8.2): minimise y'Σy subject to (μ - r)'y = 1, 1'y = bκ, lo κ <= y <= hi κ,
  slo κ <= Gy <= shi κ, κ >= 0; then w = y / κ;
- turnover (min variance, and max Sharpe at the tangency of each working set): the kink active set of ``_turnover`` (about 45 ms at N = 500 with caps
  and sectors, against 1.3 s on Clarabel); if its sets cycle, the general path. The PIQP split
  w = h + u - v with u, v >= 0 and 1'(u + v) <= T is kept in ``_min_variance`` but not routed
  (slower than Clarabel, see ``linear_applicable``).
"""

from __future__ import annotations

import numpy as np

from ._box import FastPathFailed, pdas_sharpe
from ._turnover import max_sharpe_turnover, min_variance_turnover
from .constraints import Resolved

__all__ = ["linear_applicable", "solve_linear"]

_TOL = 1e-10
_FAST_OBJECTIVES = ("min_variance", "max_sharpe")


def linear_applicable(res: Resolved, objective: str) -> bool:
    """True when the problem has only linear constraints this path solves exactly."""
    finite = bool(np.all(np.isfinite(res.lo)) and np.all(np.isfinite(res.hi)))
    lev_free = res.leverage is None or (bool(np.all(res.lo >= 0)) and res.leverage >= abs(res.budget) - 1e-12)
    # A turnover budget is solved for min variance by the kink active set (_turnover); the PIQP
    # split below triples the variables and was slower than Clarabel (585 ms against 248 ms for
    # PyPortfolioOpt at N = 500); max Sharpe with turnover takes the same kink active set at its
    # tangency (``_turnover.max_sharpe_turnover``), and the general path if its sets cycle.
    return bool(objective in _FAST_OBJECTIVES and finite and lev_free and res.tc == 0)


def _run_piqp(p: np.ndarray, c: np.ndarray, a: np.ndarray, b: np.ndarray, g: np.ndarray,
              h_u: np.ndarray, x_l: np.ndarray, x_u: np.ndarray) -> np.ndarray | None:
    import piqp

    solver = piqp.DenseSolver()
    solver.settings.verbose = False
    solver.settings.eps_abs = _TOL
    solver.settings.eps_rel = _TOL
    g_rows = g if g.shape[0] else None
    solver.setup(
        np.asfortranarray(p), c, np.asfortranarray(a), b,
        np.asfortranarray(g) if g_rows is not None else None,
        np.full(g.shape[0], -np.inf) if g_rows is not None else None,
        h_u if g_rows is not None else None,
        x_l, x_u,
    )
    status = solver.solve()
    if status != piqp.PIQP_SOLVED:
        return None
    return np.asarray(solver.result.x, dtype=float)


def _sector_rows(res: Resolved) -> tuple[np.ndarray, np.ndarray]:
    """Sector limits as G w <= h (upper rows, then negated lower rows), skipping infinite ends."""
    rows, rhs = [], []
    for row, lo, hi in zip(res.sector_matrix, res.sector_lo, res.sector_hi, strict=True):
        if np.isfinite(hi):
            rows.append(row)
            rhs.append(hi)
        if np.isfinite(lo):
            rows.append(-row)
            rhs.append(-lo)
    n = len(res.tickers)
    return (np.array(rows, dtype=float).reshape(-1, n), np.array(rhs, dtype=float))


def _min_variance(cov: np.ndarray, res: Resolved) -> np.ndarray | None:
    n = len(res.tickers)
    g, h = _sector_rows(res)
    if res.max_turnover is None:
        return _run_piqp(2 * cov, np.zeros(n), np.ones((1, n)), np.array([res.budget]), g, h, res.lo, res.hi)
    # x = [w, u, v]: w - u + v = h0, 1'w = b, 1'(u + v) <= T, sectors on w.
    eye = np.eye(n)
    p = np.zeros((3 * n, 3 * n))
    p[:n, :n] = 2 * cov
    a = np.vstack([np.hstack([eye, -eye, eye]), np.r_[np.ones(n), np.zeros(2 * n)][None, :]])
    b = np.r_[res.w0, res.budget]
    g_full = np.vstack([np.hstack([g, np.zeros((g.shape[0], 2 * n))]),
                        np.r_[np.zeros(n), np.ones(2 * n)][None, :]])
    h_full = np.r_[h, res.max_turnover]
    x = _run_piqp(p, np.zeros(3 * n), a, b, g_full, h_full,
                  np.r_[res.lo, np.zeros(2 * n)], np.r_[res.hi, np.full(2 * n, np.inf)])
    return None if x is None else x[:n]


def _max_sharpe(excess: np.ndarray, cov: np.ndarray, res: Resolved) -> np.ndarray | None:
    n = len(res.tickers)
    g, h = _sector_rows(res)
    # x = [y, kappa]; every bound becomes homogeneous in kappa.
    p = np.zeros((n + 1, n + 1))
    p[:n, :n] = 2 * cov
    a = np.vstack([np.r_[excess, 0.0], np.r_[np.ones(n), -res.budget]])
    eye = np.eye(n)
    g_full = np.vstack([
        np.hstack([eye, -res.hi[:, None]]),
        np.hstack([-eye, res.lo[:, None]]),
        np.hstack([g, -h[:, None]]),
    ])
    x = _run_piqp(p, np.zeros(n + 1), a, np.array([1.0, 0.0]), g_full, np.zeros(g_full.shape[0]),
                  np.r_[np.full(n, -np.inf), 0.0], np.full(n + 1, np.inf))
    if x is None or x[n] <= 1e-12:
        return None
    return np.clip(x[:n] / x[n], res.lo, res.hi)


def solve_linear(
    objective: str, excess: np.ndarray, cov: np.ndarray, res: Resolved
) -> tuple[np.ndarray | None, str]:
    """Weights of ``objective`` under ``res`` and the solver that answered; None to take the general path.

    Max Sharpe tries the tangency active set first (``_box.pdas_sharpe``: 21 ms against PIQP's
    167 ms at N = 500 with a 5% cap and 11 sector caps, benchmarks/RESULTS.md), then PIQP.
    """
    if res.max_turnover is not None:
        try:
            if objective == "min_variance":
                return min_variance_turnover(cov, res), "active_set"
            return max_sharpe_turnover(cov, excess, res), "active_set"
        except FastPathFailed:
            return None, ""
    if objective == "min_variance":
        return _min_variance(cov, res), "piqp"
    try:
        return pdas_sharpe(cov, excess, res), "active_set"
    except FastPathFailed:
        return _max_sharpe(excess, cov, res), "piqp"
