"""GARCH(1,1) and GJR-GARCH(1,1,1) variance forecasts with Student-t innovations, via ``arch``.

The likelihood and the multi-step forecasts are the ``arch`` package's (Sheppard); this
module only runs them rolling-origin: at each refit origin the model is fitted on the
returns before it (``last_obs``), and those parameters forecast at the origin and the next
``refit_every - 1`` dates, each forecast filtering only the returns up to its own date.
Returns are scaled by 100 for the optimiser and the variances scaled back to decimals.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from arch import arch_model

from .._checks import check_positive_int
from ..errors import DataError
from ._checks import check_horizon, check_return_series

__all__ = ["GarchKind", "fit_garch", "garch_forecast", "next_day_variance"]

GarchKind = Literal["garch", "gjr"]
_SCALE = 100.0


def _model(series: pd.Series, kind: GarchKind):
    if kind not in ("garch", "gjr"):
        raise DataError(f"Unknown GARCH model {kind!r}; choose 'garch' or 'gjr'.", code="bad_parameter")
    asym = 1 if kind == "gjr" else 0
    return arch_model(series * _SCALE, mean="Constant", vol="GARCH", p=1, o=asym, q=1, dist="t")


def fit_garch(returns, kind: GarchKind = "garch", *, last_obs: int | None = None):
    """The ``arch`` fit (an ``ARCHModelResult``) on the returns before position ``last_obs``."""
    series = check_return_series(returns, minimum=100)
    return _model(series, kind).fit(last_obs=last_obs, disp="off")


def next_day_variance(returns, kind: GarchKind = "garch") -> float:
    """The variance forecast for the day after the last return, the model fitted on all of them."""
    result = fit_garch(returns, kind)
    return float(result.forecast(horizon=1, reindex=False).variance.iloc[-1, 0]) / _SCALE**2


def garch_forecast(
    returns,
    horizon: int = 1,
    kind: GarchKind = "garch",
    *,
    min_train: int = 500,
    refit_every: int = 21,
) -> pd.Series:
    """Rolling-origin forecasts of the variance over the next ``horizon`` days.

    Indexed by the date each forecast is made on (using returns up to and including that
    date); the first forecast is made on the ``min_train``-th date, earlier dates are left out.
    """
    days = check_horizon(horizon)
    train = check_positive_int(min_train, "minimum training length", minimum=100)
    step = check_positive_int(refit_every, "refit interval")
    series = check_return_series(returns, minimum=train + 1)
    model = _model(series, kind)
    pieces = []
    for origin in range(train, len(series) + 1, step):
        result = model.fit(last_obs=origin, disp="off")
        paths = result.forecast(horizon=days, start=origin - 1, reindex=False).variance
        pieces.append(paths.iloc[:step].sum(axis=1))
    forecast = pd.concat(pieces) / _SCALE**2
    return pd.Series(np.asarray(forecast, dtype=float), index=forecast.index, name=kind)
