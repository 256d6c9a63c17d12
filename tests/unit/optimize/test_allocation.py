"""Discrete allocation against PyPortfolioOpt's DiscreteAllocation; rebalance trades by hand."""

import warnings

import numpy as np
import pandas as pd
import pytest

from finance_core.data import load_dataset, to_returns
from finance_core.errors import DataError
from finance_core.optimize.allocation import TRADE_COLUMNS, discrete_allocation, rebalance_trades
from finance_core.optimize.hierarchical import hrp

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
    result = rebalance_trades(holdings, pd.Series({"A": 0.25, "B": 0.25, "C": 0.5}), prices, cash=65.0)
    trades = result.trades
    # by hand: value = 1000 + 1000 + 35 + 65 = 2100; targets A 52.5 sh, B 26.25 sh, C 21 sh, D 0.
    # One rounding (greedy, as the whole-share table): floors C 21, A 52, B 26 cost 2090, cash 10;
    # weights of invested A 520/2090 = B < 25%, B (20) unaffordable, so one more A: A 53, cash 0.
    # Trades = whole shares - holdings: A sell 47, B sell 24, C buy 21, D sell 7 (closed).
    assert list(trades.columns) == TRADE_COLUMNS
    got = trades.set_index("ticker")
    assert got.loc["A", "side"] == "sell" and got.loc["A", "shares"] == 47
    assert got.loc["B", "side"] == "sell" and got.loc["B", "shares"] == 24
    assert got.loc["C", "side"] == "buy" and got.loc["C", "shares"] == 21
    assert got.loc["D", "side"] == "sell" and got.loc["D", "shares"] == 7  # closed in full
    assert got.loc["C", "value"] == pytest.approx(1050.0)
    assert got.loc["A", "current_weight"] == pytest.approx(1000 / 2100)
    assert result.cash_after == pytest.approx(65 + 470 + 480 + 35 - 1050)  # = 0
    assert result.portfolio_value == pytest.approx(2100.0)


# ------------------------------------------------------------------ one rounding for table and trades
def _after_trades(holdings, trades):
    signed = trades.set_index("ticker")["shares"].where(trades.set_index("ticker")["side"] == "buy",
                                                        -trades.set_index("ticker")["shares"])
    out = holdings.reindex(holdings.index.union(signed.index)).fillna(0) + signed.reindex(
        holdings.index.union(signed.index)).fillna(0)
    return out[out != 0].astype(int)


@pytest.fixture(scope="module")
def capped():
    """Max Sharpe on the bundled data under a 10% maximum weight: the case of the issue (BBY, LLY, UNH)."""
    from finance_core import estimators, optimize

    ds = load_dataset("sp500")
    rets = to_returns(ds.prices.loc["2013-01-02":"2022-12-28"])  # the desk's default dates
    mu, cov = estimators.expected_returns(rets, "mean"), estimators.covariance(rets, "ledoit_wolf")
    cons = optimize.Constraints(bounds=(0.0, 0.10))
    return optimize.mean_variance(mu, cov, objective="max_sharpe", constraints=cons).weights, ds.prices.iloc[-1]


@pytest.mark.parametrize("method", ["greedy", "integer"])
def test_trade_list_from_cash_is_the_whole_share_table(capped, method):
    weights, prices = capped
    whole = discrete_allocation(weights, prices, 1_000_000, method)
    for target in (weights, whole):  # from the weights (rounded inside) or from the table itself
        result = rebalance_trades(pd.Series(dtype=float), target, prices, capital=1_000_000, method=method)
        trades = result.trades
        assert (trades["side"] == "buy").all()
        assert trades.set_index("ticker")["shares"].sort_index().to_dict() == whole.shares.sort_index().to_dict()
        # cash: capital - sum of buys is the table's leftover, to the cent
        assert result.cash_after == pytest.approx(whole.leftover, abs=1e-6)
        assert 1_000_000 - trades["value"].sum() == pytest.approx(whole.leftover, abs=1e-6)


def test_trade_list_from_holdings_lands_on_the_whole_share_table(capped):
    weights, prices = capped
    held = pd.Series({"AAPL": 1000, "KO": 333, "XOM": 57, "LLY": 12})
    whole = discrete_allocation(weights, prices, 1_000_000)
    result = rebalance_trades(held, whole, prices)
    assert _after_trades(held, result.trades).sort_index().to_dict() == whole.shares.sort_index().to_dict()
    assert result.cash_after == pytest.approx(whole.leftover, abs=1e-6)
    with pytest.raises(DataError, match="computed for \\$1,000,000.00, not \\$2,000.00"):
        rebalance_trades(held, whole, prices, capital=2000)


