"""Rebalancing policies and a backtest that compares them on one target mix.

A :class:`RebalancePolicy` trades back to the target weights at the close of a day when it
triggers: ``calendar`` alone (the last trading day of each period, as
:func:`finance_core.backtest.rebalance_dates`: ``"M"`` monthly, ``"Q"`` quarterly, ...),
``band`` alone (any weight drifts more than ``band`` from its target: ``absolute``
``|w - w*| > band``, ``relative`` ``|w - w*| / w* > band``, checked every day), or both
(the bands are checked on the calendar dates only). Between trades the positions drift with
prices. Turnover is ``sum |w - w~|`` and costs ``cost_bps / 10^4`` of the traded value, paid
from equity as in :mod:`finance_core.backtest`; the first trade, from cash into the target,
is common to every policy and not counted. Tracking error is measured against the target
mix rebalanced every day at no cost, annualised with 252 periods a year.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ._checks import check_positive
from .backtest import rebalance_dates
from .errors import DataError

__all__ = ["POLICY_COLUMNS", "PolicyRun", "RebalancePolicy", "compare_policies", "simulate_policy"]

PERIODS_PER_YEAR = 252
POLICY_COLUMNS = ("annual_return", "tracking_error", "annual_turnover", "total_cost", "rebalances")


@dataclass(frozen=True)
class RebalancePolicy:
    calendar: str | None = None
    band: float | None = None
    band_type: Literal["absolute", "relative"] = "absolute"

    def __post_init__(self) -> None:
        if self.calendar is None and self.band is None:
            raise DataError("A rebalancing policy needs a calendar, a band or both.", code="bad_policy")
        if self.band is not None:
            check_positive(self.band, "The drift band", blank=False, code="bad_policy")
        if self.band_type not in ("absolute", "relative"):
            raise DataError(f"The band type must be 'absolute' or 'relative'; got {self.band_type!r}.", code="bad_policy")


@dataclass(frozen=True)
class PolicyRun:
    """Daily equity (from 1), the turnover of each trade (indexed by its date) and the costs paid."""

    equity: pd.Series
    turnover: pd.Series
    costs: pd.Series


def _inputs(returns: pd.DataFrame, target) -> tuple[pd.DataFrame, np.ndarray]:
    target = pd.Series(target, dtype=float)
    missing = target.index.difference(returns.columns)
    if len(missing):
        raise DataError(f"No returns for {', '.join(map(str, missing[:5]))}. Upload prices for every target name.", code="missing_returns")
    frame = returns[target.index].astype(float)
    if frame.isna().to_numpy().any() or len(frame) < 2:
        raise DataError("The returns have gaps or fewer than 2 dates. Fill the gaps or choose a longer window.", code="missing_returns")
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise DataError("The returns must be indexed by date.", code="bad_input")
    w = target.to_numpy()
    if np.any(w < 0) or abs(w.sum() - 1) > 1e-6:
        raise DataError("The target weights must be zero or more and sum to 1 (add a CASH column with zero returns).", code="bad_weights")
    return frame, w


def _outside_band(weights: np.ndarray, target: np.ndarray, policy: RebalancePolicy) -> bool:
    gap = np.abs(weights - target)
    if policy.band_type == "relative":
        held = target > 0
        gap = np.where(held, gap / np.where(held, target, 1.0), np.where(gap > 0, np.inf, 0.0))
    return bool(gap.max() > (policy.band or 0.0))


def simulate_policy(returns: pd.DataFrame, target, policy: RebalancePolicy, *, cost_bps: float = 10.0) -> PolicyRun:
    """Run one policy over the dates of ``returns`` (dates x asset, decimals); see the module."""
    kappa = check_positive(cost_bps, "The cost in basis points", allow_zero=True, blank=False) / 1e4
    frame, w_star = _inputs(returns, target)
    calendar = set(rebalance_dates(frame.index, policy.calendar)) if policy.calendar else None
    weights, value = w_star.copy(), 1.0
    equity, trades, costs = np.empty(len(frame)), {}, {}
    for day, (date, row) in enumerate(zip(frame.index, frame.to_numpy(), strict=True)):
        grown = weights * (1 + row)
        value *= grown.sum()
        weights = grown / grown.sum()
        on_calendar = calendar is None or date in calendar
        triggered = on_calendar and (policy.band is None or _outside_band(weights, w_star, policy))
        if triggered and day < len(frame) - 1:
            turnover = float(np.abs(w_star - weights).sum())
            if turnover > 0:
                trades[date], costs[date] = turnover, kappa * turnover
                value *= 1 - kappa * turnover
                weights = w_star.copy()
        equity[day] = value
    return PolicyRun(pd.Series(equity, index=frame.index, name="equity"), pd.Series(trades, dtype=float),
                     pd.Series(costs, dtype=float))


def compare_policies(
    returns: pd.DataFrame, target, policies: Mapping[str, RebalancePolicy], *, cost_bps: float = 10.0
) -> pd.DataFrame:
    """One row per policy, columns :data:`POLICY_COLUMNS` (decimals; rebalances a count)."""
    if not policies:
        raise DataError("Choose at least one rebalancing policy to compare.", code="bad_policy")
    frame, w_star = _inputs(returns, target)
    ideal = pd.Series(frame.to_numpy() @ w_star, index=frame.index)
    years = len(frame) / PERIODS_PER_YEAR
    rows = {}
    for name, policy in policies.items():
        run = simulate_policy(frame, pd.Series(w_star, index=frame.columns), policy, cost_bps=cost_bps)
        daily = run.equity.pct_change().fillna(run.equity.iloc[0] - 1)
        rows[name] = {
            "annual_return": float(run.equity.iloc[-1] ** (1 / years) - 1),
            "tracking_error": float((daily - ideal).std(ddof=1) * math.sqrt(PERIODS_PER_YEAR)),
            "annual_turnover": float(run.turnover.sum() / years),
            "total_cost": float(run.costs.sum()),
            "rebalances": float(len(run.turnover)),
        }
    return pd.DataFrame.from_dict(rows, orient="index")[list(POLICY_COLUMNS)]
