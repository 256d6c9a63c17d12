"""Rebalancing policies: hand-computed band and calendar cases, the daily-calendar identity, the tax column, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finance_core import tax
from finance_core.data.bundled import load_dataset, to_returns
from finance_core.errors import DataError
from finance_core.rebalancing import (
    BAND_WIDTHS,
    RebalancePolicy,
    TaxBook,
    band_sweep,
    compare_policies,
    policy_set,
    policy_tax,
    policy_trades,
    simulate_policy,
)

DATES = pd.bdate_range("2024-01-01", periods=3)
RETURNS = pd.DataFrame({"A": [0.10, 0.0, 0.0], "B": [0.0, 0.0, 0.0]}, index=DATES)
TARGET = {"A": 0.5, "B": 0.5}


def test_band_trade_hand_computed():
    run = simulate_policy(RETURNS, TARGET, RebalancePolicy(band=0.02), cost_bps=10)
    # day 1: A grows to 0.55 of 1.05, weight 0.55/1.05 = 0.523810; drift 0.023810 > 2%
    turnover = 2 * (0.55 / 1.05 - 0.5)
    assert run.turnover.tolist() == pytest.approx([turnover])
    assert run.costs.iloc[0] == pytest.approx(0.001 * turnover)
    assert run.equity.iloc[-1] == pytest.approx(1.05 * (1 - 0.001 * turnover))
    wide = simulate_policy(RETURNS, TARGET, RebalancePolicy(band=0.03), cost_bps=10)
    assert wide.turnover.empty and wide.equity.iloc[-1] == pytest.approx(1.05)
    relative = simulate_policy(RETURNS, TARGET, RebalancePolicy(band=0.05, band_type="relative"))
    assert len(relative.turnover) == 0  # 0.02381 / 0.5 = 4.8% < 5%


def test_policies_on_bundled_data():
    returns = to_returns(load_dataset("factors").prices).iloc[-504:]
    target = pd.Series(0.2, index=returns.columns)
    table = compare_policies(
        returns,
        target,
        {
            "daily": RebalancePolicy(calendar="D"),
            "monthly": RebalancePolicy(calendar="M"),
            "band 1%": RebalancePolicy(band=0.01),
            "quarterly + band 1%": RebalancePolicy(calendar="Q", band=0.01),
            "band 50%": RebalancePolicy(band=0.5),
        },
        cost_bps=0.0,
    )
    ideal = float(np.prod(1 + returns.to_numpy() @ target.to_numpy()) ** (252 / 504) - 1)
    assert table.loc["daily", "tracking_error"] == pytest.approx(0.0, abs=1e-12)
    assert table.loc["daily", "annual_return"] == pytest.approx(ideal)
    assert table.loc["band 50%", "rebalances"] == 0
    assert table.loc["quarterly + band 1%", "rebalances"] <= 8
    # one trade per month end; the last month's end is the last date, which never trades
    assert table.loc["monthly", "rebalances"] == returns.index.to_period("M").nunique() - 1
    assert table.loc["daily", "annual_turnover"] > table.loc["monthly", "annual_turnover"] > 0


def test_bad_input_is_refused():
    with pytest.raises(DataError, match="calendar, a band or both"):
        RebalancePolicy()
    with pytest.raises(DataError, match="drift band must be greater than zero"):
        RebalancePolicy(band=-0.01)
    with pytest.raises(DataError, match="No returns for C"):
        simulate_policy(RETURNS, {"C": 1.0}, RebalancePolicy(band=0.1))
    with pytest.raises(DataError, match="sum to 1"):
        simulate_policy(RETURNS, {"A": 0.5, "B": 0.4}, RebalancePolicy(band=0.1))
    with pytest.raises(DataError, match="Unknown rebalance frequency"):
        simulate_policy(RETURNS, TARGET, RebalancePolicy(calendar="fortnightly"))


# --------------------------------------------------------------------------- a two-asset case counted by hand
# B's price never moves; A moves +12%, +4%, +4%, +4%, -15%, 0. Target 50/50, no costs.
# Band 2.5% (absolute), drift of A = w_A - 0.5:
#   29 Jan: A 0.5 x 1.12 = 0.56 of 1.06 -> w_A = 0.528302, drift 2.83% > 2.5%: trade, turnover 2 x 0.028302
#   30 Jan: 0.52 / 1.02 = 0.509804 (0.98%); 31 Jan: 0.5408 / 1.0408 = 0.519600 (1.96%): no trade
#   27 Feb: 0.562432 / 1.062432 = 0.529382 (2.94%): the third small move takes it out: trade
#   28 Feb: 0.425 / 0.925 = 0.459459 (-4.05%): trade; 29 Feb is the last date: never trades. 3 trades.
# Band 5%: from 0.528302 A drifts 0.5824 / 1.0824 = 0.538063, 0.605696 / 1.105696 = 0.547796,
#   0.629924 / 1.129924 = 0.557492 (27 Feb, 5.75%): one trade; then
#   28 Feb 0.459459 (-4.05%) stays inside. Relative 5% of a 0.5 target is 2.5% absolute: as band 2.5%.
# Monthly: the month ends are 31 Jan (w_A 0.547796, turnover 2 x 0.047796) and 29 Feb (last date).
# Monthly + band 2.5%: 31 Jan is 4.78% out: trades as monthly; monthly + band 5%: 4.78% < 5%: never.
HAND_DATES = pd.DatetimeIndex(["2024-01-29", "2024-01-30", "2024-01-31", "2024-02-27", "2024-02-28", "2024-02-29"])
HAND = pd.DataFrame({"A": [0.12, 0.04, 0.04, 0.04, -0.15, 0.0], "B": 0.0}, index=HAND_DATES)
HAND_PRICES = (1 + pd.concat([pd.DataFrame({"A": [0.0], "B": [0.0]}, index=[pd.Timestamp("2024-01-26")]), HAND])
               ).cumprod() * 100.0  # both at $100 on Fri 26 Jan, the day the target is bought


def _w(a_value: float, total: float) -> float:
    return a_value / total


def test_band_and_calendar_trades_counted_by_hand():
    w1 = _w(0.56, 1.06)
    w4 = _w(0.5 * 1.04**3, 0.5 * 1.04**3 + 0.5 * 1.0)  # three +4% days from 50/50 (after the 29 Jan trade)
    w_jan31 = _w(0.56 * 1.04**2, 0.56 * 1.04**2 + 0.5)  # never traded since the start
    w_feb27 = _w(0.56 * 1.04**3, 0.56 * 1.04**3 + 0.5)
    expected = {
        RebalancePolicy(band=0.025): [2 * (w1 - 0.5), 2 * (w4 - 0.5), 2 * (0.5 - _w(0.425, 0.925))],
        RebalancePolicy(band=0.05): [2 * (w_feb27 - 0.5)],
        RebalancePolicy(band=0.05, band_type="relative"): [2 * (w1 - 0.5), 2 * (w4 - 0.5),
                                                           2 * (0.5 - _w(0.425, 0.925))],
        RebalancePolicy(calendar="M"): [2 * (w_jan31 - 0.5)],
        RebalancePolicy(calendar="M", band=0.025): [2 * (w_jan31 - 0.5)],
        RebalancePolicy(calendar="M", band=0.05): [],
    }
    assert w1 == pytest.approx(0.528302, abs=1e-6) and w4 == pytest.approx(0.529382, abs=1e-6)
    assert w_jan31 == pytest.approx(0.547796, abs=1e-6) and w_feb27 == pytest.approx(0.557492, abs=1e-6)
    for policy, turnovers in expected.items():
        run = simulate_policy(HAND, TARGET, policy, cost_bps=0)
        assert run.turnover.tolist() == pytest.approx(turnovers), policy
    table = compare_policies(HAND, TARGET, {"band": RebalancePolicy(band=0.025)}, cost_bps=25)
    years = 6 / 252
    assert table.loc["band", "rebalances"] == 3
    assert table.loc["band", "annual_turnover"] == pytest.approx(sum(expected[RebalancePolicy(band=0.025)]) / years)
    assert table.loc["band", "total_cost"] == pytest.approx(0.0025 * sum(expected[RebalancePolicy(band=0.025)]))
    assert np.isnan(table.loc["band", "realised_tax"])  # no tax book given


def test_policy_set_and_band_sweep():
    names = list(policy_set(["monthly", "band", "quarterly_band"], [0.01, 0.025]))
    assert names == ["Monthly", "Band 1%", "Band 2.5%", "Quarterly + band 1%", "Quarterly + band 2.5%"]
    assert list(policy_set(["band"], [0.05], "relative")) == ["Band 5% relative"]
    assert list(policy_set(["quarterly"], [])) == ["Quarterly"]  # no band, no width needed
    sweep = band_sweep(HAND, TARGET, [0.025, 0.05], cost_bps=0)
    assert list(sweep.index) == [0.025, 0.05]
    assert sweep["rebalances"].tolist() == [3, 1]  # counted by hand above
    with pytest.raises(DataError, match="Policies: choose at least one"):
        policy_set([], BAND_WIDTHS)
    with pytest.raises(DataError, match="Each band width must be greater than zero"):
        policy_set(["band"], [0.01, -0.02])
    with pytest.raises(DataError, match="Band widths: enter at least one"):
        policy_set(["monthly_band"], [])


# --------------------------------------------------------------------------- the tax column
# One taxable account holds 100 A ($100 today; lots bought at $50 in 2020 and at $110 in Dec 2023)
# and 100 B ($100, basis $120): 50/50 already, so the first trade is empty. Band 2.5% trades on
# 29 Jan (sell A, buy B), 27 Feb and 28 Feb (sell B at a loss after A's fall, buy A).
LOTS = pd.DataFrame(
    [("brokerage", "A", "2020-01-02", 60, 3000.0), ("brokerage", "A", "2023-12-01", 40, 4400.0),
     ("brokerage", "B", "2021-06-01", 100, 12000.0)],
    columns=["account", "ticker", "acquired", "shares", "cost_basis"],
)


def _first_trade_list(run, book):
    trades, _lots, _account = policy_trades(run, TARGET, book)
    later = trades[~trades["initial"]]
    return trades, later[later["date"] == later["date"].min()]


@pytest.mark.parametrize("method", ["fifo", "hifo"])
def test_tax_of_one_rebalance_equals_trade_list_tax(method):
    book = TaxBook(HAND_PRICES, lots=LOTS, method=method)
    run = simulate_policy(HAND, TARGET, RebalancePolicy(band=0.05), cost_bps=0)  # one trade, 27 Feb
    trades, first = _first_trade_list(run, book)
    assert not trades["initial"].any()  # the lots are already 50/50 at $100: nothing to buy at the start
    # 27 Feb: value 20,000 x (1.12 x 1.04^3 / 2 + 1/2) = 22,598.49; A holds 100 shares at 125.9836
    value = 20_000 * (1.12 * 1.04**3 / 2 + 0.5)
    a_price = 100 * 1.12 * 1.04**3
    assert first.set_index("ticker")["shares"].to_dict() == pytest.approx(
        {"A": 100 - value / 2 / a_price, "B": value / 2 / 100 - 100})
    oracle = tax.trade_list_tax(first[["ticker", "side", "shares", "price"]], "2024-02-27", lots=LOTS, method=method,
                                today="2024-02-29")
    assert oracle.tax != 0
    assert policy_tax(run, TARGET, book) == pytest.approx(oracle.tax, rel=1e-9)
    table = compare_policies(HAND, TARGET, {"band 5%": RebalancePolicy(band=0.05)}, cost_bps=0, tax_book=book)
    assert table.loc["band 5%", "realised_tax"] == pytest.approx(oracle.tax, rel=1e-9)


def test_tax_counts_the_policy_trades_not_the_first_one():
    # A new account of $10,000 buys 50 A and 50 B at $100: that buy realises nothing, and every later
    # sale is short term: band 2.5% sells A on 29 Jan at $112 (gain 12 a share on 50 - 5300/112 shares).
    book = TaxBook(HAND_PRICES, capital=10_000)
    run = simulate_policy(HAND, TARGET, RebalancePolicy(band=0.025), cost_bps=0)
    trades, first = _first_trade_list(run, book)
    assert trades[trades["initial"]]["shares"].tolist() == pytest.approx([50, 50])
    sold = 50 - 5300 / 112
    assert first.set_index("ticker").loc["A", "shares"] == pytest.approx(sold)
    oracle = tax.trade_list_tax(first[["ticker", "side", "shares", "price"]], "2024-01-29",
                                history=trades[trades["initial"]].drop(columns="initial"), today="2024-02-29")
    assert oracle.short_term_gain == pytest.approx(sold * 12)
    # the opening lots out of the target (all A): the first trade sells half at a gain, never counted
    skewed = TaxBook(HAND_PRICES, lots=LOTS[LOTS["ticker"] == "A"])
    never = compare_policies(HAND, TARGET, {"band 50%": RebalancePolicy(band=0.5)}, cost_bps=0, tax_book=skewed)
    assert never.loc["band 50%", ["rebalances", "realised_tax"]].tolist() == [0, 0]


def test_tax_book_bad_input():
    run = simulate_policy(HAND, TARGET, RebalancePolicy(band=0.025), cost_bps=0)
    with pytest.raises(DataError, match="the date before the first"):
        policy_tax(run, TARGET, TaxBook(HAND_PRICES.iloc[1:]))
    late = LOTS.assign(acquired="2024-02-01")
    with pytest.raises(DataError, match="acquired after the backtest starts"):
        policy_tax(run, TARGET, TaxBook(HAND_PRICES, lots=late))
    with pytest.raises(DataError, match="No price on 2024-01-26 for the lots of C"):
        policy_tax(run, TARGET, TaxBook(HAND_PRICES, lots=LOTS.assign(ticker="C")))
    with pytest.raises(DataError, match="capital of the tax book must be greater than zero"):
        policy_tax(run, TARGET, TaxBook(HAND_PRICES, capital=0))


def test_three_rebalances_equal_trade_list_tax_chained_with_a_wash_sale():
    # Band 2.5% trades on 29 Jan, 27 Feb and 28 Feb. 27 Feb buys B at $100; 28 Feb sells B at $100, FIFO
    # from the 2021 lot (basis $120): a loss washed by the B bought the day before. Each trade list is
    # taxed by trade_list_tax on the book as the earlier ones left it; the policy's tax is their sum
    # (all in 2024, one year netted).
    book = TaxBook(HAND_PRICES, lots=LOTS)
    run = simulate_policy(HAND, TARGET, RebalancePolicy(band=0.025), cost_bps=0)
    trades, _lots, account = policy_trades(run, TARGET, book)
    assert account == "brokerage" and list(trades["date"].unique()) == list(run.turnover.index)
    history, total, washed = None, 0.0, 0.0
    for date, day in trades.groupby("date"):
        oracle = tax.trade_list_tax(day[["ticker", "side", "shares", "price"]], date, history=history, lots=LOTS,
                                    today="2024-02-29")
        total, washed = total + oracle.tax, washed + oracle.loss_disallowed
        history = trades[trades["date"] <= date].drop(columns="initial")
    assert washed > 0
    assert policy_tax(run, TARGET, book) == pytest.approx(total, rel=1e-9)
