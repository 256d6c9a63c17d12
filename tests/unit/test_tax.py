"""Unit tests of finance_core.tax: lot relief, errors, rates, harvesting, rebalancing, returns, location."""

import empyrical
import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

from finance_core import tax
from finance_core.data import load_dataset, to_returns
from finance_core.errors import DataError, InfeasibleError

COLS = ["date", "account", "ticker", "side", "shares", "price"]

# Three buys then one sale of 150 shares at $20 (all gains, far from any wash window).
# Lots: 100 @ $10 (2020-01-02), 100 @ $15 (2020-03-02), 100 @ $12 (2020-06-01).
LADDER = pd.DataFrame(
    [
        ("2020-01-02", "b", "X", "buy", 100, 10.0),
        ("2020-03-02", "b", "X", "buy", 100, 15.0),
        ("2020-06-01", "b", "X", "buy", 100, 12.0),
        ("2020-12-01", "b", "X", "sell", 150, 20.0),
    ],
    columns=COLS,
)


# --------------------------------------------------------------------------- lot relief (hand-checked)
@pytest.mark.parametrize(
    ("method", "basis"),
    [
        ("fifo", 100 * 10 + 50 * 15),  # hand: first 100 @ 10, then 50 of the 2nd lot @ 15 = 1,750
        ("lifo", 100 * 12 + 50 * 15),  # hand: last 100 @ 12, then 50 @ 15 = 1,950
        ("hifo", 100 * 15 + 50 * 12),  # hand: highest cost first: 100 @ 15, 50 @ 12 = 2,100
    ],
)
def test_relief_methods_hand_checked(method, basis):
    r = tax.process_trades(LADDER, method)
    assert r.realized["cost_basis"].sum() == pytest.approx(basis)
    assert r.realized["proceeds"].sum() == pytest.approx(150 * 20.0)
    assert r.open_lots["shares"].sum() == pytest.approx(150)
    assert r.realized["wash_disallowed"].sum() == 0


def test_specific_identification_hand_checked():
    t = LADDER.assign(lot_id=["a", "b", "c", "c;a"])
    r = tax.process_trades(t, "specific")
    # hand: all 100 of lot c @ 12 then 50 of lot a @ 10 = 1,700
    assert list(r.realized["lot_id"]) == ["c", "a"]
    assert r.realized["cost_basis"].sum() == pytest.approx(1700.0)
    assert set(r.open_lots["lot_id"]) == {"a", "b"}


def test_average_cost_hand_checked():
    r = tax.process_trades(LADDER, "average")
    # hand: average basis (1,000 + 1,500 + 1,200) / 300 = 12.333 a share; 150 shares = 1,850
    assert r.realized["cost_basis"].sum() == pytest.approx(1850.0)
    assert r.open_lots["adjusted_basis"].sum() == pytest.approx(1850.0)
    # Average basis is for fund and DRIP shares only (Treas. Reg. 1.1012-1(e)): the result says so.
    assert any("1.1012-1(e)" in n for n in r.notes)
    assert tax.process_trades(LADDER, "fifo").notes == ()


def test_min_tax_sells_losses_then_long_term_first():
    t = pd.DataFrame(
        [
            ("2019-01-02", "b", "X", "buy", 10, 10.0),  # long-term gain of 10/share at 2020-06-01
            ("2020-04-01", "b", "X", "buy", 10, 30.0),  # loss of 10/share
            ("2020-05-01", "b", "X", "buy", 10, 15.0),  # short-term gain of 5/share
            ("2020-06-01", "b", "X", "sell", 20, 20.0),
        ],
        columns=COLS,
    )
    rates = tax.TaxRates(short_term=0.37, long_term=0.15)
    r = tax.process_trades(t, "min_tax", rates=rates)
    # hand: tax per share: loss lot -10*0.37 = -3.7; long lot 10*0.15 = 1.5; short lot 5*0.37 = 1.85
    assert list(r.realized["cost_basis"] / r.realized["shares"]) == pytest.approx([30.0, 10.0])


def test_replacement_within_30_days_before_sale_and_substantially_identical_map():
    t = pd.DataFrame(
        [
            ("2021-01-04", "b", "SPY", "buy", 10, 100.0),
            ("2021-03-01", "b", "IVV", "buy", 10, 85.0),  # 16 days before the loss sale
            ("2021-03-17", "b", "SPY", "sell", 10, 80.0),
        ],
        columns=COLS,
    )
    plain = tax.process_trades(t)
    assert plain.realized["wash_disallowed"].iloc[0] == 0  # different tickers, no map: no wash sale
    mapped = tax.process_trades(t, substantially_identical={"SPY": "SP500", "IVV": "SP500"})
    assert mapped.realized["wash_disallowed"].iloc[0] == pytest.approx(200.0)  # hand: 10 x (100 - 80)
    ivv = mapped.open_lots.set_index("ticker").loc["IVV"]
    assert ivv["adjusted_basis"] == pytest.approx(850.0 + 200.0)
    w = mapped.wash_sales.iloc[0]
    assert w["window_start"] == pd.Timestamp("2021-02-15") and w["window_end"] == pd.Timestamp("2021-04-16")


