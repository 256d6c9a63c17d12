"""Out-of-sample evaluation of variance forecasts against realised variance.

The realised variance over horizon h at date t is ``sum(r[t+1..t+h] ** 2)``: what the
forecast made at t tries to predict. Losses (Patton 2011, robust to a noisy proxy):
MSE ``mean((rv - f) ** 2)`` and QLIKE ``mean(log(f) + rv / f)`` (lower is better; it
differs from ``rv/f - log(rv/f) - 1`` by a term free of the forecast, so rankings agree). Only dates where both the forecast and the realised value exist count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from ..errors import DataError
from ._checks import check_horizon, check_return_series

__all__ = [
    "DieboldMariano",
    "MincerZarnowitz",
    "diebold_mariano",
    "mincer_zarnowitz",
    "mse_loss",
    "newey_west_variance",
    "qlike_loss",
    "qlike_losses",
    "realised_variance",
]


def realised_variance(returns, horizon: int = 1) -> pd.Series:
    """Sum of squared returns over the ``horizon`` days after each date (NaN at the end)."""
    days = check_horizon(horizon)
    series = check_return_series(returns)
    squared = series**2
    ahead = squared.rolling(days).sum().shift(-days)
    return ahead.rename("realised")


def _aligned(forecast: pd.Series, realised: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    both = pd.concat([forecast.rename("f"), realised.rename("rv")], axis=1, join="inner").dropna()
    if both.empty:
        raise DataError(
            "The forecast and the realised variance share no dates; check that both come from the same returns.",
            code="no_overlap",
        )
    if (both["f"] <= 0).any():
        raise DataError(
            "A variance forecast is zero or negative; QLIKE needs positive forecasts.", code="bad_forecast"
        )
    return both["f"].to_numpy(), both["rv"].to_numpy()


def mse_loss(forecast: pd.Series, realised: pd.Series) -> float:
    """Mean squared error of the variance forecast."""
    f, rv = _aligned(forecast, realised)
    return float(np.mean((rv - f) ** 2))


def qlike_loss(forecast: pd.Series, realised: pd.Series) -> float:
    """QLIKE loss ``mean(log(f) + rv / f)`` (Patton 2011); defined when a realised value is zero."""
    f, rv = _aligned(forecast, realised)
    return float(np.mean(np.log(f) + rv / f))


@dataclass(frozen=True)
class MincerZarnowitz:
    """The regression ``rv = intercept + slope * f``: an unbiased forecast has 0 and 1."""

    intercept: float
    slope: float
    r_squared: float
    observations: int


def mincer_zarnowitz(forecast: pd.Series, realised: pd.Series) -> MincerZarnowitz:
    """Ordinary least squares of the realised variance on the forecast, on their common dates."""
    f, rv = _aligned(forecast, realised)
    if len(f) < 3 or np.ptp(f) == 0:
        raise DataError(
            "The Mincer-Zarnowitz regression needs 3 or more dates with varying forecasts.", code="too_few"
        )
    design = np.column_stack([np.ones_like(f), f])
    coef, *_ = np.linalg.lstsq(design, rv, rcond=None)
    residual = rv - design @ coef
    total = np.sum((rv - rv.mean()) ** 2)
    r2 = 1.0 - float(np.sum(residual**2) / total) if total > 0 else float("nan")
    return MincerZarnowitz(float(coef[0]), float(coef[1]), r2, len(f))


@dataclass(frozen=True)
class DieboldMariano:
    """Diebold-Mariano test of equal loss: ``mean_difference`` is model minus benchmark (negative: model better)."""

    mean_difference: float
    statistic: float
    p_value: float
    lags: int


def newey_west_variance(values: np.ndarray, lags: int) -> float:
    """Long-run variance with Bartlett weights ``1 - l / (lags + 1)`` (Newey and West 1987)."""
    centred = values - values.mean()
    n = len(centred)
    variance = float(centred @ centred) / n
    for lag in range(1, lags + 1):
        weight = 1.0 - lag / (lags + 1)
        variance += 2.0 * weight * float(centred[lag:] @ centred[:-lag]) / n
    return variance


def diebold_mariano(model_loss: pd.Series, benchmark_loss: pd.Series, horizon: int = 1) -> DieboldMariano:
    """DM test on per-date losses; overlapping ``horizon``-day targets get ``horizon - 1`` HAC lags."""
    days = check_horizon(horizon)
    both = pd.concat([model_loss.rename("m"), benchmark_loss.rename("b")], axis=1, join="inner").dropna()
    difference = (both["m"] - both["b"]).to_numpy()
    if len(difference) < 10:
        raise DataError("The Diebold-Mariano test needs 10 or more common dates.", code="too_few")
    lags = days - 1
    variance = newey_west_variance(difference, lags) / len(difference)
    if variance <= 0:
        raise DataError(
            "The two loss series are identical; the Diebold-Mariano test is undefined.", code="bad_forecast"
        )
    statistic = float(difference.mean() / np.sqrt(variance))
    return DieboldMariano(float(difference.mean()), statistic, float(2 * norm.sf(abs(statistic))), lags)


def qlike_losses(forecast: pd.Series, realised: pd.Series) -> pd.Series:
    """The per-date QLIKE losses ``log(f) + rv / f`` on the common dates (the DM test's input)."""
    both = pd.concat([forecast.rename("f"), realised.rename("rv")], axis=1, join="inner").dropna()
    f, rv = _aligned(both["f"], both["rv"])
    return pd.Series(np.log(f) + rv / f, index=both.index, name="qlike")
