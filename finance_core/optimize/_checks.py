"""Input checks shared by the allocation modules (private to the package).

Covariance and expected-return inputs, and constraint numbers; the generic checks are
those of :mod:`finance_core._checks`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._checks import MUST_BE_A_NUMBER, check_finite, check_positive
from ..errors import DataError
from ..estimators import nearest_psd

#: What a refused infinite bound or parameter is told (a long-short book is the usual reason).
LONG_SHORT_HINT = ": for a long-short book use bounds such as (-1, 1) together with a leverage cap"


def covariance_values(cov: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    """Tickers and values of a covariance matrix given as a DataFrame labelled by ticker.

    Refuses, with a DataError, anything but a non-empty square frame with the same
    tickers in the same order on both axes and finite entries (naming the tickers
    with missing ones). The values are returned as given, not symmetrised.
    """
    if not isinstance(cov, pd.DataFrame) or cov.shape[0] != cov.shape[1] or cov.shape[0] == 0:
        raise DataError(
            "The covariance must be a non-empty square DataFrame indexed by ticker on both axes.",
            code="bad_covariance",
        )
    tickers = [str(t) for t in cov.columns]
    if [str(t) for t in cov.index] != tickers:
        raise DataError(
            "The covariance rows and columns list different tickers: pass a matrix with the same "
            "tickers in the same order on both axes.",
            code="bad_covariance",
        )
    c = cov.to_numpy(dtype=float)
    if not np.isfinite(c).all():
        bad = [tickers[i] for i in np.flatnonzero(~np.isfinite(c).all(axis=1))]
        raise DataError(
            f"The covariance has missing or infinite entries for {', '.join(bad[:5])}: re-estimate it "
            "on dates where every ticker has prices.",
            code="bad_covariance",
        )
    return tickers, c


def checked_number(value: Any, what: str) -> float:
    """A finite constraint or method parameter (code ``bad_constraint``)."""
    return check_finite(value, what, code="bad_constraint", hint=LONG_SHORT_HINT)


def positive_parameter(value: Any, name: str, hint: str = "", *, need: str = "positive", code: str | None = None) -> float:
    """A finite number greater than zero: ``"{name} must be a number; got ..."`` or
    ``"{name} must be {need}; got .... {hint}"`` (code ``bad_{name}`` unless given)."""
    return check_positive(
        value,
        name,
        blank=False,
        need=need,
        hint=f" {hint}" if hint else "",
        code=code or f"bad_{name}",
        not_number=MUST_BE_A_NUMBER,
    )


def prepare_cov(cov: Any, what: str = "cov") -> tuple[list[str], np.ndarray, list[str]]:
    if isinstance(cov, np.ndarray):
        raise DataError(
            f"{what} must be a DataFrame labelled by ticker (use estimators.covariance(returns)).",
            code="bad_covariance",
        )
    if not isinstance(cov, pd.DataFrame):
        raise DataError(
            f"{what} must be a pandas DataFrame (tickers x tickers), got {type(cov).__name__}.",
            code="bad_covariance",
        )
    if cov.shape[0] == 0:
        raise DataError(f"{what} is empty: select at least one asset.", code="no_assets")
    if cov.shape[0] != cov.shape[1] or set(cov.index) != set(cov.columns):
        raise DataError(
            f"{what} must be square with the same tickers on both axes (got {cov.shape[0]} rows, "
            f"{cov.shape[1]} columns).",
            code="bad_covariance",
        )
    if cov.index.duplicated().any():
        dup = ", ".join(map(str, cov.index[cov.index.duplicated()]))
        raise DataError(f"{what} has duplicate tickers: {dup}.", code="bad_covariance")
    tickers = [str(t) for t in cov.index]
    mat = cov.reindex(columns=cov.index).to_numpy(dtype=float)
    if not np.isfinite(mat).all():
        bad = [tickers[i] for i in np.flatnonzero(~np.isfinite(mat).all(axis=1))]
        raise DataError(
            f"{what} has missing or infinite entries for {', '.join(bad)}: re-estimate it or drop these tickers.",
            code="bad_covariance",
        )
    notes: list[str] = []  # an estimate's own notes travel in CovarianceEstimate.notes (recipes.estimate)
    if np.any(np.diag(mat) < 0):
        bad = [tickers[i] for i in np.flatnonzero(np.diag(mat) < 0)]
        raise DataError(f"{what} has negative variances for {', '.join(bad)}.", code="bad_covariance")
    if np.max(np.abs(mat - mat.T)) > 1e-8 * max(1.0, np.max(np.abs(mat))):
        notes.append("The covariance matrix was not symmetric: it was symmetrised.")
    mat, repaired = nearest_psd(mat)
    if repaired:
        notes.append(
            "The covariance matrix was not positive semi-definite: repaired to the nearest PSD matrix."
        )
    return tickers, mat, notes


def prepare_mu(mu: Any, tickers: list[str]) -> np.ndarray:
    if isinstance(mu, pd.DataFrame) and mu.shape[1] == 1:
        mu = mu.iloc[:, 0]
    if not isinstance(mu, pd.Series):
        raise DataError(
            f"mu must be a pandas Series of expected returns by ticker, got {type(mu).__name__} "
            "(use estimators.expected_returns(returns)).",
            code="bad_expected_returns",
        )
    missing = [t for t in tickers if t not in mu.index]
    if missing:
        raise DataError(
            f"Expected returns are missing for {', '.join(missing)}: mu and cov must cover the same tickers.",
            code="bad_expected_returns",
        )
    values = pd.to_numeric(mu.reindex(tickers), errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(values).all():
        bad = [tickers[i] for i in np.flatnonzero(~np.isfinite(values))]
        raise DataError(f"Expected returns are not finite for {', '.join(bad)}.", code="bad_expected_returns")
    return values


def checked_inputs(mu: Any, cov: Any, risk_free_rate: Any) -> tuple[list[str], np.ndarray, list[str], np.ndarray, float]:
    """Checked ``tickers, cov, notes, mu, rf`` of a method on expected returns and a covariance."""
    tickers, cov_m, notes = prepare_cov(cov)
    return tickers, cov_m, notes, prepare_mu(mu, tickers), checked_number(risk_free_rate, "risk_free_rate")
