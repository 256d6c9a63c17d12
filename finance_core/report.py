"""The numbers of the investor presentation, gathered in one result.

:func:`presentation` summarises a portfolio for people who will never touch a
slider: allocation by asset and sector, growth of 10,000 against the benchmark
(weights rebalanced daily to the target, as :func:`finance_core.risk.portfolio_returns`),
key metrics, contributions to volatility and historical stress-test losses. Rendering
(figures, HTML and PDF reports) lives in the app's ``components``: this module stays
free of plotting libraries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from . import estimators, risk
from .data import to_returns
from .errors import DataError

__all__ = ["Presentation", "presentation"]


@dataclass(frozen=True)
class Presentation:
    """Everything the presentation page shows.

    ``weights`` and ``sector_weights``: Series (fractions); ``growth``: DataFrame
    (portfolio and benchmark, starting at ``initial``); ``metrics``: Series with
    ``cagr``, ``volatility``, ``sharpe``, ``max_drawdown``, ``var_95`` and ``cvar_95``
    (one-day historical, positive loss fractions), ``beta`` and ``tracking_error``;
    ``benchmark_metrics`` the same for the benchmark; ``contributions``: per asset
    ``weight``, ``component`` (annualised volatility units) and ``percent``;
    ``stress``: one row per historical scenario.
    """

    weights: pd.Series
    sector_weights: pd.Series
    growth: pd.DataFrame
    metrics: pd.Series
    benchmark_metrics: pd.Series
    contributions: pd.DataFrame
    stress: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    benchmark_name: str
    notes: tuple[str, ...] = field(default_factory=tuple)


_KEYS = ["cagr", "volatility", "sharpe", "max_drawdown", "var_95", "cvar_95", "beta", "tracking_error"]


def presentation(
    prices: pd.DataFrame,
    weights: pd.Series,
    benchmark: pd.Series,
    *,
    sectors: pd.Series | None = None,
    benchmark_name: str = "Benchmark",
    stress_prices: pd.DataFrame | None = None,
    stress_benchmark: pd.Series | None = None,
    initial: float = 10_000.0,
    risk_free_rate: float = 0.0,
) -> Presentation:
    """Summarise ``weights`` held over ``prices`` against ``benchmark`` (closes on the same dates).

    ``stress_prices``/``stress_benchmark`` (default: ``prices``/``benchmark``) supply the
    long history the historical scenarios are replayed on.
    """
    if prices.empty or len(prices) < 3:
        raise DataError("The presentation needs at least three dates of prices.", code="too_short")
    weights = weights.reindex(prices.columns).fillna(0.0)
    returns = to_returns(prices)
    bench_returns = to_returns(benchmark.reindex(prices.index).ffill())
    port = risk.portfolio_returns(returns, weights)
    growth = pd.DataFrame({
        "Portfolio": risk.growth(port, initial),
        benchmark_name: risk.growth(bench_returns.reindex(port.index), initial),
    })
    first = pd.DataFrame({c: [initial] for c in growth.columns}, index=[prices.index[0]])
    growth = pd.concat([first, growth])
    summary = risk.performance_summary(port, bench_returns, risk_free_rate)
    bench_summary = risk.performance_summary(bench_returns, risk_free_rate=risk_free_rate)
    cov = estimators.covariance(returns, "sample")
    sector_weights = (weights.groupby(sectors.reindex(weights.index).fillna("Unclassified")).sum()
                      if sectors is not None else pd.Series(dtype=float))
    stress = risk.stress_test(weights, prices=stress_prices if stress_prices is not None else prices,
                              benchmark=stress_benchmark if stress_benchmark is not None else benchmark,
                              portfolio_value=initial)
    if "scenario" not in stress.columns:
        stress = stress.rename_axis("scenario").reset_index()
    return Presentation(
        weights=weights[weights.abs() > 1e-6].sort_values(ascending=False),
        sector_weights=sector_weights[sector_weights.abs() > 1e-6].sort_values(ascending=False),
        growth=growth,
        metrics=summary.reindex(_KEYS),
        benchmark_metrics=bench_summary.reindex(_KEYS),
        contributions=risk.risk_contributions(weights, cov).table,
        stress=stress,
        start=prices.index[0],
        end=prices.index[-1],
        benchmark_name=benchmark_name,
    )
