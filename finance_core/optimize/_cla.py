"""The critical line algorithm (private): corner portfolios of the box-constrained frontier."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._box import FastPathFailed, FreeSet, greedy_fill


@dataclass(frozen=True)
class Corners:
    """Corner portfolios of the critical line algorithm, from max return to min variance."""

    weights: np.ndarray  # K x n
    returns: np.ndarray  # K
    variances: np.ndarray  # K
    lambdas: np.ndarray  # K (risk tolerance at each corner; the first is where the corner stops)


@dataclass(frozen=True)
class _Line:
    """One critical line: free weights ``a_w + λ b_w``, the bounded weights' multipliers ``cc + λ dd``."""

    free: np.ndarray  # indices of the free weights
    bounded: np.ndarray  # indices of the weights at a bound
    a_w: np.ndarray
    b_w: np.ndarray
    cc: np.ndarray
    dd: np.ndarray


def _line_through(fs: FreeSet, cov: np.ndarray, mu: np.ndarray, w: np.ndarray, state: np.ndarray,
                  budget: float) -> _Line:
    """The critical line of the current free set: one KKT solve gives both coefficient vectors."""
    n = mu.size
    fi = np.array(fs.idx, dtype=int)
    bi = np.flatnonzero(state != 0)
    wb = np.where(state != 0, w, 0.0)
    rhs_x = np.column_stack([-(cov @ wb)[fi], mu[fi]])
    rhs_e = np.array([[budget - wb.sum(), 0.0]])
    sol_x, sol_g = fs.solve(rhs_x, rhs_e)
    a_w, b_w = sol_x[:, 0], sol_x[:, 1]
    a_g, b_g = sol_g[0, 0], sol_g[0, 1]
    # multipliers of the bounded weights: g(λ) = C + λ D
    w_a = wb.copy()
    w_a[fi] = a_w
    w_b = np.zeros(n)
    w_b[fi] = b_w
    cc = (cov @ w_a)[bi] - a_g
    dd = (cov @ w_b)[bi] - mu[bi] - b_g
    return _Line(fi, bi, a_w, b_w, cc, dd)


