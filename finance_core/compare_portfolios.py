"""Several portfolios side by side over the same prices: weights, sectors, risk, growth and trades.

The Compare page and any notebook use this: every portfolio is held at fixed weights (rebalanced
daily, as on the presentation view) over the same dates against the same benchmark, so the
numbers differ only by the weights.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import optimize, risk, tax
from .data import to_returns
from .errors import DataError

__all__ = ["PortfolioComparison", "compare_portfolios", "trades_between", "transition_tax", "METRICS",
           "TRANSITION_ROWS"]

#: The comparison's rows: (key, label). Returns, volatility and Sharpe are annualised (252 days);
#: VaR and CVaR are one-day historical at 95%, as positive loss fractions; max drawdown is negative.
METRICS = (
    ("expected_return", "Expected return (annual mean)"),
    ("cagr", "Annual return (CAGR)"),
    ("volatility", "Volatility"),
    ("sharpe", "Sharpe ratio"),
    ("var_95", "1-day VaR 95%"),
    ("cvar_95", "1-day CVaR 95%"),
    ("max_drawdown", "Max drawdown"),
    ("beta", "Beta"),
    ("tracking_error", "Tracking error"),
)
MAX_PORTFOLIOS = 5


@dataclass(frozen=True)
class PortfolioComparison:
    """``weights`` and ``sector_weights``: tickers (sectors) x portfolios, fractions; ``metrics``:
    :data:`METRICS` keys x portfolios and the benchmark; ``growth``: dates x portfolios and the
    benchmark, each starting at ``initial``."""

    weights: pd.DataFrame
    sector_weights: pd.DataFrame
    metrics: pd.DataFrame
    growth: pd.DataFrame
    benchmark_name: str
    notes: tuple[str, ...] = ()


def _weights(name: str, weights: Mapping[str, float] | pd.Series, tickers: pd.Index) -> tuple[pd.Series, list[str]]:
    w = pd.Series(weights, dtype=float)
    if w.empty or not np.isfinite(w.to_numpy()).all():
        raise DataError(f"Portfolio {name!r} has no weights or a weight that is not a number; save it again.",
                        code="bad_weights")
    missing = [t for t in w.index if t not in tickers and abs(w[t]) > 1e-9]
    notes = []
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        notes.append(f"{name}: {len(missing)} holding(s) not in the current prices ({shown}) are left out "
                     f"({w[missing].sum():.1%} of its weight); load prices that include them to compare all of it.")
    w = w.reindex(tickers).fillna(0.0)
    if w.abs().sum() <= 1e-9:
        raise DataError(f"None of portfolio {name!r}'s holdings are in the current prices. Pick the universe it "
                        "was built on (Data page) and compare again.", code="no_overlap")
    return w, notes


def compare_portfolios(
    prices: pd.DataFrame,
    portfolios: Mapping[str, Mapping[str, float] | pd.Series],
    benchmark: pd.Series,
    *,
    sectors: pd.Series | None = None,
    benchmark_name: str = "Benchmark",
    initial: float = 10_000.0,
    risk_free_rate: float = 0.0,
) -> PortfolioComparison:
    """Compare 2 to :data:`MAX_PORTFOLIOS` portfolios (name -> {ticker: weight}) held over ``prices``."""
    if not 1 <= len(portfolios) <= MAX_PORTFOLIOS:
        raise DataError(f"Pick 1 to {MAX_PORTFOLIOS} portfolios to compare (got {len(portfolios)}).",
                        code="bad_count")
    if len(prices) < 3:
        raise DataError("The comparison needs at least three dates of prices; widen the dates.", code="too_short")
    returns = to_returns(prices)
    bench = to_returns(benchmark.reindex(prices.index).ffill()).reindex(returns.index)
    weights, notes = {}, []
    for name, raw in portfolios.items():
        weights[name], more = _weights(name, raw, prices.columns)
        notes += more
    table = pd.DataFrame(weights)
    series = {name: risk.portfolio_returns(returns, table[name]) for name in table.columns}
    rows = {name: _metrics(r, bench, risk_free_rate) for name, r in series.items()}
    rows[benchmark_name] = _metrics(bench, None, risk_free_rate)
    growth = pd.DataFrame({name: risk.growth(r, initial) for name, r in series.items()}
                          | {benchmark_name: risk.growth(bench, initial)})
    growth = pd.concat([pd.DataFrame({c: [initial] for c in growth.columns}, index=[prices.index[0]]), growth])
    labels = (sectors.reindex(table.index).fillna("Unclassified") if sectors is not None
              else pd.Series("Unclassified", index=table.index))
    held = table[(table.abs() > 1e-9).any(axis=1)]
    return PortfolioComparison(
        weights=held,
        sector_weights=table.groupby(labels).sum().loc[lambda f: (f.abs() > 1e-9).any(axis=1)],
        metrics=pd.DataFrame(rows).reindex([k for k, _ in METRICS]),
        growth=growth,
        benchmark_name=benchmark_name,
        notes=tuple(notes),
    )


def _metrics(r: pd.Series, bench: pd.Series | None, risk_free_rate: float) -> pd.Series:
    summary = risk.performance_summary(r, bench, risk_free_rate)
    summary["expected_return"] = float(r.mean()) * 252
    return summary


def trades_between(
    from_weights: Mapping[str, float] | pd.Series,
    to_weights: Mapping[str, float] | pd.Series,
    prices: pd.Series,
    capital: float,
) -> pd.DataFrame:
    """The whole-share trades that move ``capital`` from one portfolio's weights to another's.

    Per ticker: ``from_weight``, ``to_weight``, ``side`` (buy/sell), ``shares`` = floor(|Δw| x capital /
    price) and ``value`` = shares x price (signed: positive buys). Tickers with no trade are left out.
    """
    if not np.isfinite(capital) or capital <= 0:
        raise DataError("Capital must be a positive amount (for example 1000000).", code="bad_value")
    a, b = pd.Series(from_weights, dtype=float), pd.Series(to_weights, dtype=float)
    tickers = a.index.union(b.index)
    a, b = a.reindex(tickers).fillna(0.0), b.reindex(tickers).fillna(0.0)
    price = prices.reindex(tickers)
    unpriced = [t for t in tickers if not (np.isfinite(price[t]) and price[t] > 0) and abs(b[t] - a[t]) > 1e-9]
    if unpriced:
        raise DataError(f"No current price for {', '.join(unpriced[:5])}: load prices that include them.",
                        code="missing_price")
    delta = b - a
    shares = np.floor(delta.abs() * capital / price.where(price > 0, 1.0) + 1e-9)
    out = pd.DataFrame({"ticker": tickers, "from_weight": a.values, "to_weight": b.values,
                        "side": np.where(delta > 0, "buy", "sell"), "shares": shares.values.astype(int),
                        "value": (np.sign(delta) * shares * price.fillna(0.0)).values})
    return out[out["shares"] > 0].reset_index(drop=True)


#: :func:`transition_tax` rows: (key, label).
TRANSITION_ROWS = (
    ("trades", "Trades"),
    ("traded_value", "Value traded"),
    ("short_term_gain", "Short-term gain (allowed)"),
    ("long_term_gain", "Long-term gain (allowed)"),
    ("loss_disallowed", "Loss disallowed (wash sales)"),
    ("tax", "Tax"),
)


def transition_tax(
    holdings_shares: pd.Series,
    portfolios: Mapping[str, Mapping[str, float] | pd.Series],
    prices: pd.DataFrame,
    *,
    lots: pd.DataFrame,
    history: pd.DataFrame | None = None,
    method: tax.LotMethod = "fifo",
    rates: tax.TaxRates | None = None,
) -> pd.DataFrame:
    """The tax of moving today's holdings to each portfolio: :data:`TRANSITION_ROWS` x portfolios.

    For each portfolio the whole-share trades from ``holdings_shares`` (the book's open lots) to its
    weights at the holdings' value are :func:`finance_core.optimize.rebalance_trades`, taxed by
    :func:`finance_core.tax.trade_list_tax` at the last date of ``prices`` against ``lots`` and
    ``history``: the same trades and tax the Construct and Tax pages show for a target.
    """
    last = prices.iloc[-1]
    as_of = prices.index[-1]
    out = {}
    for name, raw in portfolios.items():
        weights, _ = _weights(name, raw, prices.columns)
        moves = optimize.rebalance_trades(holdings_shares, weights, last).trades
        result = tax.trade_list_tax(moves[["ticker", "side", "shares", "price"]], as_of, history=history, lots=lots,
                                    method=method, rates=rates, prices=prices)
        out[name] = {"trades": float(len(moves)), "traded_value": float(moves["value"].abs().sum()),
                     "short_term_gain": result.short_term_gain, "long_term_gain": result.long_term_gain,
                     "loss_disallowed": result.loss_disallowed, "tax": result.tax}
    return pd.DataFrame(out).reindex([k for k, _ in TRANSITION_ROWS])
