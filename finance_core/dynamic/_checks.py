"""Checks shared by the dynamic allocation methods: enough history, and the result type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError

#: What a dynamic method takes as a base or member strategy: a returns window -> weights by ticker.
WeightsFunction = Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class DynamicWeights:
    """Weights a dynamic method chose, with what it decided on the way.

    ``weights`` by ticker may sum to less than 1 (the rest is cash, ``cash``) or, with leverage,
    more; ``notes`` say what was decided (the scale, the regime, the members' shares).
    """

    weights: pd.Series
    notes: tuple[str, ...] = ()

    @property
    def cash(self) -> float:
        """The share of capital left in cash, ``1 - sum(weights)`` (negative when borrowing)."""
        return float(1.0 - self.weights.sum())


def check_history(returns: pd.DataFrame, days: int, method: str) -> pd.DataFrame:
    """The returns as floats when they hold at least ``days`` complete rows, else a DataError saying
    how long a lookback the method needs."""
    if not isinstance(returns, pd.DataFrame) or returns.shape[1] == 0:
        raise DataError(f"{method} needs a table of daily returns (dates x tickers).", code="bad_returns")
    frame = returns.astype(float)
    if len(frame) < days:
        raise DataError(
            f"{method} needs at least {days} days of returns, got {len(frame)}: set the backtest lookback "
            f"to {days} days or more, or load a longer history.",
            code="too_short",
        )
    if not np.isfinite(frame.to_numpy()).all():
        raise DataError(f"{method} needs complete returns: the window has missing values.", code="bad_returns")
    return frame


def as_weights(weights: object, columns: pd.Index, method: str) -> pd.Series:
    """A strategy's output as a float Series on ``columns`` (an Allocation's weights are taken)."""
    w = getattr(weights, "weights", weights)
    if not isinstance(w, pd.Series):
        raise DataError(f"{method}: a member strategy must return weights by ticker.", code="bad_strategy_output")
    return w.astype(float).reindex(columns).fillna(0.0)
