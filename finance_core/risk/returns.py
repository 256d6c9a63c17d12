"""Portfolio return series: fixed-weight portfolio returns, growth of one unit and
overlapping multi-period (horizon) returns.

Returns are simple periodic (daily) returns, a Series for one portfolio or a dates x
tickers DataFrame; weights are fractions indexed by ticker.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._checks import check_positive_int
from .._types import WeightsLike
from ..errors import DataError
from ._checks import as_frame, as_weights, clean_series

__all__ = [
    "portfolio_returns",
    "growth",
    "horizon_returns",
]


def portfolio_returns(returns: pd.DataFrame | pd.Series, weights: WeightsLike | None = None) -> pd.Series:
    """Portfolio returns ``r_p,t = sum_i w_i r_i,t`` for fixed (daily rebalanced) weights.

    A Series is returned as is (without missing values). Rows where a held asset has
    no return are dropped. Weights naming tickers outside ``returns`` raise
    :class:`DataError` listing them; tickers without a weight get zero.
    """
    if isinstance(returns, pd.Series) or (
        isinstance(returns, pd.DataFrame) and weights is None and returns.shape[1] == 1
    ):
        return clean_series(returns, min_obs=1)
    frame = as_frame(returns)
    if weights is None:
        raise DataError(
            f"The returns have {frame.shape[1]} columns: pass the portfolio weights to combine them.",
            code="missing_weights",
        )
    w = as_weights(weights, list(frame.columns))
    data = frame.to_numpy(dtype=float)
    values = data @ w
    missing = np.isnan(values)
    if not missing.any():
        return pd.Series(values, index=frame.index, name="portfolio")
    held = w != 0
    sub = data[:, held]
    ok = ~np.isnan(sub).any(axis=1)
    values = sub[ok] @ w[held]
    return pd.Series(values, index=frame.index[ok], name="portfolio")


def growth(returns: pd.Series | pd.DataFrame, initial: float = 1.0) -> pd.Series | pd.DataFrame:
    """Value of ``initial`` invested: ``initial * prod(1 + r)`` up to each date (missing returns count as 0)."""
    return initial * (1.0 + returns.fillna(0.0)).cumprod()


def horizon_returns(
    returns: pd.Series | pd.DataFrame, horizon: int = 1, weights: WeightsLike | None = None
) -> pd.Series:
    """Overlapping ``horizon``-period compounded returns ``prod(1 + r) - 1``.

    These are the historical scenarios of a multi-day VaR (Jorion 2007, ch. 10); the
    page draws their histogram with the VaR and CVaR lines.
    """
    series = portfolio_returns(returns, weights)
    horizon = check_positive_int(horizon, "horizon")
    if horizon == 1:
        return series
    if horizon >= len(series):
        raise DataError(
            f"The horizon of {horizon} days is not shorter than the {len(series)} days of history. "
            "Shorten the horizon or load more history.",
            code="window_too_long",
        )
    logs = np.log1p(series.to_numpy())
    csum = np.concatenate([[0.0], np.cumsum(logs)])
    agg = np.expm1(csum[horizon:] - csum[:-horizon])
    return pd.Series(agg, index=series.index[horizon - 1 :], name=series.name)
