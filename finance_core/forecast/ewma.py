"""EWMA (RiskMetrics) variance forecasts.

The recursion is ``s2[t+1] = lam * s2[t] + (1 - lam) * r[t]**2`` (RiskMetrics Technical
Document, 1996, lambda 0.94 for daily data), seeded with ``s2[1] = r[0]**2`` so that the
forecast made at date t reads only returns up to t. The variance over the next ``h`` days
is ``h * s2[t+1]`` (EWMA has no mean reversion). Returns are decimals; variances are in
decimal squared units per period.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._checks import check_finite
from ..errors import DataError
from ._checks import check_horizon, check_return_series

__all__ = ["RISKMETRICS_LAMBDA", "ewma_forecast", "ewma_variance"]

#: The RiskMetrics decay for daily returns.
RISKMETRICS_LAMBDA = 0.94


def _check_decay(lam) -> float:
    value = check_finite(lam, "The EWMA decay")
    if not 0.0 < value < 1.0:
        raise DataError(
            f"The EWMA decay must lie strictly between 0 and 1 (RiskMetrics uses 0.94); got {lam!r}.",
            code="bad_parameter",
        )
    return value


def ewma_variance(returns, lam: float = RISKMETRICS_LAMBDA) -> pd.Series:
    """One-day-ahead variance forecasts, indexed by the date the forecast is made on.

    The value at date t is the variance forecast for t+1 using returns up to and including t.
    """
    series = check_return_series(returns)
    decay = _check_decay(lam)
    squared = series.to_numpy() ** 2
    forecast = np.empty_like(squared)
    forecast[0] = squared[0]
    for t in range(1, len(squared)):
        forecast[t] = decay * forecast[t - 1] + (1.0 - decay) * squared[t]
    return pd.Series(forecast, index=series.index, name="ewma")


def ewma_forecast(returns, horizon: int = 1, lam: float = RISKMETRICS_LAMBDA) -> pd.Series:
    """Variance over the next ``horizon`` days forecast at each date: ``horizon * s2[t+1]``."""
    days = check_horizon(horizon)
    return ewma_variance(returns, lam) * days
