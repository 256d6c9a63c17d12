"""Naive allocations: equal weight and inverse volatility."""

from __future__ import annotations

import time
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..errors import DataError
from ._checks import prepare_cov, prepare_mu
from ._common import make_allocation, single_thread_blas, weights_series
from .defaults import DEFAULT_RISK_FREE_RATE
from .results import Allocation

__all__ = ["equal_weight", "inverse_volatility"]


def equal_weight(
    tickers: Iterable[str] | pd.Index | pd.DataFrame | pd.Series,
    *,
    mu: pd.Series | None = None,
    cov: pd.DataFrame | None = None,
    risk_free_rate: float = DEFAULT_RISK_FREE_RATE,
) -> Allocation:
    r"""Equal weights :math:`w_i = 1/N` (DeMiguel, Garlappi and Uppal 2009, "Optimal versus naive
    diversification", Review of Financial Studies 22(5)). ``tickers`` may be a list, an Index, or
    a frame/Series whose columns/index are the tickers; ``mu``/``cov`` only feed the statistics."""
    started = time.perf_counter()
    if isinstance(tickers, pd.DataFrame):
        names = list(tickers.columns)
    elif isinstance(tickers, pd.Series):
        names = list(tickers.index)
    elif isinstance(tickers, str):
        names = [tickers]
    else:
        names = list(tickers)
    names = [str(t) for t in names]
    if not names:
        raise DataError("equal_weight needs at least one ticker.", code="no_assets")
    if len(set(names)) != len(names):
        dup = sorted({t for t in names if names.count(t) > 1})
        raise DataError(f"Duplicate tickers: {', '.join(dup)}.", code="duplicate_tickers")
    w = np.full(len(names), 1.0 / len(names))
    cov_m = None
    if cov is not None:
        t_cov, cov_m, _ = prepare_cov(cov)
        cov_m = pd.DataFrame(cov_m, index=t_cov, columns=t_cov).reindex(index=names, columns=names).to_numpy()
    mu_v = prepare_mu(mu, names) if mu is not None else None
    s = weights_series(w, names)
    return Allocation.from_weights(
        s,
        mu=pd.Series(mu_v, index=s.index) if mu_v is not None else None,
        cov=pd.DataFrame(cov_m, index=s.index, columns=s.index) if cov_m is not None else None,
        risk_free_rate=risk_free_rate,
        method="equal_weight",
        solver="closed_form",
        solve_seconds=time.perf_counter() - started,
    )


@single_thread_blas
def inverse_volatility(
    cov: pd.DataFrame, *, mu: pd.Series | None = None, risk_free_rate: float = DEFAULT_RISK_FREE_RATE
) -> Allocation:
    r"""Inverse-volatility weights :math:`w_i = \sigma_i^{-1} / \sum_j \sigma_j^{-1}` (the naive
    risk-parity portfolio, exact when correlations are equal; Maillard, Roncalli and Teiletche
    2010, "The properties of equally weighted risk contribution portfolios", J. Portfolio
    Management 36(4), §2.3)."""
    started = time.perf_counter()
    tickers, cov_m, notes = prepare_cov(cov)
    sigma = np.sqrt(np.diag(cov_m))
    if np.any(sigma <= 0):
        bad = [tickers[i] for i in np.flatnonzero(sigma <= 0)]
        raise DataError(
            f"Zero volatility for {', '.join(bad)}: inverse-volatility weights are undefined; drop these tickers.",
            code="zero_volatility",
        )
    w = (1.0 / sigma) / (1.0 / sigma).sum()
    mu_v = prepare_mu(mu, tickers) if mu is not None else None
    return make_allocation(
        w,
        tickers,
        mu_v,
        cov_m,
        rf=risk_free_rate,
        method="inverse_volatility",
        solver="closed_form",
        started=started,
        notes=notes,
    )
