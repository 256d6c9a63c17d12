"""Input checks of the forecast package (private to finance_core.forecast)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._checks import check_positive_int
from ..errors import DataError

__all__ = ["check_horizon", "check_return_series"]


def check_return_series(returns, *, minimum: int = 2) -> pd.Series:
    """A 1-D series of finite decimal returns with at least ``minimum`` observations."""
    if isinstance(returns, pd.DataFrame):
        if returns.shape[1] != 1:
            raise DataError(
                f"A volatility forecast needs one return series; got {returns.shape[1]} columns. "
                "Pick one asset or the portfolio's returns.",
                code="bad_returns",
            )
        returns = returns.iloc[:, 0]
    series = pd.Series(returns, dtype=float) if not isinstance(returns, pd.Series) else returns.astype(float)
    if not np.isfinite(series.to_numpy()).all():
        raise DataError(
            "The returns contain missing or infinite values; drop or fill those dates first.",
            code="bad_returns",
        )
    if len(series) < minimum:
        raise DataError(
            f"A volatility forecast needs at least {minimum} returns; got {len(series)}. "
            "Load a longer history.",
            code="too_few_returns",
        )
    return series


def check_horizon(horizon) -> int:
    """A forecast horizon in trading days (1 or more)."""
    return check_positive_int(horizon, "forecast horizon")