def test_purchase_31_days_later_is_not_a_wash_sale():
    t = pd.DataFrame(
        [
            ("2021-01-04", "b", "X", "buy", 10, 100.0),
            ("2021-03-01", "b", "X", "sell", 10, 80.0),
            ("2021-04-01", "b", "X", "buy", 10, 85.0),  # 31 days after the sale
        ],
        columns=COLS,
    )
    r = tax.process_trades(t)
    assert r.realized["wash_disallowed"].iloc[0] == 0
    assert len(r.loss_windows) == 1 and r.loss_windows["matched_shares"].iloc[0] == 0


def test_opening_lots_are_relieved_first():
    lots = pd.DataFrame(
        {"account": ["b"], "ticker": ["X"], "acquired": ["2018-01-02"], "shares": [5.0], "cost_basis": [40.0]}
    )
    t = pd.DataFrame([("2020-06-01", "b", "X", "sell", 5, 10.0)], columns=COLS)
    r = tax.process_trades(t, lots=lots)
    assert r.realized["gain"].iloc[0] == pytest.approx(10.0) and r.realized["term"].iloc[0] == "long"


def test_matches_plain_loop_on_random_history():
    # An independent per-trade implementation (benchmarks/bench_tax.py) that scans every purchase of the
    # ticker for each loss sale must find the same disallowed losses and basis.
    from benchmarks.bench_tax import make_history, plain_loop_replay

    trades, lots = make_history(n_trades=1500, n_lots=300, n_tickers=12, seed=3)
    fast = tax.process_trades(trades, lots=lots, today="2030-01-01")
    slow = plain_loop_replay(trades, lots)
    assert fast.realized["wash_disallowed"].sum() == pytest.approx(slow["wash_disallowed"], rel=1e-9)
    assert fast.realized["gain"].sum() == pytest.approx(slow["gain"], rel=1e-9)
    assert fast.open_lots["adjusted_basis"].sum() == pytest.approx(slow["open_basis"], rel=1e-9)


def test_sample_data_has_the_advertised_cases():
    trades, lots = tax.sample_trades(), tax.sample_lots()
    r = tax.process_trades(trades, lots=lots)
    washed = r.realized[r.realized["code"] == "W"]
    assert set(washed["ticker"]) == {"AMD", "PFE", "BAC"}
    pfe = washed.set_index("ticker").loc["PFE"]
    assert 0 < pfe["wash_disallowed"] < -pfe["gain"]  # partial wash sale
    assert r.realized.set_index("ticker").loc["BAC", "wash_permanent"] > 0  # IRA replacement
    prices = load_dataset("sp500").prices
    for _, row in trades.iterrows():  # priced from the bundled closes
        assert row["price"] == pytest.approx(prices.loc[row["date"], row["ticker"]], abs=0.006)


# --------------------------------------------------------------------------- bad input
def _err(trades, **kw):
    with pytest.raises(DataError) as info:
        tax.process_trades(trades, **kw)
    return str(info.value)


def test_selling_more_than_held_names_the_trade():
    t = pd.DataFrame(
        [("2021-01-04", "b", "X", "buy", 10, 10.0), ("2021-02-01", "b", "X", "sell", 12, 11.0)], columns=COLS
    )
    msg = _err(t)
    assert "row 2" in msg and "2021-02-01" in msg and "X" in msg and "only 10 shares" in msg


def test_sell_before_buy_names_the_rows():
    t = pd.DataFrame(
        [("2021-02-01", "b", "X", "sell", 5, 11.0), ("2021-03-01", "b", "X", "buy", 5, 10.0)], columns=COLS
    )
    msg = _err(t)
    assert "row 1" in msg and "before the first purchase" in msg and "row 2" in msg


