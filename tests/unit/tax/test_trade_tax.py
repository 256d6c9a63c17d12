"""Unit tests of finance_core.tax.trade_tax: the tax cost of a proposed trade list, hand-checked.

Rates are TaxRates() throughout: 24 % short term, 15 % long term, no NIIT.
"""

import pandas as pd
import pytest

from finance_core import tax
from finance_core.data import load_dataset
from finance_core.errors import DataError

AS_OF = "2024-06-28"
RATES = tax.TaxRates()  # 0.24 short, 0.15 long, 0 NIIT

# Opening lots. At 2024-06-28, lot A (2020) is long term, lot B (2024-03-01) and the ABC lot
# (2023-09-01, less than a year) are short term.
LOTS = pd.DataFrame(
    [
        ("brokerage", "XYZ", "2020-01-02", 100, 1000.0),  # A: $10 a share
        ("brokerage", "XYZ", "2024-03-01", 50, 1500.0),  # B: $30 a share
        ("ira", "XYZ", "2021-01-04", 30, 300.0),  # $10 a share
        ("brokerage", "ABC", "2023-09-01", 40, 4000.0),  # $100 a share
    ],
    columns=["account", "ticker", "acquired", "shares", "cost_basis"],
)
# 10 ABC bought 18 days before the as-of date: replacement shares for an ABC loss sale then.
HISTORY = pd.DataFrame(
    [("2024-06-10", "brokerage", "ABC", "buy", 10, 70.0)],
    columns=["date", "account", "ticker", "side", "shares", "price"],
)
TRADES = [
    {"ticker": "XYZ", "side": "sell", "shares": 120, "price": 20.0},
    {"ticker": "ABC", "side": "sell", "shares": 20, "price": 60.0},
    {"ticker": "DEF", "side": "buy", "shares": 10, "price": 50.0},
]


def _run(trades=TRADES, **kw):
    kw = {"history": HISTORY, "lots": LOTS, "rates": RATES, **kw}
    return tax.trade_list_tax(trades, AS_OF, **kw)


def test_sells_buys_gains_wash_sale_and_tax_hand_checked():
    r = _run()
    xyz, abc, dfe = (r.trades.iloc[i] for i in range(3))
    # XYZ: brokerage holds 150, the IRA 30: all 120 come from brokerage. FIFO: lot A 100 @ $10 -> proceeds
    # 100 x 20 = 2,000, basis 1,000, +1,000 long term; then 20 of lot B @ $30 -> 400 - 600 = -200 short term.
    assert xyz["account"] == "brokerage"
    assert (xyz["proceeds"], xyz["cost_basis"], xyz["gain"]) == pytest.approx((2400.0, 1600.0, 800.0))
    assert (xyz["short_term_gain"], xyz["long_term_gain"]) == pytest.approx((-200.0, 1000.0))
    assert xyz["tax"] == pytest.approx(-200 * 0.24 + 1000 * 0.15)  # = 102
    # ABC: 20 of the $100 lot sold at $60: loss 20 x 40 = 800 (short term). The 10 shares bought on
    # 2024-06-10 (within 30 days before, still held) replace 10 of them: 10 x 40 = 400 disallowed
    # (a partial wash sale, Pub. 550), 400 of loss allowed.
    assert (abc["gain"], abc["disallowed"], abc["short_term_gain"]) == pytest.approx((-800.0, 400.0, -400.0))
    assert abc["tax"] == pytest.approx(-400 * 0.24)  # = -96
    assert "replacement ABC bought 2024-06-10 (brokerage)" in abc["wash"]
    # DEF: held nowhere, so it goes to the only taxable account; a buy realises nothing.
    assert dfe["account"] == "brokerage" and dfe["tax"] == 0 and pd.isna(dfe["proceeds"])
    # Totals: ST -200 - 400 = -600, LT +1,000; netting (Schedule D): the short-term loss offsets the
    # long-term gain, 400 long term left at 15 % = 60, not the trade-by-trade 102 - 96 = 6.
    assert (r.short_term_gain, r.long_term_gain, r.loss_disallowed) == pytest.approx((-600.0, 1000.0, 400.0))
    assert r.tax == pytest.approx(60.0) and r.tax_before_netting == pytest.approx(6.0)
    assert any("makes the tax $60 rather than $6" in n for n in r.notes)
    assert any("account holding the most shares" in n for n in r.notes)


def test_a_sale_at_a_loss_says_when_the_ticker_may_be_bought_back():
    r = _run()
    # XYZ's lot B piece is a loss: a buy up to 30 days after 2024-06-28 would wash it; 2024-07-29 is the first
    # safe day (the harvest desk's buy-back date is the same: sale + 31 days).
    assert "buying XYZ (or an identical ticker) before 2024-07-29" in r.trades.iloc[0]["wash"]


