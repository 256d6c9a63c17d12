"""Filtered historical simulation VaR driven by a volatility forecast (Barone-Adesi,
Giannopoulos and Vosper, "VaR without correlations for portfolios of derivative
securities", Journal of Futures Markets 19(5), 1999; Hull and White 1998).

Each return is standardised by the one-day volatility forecast made the day before,
``z[t] = r[t] / sigma[t]``; the VaR for day t is ``sigma[t]`` times the empirical VaR of the
``window`` standardised returns before t. The forecast series is indexed by the date it is
made on (as ``finance_core.forecast`` returns them), so day t uses the forecast of day t-1.

The desk's current FHS VaR (:func:`fhs_value_at_risk`) standardises every return that has a
past-only forecast and scales the empirical VaR/CVaR of those residuals by the volatility
forecast made on the last date (for the next day), times ``sqrt(horizon)`` for longer
horizons. :func:`desk_variance_forecast` is the one-day forecast of a
``finance_core.forecast.MODELS`` model, rolling origin (each fit reads only earlier returns).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._checks import check_level, check_positive_int
from .._types import WeightsLike
from ..errors import DataError
from ..forecast import MODELS
from .backtests import VaRBacktest, score_var_forecasts, var_backtest
from .returns import portfolio_returns
from .tail import empirical_cvar, empirical_var

__all__ = [
    "DESK_MIN_TRAIN",
    "DESK_REFIT_EVERY",
    "FHS_BACKTEST_COLUMNS",
    "FHSComparison",
    "FHSRisk",
    "compare_fhs_with_historical",
    "desk_variance_forecast",
    "fhs_value_at_risk",
    "fhs_var_backtest",
    "portfolio_fhs_comparison",
    "portfolio_fhs_risk",
]

#: The desk's rolling-origin settings: 500 training days, a refit every quarter (63 trading
#: days), which keeps the review of the bundled ten years (five models) well under 30 s.
DESK_MIN_TRAIN = 500
DESK_REFIT_EVERY = 63
_CACHE: dict[tuple, pd.Series] = {}
_CACHE_SIZE = 16


def _check_model(model: str) -> str:
    if model not in MODELS:
        raise DataError(
            f"Unknown forecast model {model!r}: choose one of {', '.join(MODELS)}.", code="bad_parameter"
        )
    return model


def desk_variance_forecast(
    returns: pd.Series, model: str, *, min_train: int = DESK_MIN_TRAIN, refit_every: int = DESK_REFIT_EVERY
) -> pd.Series:
    """One-day variance forecasts of ``model`` from the ``min_train``-th date on, past-only fits.

    Indexed by the date each forecast is made on. Results are kept for the last few series
    (keyed by the returns' bytes), so moving a slider does not refit the models.
    """
    _check_model(model)
    if len(returns) <= min_train + 20:
        raise DataError(
            f"The volatility forecast trains on {min_train} days and needs more history: the portfolio has "
            f"{len(returns)} days of returns. Load a longer price history or use the historical method.",
            code="too_few_returns",
        )
    digest = hashlib.sha256(returns.to_numpy(dtype=float).tobytes()
                            + returns.index.asi8.tobytes()).hexdigest()
    key = (model, digest, min_train, refit_every)
    if key not in _CACHE:
        forecast = MODELS[model][1](returns, 1, min_train, refit_every)
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = forecast.loc[returns.index[min_train - 1] :].dropna()
    return _CACHE[key]


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

    def table(self) -> pd.DataFrame:
        """One row per method: exceptions, expected count, Kupiec and Christoffersen p-values, zone."""
        rows = [{"method": name, "exceptions": bt.exceptions, "observations": bt.observations,
                 "expected": bt.expected_exceptions, "kupiec_p": bt.kupiec.pvalue,
                 "christoffersen_p": bt.independence.pvalue, "zone_last_250": bt.zone_last_250}
                for name, bt in (("fhs", self.fhs), ("historical", self.historical))]
        return pd.DataFrame(rows, columns=list(FHS_BACKTEST_COLUMNS))

    def verdict(self) -> str:
        """Which one's exception count is closer to the expected count."""
        expected = self.fhs.expected_exceptions
        gap_fhs, gap_hist = abs(self.fhs.exceptions - expected), abs(self.historical.exceptions - expected)
        if gap_fhs < gap_hist:
            return "FHS is closer to the expected count."
        if gap_fhs > gap_hist:
            return "Plain historical VaR is closer to the expected count; FHS does not help here."
        return "Both are equally far from the expected count."


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


@dataclass(frozen=True)
class FHSRisk:
    """The current FHS VaR and CVaR (positive loss fractions) over ``horizon`` days.

    ``sigma``: the one-day volatility forecast made on the last date; ``residuals``: how many
    standardised returns the empirical quantile reads.
    """

    var: float
    cvar: float
    sigma: float
    residuals: int
    level: float
    horizon: int

    def table_row(self, portfolio_value: float = 1.0) -> pd.DataFrame:
        """The row ``var_table`` would give (index ``fhs``): fractions and money."""
        row = {"var": self.var, "cvar": self.cvar, "var_amount": self.var * portfolio_value,
               "cvar_amount": self.cvar * portfolio_value}
        return pd.DataFrame([row], index=pd.Index(["fhs"], name="method"))


def fhs_value_at_risk(
    returns: pd.Series, variance_forecast: pd.Series, level: float = 0.99, horizon: int = 1
) -> FHSRisk:
    """``sqrt(h) * sigma[T+1]`` times the empirical VaR and CVaR of the standardised returns.

    ``sigma[T+1]`` is the square root of the forecast made on the last date; each residual
    ``r[t] / sigma[t]`` uses the forecast of the day before (Barone-Adesi et al. 1999).
    """
    level = check_level(level)
    days = check_positive_int(horizon, "horizon")
    frame = _standardised(returns, variance_forecast)
    if len(frame) < 20:
        raise DataError(
            f"Only {len(frame)} days have a volatility forecast; FHS needs at least 20.", code="too_few_returns"
        )
    sigma = math.sqrt(float(variance_forecast.iloc[-1]))
    z = frame["z"].to_numpy()
    scale = sigma * math.sqrt(days)
    return FHSRisk(float(empirical_var(z, level)) * scale, float(empirical_cvar(z, level)) * scale, sigma,
                   int(z.size), level, days)


def portfolio_fhs_risk(
    returns: pd.DataFrame, weights: WeightsLike, model: str, level: float = 0.99, horizon: int = 1
) -> FHSRisk:
    """:func:`fhs_value_at_risk` of the portfolio's daily returns, driven by ``model``'s forecast."""
    series = portfolio_returns(returns, weights)
    return fhs_value_at_risk(series, desk_variance_forecast(series, model), level, horizon)


def portfolio_fhs_comparison(
    returns: pd.DataFrame, weights: WeightsLike, model: str, window: int = 250, level: float = 0.99
) -> FHSComparison:
    """:func:`compare_fhs_with_historical` on the portfolio, driven by ``model``'s past-only forecast."""
    series = portfolio_returns(returns, weights)
    return compare_fhs_with_historical(series, desk_variance_forecast(series, model), window, level)


#: The columns of :meth:`FHSComparison.table`.
FHS_BACKTEST_COLUMNS = ("method", "exceptions", "observations", "expected", "kupiec_p", "christoffersen_p",
                        "zone_last_250")
