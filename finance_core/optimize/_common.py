"""Shared private helpers of the optimisers: BLAS threads, the Allocation builder, the fast-path test.

The input checks are in :mod:`._checks`.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._factor import FactorRisk
from .results import Allocation

if TYPE_CHECKING:

    from .constraints import Resolved


#: threadpoolctl's ThreadpoolController once looked up; False when threadpoolctl is missing.
_CONTROLLER: Any = None


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


def weights_series(w: np.ndarray, tickers: list[str]) -> pd.Series:
    w = np.where(np.abs(w) < 1e-14, 0.0, w)
    return pd.Series(w, index=pd.Index(tickers, name="ticker"), name="weight", dtype=float)


def make_allocation(
    w: np.ndarray,
    tickers: list[str],
    mu: np.ndarray | None,
    cov: np.ndarray | FactorRisk,
    *,
    rf: float,
    method: str,
    solver: str,
    started: float,
    notes: Iterable[str],
) -> Allocation:
    """The Allocation of ``w``; with a factor form the volatility is computed from it (no N x N)."""
    s = weights_series(w, tickers)
    mu_s = pd.Series(mu, index=s.index) if mu is not None else None
    if isinstance(cov, FactorRisk):
        alloc = Allocation.from_weights(
            s, mu=mu_s, risk_free_rate=rf, method=method, solver=solver,
            solve_seconds=time.perf_counter() - started, notes=tuple(dict.fromkeys(notes)),
        )
        vol = math.sqrt(max(cov.variance(s.to_numpy()), 0.0))
        sharpe = (alloc.expected_return - rf) / vol if vol > 0 else float("nan")
        return dataclasses.replace(alloc, volatility=vol, sharpe=sharpe)
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


def variance_of(w: np.ndarray, cov: np.ndarray | FactorRisk) -> float:
    """``w'Σw`` for a dense covariance or a factor form."""
    return cov.variance(w) if isinstance(cov, FactorRisk) else float(w @ cov @ w)


def use_fast_path(res: Resolved, solver: str, cov: np.ndarray | FactorRisk | None = None) -> bool:
    """True when the exact bounds-only fast paths apply (never to a factor form: they need Σ dense)."""
    if solver not in ("auto", "fast") or isinstance(cov, FactorRisk):
        return False
    return res.box_only