def test_future_date_negative_shares_unknown_account_bad_side():
    future = pd.DataFrame([("2099-01-04", "b", "X", "buy", 10, 10.0)], columns=COLS)
    assert "in the future" in _err(future) and "row 1" in _err(future)
    neg = pd.DataFrame([("2021-01-04", "b", "X", "buy", -10, 10.0)], columns=COLS)
    assert "shares" in _err(neg) and "greater than zero" in _err(neg)
    acct = pd.DataFrame(
        [("2021-01-04", "b", "X", "buy", 10, 10.0), ("2021-01-05", "zz", "X", "buy", 1, 10.0)], columns=COLS
    )
    msg = _err(acct, accounts={"b": "taxable"})
    assert "row 2" in msg and "'zz'" in msg and "unknown" in msg
    side = pd.DataFrame([("2021-01-04", "b", "X", "hold", 10, 10.0)], columns=COLS)
    assert "not buy or sell" in _err(side)
    assert "Unknown lot method" in _err(LADDER, method="fofi")


def test_specific_needs_known_open_lot():
    t = LADDER.assign(lot_id=["a", "b", "c", "zz"])
    assert "lot 'zz'" in _err(t, method="specific")
    assert "lot_id column" in _err(LADDER, method="specific")


def test_read_trades_csv_rows_flow_into_messages():
    from finance_core.data import read_trades_csv

    csv = "date,account,ticker,side,shares,price\n2021-01-04,b,X,buy,10,10\n2021-02-01,b,X,sell,11,12\n"
    msg = _err(read_trades_csv(csv.encode()))
    assert "row 3" in msg  # spreadsheet numbering: header is row 1


# --------------------------------------------------------------------------- rates
def test_tax_rates_2026_brackets():
    # IRS Rev. Proc. 2025-32 (2026): 0 % long-term rate up to $49,450 (single) / $98,900 (joint);
    # 37 % ordinary above $640,600 (single); 22 % from $50,401 to $105,700 (single).
    assert tax.TaxRates.from_income("single", 49_450).long_term == 0.0
    assert tax.TaxRates.from_income("single", 49_451).long_term == 0.15
    assert tax.TaxRates.from_income("mfj", 98_900).long_term == 0.0
    assert tax.TaxRates.from_income("single", 80_000).short_term == 0.22
    assert tax.TaxRates.from_income("single", 700_000).short_term == 0.37
    assert tax.TaxRates.from_income("single", 700_000).long_term == 0.20
    # IRC section 1411: NIIT 3.8 % above $200,000 single, $250,000 joint.
    assert tax.TaxRates.from_income("single", 200_001).niit == 0.038
    assert tax.TaxRates.from_income("married_joint", 240_000).niit == 0.0
    r = tax.TaxRates.from_income("single", 300_000)
    assert r.long_term_total == pytest.approx(0.188) and r.short_term_total == pytest.approx(0.35 + 0.038)


def test_tax_rates_netting_and_errors():
    r = tax.TaxRates(short_term=0.3, long_term=0.1)
    # Schedule D netting: a 1,000 short-term loss offsets a 3,000 long-term gain -> 2,000 long-term taxed.
    assert r.tax(-1000, 3000) == pytest.approx(200.0)
    assert r.tax(3000, -1000) == pytest.approx(600.0)
    with pytest.raises(DataError, match="filing status"):
        tax.TaxRates.from_income("married", 1)
    with pytest.raises(DataError, match="0.24"):
        tax.TaxRates(short_term=24)


# --------------------------------------------------------------------------- harvesting
@pytest.fixture(scope="module")
def sample():
    ds = load_dataset("sp500")
    trades = tax.sample_trades()
    result = tax.process_trades(trades, lots=tax.sample_lots())
    return ds, trades, result


def test_harvest_candidates_on_sample(sample):
    ds, trades, result = sample
    rets = to_returns(ds.prices)
    c = tax.harvest_candidates(
        result.open_lots,
        ds.prices,
        "2022-12-28",
        trades=trades,
        universe_returns=rets,
        sectors=ds.sectors,
        rates=tax.TaxRates(short_term=0.32, long_term=0.15),
    )
    assert (c["unrealized_gain"] < 0).all() and (c["loss_pct"] >= 0.05).all()
    rate = np.where(c["term"] == "long", 0.15, 0.32)
    assert np.allclose(c["tax_saved"], -c["unrealized_gain"] * rate)
    amd = c[(c["ticker"] == "AMD") & (c["acquired"] == pd.Timestamp("2022-02-10"))].iloc[0]
    assert amd["blocked"] and "2022-12-12" in amd["blocked_reason"]  # bought again 16 days before
    assert amd["term"] == "long"  # holding period tacked from the washed lot (2021-11-29)
    # replacement: same sector, highest correlation; oracle = pandas' own corr/std over the same window
    window = rets.loc[:"2022-12-28"].iloc[-252:]
    it = ds.sectors[ds.sectors == ds.sectors["AMD"]].index.drop("AMD")
    best = window[it].corrwith(window["AMD"]).idxmax()
    assert amd["replacement"] == best
    assert amd["replacement_correlation"] == pytest.approx(window["AMD"].corr(window[best]))
    te = (window["AMD"] - window[best]).std() * np.sqrt(252)
    assert amd["tracking_error"] == pytest.approx(te)
    assert (c["buy_back_date"] == pd.Timestamp("2023-01-28")).all()


