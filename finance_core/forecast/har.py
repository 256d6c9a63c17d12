"""HAR variance forecasts (Corsi, "A Simple Approximate Long-Memory Model of Realized
Volatility", Journal of Financial Econometrics 7(2), 2009) on daily squared returns.

The mean daily variance over the next ``h`` days is regressed by least squares on the
daily, weekly (5-day) and monthly (22-day) means of squared returns up to the forecast
date. Rolling origin: at each refit origin only targets fully observed before the origin
enter the fit; the forecast of the ``h``-day variance is ``h`` times the fitted mean, floored
at a thousandth of the training mean so that QLIKE stays defined.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._checks import check_positive_int
from ._checks import check_horizon, check_return_series
from ._rolling import rolling_origin

__all__ = ["HAR_WINDOWS", "har_features", "har_forecast"]

#: The daily, weekly and monthly windows of Corsi's HAR.
HAR_WINDOWS = (1, 5, 22)


def har_features(returns) -> pd.DataFrame:
    """The HAR regressors at each date: means of squared returns over 1, 5 and 22 days ending there."""
    squared = check_return_series(returns) ** 2
    return pd.DataFrame({f"rv_{w}": squared.rolling(w).mean() for w in HAR_WINDOWS})


def har_forecast(returns, horizon: int = 1, *, min_train: int = 500, refit_every: int = 21) -> pd.Series:
    """Rolling-origin HAR forecasts of the variance over the next ``horizon`` days, by forecast date."""
    days = check_horizon(horizon)
    train = check_positive_int(min_train, "minimum training length", minimum=100)
    step = check_positive_int(refit_every, "refit interval")
    series = check_return_series(returns, minimum=train + 1)
    design = np.column_stack([np.ones(len(series)), har_features(series).to_numpy()])
    target = ((series**2).rolling(days).sum().shift(-days) / days).to_numpy()
    forecast = rolling_origin(design, target, days, train, step, _least_squares)
    return pd.Series(forecast, index=series.index, name="har").dropna()


def _least_squares(x: np.ndarray, y: np.ndarray, new: np.ndarray) -> np.ndarray:
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    return new @ coef
