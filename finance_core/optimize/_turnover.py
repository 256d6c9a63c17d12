"""Exact min variance under a turnover budget (private): a primal-dual active set on the kinks.

The budget :math:`\\sum_i |w_i - h_i| \\le T` is piecewise linear, so each weight is at its lower
bound, at its upper bound, at its holding :math:`h_i` (the kink), or free on one side of it
(sign :math:`s_i`). With that working set the budget, when it binds, is one linear row
:math:`c'w = T + c'h` (:math:`c_i = s_i` for the free weights, the sign of the bound minus the
holding for the bounded ones, 0 at the kink) and the problem is an equality-constrained QP on
the free weights, solved with ``_box.FreeSet``. The working set is re-sorted by the rules of
``_box.pdas_qp`` (Hintermueller, Ito and Kunisch 2002), the kink's being the subgradient
condition :math:`|g_i| \\le \\lambda` of the budget's multiplier; when nothing moves the KKT
conditions hold exactly. Sector rows join the working set as in ``_box.pdas_sharpe``.
"""

from __future__ import annotations

import numpy as np

from ._box import FastPathFailed, FreeSet
from .constraints import Resolved

__all__ = ["max_sharpe_turnover", "min_variance_turnover"]

_LO, _FREE, _HI, _KINK = -1, 0, 1, 2


class _Working:
    """A working set: each weight's place, its side of the holding, the sector rows and the budget."""

    def __init__(self, n: int, rows: int) -> None:
        self.state = np.zeros(n, dtype=np.int8)
        self.side = np.ones(n)
        self.rows = np.zeros(rows, dtype=np.int8)
        self.budget_active = False

    def key(self) -> bytes:
        return self.state.tobytes() + np.sign(self.side).astype(np.int8).tobytes() + self.rows.tobytes() \
            + bytes([self.budget_active])


def _solve(cov: np.ndarray, res: Resolved, ws: _Working,
           excess: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, np.ndarray]:
    r"""Weights, gradient with and without the budget's term, the budget's and the rows' multipliers.

    With ``excess`` the working set's tangency instead of its min variance: the KKT system of
    :math:`\min \tfrac12 w'\Sigma w - t e'w` is solved for two right-hand sides, the line
    :math:`a + t d`, and :math:`t = a'\Sigma a / e'a` maximises the Sharpe ratio on it (as in
    ``_box._Segment.tangent_t``: :math:`a'\Sigma d = 0`, :math:`d'\Sigma d = e'd`).
    """
    n, h = len(res.lo), res.w0
    fi = np.flatnonzero(ws.state == _FREE)
    act = np.flatnonzero(ws.rows != 0)
    fixed = np.select([ws.state == _LO, ws.state == _HI, ws.state == _KINK], [res.lo, res.hi, h], 0.0)
    rows = [np.ones(n), *res.sector_matrix[act]]
    rhs = [res.budget, *np.where(ws.rows == 1, res.sector_hi, res.sector_lo)[act]]
    # the budget's slope for each weight: its side if free; a bound's side of the holding (a bound
    # at the holding itself can only move away from it: up from a lower bound, down from an upper)
    at_side = np.where(fixed != h, np.sign(fixed - h), np.where(ws.state == _LO, 1.0, -1.0))
    coef = np.where(ws.state == _FREE, ws.side, at_side) * (ws.state != _KINK)
    if ws.budget_active:
        assert res.max_turnover is not None
        rows.append(coef)
        rhs.append(res.max_turnover + coef @ h)
    e_mat = np.vstack(rows)
    if fi.size < e_mat.shape[0]:
        raise FastPathFailed("fewer free assets than active constraints")
    x = fixed.copy()
    nu = np.zeros(e_mat.shape[0])
    lin = np.zeros(n)
    if fi.size:
        rhs_x, rhs_e = -(cov[fi] @ fixed), np.asarray(rhs) - e_mat @ fixed
        if excess is not None:
            rhs_x = np.column_stack([rhs_x, excess[fi]])
            rhs_e = np.column_stack([rhs_e, np.zeros(e_mat.shape[0])])
        x_f, nu_m = FreeSet(cov, e_mat, fi).solve(rhs_x, rhs_e)
        x[fi], nu = x_f[:, 0], nu_m[:, 0]
        if excess is not None:
            alpha = float(excess @ x)
            if not alpha > 0:
                raise FastPathFailed("no tangency on this working set")
            t = float(x @ cov @ x) / alpha
            x[fi] += t * x_f[:, 1]
            nu = nu + t * nu_m[:, 1]
            lin = t * excess
    g0 = cov @ x - lin - e_mat[: 1 + act.size].T @ nu[: 1 + act.size]
    lam = -float(nu[-1]) if ws.budget_active else 0.0
    mult = np.zeros(len(ws.rows))
    mult[act] = nu[1 : 1 + act.size]
    return x, g0 + lam * coef, g0, lam, mult