def test_pending_buy_blocks_and_harvest_trades(sample):
    ds, trades, result = sample
    pending = pd.concat(
        [
            trades,
            pd.DataFrame([{"date": "2023-01-10", "account": "brokerage", "ticker": "HD", "side": "buy"}]),
        ]
    )
    c = tax.harvest_candidates(result.open_lots, ds.prices, "2022-12-28", trades=pending)
    hd = c.set_index("ticker").loc["HD"]
    assert hd["blocked"] and "pending buy of HD on 2023-01-10" in hd["blocked_reason"]
    c2 = tax.harvest_candidates(
        result.open_lots, ds.prices, "2022-12-28", trades=trades, universe_returns=to_returns(ds.prices)
    )
    chosen = c2[~c2["blocked"]]
    plan = tax.harvest_trades(chosen, ds.prices, "2022-12-28")
    sells = plan.trades[plan.trades["side"] == "sell"]
    assert sells["shares"].sum() == pytest.approx(chosen["shares"].sum())
    assert plan.tax_saved == pytest.approx(chosen["tax_saved"].sum())
    assert (plan.buy_back == pd.Timestamp("2023-01-28")).all()  # 31 days after the sale
    with pytest.raises(DataError, match="wash sale"):
        tax.harvest_trades(c2[c2["blocked"]], ds.prices, "2022-12-28")


def test_harvest_threshold_errors(sample):
    ds, _trades, result = sample
    with pytest.raises(DataError, match="0.05"):
        tax.harvest_candidates(result.open_lots, ds.prices, "2022-12-28", min_loss_pct=5)


def test_lots_at_prices_split_short_long():
    lots = pd.DataFrame(
        {
            "account": ["b", "b"],
            "ticker": ["X", "X"],
            "acquired": ["2020-01-02", "2020-11-02"],
            "shares": [10.0, 10.0],
            "cost_basis": [100.0, 300.0],
        }
    )
    v = tax.lots_at_prices(lots, pd.Series({"X": 20.0}), as_of="2021-01-04")
    assert list(v["term"]) == ["long", "short"]
    assert v["long_term_gain"].sum() == pytest.approx(100.0) and v["short_term_gain"].sum() == pytest.approx(
        -100.0
    )


# --------------------------------------------------------------------------- rebalancing
def _rebalance_case():
    lots = pd.DataFrame(
        {
            "lot_id": ["a1", "a2", "b1", "c1"],
            "account": ["t", "t", "t", "t"],
            "ticker": ["A", "A", "B", "C"],
            "acquired": ["2018-01-02", "2022-06-01", "2018-01-02", "2018-01-02"],
            "shares": [50.0, 30.0, 20.0, 10.0],
            "cost_basis": [1000.0, 3600.0, 1500.0, 1000.0],
        }
    )
    prices = pd.Series({"A": 100.0, "B": 100.0, "C": 100.0})
    target = pd.Series({"A": 0.4, "B": 0.3, "C": 0.3})
    return lots, prices, target


def test_rebalance_reaches_target_without_tax_weight():
    lots, prices, target = _rebalance_case()
    r = tax.tax_aware_rebalance(lots, prices, target, tax_weight=0.0, as_of="2022-12-01")
    assert r.tracking_error == pytest.approx(0.0, abs=1e-5)
    assert r.weights["after"].to_numpy() == pytest.approx(target.to_numpy(), abs=1e-5)
    assert r.solver in ("CLARABEL", "OSQP", "SCS")


