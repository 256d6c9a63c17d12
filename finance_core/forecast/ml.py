"""A scikit-learn variance forecaster: the seeds' "ML risk predictor", evaluated like the rest.

Gradient boosting (``GradientBoostingRegressor``, 200 trees of depth 2, learning rate 0.05,
fixed in advance and never tuned on the evaluation window) predicts the mean daily variance
over the next ``h`` days from lagged volatility (the HAR means of squared returns over 1, 5
and 22 days), the day's return, and a range proxy (the absolute return, as the bundled data
has no high/low). It is refitted rolling-origin exactly as HAR is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingRegressor

from .._checks import check_positive_int
from ._checks import check_horizon, check_return_series
from ._rolling import rolling_origin
from .har import har_features

__all__ = ["ML_SETTINGS", "ml_features", "ml_forecast"]

#: Fixed before any evaluation; never tuned on the evaluation window.
ML_SETTINGS = dict(n_estimators=200, max_depth=2, learning_rate=0.05, random_state=0)


def ml_features(returns) -> pd.DataFrame:
    """The regressors at each date: HAR means, the return and its absolute value (range proxy)."""
    series = check_return_series(returns)
    frame = har_features(series)
    frame["return"] = series
    frame["range"] = series.abs()
    return frame


def _boosting(x: np.ndarray, y: np.ndarray, new: np.ndarray) -> np.ndarray:
    # The target is scaled to order one so the trees' split tolerances do not bite.
    scale = float(np.mean(y))
    model = GradientBoostingRegressor(**ML_SETTINGS)
    model.fit(x, y / scale)
    return model.predict(new) * scale


def ml_forecast(returns, horizon: int = 1, *, min_train: int = 500, refit_every: int = 21) -> pd.Series:
    """Rolling-origin gradient-boosting forecasts of the ``horizon``-day variance, by forecast date."""
    days = check_horizon(horizon)
    train = check_positive_int(min_train, "minimum training length", minimum=100)
    step = check_positive_int(refit_every, "refit interval")
    series = check_return_series(returns, minimum=train + 1)
    target = ((series**2).rolling(days).sum().shift(-days) / days).to_numpy()
    forecast = rolling_origin(ml_features(series).to_numpy(), target, days, train, step, _boosting)
    return pd.Series(forecast, index=series.index, name="ml").dropna()
