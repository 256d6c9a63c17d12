"""VaR backtests: Kupiec and Christoffersen likelihood-ratio tests, the Basel traffic
light and zones, and the rolling VaR backtest that combines them.

References
----------
.. [5] Kupiec, P. (1995). Techniques for verifying the accuracy of risk measurement
   models. *Journal of Derivatives* 3(2), 73-84.
.. [6] Christoffersen, P. (1998). Evaluating interval forecasts. *International
   Economic Review* 39(4), 841-862.
.. [7] Basel Committee on Banking Supervision (1996). *Supervisory framework for the
   use of "backtesting" in conjunction with the internal models approach to market
   risk capital requirements*, Table 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from .._checks import check_level, check_positive_int
from .._types import WeightsLike
from ..errors import DataError
from ._checks import VaRMethod, check_method
from .returns import portfolio_returns
from .tail import empirical_var

__all__ = [
    "score_var_forecasts",
    "TestResult",
    "kupiec_test",
    "christoffersen_test",
    "basel_zones",
    "traffic_light",
    "VaRBacktest",
    "var_backtest",
]


@dataclass(frozen=True)
class TestResult:
    """A likelihood-ratio test: ``statistic`` ~ chi-squared(``dof``) under the null,
    ``pvalue``, ``critical_value`` at ``significance`` and ``reject`` (True when the
    model is rejected)."""

    name: str
    statistic: float
    pvalue: float
    dof: int
    critical_value: float
    reject: bool
    significance: float = 0.05


def _xlogy(x: float, y: float) -> float:
    return 0.0 if x == 0 else x * math.log(y)


def _lr_result(name: str, stat: float, dof: int, significance: float) -> TestResult:
    stat = max(float(stat), 0.0)
    crit = float(stats.chi2.ppf(1.0 - significance, dof))
    return TestResult(name, stat, float(stats.chi2.sf(stat, dof)), dof, crit, bool(stat > crit), significance)


def _check_counts(exceptions: int, observations: int) -> tuple[int, int]:
    x = check_positive_int(exceptions, "number of exceptions", 0)
    t = check_positive_int(observations, "number of observations", 1)
    if x > t:
        raise DataError(f"{x} exceptions cannot exceed the {t} observations.", code="bad_counts")
    return x, t


def kupiec_test(
    exceptions: int, observations: int, level: float = 0.99, significance: float = 0.05
) -> TestResult:
    r"""Kupiec (1995) proportion-of-failures test of unconditional coverage.

    With ``p = 1 - level``, ``x`` exceptions in ``T`` days and ``\hat p = x/T``:

    .. math:: LR_{uc} = -2\ln\frac{(1-p)^{T-x}p^x}{(1-\hat p)^{T-x}\hat p^x} \sim \chi^2_1

    Jorion (2007), Table 6-2 lists the resulting 95% non-rejection regions.
    """
    level = check_level(level)
    x, t = _check_counts(exceptions, observations)
    p, ph = 1.0 - level, x / t
    ll0 = _xlogy(t - x, 1 - p) + _xlogy(x, p)
    ll1 = _xlogy(t - x, 1 - ph) + _xlogy(x, ph)
    return _lr_result("kupiec_pof", -2.0 * (ll0 - ll1), 1, significance)


def _transitions(hits: ArrayLike) -> tuple[int, int, int, int]:
    h = np.asarray(hits, dtype=bool).ravel()
    prev, nxt = h[:-1], h[1:]
    n00 = int(np.sum(~prev & ~nxt))
    n01 = int(np.sum(~prev & nxt))
    n10 = int(np.sum(prev & ~nxt))
    n11 = int(np.sum(prev & nxt))
    return n00, n01, n10, n11


def christoffersen_test(
    hits: ArrayLike,
    level: float = 0.99,
    significance: float = 0.05,
    kind: Literal["independence", "conditional_coverage"] = "independence",
) -> TestResult:
    r"""Christoffersen (1998) Markov test of independence (or conditional coverage).

    From the transition counts ``n_ij`` of the exception indicator (``i`` yesterday,
    ``j`` today), ``\pi_{01} = n_{01}/(n_{00}+n_{01})``, ``\pi_{11} = n_{11}/(n_{10}+n_{11})``,
    ``\pi = (n_{01}+n_{11})/\sum n_{ij}``:

    .. math:: LR_{ind} = -2\ln\frac{(1-\pi)^{n_{00}+n_{10}}\pi^{n_{01}+n_{11}}}
              {(1-\pi_{01})^{n_{00}}\pi_{01}^{n_{01}}(1-\pi_{11})^{n_{10}}\pi_{11}^{n_{11}}} \sim \chi^2_1

    ``kind="conditional_coverage"`` returns ``LR_{cc} = LR_{uc} + LR_{ind} \sim \chi^2_2``
    (with Kupiec's ``LR_uc`` on the same ``T - 1`` transitions' days).
    """
    level = check_level(level)
    h = np.asarray(hits, dtype=bool).ravel()
    if h.size < 2:
        raise DataError("The independence test needs at least 2 days of exceptions.", code="too_short")
    n00, n01, n10, n11 = _transitions(h)
    pi01 = n01 / (n00 + n01) if n00 + n01 else 0.0
    pi11 = n11 / (n10 + n11) if n10 + n11 else 0.0
    pi = (n01 + n11) / (n00 + n01 + n10 + n11)
    ll0 = _xlogy(n00 + n10, 1 - pi) + _xlogy(n01 + n11, pi)
    ll1 = _xlogy(n00, 1 - pi01) + _xlogy(n01, pi01) + _xlogy(n10, 1 - pi11) + _xlogy(n11, pi11)
    lr_ind = -2.0 * (ll0 - ll1)
    if kind == "independence":
        return _lr_result("christoffersen_independence", lr_ind, 1, significance)
    if kind == "conditional_coverage":
        uc = kupiec_test(n01 + n11, n00 + n01 + n10 + n11, level, significance)
        return _lr_result("christoffersen_conditional_coverage", uc.statistic + lr_ind, 2, significance)
    raise DataError(
        f"Unknown test kind {kind!r}: choose 'independence' or 'conditional_coverage'.", code="unknown_method"
    )


#: Basel (1996) Table 2 plus factors for 250 observations at 99%, by number of exceptions.
_BASEL_PLUS = {0: 0.0, 1: 0.0, 2: 0.0, 3: 0.0, 4: 0.0, 5: 0.40, 6: 0.50, 7: 0.65, 8: 0.75, 9: 0.85}


def basel_zones(
    observations: int = 250, level: float = 0.99, max_exceptions: int | None = None
) -> pd.DataFrame:
    """The Basel traffic-light table: zone and cumulative binomial probability by exceptions.

    Zones follow the Basel Committee (1996), Table 2: green while the cumulative
    probability ``P(X <= x)`` of ``X ~ Binomial(T, 1 - level)`` is below 95%, yellow below
    99.99%, red from there. For 250 days at 99% this gives green 0-4, yellow 5-9 and red
    10+; ``plus_factor`` is the capital multiplier add-on of that table (NaN elsewhere).
    """
    level = check_level(level)
    t = check_positive_int(observations, "number of observations", 1)
    top = t if max_exceptions is None else min(t, int(max_exceptions))
    x = np.arange(top + 1)
    cum = stats.binom.cdf(x, t, 1.0 - level)
    zone = np.where(cum < 0.95 - 1e-12, "green", np.where(cum < 0.9999 - 1e-12, "yellow", "red"))
    standard = t == 250 and abs(level - 0.99) < 1e-12
    plus = [(_BASEL_PLUS.get(int(k), 1.0) if standard else np.nan) for k in x]
    frame = pd.DataFrame(
        {"zone": zone, "cumulative_probability": cum, "plus_factor": plus},
        index=pd.Index(x, name="exceptions"),
    )
    return frame


def traffic_light(exceptions: int, observations: int = 250, level: float = 0.99) -> str:
    """Basel traffic-light zone, ``"green"``, ``"yellow"`` or ``"red"`` (Basel Committee 1996).

    250 days at 99%: green 0-4 exceptions, yellow 5-9, red 10 or more. Other sample
    sizes and levels use the same cumulative-probability cut-offs (95%, 99.99%).
    """
    level = check_level(level)
    x, t = _check_counts(exceptions, observations)
    cum = float(stats.binom.cdf(x, t, 1.0 - level))
    if cum < 0.95 - 1e-12:
        return "green"
    if cum < 0.9999 - 1e-12:
        return "yellow"
    return "red"


@dataclass(frozen=True)
class VaRBacktest:
    """Rolling out-of-sample VaR forecasts against realised returns.

    ``frame``: by date, ``return`` (realised), ``var`` (forecast made with the previous
    ``window`` days only, a positive loss) and ``exception`` (``return < -var``).
    ``kupiec``, ``independence`` and ``conditional_coverage`` are :class:`TestResult`;
    ``zone`` the traffic light for the whole sample (``zone_last_250`` for the latest
    250 days, as supervisors read it).
    """

    frame: pd.DataFrame
    exceptions: int
    observations: int
    expected_exceptions: float
    kupiec: TestResult
    independence: TestResult
    conditional_coverage: TestResult
    zone: str
    zone_last_250: str
    level: float
    method: str
    window: int


def _rolling_forecasts(values: np.ndarray, window: int, level: float, method: str) -> np.ndarray:
    """VaR forecast for day ``t`` from days ``t - window .. t - 1`` (no look-ahead)."""
    views = np.lib.stride_tricks.sliding_window_view(values[:-1], window)  # row j: days j .. j+window-1
    p = 1.0 - level
    if method == "historical":
        return np.asarray(empirical_var(views.T, level))  # one VaR per window
    mu = views.mean(axis=1)
    sd = views.std(axis=1, ddof=1)
    z = float(stats.norm.ppf(p))
    if method == "gaussian":
        return -(mu + sd * z)
    if method == "cornish_fisher":
        d = views - mu[:, None]
        m2 = np.mean(d**2, axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            g1 = np.mean(d**3, axis=1) / m2**1.5
            g2 = np.mean(d**4, axis=1) / m2**2 - 3.0
        w = window
        skew = np.nan_to_num(g1 * math.sqrt(w * (w - 1)) / (w - 2))
        kurt = np.nan_to_num((w - 1) / ((w - 2) * (w - 3)) * ((w + 1) * g2 + 6.0))
        zc = z + (z**2 - 1) * skew / 6 + (z**3 - 3 * z) * kurt / 24 - (2 * z**3 - 5 * z) * skew**2 / 36
        return -(mu + sd * zc)
    # monte_carlo: bootstrap-free normal simulation per window (small, seeded)
    rng = np.random.default_rng(0)
    draws = rng.standard_normal(5_000)
    q = empirical_var(draws, level)
    return -mu + sd * q


def var_backtest(
    returns: pd.Series | pd.DataFrame,
    window: int = 250,
    level: float = 0.99,
    method: VaRMethod = "historical",
    *,
    weights: WeightsLike | None = None,
    significance: float = 0.05,
) -> VaRBacktest:
    """Walk-forward one-day VaR backtest with Kupiec, Christoffersen and the Basel zone.

    The VaR for day ``t`` is estimated from the ``window`` returns before ``t`` only
    (out of sample), by ``method`` (see :func:`value_at_risk`; ``monte_carlo`` uses a
    seeded standard-normal sample of 5,000 draws scaled by each window's mean and
    volatility). An exception is a realised return below ``-VaR``.
    """
    level = check_level(level)
    method = check_method(method)
    series = portfolio_returns(returns, weights)
    window = check_positive_int(window, "backtest window", 10)
    if window >= len(series):
        raise DataError(
            f"The backtest window of {window} days is not shorter than the {len(series)} days of history: "
            "no day is left to test. Choose a shorter window or load more history.",
            code="window_too_long",
        )
    values = series.to_numpy()
    var = np.asarray(_rolling_forecasts(values, window, level, method), dtype=float)
    realised = pd.Series(values[window:], index=series.index[window:])
    return score_var_forecasts(realised, var, level, method=method, window=window, significance=significance)


def score_var_forecasts(
    realised: pd.Series,
    var: ArrayLike | pd.Series,
    level: float = 0.99,
    *,
    method: str,
    window: int,
    significance: float = 0.05,
) -> VaRBacktest:
    """Kupiec, Christoffersen and the Basel zone for VaR forecasts (positive losses) made before each day."""
    values = realised.to_numpy(dtype=float)
    var = np.asarray(var, dtype=float)
    hits = values < -var
    frame = pd.DataFrame({"return": values, "var": var, "exception": hits}, index=realised.index)
    x, t = int(hits.sum()), int(hits.size)
    last = hits[-250:]
    return VaRBacktest(
        frame=frame,
        exceptions=x,
        observations=t,
        expected_exceptions=t * (1.0 - level),
        kupiec=kupiec_test(x, t, level, significance),
        independence=christoffersen_test(hits, level, significance),
        conditional_coverage=christoffersen_test(hits, level, significance, kind="conditional_coverage"),
        zone=traffic_light(x, t, level),
        zone_last_250=traffic_light(int(last.sum()), int(last.size), level),
        level=level,
        method=method,
        window=window,
    )
