"""Dynamic allocation: strategies whose weights change with the data up to the rebalance date.

``vol_target`` (scale a base portfolio to a target volatility, cash remainder),
``momentum`` (time-series and cross-sectional 12-1 month momentum), ``regime`` (a regime
detector picks between two strategies), ``ensemble`` (strategies weighted by trailing
Sharpe) and ``ml`` (gradient-boosted return forecasts feeding mean-variance). Each function
reads only the returns window it is given, so as a walk-forward strategy
(:func:`finance_core.recipes.strategy`) it sees nothing after the rebalance date.
"""

from ._checks import DynamicWeights, WeightsFunction
from .ensemble import DEFAULT_EVALUATION, ensemble, ensemble_shares
from .ml import ML_ALLOCATION_SETTINGS, ML_FEATURE_WINDOWS, ml_allocation, ml_expected_returns, ml_panel
from .momentum import (
    MOMENTUM_LOOKBACK,
    MOMENTUM_SKIP,
    MomentumWeighting,
    cross_sectional_momentum,
    momentum_scores,
    time_series_momentum,
)
from .regime import regime_state, regime_switching
from .vol_target import DEFAULT_TARGET_VOLATILITY, volatility_forecast, volatility_target

__all__ = [
    "DEFAULT_EVALUATION",
    "DEFAULT_TARGET_VOLATILITY",
    "DynamicWeights",
    "ML_ALLOCATION_SETTINGS",
    "ML_FEATURE_WINDOWS",
    "MOMENTUM_LOOKBACK",
    "MOMENTUM_SKIP",
    "MomentumWeighting",
    "WeightsFunction",
    "cross_sectional_momentum",
    "ensemble",
    "ensemble_shares",
    "ml_allocation",
    "ml_expected_returns",
    "ml_panel",
    "momentum_scores",
    "regime_state",
    "regime_switching",
    "time_series_momentum",
    "volatility_forecast",
    "volatility_target",
]