def test_rebalance_prefers_loss_lot_and_matches_scipy():
    lots, prices, target = _rebalance_case()
    rates = tax.TaxRates(short_term=0.35, long_term=0.15)
    r = tax.tax_aware_rebalance(lots, prices, target, tax_weight=2.0, rates=rates, as_of="2022-12-01")
    sold = r.trades[r.trades["side"] == "sell"].set_index("lot_id")["shares"]
    assert sold.get("a2", 0) == pytest.approx(30.0, abs=1e-4)  # the loss lot goes first
    # independent check: scipy's SLSQP on the same objective (x = fractions of lots a1, a2; b = buys of B, C)
    v0, total = np.array([8000.0, 2000.0, 1000.0]), 11000.0
    tax_lot = np.array([4000.0 * 0.15, -600.0 * 0.35])  # a1 long-term gain, a2 short-term loss

    def obj(z):  # buys in thousands of dollars to keep SLSQP well scaled
        x, b = z[:2], z[2:] * 1000
        w = (v0 - np.array([5000 * x[0] + 3000 * x[1], 0, 0]) + np.array([0, b[0], b[1]])) / total
        return np.sum((w - target.to_numpy()) ** 2) + 2.0 * (tax_lot @ x) / total

    cons = [{"type": "eq", "fun": lambda z: z[2] + z[3] - 5 * z[0] - 3 * z[1]}]
    best = minimize(
        obj, [0.5, 0.5, 2.0, 2.0], bounds=[(0, 1), (0, 1), (0, None), (0, None)], constraints=cons, tol=1e-12
    )
    ours = r.tracking_error**2 + 2.0 * r.tax / total
    assert ours == pytest.approx(best.fun, abs=1e-6)


def test_tradeoff_curve_is_monotone_and_errors():
    lots, prices, target = _rebalance_case()
    lots = lots[lots["lot_id"] != "a2"]
    target = pd.Series({"A": 0.3, "B": 0.35, "C": 0.35})
    curve = tax.tax_tradeoff_curve(
        lots, prices, target, tax_weights=[0, 0.01, 0.1, 1, 10], as_of="2022-12-01"
    )
    assert (np.diff(curve["tax"]) <= 1e-6).all() and (np.diff(curve["tracking_error"]) >= -1e-7).all()
    assert curve["tax"].iloc[-1] < curve["tax"].iloc[0]
    with pytest.raises(DataError, match="sum to 1"):
        tax.tax_aware_rebalance(lots, prices, target * 2, as_of="2022-12-01")


def _lots(rows):
    """Open lots from (lot_id, account, account_type, ticker, acquired, shares, cost_basis) rows."""
    cols = ["lot_id", "account", "account_type", "ticker", "acquired", "shares", "cost_basis"]
    return pd.DataFrame(rows, columns=cols)


def test_rebalance_taxes_only_taxable_gains_after_netting_and_shelters_the_ira():
    # Hand-worked. As of 2022-12-01, A trades at $100 and B at $100; the target is all B, so with
    # tax_weight 0 (tracking only) every A lot is sold.
    #   t1 taxable, 10 A bought 2018 for $500:   long-term gain  10 x 100 - 500   = +$500
    #   t2 taxable, 10 A bought 2022-10 for $1,200: short-term loss 10 x 100 - 1,200 = -$200
    #   i1 IRA,     10 A bought 2018 for $400:   gain +$600, sheltered (no tax, not taxable gain)
    # Rates 35 % short, 15 % long, no NIIT. Schedule D: the $200 short-term loss offsets the long-term
    # gain, net long-term $300 taxed at 15 % = $45 (lot by lot it would be 75 - 70 = $5).
    # Cash stays in its account: the taxable account's $2,000 buys 20 B there, the IRA's $1,000 buys 10 B
    # in the IRA; both end with $0 cash.
    lots = _lots([
        ("t1", "brk", "taxable", "A", "2018-01-02", 10.0, 500.0),
        ("t2", "brk", "taxable", "A", "2022-10-03", 10.0, 1200.0),
        ("i1", "ira", "ira", "A", "2018-01-02", 10.0, 400.0),
    ])
    prices = pd.Series({"A": 100.0, "B": 100.0})
    rates = tax.TaxRates(short_term=0.35, long_term=0.15, niit=0.0)
    r = tax.tax_aware_rebalance(lots, prices, pd.Series({"B": 1.0}), tax_weight=0.0, rates=rates,
                                as_of="2022-12-01")
    assert r.short_term_gain == pytest.approx(-200.0) and r.long_term_gain == pytest.approx(500.0)
    assert r.realized_gain == pytest.approx(300.0)  # taxable accounts only: the IRA's $600 is not in it
    assert r.sheltered_gain == pytest.approx(600.0)
    assert r.tax == pytest.approx(45.0) and r.tax_before_netting == pytest.approx(5.0)
    assert any("net to a long-term gain of $300" in n and "tax $45" in n for n in r.notes)
    ira_sells = r.trades[(r.trades["account"] == "ira") & (r.trades["side"] == "sell")]
    assert ira_sells["tax"].sum() == 0 and ira_sells["gain"].sum() == pytest.approx(600.0)
    buys = r.trades[r.trades["side"] == "buy"].groupby("account")["shares"].sum()
    assert buys.to_dict() == {"brk": 20.0, "ira": 10.0}
    acct = r.accounts.set_index("account")
    assert acct["cash_after"].to_dict() == pytest.approx({"brk": 0.0, "ira": 0.0}, abs=1e-6)
    assert acct.loc["ira", "realized_gain"] == pytest.approx(600.0) and acct.loc["ira", "long_term_gain"] == 0


