"""Shared private helpers of the optimisers: BLAS threads, input checks, the Allocation builder."""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from ..errors import DataError
from ..estimators import nearest_psd
from .results import Allocation

if TYPE_CHECKING:
    from threadpoolctl import ThreadpoolController

    from .constraints import Resolved


# =========================================================================== BLAS threads
_CONTROLLER: ThreadpoolController | Literal[False] | None = None  # None: not looked up yet, False: absent


def single_thread_blas(func):
    """Run ``func`` with one BLAS thread.

    The fast paths make hundreds of small dense calls (triangular solves, matrix-vector products);
    multi-threaded OpenBLAS only adds synchronisation to those, and on a busy machine it can be
    tens of times slower. threadpoolctl ships with scikit-learn; without it this is a no-op.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        global _CONTROLLER
        if _CONTROLLER is None:
            try:
                import scipy.linalg.lapack  # noqa: F401  (load scipy's BLAS before looking)
                from threadpoolctl import ThreadpoolController

                _CONTROLLER = ThreadpoolController()
            except Exception:  # pragma: no cover - threadpoolctl missing
                _CONTROLLER = False
        if not _CONTROLLER:
            return func(*args, **kwargs)
        with _CONTROLLER.limit(limits=1, user_api="blas"):
            return func(*args, **kwargs)

    return wrapper


def checked_number(value, what: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        if value is not None:
            raise DataError(f"{what} must be a number, got {value!r}.", code="bad_constraint") from None
        out = float("nan")  # None is told apart below: "must be a finite number"
    if not math.isfinite(out):
        raise DataError(
            f"{what} must be a finite number, got {value!r}: for a long-short book use bounds such as "
            "(-1, 1) together with a leverage cap.",
            code="bad_constraint",
        )
    return out


# =========================================================================== input checks
def prepare_cov(cov, what: str = "cov") -> tuple[list[str], np.ndarray, list[str]]:
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
    notes: list[str] = []
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


def prepare_mu(mu, tickers: list[str]) -> np.ndarray:
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


def weights_series(w: np.ndarray, tickers: list[str]) -> pd.Series:
    w = np.where(np.abs(w) < 1e-14, 0.0, w)
    return pd.Series(w, index=pd.Index(tickers, name="ticker"), name="weight", dtype=float)


def make_allocation(
    w: np.ndarray,
    tickers: list[str],
    mu: np.ndarray | None,
    cov: np.ndarray,
    *,
    rf: float,
    method: str,
    solver: str,
    started: float,
    notes: Iterable[str],
) -> Allocation:
    s = weights_series(w, tickers)
    mu_s = pd.Series(mu, index=s.index) if mu is not None else None
    cov_df = pd.DataFrame(cov, index=s.index, columns=s.index)
    return Allocation.from_weights(
        s,
        mu=mu_s,
        cov=cov_df,
        risk_free_rate=rf,
        method=method,
        solver=solver,
        solve_seconds=time.perf_counter() - started,
        notes=tuple(dict.fromkeys(notes)),
    )


def checked_inputs(mu, cov, risk_free_rate) -> tuple[list[str], np.ndarray, list[str], np.ndarray, float]:
    """Checked ``tickers, cov, notes, mu, rf`` of a method on expected returns and a covariance."""
    tickers, cov_m, notes = prepare_cov(cov)
    return tickers, cov_m, notes, prepare_mu(mu, tickers), checked_number(risk_free_rate, "risk_free_rate")


def use_fast_path(res: Resolved, solver: str) -> bool:
    if solver not in ("auto", "fast"):
        return False
    return res.box_only
