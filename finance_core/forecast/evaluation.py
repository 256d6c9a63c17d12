"""Out-of-sample evaluation of variance forecasts against realised variance.

The realised variance over horizon h at date t is ``sum(r[t+1..t+h] ** 2)``: what the
forecast made at t tries to predict. Losses (Patton 2011, robust to a noisy proxy):
MSE ``mean((rv - f) ** 2)`` and QLIKE ``mean(log(f) + rv / f)`` (lower is better; it
differs from ``rv/f - log(rv/f) - 1`` by a term free of the forecast, so rankings agree). Only dates where both the forecast and the realised value exist count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError
from ._checks import check_horizon, check_return_series

__all__ = ["mse_loss", "qlike_loss", "realised_variance"]


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
        raise DataError("A variance forecast is zero or negative; QLIKE needs positive forecasts.", code="bad_forecast")
    return both["f"].to_numpy(), both["rv"].to_numpy()


def mse_loss(forecast: pd.Series, realised: pd.Series) -> float:
    """Mean squared error of the variance forecast."""
    f, rv = _aligned(forecast, realised)
    return float(np.mean((rv - f) ** 2))


def qlike_loss(forecast: pd.Series, realised: pd.Series) -> float:
    """QLIKE loss ``mean(log(f) + rv / f)`` (Patton 2011); defined when a realised value is zero."""
    f, rv = _aligned(forecast, realised)
    return float(np.mean(np.log(f) + rv / f))
