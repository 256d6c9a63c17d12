"""Discrete allocation against PyPortfolioOpt's DiscreteAllocation; rebalance trades by hand."""

import warnings

import numpy as np
import pandas as pd
import pytest

from finance_core.allocation import TRADE_COLUMNS, discrete_allocation, rebalance_trades
from finance_core.data import load_dataset, to_returns
from finance_core.errors import DataError
from finance_core.hierarchical import hrp

warnings.filterwarnings("ignore", category=FutureWarning)


@pytest.fixture(scope="module")
def case():
    ds = load_dataset("sp500")
    prices = ds.prices.iloc[-1]
    weights = hrp(to_returns(ds.prices).iloc[-500:]).weights
    return weights, prices


def _objective(shares, leftover, weights, prices, capital):
    x = pd.Series(shares, dtype=float).reindex(weights.index).fillna(0.0)
    return float(np.abs(weights * capital - x * prices[weights.index]).sum() + leftover)


@pytest.mark.parametrize("capital", [50_000, 1_000_000])
def test_greedy_matches_pypfopt(case, capital):
    from pypfopt import DiscreteAllocation

    weights, prices = case
    ours = discrete_allocation(weights, prices, capital)
    # oracle: PyPortfolioOpt greedy_portfolio
    shares, leftover = DiscreteAllocation(
        weights.to_dict(), prices, total_portfolio_value=capital
    ).greedy_portfolio()
    assert ours.shares.to_dict() == {k: v for k, v in shares.items() if v}
    assert ours.leftover == pytest.approx(leftover, abs=1e-6)


def test_greedy_never_worse_than_pypfopt_when_it_stops_early(case):
    from pypfopt import DiscreteAllocation

    weights, prices = case
    ours = discrete_allocation(weights, prices, 10_000)
    # PyPortfolioOpt gives up after 10 unaffordable candidates; we keep looking for affordable ones
    _, leftover = DiscreteAllocation(
        weights.to_dict(), prices, total_portfolio_value=10_000
    ).greedy_portfolio()
    assert 0 <= ours.leftover <= leftover + 1e-9


@pytest.mark.parametrize("capital", [10_000, 250_000])
def test_integer_program_matches_pypfopt_lp(case, capital):
    from pypfopt import DiscreteAllocation

    weights, prices = case
    ours = discrete_allocation(weights, prices, capital, "integer")
    assert ours.solver == "HIGHS"
    # oracle: PyPortfolioOpt lp_portfolio (same MILP) solved with HiGHS; compare the optimum
    shares, leftover = DiscreteAllocation(
        weights.to_dict(), prices[weights.index], total_portfolio_value=capital
    ).lp_portfolio(solver="HIGHS")
    ours_obj = _objective(ours.shares, ours.leftover, weights, prices, capital)
    theirs_obj = _objective(shares, leftover, weights, prices, capital)
    assert ours_obj == pytest.approx(theirs_obj, abs=1e-6)
    spent = float((ours.shares * prices[ours.shares.index]).sum())
    assert spent + ours.leftover == pytest.approx(capital)
    assert ours.leftover >= 0


def test_short_book_matches_pypfopt():
    from pypfopt import DiscreteAllocation

    prices = pd.Series({"A": 10.0, "B": 25.0, "C": 40.0, "D": 7.5})
    weights = pd.Series({"A": 0.7, "B": 0.5, "C": -0.15, "D": -0.05})
    ours = discrete_allocation(weights, prices, 10_000)
    # oracle: PyPortfolioOpt greedy with shorts (short_ratio = sum of short weights)
    shares, leftover = DiscreteAllocation(
        weights.to_dict(), prices, total_portfolio_value=10_000
    ).greedy_portfolio()
    assert ours.shares.to_dict() == shares
    assert ours.leftover == pytest.approx(leftover)


def test_allocation_errors(case):
    weights, prices = case
    with pytest.raises(DataError, match=f"No latest price for {weights.index[0]}"):
        discrete_allocation(weights, prices.drop(weights.index[0]), 1000)
    with pytest.raises(DataError, match="Capital must be a positive amount"):
        discrete_allocation(weights, prices, -5)
    with pytest.raises(DataError, match="choose 'greedy' or 'integer'"):
        discrete_allocation(weights, prices, 1000, "magic")
    with pytest.raises(DataError, match="All target weights are zero"):
        discrete_allocation(weights * 0, prices, 1000)


def test_rebalance_trades_by_hand():
    prices = pd.Series({"A": 10.0, "B": 20.0, "C": 50.0})
    holdings = pd.Series({"A": 100, "B": 50, "D": 7})  # value 1000 + 1000 + D
    prices["D"] = 5.0
    trades = rebalance_trades(holdings, pd.Series({"A": 0.25, "B": 0.25, "C": 0.5}), prices, cash=65.0)
    # by hand: value = 1000 + 1000 + 35 + 65 = 2100; targets A 52.5 sh, B 26.25 sh, C 21 sh, D 0
    assert list(trades.columns) == TRADE_COLUMNS
    got = trades.set_index("ticker")
    assert got.loc["A", "side"] == "sell" and got.loc["A", "shares"] == 48  # 47.5 rounded to nearest
    assert got.loc["B", "side"] == "sell" and got.loc["B", "shares"] == 24  # 23.75 -> 24
    assert got.loc["C", "side"] == "buy" and got.loc["C", "shares"] == 21
    assert got.loc["D", "side"] == "sell" and got.loc["D", "shares"] == 7  # closed in full
    assert got.loc["C", "value"] == pytest.approx(1050.0)
    assert got.loc["A", "current_weight"] == pytest.approx(1000 / 2100)
    assert trades.attrs["cash_after"] == pytest.approx(65 + 480 + 480 + 35 - 1050)


def test_rebalance_trades_lots_and_minimum():
    prices = pd.Series({"A": 10.0, "B": 20.0})
    trades = rebalance_trades(
        pd.Series(dtype=float),
        pd.Series({"A": 0.5, "B": 0.5}),
        prices,
        capital=10_000,
        lot_size={"A": 100, "B": 1},
        min_trade_value=0.0,
    )
    got = trades.set_index("ticker")
    assert got.loc["A", "shares"] == 500 and got.loc["B", "shares"] == 250
    few = rebalance_trades(
        pd.Series({"A": 495, "B": 250}),
        pd.Series({"A": 0.5, "B": 0.5}),
        prices,
        capital=10_000,
        min_trade_value=100.0,
    )
    assert few.empty  # the 5-share A trade is worth 50 < 100


def test_rebalance_errors():
    prices = pd.Series({"A": 10.0})
    with pytest.raises(DataError, match="No latest price for B"):
        rebalance_trades(pd.Series({"B": 5}), pd.Series({"A": 1.0}), prices)
    with pytest.raises(DataError, match="portfolio value is zero"):
        rebalance_trades(pd.Series(dtype=float), pd.Series({"A": 1.0}), prices)
    with pytest.raises(DataError, match="Lot sizes must be whole numbers"):
        rebalance_trades(pd.Series({"A": 5}), pd.Series({"A": 1.0}), prices, lot_size=0)
