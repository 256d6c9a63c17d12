"""Time-series and cross-sectional momentum on the trailing 12-1 month return.

The score of an asset at date t is its compound return from 12 months before t to one month
before t, skipping the last month (Jegadeesh and Titman 1993; the 12-1 convention of Asness,
Moskowitz and Pedersen 2013): with ``lookback = 252`` and ``skip = 21`` trading days,
``score = prod(1 + r[t-251 .. t-21]) - 1``, 231 daily returns, all up to t.

* Time-series momentum (Moskowitz, Ooi and Pedersen 2012) holds every asset with a positive
  score, equally or inverse-volatility weighted (volatility: the standard deviation of the
  window's ``lookback`` daily returns); with no positive score it holds cash.
* Cross-sectional momentum holds, equally weighted, the top ``quantile`` of assets by score
  (``ceil(quantile * n)`` assets, at least one).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd

from .._checks import check_positive_int
from ..errors import DataError
from ._checks import DynamicWeights, check_history

__all__ = [
    "MOMENTUM_LOOKBACK",
    "MOMENTUM_SKIP",
    "MomentumWeighting",
    "cross_sectional_momentum",
    "momentum_scores",
    "time_series_momentum",
]

#: 12 months and 1 month of trading days.
MOMENTUM_LOOKBACK = 252
MOMENTUM_SKIP = 21
MomentumWeighting = Literal["equal", "inverse_vol"]


def momentum_scores(
    returns: pd.DataFrame, *, lookback: int = MOMENTUM_LOOKBACK, skip: int = MOMENTUM_SKIP
) -> pd.Series:
    """Each asset's compound return over ``returns[-lookback:-skip]`` (the 12-1 month return)."""
    days = check_positive_int(lookback, "momentum lookback", minimum=2)
    gap = check_positive_int(skip, "momentum skip", minimum=0) if skip else 0
    if gap >= days:
        raise DataError(f"The skipped days ({gap}) must be fewer than the lookback ({days}).", code="bad_parameter")
    frame = check_history(returns, days, "Momentum")
    span = frame.iloc[len(frame) - days : len(frame) - gap]
    return (1.0 + span).prod() - 1.0


def time_series_momentum(
    returns: pd.DataFrame,
    *,
    weighting: MomentumWeighting = "equal",
    lookback: int = MOMENTUM_LOOKBACK,
    skip: int = MOMENTUM_SKIP,
) -> DynamicWeights:
    """Hold the assets with a positive 12-1 month return, equally or inverse-volatility weighted."""
    if weighting not in ("equal", "inverse_vol"):
        raise DataError(
            f"Unknown momentum weighting {weighting!r}: choose 'equal' or 'inverse_vol'.", code="bad_method"
        )
    scores = momentum_scores(returns, lookback=lookback, skip=skip)
    held = scores > 0
    weights = pd.Series(0.0, index=scores.index)
    if not held.any():
        return DynamicWeights(weights, ("No asset has a positive 12-1 month return: all in cash.",))
    if weighting == "equal":
        weights[held] = 1.0 / held.sum()
    else:
        vol = returns.iloc[-int(lookback):].loc[:, held].std(ddof=1)
        inverse = 1.0 / vol.where(vol > 0, np.nan)
        if inverse.isna().any():
            raise DataError(
                f"Inverse-volatility momentum: {', '.join(map(str, vol.index[vol <= 0][:5]))} did not move in "
                "the window; choose equal weighting.",
                code="zero_volatility",
            )
        weights[held] = inverse / inverse.sum()
    note = f"Time-series momentum holds {int(held.sum())} of {len(held)} assets ({weighting} weights)."
    return DynamicWeights(weights, (note,))


def cross_sectional_momentum(
    returns: pd.DataFrame,
    *,
    quantile: float = 1 / 3,
    lookback: int = MOMENTUM_LOOKBACK,
    skip: int = MOMENTUM_SKIP,
) -> DynamicWeights:
    """Hold, equally weighted, the top ``quantile`` of assets by 12-1 month return."""
    if not (isinstance(quantile, (int, float)) and 0 < quantile <= 1):
        raise DataError(f"The momentum quantile must lie in (0, 1], got {quantile!r}.", code="bad_parameter")
    scores = momentum_scores(returns, lookback=lookback, skip=skip)
    count = max(1, math.ceil(quantile * len(scores) - 1e-9))
    top = scores.sort_values(ascending=False, kind="stable").index[:count]
    weights = pd.Series(0.0, index=scores.index)
    weights[top] = 1.0 / count
    note = f"Cross-sectional momentum holds the top {count} of {len(scores)} assets: {', '.join(map(str, top[:5]))}."
    return DynamicWeights(weights, (note,))
