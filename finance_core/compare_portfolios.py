"""Several portfolios side by side over the same prices: weights, sectors, risk, growth and trades.

The Compare page and any notebook use this: every portfolio is held at fixed weights (rebalanced
daily, as on the presentation view) over the same dates against the same benchmark, so the
numbers differ only by the weights.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import execution, optimize, risk, tax
from .data import to_returns
from .errors import DataError

__all__ = ["PortfolioComparison", "TransitionCost", "compare_portfolios", "trades_between", "transition_tax",
           "transition_cost", "METRICS", "TRANSITION_ROWS", "TRANSITION_COST_ROWS"]

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
        raise DataError(f"None of the holdings of portfolio {name!r} are in the current prices. Pick the universe it "
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


#: :func:`transition_cost` rows: (key, label).
TRANSITION_COST_ROWS = (
    ("orders", "Orders"),
    ("notional", "Traded notional"),
    ("expected_cost", "Expected cost"),
    ("cost_bps", "Expected cost (bps)"),
    ("square_root_cost", "Square-root law cost (check)"),
)


@dataclass(frozen=True)
class TransitionCost:
    """``table``: :data:`TRANSITION_COST_ROWS` x portfolios; ``start``: what the trades start from (``"holdings"``
    or the first portfolio's name); ``notes``: how the trades were costed."""

    table: pd.DataFrame
    start: str
    notes: tuple[str, ...] = ()


def transition_cost(
    portfolios: Mapping[str, Mapping[str, float] | pd.Series],
    prices: pd.DataFrame,
    *,
    holdings_shares: pd.Series | None = None,
    capital: float = 1_000_000.0,
    strategy: execution.BasketStrategy = "vwap",
    daily_volume: float = 5_000_000.0,
    **market: Any,
) -> TransitionCost:
    """The execution cost of the trade list that moves the start to each portfolio.

    The start is ``holdings_shares`` when given and not empty (the trades are
    :func:`finance_core.optimize.rebalance_trades` at the holdings' value, as :func:`transition_tax`
    trades), else the first portfolio held with ``capital`` (the trades are :func:`trades_between`).
    Each trade list is costed by :func:`finance_core.execution.order_basket` with ``strategy`` and the
    Execute page's defaults (seeded synthetic book per name, linear impact fitted to it, a full session in 13
    intervals, ``daily_volume`` shares a day per name; ``market``: other keywords of ``order_basket``).
    ``square_root_cost`` is an independent check: the square-root law ``sigma_daily * sqrt(Q / V)`` per share
    of notional with Y = 1 (Toth et al. 2011, "Anomalous price impact and the critical nature of liquidity in
    financial markets", Phys. Rev. X 1, 021006), summed over the orders.
    """
    last = prices.iloc[-1]
    held = holdings_shares is not None and not holdings_shares.empty
    names = list(portfolios)
    if not names:
        raise DataError("Pick at least one portfolio to cost.", code="bad_count")
    start = "holdings" if held else names[0]
    first, _ = (None, None) if held else _weights(names[0], portfolios[names[0]], prices.columns)
    out = {}
    for name in names:
        weights, _ = _weights(name, portfolios[name], prices.columns)
        if held:
            moves = optimize.rebalance_trades(holdings_shares, weights, last).trades
        else:
            moves = trades_between(first, weights, last, capital)
            moves = moves.assign(price=last.reindex(moves["ticker"]).to_numpy())
        out[name] = _trade_list_cost(moves[["ticker", "side", "shares", "price"]], prices, strategy,
                                     daily_volume, market)
    where = "today's holdings" if held else f"{start} held with {capital:,.0f}"
    note = (f"Trades from {where} to each portfolio at the last close, each name costed as the Execute page "
            f"costs an order ({strategy.upper()} over the session in 13 intervals, the seeded synthetic book "
            f"and the linear impact fitted to it, {daily_volume:,.0f} shares of daily volume for every name: the "
            "bundled data have no volumes).")
    return TransitionCost(table=pd.DataFrame(out).reindex([k for k, _ in TRANSITION_COST_ROWS]), start=start,
                          notes=(note,))


def _trade_list_cost(trades: pd.DataFrame, prices: pd.DataFrame, strategy: execution.BasketStrategy,
                     daily_volume: float, market: Mapping[str, Any]) -> dict[str, float]:
    """Orders, notional, the desk's expected cost (and in bps) and the square-root law's cost of one trade list."""
    if trades.empty:
        return dict.fromkeys(("orders", "notional", "expected_cost", "cost_bps", "square_root_cost"), 0.0)
    basket = execution.order_basket(prices, trades, strategy, daily_volume=daily_volume, **market)
    costs = basket.costs
    notional = float(costs["notional"].sum())
    sigma_daily = pd.Series({t: execution.annual_volatility(prices[t]) for t in costs.index}) / np.sqrt(252)
    root = float((costs["notional"] * sigma_daily * np.sqrt(costs["shares"] / daily_volume)).sum())
    return {"orders": float(len(costs)), "notional": notional, "expected_cost": basket.expected_cost,
            "cost_bps": basket.expected_cost / notional * 1e4, "square_root_cost": root}
