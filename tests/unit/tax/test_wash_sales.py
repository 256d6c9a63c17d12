"""Unit tests of finance_core.tax.wash_sales and lots: lot relief, wash sales, the window, identical maps, input errors."""

import pandas as pd
import pytest

from finance_core import tax
from finance_core.data import load_dataset
from finance_core.errors import DataError
from finance_core.tax import wash_sales

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


# --------------------------------------------------------------------------- the module's public names, directly
def _t(rows):
    return pd.DataFrame(rows, columns=COLS)


def test_window_is_30_days_each_side_inclusive():
    # IRC section 1091(a): a purchase "within a period beginning 30 days before the date of such sale ... and
    # ending 30 days after such date" (Pub. 550 "Wash Sales": within 30 days before or after the sale).
    assert wash_sales.WASH_WINDOW_DAYS == 30
    sold = [("2020-06-01", "b", "X", "buy", 100, 50.0), ("2021-03-01", "b", "X", "sell", 100, 40.0)]
    after_30 = wash_sales.process_trades(_t([*sold, ("2021-03-31", "b", "X", "buy", 10, 42.0)]))
    after_31 = wash_sales.process_trades(_t([*sold, ("2021-04-01", "b", "X", "buy", 10, 42.0)]))
    # hand: 10 replacement shares x $10 loss a share = $100 disallowed on the 30th day, nothing on the 31st
    assert after_30.realized["wash_disallowed"].iloc[0] == pytest.approx(100.0)
    assert after_31.realized["wash_disallowed"].iloc[0] == 0.0
    before = [("2020-06-01", "b", "X", "buy", 100, 50.0)]
    sale = [("2021-03-01", "b", "X", "sell", 100, 40.0)]
    before_30 = wash_sales.process_trades(_t([*before, ("2021-01-30", "b", "X", "buy", 10, 45.0), *sale]))
    before_31 = wash_sales.process_trades(_t([*before, ("2021-01-29", "b", "X", "buy", 10, 45.0), *sale]))
    assert before_30.realized["wash_disallowed"].iloc[0] == pytest.approx(100.0)
    assert before_31.realized["wash_disallowed"].iloc[0] == 0.0
    lot = before_30.open_lots.iloc[0]
    # section 1091(d): basis of the replacement = its cost $450 + the disallowed $100
    assert lot["adjusted_basis"] == pytest.approx(550.0) and lot["cost_basis"] == pytest.approx(450.0)
    # Pub. 550 "Holding period": it includes the 273 days the sold shares were held (2020-06-01 to 2021-03-01)
    assert lot["holding_start"] == pd.Timestamp("2021-01-30") - pd.Timedelta(days=273)


def test_each_replacement_share_is_used_once_in_the_order_of_the_sales():
    # Treas. Reg. section 1.1091-1(b) and (e): losses are matched in the order of the sales and a share
    # bought is a replacement for one share sold only. Two loss sales of 100 shares ($10 a share each) and
    # one purchase of 100 shares: the first sale's $1,000 loss is disallowed, the second's is allowed.
    r = wash_sales.process_trades(
        _t(
            [
                ("2020-01-02", "b", "X", "buy", 200, 50.0),
                ("2021-03-01", "b", "X", "sell", 100, 40.0),
                ("2021-03-05", "b", "X", "sell", 100, 40.0),
                ("2021-03-10", "b", "X", "buy", 100, 42.0),
            ]
        )
    )
    assert list(r.realized["wash_disallowed"]) == pytest.approx([1000.0, 0.0])
    assert list(r.realized["allowed_gain"]) == pytest.approx([0.0, -1000.0])
    assert r.open_lots["adjusted_basis"].iloc[0] == pytest.approx(4200.0 + 1000.0)


def test_gains_and_losses_inside_an_ira_are_never_washed():
    # Section 1091 disallows losses only; a loss inside an IRA has no tax effect to disallow.
    gain = wash_sales.process_trades(
        _t([("2021-01-04", "b", "X", "buy", 10, 10.0), ("2021-03-01", "b", "X", "sell", 10, 12.0),
            ("2021-03-02", "b", "X", "buy", 10, 11.0)])
    )
    assert gain.realized["gain"].iloc[0] == pytest.approx(20.0) and gain.wash_sales.empty
    ira = wash_sales.process_trades(
        _t([("2021-01-04", "ira", "X", "buy", 10, 10.0), ("2021-03-01", "ira", "X", "sell", 10, 8.0),
            ("2021-03-02", "b", "X", "buy", 10, 8.5)])
    )
    assert ira.realized["wash_disallowed"].iloc[0] == 0.0 and ira.loss_windows.empty
    assert ira.open_lots["adjusted_basis"].iloc[0] == pytest.approx(85.0)


def test_identical_map_reads_editable_rows():
    rows = [{"ticker": " spy", "group": "sp500 "}, {"ticker": "", "group": ""}, {"ticker": "IVV", "group": "SP500"}]
    assert wash_sales.identical_map(rows) == {"SPY": "SP500", "IVV": "SP500"}
    assert wash_sales.identical_map(None) == {}
    assert wash_sales.identical_map([{"ticker": "SPY", "group": "A"}, {"ticker": "SPY", "group": "A"}]) == {
        "SPY": "A"
    }
    with pytest.raises(DataError, match="row 2: SPY is already in group A") as err:
        wash_sales.identical_map([{"ticker": "SPY", "group": "A"}, {"ticker": "SPY", "group": "B"}])
    assert err.value.code == "duplicate_ticker"
    with pytest.raises(DataError, match="row 1: fill in both") as err:
        wash_sales.identical_map([{"ticker": "SPY", "group": None}])
    assert err.value.code == "missing_value"

