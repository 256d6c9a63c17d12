"""Volatility targeting: scale a base portfolio to a target annual volatility.

At date t the base weights ``w`` (from the base strategy, on returns up to t) give the
portfolio's daily returns over the window, ``r_p = R w``. Their RiskMetrics EWMA variance
(:func:`finance_core.forecast.ewma_variance`, lambda 0.94) at t is the forecast for t+1,
read from returns up to t only; the annual volatility forecast is ``sigma = sqrt(252 s2)``.
The exposure is ``k = min(L, target / sigma)`` (``L`` the leverage cap, 1 by default: never
borrow) and the weights ``k w``; the remainder ``1 - k sum(w)`` is cash (Moreira and Muir
2017, "Volatility-Managed Portfolios").
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import check_positive
from ..forecast import RISKMETRICS_LAMBDA, ewma_variance
from ._checks import DynamicWeights, WeightsFunction, as_weights, check_history

__all__ = ["DEFAULT_TARGET_VOLATILITY", "volatility_target", "volatility_forecast"]

#: The target when a recipe names none: 10% a year.
DEFAULT_TARGET_VOLATILITY = 0.10


def volatility_forecast(returns, weights, *, lam: float = RISKMETRICS_LAMBDA, periods_per_year: int = 252) -> float:
    """The annualised EWMA volatility forecast for the day after the window of the fixed-weight portfolio."""
    frame = check_history(returns, 2, "Volatility targeting")
    w = as_weights(weights, frame.columns, "Volatility targeting")
    portfolio = frame.to_numpy() @ w.to_numpy()
    variance = float(ewma_variance(portfolio, lam).iloc[-1])
    return math.sqrt(max(variance, 0.0) * periods_per_year)


def volatility_target(
    returns,
    base: WeightsFunction,
    *,
    target: float = DEFAULT_TARGET_VOLATILITY,
    max_leverage: float = 1.0,
    lam: float = RISKMETRICS_LAMBDA,
) -> DynamicWeights:
    """The base strategy's weights scaled to the target annual volatility (see the module docstring)."""
    goal = check_positive(target, "The target volatility")
    cap = check_positive(max_leverage, "The leverage cap")
    frame = check_history(returns, 21, "Volatility targeting")
    w = as_weights(base(frame), frame.columns, "Volatility targeting")
    sigma = volatility_forecast(frame, w, lam=lam)
    scale = cap if sigma <= 0 or not np.isfinite(sigma) else min(cap, goal / sigma)
    scaled = w * scale
    note = (
        f"Volatility target {goal:.1%}: forecast {sigma:.1%} (EWMA, lambda {lam:g}), exposure {scale:.0%}"
        f"{' (at the leverage cap)' if scale == cap else ''}, cash {1.0 - float(scaled.sum()):.1%}."
    )
    return DynamicWeights(scaled, (note,))
