"""The cost model of a schedule: per-interval coefficients and the cost breakdown.

A parent order of ``S`` shares is split into ``N`` child orders ``n_1 .. n_N`` (whole
shares, round lots, summing exactly to ``S``). Holdings still to execute after interval
``k`` are ``x_k = S - (n_1 + ... + n_k)`` with ``x_0 = S`` and ``x_N = 0``.

Cost model (per share, in the currency of the prices), the discrete model of
Almgren and Chriss (2000), "Optimal execution of portfolio transactions", Journal of
Risk 3(2), 5-39, section 1:

* temporary impact of trading ``n`` shares in interval ``t``:
  ``g_t(n) = c_t + b_t n + a_t n^2`` per share (``c_t`` the half spread, ``b_t`` the
  linear and ``a_t`` the quadratic coefficient), so the interval costs ``n g_t(n)``;
  with Almgren-Chriss's ``h(v) = epsilon + eta v`` and ``v = n / tau`` this is
  ``c = epsilon``, ``b = eta / tau``, ``a = 0``;
* permanent impact ``gamma`` per share traded, which costs
  ``gamma * sum_k x_k n_k = gamma / 2 * (S^2 - sum_k n_k^2)``;
* timing risk: the variance of the implementation shortfall
  ``V = sigma^2 tau sum_{k=1..N} x_k^2``.

The expected cost ``E`` is the sum of the spread, temporary and permanent parts, as in
Almgren and Chriss (2000), equation for ``E(x)`` in section 1.5.

Buys and sells are symmetric: shares are always positive and ``side`` says which way.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from .._checks import check_positive
from ..errors import DataError
from .clock import interval_times
from .impact import ImpactModel

COST_ROWS = ["spread", "temporary", "permanent", "expected_cost", "timing_risk", "variance"]


@dataclass
class CostModel:
    """Everything needed to cost a schedule of ``n`` intervals."""

    c: np.ndarray
    b: np.ndarray
    a: np.ndarray
    gamma: float
    sigma2tau: float  # sigma^2 * tau, per interval


def make_cost_model(n: int, impact: ImpactModel | None, permanent: float, sigma: float, tau: float = 1.0) -> CostModel:
    if impact is None:
        z = np.zeros(n)
        return CostModel(z, z, z, float(permanent), float(sigma) ** 2 * tau)
    if not isinstance(impact, ImpactModel):
        raise DataError(
            "impact must be an ImpactModel (from fit_impact or ImpactModel.from_coefficients).",
            code="bad_input",
        )
    c, b, a = impact.coefficients(n)
    return CostModel(c, b, a, float(permanent), float(sigma) ** 2 * tau)


def checked_cost_model(n: int, impact: ImpactModel | None, permanent: object, sigma: object) -> CostModel:
    """:func:`make_cost_model` after checking the permanent impact and the volatility given by the user."""
    return make_cost_model(
        n,
        impact,
        check_positive(permanent, "The permanent impact", allow_zero=True),
        check_positive(sigma, "The volatility", allow_zero=True),
    )


def cost_breakdown(x: np.ndarray, total: float, m: CostModel) -> np.ndarray:
    """Spread, temporary, permanent, E, timing risk, V for trades ``x`` (may be 2-D: rows = schedules)."""
    x = np.atleast_2d(x)
    spread = x @ m.c
    temp = (x**2) @ m.b + (x**3) @ m.a
    perm = 0.5 * m.gamma * (total**2 - np.sum(x**2, axis=1))
    hold = total - np.cumsum(x, axis=1)
    var = m.sigma2tau * np.sum(hold**2, axis=1)
    e = spread + temp + perm
    return np.stack([spread, temp, perm, e, np.sqrt(np.maximum(var, 0.0)), var], axis=1)


@dataclass(frozen=True)
class CostSetup:
    """The cost model and clock of one order, carried as given (each schedule function checks them).

    ``side``, ``impact``, ``permanent``, ``sigma``, ``start``, ``interval`` and ``lot_size``
    mean what they mean in :func:`~finance_core.execution.optimal_schedule`. The public
    schedule functions take them as keywords and build one CostSetup at the boundary; inside
    the package it is the one object that carries them (``twap_with``, ``vwap_with``,
    ``pov_with``, ``optimal_with``, ``recost_almgren_chriss``, the comparison and baskets).
    """

    side: str = "buy"
    impact: ImpactModel | None = None
    permanent: float = 0.0
    sigma: float = 0.0
    start: object = None
    interval: object = "1min"
    lot_size: int = 100

    def keywords(self) -> dict:
        """The seven keywords of :func:`twap`, :func:`vwap`, :func:`pov` and :func:`optimal_schedule`."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def model(self, n: int) -> CostModel:
        """:func:`make_cost_model` for ``n`` intervals (the values unchecked, as given)."""
        return make_cost_model(n, self.impact, self.permanent, self.sigma)

    def checked_model(self, n: int) -> CostModel:
        """:func:`checked_cost_model` for ``n`` intervals: the permanent impact and volatility checked."""
        return checked_cost_model(n, self.impact, self.permanent, self.sigma)

    @property
    def timed_interval(self) -> object:
        """The interval length when the clock has a start time (for horizons in messages), else None."""
        return self.interval if self.start is not None else None

    def times(self, n: int) -> pd.Index:
        """The ``n + 1`` interval boundaries of the clock (:func:`interval_times`)."""
        return interval_times(n, self.start, self.interval)
