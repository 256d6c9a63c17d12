"""Equal risk contribution (risk parity) with custom risk budgets.

The risk contribution of asset :math:`i` to the portfolio volatility
:math:`\\sigma(w) = \\sqrt{w'\\Sigma w}` is :math:`RC_i = w_i (\\Sigma w)_i / \\sigma(w)`
(Euler decomposition, :math:`\\sum_i RC_i = \\sigma(w)`). A risk-budgeting portfolio
gives each asset the share :math:`b_i` of the risk,
:math:`RC_i / \\sigma(w) = b_i` with :math:`b_i > 0`, :math:`\\sum b_i = 1`; equal risk
contribution (ERC) is :math:`b_i = 1/N`.

The long-only solution is unique and is found through the strictly convex problem
(Spinu, 2013; Roncalli, 2013, section 2.2)

.. math::

    y^\\star = \\arg\\min_{y > 0}\\; \\tfrac12 y'\\Sigma y - \\sum_i b_i \\ln y_i,
    \\qquad w = y^\\star / \\mathbf 1'y^\\star,

whose first-order conditions are exactly :math:`y_i(\\Sigma y)_i = b_i`. Without
constraints it is solved by a damped Newton method (solver ``"newton"``), each step
one Cholesky solve of :math:`\\Sigma + \\operatorname{diag}(b/y^2)`, converging
quadratically to :math:`\\max_i |y_i(\\Sigma y)_i - b_i| < 10^{-12}`.

With weight bounds or sector bounds, the same objective is minimised by cvxpy over
the cone :math:`\\{y \\ge 0 : l_i \\mathbf 1'y \\le y_i \\le u_i \\mathbf 1'y\\}` (bounds
on :math:`w = y/\\mathbf 1'y` are homogeneous in :math:`y`), solver chain Clarabel
-> SCS. When a bound binds, the risk shares no longer equal the budgets exactly;
the result's notes say so.

References
----------
.. [1] Spinu, F. (2013). "An Algorithm for Computing Risk Parity Weights". SSRN 2297383.
.. [2] Roncalli, T. (2013). *Introduction to Risk Parity and Budgeting*. Chapman & Hall/CRC.
.. [3] Maillard, S., Roncalli, T., Teiletche, J. (2010). "The Properties of Equally
   Weighted Risk Contribution Portfolios". The Journal of Portfolio Management, 36(4), 60-70.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, InfeasibleError, SolverError
from ._checks import covariance_values
from .constraints import Constraints, checked_constraints, weight_bounds
from .defaults import DEFAULT_RISK_FREE_RATE
from .results import Allocation

__all__ = ["risk_parity", "risk_budget_shares"]

_TOL = 1e-12
_MAX_ITER = 200


# --------------------------------------------------------------------------- validation
def _check_cov(cov: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    tickers, c = covariance_values(cov)
    if not np.allclose(c, c.T, rtol=1e-8, atol=1e-12 * max(1.0, np.abs(c).max())):
        raise DataError("The covariance is not symmetric.", code="bad_covariance")
    c = 0.5 * (c + c.T)
    flat = [tickers[i] for i in np.flatnonzero(np.diag(c) <= 0)]
    if flat:
        raise DataError(
            f"{', '.join(flat[:5])} {'has' if len(flat) == 1 else 'have'} zero variance: risk parity "
            "needs every asset to carry risk. Remove them from the universe.",
            code="zero_variance",
        )
    return tickers, c


def _check_budgets(budgets: Any, tickers: list[str]) -> np.ndarray:
    n = len(tickers)
    if budgets is None:
        return np.full(n, 1.0 / n)
    if isinstance(budgets, Mapping):
        budgets = pd.Series(budgets, dtype=float)
    if isinstance(budgets, pd.Series):
        budgets.index = budgets.index.map(str)
        missing = [t for t in tickers if t not in budgets.index]
        if missing:
            raise DataError(
                f"No risk budget for {', '.join(missing[:5])}: give a budget for every ticker in the "
                "universe (or leave budgets empty for equal risk contribution).",
                code="missing_budget",
            )
        extra = [t for t in budgets.index if t not in tickers]
        if extra:
            raise DataError(
                f"Risk budgets name {', '.join(map(str, extra[:5]))}, which are not in the covariance.",
                code="unknown_ticker",
            )
        b = budgets.reindex(tickers).to_numpy(dtype=float)
    else:
        b = np.asarray(budgets, dtype=float).ravel()
        if b.size != n:
            raise DataError(f"Expected {n} risk budgets (one per ticker), got {b.size}.", code="bad_budgets")
    if not np.isfinite(b).all():
        raise DataError("Risk budgets must be finite numbers.", code="bad_budgets")
    nonpos = [tickers[i] for i in np.flatnonzero(b <= 0)]
    if nonpos:
        raise DataError(
            f"Risk budgets must be positive; {', '.join(nonpos[:5])} "
            f"{'has' if len(nonpos) == 1 else 'have'} a budget of zero or less. Remove the ticker from "
            "the universe instead of giving it no risk.",
            code="bad_budgets",
        )
    return b / b.sum()


def _check_parity_bounds(lo: np.ndarray, hi: np.ndarray, tickers: list[str]) -> None:
    """Bounds risk parity can meet: not crossed, summing across 100%, a positive cap for every asset."""
    bad = [tickers[i] for i in np.flatnonzero(lo > hi + 1e-12)]
    if bad:
        raise InfeasibleError(
            f"Weight bounds conflict for {', '.join(bad[:5])}: the lower bound is above the upper bound.",
            code="infeasible_bounds",
        )
    if lo.sum() > 1 + 1e-9:
        raise InfeasibleError(
            f"Lower weight bounds add up to {lo.sum():.1%}, above 100%: lower them so they sum to at most 100%.",
            code="infeasible_bounds",
        )
    if hi.sum() < 1 - 1e-9:
        raise InfeasibleError(
            f"Upper weight bounds add up to {hi.sum():.1%}, below 100%: raise them so the weights can sum to 100%.",
            code="infeasible_bounds",
        )
    if (hi <= 0).any():
        zero = [tickers[i] for i in np.flatnonzero(hi <= 0)]
        raise InfeasibleError(
            f"Risk parity needs a positive weight in every asset, but the upper bound of "
            f"{', '.join(zero[:5])} is 0: remove those tickers from the universe instead.",
            code="infeasible_bounds",
        )


def _parity_sectors(sector_map: Any, sector_bounds: Any, tickers: list[str], lo: np.ndarray,
                    hi: np.ndarray) -> list[tuple[Any, np.ndarray, float, float]]:
    """(sector, member indices, min, max) of each limited sector with tickers; limits the members'
    bounds cannot meet are refused."""
    sectors = []
    if sector_map is not None and sector_bounds:
        smap = pd.Series(sector_map) if isinstance(sector_map, Mapping) else sector_map
        smap = smap.copy()
        smap.index = smap.index.map(str)
        smap = smap.reindex(tickers)
        for sector, pair in dict(sector_bounds).items():
            members = np.flatnonzero((smap == sector).to_numpy())
            if members.size == 0:
                continue
            s_lo, s_hi = float(pair[0]), float(pair[1])
            if s_lo > hi[members].sum() + 1e-9 or s_hi < lo[members].sum() - 1e-9:
                raise InfeasibleError(
                    f"Sector {sector!r} bounds {s_lo:.1%}-{s_hi:.1%} cannot be met with its tickers' weight "
                    "bounds: widen the sector limits or the ticker bounds.",
                    code="infeasible_sector",
                )
            sectors.append((sector, members, s_lo, s_hi))
    return sectors


def _constraint_sets(
    constraints: Constraints | None, tickers: list[str]
) -> tuple[tuple[np.ndarray, np.ndarray] | None, Any, list[str]]:
    """Read bounds and sector bounds off a :class:`Constraints`."""
    if constraints is None:
        return None, None, []
    cons = checked_constraints(constraints)
    sector_map = cons.sector_map
    sector_bounds = cons.sector_bounds
    lo, hi, notes = weight_bounds(cons, tickers)
    if cons.max_turnover is not None:
        notes.append("Risk parity ignores the turnover limit; use mean-variance for a turnover cap.")
    if cons.transaction_cost:
        notes.append("Risk parity ignores transaction costs.")
    if (lo < 0).any():
        notes.append("Risk parity is long-only: negative lower bounds were treated as 0.")
        lo = np.maximum(lo, 0.0)
    _check_parity_bounds(lo, hi, tickers)
    sectors = _parity_sectors(sector_map, sector_bounds, tickers, lo, hi)
    trivial = np.all(lo <= 0) and np.all(hi >= 1) and not sectors
    return (None if trivial else (lo, hi)), sectors, notes


# --------------------------------------------------------------------------- solvers
def _newton_step(c: np.ndarray, d: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Solve (C + diag(d)) s = g by Jacobi-preconditioned conjugate gradients.

    Only matrix-vector products (O(N^2) each); the low-rank-plus-diagonal shape of
    covariance matrices makes CG converge in a few dozen products. Falls back to a
    dense solve if CG stalls.
    """
    precond = 1.0 / (np.diag(c) + d)
    x = g * precond
    r = g - (c @ x + d * x)
    z = r * precond
    p = z.copy()
    rz = r @ z
    g_norm = np.linalg.norm(g)
    for _ in range(4 * len(g)):
        if np.linalg.norm(r) <= 1e-14 * g_norm:
            return x
        ap = c @ p + d * p
        alpha = rz / (p @ ap)
        x += alpha * p
        r -= alpha * ap
        z = r * precond
        rz_new = r @ z
        p = z + (rz_new / rz) * p
        rz = rz_new
    return np.linalg.solve(c + np.diag(d), g)


