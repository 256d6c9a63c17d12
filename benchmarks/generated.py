"""Generated market data the benchmarks (and a test reproducing what they showed) share, free of any browser
or server import."""

from __future__ import annotations

import numpy as np
import pandas as pd

FACTORS = 10


def prices_frame(assets: int = 500, days: int = 2520, seed: int = 12) -> pd.DataFrame:
    """Closes of a geometric random walk driven by a ``FACTORS``-factor model (bench_browser's docstring)."""
    rng = np.random.default_rng(seed)
    vol = rng.uniform(0.15, 0.60, assets) / np.sqrt(252)  # daily
    sharpe = rng.uniform(0.0, 1.0, assets)
    loadings = np.column_stack([rng.normal(1.0, 0.3, assets), rng.normal(0.0, 0.4, (assets, FACTORS - 1))])
    factors = rng.normal(0.0, 1.0, (days, FACTORS)) * np.r_[0.6, np.full(FACTORS - 1, 0.3)]
    common = factors @ loadings.T
    common /= common.std(axis=0)
    share = rng.uniform(0.3, 0.7, assets)  # the part of each asset's variance the factors explain
    noise = rng.normal(0.0, 1.0, (days, assets))
    shocks = np.sqrt(share) * common + np.sqrt(1 - share) * noise
    # daily mean: annual Sharpe x annual volatility / 252 = sharpe * vol_daily / sqrt(252); minus the Ito term
    log_returns = sharpe * vol / np.sqrt(252) - vol**2 / 2 + vol * shocks
    closes = 50 * np.exp(np.cumsum(log_returns, axis=0))
    dates = pd.bdate_range("2013-01-02", periods=days)
    return pd.DataFrame(closes.round(4), index=pd.Index(dates.date, name="date"),
                        columns=[f"T{k:04d}" for k in range(1, assets + 1)])
