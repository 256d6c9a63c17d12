"""Shared private helpers of the optimisers: BLAS threads, the Allocation builder, the fast-path test.

The input checks are in :mod:`._checks`.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

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


def use_fast_path(res: Resolved, solver: str) -> bool:
    if solver not in ("auto", "fast"):
        return False
    return res.box_only
