"""Describing a universe of assets: per-asset statistics, clustered correlation, rolling risk.

This is the arithmetic behind the Data page. Conventions: simple daily returns,
annualisation with ``periods_per_year`` (252): annual return is the CAGR
``(P_T / P_0)^(ppy / n) - 1``, volatility ``std(r) * sqrt(ppy)`` (sample standard
deviation, ddof=1), Sharpe ``(mean(r) * ppy - rf) / volatility`` (arithmetic mean,
as in empyrical), maximum drawdown the largest peak-to-trough fall of the price as a
negative fraction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.cluster import hierarchy
from scipy.spatial.distance import squareform

from .errors import DataError

__all__ = [
    "asset_statistics",
    "normalised_prices",
    "ClusteredCorrelation",
    "clustered_correlation",
    "rolling_volatility",
    "rolling_correlation",
    "UniverseAnalysis",
    "analyse_universe",
]


def normalised_prices(prices: pd.DataFrame, base: float = 100.0) -> pd.DataFrame:
    """Each price series rebased to ``base`` on the first date."""
    return prices / prices.iloc[0] * base


def asset_statistics(prices: pd.DataFrame, *, sectors: pd.Series | None = None,
                     names: pd.Series | None = None, risk_free_rate: float = 0.0,
                     periods_per_year: int = 252) -> pd.DataFrame:
    """One row per ticker: name, sector, annual return (CAGR), volatility, Sharpe, max drawdown."""
    if len(prices) < 2:
        raise DataError("At least two dates of prices are needed for statistics.", code="too_short")
    rets = prices.pct_change(fill_method=None).iloc[1:]
    n = len(rets)
    cagr = (prices.iloc[-1] / prices.iloc[0]) ** (periods_per_year / n) - 1
    vol = rets.std(ddof=1) * np.sqrt(periods_per_year)
    sharpe = (rets.mean() * periods_per_year - risk_free_rate) / vol.replace(0, np.nan)
    max_dd = (prices / prices.cummax() - 1).min()
    out = pd.DataFrame({
        "ticker": prices.columns,
        "name": (names.reindex(prices.columns) if names is not None else pd.Series(prices.columns,
                 index=prices.columns)).to_numpy(),
        "sector": (sectors.reindex(prices.columns) if sectors is not None else pd.Series(
            "", index=prices.columns)).to_numpy(),
        "annual_return": cagr.to_numpy(),
        "volatility": vol.to_numpy(),
        "sharpe": sharpe.to_numpy(),
        "max_drawdown": max_dd.to_numpy(),
    })
    return out


@dataclass(frozen=True)
class ClusteredCorrelation:
    """A correlation matrix reordered by hierarchical clustering.

    ``matrix``: the reordered correlation; ``order``: tickers in leaf order;
    ``linkage``: scipy linkage matrix on the distance ``sqrt((1 - rho) / 2)``
    (Mantegna 1999, as in Lopez de Prado's HRP).
    """

    matrix: pd.DataFrame
    order: list[str]
    linkage: np.ndarray


def clustered_correlation(returns: pd.DataFrame, method: str = "average") -> ClusteredCorrelation:
    """Correlation of returns ordered so that similar assets sit together."""
    corr = returns.corr()
    if len(corr) < 2:
        return ClusteredCorrelation(corr, list(corr.columns), np.empty((0, 4)))
    if corr.isna().any().any():
        bad = corr.columns[corr.isna().all()].tolist()
        raise DataError(f"Correlation undefined for {', '.join(bad) or 'some tickers'} (constant prices?).",
                        code="bad_correlation")
    dist = np.sqrt(np.clip((1 - corr.to_numpy()) / 2, 0, None))
    np.fill_diagonal(dist, 0)
    link = hierarchy.linkage(squareform(dist, checks=False), method=method)
    leaves = hierarchy.leaves_list(hierarchy.optimal_leaf_ordering(link, squareform(dist, checks=False)))
    order = [corr.columns[i] for i in leaves]
    return ClusteredCorrelation(corr.loc[order, order], order, link)


def rolling_volatility(returns: pd.DataFrame, window: int = 63, periods_per_year: int = 252) -> pd.DataFrame:
    """Annualised rolling volatility over ``window`` days."""
    return (returns.rolling(window).std(ddof=1) * np.sqrt(periods_per_year)).dropna(how="all")


def rolling_correlation(returns: pd.DataFrame, benchmark: pd.Series, window: int = 126) -> pd.DataFrame:
    """Rolling correlation of each asset with the benchmark."""
    return returns.rolling(window).corr(benchmark).dropna(how="all")


@dataclass(frozen=True)
class UniverseAnalysis:
    correlation: ClusteredCorrelation
    rolling_volatility: pd.DataFrame
    rolling_correlation: pd.DataFrame


def analyse_universe(returns: pd.DataFrame, benchmark: pd.Series, *, vol_window: int = 63,
                     corr_window: int = 126, linkage: str = "average",
                     progress: Callable[[float, str], None] | None = None) -> UniverseAnalysis:
    """Clustered correlation plus rolling volatility and benchmark correlation, asset by asset.

    ``progress(fraction, text)`` is called after each step (for a background job).
    """
    if len(returns) <= max(vol_window, corr_window):
        raise DataError(
            f"The rolling windows need more than {max(vol_window, corr_window)} days of returns; the "
            f"selection has {len(returns)}. Widen the date range.",
            code="too_short",
        )
    report = progress or (lambda fraction, text: None)
    report(0.05, "Clustering correlations")
    clustered = clustered_correlation(returns, linkage)
    vols, corrs = {}, {}
    tickers = list(returns.columns)
    for i, t in enumerate(tickers, start=1):
        vols[t] = rolling_volatility(returns[[t]], vol_window)[t]
        corrs[t] = returns[t].rolling(corr_window).corr(benchmark)
        report(0.1 + 0.9 * i / len(tickers), f"Rolling statistics: {t} ({i}/{len(tickers)})")
    return UniverseAnalysis(
        correlation=clustered,
        rolling_volatility=pd.DataFrame(vols).dropna(how="all"),
        rolling_correlation=pd.DataFrame(corrs).dropna(how="all"),
    )