def test_selling_more_than_all_accounts_hold_names_the_ticker_and_holdings():
    with pytest.raises(DataError) as err:
        _run([{"ticker": "XYZ", "side": "sell", "shares": 200, "price": 20.0}])
    # held: brokerage 100 + 50, IRA 30 = 180
    assert "sells 200 XYZ but only 180 shares are held at 2024-06-28 (brokerage 150, ira 30)" in str(err.value)
    assert err.value.code == "oversell" and err.value.details["held"] == 180
    with pytest.raises(DataError, match="only 0 shares are held"):
        _run([{"ticker": "QQQ", "side": "sell", "shares": 1, "price": 20.0}])


def test_a_sell_larger_than_one_account_spills_into_the_next():
    r = _run([{"ticker": "XYZ", "side": "sell", "shares": 160, "price": 20.0}])
    row = r.trades.iloc[0]
    # 150 from brokerage (lots A and B in full), 10 from the IRA.
    assert row["account"] == "brokerage, ira" and row["proceeds"] == pytest.approx(160 * 20.0)
    # Taxable: A +1,000 long term; B 50 x 20 - 1,500 = -500 short term. The IRA's 10 shares realise nothing
    # taxable (basis 10 x $10 = 100, gain 200 - 100 = 100: counted in `gain` but not in the taxed columns).
    assert (row["short_term_gain"], row["long_term_gain"]) == pytest.approx((-500.0, 1000.0))
    assert row["gain"] == pytest.approx(1000.0 - 500.0 + 100.0)
    assert row["tax"] == pytest.approx(-500 * 0.24 + 1000 * 0.15)
    assert any("IRA and Roth accounts realise no taxable gain" in n for n in r.notes)


def test_relief_method_changes_the_lots_sold():
    r = _run([{"ticker": "XYZ", "side": "sell", "shares": 120, "price": 20.0}], method="hifo")
    # HIFO: lot B ($30) first: 50 x 20 - 1,500 = -500 short; then 70 of lot A: 70 x (20 - 10) = +700 long.
    assert (r.short_term_gain, r.long_term_gain) == pytest.approx((-500.0, 700.0))
    # netting: 700 - 500 = 200 long term at 15 % = 30
    assert r.tax == pytest.approx(30.0)


def test_specific_identification_falls_back_to_fifo_and_says_so():
    fifo, spec = _run(), _run(method="specific")
    assert spec.tax == pytest.approx(fifo.tax) and spec.method == "specific"
    assert any("names none" in n and "(FIFO)" in n for n in spec.notes)


def test_a_buy_washes_an_earlier_loss_and_an_ira_buy_loses_it_for_good():
    lots = pd.DataFrame(
        [("brokerage", "GHI", "2024-01-02", 10, 1000.0)],
        columns=["account", "ticker", "acquired", "shares", "cost_basis"],
    )
    hist = pd.DataFrame(
        [("2024-06-20", "brokerage", "GHI", "sell", 10, 80.0)],
        columns=["date", "account", "ticker", "side", "shares", "price"],
    )
    buy = {"ticker": "GHI", "side": "buy", "shares": 5, "price": 85.0}
    r = tax.trade_list_tax([buy], AS_OF, history=hist, lots=lots, rates=RATES)
    # The 2024-06-20 sale lost 10 x (100 - 80) = 200 (short term). Buying 5 eight days later washes
    # 5 x 20 = 100 of it; the tax that loss saved, 100 x 24 % = 24, is charged to the buy.
    row = r.trades.iloc[0]
    assert row["account"] == "brokerage"  # no account holds GHI any more: the taxable account
    assert (row["disallowed"], row["tax"]) == pytest.approx((100.0, 24.0))
    assert "Disallows $100 of the loss on GHI sold 2024-06-20" in row["wash"]
    # Book tax: before -200 x 24 % = -48, after -100 x 24 % = -24: +24.
    assert r.tax == pytest.approx(24.0) and r.loss_disallowed == pytest.approx(100.0) and r.wash_permanent == 0
    ira = tax.trade_list_tax([{**buy, "account": "ira"}], AS_OF, history=hist, lots=lots, rates=RATES,
                             accounts={"brokerage": "taxable", "ira": "ira"})
    assert ira.trades.iloc[0]["account"] == "ira" and ira.wash_permanent == pytest.approx(100.0)
    assert "lost for good" in ira.trades.iloc[0]["wash"]