def _next_event(line: _Line, state: np.ndarray, lo: np.ndarray, hi: np.ndarray, lam: float,
                last_changed: int) -> tuple[float, tuple[int, int] | None]:
    """The largest λ below ``lam`` where a free weight hits a bound (kind -1 lower, 1 upper) or a
    bounded weight's multiplier changes sign (kind 0: it becomes free); None at the end of the path."""
    fi, bi, a_w, b_w = line.free, line.bounded, line.a_w, line.b_w
    best = 0.0
    event = None
    near = lam * (1 - 1e-9) if np.isfinite(lam) else np.inf
    bscale = 1e-12 * max(1.0, float(np.max(np.abs(b_w))) if b_w.size else 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        hit_lo = np.where(b_w > bscale, (lo[fi] - a_w) / b_w, -np.inf)
        hit_hi = np.where(b_w < -bscale, (hi[fi] - a_w) / b_w, -np.inf)
    for arr, kind in ((hit_lo, -1), (hit_hi, 1)):
        if arr.size:
            # a weight already at or past its bound and moving outwards hits it now (λ = current)
            arr = np.minimum(arr, lam)
            arr = np.where((fi == last_changed) & (arr >= near), -np.inf, arr)
            j = int(np.argmax(arr))
            if arr[j] > best:
                best, event = float(arr[j]), (fi[j], kind)
    if bi.size:
        dscale = 1e-12 * max(1.0, float(np.max(np.abs(line.dd))))
        with np.errstate(divide="ignore", invalid="ignore"):
            lam_b = np.minimum(-line.cc / line.dd, lam)
        ok = ((state[bi] == -1) & (line.dd > dscale)) | ((state[bi] == 1) & (line.dd < -dscale))
        ok &= ~((bi == last_changed) & (lam_b >= near))
        lam_b = np.where(ok, lam_b, -np.inf)
        j = int(np.argmax(lam_b))
        if lam_b[j] > best:
            best, event = float(lam_b[j]), (bi[j], 0)
    return best, event


def critical_line(mu: np.ndarray, cov: np.ndarray, lo: np.ndarray, hi: np.ndarray, budget: float) -> Corners:
    r"""Critical line algorithm: all corner portfolios of the box-constrained frontier.

    Parametric in the risk tolerance :math:`\lambda`: :math:`\min \tfrac12 w'\Sigma w - \lambda \mu'w`,
    :math:`1'w = b`, :math:`l \le w \le u`. Between corners the free weights are affine in
    :math:`\lambda` (one KKT solve gives both coefficient vectors); a corner is where a free
    weight reaches a bound or a bound's multiplier changes sign. Starts at the max-return
    portfolio (:math:`\lambda = \infty`) and ends at min variance (:math:`\lambda = 0`).
    Markowitz (1956), Naval Research Logistics Quarterly 3; Niedermayer and Niedermayer (2007),
    "Applying Markowitz's critical line algorithm", Univ. Bern discussion paper 06-02.
    """
    n = mu.size
    w, first = greedy_fill(np.argsort(-mu, kind="stable"), lo, hi, budget)
    state = np.where(w <= lo, -1, 1).astype(np.int8)
    state[first] = 0
    lam = np.inf
    corners = [w.copy()]
    lambdas = [np.inf]
    last_changed = first
    fs = FreeSet(cov, np.ones((1, n)))
    fs.add(first)
    for _ in range(10 * n + 20):
        line = _line_through(fs, cov, mu, w, state, budget)
        lam_next, event = _next_event(line, state, lo, hi, lam, last_changed)
        w = w.copy()
        if event is None:
            w[line.free] = line.a_w
            corners.append(w)
            lambdas.append(0.0)
            break
        lam = lam_next
        w[line.free] = line.a_w + lam * line.b_w
        idx, kind = event
        if kind:
            state[idx] = kind
            w[idx] = lo[idx] if kind == -1 else hi[idx]
            fs.remove(idx)
        else:
            state[idx] = 0
            fs.add(idx)
        last_changed = idx
        corners.append(w)
        lambdas.append(lam)
    else:
        raise FastPathFailed("critical line algorithm did not finish")
    mat = np.array(corners)
    lam_arr = np.array(lambdas)
    # the first recorded corner equals the second when no weight moves before the first event
    rets = mat @ mu
    var = quad_rows(mat, cov, mat)
    return Corners(weights=mat, returns=rets, variances=var, lambdas=lam_arr)


def quad_rows(a: np.ndarray, cov: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise ``a_i' Σ b_i`` with one matrix product."""
    return ((a @ cov) * b).sum(axis=1)


def _segments(
    c: Corners, cov: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per segment j (corner j -> j+1): start weights, direction, v0, cross term, dv."""
    w0 = c.weights[:-1]
    d = c.weights[1:] - w0
    v0 = c.variances[:-1]
    cross = quad_rows(w0, cov, d)
    dv = quad_rows(d, cov, d)
    return w0, d, v0, cross, dv


def cla_max_ratio(c: Corners, cov: np.ndarray, excess: np.ndarray) -> np.ndarray:
    """Max of ``excess'w / sqrt(w'Σw)`` along the corner path, exact on each segment."""
    e_c = c.weights @ excess
    best_val = -np.inf
    best_w = None
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = e_c / np.sqrt(np.maximum(c.variances, 0))
    k = int(np.nanargmax(np.where(np.isfinite(ratio), ratio, -np.inf)))
    best_val, best_w = ratio[k], c.weights[k]
    if len(c.weights) > 1:
        w0, d, v0, cross, dv = _segments(c, cov)
        e0 = e_c[:-1]
        de = e_c[1:] - e_c[:-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (e0 * cross - de * v0) / (de * cross - e0 * dv)
        ok = np.isfinite(t) & (t > 0) & (t < 1)
        for j in np.flatnonzero(ok):
            tj = t[j]
            v = v0[j] + 2 * tj * cross[j] + tj * tj * dv[j]
            val = (e0[j] + tj * de[j]) / math.sqrt(max(v, 1e-300))
            if val > best_val:
                best_val, best_w = val, w0[j] + tj * d[j]
    return np.asarray(best_w, dtype=float)


def cla_at_returns(c: Corners, targets: np.ndarray) -> np.ndarray:
    """Frontier weights at target returns (between min-variance and max return) by interpolation."""
    r = c.returns  # decreasing from max return to min variance
    out = np.empty((targets.size, c.weights.shape[1]))
    for k, tr in enumerate(targets):
        j = int(np.searchsorted(-r, -tr, side="left"))  # first corner with return <= tr
        j = min(max(j, 1), len(r) - 1)
        r_hi, r_lo = r[j - 1], r[j]
        t = 0.0 if r_hi == r_lo else (r_hi - tr) / (r_hi - r_lo)
        t = min(max(t, 0.0), 1.0)
        out[k] = c.weights[j - 1] + t * (c.weights[j] - c.weights[j - 1])
    return out


def cla_at_volatility(c: Corners, cov: np.ndarray, target_vol: float) -> np.ndarray:
    v_target = target_vol**2
    if v_target >= c.variances[0]:
        return c.weights[0]
    w0, d, v0, cross, dv = _segments(c, cov)
    for j in range(len(w0)):
        v_end = c.variances[j + 1]
        if v_end <= v_target <= v0[j] or j == len(w0) - 1:
            # v0 + 2 t cross + t^2 dv = v_target, t in [0, 1]
            a, b, cc = dv[j], 2 * cross[j], v0[j] - v_target
            if abs(a) < 1e-18:
                t = -cc / b if b else 0.0
            else:
                disc = max(b * b - 4 * a * cc, 0.0)
                roots = [(-b - math.sqrt(disc)) / (2 * a), (-b + math.sqrt(disc)) / (2 * a)]
                inside = [r for r in roots if -1e-9 <= r <= 1 + 1e-9]
                t = min(inside) if inside else min(roots, key=lambda r: abs(r - 0.5))
            t = min(max(t, 0.0), 1.0)
            return w0[j] + t * d[j]
    return c.weights[-1]