def test_rebalance_cash_stays_in_its_account_and_an_ira_sell_funds_an_ira_buy():
    # brk (taxable) holds 30 B at $100 = its target 60 % of $5,000; the IRA holds 20 A at $100 = 40 %
    # against a target of 20 %, and C (target 20 %) is held nowhere. Tracking the target means selling
    # 10 A in the IRA; the only money for C is that IRA cash, so the $1,000 buys 10 C in the IRA.
    lots = _lots([
        ("b1", "brk", "taxable", "B", "2018-01-02", 30.0, 3000.0),
        ("a1", "ira", "ira", "A", "2018-01-02", 20.0, 1000.0),
    ])
    prices = pd.Series({"A": 100.0, "B": 100.0, "C": 100.0})
    target = pd.Series({"A": 0.2, "B": 0.6, "C": 0.2})
    r = tax.tax_aware_rebalance(lots, prices, target, tax_weight=0.0, as_of="2022-12-01")
    t = r.trades
    assert t["account"].notna().all() and set(t["account"]) <= {"brk", "ira"}  # every buy has an account
    assert t[t["side"] == "sell"][["account", "ticker", "shares"]].values.tolist() == [["ira", "A", 10.0]]
    assert t[t["side"] == "buy"][["account", "ticker", "shares"]].values.tolist() == [["ira", "C", 10.0]]
    assert r.tax == 0 and r.realized_gain == 0 and r.sheltered_gain == pytest.approx(500.0)  # 10 x (100 - 50)
    # Starting cash of the taxable account can only be spent there, never by the IRA.
    r = tax.tax_aware_rebalance(lots, prices, pd.Series({"A": 0.4, "B": 0.3, "C": 0.3}), tax_weight=0.0,
                                as_of="2022-12-01", cash={"brk": 1000.0, "ira": 0.0})
    buys = r.trades[r.trades["side"] == "buy"]
    # hand: total $6,000; target C $1,800, B $1,800 (hold $3,000: sell 12 B in brk), A $2,400 (hold $2,000:
    # buy 4 A). brk has $1,000 + $1,200 = $2,200 to spend; the IRA sells nothing, so it buys nothing.
    assert set(buys["account"]) == {"brk"}
    assert buys.groupby("ticker")["shares"].sum().to_dict() == {"A": 4.0, "C": 18.0}
    for a, row in r.accounts.set_index("account").iterrows():
        sold = r.trades[(r.trades["account"] == a) & (r.trades["side"] == "sell")]["value"].sum()
        t_val = r.trades[(r.trades["account"] == a) & (r.trades["side"] == "buy")]["value"].sum()
        assert row["cash_after"] == pytest.approx(row["cash_before"] + sold - t_val) and row["cash_after"] >= -1e-9