def test_a_buy_of_a_substantially_identical_ticker_in_the_list_washes_a_sell():
    trades = [TRADES[1], {"ticker": "ABD", "side": "buy", "shares": 5, "price": 61.0}]
    r = _run(trades, substantially_identical={"ABC": "G", "ABD": "G"})
    sell, buy = r.trades.iloc[0], r.trades.iloc[1]
    # The ABC sale (loss 40 a share on 20) is washed by the 10 ABC bought 2024-06-10 (400) and by the 5 ABD
    # of the list (5 x 40 = 200): 600 disallowed, counted on the sell only.
    assert sell["disallowed"] == pytest.approx(600.0) and buy["disallowed"] == 0
    assert "ABD bought 2024-06-28" in sell["wash"] and r.loss_disallowed == pytest.approx(600.0)


def test_prices_at_the_as_of_date_replace_the_list_price():
    r = _run([{"ticker": "XYZ", "side": "sell", "shares": 100, "price": 1.0}], prices=pd.Series({"XYZ": 25.0}))
    # FIFO lot A: 100 x 25 - 1,000 = 1,500 long term
    assert r.trades.iloc[0]["price"] == 25.0 and r.long_term_gain == pytest.approx(1500.0)
    with pytest.raises(DataError, match=r"Target trade 1 \(XYZ\) has no price"):
        _run([{"ticker": "XYZ", "side": "sell", "shares": 1}])


def test_bad_lists_and_dates_are_refused_with_a_reason():
    with pytest.raises(DataError, match="before the last trade"):
        tax.trade_list_tax(TRADES, "2024-06-01", history=HISTORY, lots=LOTS)
    with pytest.raises(DataError, match=r"Target trade 2 \(ABC\): shares -3"):
        _run([TRADES[0], {**TRADES[1], "shares": -3}])
    with pytest.raises(DataError, match="side 'hold' is not buy or sell"):
        _run([{**TRADES[0], "side": "hold"}])
    empty = _run([])
    assert empty.tax == 0 and empty.trades.empty and "nothing to tax" in empty.notes[-1]


def test_consistent_with_process_trades_on_the_sample_book():
    """The sample book, with the trades placed by hand and replayed by process_trades, gives the same totals."""
    prices = load_dataset("sp500").prices
    trades = [
        {"ticker": "AMD", "side": "sell", "shares": 50, "price": 1.0},
        {"ticker": "KO", "side": "sell", "shares": 30, "price": 1.0},
        {"ticker": "MSFT", "side": "sell", "shares": 10, "price": 1.0},  # ira holds 30, brokerage 25
        {"ticker": "PFE", "side": "buy", "shares": 5, "price": 1.0},
    ]
    hist, lots = tax.sample_trades(), tax.sample_lots()
    when = "2022-12-28"
    r = tax.trade_list_tax(trades, when, history=hist, lots=lots, rates=RATES, prices=prices)
    assert list(r.trades["account"]) == ["brokerage", "brokerage", "ira", "brokerage"]
    px = prices.loc[when]
    placed = pd.DataFrame(
        [
            (when, "brokerage", "AMD", "sell", 50, px["AMD"], "taxable"),
            (when, "brokerage", "KO", "sell", 30, px["KO"], "taxable"),
            (when, "ira", "MSFT", "sell", 10, px["MSFT"], "ira"),
            (when, "brokerage", "PFE", "buy", 5, px["PFE"], "taxable"),
        ],
        columns=["date", "account", "ticker", "side", "shares", "price", "account_type"],
    )
    base = tax.process_trades(hist, lots=lots)
    after = tax.process_trades(pd.concat([hist, placed], ignore_index=True), lots=lots)
    sb, sa = base.summary(), after.summary()
    assert r.short_term_gain + r.long_term_gain == pytest.approx(sa["allowed_gain"] - sb["allowed_gain"])
    assert r.loss_disallowed == pytest.approx(sa["wash_disallowed"] - sb["wash_disallowed"])
    assert r.tax == pytest.approx(after.tax(RATES) - base.tax(RATES))  # one year (2022): same netting
    # AMD: FIFO sells 50 of the 100 bought 2022-02-10, whose basis carries the washed January loss
    # (125.77 + 59.31 = 185.08 a share) and whose holding period starts 2021-12-13 (long term now).
    # The 20 AMD bought 2022-12-12 replace 20 of them: 20 x (185.08 - price) disallowed.
    amd = r.trades.iloc[0]
    assert amd["cost_basis"] == pytest.approx(50 * 185.08)
    assert amd["disallowed"] == pytest.approx(20 * (185.08 - px["AMD"]))
    assert amd["long_term_gain"] == pytest.approx(30 * (px["AMD"] - 185.08))
    assert r.trades.iloc[2]["tax"] == 0  # the IRA sale
