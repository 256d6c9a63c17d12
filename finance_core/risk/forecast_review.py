"""The Risk desk's forecast review: every volatility model judged out of sample on the
portfolio, and the picked model's one-day forecast driving a filtered-historical-simulation
VaR backtested against plain historical VaR on the same days.

The comparison is :func:`finance_core.forecast.compare_forecasts` (rolling origin, each fit
reading only the past); the FHS backtest is :func:`compare_fhs_with_historical`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError
from ..forecast import MODELS, ForecastComparison, compare_forecasts
from .fhs import DESK_REFIT_EVERY, FHSComparison, compare_fhs_with_historical, desk_variance_forecast
from .returns import portfolio_returns

__all__ = ["DESK_REFIT_EVERY", "ForecastReview", "review_forecasts"]

PERIODS_PER_YEAR = 252


@dataclass(frozen=True)
class ForecastReview:
    """The comparison table, the picked model and its FHS-vs-historical VaR backtest."""

    comparison: ForecastComparison
    model: str
    fhs: FHSComparison
    level: float

    @property
    def label(self) -> str:
        return MODELS[self.model][0]

    def volatility(self) -> pd.DataFrame:
        """Annualised volatility by forecast date: the picked model (and EWMA) against realised."""
        scale = PERIODS_PER_YEAR / self.comparison.horizon
        names = dict.fromkeys([self.model, "ewma"])
        frame = pd.DataFrame({MODELS[m][0]: self.comparison.forecasts[m] for m in names})
        frame["Realised"] = self.comparison.realised
        return np.sqrt(frame * scale)

    def fhs_line(self) -> str:
        """One sentence: exceptions and Kupiec p-values of FHS and historical VaR on the same days."""
        fhs, hist = self.fhs.fhs, self.fhs.historical
        verdict = self.fhs.verdict()
        return (f"FHS VaR {self.level:.0%} driven by {self.label}: {fhs.exceptions} exceptions in "
                f"{fhs.observations} days (expected {fhs.expected_exceptions:.1f}, Kupiec p = "
                f"{fhs.kupiec.pvalue:.3f}, {fhs.zone_last_250} zone); plain historical VaR on the same days: "
                f"{hist.exceptions} (Kupiec p = {hist.kupiec.pvalue:.3f}, {hist.zone_last_250} zone). {verdict}")


def review_forecasts(
    returns: pd.DataFrame,
    weights: pd.Series,
    horizon: int,
    model: str,
    *,
    refit_every: int = DESK_REFIT_EVERY,
    min_train: int = 500,
    level: float = 0.99,
    window: int = 250,
    progress: Callable[[int, int], None] | None = None,
) -> ForecastReview:
    """Compare every model on the portfolio's daily returns and backtest the picked one's FHS VaR."""
    if model not in MODELS:
        raise DataError(
            f"Unknown forecast model {model!r}: choose one of {', '.join(MODELS)}.", code="bad_parameter"
        )
    series = portfolio_returns(returns, weights)
    steps = len(MODELS) + (0 if int(horizon) == 1 else 1)

    def step(done: int, _total: int) -> None:
        if progress is not None:
            progress(done, steps)

    comparison = compare_forecasts(series, horizon, min_train=min_train, refit_every=refit_every, progress=step)
    if comparison.horizon == 1:
        one_day = comparison.forecasts[model]
    else:
        one_day = desk_variance_forecast(series, model, min_train=min_train, refit_every=refit_every)
        step(steps, steps)
    fhs = compare_fhs_with_historical(series, one_day, window=window, level=level)
    return ForecastReview(comparison, model, fhs, level)
