"""Input checks and coercions shared by the risk modules (private to the package).

VaR method names, weights aligned to the return columns, return frames and series,
covariance frames; confidence levels and whole-number parameters are the generic checks
of :mod:`finance_core._checks`. Every refusal is a :class:`~finance_core.errors.DataError`
with a message the pages show as is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from .._types import WeightsLike
from ..errors import DataError

#: VaR/CVaR methods understood by :func:`value_at_risk` and friends.
VaRMethod = Literal["historical", "gaussian", "cornish_fisher", "monte_carlo"]
METHODS: tuple[VaRMethod, ...] = ("historical", "gaussian", "cornish_fisher", "monte_carlo")


#: How Monte Carlo VaR and the wealth projection draw returns.
Simulation = Literal["normal", "bootstrap"]
SIMULATIONS: tuple[Simulation, ...] = ("normal", "bootstrap")


def check_method(method: str) -> VaRMethod:
    """``method`` if it is one of :data:`METHODS`."""
    if method not in METHODS:
        raise DataError(
            f"Unknown VaR method {method!r}: choose one of {', '.join(METHODS)}.", code="unknown_method"
        )
    return method


def as_weights(weights: WeightsLike, columns: Sequence[str]) -> np.ndarray:
    """Weights aligned to ``columns``; tickers outside the universe are refused by name."""
    if isinstance(weights, Mapping):
        weights = pd.Series(dict(weights), dtype=float)
    if not isinstance(weights, pd.Series):
        arr = np.asarray(weights, dtype=float).ravel()
        if arr.size != len(columns):
            raise DataError(
                f"{arr.size} weights were given for {len(columns)} assets. Give one weight per ticker "
                "(a Series indexed by ticker is safest).",
                code="weights_mismatch",
            )
        weights = pd.Series(arr, index=list(columns))
    w = weights.astype(float)
    universe = set(columns)
    unknown = [str(t) for t in w.index if t not in universe]
    if unknown:
        raise DataError(
            f"The portfolio holds {', '.join(unknown)}, which {'is' if len(unknown) == 1 else 'are'} not in "
            f"the return data ({len(columns)} tickers). Load prices that include "
            f"{'it' if len(unknown) == 1 else 'them'} or remove {'it' if len(unknown) == 1 else 'them'} "
            "from the portfolio.",
            code="unknown_ticker",
            details={"tickers": unknown},
        )
    if w.index.duplicated().any():
        dup = sorted({str(t) for t in w.index[w.index.duplicated()]})
        raise DataError(
            f"Ticker(s) {', '.join(dup)} appear twice in the weights. Combine them.", code="duplicate_ticker"
        )
    values = w.to_numpy()
    bad = [str(t) for t, v in zip(w.index, values, strict=True) if not np.isfinite(v)]
    if bad:
        raise DataError(
            f"The weight of {', '.join(bad)} is missing or not a number. Fill it in.", code="bad_weight"
        )
    if not np.any(values != 0):
        raise DataError(
            "All portfolio weights are zero. Give at least one non-zero weight.", code="bad_weight"
        )
    if list(w.index) == list(columns):
        return values.copy()
    position = {t: i for i, t in enumerate(columns)}
    out = np.zeros(len(columns))
    for t, v in zip(w.index, values, strict=True):
        out[position[t]] = v
    return out


def as_frame(returns: pd.Series | pd.DataFrame) -> pd.DataFrame:
    """Returns as a DataFrame (a Series becomes one column)."""
    if isinstance(returns, pd.Series):
        return returns.to_frame(returns.name or "portfolio")
    if not isinstance(returns, pd.DataFrame):
        raise DataError("Returns must be a pandas Series or DataFrame (dates x tickers).", code="bad_returns")
    return returns


def clean_series(returns: pd.Series | pd.DataFrame, what: str = "returns", min_obs: int = 2) -> pd.Series:
    """One return series as floats without missing values, at least ``min_obs`` long."""
    if isinstance(returns, pd.DataFrame):
        if returns.shape[1] != 1:
            raise DataError(
                f"{what}: got {returns.shape[1]} columns; pass portfolio weights to combine them.",
                code="bad_returns",
            )
        returns = returns.iloc[:, 0]
    if not isinstance(returns, pd.Series):
        returns = pd.Series(np.asarray(returns, dtype=float).ravel())
    try:
        series = returns.astype(float)
    except (TypeError, ValueError):
        raise DataError(f"{what} contain values that are not numbers.", code="bad_returns") from None
    if np.isinf(series.to_numpy()).any():
        raise DataError(
            f"{what} contain infinite values (a price of zero?). Fix the prices.", code="bad_returns"
        )
    series = series.dropna()
    if len(series) < min_obs:
        raise DataError(
            f"{what}: only {len(series)} usable observation(s); at least {min_obs} are needed. "
            "Load a longer price history.",
            code="too_short",
        )
    return series


def cov_frame(cov: pd.DataFrame | np.ndarray, tickers: Sequence[str] | None = None) -> pd.DataFrame:
    """A symmetric covariance DataFrame without missing values, rows in column order."""
    if not isinstance(cov, pd.DataFrame):
        arr = np.asarray(cov, dtype=float)
        if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
            raise DataError(
                f"The covariance must be a square matrix; got shape {arr.shape}.", code="bad_covariance"
            )
        names = (
            list(tickers)
            if tickers is not None and len(tickers) == arr.shape[0]
            else list(range(arr.shape[0]))
        )
        cov = pd.DataFrame(arr, index=names, columns=names)
    if list(cov.index) != list(cov.columns):
        cov = cov.reindex(index=cov.columns)
    values = cov.to_numpy(dtype=float)
    if np.isnan(values).any():
        bad = [str(c) for c in cov.columns[np.isnan(values).any(axis=0)]]
        raise DataError(f"The covariance has missing values for {', '.join(bad)}.", code="bad_covariance")
    if not np.allclose(values, values.T, atol=1e-12, rtol=1e-8):
        raise DataError("The covariance matrix is not symmetric.", code="bad_covariance")
    return cov
