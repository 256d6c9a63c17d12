"""Unit tests of finance_core.tax.rebalance: tax-aware rebalancing and the trade-off curve."""

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

from finance_core import tax
from finance_core.errors import DataError


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