def test_rebalance_trades_whole_shares_and_reports_the_tax_of_the_rounded_trades():
    # Awkward prices, two accounts and a tax weight that stops short of the target: the continuous
    # optimum sells and buys fractions of shares. The trade list must be whole shares, no account may
    # spend more than its sells, and the tax, weights and tracking error must be those of these trades.
    lots = _lots([
        ("a1", "brk", "taxable", "A", "2018-01-02", 57.0, 1200.0),
        ("a2", "brk", "taxable", "A", "2022-09-01", 23.0, 1500.0),
        ("b1", "ira", "ira", "B", "2018-01-02", 41.0, 2000.0),
        ("c1", "roth", "roth", "C", "2018-01-02", 13.0, 900.0),
    ])
    prices = pd.Series({"A": 61.37, "B": 97.11, "C": 143.9, "D": 27.43, "E": 212.6})
    target = pd.Series({"A": 0.2, "B": 0.2, "C": 0.1, "D": 0.25, "E": 0.25})
    rates = tax.TaxRates(short_term=0.32, long_term=0.15, niit=0.038)
    cont = tax.tax_aware_rebalance(lots, prices, target, tax_weight=0.3, rates=rates, as_of="2022-12-01",
                                   whole_shares=False)
    assert (cont.trades["shares"] % 1 > 1e-6).any()  # the problem's optimum is fractional
    assert any("Fractional shares assumed" in n for n in cont.notes)
    r = tax.tax_aware_rebalance(lots, prices, target, tax_weight=0.3, rates=rates, as_of="2022-12-01")
    t = r.trades
    assert len(t) and (t["shares"] == t["shares"].round()).all() and (t["shares"] > 0).all()
    # Independent recomputation from the lots: gain = shares x (price - basis per share)
    lot = lots.set_index("lot_id")
    sells = t[t["side"] == "sell"]
    basis = sells["lot_id"].map(lot["cost_basis"] / lot["shares"])
    gain = sells["shares"] * (sells["ticker"].map(prices) - basis)
    taxable = sells["account"] == "brk"
    short = sells["lot_id"] == "a2"  # the only lot held under a year on 2022-12-01
    st, lt = gain[taxable & short].sum(), gain[taxable & ~short].sum()
    assert r.short_term_gain == pytest.approx(st) and r.long_term_gain == pytest.approx(lt)
    assert r.sheltered_gain == pytest.approx(gain[~taxable].sum())
    net_st, net_lt = (st + lt, 0.0) if lt < 0 < st else (0.0, st + lt) if st < 0 < lt else (st, lt)
    assert r.tax == pytest.approx(net_st * 0.358 + net_lt * 0.188)
    value = t["shares"] * t["ticker"].map(prices)
    assert t["value"].to_numpy() == pytest.approx(value.to_numpy())
    flow = value.where(t["side"] == "sell", -value).groupby(t["account"]).sum()
    assert (flow >= -1e-9).all()  # no account spends more than its own sells bring in
    held = (lots["shares"] * lots["ticker"].map(prices)).groupby(lots["ticker"]).sum()
    after = held.reindex(target.index, fill_value=0.0) + value.where(t["side"] == "buy", -value).groupby(
        t["ticker"]).sum().reindex(target.index, fill_value=0.0)
    total = held.sum()
    assert r.weights["after"].reindex(target.index).to_numpy() == pytest.approx((after / total).to_numpy())
    assert r.tracking_error == pytest.approx(np.linalg.norm(after / total - target))


def test_rebalance_warns_of_a_wash_sale_when_recent_shares_stay():
    # a1: 10 A bought 2018 for $1,500, worth $1,000 on 2022-12-01: a $500 loss. a2: 5 A bought 2022-11-20,
    # 11 days earlier. Selling a1 at a loss while a2 is still held is a wash sale (Publication 550: shares
    # bought within 30 days before the sale), so the saving is not safe; the first safe day for the sale is
    # 2022-11-20 + 31 days = 2022-12-21. Selling both (target all B) leaves no replacement held.
    lots = _lots([
        ("a1", "brk", "taxable", "A", "2018-01-02", 10.0, 1500.0),
        ("a2", "brk", "taxable", "A", "2022-11-20", 5.0, 500.0),
    ])
    prices = pd.Series({"A": 100.0, "B": 100.0})
    r = tax.tax_aware_rebalance(lots, prices, pd.Series({"A": 1 / 3, "B": 2 / 3}), tax_weight=1.0,
                                as_of="2022-12-01")
    assert r.trades.loc[r.trades["side"] == "sell", "lot_id"].tolist() == ["a1"]
    wash = [n for n in r.notes if n.startswith("Possible wash sale")]
    assert len(wash) == 1 and "bought on 2022-11-20" in wash[0] and "wait until 2022-12-21" in wash[0]
    r = tax.tax_aware_rebalance(lots, prices, pd.Series({"B": 1.0}), tax_weight=0.0, as_of="2022-12-01")
    assert not [n for n in r.notes if n.startswith("Possible wash sale")]


def test_rebalance_refuses_bad_cash_and_unpriced_targets():
    lots, prices, target = _rebalance_case()
    with pytest.raises(DataError, match="Starting cash of account 't' is -5"):
        tax.tax_aware_rebalance(lots, prices, target, as_of="2022-12-01", cash={"t": -5.0})
    with pytest.raises(DataError, match="No price for D"):
        tax.tax_aware_rebalance(lots, prices, pd.Series({"A": 0.4, "D": 0.6}), as_of="2022-12-01")


# --------------------------------------------------------------------------- after-tax returns
def _constant_yearly(r=0.10, years=(2015, 2016, 2017, 2018)):
    parts = []
    for y in years:
        idx = pd.bdate_range(f"{y}-01-01", f"{y}-12-31")
        parts.append(pd.Series((1 + r) ** (1 / len(idx)) - 1, index=idx))
    return pd.concat(parts)