def _newton(c: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, int]:
    """Damped Newton on f(y) = y'Cy/2 - b'log y (Spinu 2013). Returns y and iterations."""
    sd = np.sqrt(np.diag(c))
    y = (1.0 / sd) / np.sum(1.0 / sd)
    y = y / np.sqrt(y @ c @ y)  # at the optimum y'Cy = sum(b) = 1
    for it in range(1, _MAX_ITER + 1):
        cy = c @ y
        grad = cy - b / y
        if np.max(np.abs(y * cy - b)) < _TOL:
            return y, it
        step = _newton_step(c, b / (y * y), grad)
        # largest step that keeps y positive, then backtracking on f
        neg = step > 0
        t = 1.0
        if neg.any():
            t = min(1.0, 0.99 * float(np.min(y[neg] / step[neg])))
        f0 = 0.5 * y @ cy - b @ np.log(y)
        slope = -(grad @ step)
        while t > 1e-12:
            y_new = y - t * step
            f_new = 0.5 * y_new @ c @ y_new - b @ np.log(y_new)
            if f_new <= f0 + 1e-4 * t * slope + 1e-15 * abs(f0):
                break
            t *= 0.5
        y = y_new
    raise SolverError(
        f"Risk parity did not converge in {_MAX_ITER} Newton steps (largest risk-budget error "
        f"{np.max(np.abs(y * (c @ y) - b)):.2e}): the covariance may be near-singular; try a shrunk "
        "estimator (Ledoit-Wolf or OAS).",
        code="no_convergence",
    )


