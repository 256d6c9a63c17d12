"""Filtered historical simulation VaR driven by a volatility forecast (Barone-Adesi,
Giannopoulos and Vosper, "VaR without correlations for portfolios of derivative
securities", Journal of Futures Markets 19(5), 1999; Hull and White 1998).

Each return is standardised by the one-day volatility forecast made the day before,
``z[t] = r[t] / sigma[t]``; the VaR for day t is ``sigma[t]`` times the empirical VaR of the
``window`` standardised returns before t. The forecast series is indexed by the date it is
made on (as ``finance_core.forecast`` returns them), so day t uses the forecast of day t-1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._checks import check_level, check_positive_int
from ..errors import DataError
from .backtests import VaRBacktest, score_var_forecasts, var_backtest
from .tail import empirical_var

__all__ = ["FHSComparison", "compare_fhs_with_historical", "fhs_var_backtest"]


def _standardised(returns: pd.Series, variance_forecast: pd.Series) -> pd.DataFrame:
    sigma = np.sqrt(variance_forecast.reindex(returns.index).shift(1))
    frame = pd.DataFrame({"return": returns, "sigma": sigma}).dropna()
    if (frame["sigma"] <= 0).any():
        raise DataError(
            "A volatility forecast is zero or negative; FHS needs positive forecasts.", code="bad_forecast"
        )
    frame["z"] = frame["return"] / frame["sigma"]
    return frame


def fhs_var_backtest(
    returns: pd.Series, variance_forecast: pd.Series, window: int = 250, level: float = 0.99
) -> VaRBacktest:
    """Walk-forward one-day FHS VaR from ``window`` past standardised returns, with its backtest."""
    level = check_level(level)
    window = check_positive_int(window, "backtest window", 10)
    frame = _standardised(returns, variance_forecast)
    if window >= len(frame):
        raise DataError(
            f"Only {len(frame)} days have a volatility forecast; the FHS window of {window} leaves none "
            "to test. Choose a shorter window or a longer history.",
            code="window_too_long",
        )
    views = np.lib.stride_tricks.sliding_window_view(frame["z"].to_numpy()[:-1], window)
    z_var = np.asarray(empirical_var(views.T, level), dtype=float)
    var = frame["sigma"].to_numpy()[window:] * z_var
    return score_var_forecasts(frame["return"].iloc[window:], var, level, method="fhs", window=window)


@dataclass(frozen=True)
class FHSComparison:
    """FHS and plain historical VaR backtested on the same days."""

    fhs: VaRBacktest
    historical: VaRBacktest


def compare_fhs_with_historical(
    returns: pd.Series, variance_forecast: pd.Series, window: int = 250, level: float = 0.99
) -> FHSComparison:
    """Both backtests restricted to the days FHS covers, so their exception counts compare."""
    fhs = fhs_var_backtest(returns, variance_forecast, window, level)
    plain = var_backtest(returns, window, level, "historical")
    days = plain.frame.index.intersection(fhs.frame.index)
    historical = score_var_forecasts(
        plain.frame.loc[days, "return"],
        plain.frame.loc[days, "var"],
        level,
        method="historical",
        window=window,
    )
    return FHSComparison(fhs, historical)
