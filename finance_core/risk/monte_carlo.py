"""Monte Carlo wealth projection: the return and volatility assumptions and the
simulated wealth paths with percentiles, goal and depletion probabilities.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._checks import check_positive, check_positive_int
from .._types import WeightsLike
from ..errors import DataError
from ._checks import SIMULATIONS, Simulation
from .returns import portfolio_returns

__all__ = [
    "MonteCarloResult",
    "projection_assumptions",
    "monte_carlo_paths",
    "MAX_PATHS",
    "MAX_STEPS_PER_YEAR",
]

#: The most paths one simulation runs (the Risk page's Paths input stops here too): 200,000
#: paths of 60 years hold about 100 MB; 2,000,000 held a worker for a minute and 2 GB.
MAX_PATHS = 200_000
#: At most one step a trading day.
MAX_STEPS_PER_YEAR = 252


@dataclass(frozen=True)
class MonteCarloResult:
    """A wealth projection.

    ``percentiles``: DataFrame indexed by ``year`` (0, 1, ..., years) with one column per
    percentile (``"p5"``, ``"p50"``, ...) and ``"mean"``. ``goal_probability``: share
    of paths ending at or above ``goal`` (NaN without a goal); ``goal_probability_by_year``
    the same at each year end. ``depletion_probability``: share of paths that ran out
    of money. ``final_values``: summary of the final wealth. ``expected_return`` and
    ``volatility``: the annual assumptions of the normal model, each with its source in
    ``return_source`` / ``volatility_source``: ``"input"`` (given) or ``"estimated"``
    (from ``returns`` by :func:`projection_assumptions`).
    """

    percentiles: pd.DataFrame
    goal_probability: float
    goal_probability_by_year: pd.Series
    depletion_probability: float
    final_values: pd.Series
    n_paths: int
    expected_return: float
    volatility: float
    method: str
    return_source: str = "input"
    volatility_source: str = "input"


def projection_assumptions(
    returns: pd.Series | pd.DataFrame, weights: WeightsLike | None = None, *, periods_per_year: int = 252
) -> pd.Series:
    r"""Annual expected return and volatility of a portfolio estimated from its history.

    ``expected_return = (1 + \bar r)^P - 1``: the mean periodic return compounded over a
    year, the expected gross annual return of i.i.d. periods (``E[\prod(1 + r_i)] = (1 +
    \bar r)^P``), which is what :func:`monte_carlo_paths` means by ``expected_return``
    (``E[G] = 1 + m``); ``volatility = s \sqrt P`` with the sample standard deviation
    ``s``. The median path of the normal model then grows at about the historical CAGR
    (``\ln(1 + m) - \sigma^2/2``); using the CAGR itself as ``m`` would understate it by
    ``\sigma^2/2`` a year. Returns a Series with ``expected_return`` and ``volatility``.
    """
    ppy = check_positive_int(periods_per_year, "periods per year")
    r = portfolio_returns(returns, weights).to_numpy()
    if r.shape[0] < 2:
        raise DataError("At least 2 returns are needed to estimate a projection.", code="too_short")
    m = (1.0 + float(r.mean())) ** ppy - 1.0
    return pd.Series({"expected_return": m, "volatility": float(r.std(ddof=1)) * math.sqrt(ppy)}, name="estimate")


def monte_carlo_paths(
    initial_value: float,
    years: int,
    *,
    expected_return: float | None = None,
    volatility: float | None = None,
    returns: pd.Series | pd.DataFrame | None = None,
    weights: WeightsLike | None = None,
    method: Simulation = "normal",
    contribution: float = 0.0,
    goal: float | None = None,
    n_paths: int = 10_000,
    steps_per_year: int = 12,
    percentiles: Sequence[float] = (5, 25, 50, 75, 95),
    periods_per_year: int = 252,
    seed: int | None = 0,
    chunk_size: int = 2_000,
    progress: Callable[[int, int], object] | None = None,
) -> MonteCarloResult:
    r"""Monte Carlo projection of wealth with yearly contributions or withdrawals.

    Each step of length ``\Delta = 1/\text{steps\_per\_year}`` grows wealth by a gross
    return ``G`` and then adds ``contribution \Delta`` (negative: a withdrawal); wealth
    that reaches zero stays at zero (depleted).

    * ``method="normal"``: geometric Brownian motion,
      ``\ln G \sim N((\mu - \sigma^2/2)\Delta, \sigma^2\Delta)`` with ``\mu = \ln(1 + m)``
      for the annual expected return ``m`` and volatility ``\sigma`` (Hull, *Options,
      Futures and Other Derivatives*, ch. 15), so ``E[G^{1/\Delta}] = 1 + m``;
    * ``method="bootstrap"``: gross returns resampled from non-overlapping historical
      step-length returns of ``returns`` (Efron 1979).

    ``m`` and ``\sigma`` default to the estimates of :func:`projection_assumptions` from
    ``returns`` (the bootstrap ignores them: it replays history). Paths are simulated in
    chunks of ``chunk_size`` and only the year-end wealth is kept, so memory is
    ``n_paths x (years + 1)``; ``progress(done, total)`` is called after each chunk (a
    background job can update a progress bar, and cancel by raising from it).
    """
    w0, years, n_paths, steps, chunk_size, ppy, pct = _checked_settings(
        method, initial_value, years, n_paths, steps_per_year, chunk_size, periods_per_year, percentiles
    )
    m, s, sources, hist = _assumptions(expected_return, volatility, returns, weights, ppy, steps, method)
    dt = 1.0 / steps
    yearly, depleted = _simulate_years(
        w0, years, n_paths, steps, chunk_size,
        drift=(math.log1p(m) - 0.5 * s * s) * dt, diffusion=s * math.sqrt(dt), add=float(contribution) * dt,
        hist=hist if method == "bootstrap" else None, seed=seed, progress=progress,
    )
    table, by_year, goal_p, summary = _summarise(yearly, pct, goal)
    return MonteCarloResult(
        percentiles=table,
        goal_probability=goal_p,
        goal_probability_by_year=by_year,
        depletion_probability=float(depleted.mean()),
        final_values=summary,
        n_paths=n_paths,
        expected_return=m,
        volatility=s,
        method=method,
        return_source=sources[0],
        volatility_source=sources[1],
    )



def _checked_settings(
    method: str,
    initial_value: float,
    years: int,
    n_paths: int,
    steps_per_year: int,
    chunk_size: int,
    periods_per_year: int,
    percentiles: Sequence[float],
) -> tuple[float, int, int, int, int, int, list[float]]:
    """The projection's settings checked, in the order they are refused: the initial value, years,
    paths, steps a year, chunk size, periods a year and the percentiles as floats."""
    if method not in SIMULATIONS:
        raise DataError(f"Unknown method {method!r}: choose 'normal' or 'bootstrap'.", code="unknown_method")
    w0 = check_positive(initial_value, "The initial value", allow_zero=True, blank=False, code="bad_parameter")
    years = check_positive_int(years, "number of years")
    if years > 100:
        raise DataError(
            f"A projection over {years} years is not meaningful; use 100 years or fewer.",
            code="bad_parameter",
        )
    n_paths = check_positive_int(n_paths, "number of paths", 100)
    if n_paths > MAX_PATHS:
        raise DataError(
            f"{n_paths:,} paths is more than this server simulates at once; use {MAX_PATHS:,} or fewer.",
            code="too_large",
        )
    steps = check_positive_int(steps_per_year, "steps per year")
    if steps > MAX_STEPS_PER_YEAR:
        raise DataError(
            f"{steps:,} steps a year is more than daily; use {MAX_STEPS_PER_YEAR} or fewer.", code="too_large"
        )
    chunk_size = check_positive_int(chunk_size, "chunk size")
    ppy = check_positive_int(periods_per_year, "periods per year")
    pct = [float(p) for p in percentiles]
    if any(not 0 <= p <= 100 for p in pct):
        raise DataError(f"Percentiles must lie between 0 and 100; got {percentiles!r}.", code="bad_parameter")
    return w0, years, n_paths, steps, chunk_size, ppy, pct


def _assumptions(
    expected_return: float | None,
    volatility: float | None,
    returns: pd.Series | pd.DataFrame | None,
    weights: WeightsLike | None,
    ppy: int,
    steps: int,
    method: str,
) -> tuple[float, float, list[str], np.ndarray | None]:
    """The annual ``m`` and ``sigma`` (given, or estimated from ``returns``), their sources, and the
    historical step-length gross returns the bootstrap draws from (None without ``returns``)."""
    hist = None
    sources = ["input", "input"]
    if returns is not None:
        series = portfolio_returns(returns, weights)
        if len(series) < 2 * ppy // steps + 2:
            raise DataError(
                f"Only {len(series)} returns: too short to estimate a projection. Load more history.",
                code="too_short",
            )
        estimate = projection_assumptions(series, periods_per_year=ppy)
        if expected_return is None:
            expected_return, sources[0] = float(estimate["expected_return"]), "estimated"
        if volatility is None:
            volatility, sources[1] = float(estimate["volatility"]), "estimated"
        block = max(1, ppy // steps)
        logs = np.log1p(series.to_numpy())
        nb = len(logs) // block
        hist = np.exp(logs[len(logs) - nb * block :].reshape(nb, block).sum(axis=1))
    if method == "bootstrap" and hist is None:
        raise DataError(
            "The bootstrap projection needs historical returns: pass returns=.", code="missing_returns"
        )
    if expected_return is None or volatility is None:
        raise DataError(
            "Give expected_return and volatility (annual fractions), or returns to estimate them.",
            code="missing_parameter",
        )
    m, s = float(expected_return), float(volatility)
    if not math.isfinite(m) or m <= -1:
        raise DataError(
            f"The expected return must be above -100% a year; got {m:.1%}.", code="bad_parameter"
        )
    if not math.isfinite(s) or s < 0:
        raise DataError(f"The volatility must be zero or more; got {s:.1%} a year.", code="bad_parameter")
    return m, s, sources, hist


def _simulate_years(
    w0: float, years: int, n_paths: int, steps: int, chunk_size: int, *, drift: float, diffusion: float,
    add: float, hist: np.ndarray | None, seed: int | None, progress: Callable[[int, int], object] | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Year-end wealth (``n_paths x (years + 1)``) and which paths were depleted, chunk by chunk.

    Gross step returns are lognormal (``drift``, ``diffusion``) or, with ``hist``, drawn from it.
    """
    rng = np.random.default_rng(seed)
    yearly = np.empty((n_paths, years + 1))
    yearly[:, 0] = w0
    depleted = np.zeros(n_paths, dtype=bool)
    done = 0
    while done < n_paths:
        k = min(chunk_size, n_paths - done)
        wealth = np.full(k, w0)
        dead = np.zeros(k, dtype=bool)
        for y in range(years):
            if hist is None:
                gross = np.exp(drift + diffusion * rng.standard_normal((k, steps)))
            else:
                gross = hist[rng.integers(0, hist.shape[0], size=(k, steps))]
            for j in range(steps):
                wealth = wealth * gross[:, j] + add
                neg = wealth <= 0
                if neg.any():
                    dead |= neg
                    wealth[neg] = 0.0
            wealth[dead] = 0.0
            yearly[done : done + k, y + 1] = wealth
        depleted[done : done + k] = dead
        done += k
        if progress is not None:
            progress(done, n_paths)
    return yearly, depleted


def _summarise(
    yearly: np.ndarray, pct: list[float], goal: float | None
) -> tuple[pd.DataFrame, pd.Series, float, pd.Series]:
    """Percentiles and mean by year, the goal probability by year and at the end, the final-value summary."""
    years = yearly.shape[1] - 1
    table = pd.DataFrame(
        {f"p{p:g}": np.percentile(yearly, p, axis=0) for p in pct},
        index=pd.Index(np.arange(years + 1), name="year"),
    )
    table["mean"] = yearly.mean(axis=0)
    final = yearly[:, -1]
    if goal is not None:
        g = float(goal)
        by_year = pd.Series((yearly >= g).mean(axis=0), index=table.index, name="goal_probability")
        goal_p = float((final >= g).mean())
    else:
        by_year = pd.Series(np.nan, index=table.index, name="goal_probability")
        goal_p = float("nan")
    summary = pd.Series(
        {"mean": final.mean(), "median": np.median(final), "min": final.min(), "max": final.max(), "std": final.std()},
        name="final_value",
    )
    return table, by_year, goal_p, summary
