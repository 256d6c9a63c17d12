"""Volatility forecasts and their out-of-sample evaluation.

``ewma`` (RiskMetrics), ``garch`` (GARCH and GJR-GARCH with Student-t via ``arch``), ``har``
(Corsi 2009), ``ml`` (gradient boosting), ``comparison`` (the rolling-origin table) and
``evaluation`` (realised variance over the horizon, QLIKE and MSE losses). Every forecast
series is indexed by the date it is made on and reads only returns up to that date.
"""

from .comparison import COMPARISON_COLUMNS, MODELS, ForecastComparison, compare_forecasts
from .covariance import (
    COVARIANCE_FORECASTS,
    ccc_garch_covariance,
    compare_covariance_forecasts,
    constant_correlation_covariance,
    min_variance_weights,
    riskmetrics_covariance,
)
from .evaluation import (
    DieboldMariano,
    MincerZarnowitz,
    diebold_mariano,
    mincer_zarnowitz,
    mse_loss,
    newey_west_variance,
    qlike_loss,
    qlike_losses,
    realised_variance,
)
from .ewma import RISKMETRICS_LAMBDA, ewma_forecast, ewma_variance
from .garch import GarchKind, fit_garch, garch_forecast, next_day_variance
from .har import HAR_WINDOWS, har_features, har_forecast
from .ml import ML_SETTINGS, ml_features, ml_forecast

__all__ = [
    "COVARIANCE_FORECASTS",
    "ccc_garch_covariance",
    "constant_correlation_covariance",
    "compare_covariance_forecasts",
    "min_variance_weights",
    "riskmetrics_covariance",
    "ML_SETTINGS",
    "ml_features",
    "ml_forecast",
    "COMPARISON_COLUMNS",
    "HAR_WINDOWS",
    "MODELS",
    "ForecastComparison",
    "compare_forecasts",
    "har_features",
    "har_forecast",
    "DieboldMariano",
    "MincerZarnowitz",
    "diebold_mariano",
    "mincer_zarnowitz",
    "newey_west_variance",
    "qlike_losses",
    "RISKMETRICS_LAMBDA",
    "GarchKind",
    "ewma_forecast",
    "ewma_variance",
    "fit_garch",
    "garch_forecast",
    "next_day_variance",
    "mse_loss",
    "qlike_loss",
    "realised_variance",
]
