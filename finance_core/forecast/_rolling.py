"""The rolling-origin loop the regression forecasters share (private to finance_core.forecast)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["FIRST_ROW", "rolling_origin"]

#: The first row with every feature defined (the 22-day window is full).
FIRST_ROW = 21

FitPredict = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def rolling_origin(
    features: np.ndarray, target: np.ndarray, days: int, train: int, step: int, fit_predict: FitPredict
):
    """Forecasts of the ``days``-day variance at each date (NaN before the first origin).

    ``target[s]`` is the mean daily variance over ``s+1..s+days``; at origin ``o`` only rows
    whose target is known by date ``o - 1`` are fitted, and the fit forecasts at dates
    ``o - 1 .. o + step - 2``; predictions are floored at a thousandth of the training mean.
    """
    forecast = np.full(len(target), np.nan)
    for origin in range(train, len(target) + 1, step):
        rows = slice(FIRST_ROW, origin - days)
        block = slice(origin - 1, min(origin - 1 + step, len(target)))
        predicted = fit_predict(features[rows], target[rows], features[block])
        forecast[block] = days * np.maximum(predicted, 1e-3 * float(np.mean(target[rows])))
    return forecast