# ------------------------------------------------------------------ weight bounds hold after rounding
def test_maximum_weight_holds_after_rounding_on_the_bundled_case(capped):
    from pypfopt import DiscreteAllocation

    weights, prices = capped
    # oracle: PyPortfolioOpt's greedy (no bounds) puts LLY and UNH above the 10% cap, as the issue says
    theirs, _ = DiscreteAllocation(weights.to_dict(), prices, total_portfolio_value=1_000_000).greedy_portfolio()
    over = {t for t, x in theirs.items() if x * prices[t] / 1_000_000 > 0.10}
    assert {"LLY", "UNH"} <= over
    for method in ("greedy", "integer"):
        ours = discrete_allocation(weights, prices, 1_000_000, method, bounds=(0.0, 0.10))
        assert ours.weights.max() <= 0.10 + 1e-12
        assert (ours.shares * prices[ours.shares.index]).sum() + ours.leftover == pytest.approx(1_000_000)
        # the names the cap binds stop at the most whole shares within it
        for t in over:
            assert ours.shares[t] == int(100_000 // prices[t])


def test_greedy_cap_by_hand():
    from pypfopt import DiscreteAllocation

    prices, weights = pd.Series({"A": 30.0, "B": 70.0}), pd.Series({"A": 0.5, "B": 0.5})
    # by hand: floors A 16 ($480), B 7 ($490), cash $30; A is the most underweight of invested value
    # (480/970 < 50%) and affordable, so unbounded greedy (PyPortfolioOpt) buys a 17th A: $510 = 51%.
    theirs, left = DiscreteAllocation(weights.to_dict(), prices, total_portfolio_value=1000).greedy_portfolio()
    assert theirs == {"A": 17, "B": 7} and left == pytest.approx(0.0)
    # with a 50% maximum that share would cross the cap: A stays at 16, B (70) is unaffordable, $30 left.
    # The integer program agrees: |500-30a| + |500-70b| + r with 30a <= 500, 70b <= 500 is 20 + 10 + 30 = 60
    # at a = 16, b = 7, and any smaller a or b costs more.
    for method in ("greedy", "integer"):
        ours = discrete_allocation(weights, prices, 1000, method, bounds=(0.0, 0.5))
        assert ours.shares.to_dict() == {"A": 16, "B": 7} and ours.leftover == pytest.approx(30.0)


def test_minimum_weight_by_hand():
    from pypfopt import DiscreteAllocation

    prices, weights = pd.Series({"A": 30.0, "B": 10.0}), pd.Series({"A": 0.2, "B": 0.8})
    # by hand: floors A 6 ($180 = 18%, below a 20% minimum), B 80 ($800), cash $20: A (30) unaffordable,
    # so unbounded greedy (PyPortfolioOpt) stops with A at 18%.
    theirs, _ = DiscreteAllocation(weights.to_dict(), prices, total_portfolio_value=1000).greedy_portfolio()
    assert theirs == {"A": 6, "B": 80}
    # with a 20% minimum: A lifted to 7 ($210), one B sold for the cash: B 79 ($790), leftover 0.
    # integer program: a >= 7; a = 7, b = 79 costs |200-210| + |800-790| + 0 = 20, the least possible.
    for method in ("greedy", "integer"):
        ours = discrete_allocation(weights, prices, 1000, method, bounds=(0.2, 1.0))
        assert ours.shares.to_dict() == {"A": 7, "B": 79} and ours.leftover == pytest.approx(0.0)
        assert ours.weights.min() >= 0.2


def test_a_bound_that_cannot_be_held_is_named_with_the_amount():
    prices, weights = pd.Series({"A": 600.0, "B": 10.0}), pd.Series({"A": 0.5, "B": 0.5})
    ours = discrete_allocation(weights, prices, 1000, bounds=(0.0, 0.55))
    assert "A" not in ours.shares and ours.weights.max() <= 0.55
    assert "One share of A costs $600.00, more than the 55.00% maximum ($550.00): A gets no shares." in ours.notes
    # a 40% minimum for A cannot be held either: one share is 60%, above the 55% maximum
    ours = discrete_allocation(weights, prices, 1000, "integer", bounds=(0.4, 0.55))
    assert ours.weights.max() <= 0.55
    assert any(n.startswith("A is at 0.00% of capital, 40.00% ($400.00) below the 40.00% minimum: the smallest "
                            "holding at or above it (1 share, 60.00%) would cross the 55.00% maximum") for n in ours.notes)
    ours = discrete_allocation(pd.Series({"A": 0.6, "B": 0.4}), pd.Series({"A": 10.0, "B": 10.0}), 1000,
                               bounds=(0.0, 0.5))
    assert "The target puts 60.00% in A, above the 50.00% maximum: its whole shares stop at 50.00% of capital." \
        in ours.notes


def _capped_weights(rng, n, cap):
    """Random long-only weights summing to 1 with none above ``cap`` (water-filling the excess)."""
    w = rng.dirichlet(np.full(n, 0.7))
    for _ in range(100):
        over = w > cap
        if not over.any():
            break
        excess = (w[over] - cap).sum()
        w[over] = cap
        w[~over] += excess * w[~over] / w[~over].sum()
    return w


def _brute_force(w, p, capital, cap):
    """Every whole-share portfolio within the budget and the cap: the least sum |wC - px| + leftover."""
    import itertools

    ranges = [range(int(min(capital, cap * capital) // pi) + 1) for pi in p]
    best = None
    for x in itertools.product(*ranges):
        x = np.array(x)
        spent = float(p @ x)
        if spent > capital + 1e-9:
            continue
        obj = float(np.abs(w * capital - p * x).sum() + capital - spent)
        if best is None or obj < best - 1e-9:
            best = obj
    return best


@pytest.mark.parametrize("seed", range(6))
def test_integer_program_with_a_cap_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    cap = 0.4
    w = _capped_weights(rng, 3, cap)
    p = rng.uniform(20, 200, 3).round(2)
    tickers = ["A", "B", "C"]
    ours = discrete_allocation(pd.Series(w, tickers), pd.Series(p, tickers), 1000, "integer", bounds=(0, cap))
    x = ours.shares.reindex(tickers).fillna(0).to_numpy(float)
    assert float(np.abs(w * 1000 - p * x).sum() + ours.leftover) == pytest.approx(_brute_force(w, p, 1000, cap))


def test_property_no_weight_above_the_cap_after_rounding():
    """Random portfolios, prices, capitals, caps and lots: whole shares never cross the cap."""
    rng = np.random.default_rng(20261202)
    for trial in range(120):
        n = int(rng.integers(2, 16))
        cap = float(rng.uniform(max(1.0 / n, 0.05), 0.6))
        tickers = [f"T{i}" for i in range(n)]
        w = pd.Series(_capped_weights(rng, n, cap), tickers)
        prices = pd.Series(np.exp(rng.uniform(np.log(2), np.log(3000), n)).round(2), tickers)
        capital = float(np.exp(rng.uniform(np.log(5e3), np.log(5e6))))
        lots = pd.Series(rng.choice([1, 1, 10, 100], n), tickers)
        sectors = pd.Series(rng.choice(["S1", "S2", "S3"], n), tickers)
        # a cap on S1 at its target weight plus at most 2 points: often binding after rounding
        s1_cap = float(w[sectors == "S1"].sum() + rng.uniform(0, 0.02))
        for method in ("greedy", "integer") if trial % 4 == 0 else ("greedy",):
            ours = discrete_allocation(w, prices, capital, method, lot_size=lots, bounds=(0.0, cap),
                                       sector_map=sectors, sector_bounds={"S1": (0.0, s1_cap)})
            assert ours.weights.max() <= cap + 1e-9, (trial, method)
            assert ours.weights[sectors[ours.weights.index] == "S1"].sum() <= s1_cap + 1e-9, (trial, method)
            assert ours.leftover >= -1e-6
            value = float((ours.shares * prices[ours.shares.index]).sum())
            assert value + ours.leftover == pytest.approx(capital)
            assert (ours.shares % lots[ours.shares.index] == 0).all()
            trades = rebalance_trades(None, ours, prices).trades
            assert trades.set_index("ticker")["shares"].to_dict() == ours.shares.to_dict()


def test_rebalance_trades_lots_and_minimum():
    prices = pd.Series({"A": 10.0, "B": 20.0})
    trades = rebalance_trades(
        pd.Series(dtype=float),
        pd.Series({"A": 0.5, "B": 0.5}),
        prices,
        capital=10_000,
        lot_size={"A": 100, "B": 1},
        min_trade_value=0.0,
    ).trades
    got = trades.set_index("ticker")
    assert got.loc["A", "shares"] == 500 and got.loc["B", "shares"] == 250
    few = rebalance_trades(
        pd.Series({"A": 495, "B": 250}),
        pd.Series({"A": 0.5, "B": 0.5}),
        prices,
        capital=10_000,
        min_trade_value=100.0,
    ).trades
    assert few.empty  # the 5-share A trade is worth 50 < 100


def test_rebalance_errors():
    prices = pd.Series({"A": 10.0})
    with pytest.raises(DataError, match="No latest price for B"):
        rebalance_trades(pd.Series({"B": 5}), pd.Series({"A": 1.0}), prices)
    with pytest.raises(DataError, match="portfolio value is zero"):
        rebalance_trades(pd.Series(dtype=float), pd.Series({"A": 1.0}), prices)
    with pytest.raises(DataError, match="Lot sizes must be whole numbers"):
        rebalance_trades(pd.Series({"A": 5}), pd.Series({"A": 1.0}), prices, lot_size=0)


# ------------------------------------------------------------------ sector limits hold after rounding
def test_sector_cap_by_hand():
    from pypfopt import DiscreteAllocation

    prices = pd.Series({"A": 30.0, "B": 70.0, "C": 10.0})
    weights = pd.Series({"A": 0.3, "B": 0.3, "C": 0.4})
    sectors = pd.Series({"A": "Tech", "B": "Tech", "C": "Energy"})
    # by hand: floors A 10 ($300), B 4 ($280), C 40 ($400): Tech $580 = 58%, cash $20; B (70) is unaffordable,
    # A and C are above their targets of invested value (30.6%, 40.8%): PyPortfolioOpt's greedy stops there,
    # above a 55% Tech maximum.
    theirs, left = DiscreteAllocation(weights.to_dict(), prices, total_portfolio_value=1000).greedy_portfolio()
    assert theirs == {"A": 10, "B": 4, "C": 40} and left == pytest.approx(20.0)
    # with Tech at most 55%: sell the Tech name most above its target (A at 30.0% vs B at 28.0% for 30% targets)
    # down to $550: A 9; then Tech has no room and C is above its target of invested value: stop, $50 left.
    ours = discrete_allocation(weights, prices, 1000, sector_map=sectors, sector_bounds={"Tech": (0.0, 0.55)})
    assert ours.shares.to_dict() == {"A": 9, "B": 4, "C": 40} and ours.leftover == pytest.approx(50.0)
    # integer program against brute force over every whole-share portfolio with Tech <= $550
    best = min(
        (abs(300 - 30 * a) + abs(300 - 70 * b) + abs(400 - 10 * c) + 1000 - 30 * a - 70 * b - 10 * c, a, b, c)
        for a in range(19) for b in range(8) for c in range(101)
        if 30 * a + 70 * b <= 550 and 30 * a + 70 * b + 10 * c <= 1000
    )
    exact = discrete_allocation(weights, prices, 1000, "integer", sector_map=sectors,
                                sector_bounds={"Tech": (0.0, 0.55)})
    x = exact.shares.reindex(["A", "B", "C"]).fillna(0).to_numpy(float)
    assert _objective(exact.shares, exact.leftover, weights, prices, 1000) == pytest.approx(best[0])
    assert 30 * x[0] + 70 * x[1] <= 550


def test_sector_cap_holds_on_the_bundled_case():
    from finance_core import estimators, optimize

    ds = load_dataset("sp500")
    rets = to_returns(ds.prices.loc["2013-01-02":"2022-12-28"])
    mu, cov = estimators.expected_returns(rets, "mean"), estimators.covariance(rets, "ledoit_wolf")
    limits = {"Health Care": (0.0, 0.15)}
    cons = optimize.Constraints(sector_map=ds.sectors, sector_bounds=limits)
    weights, prices = optimize.mean_variance(mu, cov, objective="max_sharpe", constraints=cons).weights, ds.prices.iloc[-1]
    health = ds.sectors.reindex(weights.index) == "Health Care"
    assert weights[health].sum() == pytest.approx(0.15, abs=1e-8)  # the limit binds
    plain = discrete_allocation(weights, prices, 1_000_000)
    assert plain.weights[health].sum() > 0.15  # rounding without the limit crosses it (15.02%)
    for method in ("greedy", "integer"):
        ours = discrete_allocation(weights, prices, 1_000_000, method, sector_map=ds.sectors, sector_bounds=limits)
        assert ours.weights[health.reindex(ours.weights.index)].sum() <= 0.15 + 1e-12
        trades = rebalance_trades(None, weights, prices, capital=1_000_000, method=method, sector_map=ds.sectors,
                                  sector_bounds=limits).trades
        assert trades.set_index("ticker")["shares"].to_dict() == ours.shares.to_dict()


def test_short_size_is_capped_by_a_negative_minimum():
    from pypfopt import DiscreteAllocation

    prices = pd.Series({"A": 10.0, "B": 25.0, "C": 40.0, "D": 7.5})
    weights = pd.Series({"A": 0.7, "B": 0.5, "C": -0.15, "D": -0.05})
    # oracle for the unbounded case: PyPortfolioOpt shorts 37 C ($1,480 = 14.8% of $10,000)
    theirs, _ = DiscreteAllocation(weights.to_dict(), prices, total_portfolio_value=10_000).greedy_portfolio()
    assert theirs["C"] == -37
    # a -10% minimum: no short above $1,000, i.e. at most 25 C at $40
    ours = discrete_allocation(weights, prices, 10_000, bounds=(-0.10, 1.0))
    assert ours.shares["C"] == -25 and ours.weights.min() >= -0.10 - 1e-12


def test_odd_lots_and_skipped_trades_are_noted():
    prices = pd.Series({"A": 10.0, "B": 20.0})
    # by hand: $10,000 half in A, half in B, 100-share lots: floors A 5 lots (500 sh, $5,000), B 2 lots (200 sh,
    # $4,000); $1,000 left: a B lot costs $2,000, and A (5,000 / 9,000 = 55.6% of invested value) is above its
    # 50%, so greedy stops. 37 B are held: the trade to 200 is 163 shares, an odd lot.
    result = rebalance_trades(pd.Series({"B": 37}), pd.Series({"A": 0.5, "B": 0.5}), prices, capital=10_000,
                              lot_size=100)
    got = result.trades.set_index("ticker")["shares"].to_dict()
    assert got == {"A": 500, "B": 163}
    assert "Odd-lot trades, because the holdings are not whole lots: B 163 shares." in result.notes
    assert result.cash_after == pytest.approx(10_000 - 5_000 - 4_000)
    few = rebalance_trades(pd.Series({"A": 495, "B": 250}), pd.Series({"A": 0.5, "B": 0.5}), prices,
                           capital=10_000, min_trade_value=100.0)
    assert any(n.startswith("Skipped trades below $100.00: A (5 shares, $50.00)") for n in few.notes)
    assert few.cash_after == pytest.approx(10_000 - 4_950 - 5_000)  # A stays at 495 shares


def test_turnover_above_the_cap_after_rounding_is_noted():
    prices = pd.Series({"A": 10.0, "B": 20.0})
    # by hand: 100 A held ($1,000, weight 100%), target half A, half B of $1,000: A 50, B 25, weights 50% / 50%:
    # |50% - 100%| + |50% - 0%| = 100% two-way turnover, 10 points above a 90% maximum.
    trades = rebalance_trades(pd.Series({"A": 100}), pd.Series({"A": 0.5, "B": 0.5}), prices, max_turnover=0.9)
    assert trades.notes == (
        "In whole shares the weights move by 100.00% in all (two-way turnover), 10.00% above the 90.00% maximum: "
        "rounding to whole shares (and lots) moves every position a little.",)
    assert rebalance_trades(pd.Series({"A": 100}), pd.Series({"A": 0.5, "B": 0.5}), prices,
                            max_turnover=1.0).notes == ()


def test_a_capital_other_than_the_books_value_is_said_with_the_money_it_adds():
    # Holdings of 10 A at $100 and 20 B at $50 are worth 10 x 100 + 20 x 50 = $2,000. Rebalancing them to a
    # $5,000 target (the capital box) buys $3,000 more than it sells: the note says so and how to stay within
    # the book; at the book's own value nothing is said.
    prices = pd.Series({"A": 100.0, "B": 50.0})
    held = pd.Series({"A": 10.0, "B": 20.0})
    target = pd.Series({"A": 0.5, "B": 0.5})
    result = rebalance_trades(held, target, prices, capital=5_000)
    note = next(n for n in result.notes if "holdings are worth" in n)
    assert "$2,000.00" in note and "add $3,000.00 of new money" in note and "capital to $2,000.00" in note
    assert not any("holdings are worth" in n for n in rebalance_trades(held, target, prices).notes)
