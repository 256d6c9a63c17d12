"""Impact-optimal schedules: the analytical water-filling, cvxpy and scipy solvers."""

from __future__ import annotations

import time
import warnings
from typing import Literal

import numpy as np
from scipy import optimize as _sopt

from .._checks import check_count, check_positive
from .._types import DateLike, IndexMask, IntervalLike, VectorLike
from ..errors import DataError, SolverError
from ._checks import check_shares, check_side, check_vector
from .costs import CostModel, CostSetup
from .impact import ImpactModel
from .schedule import Schedule, check_capacity, finish_schedule, no_trade_mask

#: Solvers of :func:`optimal_schedule`.
#: The impact-optimal solvers by name.
Solver = Literal["analytical", "cvxpy", "scipy"]
SOLVERS: tuple[Solver, ...] = ("analytical", "cvxpy", "scipy")


def _caps(
    n: int, max_participation: float | None, volumes: VectorLike | None, no_trade: IndexMask | None
) -> tuple[np.ndarray | None, np.ndarray | None]:
    vol = None if volumes is None else check_vector(volumes, n, "Expected volumes")
    caps = None
    if max_participation is not None:
        p = check_positive(max_participation, "The participation cap")
        if p > 1:
            raise DataError(
                f"The participation cap is a fraction of market volume (0-1]; got {p:g}. For 20% enter 0.2.",
                code="bad_value",
            )
        if vol is None:
            raise DataError(
                "A participation cap needs the expected market volume per interval: pass volumes= "
                "(for example intraday_volume_profile(n) * daily volume).",
                code="missing_value",
            )
        caps = p * vol
    mask = no_trade_mask(n, no_trade)
    if mask is not None:
        caps = np.where(mask, 0.0, np.inf if caps is None else caps)
    return caps, vol


# ---------------------------------------------------------------- water-filling
def _marginal_at(x: np.ndarray, c: np.ndarray, b: np.ndarray, a: np.ndarray) -> np.ndarray:
    return c + 2 * b * x + 3 * a * x**2


def _fill(nu: float, c: np.ndarray, b: np.ndarray, a: np.ndarray, caps: np.ndarray) -> np.ndarray:
    d = np.maximum(nu - c, 0.0)
    r = 2 * d / (2 * b + np.sqrt(4 * b * b + 12 * a * d))
    return np.minimum(r, caps)


def _linear_level(total: float, lo: np.ndarray, hi: np.ndarray, b: np.ndarray) -> float:
    """The exact water level ``nu`` when ``a = 0``: ``F(nu) = sum clip((nu - c) / (2b), 0, cap)`` is piecewise linear.

    ``lo`` (= ``c``) and ``hi`` (the marginal cost at the cap, inf without one) are the breakpoints.
    """
    w = 1.0 / (2 * b)
    pts = np.concatenate([lo, hi])
    slope = np.concatenate([w, -w])
    fin = np.isfinite(pts)
    pts, slope = pts[fin], slope[fin]
    order = np.argsort(pts, kind="stable")
    pts, slope = pts[order], slope[order]
    cum_slope = np.cumsum(slope)
    vals = np.concatenate([[0.0], np.cumsum(cum_slope[:-1] * np.diff(pts))])
    j = int(np.searchsorted(vals, total, side="right")) - 1
    j = max(j, 0)
    s = cum_slope[j]
    return pts[j] + (total - vals[j]) / s if s > 0 else pts[j]