def _resort(x: np.ndarray, g: np.ndarray, g0: np.ndarray, lam: float, mult: np.ndarray, res: Resolved,
            ws: _Working) -> _Working:
    """The next working set by the primal-dual rules (every violated condition moves at once)."""
    assert res.max_turnover is not None
    h, st = res.w0, ws.state
    span = 1e-12 * (1.0 + np.abs(x))
    tol = 1e-11 * max(1.0, float(np.max(np.abs(g))))
    new = _Working(len(x), len(ws.rows))
    new.state, new.side, new.rows = st.copy(), ws.side.copy(), ws.rows.copy()
    free = st == _FREE
    if not ws.budget_active:
        new.side = np.where(free, np.where(x >= h, 1.0, -1.0), new.side)
    else:
        crossed = free & (ws.side * (x - h) < -span)
        new.state[crossed] = _KINK
    new.state[free & (x < res.lo - span)] = _LO
    new.state[free & (x > res.hi + span)] = _HI
    leave_lo = (st == _LO) & (g < -tol)
    leave_hi = (st == _HI) & (g > tol)
    up = (st == _KINK) & (g0 + lam < -tol) & (h < res.hi)
    down = (st == _KINK) & (g0 - lam > tol) & (h > res.lo)
    new.state[leave_lo | leave_hi | up | down] = _FREE
    new.side[leave_lo] = np.where(res.lo[leave_lo] >= h[leave_lo], 1.0, -1.0)
    new.side[leave_hi] = np.where(res.hi[leave_hi] <= h[leave_hi], -1.0, 1.0)
    new.side[up], new.side[down] = 1.0, -1.0
    gx = res.sector_matrix @ x
    rs = 1e-12 * (1.0 + np.abs(gx))
    rows = ws.rows
    new.rows[(rows == 0) & (gx > res.sector_hi + rs)] = 1
    new.rows[(rows == 0) & (gx < res.sector_lo - rs)] = -1
    new.rows[((rows == 1) & (mult > tol)) | ((rows == -1) & (mult < -tol))] = 0
    used = float(np.abs(x - h).sum())
    new.budget_active = (used > res.max_turnover + 1e-12) if not ws.budget_active else lam >= -tol
    if not new.budget_active:
        new.state[new.state == _KINK] = _FREE
    return new


def min_variance_turnover(cov: np.ndarray, res: Resolved, max_iter: int = 60) -> np.ndarray:
    """``min w'Σw`` s.t. the budget, bounds, sector rows and ``sum |w - w0| <= max_turnover``, exactly."""
    return _kink_active_set(cov, res, None, max_iter)


def max_sharpe_turnover(cov: np.ndarray, excess: np.ndarray, res: Resolved, max_iter: int = 60) -> np.ndarray:
    r"""Max Sharpe ``excess'w / sqrt(w'Σw)`` under the same constraints, exactly.

    The tangency is the frontier point :math:`\min 	frac12 w'\Sigma w - t e'w` with
    :math:`t = w'\Sigma w / e'w`: then its KKT conditions (the turnover kinks' subgradients
    included) are the ratio's, and the ratio is pseudo-concave on :math:`e'w > 0`, so the point is
    the global optimum (the argument of ``_box.pdas_sharpe``, here with the turnover budget). Each
    step takes the working set's line and its tangency, then re-sorts as for min variance.
    """
    if not res.budget > 0:
        raise FastPathFailed("the tangency search needs a positive budget")
    return _kink_active_set(cov, res, excess, max_iter)


def _kink_active_set(cov: np.ndarray, res: Resolved, excess: np.ndarray | None, max_iter: int) -> np.ndarray:
    """The primal-dual loop: min variance (``excess`` None) or the tangency, from every weight free."""
    if res.max_turnover is None:
        raise FastPathFailed("no turnover budget")
    ws = _Working(len(res.lo), res.sector_matrix.shape[0])
    seen: set[bytes] = set()
    for _ in range(max_iter):
        x, g, g0, lam, mult = _solve(cov, res, ws, excess)
        new = _resort(x, g, g0, lam, mult, res, ws)
        if new.key() == ws.key():
            return np.clip(x, res.lo, res.hi)
        if new.key() in seen:
            raise FastPathFailed("primal-dual active set cycled")
        seen.add(new.key())
        ws = new
    raise FastPathFailed("primal-dual active set did not converge")