def _cvxpy_budgeting(c: np.ndarray, b: np.ndarray, bounds: Any, sectors: Any) -> tuple[np.ndarray, str]:
    import cvxpy as cp

    n = len(b)
    y = cp.Variable(n)
    scale = 1.0 / np.sqrt(np.mean(np.diag(c)))
    cs = c * scale * scale  # unit-scale problem, better conditioned for conic solvers
    total = cp.sum(y)
    cons = [y >= 0]
    if bounds is not None:
        lo, hi = bounds
        if np.any(lo > 0):
            cons.append(y >= lo * total)
        if np.any(hi < 1):
            cons.append(y <= hi * total)
    for _, members, s_lo, s_hi in sectors:
        part = cp.sum(y[members])
        if s_lo > 0:
            cons.append(part >= s_lo * total)
        if s_hi < 1:
            cons.append(part <= s_hi * total)
    objective = cp.Minimize(0.5 * cp.quad_form(y, cp.psd_wrap(cs)) - b @ cp.log(y))
    problem = cp.Problem(objective, cons)
    said = []
    for solver in ("CLARABEL", "SCS"):
        try:
            problem.solve(solver=solver)
        except (cp.error.SolverError, ValueError, ArithmeticError) as exc:
            said.append(f"{solver}: {exc}")
            continue
        if problem.status in ("optimal", "optimal_inaccurate") and y.value is not None:
            val = np.maximum(np.asarray(y.value, dtype=float), 0.0)
            if val.sum() > 0:
                return val / val.sum(), solver
        if problem.status in ("infeasible", "infeasible_inaccurate"):
            raise InfeasibleError(
                "The weight and sector bounds leave no long-only portfolio for risk parity: widen them.",
                code="infeasible",
            )
        said.append(f"{solver}: status {problem.status}")
    raise SolverError(
        "Constrained risk parity failed in every solver (" + "; ".join(said) + "). Loosen the bounds or "
        "use a shrunk covariance.",
        code="solver_failed",
    )


