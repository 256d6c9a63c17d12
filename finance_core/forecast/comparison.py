"""The rolling-origin comparison of variance forecasts: one table per asset or portfolio.

Every model forecasts at every date from the same first origin on, each fit reading only
the past (``refit_every`` days between refits); each forecast is scored against the realised
variance over the next ``horizon`` days: QLIKE and MSE, the Mincer-Zarnowitz regression, and
the Diebold-Mariano test of its QLIKE losses against EWMA's. Nothing is tuned on the window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from .._checks import check_positive_int
from ..errors import DataError
from ._checks import check_horizon, check_return_series
from .evaluation import (
    diebold_mariano,
    mincer_zarnowitz,
    mse_loss,
    qlike_loss,
    qlike_losses,
    realised_variance,
)
from .ewma import ewma_forecast
from .garch import garch_forecast
from .har import har_forecast
from .ml import ml_forecast

__all__ = ["COMPARISON_COLUMNS", "MODELS", "ForecastComparison", "compare_forecasts"]

#: Model name -> (label, forecaster(returns, horizon, min_train, refit_every)).
MODELS: dict[str, tuple[str, Callable[..., pd.Series]]] = {
    "ewma": ("EWMA (RiskMetrics 0.94)", lambda r, h, m, k: ewma_forecast(r, h)),
    "garch": ("GARCH(1,1)-t", lambda r, h, m, k: garch_forecast(r, h, "garch", min_train=m, refit_every=k)),
    "gjr": ("GJR-GARCH-t", lambda r, h, m, k: garch_forecast(r, h, "gjr", min_train=m, refit_every=k)),
    "har": ("HAR (Corsi 2009)", lambda r, h, m, k: har_forecast(r, h, min_train=m, refit_every=k)),
    "ml": ("Gradient boosting (ML)", lambda r, h, m, k: ml_forecast(r, h, min_train=m, refit_every=k)),
}
COMPARISON_COLUMNS = ["label", "qlike", "mse", "mz_intercept", "mz_slope", "mz_r2", "dm_stat", "dm_p", "best"]


@dataclass(frozen=True)
class ForecastComparison:
    """The table (one row per model), the forecasts and the realised variance they are scored on."""

    table: pd.DataFrame
    forecasts: pd.DataFrame
    realised: pd.Series
    horizon: int
    refit_every: int
    notes: tuple[str, ...]


def _score(name: str, forecast: pd.Series, realised: pd.Series, benchmark: pd.Series, horizon: int) -> dict:
    mz = mincer_zarnowitz(forecast, realised)
    row = {
        "label": MODELS[name][0],
        "qlike": qlike_loss(forecast, realised),
        "mse": mse_loss(forecast, realised),
        "mz_intercept": mz.intercept,
        "mz_slope": mz.slope,
        "mz_r2": mz.r_squared,
        "dm_stat": float("nan"),
        "dm_p": float("nan"),
    }
    if name != "ewma":
        dm = diebold_mariano(qlike_losses(forecast, realised), benchmark, horizon)
        row.update(dm_stat=dm.statistic, dm_p=dm.p_value)
    return row


def compare_forecasts(
    returns,
    horizon: int = 1,
    models: tuple[str, ...] = tuple(MODELS),
    *,
    min_train: int = 500,
    refit_every: int = 21,
    progress: Callable[[int, int], None] | None = None,
) -> ForecastComparison:
    """Forecast with each model rolling-origin and score all on their common out-of-sample dates."""
    days = check_horizon(horizon)
    step = check_positive_int(refit_every, "refit interval")
    series = check_return_series(returns, minimum=min_train + days + 10)
    unknown = [m for m in models if m not in MODELS]
    if unknown or "ewma" not in models:
        raise DataError(
            f"Choose models among {sorted(MODELS)}, including 'ewma' (the benchmark); got {list(models)}.",
            code="bad_parameter",
        )
    forecasts = {}
    for done, name in enumerate(models):
        forecasts[name] = MODELS[name][1](series, days, min_train, step)
        if progress is not None:
            progress(done + 1, len(models))
    realised = realised_variance(series, days)
    frame = pd.DataFrame(forecasts).iloc[min_train - 1 :].dropna()
    frame = frame.loc[realised.reindex(frame.index).notna()]
    benchmark = qlike_losses(frame["ewma"], realised)
    table = pd.DataFrame({m: _score(m, frame[m], realised, benchmark, days) for m in models}).T
    table["best"] = table["qlike"] == table["qlike"].min()
    return ForecastComparison(
        table[COMPARISON_COLUMNS], frame, realised.reindex(frame.index), days, step, _verdicts(table)
    )


def _verdicts(table: pd.DataFrame) -> tuple[str, ...]:
    best = table.index[table["best"].astype(bool)][0]
    notes = [f"Lowest out-of-sample QLIKE: {table.loc[best, 'label']}."]
    for name in table.index.drop("ewma"):
        p = float(table.loc[name, "dm_p"])
        difference = float(table.loc[name, "qlike"]) - float(table.loc["ewma", "qlike"])
        if p >= 0.05:
            verdict = "does not significantly differ from"
        else:
            verdict = "beats" if difference < 0 else "is significantly worse than"
        notes.append(f"{table.loc[name, 'label']} {verdict} EWMA (Diebold-Mariano p = {p:.3f}).")
    if {"ml", "garch"} <= set(table.index):
        ml_wins = float(table.loc["ml", "qlike"]) < float(table.loc["garch", "qlike"])
        notes.append(
            "The ML model beats GARCH(1,1)-t out of sample (lower QLIKE)."
            if ml_wins
            else "The ML model does NOT beat GARCH(1,1)-t out of sample (its QLIKE is not lower)."
        )
    return tuple(notes)
