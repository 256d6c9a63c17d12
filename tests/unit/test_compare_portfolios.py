"""Portfolios side by side (issue 13, point 3), checked against numpy by hand and against empyrical."""

import empyrical
import numpy as np
import pandas as pd
import pytest

from finance_core import data
from finance_core.compare_portfolios import compare_portfolios, trades_between
from finance_core.errors import DataError

DS = data.load_dataset("sp500")
PRICES = DS.prices.loc["2019-01-01":"2022-12-28", ["AAPL", "MSFT", "XOM", "KO", "JPM"]]
BENCH = DS.benchmark.loc[PRICES.index]
CORE = {"AAPL": 0.4, "MSFT": 0.4, "KO": 0.2}
VALUE = {"XOM": 0.5, "JPM": 0.3, "KO": 0.2}


@pytest.fixture(scope="module")
def cmp():
    return compare_portfolios(PRICES, {"Core": CORE, "Value": VALUE}, BENCH, sectors=DS.sectors,
                              benchmark_name="S&P 500 TR")


def _daily(weights):
    """Fixed-weight (daily rebalanced) portfolio returns, by hand."""
    r = PRICES.pct_change().iloc[1:]
    return r[list(weights)] @ pd.Series(weights)


@pytest.mark.parametrize("name,weights", [("Core", CORE), ("Value", VALUE)])
def test_metrics_match_numpy_and_empyrical(cmp, name, weights):
    r = _daily(weights)
    m = cmp.metrics[name]
    assert m["expected_return"] == pytest.approx(r.mean() * 252, rel=1e-10)
    assert m["volatility"] == pytest.approx(r.std(ddof=1) * np.sqrt(252), rel=1e-10)
    # empyrical (Quantopian's reference implementation) as the oracle for Sharpe, drawdown and CAGR.
    assert m["sharpe"] == pytest.approx(empyrical.sharpe_ratio(r), rel=1e-8)
    assert m["max_drawdown"] == pytest.approx(empyrical.max_drawdown(r), rel=1e-8)
    assert m["cagr"] == pytest.approx(empyrical.annual_return(r), rel=1e-8)
    # Historical 1-day VaR 95%: minus the floor(0.05 n) + 1-th smallest return (the desk's convention).
    assert m["var_95"] == pytest.approx(-np.sort(r.to_numpy())[int(np.floor(0.05 * len(r)))], rel=1e-10)
    assert m["beta"] == pytest.approx(empyrical.beta(r, BENCH.pct_change().iloc[1:]), rel=1e-8)


def test_growth_weights_and_sectors(cmp):
    r = _daily(CORE)
    assert cmp.growth["Core"].iloc[0] == 10_000 and cmp.growth.index[0] == PRICES.index[0]
    assert cmp.growth["Core"].iloc[-1] == pytest.approx(10_000 * (1 + r).prod(), rel=1e-10)
    bench_total = BENCH.iloc[-1] / BENCH.iloc[0]
    assert cmp.growth["S&P 500 TR"].iloc[-1] == pytest.approx(10_000 * bench_total, rel=1e-10)
    assert cmp.weights.loc["KO"].tolist() == [0.2, 0.2] and cmp.weights.loc["XOM", "Core"] == 0.0
    sector = DS.sectors
    energy = sector["XOM"]
    assert cmp.sector_weights.loc[energy, "Value"] == pytest.approx(0.5)
    assert cmp.sector_weights.sum().tolist() == pytest.approx([1.0, 1.0])


def test_holdings_outside_the_prices_are_named_and_left_out():
    out = compare_portfolios(PRICES, {"Wide": {"AAPL": 0.5, "NVDA": 0.5}}, BENCH)
    assert "NVDA" in out.notes[0] and "50.0%" in out.notes[0]
    with pytest.raises(DataError, match="None of the holdings of portfolio 'Gone'"):
        compare_portfolios(PRICES, {"Gone": {"NVDA": 1.0}}, BENCH)
    with pytest.raises(DataError, match="Pick 1 to 5"):
        compare_portfolios(PRICES, {f"P{i}": CORE for i in range(6)}, BENCH)


