"""Volatility forecasts and their out-of-sample evaluation.

``ewma`` (RiskMetrics), ``garch`` (GARCH and GJR-GARCH with Student-t via ``arch``) and
``evaluation`` (realised variance over the horizon, QLIKE and MSE losses). Every forecast
series is indexed by the date it is made on and reads only returns up to that date.
"""

from .evaluation import mse_loss, qlike_loss, realised_variance
from .ewma import RISKMETRICS_LAMBDA, ewma_forecast, ewma_variance
from .garch import GarchKind, fit_garch, garch_forecast

__all__ = [
    "RISKMETRICS_LAMBDA",
    "GarchKind",
    "ewma_forecast",
    "ewma_variance",
    "fit_garch",
    "garch_forecast",
    "mse_loss",
    "qlike_loss",
    "realised_variance",
]
