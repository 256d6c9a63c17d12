"""Exact fast paths under box bounds and the budget (private): active-set QPs and NNLS.

``"nnls"`` (Lawson and Hanson 1974) and ``"active_set"`` (Nocedal and Wright 2006, §16.5) answers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .constraints import Resolved


class FastPathFailed(Exception):
    """Numerical trouble in a fast path (singular system): the general path takes over."""


class FreeSet:
    """Ordered free variables with an upper-triangular ``R`` (``R'R = Q[F, F]``) kept up to date.

    Adding a variable appends a column to ``R`` (one triangular solve, O(k^2)); removing one
    deletes its column and re-triangularises with Givens rotations (``scipy.linalg.qr_delete``;
    Golub and Van Loan 2013, §6.5), so an active-set step costs O(k^2 + kn) instead of a fresh
    O(k^3) factorisation.
    """

    def __init__(self, q: np.ndarray, e_mat: np.ndarray, idx: Iterable[int] = ()):
        self.q = q
        self.e = e_mat
        self.idx = [int(i) for i in idx]
        if self.idx:
            try:
                self.r = np.asfortranarray(np.linalg.cholesky(q[np.ix_(self.idx, self.idx)]).T)
            except np.linalg.LinAlgError:
                raise FastPathFailed("singular covariance block") from None
        else:
            self.r = np.zeros((0, 0), order="F")

    def add(self, j: int) -> None:
        from scipy.linalg.lapack import dtrtrs

        k = len(self.idx)
        qjj = self.q[j, j]
        new = np.zeros((k + 1, k + 1), order="F")
        if k:
            col, info = dtrtrs(self.r, self.q[self.idx, j], lower=0, trans=1)
            if info:
                raise FastPathFailed("singular covariance block")
            d2 = qjj - col @ col
            new[:k, :k] = self.r
            new[:k, k] = col
        else:
            d2 = qjj
        if not d2 > 1e-12 * max(qjj, 1e-300):
            raise FastPathFailed("singular covariance block")
        new[k, k] = math.sqrt(d2)
        self.r = new
        self.idx.append(int(j))

    def remove(self, j: int) -> None:
        from scipy.linalg import qr_delete

        pos = self.idx.index(int(j))
        k = len(self.idx)
        if pos == k - 1:
            self.r = np.asfortranarray(self.r[: k - 1, : k - 1])
        else:
            _, r_new = qr_delete(np.eye(k), self.r, pos, 1, which="col", check_finite=False)
            self.r = np.asfortranarray(r_new[: k - 1, :])
        self.idx.pop(pos)

    def solve(self, rhs_x: np.ndarray, rhs_e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Solve ``[Q_FF -E_F'; E_F 0] [x; nu] = [rhs_x; rhs_e]`` through the Schur complement."""
        from scipy.linalg.lapack import dtrtrs

        k = len(self.idx)
        e_f = self.e[:, self.idx]
        m = e_f.shape[0]
        rhs_x = rhs_x.reshape(k, -1)
        p = rhs_x.shape[1]
        block = np.asfortranarray(np.hstack([rhs_x, e_f.T]))
        y, info = dtrtrs(self.r, block, lower=0, trans=1, overwrite_b=1)
        y, info2 = dtrtrs(self.r, y, lower=0, trans=0, overwrite_b=1)
        if info or info2:
            raise FastPathFailed("singular covariance block")
        if m == 0:
            return y, np.zeros((0, p))
        yx, ye = y[:, :p], y[:, p:]
        try:
            nu = np.linalg.solve(e_f @ ye, rhs_e.reshape(m, -1) - e_f @ yx)
        except np.linalg.LinAlgError:
            raise FastPathFailed("singular KKT system") from None
        x = yx + ye @ nu
        if not (np.isfinite(x).all() and np.isfinite(nu).all()):
            raise FastPathFailed("non-finite KKT solution")
        return x, nu


def pdas_qp(
    q: np.ndarray,
    c: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    e_mat: np.ndarray,
    e_rhs: np.ndarray,
    max_iter: int = 40,
    state0: np.ndarray | None = None,
) -> np.ndarray:
    r"""Primal-dual active-set (semismooth Newton) method for the same box QP as :func:`active_set_qp`.

    Starts with every variable free; each iteration solves the KKT system on the free set, then
    fixes the free variables that violate a bound and frees the bounded ones whose multiplier
    has the wrong sign, changing many indices at once (Hintermueller, Ito and Kunisch 2002,
    "The primal-dual active set strategy as a semismooth Newton method", SIAM J. Optim. 13(3)).
    It stops when the sets repeat, which is exactly the KKT conditions; it can cycle on some
    problems, in which case it gives up and the primal active-set method takes over. ``state0``
    (-1 lower, +1 upper, 0 free) warm-starts it from a neighbouring problem's working set.
    """
    n = c.size
    m = e_mat.shape[0]
    state = np.zeros(n, dtype=np.int8) if state0 is None else state0.astype(np.int8).copy()
    scale = max(1.0, float(np.max(np.abs(c))) if c.size else 1.0, float(np.max(np.abs(np.diag(q)))))
    tol_g = 1e-11 * scale
    seen: set[bytes] = set()
    for _ in range(max_iter):
        fi = np.flatnonzero(state == 0)
        if fi.size < max(m, 1) and m:
            raise FastPathFailed("too few free variables")
        x = np.where(state == -1, lo, np.where(state == 1, hi, 0.0))
        if fi.size:
            fs = FreeSet(q, e_mat, fi)
            x_f, nu = fs.solve(-(c[fi] + q[fi] @ x), e_rhs - e_mat @ x)
            x[fi] = x_f[:, 0]
            nu = nu[:, 0]
        else:
            nu = np.zeros(m)
        g = q @ x + c - e_mat.T @ nu
        span = 1e-12 * (1.0 + np.abs(x))
        free = state == 0
        below = free & (x < lo - span)
        above = free & (x > hi + span)
        wrong_lo = (state == -1) & (g < -tol_g)
        wrong_hi = (state == 1) & (g > tol_g)
        if not (below.any() or above.any() or wrong_lo.any() or wrong_hi.any()):
            return np.clip(x, lo, hi)  # primal and dual feasible: the KKT point
        new = state.copy()
        new[below] = -1
        new[above] = 1
        new[wrong_lo | wrong_hi] = 0
        short = max(m, 1) - int(np.sum(new == 0)) if m else 0
        if short > 0:
            # keep enough free variables for the equality rows: those closest to their bounds
            dist = np.where(x < lo, lo - x, np.where(x > hi, x - hi, 0.0))
            dist = np.where(state == 0, dist, np.inf)
            dist[new == 0] = np.inf
            keep = np.argsort(dist, kind="stable")[:short]
            new[keep[np.isfinite(dist[keep])]] = 0
        if np.array_equal(new, state):
            raise FastPathFailed("primal-dual active set stalled")
        key = new.tobytes()
        if key in seen:
            raise FastPathFailed("primal-dual active set cycled")
        seen.add(key)
        state = new
    raise FastPathFailed("primal-dual active set did not converge")


def _box_qp(q: np.ndarray, c: np.ndarray, lo: np.ndarray, hi: np.ndarray, e_mat: np.ndarray,
            e_rhs: np.ndarray, start: Callable[[], tuple[np.ndarray, np.ndarray | None]],
            state0: np.ndarray | None = None) -> np.ndarray:
    """Box QP: primal-dual active set first, primal active set (from ``start()``) if it cycles."""
    try:
        x = pdas_qp(q, c, lo, hi, e_mat, e_rhs, state0=state0)
        if e_mat.shape[0] == 0 or np.max(np.abs(e_mat @ x - e_rhs)) <= 1e-9 * (1.0 + np.max(np.abs(e_rhs))):
            return x
    except FastPathFailed:
        pass
    x0, free0 = start()
    return active_set_qp(q, c, lo, hi, e_mat, e_rhs, x0, free0)


def _working_set(x0: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                 free0: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The start point snapped to its bounds and its state (0 free, -1 at lower, +1 at upper).

    Without ``free0`` the variables at a bound are fixed there; with it, all but ``free0`` are.
    """
    x = x0.astype(float).copy()
    state = np.zeros(x.size, dtype=np.int8)
    if free0 is None:
        state[x <= lo] = -1
        state[x >= hi] = 1
    else:
        state[:] = np.where(x <= lo, -1, 1)
        state[free0] = 0
    return np.where(state == -1, lo, np.where(state == 1, hi, x)), state


def _subspace_optimum(fs: FreeSet, fi: np.ndarray, x: np.ndarray, c_free: np.ndarray, rhs_e: np.ndarray,
                      m: int) -> tuple[np.ndarray, np.ndarray | None]:
    """The free variables' optimum with the bounded ones held (and the equality multipliers), from
    one KKT solve; with fewer free variables than equalities the point stays where it is."""
    if not fi.size:
        return np.zeros(0), None
    if fi.size < m:
        return x[fi], None
    x_f, nu = fs.solve(-c_free, rhs_e)
    return x_f[:, 0], nu[:, 0]


def _ratio_test(x_f: np.ndarray, p: np.ndarray, fi: np.ndarray, lo_f: np.ndarray,
                hi_f: np.ndarray) -> tuple[float, int, int]:
    """The step length along ``p`` (at most 1) before a free variable hits a bound, that variable
    (-1 when none) and the bound it hits (-1 lower, 1 upper)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        to_lo = np.where(p < 0, (lo_f - x_f) / p, np.inf)
        to_hi = np.where(p > 0, (hi_f - x_f) / p, np.inf)
    alpha, block, block_state = 1.0, -1, 0
    j_lo = int(np.argmin(to_lo))
    j_hi = int(np.argmin(to_hi))
    if to_lo[j_lo] < alpha:
        alpha, block, block_state = float(to_lo[j_lo]), int(fi[j_lo]), -1
    if to_hi[j_hi] < alpha:
        alpha, block, block_state = float(to_hi[j_hi]), int(fi[j_hi]), 1
    return alpha, block, block_state


def active_set_qp(
    q: np.ndarray,
    c: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    e_mat: np.ndarray,
    e_rhs: np.ndarray,
    x0: np.ndarray,
    free0: np.ndarray | None = None,
) -> np.ndarray:
    r"""Primal active-set method for :math:`\min \tfrac12 x'Qx + c'x` s.t. :math:`Ex = e`, :math:`l \le x \le u`.

    ``x0`` must be feasible. Variables are either free or fixed at a bound (the working set);
    each iteration solves the equality-constrained QP on the free variables (a KKT system, with
    an updated Cholesky factor), steps towards it until a bound blocks (the blocking variable
    joins the working set), and at a subspace optimum releases the bound whose multiplier has
    the wrong sign (Nocedal and Wright 2006, *Numerical Optimization*, Algorithm 16.3; with
    ``E`` empty, ``l = 0`` and ``u = inf`` it is the Lawson-Hanson NNLS algorithm).
    """
    n = c.size
    m = e_mat.shape[0]
    x, state = _working_set(x0, lo, hi, free0)
    fs = FreeSet(q, e_mat)
    for j in np.flatnonzero(state == 0).tolist():  # Python ints, as FreeSet keeps them
        fs.add(j)
    xb = np.where(state != 0, x, 0.0)
    qxb = q @ xb  # Q times the bounded part of x, updated one column at a time
    exb = e_mat @ xb
    scale_g = max(1.0, float(np.max(np.abs(c))) if c.size else 1.0, float(np.max(np.abs(np.diag(q)))))
    tol_g = 1e-11 * scale_g
    for _ in range(20 * n + 50):
        fi = np.array(fs.idx, dtype=int)
        x_f, nu = _subspace_optimum(fs, fi, x, c[fi] + qxb[fi], e_rhs - exb, m)
        p = x_f - x[fi]
        if fi.size and np.max(np.abs(p)) > 1e-13 * (1.0 + np.max(np.abs(x))):
            alpha, block, block_state = _ratio_test(x[fi], p, fi, lo[fi], hi[fi])
            x[fi] = x[fi] + max(alpha, 0.0) * p
            if block >= 0:
                state[block] = block_state
                x[block] = lo[block] if block_state == -1 else hi[block]
                fs.remove(block)
                qxb += q[:, block] * x[block]
                exb += e_mat[:, block] * x[block]
                continue
        elif fi.size:
            x[fi] = x_f
        # subspace optimum: check the multipliers of the bounds
        if nu is None:
            nu = _equality_multipliers(q, c, x, e_mat, state)
        g = q @ x + c - e_mat.T @ np.atleast_1d(nu).ravel()
        viol = np.where(state == -1, -g, np.where(state == 1, g, 0.0))
        j = int(np.argmax(viol))
        if viol[j] <= tol_g:
            return x
        state[j] = 0
        fs.add(j)
        qxb -= q[:, j] * x[j]
        exb -= e_mat[:, j] * x[j]
    raise FastPathFailed("active-set iteration limit")


def _equality_multipliers(q: np.ndarray, c: np.ndarray, x: np.ndarray, e_mat: np.ndarray, state: Any) -> np.ndarray:
    """Multipliers of ``Ex = e`` when every variable sits at a bound: least violation of the signs."""
    m = e_mat.shape[0]
    if m == 0:
        return np.zeros(0)
    grad = q @ x + c
    from scipy.optimize import linprog

    # find nu minimising the total sign violation of g = grad - E'nu (an LP with slacks)
    n = x.size
    sgn = np.where(state == -1, 1.0, -1.0)  # want sgn * g >= 0
    # variables: nu (m, free), s (n, >= 0):  sgn*(grad - E'nu) + s >= 0  -> -sgn*E'nu... as A_ub
    a_ub = np.hstack([(sgn[:, None] * e_mat.T), -np.eye(n)])
    b_ub = sgn * grad
    cost = np.concatenate([np.zeros(m), np.ones(n)])
    out = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=[(None, None)] * m + [(0, None)] * n, method="highs")
    if not out.success:
        raise FastPathFailed("multiplier LP failed")
    return out.x[:m]


def greedy_fill(order: np.ndarray, lo: np.ndarray, hi: np.ndarray, budget: float) -> tuple[np.ndarray, int]:
    """Start at the lower bounds and raise assets in ``order`` to their upper bounds until the budget is met.

    Returns the weights and the index of the asset that took the remainder (the one free asset).
    """
    w = lo.copy()
    rem = budget - lo.sum()
    last = int(order[0])
    for i in order:
        room = hi[i] - lo[i]
        last = int(i)
        if room >= rem:
            w[i] += rem
            return w, last
        w[i] = hi[i]
        rem -= room
    return w, last


def max_linear(a: np.ndarray, lo: np.ndarray, hi: np.ndarray, budget: float) -> tuple[float, np.ndarray]:
    """``max a'w`` s.t. ``1'w = budget``, box: greedy fill by decreasing ``a`` (an LP solved exactly)."""
    w, _ = greedy_fill(np.argsort(-a, kind="stable"), lo, hi, budget)
    return float(a @ w), w


def is_long_only_unit(res: Resolved) -> bool:
    """Lower bounds zero and upper bounds never binding (each at least the budget)."""
    return res.budget > 0 and bool(np.all(res.lo == 0)) and bool(np.all(res.hi >= res.budget))


def nnls_ratio(cov: np.ndarray, a: np.ndarray, budget: float) -> np.ndarray:
    r"""``max a'w / sqrt(w'Σw)`` over ``w >= 0, 1'w = budget`` via NNLS in Gram form.

    Solve :math:`\min_{y \ge 0} \tfrac12 y'\Sigma y - a'y` (equivalently
    :math:`\min_{y\ge0} \lVert R y - R^{-T} a \rVert^2` with :math:`\Sigma = R'R`); the KKT
    conditions give :math:`y'\Sigma y = a'y`, so :math:`w = b\,y / 1'y` minimises
    :math:`y'\Sigma y` on :math:`a'y = 1, y \ge 0` after scaling, i.e. maximises the ratio.
    """
    n = a.size
    zeros = np.zeros(n)
    y = _box_qp(cov, -a, zeros, np.full(n, np.inf), np.zeros((0, n)), np.zeros(0), lambda: (zeros, None))
    total = y.sum()
    if not total > 0:
        raise FastPathFailed("zero NNLS solution")
    return budget * y / total


def _budget_start(order: np.ndarray, res: Resolved) -> Callable[[], tuple[np.ndarray, np.ndarray | None]]:
    def start() -> tuple[np.ndarray, np.ndarray | None]:
        x0, last = greedy_fill(order, res.lo, res.hi, res.budget)
        free0 = np.zeros(x0.size, dtype=bool)
        free0[last] = True
        return x0, free0

    return start


def min_variance_box(cov: np.ndarray, res: Resolved) -> tuple[np.ndarray, str]:
    if is_long_only_unit(res):
        return nnls_ratio(cov, np.ones(len(res.lo)), res.budget), "nnls"
    n = len(res.lo)
    start = _budget_start(np.argsort(np.diag(cov), kind="stable"), res)
    x = _box_qp(cov, np.zeros(n), res.lo, res.hi, np.ones((1, n)), np.array([res.budget]), start)
    return x, "active_set"


def utility_box(mu: np.ndarray, cov: np.ndarray, res: Resolved, delta: float) -> np.ndarray:
    """``max mu'w - delta/2 w'Σw`` under box bounds and the budget."""
    n = len(res.lo)
    start = _budget_start(np.argsort(-mu, kind="stable"), res)
    return _box_qp(delta * cov, -mu, res.lo, res.hi, np.ones((1, n)), np.array([res.budget]), start)


def target_return_box(
    mu: np.ndarray, cov: np.ndarray, res: Resolved, target: float
) -> tuple[np.ndarray, str]:
    w_mv, _ = min_variance_box(cov, res)
    r_mv = float(mu @ w_mv)
    if r_mv >= target:
        return w_mv, "active_set"

    def start():
        r_max, w_max = max_linear(mu, res.lo, res.hi, res.budget)
        t = (target - r_mv) / (r_max - r_mv)
        x0 = np.clip(w_mv + t * (w_max - w_mv), res.lo, res.hi)
        free0 = (x0 > res.lo + 1e-14) & (x0 < res.hi - 1e-14)
        if free0.sum() < 2:
            raise FastPathFailed("degenerate start")
        return x0, free0

    e = np.vstack([np.ones(mu.size), mu])
    x = _box_qp(cov, np.zeros(mu.size), res.lo, res.hi, e, np.array([res.budget, target]), start)
    return x, "active_set"


def _box_state(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """-1 at the lower bound, +1 at the upper, 0 free (within a relative 1e-10)."""
    span = 1e-10 * (1.0 + np.abs(x))
    return np.where(x <= lo + span, -1, np.where(x >= hi - span, 1, 0)).astype(np.int8)


class _Segment:
    r"""One piece of the constrained frontier: a fixed working set and its line.

    ``state`` holds each weight's place (-1 lower bound, +1 upper, 0 free) and ``row_state`` each
    linear row's (``res.sector_matrix``: -1 at its minimum, +1 at its maximum, 0 inactive). On the
    piece the optimum of :math:`\min \tfrac12 w'\Sigma w - t\,e'w` is :math:`w(t) = a + t d` (two
    KKT solves with one factor), valid while the free weights and inactive rows stay feasible and
    the bounded ones keep their multiplier signs (Markowitz 1956; the critical line).
    """

    def __init__(self, cov: np.ndarray, excess: np.ndarray, res: Resolved, state: np.ndarray,
                 row_state: np.ndarray):
        n = excess.size
        fi = np.flatnonzero(state == 0)
        act = np.flatnonzero(row_state != 0)
        if fi.size <= act.size:
            raise FastPathFailed("fewer free assets than active constraints")
        self.state, self.row_state, self.fi = state, row_state, fi
        fixed = np.where(state == -1, res.lo, np.where(state == 1, res.hi, 0.0))
        e_mat = np.vstack([np.ones((1, n)), res.sector_matrix[act]])
        e_rhs = np.r_[res.budget, np.where(row_state == 1, res.sector_hi, res.sector_lo)[act]]
        fs = FreeSet(cov, e_mat, fi)
        rhs_x = np.column_stack([-(cov[fi] @ fixed), excess[fi]])
        rhs_e = np.column_stack([e_rhs - e_mat @ fixed, np.zeros(act.size + 1)])
        x_f, nu = fs.solve(rhs_x, rhs_e)
        self.a, self.d = fixed.copy(), np.zeros(n)
        self.a[fi], self.d[fi] = x_f[:, 0], x_f[:, 1]
        # gradients g(t) = g_a + t g_d (Σw - t e - E'ν) and row multipliers m(t) = m_a + t m_d
        self.g_a = cov @ self.a - e_mat.T @ nu[:, 0]
        self.g_d = cov @ self.d - excess - e_mat.T @ nu[:, 1]
        self.m_a = np.zeros(row_state.size)
        self.m_d = np.zeros(row_state.size)
        self.m_a[act], self.m_d[act] = nu[1:, 0], nu[1:, 1]

    def tangent_t(self, cov: np.ndarray, excess: np.ndarray) -> float:
        """The t maximising the Sharpe ratio on the line: a'Σa / e'a (a'Σd = 0, d'Σd = e'd), or inf."""
        alpha = float(excess @ self.a)
        return float(self.a @ cov @ self.a) / alpha if alpha > 0 else math.inf

    def valid_range(self, res: Resolved) -> tuple[float, float]:
        """The interval of t on which this working set (weights only, no active rows) is the frontier's."""
        lo_t, hi_t = 0.0, math.inf
        rows = [(self.a[self.fi] - res.lo[self.fi], self.d[self.fi]),  # w - lo >= 0
                (res.hi[self.fi] - self.a[self.fi], -self.d[self.fi])]  # hi - w >= 0
        low, up = self.state == -1, self.state == 1
        rows += [(self.g_a[low], self.g_d[low]), (-self.g_a[up], -self.g_d[up])]  # multiplier signs
        for const, slope in rows:  # const + t slope >= 0
            tol = 1e-9 * (1.0 + np.abs(const))
            with np.errstate(divide="ignore", invalid="ignore"):
                bound = -const / slope
            pos, neg = slope > 0, slope < 0
            if np.any(pos):
                lo_t = max(lo_t, float(np.max(np.where(pos, bound - tol / np.where(pos, slope, 1), -np.inf))))
            if np.any(neg):
                hi_t = min(hi_t, float(np.min(np.where(neg, bound + tol / np.where(neg, -slope, 1), np.inf))))
            if np.any((slope == 0) & (const < -tol)):
                return math.inf, -math.inf
        return lo_t, hi_t


def _resorted(seg: _Segment, t: float, res: Resolved) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The tangency point of ``seg`` at ``t`` and the working sets the pdas rules give it."""
    x = seg.a + t * seg.d
    g = seg.g_a + t * seg.g_d
    mult = seg.m_a + t * seg.m_d
    state, rows = seg.state, seg.row_state
    span = 1e-12 * (1.0 + np.abs(x))
    tol_g = 1e-11 * max(1.0, float(np.max(np.abs(g))))
    new = state.copy()
    new[(state == 0) & (x < res.lo - span)] = -1
    new[(state == 0) & (x > res.hi + span)] = 1
    new[((state == -1) & (g < -tol_g)) | ((state == 1) & (g > tol_g))] = 0
    gx = res.sector_matrix @ x
    row_span = 1e-12 * (1.0 + np.abs(gx))
    new_rows = rows.copy()
    new_rows[(rows == 0) & (gx > res.sector_hi + row_span)] = 1
    new_rows[(rows == 0) & (gx < res.sector_lo - row_span)] = -1
    # at a maximum the multiplier of Gw <= hi is -ν >= 0; at a minimum ν >= 0
    new_rows[((rows == 1) & (mult > tol_g)) | ((rows == -1) & (mult < -tol_g))] = 0
    return x, new, new_rows


def pdas_sharpe(cov: np.ndarray, excess: np.ndarray, res: Resolved, max_iter: int = 30) -> np.ndarray:
    r"""Exact max Sharpe under bounds, the budget and sector rows by a primal-dual active set.

    The tangency portfolio is the frontier point :math:`w(t)` of :math:`\min \tfrac12 w'\Sigma w
    - t\,e'w` (:math:`e = \mu - r_f`) with :math:`t = w'\Sigma w / e'w`: its first-order
    conditions are then the max-Sharpe ones, and the ratio is pseudo-concave, so the point is the
    global optimum. Each step takes the working set's frontier line :math:`a + t d`, its own
    tangency :math:`t^* = a'\Sigma a / e'a`, and re-sorts every weight and sector row by the rules
    of :func:`pdas_qp` (Hintermueller, Ito and Kunisch 2002); when nothing moves the KKT
    conditions hold exactly. It raises :class:`FastPathFailed` if the sets cycle.
    """
    if not res.budget > 0:
        raise FastPathFailed("the tangency search needs a positive budget")
    state = np.zeros(excess.size, dtype=np.int8)
    row_state = np.zeros(res.sector_matrix.shape[0], dtype=np.int8)
    seen: set[bytes] = set()
    for _ in range(max_iter):
        seg = _Segment(cov, excess, res, state, row_state)
        t = seg.tangent_t(cov, excess)
        if not math.isfinite(t):
            raise FastPathFailed("no tangency on this working set")
        x, new, new_rows = _resorted(seg, t, res)
        if np.array_equal(new, state) and np.array_equal(new_rows, row_state):
            return np.clip(x, res.lo, res.hi)
        key = new.tobytes() + new_rows.tobytes()
        if key in seen:
            raise FastPathFailed("primal-dual active set cycled")
        seen.add(key)
        state, row_state = new, new_rows
    raise FastPathFailed("primal-dual active set did not converge")


def max_sharpe_box(cov: np.ndarray, excess: np.ndarray, res: Resolved, max_iter: int = 40) -> np.ndarray:
    r"""Exact max Sharpe under box bounds and the budget: :func:`pdas_sharpe`, then a safeguarded search.

    If the primal-dual sets cycle, each step solves the box QP at ``t`` (active set), takes that
    working set's line and jumps to its tangency :math:`t^*`; it stops when :math:`t^*` lies in
    the range where the working set holds (then :math:`w(t^*)` is exact), keeping a bracket on
    ``t`` so it always closes in. Same optimum as the critical line algorithm without its corners.
    """
    try:
        return pdas_sharpe(cov, excess, res)
    except FastPathFailed:
        pass
    n = excess.size
    w0 = np.clip(np.full(n, res.budget / n), res.lo, res.hi)
    t = float(w0 @ cov @ w0) / max(float(excess @ w0), 1e-12)
    bracket = [0.0, math.inf]
    ones = np.ones((1, n))
    no_rows = np.zeros(0, dtype=np.int8)
    start = _budget_start(np.argsort(-excess, kind="stable"), res)
    state: np.ndarray | None = None
    for _ in range(max_iter):
        x = _box_qp(cov / t, -excess, res.lo, res.hi, ones, np.array([res.budget]), start, state)
        state = _box_state(x, res.lo, res.hi)
        seg = _Segment(cov, excess, res, state, no_rows)
        t_star = seg.tangent_t(cov, excess)
        lo_t, hi_t = seg.valid_range(res)
        if lo_t <= t_star <= hi_t:
            return np.clip(seg.a + t_star * seg.d, res.lo, res.hi)
        if t_star > hi_t:
            bracket[0] = max(bracket[0], hi_t)
        else:
            bracket[1] = min(bracket[1], lo_t)
        if bracket[0] < t_star < bracket[1]:
            t = t_star
        elif math.isfinite(bracket[1]):
            t = math.sqrt(max(bracket[0], 1e-300) * bracket[1]) if bracket[0] > 0 else bracket[1] / 2
        else:
            t = 2.0 * max(bracket[0], t)
    raise FastPathFailed("max Sharpe search did not close in")


def pdas_frontier_point(
    cov: np.ndarray,
    mu: np.ndarray,
    res: Resolved,
    target: float | None,
    start: tuple[np.ndarray, np.ndarray] | None = None,
    max_iter: int = 40,
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    r"""One frontier point :math:`\min w'\Sigma w` s.t. :math:`\mu'w = r` (or min variance when
    ``target`` is None) under bounds, the budget and sector rows, by a primal-dual active set.

    On a working set the frontier is the line :math:`w(t) = a + t d` of :class:`_Segment` (with
    :math:`e = \mu`), so the point of return ``r`` is :math:`t = (r - \mu'a) / \mu'd` (``t = 0``
    for min variance); the sets are re-sorted by the rules of :func:`pdas_qp` until nothing moves,
    which is exactly the KKT conditions. ``start`` (``(state, row_state)`` of the previous point)
    warm-starts a sweep along the frontier: neighbouring points differ by a few indices. Returns
    the weights and the working set they hold on; raises :class:`FastPathFailed` if the sets
    cycle or the line is flat in return (the caller solves that point cold).
    """
    if start is None:
        state = np.zeros(mu.size, dtype=np.int8)
        row_state = np.zeros(res.sector_matrix.shape[0], dtype=np.int8)
    else:
        state, row_state = start[0].copy(), start[1].copy()
    seen: set[bytes] = set()
    for _ in range(max_iter):
        # a row whose members all sit at bounds is implied by them (a sector held at 0 with its
        # weights at 0): keeping it active would make the KKT system singular
        row_state[~(res.sector_matrix[:, state == 0] != 0).any(axis=1)] = 0
        seg = _Segment(cov, mu, res, state, row_state)
        t = 0.0
        if target is not None:
            slope = float(mu @ seg.d)
            if not slope > 1e-14 * max(1.0, float(np.max(np.abs(mu)))):
                raise FastPathFailed("the working set's line is flat in return")
            t = (target - float(mu @ seg.a)) / slope
        x, new, new_rows = _resorted(seg, t, res)
        if np.array_equal(new, state) and np.array_equal(new_rows, row_state):
            return np.clip(x, res.lo, res.hi), (state, row_state)
        key = new.tobytes() + new_rows.tobytes()
        if key in seen:
            raise FastPathFailed("primal-dual active set cycled")
        seen.add(key)
        state, row_state = new, new_rows
    raise FastPathFailed("primal-dual active set did not converge")


def working_set(x: np.ndarray, res: Resolved) -> tuple[np.ndarray, np.ndarray]:
    """The ``(state, row_state)`` a solution holds on (bounds and sector rows within 1e-10 relative),
    to warm-start :func:`pdas_frontier_point` from another solver's answer."""
    gx = res.sector_matrix @ x
    span = 1e-10 * (1.0 + np.abs(gx))
    rows = np.where(gx >= res.sector_hi - span, 1, np.where(gx <= res.sector_lo + span, -1, 0))
    return _box_state(x, res.lo, res.hi), rows.astype(np.int8)