def test_trades_between_two_portfolios():
    last = PRICES.iloc[-1]
    trades = trades_between(CORE, VALUE, last, 1_000_000).set_index("ticker")
    # From Core to Value with $1,000,000: sell all AAPL and MSFT (40% each), buy XOM (50%) and JPM (30%);
    # KO stays at 20%, so it has no trade.
    assert "KO" not in trades.index
    assert trades.loc["AAPL", "side"] == "sell" and trades.loc["AAPL", "shares"] == int(400_000 // last["AAPL"])
    assert trades.loc["XOM", "side"] == "buy" and trades.loc["XOM", "shares"] == int(500_000 // last["XOM"])
    assert trades.loc["XOM", "value"] == pytest.approx(int(500_000 // last["XOM"]) * last["XOM"])
    assert trades.loc["MSFT", "value"] < 0
    with pytest.raises(DataError, match="Capital must be a positive"):
        trades_between(CORE, VALUE, last, -5)


def test_transition_tax_hand_checked():
    from finance_core import tax
    from finance_core.compare_portfolios import transition_tax

    dates = pd.bdate_range("2024-01-02", "2024-06-28")
    prices = pd.DataFrame({"XYZ": 20.0, "ABC": 50.0}, index=dates)
    lots = pd.DataFrame([("brokerage", "XYZ", "2020-01-02", 100, 1000.0)],
                        columns=["account", "ticker", "acquired", "shares", "cost_basis"])
    held = pd.Series({"XYZ": 100.0})
    out = transition_tax(held, {"All ABC": {"ABC": 1.0}, "Stay": {"XYZ": 1.0}}, prices, lots=lots,
                         rates=tax.TaxRates())
    # All ABC: sell the 100 XYZ held since 2020 at $20 (basis $10): +1,000 long term, taxed at 15% = 150;
    # buy floor(2,000 / 50) = 40 ABC. Two trades, 2,000 + 2,000 traded.
    assert out["All ABC"].to_dict() == pytest.approx({"trades": 2, "traded_value": 4000.0, "short_term_gain": 0.0,
                                                      "long_term_gain": 1000.0, "loss_disallowed": 0.0, "tax": 150.0})
    # Stay: the holdings already are the portfolio; nothing to trade, no tax.
    assert out.loc["tax", "Stay"] == 0 and out.loc["trades", "Stay"] == 0


def test_transition_cost_from_the_first_portfolio_is_the_execution_desks_basket_cost():
    """Hand-built case: 1,000,000 moved from Core to Value; the trade list is written out by hand (shares =
    floor(|dw| x capital / last close)) and costed by execution.order_basket called directly."""
    from finance_core import execution
    from finance_core.compare_portfolios import TRANSITION_COST_ROWS, transition_cost

    got = transition_cost({"Core": CORE, "Value": VALUE}, PRICES, capital=1_000_000)
    assert got.start == "Core" and list(got.table.index) == [k for k, _ in TRANSITION_COST_ROWS]
    assert got.table["Core"].tolist() == [0.0] * 5  # no trades from a portfolio to itself
    last = PRICES.iloc[-1]
    moves = {"AAPL": -0.4, "MSFT": -0.4, "XOM": 0.5, "JPM": 0.3}  # KO stays at 20%
    trades = pd.DataFrame({"ticker": list(moves), "side": ["sell", "sell", "buy", "buy"],
                           "shares": [int(np.floor(abs(d) * 1e6 / last[t])) for t, d in moves.items()],
                           "price": [last[t] for t in moves]})
    want = execution.order_basket(PRICES, trades, "vwap", daily_volume=5_000_000)
    value = got.table["Value"]
    assert value["orders"] == 4
    assert value["notional"] == pytest.approx((trades["shares"] * trades["price"]).sum(), rel=1e-12)
    assert value["notional"] == pytest.approx(1.6e6, rel=1e-3)  # 160% of the capital changes hands
    assert value["expected_cost"] == pytest.approx(want.expected_cost, rel=1e-12)
    assert value["cost_bps"] == pytest.approx(want.expected_cost / value["notional"] * 1e4, rel=1e-12)
    assert 0.5 < value["cost_bps"] < 20  # a few bps for orders of about 0.1% of the daily volume
    assert "VWAP" in got.notes[0] and "Core held with 1,000,000" in got.notes[0]


def test_square_root_law_check_by_hand():
    """One order of 50,000 AAPL against 5,000,000 shares a day: cost = notional x sigma_daily x sqrt(Q / V),
    Y = 1 (Toth et al. 2011, Phys. Rev. X 1, 021006; Field notes: impact ~ Y sigma_daily sqrt(Q / V)).
    sigma_daily is the standard deviation of the last 252 daily returns (numpy by hand)."""
    from finance_core.compare_portfolios import transition_cost

    last = PRICES.iloc[-1]
    holdings = pd.Series({"AAPL": 50_000.0})
    # From 50,000 AAPL to all cash in KO: sell the 50,000 AAPL, buy floor(value / KO's close) KO.
    got = transition_cost({"All KO": {"KO": 1.0}}, PRICES, holdings_shares=holdings).table["All KO"]
    value = 50_000 * last["AAPL"]
    ko = np.floor(value / last["KO"])
    sd = {t: PRICES[t].pct_change().dropna().iloc[-252:].std(ddof=1) for t in ("AAPL", "KO")}
    by_hand = value * sd["AAPL"] * np.sqrt(50_000 / 5e6) + ko * last["KO"] * sd["KO"] * np.sqrt(ko / 5e6)
    assert got["orders"] == 2
    assert got["square_root_cost"] == pytest.approx(by_hand, rel=1e-9)
    # AAPL's 1-year daily volatility is about 2.2% and Q/V = 1%: about 22 bps on the AAPL leg alone.
    assert by_hand / (value + ko * last["KO"]) * 1e4 > 10


def test_transition_cost_refuses_a_portfolio_with_nothing_in_the_prices():
    from finance_core.compare_portfolios import transition_cost

    with pytest.raises(DataError, match="None of the holdings of portfolio 'Gold'"):
        transition_cost({"Core": CORE, "Gold": {"GLD": 1.0}}, PRICES)