# --------------------------------------------------------------------------- public
def risk_budget_shares(weights: pd.Series, cov: pd.DataFrame) -> pd.Series:
    """Each asset's share of portfolio variance, :math:`w_i(\\Sigma w)_i / w'\\Sigma w` (sums to 1)."""
    w = weights.astype(float)
    c = cov.reindex(index=w.index, columns=w.index).to_numpy(float)
    mrc = c @ w.to_numpy()
    return pd.Series(w.to_numpy() * mrc / float(w.to_numpy() @ mrc), index=w.index, name="risk_share")


def risk_parity(
    cov: pd.DataFrame,
    *,
    mu: pd.Series | None = None,
    budgets: pd.Series | Mapping | np.ndarray | None = None,
    constraints: Constraints | None = None,
    risk_free_rate: float = DEFAULT_RISK_FREE_RATE,
) -> Allocation:
    """Risk-budgeting portfolio: each asset carries the share ``budgets`` of the risk.

    Solves :math:`w_i(\\Sigma w)_i / w'\\Sigma w = b_i` for long-only weights summing
    to 1 (equal risk contribution when ``budgets`` is None: :math:`b_i = 1/N`),
    through :math:`\\min_{y>0} \\tfrac12 y'\\Sigma y - b'\\ln y`, :math:`w = y/\\mathbf 1'y`
    (Spinu, 2013; Roncalli, 2013).

    Parameters
    ----------
    cov : pandas.DataFrame
        Covariance, tickers x tickers (any consistent units; weights do not depend
        on the scale).
    budgets : pandas.Series, mapping or array, optional
        Positive risk budgets per ticker; normalised to sum to 1.
    constraints : Constraints, optional
        Uses ``bounds`` (every form :class:`Constraints` takes) and ``sector_map`` +
        ``sector_bounds``. Turnover and costs are not part of risk parity and are
        ignored with a note. With binding bounds, the risk shares can no longer all
        equal the budgets. Anything but a ``Constraints`` raises DataError.
    mu : pandas.Series, optional
        Expected returns, only for the reported return and Sharpe ratio.
    risk_free_rate : float
        For the reported Sharpe ratio.

    Returns
    -------
    Allocation
        ``method="risk_parity"``; ``solver`` is ``"newton"`` (no binding
        constraints possible) or the cvxpy solver that answered.

    References
    ----------
    Spinu, F. (2013). "An Algorithm for Computing Risk Parity Weights". SSRN 2297383.
    Roncalli, T. (2013). *Introduction to Risk Parity and Budgeting*, Chapman & Hall/CRC.
    """
    start = time.perf_counter()
    tickers, c = _check_cov(cov)
    b = _check_budgets(budgets, tickers)
    bounds, sectors, notes = _constraint_sets(constraints, tickers)
    if bounds is None and not sectors:
        y, _ = _newton(c, b)
        w = y / y.sum()
        solver = "newton"
    else:
        w, solver = _cvxpy_budgeting(c, b, bounds, sectors)
        shares = w * (c @ w) / (w @ c @ w)
        if np.max(np.abs(shares - b)) > 1e-4:
            notes.append(
                f"Bounds bind: risk shares differ from the budgets by up to {np.max(np.abs(shares - b)):.1%}."
            )
    weights = pd.Series(w, index=tickers, name="weight")
    return Allocation.from_weights(
        weights,
        mu=mu,
        cov=pd.DataFrame(c, index=tickers, columns=tickers),
        risk_free_rate=risk_free_rate,
        method="risk_parity",
        solver=solver,
        solve_seconds=time.perf_counter() - start,
        notes=notes,
    )
