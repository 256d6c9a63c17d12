"""Covariance forecasts judged by the minimum-variance portfolio each one builds, out of sample.

At each rebalance date (every ``rebalance_every`` days from ``min_train`` on) every method
estimates the covariance from the returns before that date only; the fully invested
minimum-variance weights ``inv(S) 1 / (1' inv(S) 1)`` (shorts allowed, the closed form the
comparison literature uses) are held until the next rebalance. The better forecast gives the
lower realised variance of those held portfolios. Methods: the construction desk's
estimators on the last ``window`` days (``sample``, ``ledoit_wolf``, ``oas``, ``ewma``), the
RiskMetrics EWMA covariance (lambda 0.94) and constant-correlation GARCH (``ccc_garch``:
each asset's GARCH(1,1)-t one-day forecast with the window's correlation).

The last two are also construction-desk estimators (``estimators.covariance_estimate(returns,
"riskmetrics" | "ccc_garch")``), built by :func:`riskmetrics_covariance` and
:func:`ccc_garch_covariance` on the whole sample the desk passes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from .._checks import check_positive_int
from ..errors import DataError
from ..estimators import COVARIANCE_METHODS, covariance
from .ewma import RISKMETRICS_LAMBDA
from .garch import garch_forecast, next_day_variance

__all__ = [
    "COVARIANCE_FORECASTS",
    "ccc_garch_covariance",
    "constant_correlation_covariance",
    "compare_covariance_forecasts",
    "min_variance_weights",
    "riskmetrics_covariance",
]

COVARIANCE_FORECASTS = COVARIANCE_METHODS
#: How many recent days the constant-correlation GARCH covariance reads its correlation from.
CCC_WINDOW = 250


def min_variance_weights(cov: np.ndarray) -> np.ndarray:
    """Fully invested minimum-variance weights ``inv(S) 1 / (1' inv(S) 1)``."""
    solved = np.linalg.solve(cov, np.ones(len(cov)))
    return solved / solved.sum()


def riskmetrics_covariance(past: pd.DataFrame, lam: float = RISKMETRICS_LAMBDA) -> np.ndarray:
    """``sum_j (1 - lam) lam**j r[t-j] r[t-j]'`` normalised by its weights (uncentred, RiskMetrics 1996)."""
    values = past.to_numpy()[::-1]
    weights = lam ** np.arange(len(values))
    return (values * weights[:, None]).T @ values / weights.sum()


def constant_correlation_covariance(recent: pd.DataFrame, variances: np.ndarray) -> np.ndarray:
    """``R * outer(s, s)``: the sample correlation of ``recent`` with the forecast volatilities ``s``."""
    vols = np.sqrt(np.asarray(variances, dtype=float))
    return recent.corr().to_numpy() * np.outer(vols, vols)


def ccc_garch_covariance(returns: pd.DataFrame, window: int = CCC_WINDOW) -> np.ndarray:
    """Daily constant-correlation GARCH covariance for the day after the last row (Bollerslev 1990).

    Each asset's GARCH(1,1)-t (``arch``) is fitted on all rows and forecasts one day ahead;
    the correlation is the sample correlation of the last ``window`` rows.
    """
    variances = np.array([next_day_variance(returns[c]) for c in returns])
    return constant_correlation_covariance(returns.iloc[-window:], variances)


def _estimate(method: str, past: pd.DataFrame, window: int, garch: pd.DataFrame | None) -> np.ndarray:
    recent = past.iloc[-window:]
    if method == "riskmetrics":
        return riskmetrics_covariance(recent)
    if method == "ccc_garch":
        assert garch is not None
        return constant_correlation_covariance(recent, garch.loc[past.index[-1]].to_numpy())
    return covariance(recent, method).to_numpy()


def compare_covariance_forecasts(
    returns: pd.DataFrame,
    methods: tuple[str, ...] = COVARIANCE_FORECASTS,
    *,
    window: int = 250,
    min_train: int = 500,
    rebalance_every: int = 21,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Out-of-sample daily returns of each method's minimum-variance portfolio (dates x methods).

    ``result.var() * 252`` is the annualised realised variance each forecast achieved.
    ``progress(done, total)`` is called after each asset's rolling GARCH fits (``ccc_garch``
    only, the slow part) and after each rebalance date.
    """
    unknown = [m for m in methods if m not in COVARIANCE_FORECASTS]
    if unknown or not isinstance(returns, pd.DataFrame) or returns.shape[1] < 2:
        raise DataError(
            f"Give a returns table of 2 or more assets and methods among {list(COVARIANCE_FORECASTS)}; "
            f"unknown: {unknown}.",
            code="bad_parameter",
        )
    step = check_positive_int(rebalance_every, "rebalance interval")
    train = check_positive_int(min_train, "minimum training length", minimum=max(100, window))
    if len(returns) <= train or returns.isna().to_numpy().any():
        raise DataError(
            f"Need more than {train} complete rows of returns; got {len(returns)}.", code="too_few_returns"
        )
    origins = range(train, len(returns), step)
    fits = returns.shape[1] if "ccc_garch" in methods else 0
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, fits + len(origins))

    garch = None
    if fits:
        columns = {}
        for c in returns:
            columns[c] = garch_forecast(returns[c], 1, min_train=train, refit_every=step)
            tick()
        garch = pd.DataFrame(columns)
    held: dict[str, list[pd.Series]] = {m: [] for m in methods}
    for origin in origins:
        past, ahead = returns.iloc[:origin], returns.iloc[origin : origin + step]
        for m in methods:
            held[m].append(ahead @ min_variance_weights(_estimate(m, past, window, garch)))
        tick()
    return pd.DataFrame({m: pd.concat(held[m]) for m in methods})