def _water_fill(total: float, c: np.ndarray, b: np.ndarray, a: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """Minimise ``sum_t c_t x_t + b_t x_t^2 + a_t x_t^3`` s.t. ``sum x = total``, ``0 <= x <= caps``.

    KKT: every interval trades where its marginal cost ``c + 2 b x + 3 a x^2`` equals a
    common level ``nu`` (clipped to ``[0, cap]``), the water-filling solution of a
    separable convex resource allocation problem (Boyd and Vandenberghe (2004),
    "Convex Optimization", example 5.2; Patriksson (2008), "A survey on the continuous
    nonlinear resource allocation problem", EJOR 185). ``x_t(nu)`` is piecewise smooth
    with breakpoints at ``c_t`` and at the marginal cost at the cap: when ``a = 0`` the
    sum is piecewise linear and ``nu`` is found exactly from the sorted breakpoints;
    otherwise a bisection over breakpoints brackets ``nu`` and Newton's method (monotone
    from the left on this concave piece) finishes it.
    """
    lo = c
    hi = np.where(np.isfinite(caps), _marginal_at(np.where(np.isfinite(caps), caps, 0.0), c, b, a), np.inf)
    if not (a > 0).any():
        return _fill(_linear_level(total, lo, hi, b), c, b, a, caps)
    pts = np.unique(np.concatenate([lo, hi[np.isfinite(hi)]]))
    i_lo, i_hi = 0, len(pts) - 1
    if _fill(pts[-1], c, b, a, caps).sum() <= total:
        i_lo = i_hi
    else:
        while i_hi - i_lo > 1:
            mid = (i_lo + i_hi) // 2
            if _fill(pts[mid], c, b, a, caps).sum() <= total:
                i_lo = mid
            else:
                i_hi = mid
    nu = pts[i_lo]
    right = pts[i_hi] if i_hi > i_lo else np.inf
    for _ in range(100):
        x = _fill(nu, c, b, a, caps)
        g = x.sum() - total
        if g >= -1e-13 * total:
            break
        act = (nu >= c) & (x < caps)  # right derivative: intervals about to start trading count
        d = np.maximum(nu - c[act], 0.0)
        deriv = np.sum(1.0 / np.sqrt(4 * b[act] ** 2 + 12 * a[act] * d))
        if deriv <= 0:
            break
        step = -g / deriv
        new = min(nu + step, right)
        if new <= nu:
            break
        nu = new
    x = _fill(nu, c, b, a, caps)
    if abs(x.sum() - total) > 1e-9 * total:  # safeguard: bracketed root finding on the same segment
        top = right if np.isfinite(right) else max(nu, pts[i_lo]) * 2 + 1.0
        while np.isinf(right) and _fill(top, c, b, a, caps).sum() < total:
            top *= 2
        nu = _sopt.brentq(
            lambda v: _fill(v, c, b, a, caps).sum() - total, pts[i_lo], top, xtol=1e-15, rtol=1e-15
        )
        x = _fill(nu, c, b, a, caps)
    return x


def _solve_cvxpy(
    total: int, c: np.ndarray, b: np.ndarray, a: np.ndarray, caps: np.ndarray | None
) -> tuple[np.ndarray, str, list[str]]:
    import cvxpy as cp

    n = len(c)
    y = cp.Variable(n, nonneg=True)
    s = float(total)
    scale = float(np.sum(c * s / n + b * (s / n) ** 2 + a * (s / n) ** 3)) or 1.0
    obj = (c * s / scale) @ y + cp.sum(cp.multiply(b * s * s / scale, cp.square(y)))
    if (a > 0).any():
        obj = obj + cp.sum(cp.multiply(a * s**3 / scale, cp.power(y, 3)))
    cons = [cp.sum(y) == 1]
    if caps is not None and np.isfinite(caps).any():
        ub = np.where(np.isfinite(caps), caps / s, 1.0)
        cons.append(y <= ub)
    prob = cp.Problem(cp.Minimize(obj), cons)
    tried = []
    chain = ["CLARABEL", "SCS"] if (a > 0).any() else ["CLARABEL", "OSQP", "SCS"]
    for name in chain:
        try:
            kw = (
                {"eps_abs": 1e-10, "eps_rel": 1e-10, "max_iter": 200_000, "polishing": True}
                if name == "OSQP"
                else {}
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "may be inaccurate": reported in notes instead
                prob.solve(solver=name, **kw)
        except Exception as err:  # noqa: BLE001 - each solver's failure is reported
            tried.append(f"{name}: {type(err).__name__}: {err}")
            continue
        if prob.status in ("optimal", "optimal_inaccurate") and y.value is not None:
            notes = [f"Solver {name} answered after: {'; '.join(tried)}."] if tried else []
            if prob.status == "optimal_inaccurate":
                notes.append(
                    f"{name} reported a possibly inaccurate solution; check it against solver='analytical'."
                )
            return np.clip(np.asarray(y.value, dtype=float), 0.0, None) * s, name, notes
        tried.append(f"{name}: status {prob.status}")
    raise SolverError(
        "Every cvxpy solver failed on the schedule: " + "; ".join(tried) + ". Try solver='analytical'.",
        code="solver_error",
    )


def _solve_scipy(
    total: int, c: np.ndarray, b: np.ndarray, a: np.ndarray, caps: np.ndarray | None
) -> tuple[np.ndarray, str, list[str]]:
    """Augmented Lagrangian on ``sum y = 1`` with L-BFGS-B for the bounds, on fractions ``y = x / S``.

    Variables are rescaled to fractions of the order and the objective to TWAP = 1:
    unscaled shares (millions) make scipy's minimisers stop at wrong optima
    (FIELD-NOTES). The bound-constrained augmented-Lagrangian method follows Nocedal and
    Wright (2006), "Numerical Optimization", 2nd ed., section 17.4; L-BFGS-B is Byrd, Lu,
    Nocedal and Zhu (1995). SLSQP also works but needs minutes on 390 intervals.
    """
    n = len(c)
    s = float(total)
    cs, bs, as_ = c * s, b * s * s, a * s**3
    scale = float(np.sum(cs / n + bs / n**2 + as_ / n**3)) or 1.0
    cs, bs, as_ = cs / scale, bs / scale, as_ / scale
    ub = np.ones(n) if caps is None else np.minimum(np.where(np.isfinite(caps), caps / s, 1.0), 1.0)
    bounds = _sopt.Bounds(np.zeros(n), ub)
    y = np.minimum(np.full(n, 1.0 / n), ub)
    mu, rho = 0.0, 10.0
    for outer in range(60):

        def fun(y: np.ndarray, mu: float = mu, rho: float = rho) -> tuple[float, np.ndarray]:
            h = y.sum() - 1.0
            val = cs @ y + bs @ (y * y) + as_ @ (y * y * y) + mu * h + 0.5 * rho * h * h
            grad = cs + 2 * bs * y + 3 * as_ * y * y + (mu + rho * h)
            return float(val), grad

        res = _sopt.minimize(
            fun,
            y,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": 20_000, "ftol": 1e-16, "gtol": 1e-13, "maxcor": 20},
        )
        y = res.x
        h = y.sum() - 1.0
        if abs(h) < 1e-13 and outer > 0:
            break
        mu += rho * h
        rho = min(rho * 10, 1e10)
    else:
        raise SolverError(
            f"scipy L-BFGS-B (augmented Lagrangian) did not reach sum = 1 (off by {h:.2e}). Try solver='analytical'.",
            code="solver_error",
        )
    y = np.clip(y, 0.0, ub)
    return y * s / y.sum(), "L-BFGS-B", []


def optimal_schedule(
    impact: ImpactModel,
    total_shares: float,
    n_intervals: int | None = None,
    *,
    solver: Solver = "analytical",
    max_participation: float | None = None,
    volumes: VectorLike | None = None,
    no_trade: IndexMask | None = None,
    side: str = "buy",
    permanent: float = 0.0,
    sigma: float = 0.0,
    start: DateLike | None = None,
    interval: IntervalLike = "1min",
    lot_size: int = 100,
) -> Schedule:
    """Impact-optimal schedule: minimise expected cost under participation caps.

    .. math:: \\min_x \\sum_t x_t g_t(x_t) - \\tfrac{\\gamma}{2} \\sum_t x_t^2
              \\quad \\text{s.t.} \\quad \\sum_t x_t = S,\\; 0 \\le x_t \\le p V_t,

    with ``g_t(x) = c_t + b_t x + a_t x^2`` from ``impact`` (mapped onto ``n_intervals``
    by time), ``p = max_participation``, ``V_t`` the expected market ``volumes`` and
    ``x_t = 0`` in ``no_trade`` intervals (0-based indices or a boolean mask). The
    permanent-impact term makes the objective the full Almgren-Chriss expected cost
    (section 1.5 of Almgren and Chriss (2000)); with constant coefficients and no caps
    the optimum is TWAP. ``solver``: ``"analytical"`` (exact water-filling on the
    marginal cost, see :func:`_water_fill`), ``"cvxpy"`` (Clarabel -> OSQP -> SCS) or
    ``"scipy"`` (SLSQP on rescaled variables). ``sigma`` (price volatility per interval,
    currency per share) gives the timing risk. Raises :class:`InfeasibleError` with the
    largest executable size and the horizon needed when the caps are too tight.
    """
    setup = CostSetup(side, impact, permanent, sigma, start, interval, lot_size)
    return optimal_with(
        setup,
        total_shares,
        n_intervals,
        solver=solver,
        max_participation=max_participation,
        volumes=volumes,
        no_trade=no_trade,
    )


def optimal_with(
    setup: CostSetup,
    total_shares: float,
    n_intervals: int | None = None,
    *,
    solver: Solver = "analytical",
    max_participation: float | None = None,
    volumes: VectorLike | None = None,
    no_trade: IndexMask | None = None,
) -> Schedule:
    """:func:`optimal_schedule` under the cost model and clock of ``setup`` (``setup.impact`` required)."""
    impact = setup.impact
    if not isinstance(impact, ImpactModel):
        raise DataError(
            "optimal_schedule needs an ImpactModel (from fit_impact or ImpactModel.from_coefficients).",
            code="bad_input",
        )
    total = check_shares(total_shares)
    n = impact.n_intervals if n_intervals is None else check_count(n_intervals, "The number of intervals")
    method = str(solver).lower()
    if method not in SOLVERS:
        raise DataError(
            f"Solver {solver!r} is not known. Use one of {', '.join(SOLVERS)}.", code="bad_option"
        )
    s = check_side(setup.side)
    lot = check_count(setup.lot_size, "The lot size")
    m = setup.checked_model(n)
    b_eff = _effective_linear(m)
    caps, vol = _caps(n, max_participation, volumes, no_trade)
    check_capacity(total, caps, n, max_participation, lot, setup.timed_interval)
    t0 = time.perf_counter()
    x, name, notes = _solve(method, total, m.c, b_eff, m.a, caps)
    secs = time.perf_counter() - t0
    return finish_schedule(
        x,
        total,
        m,
        side=s,
        strategy="optimal",
        solver=name,
        times=setup.times(n),
        lot_size=lot,
        caps=caps,
        volumes=vol,
        solve_seconds=secs,
        notes=notes,
    )


def _effective_linear(m: CostModel) -> np.ndarray:
    """``b - gamma / 2``: the linear coefficient net of the permanent impact, refused where not positive."""
    b_eff = m.b - m.gamma / 2
    if (b_eff <= 0).any():
        i = int(np.argmax(b_eff <= 0))
        raise DataError(
            f"Interval {i + 1}: the linear impact {m.b[i]:.3g} must exceed half the permanent impact "
            f"({m.gamma / 2:.3g}); otherwise trading everything at once looks free. Lower the permanent impact.",
            code="bad_value",
        )
    return b_eff


def _solve(
    method: str, total: int, c: np.ndarray, b_eff: np.ndarray, a: np.ndarray, caps: np.ndarray | None
) -> tuple[np.ndarray, str, list[str]]:
    """The continuous optimum by ``method`` (one of :data:`SOLVERS`): trades, who answered, notes."""
    if method == "analytical":
        caps_arr = np.full(len(c), np.inf) if caps is None else caps
        return _water_fill(float(total), c, b_eff, a, caps_arr), "water_filling", []
    if method == "cvxpy":
        return _solve_cvxpy(total, c, b_eff, a, caps)
    return _solve_scipy(total, c, b_eff, a, caps)