def test_after_tax_return_matches_r_times_one_minus_tau():
    rets = _constant_yearly(0.10)
    out = tax.after_tax_return(rets, rates=tax.TaxRates(short_term=0.3, long_term=0.2), term="long")
    # Jeffrey and Arnott (1993): gains realised yearly at tau -> after-tax growth r (1 - tau) = 8 % a year
    assert out.wealth["after_tax"].iloc[-1] == pytest.approx(1.08**4)
    assert out.wealth["pre_tax"].iloc[-1] == pytest.approx(1.10**4)
    # pre-tax annualised return against empyrical's CAGR (252 periods a year)
    assert out.pre_tax_return == pytest.approx(empyrical.cagr(rets.to_numpy(), annualization=252))
    assert out.tax_drag > 0
    zero = tax.after_tax_return(rets, rates=tax.TaxRates(short_term=0.0, long_term=0.0))
    assert zero.tax_drag == pytest.approx(0.0)


def test_after_tax_return_from_realized_gains():
    rets = _constant_yearly(0.10, years=(2021, 2022))
    realized = pd.DataFrame(
        {
            "sold": pd.to_datetime(["2021-06-01"]),
            "term": ["long"],
            "allowed_gain": [100.0],
            "account_type": "taxable",
        }
    )
    out = tax.after_tax_return(
        rets, rates=tax.TaxRates(long_term=0.2), realized=realized, portfolio_value=1000.0
    )
    # hand: 1,000 grows to 1,100 in 2021; tax 0.2 x 100 = 20 paid at year end -> 1,080, then 10 % in 2022
    assert out.wealth["after_tax"].iloc[-1] == pytest.approx(1.08 * 1.10)
    with pytest.raises(DataError, match="portfolio_value"):
        tax.after_tax_return(rets, realized=realized)


# --------------------------------------------------------------------------- asset location
def test_asset_location_puts_bonds_in_ira_and_beats_grid_search():
    values = pd.Series({"stocks": 60.0, "bonds": 40.0})
    mu = pd.Series({"stocks": 0.08, "bonds": 0.04})
    y = pd.Series({"stocks": 0.015, "bonds": 0.04})
    q = pd.Series({"stocks": True, "bonds": False})
    rates = tax.TaxRates(short_term=0.32, long_term=0.15)
    loc = tax.asset_location(
        values, mu, {"taxable": 60.0, "tax_deferred": 40.0}, yields=y, qualified=q, turnover=0.1, rates=rates
    )
    assert loc.allocation.loc["bonds", "tax_deferred"] == pytest.approx(40.0)
    assert loc.allocation.loc["stocks", "taxable"] == pytest.approx(60.0)
    # brute force over how many bonds sit in the taxable account (independent of the LP)
    drag = y * np.where(q, 0.15, 0.32) + (mu - y) * 0.1 * 0.15
    grid = np.linspace(0, 40, 401)
    gains = [
        (b * (mu - drag)["bonds"] + (60 - b) * (mu - drag)["stocks"]) + (40 - b) * 0.04 + b * 0.08
        for b in grid
    ]
    assert loc.after_tax_gain == pytest.approx(max(gains), rel=1e-9)
    assert loc.improvement >= 0
    with pytest.raises(InfeasibleError, match="add up"):
        tax.asset_location(values, mu, {"taxable": 10.0})


def test_account_type_clash_and_bad_opening_lot():
    t = pd.DataFrame(
        [("2021-01-04", "b", "X", "buy", 10, 10.0), ("2021-01-05", "b", "X", "buy", 1, 10.0)], columns=COLS
    ).assign(account_type=["taxable", "ira"])
    msg = _err(t)
    assert "row 2" in msg and "'b'" in msg and "row 1" in msg
    lots = pd.DataFrame(
        {
            "account": ["b"],
            "ticker": ["X"],
            "acquired": ["2018-01-02"],
            "shares": [-5.0],
            "cost_basis": [40.0],
        }
    )
    assert "Opening lot 1" in _err(LADDER, lots=lots)


def test_wash_sale_tacks_holding_period_into_long_term():
    # Pub. 550 "Holding period": replacement shares include the holding period of the shares sold.
    t = pd.DataFrame(
        [
            ("2020-01-02", "b", "X", "buy", 10, 100.0),
            ("2020-12-01", "b", "X", "sell", 10, 80.0),  # held 334 days, loss washed
            ("2020-12-15", "b", "X", "buy", 10, 82.0),
            ("2021-02-01", "b", "X", "sell", 10, 90.0),  # 48 days + 334 days > 1 year: long term
        ],
        columns=COLS,
    )
    r = tax.process_trades(t)
    last = r.realized.iloc[-1]
    assert last["term"] == "long"
    assert last["cost_basis"] == pytest.approx(820.0 + 200.0)  # hand: cost 820 + disallowed 200
    lw = r.loss_windows.iloc[0]
    assert lw["matched_shares"] == 10 and lw["disallowed"] == pytest.approx(200.0)
