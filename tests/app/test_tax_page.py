"""Tax page callbacks as functions: they show finance_core's numbers and keep results on bad input."""

import base64

import pandas as pd
import pytest
from dash import no_update

import workspace
from finance_core import data, estimators, risk, tax
from finance_core.errors import DataError
from pages import tax as page

WS = workspace.DEFAULT
LAST = "2022-12-28"  # last date of the bundled prices


@pytest.fixture(scope="module")
def rates():
    stored, _text, alert = page.rates("single", 150_000, None, None, None)
    assert alert is None
    return stored


@pytest.fixture(scope="module")
def accounts():
    _badge, rows, as_of, _max, alert, *_statuses = page.load_book(WS)
    assert alert is None and as_of == LAST
    return rows


@pytest.fixture(scope="module")
def replayed(accounts, rates):
    out = page.replay(accounts, "fifo", [], rates, WS, "light")
    assert out[-1] is None
    return out


def _kpi(component, id_) -> str:
    """The text of the KPI value with ``id_`` inside a rendered component tree."""
    stack = [component]
    while stack:
        node = stack.pop()
        if getattr(node, "id", None) == id_:
            return node.children
        kids = getattr(node, "children", None)
        stack.extend(kids if isinstance(kids, list) else [kids] if kids is not None else [])
    raise AssertionError(f"{id_} not found")


def _money(text: str) -> float:
    return float(text.replace("$", "").replace(",", ""))


def test_sample_data_is_named_and_accounts_come_from_the_lots():
    badge, rows, as_of, max_date, alert, trades_status, lots_status = page.load_book(WS)
    assert "Bundled sample trades and lots" in str(badge) and trades_status is lots_status is None
    assert {r["account"]: r["type"] for r in rows} == {"brokerage": "taxable", "ira": "ira", "roth": "roth"}
    assert as_of == max_date == LAST


def test_rates_follow_the_2026_brackets_and_overrides():
    stored, text, alert = page.rates("married_joint", 300_000, None, None, None)
    # Rev. Proc. 2025-32: 300,000 joint is in the 24 % bracket (211,400-403,550) and the 15 % LTCG band;
    # above the 250,000 statutory NIIT threshold for joint filers, so 3.8 % NIIT.
    assert (stored["short_term"], stored["long_term"], stored["niit"]) == (0.24, 0.15, 0.038)
    assert "short-term 24%, long-term 15%, NIIT 3.8%" in str(text) and alert is None
    stored, text, _ = page.rates("single", 150_000, 35, None, 0)
    assert stored["short_term"] == pytest.approx(0.35) and stored["niit"] == 0 and "(overridden)" in str(text)
    out = page.rates("single", 150_000, 150, None, None)
    assert out[0] is no_update and "short-term rate 150 must be a percentage between 0 and 100" in str(
        out[-1]
    )
    out = page.rates("widowed", 150_000, None, None, None)
    assert out[0] is no_update and "Unknown filing status 'widowed'" in str(out[-1])


def test_realised_report_shows_the_replay_and_the_pub550_wash_sale(replayed, rates):
    store, cards, f8949, wash, fig, _alert = replayed
    result = tax.process_trades(tax.sample_trades(), "fifo", lots=tax.sample_lots())
    s = result.summary()
    assert _money(_kpi(cards, "tax-kpi-long")) == pytest.approx(s["long_term_gain"], abs=0.5)
    assert _money(_kpi(cards, "tax-kpi-tax")) == pytest.approx(result.tax(tax.TaxRates(**rates)), abs=0.5)
    # AMD: 100 bought at 161.91 on 2021-11-29, sold at 102.60 on 2022-01-27, 100 bought back on 2022-02-10:
    # a full wash sale (Pub. 550, "Wash Sales"), loss 100 x (161.91 - 102.60) = 5,931 disallowed, code W.
    amd = next(r for r in f8949 if r["description"] == "100 sh AMD")
    assert amd["code"] == "W" and amd["adjustment"] == pytest.approx(100 * (161.91 - 102.60))
    assert amd["gain"] == pytest.approx(0.0, abs=0.01)
    # PFE: 200 sold at a loss, only 80 bought back: a partial wash sale of 80 / 200 of the loss.
    pfe = next(r for r in f8949 if r["description"] == "200 sh PFE")
    assert pfe["adjustment"] == pytest.approx(80 * (55.21 - 48.91))
    # BAC bought back in the IRA: the loss is disallowed for good (Rev. Rul. 2008-5).
    assert any(w["ticker"] == "BAC" and w["replacement_account"] == "ira" and w["permanent"] for w in wash)
    assert {t.name for t in fig.data} >= {"loss sale", "replacement purchase", "window, loss disallowed"}
    # Only a key to the server-side cache travels to the browser, not the lots themselves.
    assert isinstance(store["open_lots"], str) and store["open_lots"].startswith("open_lots:")
    assert store["rows"] == len(result.open_lots)
    pd.testing.assert_frame_equal(page._open_lots(store), result.open_lots)


def test_relief_method_changes_which_aapl_lot_is_sold(accounts, rates):
    _s, fifo, *_ = page.replay(accounts, "fifo", [], rates, WS, "light")
    _s, hifo, *_ = page.replay(accounts, "hifo", [], rates, WS, "light")
    # 20 AAPL sold at 177.64 on 2022-03-29. FIFO sells the 2019 lot (2248.50 / 50 a share): long term.
    assert _money(_kpi(fifo, "tax-kpi-long")) == pytest.approx(20 * (177.64 - 2248.5 / 50), abs=0.5)
    # HIFO sells the lot bought at 129.08 on 2021-01-05 instead: held more than a year, so also long term.
    assert _money(_kpi(hifo, "tax-kpi-long")) == pytest.approx(20 * (177.64 - 129.08), abs=0.5)
    assert _money(_kpi(hifo, "tax-kpi-short")) == _money(_kpi(fifo, "tax-kpi-short"))


def test_substantially_identical_map_extends_the_wash_sale(accounts, rates):
    rows = [{"ticker": "PFE", "group": "g1"}, {"ticker": "bac", "group": "G1"}]
    _store, _cards, _f, wash, _fig, alert = page.replay(accounts, "fifo", rows, rates, WS, "light")
    assert alert is None
    # BAC bought 2022-02-09, the day after the PFE loss sale, now counts as a replacement.
    assert any(w["ticker"] == "PFE" and w["replacement_ticker"] == "BAC" for w in wash)
    out = page.replay(accounts, "fifo", [{"ticker": "PFE", "group": ""}], rates, WS, "light")
    assert out[0] is no_update and "row 1: fill in both the ticker and its group" in str(out[-1])


def _ws_with_trades(text: str) -> dict:
    ws, _notes = workspace.with_upload(WS, "trades", text.encode(), "bad.csv")
    return ws


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            "2022-01-03,brokerage,AAPL,sell,10,180\n2022-02-01,brokerage,AAPL,buy,10,170",
            "Trade row 2 (2022-01-03, sell 10 AAPL in account 'brokerage'): only 0 shares",
        ),
        (
            "2022-01-03,brokerage,AAPL,buy,10,180\n2022-02-01,brokerage,AAPL,sell,15,170",
            "Trade row 3 (2022-02-01, sell 15 AAPL in account 'brokerage'): only 10 shares",
        ),
        (
            "2022-01-03,brokerage,AAPL,buy,10,180\n2022-02-01,brokrage,AAPL,sell,5,170",
            "Trade row 3: account 'brokrage' is unknown",
        ),
    ],
)
def test_bad_trades_are_named_by_row_and_nothing_is_lost(rates, rows, message):
    ws = _ws_with_trades("date,account,ticker,side,shares,price\n" + rows)
    ws, _ = workspace.with_upload(
        ws,
        "lots",
        b"account,ticker,acquired,shares,cost_basis\nbrokerage,KO,2018-06-01,100,3654\n",
        "lots.csv",
    )
    _badge, accounts, *_ = page.load_book(ws)
    assert accounts == [{"account": "brokerage", "type": "taxable"}]
    out = page.replay(accounts, "fifo", [], rates, ws, "light")
    assert out[:5] == (no_update,) * 5
    assert message in str(out[-1])


def test_negative_shares_and_future_dates_are_refused_at_upload(call_with_trigger):
    ids = page.UPLOADS["trades"]
    for body, message in (
        ("2022-01-03,brokerage,AAPL,buy,-10,180", "t.csv, row 2, column 'shares': -10"),
        ("2999-01-03,brokerage,AAPL,buy,10,180", "2999-01-03"),
    ):
        raw = ("date,account,ticker,side,shares,price\n" + body).encode()
        contents = "data:text/csv;base64," + base64.b64encode(raw).decode()
        out = call_with_trigger(f"{ids.upload}.contents", page.upload, contents, None, 0, "t.csv", None, WS)
        assert out[0] is no_update and message in str(out[-1])
    good = b"date,account,ticker,side,shares,price\n2022-01-03,brokerage,AAPL,buy,10,180\n"
    contents = "data:text/csv;base64," + base64.b64encode(good).decode()
    ws, _alert = call_with_trigger(f"{ids.upload}.contents", page.upload, contents, None, 0, "t.csv", None, WS)
    # The box's status comes from the workspace (load_book), so it is the same on every page that shows it.
    *_, status, _lots_status = page.load_book(ws)
    assert ws["uploads"]["trades"]["rows"] == 1 and "Loaded t.csv (1 rows)" in str(status)
    back, *_ = call_with_trigger("tax-use-sample.n_clicks", page.upload, None, None, 1, None, None, ws)
    assert "trades" not in back["uploads"]


def test_lots_grid_values_lots_at_the_as_of_date(replayed):
    store = replayed[0]
    cards, rows, alert = page.lots(store, LAST, WS)
    src = workspace.source_prices(WS)
    ko = next(r for r in rows if r["ticker"] == "KO")
    # 100 KO bought for 3,654.00 on 2018-06-01, valued at the bundled close of 2022-12-28.
    assert ko["unrealized_gain"] == pytest.approx(100 * src.prices.loc[LAST, "KO"] - 3654.0)
    assert ko["term"] == "long" and alert is None
    losing = [r for r in rows if r["unrealized_gain"] < 0 and r["account"] == "brokerage"]
    assert f"{len(losing)} losing lots" in str(cards)
    out = page.lots(store, "2030-01-01", WS)
    assert out[0] is no_update and "after the last price (2022-12-28)" in str(out[-1])
    out = page.lots(store, "2022-06-01", WS)
    assert out[0] is no_update and "before the last trade (2022-12-12)" in str(out[-1])


def test_harvest_candidates_blockers_and_action(replayed, rates, call_with_trigger):
    store = replayed[0]
    rows, alert = page.harvest(store, LAST, 5, 100, rates, [], WS)
    assert alert is None
    blocked = [r for r in rows if r["blocked"]]
    # AMD was bought on 2022-12-12, 16 days before the harvest date: selling AMD at a loss now is a wash sale.
    assert (
        blocked
        and all(r["ticker"] == "AMD" for r in blocked)
        and "2022-12-12" in blocked[0]["blocked_reason"]
    )
    out = page.harvest_action(1, blocked[:1], LAST, WS)
    assert out[0] is no_update and "cannot be harvested now" in str(out[2])
    free = [r for r in rows if not r["blocked"]]
    trades, summary, alert, saved_ws = page.harvest_action(1, free, LAST, WS)
    assert alert is None and {t["side"] for t in trades} == {"sell", "buy"}
    # The plan's tax saving travels to the presentation view through the workspace.
    assert "saves an estimated" in saved_ws["tax_summary"]["text"] and saved_ws["tax_summary"]["tax_saved"] > 0
    sold = {t["ticker"] for t in trades if t["side"] == "sell"}
    assert sold == {r["ticker"] for r in free}
    # The original may be bought back 31 days after the sale (after the 30-day window closes).
    assert "2023-01-28" in str(summary)
    out = page.harvest_action(1, [], LAST, WS)
    assert out[0] is no_update and "Select at least one candidate" in str(out[2])


def _expected_rebalance(rates, tax_weight):
    """The rebalance the page should show, computed here from the same sample, prices and covariance."""
    result = tax.process_trades(tax.sample_trades(), "fifo", lots=tax.sample_lots())
    wd = workspace.resolve(WS)
    return tax.tax_aware_rebalance(result.open_lots, wd.prices, pd.Series(1 / 20, index=wd.prices.columns),
                                   tax_weight=tax_weight, rates=tax.TaxRates(**rates),
                                   cov=estimators.covariance(wd.returns))


def test_rebalance_shows_the_lot_level_optimum_and_the_curve(replayed, rates):
    store = replayed[0]
    curve, curve_alert = page.tradeoff(store, LAST, rates, WS)
    assert curve_alert is None and len(curve) == 13  # tax weight 0 and logspace(-4, 1, 12)
    target, cards, _notes, rows, _accts, fig, alert = page.rebalance(curve, 1.0, store, LAST, rates, WS, "light")
    assert alert is None and "Equal weight (20 assets)" in str(target)
    # The slider only solves its own point: the sweep drawn is the stored curve.
    sweep = next(t for t in fig.data if t.name == "tax weight sweep")
    assert list(sweep.x) == [r["tracking_error"] for r in curve]
    expected = _expected_rebalance(rates, 1.0)
    assert _kpi(cards, "tax-kpi-rebal-te") == f"{expected.tracking_error:.2%}"
    assert len(rows) == len(expected.trades)
    star = next(t for t in fig.data if t.name == "chosen tax weight")
    assert star.y[0] == pytest.approx(expected.tax, abs=1.0)
    # A smaller tax weight trades closer to the target and pays at least as much tax.
    _t, low, *_ = page.rebalance(curve, 0.001, store, LAST, rates, WS, "light")
    assert float(_kpi(low, "tax-kpi-rebal-te").rstrip("%")) < float(
        _kpi(cards, "tax-kpi-rebal-te").rstrip("%")
    )


def test_rebalance_shows_gains_by_account_type_cash_by_account_and_whole_shares(replayed, rates):
    store = replayed[0]
    curve, _ = page.tradeoff(store, LAST, rates, WS)
    _t, cards, notes, rows, accounts, _fig, alert = page.rebalance(curve, 0.316, store, LAST, rates, WS, "light")
    assert alert is None
    trades = pd.DataFrame(rows)
    sells = trades[trades["side"] == "sell"]
    taxable = sells["account_type"] == "taxable"
    # The sample's IRA and Roth sell at a gain here: those gains are sheltered, not in the taxable gain.
    assert sells.loc[~taxable, "gain"].sum() > 0 and (sells.loc[~taxable, "tax"] == 0).all()
    assert _kpi(cards, "tax-kpi-rebal-gain") == page.money(sells.loc[taxable, "gain"].sum())
    assert _kpi(cards, "tax-kpi-rebal-sheltered") == page.money(sells.loc[~taxable, "gain"].sum())
    st = sells.loc[taxable & (sells["term"] == "short"), "gain"].sum()
    lt = sells.loc[taxable & (sells["term"] == "long"), "gain"].sum()
    assert _kpi(cards, "tax-kpi-rebal-tax") == page.money(tax.TaxRates(**rates).tax(st, lt))
    assert _kpi(cards, "tax-kpi-rebal-weight") == "0.316"
    # Every buy lands in a named account of the sample, paid by that account's own sells.
    buys = trades[trades["side"] == "buy"]
    assert len(buys) and buys["account"].isin(["brokerage", "ira", "roth"]).all()
    flow = trades["value"].where(trades["side"] == "sell", -trades["value"]).groupby(trades["account"]).sum()
    assert (flow >= -1e-6).all()
    cash = {r["account"]: r["cash_after"] for r in accounts}
    assert cash == pytest.approx(flow.to_dict()) and min(cash.values()) >= 0
    # Whole shares (a lot sold entirely keeps its own share count).
    lots = tax.process_trades(tax.sample_trades(), "fifo", lots=tax.sample_lots()).open_lots
    whole_lot = sells["lot_id"].map(lots.assign(lot_id=lots["lot_id"].astype(str)).set_index("lot_id")["shares"])
    partial = sells["shares"] != whole_lot
    assert (sells.loc[partial, "shares"] % 1 == 0).all() and (buys["shares"] % 1 == 0).all()
    assert "Whole shares" in str(notes) and "sheltered" in str(notes)


def test_tax_weight_box_and_slider_show_one_number(replayed, rates, call_with_trigger):
    slider_id, box_id = f"{page.TAX_WEIGHT}.value", f"{page.TAX_WEIGHT_VALUE}.value"
    # The slider sits at log10(w): at -0.5 the box shows the real weight 10^-0.5 = 0.316 (3 digits).
    assert call_with_trigger(slider_id, page.tax_weight_sync, -0.5, 1.0) == (no_update, 0.316)
    assert call_with_trigger(slider_id, page.tax_weight_sync, -3.75, 1.0) == (no_update, 0.000178)
    # Typing a weight moves the slider to its log10 and rounds the box to the digits the card shows.
    pos, shown = call_with_trigger(box_id, page.tax_weight_sync, 0, 0.12345)
    assert pos == pytest.approx(-0.91009, abs=1e-5) and shown == 0.123  # log10(0.123)
    assert call_with_trigger(box_id, page.tax_weight_sync, 0, 0.0) == (-4, no_update)  # 0: ignore tax
    assert call_with_trigger(box_id, page.tax_weight_sync, 0, -2) == (no_update, no_update)
    # The slider's marks and tooltip are in real units; its own box (log units) is hidden.
    layout = page._tax_weight_slider()
    slider = next(c for c in _walk(layout) if getattr(c, "id", None) == page.TAX_WEIGHT)
    assert {k: v for k, v in slider.marks.items()} == {-4: "0.0001", -3: "0.001", -2: "0.01", -1: "0.1",
                                                       0: "1", 1: "10"}
    assert slider.allow_direct_input is False and slider.tooltip["transform"] == "pow10"
    # A weight the box cannot hold is explained; nothing else changes.
    out = page.rebalance([], -2, replayed[0], LAST, rates, WS, "light")
    assert all(o is no_update for o in out[:-1]) and "Tax weight -2: enter a number from 0 to 10" in str(out[-1])


def _walk(component):
    stack = [component]
    while stack:
        node = stack.pop()
        yield node
        kids = getattr(node, "children", None)
        stack.extend(kids if isinstance(kids, list) else [kids] if kids is not None else [])


def test_after_tax_return_and_location(replayed, rates):
    cards, wealth, taxes, alert = page.after_tax(WS, rates, 20, "long", "light")
    wd = workspace.resolve(WS)
    rets = risk.portfolio_returns(wd.returns, pd.Series(1 / 20, index=wd.prices.columns))
    at = tax.after_tax_return(rets, rates=tax.TaxRates(**rates), realization_rate=0.2, term="long")
    assert _kpi(cards, "tax-kpi-drag") == f"{at.tax_drag:.2%}" and alert is None
    assert at.after_tax_return < at.pre_tax_return
    out = page.after_tax(WS, rates, 140, "long", "light")
    assert out[0] is no_update and "140 must be a percentage" in str(out[-1])
    cards, rows, alert = page.location(replayed[0], LAST, 20, rates, WS)
    assert alert is None and {"taxable", "tax_deferred", "tax_exempt"} <= set(rows[0])
    assert _money(_kpi(cards, "tax-kpi-loc-improvement")) >= 0
    # The suggestion keeps the overall mix: each ticker's money is placed in full.
    valued = tax.lots_at_prices(
        tax.process_trades(tax.sample_trades(), lots=tax.sample_lots()).open_lots,
        data.load_dataset("sp500").prices,
        LAST,
    )
    total = valued.groupby("ticker")["market_value"].sum()
    for r in rows:
        assert r["taxable"] + r["tax_deferred"] + r["tax_exempt"] == pytest.approx(
            total[r["ticker"]], rel=1e-6
        )


def test_form_8949_csv_export(replayed):
    f8949 = replayed[2]
    sent, alert = page.export_8949(1, f8949, "fifo")
    assert alert is None and sent["filename"] == "form-8949-fifo.csv"
    lines = sent["content"].splitlines()
    assert lines[0].startswith(
        "part,description,date_acquired,date_sold,proceeds,cost_basis,code,adjustment,gain"
    )
    assert any(",W," in line for line in lines)
    out = page.export_8949(1, [], "fifo")
    assert out[0] is no_update and "no sales in taxable accounts" in str(out[-1])


def test_identical_map_editor_adds_and_removes_rows(call_with_trigger):
    rows = call_with_trigger("tax-identical-add.n_clicks", page.edit_identical, 1, 0, [], [])
    assert rows == [{"ticker": "", "group": ""}]
    rows = [{"ticker": "PFE", "group": "G"}, {"ticker": "MRK", "group": "G"}]
    kept = call_with_trigger("tax-identical-del.n_clicks", page.edit_identical, 1, 1, rows, [rows[0]])
    assert kept == [rows[1]]


@pytest.mark.parametrize("method", ["lifo", "min_tax", "average", "specific"])
def test_every_relief_method_gives_a_report_or_says_what_it_needs(accounts, rates, method):
    out = page.replay(accounts, method, [], rates, WS, "light")
    if method == "specific":  # the sample trades name no lots
        assert out[0] is no_update and "Specific identification needs a lot_id column" in str(out[-1])
    else:
        expected = tax.process_trades(
            tax.sample_trades(), method, rates=tax.TaxRates(**rates), lots=tax.sample_lots()
        ).summary()
        # Only average cost carries a note: it is allowed for fund and DRIP shares only.
        assert (out[-1] is None) == (method != "average")
        assert method != "average" or "1.1012-1(e)" in str(out[-1])
        assert _money(_kpi(out[1], "tax-kpi-short")) == pytest.approx(expected["short_term_gain"], abs=0.5)


def test_sample_files_download_next_to_the_upload_boxes(call_with_trigger):
    trades, lots = call_with_trigger("sample-tax-lots.n_clicks", page.sample_file, 0, 1)
    assert trades is no_update and lots["filename"] == "sample-lots.csv"
    assert lots["content"].startswith("account,ticker,acquired,shares,cost_basis")


def test_expired_replay_cache_asks_for_a_new_replay():
    with pytest.raises(DataError, match="no longer on the server") as err:
        page._open_lots({"open_lots": "open_lots:" + "0" * 64, "rows": 3, "last_trade": None, "method": "fifo"})
    assert err.value.code == "replay_expired"


# --------------------------------------------------------------------------- the target's trades
# Sells of held tickers (AMD, KO from brokerage; MSFT from the IRA, which holds more of it) and a buy.
TARGET_TRADES = [
    {"ticker": "AMD", "side": "sell", "shares": 50, "price": 60.0, "value": 3000.0},
    {"ticker": "KO", "side": "sell", "shares": 30, "price": 60.0, "value": 1800.0},
    {"ticker": "MSFT", "side": "sell", "shares": 10, "price": 230.0, "value": 2300.0},
    {"ticker": "PFE", "side": "buy", "shares": 20, "price": 50.0, "value": 1000.0},
]


def _with_target(trades):
    weights = pd.Series({"AMD": 0.3, "KO": 0.3, "PFE": 0.4})
    return workspace.with_target(WS, weights, "Test target", trades)


def test_target_trades_without_a_target_is_a_sentence_not_an_error(accounts, rates):
    status, kpis, rows, alert = page.target_tax(accounts, "fifo", [], rates, LAST, WS)
    assert "build a portfolio on the Construct page and press \"Use as target\"" in str(status)
    assert kpis is None and rows == [] and alert is None
    status, *_ = page.target_tax(accounts, "fifo", [], rates, LAST, _with_target([]))
    assert "The target (Test target) has no trades to tax" in str(status)


def test_target_trades_tax_matches_finance_core(accounts, rates):
    ws = _with_target(TARGET_TRADES)
    status, kpis, rows, alert = page.target_tax(accounts, "fifo", [], rates, LAST, ws)
    assert alert is None and "Test target, 4 trades at 2022-12-28" in str(status)
    prices = workspace.source_prices(ws).prices
    expected = tax.trade_list_tax(TARGET_TRADES, LAST, history=tax.sample_trades(), lots=tax.sample_lots(),
                                  rates=tax.TaxRates(**rates), prices=prices,
                                  accounts={"brokerage": "taxable", "ira": "ira", "roth": "roth"})
    assert _money(_kpi(kpis, "tax-kpi-target-tax")) == pytest.approx(expected.tax, abs=0.5)
    assert _money(_kpi(kpis, "tax-kpi-target-long")) == pytest.approx(expected.long_term_gain, abs=0.5)
    # AMD: 50 of the lot bought 2022-02-10 (basis 125.77 + the washed 59.31 = 185.08 a share), at the
    # 2022-12-28 close; the 20 AMD bought 2022-12-12 replace 20 of them: 20 x (185.08 - close) disallowed.
    amd = rows[0]
    close = prices.loc[LAST, "AMD"]
    assert amd["price"] == pytest.approx(close) and amd["account"] == "brokerage"
    assert amd["disallowed"] == pytest.approx(20 * (185.08 - close))
    assert _money(_kpi(kpis, "tax-kpi-target-wash")) == pytest.approx(20 * (185.08 - close), abs=0.5)
    assert "replacement AMD bought 2022-12-12 (brokerage)" in amd["wash"]
    assert rows[2]["account"] == "ira" and rows[2]["tax"] == 0  # the IRA holds 30 MSFT, brokerage 25
    assert [r["side"] for r in rows] == ["sell", "sell", "sell", "buy"]


def test_target_trades_follow_the_method_and_refuse_an_oversell(accounts, rates):
    ws = _with_target(TARGET_TRADES)
    fifo = page.target_tax(accounts, "fifo", [], rates, LAST, ws)
    status, kpis, _rows, alert = page.target_tax(accounts, "specific", [], rates, LAST, ws)
    # The sample names no lots: the replay refuses specific identification, this estimate falls back to FIFO.
    assert alert is None and "(FIFO) for this estimate" in str(status)
    assert _kpi(kpis, "tax-kpi-target-tax") == _kpi(fifo[1], "tax-kpi-target-tax")
    over = _with_target([{"ticker": "KO", "side": "sell", "shares": 500, "price": 60.0}])
    out = page.target_tax(accounts, "fifo", [], rates, LAST, over)
    assert out[:3] == (no_update,) * 3
    assert "sells 500 KO but only 100 shares are held at 2022-12-28 (brokerage 100)" in str(out[-1])
    out = page.target_tax(accounts, "fifo", [], rates, "2022-06-01", ws)
    assert out[0] is no_update and "before the last trade (2022-12-12)" in str(out[-1])


def test_the_construct_desks_target_is_taxed_here(accounts, rates):
    from pages import construct

    base = dict(method="equal_weight", mu="mean", cov="sample", rf=0, ra=2, target=0.15, kelly=0.5, linkage="single",
                lower=0, upper=100, turnover=None, cost=0, sectors=[], views=[], tau=0.05, prior="equal", delta=None,
                budgets=[])
    built = construct.allocation(base, WS, "light")
    _shares, _trades, _left, stored = construct.trades(built[5], 100_000, "greedy", 1, WS)
    ws, _msg = construct.use_as_target(1, built[5], stored, WS)
    status, kpis, rows, alert = page.target_tax(accounts, "fifo", [], rates, LAST, ws)
    # No holdings were uploaded, so the trade list buys the 20 assets: nothing is sold and no loss of the last
    # 30 days (the last sale was 2022-06-15) is washed, so the trades cost no tax.
    assert alert is None and len(rows) == 20 and {r["side"] for r in rows} == {"buy"}
    assert _kpi(kpis, "tax-kpi-target-tax") == "$0" and _kpi(kpis, "tax-kpi-target-wash") == "$0"
    assert "Equal weight, 20 trades" in str(status)


# --------------------------------------------------------------------------- one book for every page
# Four trades and two lots, worked by hand below (the desk's rates: single, $150,000: 24 % short, 15 % long).
BOOK_TRADES = b"""date,account,ticker,side,shares,price
2021-03-01,brokerage,KO,buy,100,50.00
2022-02-01,brokerage,KO,sell,40,60.00
2022-03-01,brokerage,AAPL,sell,20,160.00
2022-05-02,ira,MSFT,buy,10,270.00
"""
BOOK_LOTS = b"""account,ticker,acquired,shares,cost_basis,account_type
brokerage,AAPL,2019-03-15,50,2250.00,taxable
ira,MSFT,2020-01-10,30,4860.00,ira
"""


def _data_page_upload(call_with_trigger, ws, kind, raw, name):
    """An upload dropped on the Data page's box of ``kind`` (its sync_workspace callback)."""
    from pages import data as data_page

    kinds = workspace.UPLOAD_KINDS
    contents = {k: "data:text/csv;base64," + base64.b64encode(raw).decode() if k == kind else None for k in kinds}
    names = {k: name if k == kind else None for k in kinds}
    out = call_with_trigger(f"upload-{kind}.contents", data_page.sync_workspace, dict.fromkeys(data_page.FORM),
                            contents, names, ws)
    return out


@pytest.fixture
def book_ws(call_with_trigger):
    ws = _data_page_upload(call_with_trigger, WS, "trades", BOOK_TRADES, "my-trades.csv")[0]
    return _data_page_upload(call_with_trigger, ws, "lots", BOOK_LOTS, "my-lots.csv")[0]


def test_trades_and_lots_uploaded_on_the_data_page_are_the_tax_pages(book_ws, rates, call_with_trigger):
    badge, accounts, *_rest, trades_status, lots_status = page.load_book(book_ws)
    assert "Your trades (my-trades.csv, 4 rows) and lots (my-lots.csv, 2 rows)" in str(badge)
    assert "4 trades, 2 opening lots" in str(badge)
    # The Tax page's own boxes say the files are loaded, wherever they were dropped.
    assert "Loaded my-trades.csv (4 rows)" in str(trades_status) and "Loaded my-lots.csv (2 rows)" in str(lots_status)
    assert {r["account"]: r["type"] for r in accounts} == {"brokerage": "taxable", "ira": "ira"}
    _store, cards, f8949, *_ = page.replay(accounts, "fifo", [], rates, book_ws, "light")
    # KO: 40 of the 100 bought 2021-03-01 at 50 sold 2022-02-01 at 60, held under a year: 40 x 10 = 400 short-term.
    # AAPL: 20 of the 2019 lot (2250 / 50 = 45 a share) sold at 160: 20 x 115 = 2,300 long-term.
    # Tax: 400 x 24 % + 2,300 x 15 % = 96 + 345 = 441 (no NIIT at $150,000 single).
    assert _kpi(cards, "tax-kpi-short") == "$400" and _kpi(cards, "tax-kpi-long") == "$2,300"
    assert _kpi(cards, "tax-kpi-tax") == "$441"
    assert sorted(r["description"] for r in f8949) == ["20 sh AAPL", "40 sh KO"]


def test_opening_the_tax_page_keeps_the_workspaces_uploads(book_ws, call_with_trigger):
    # Dash calls the upload callback when the page mounts, with the button at 0 clicks and no file.
    out = call_with_trigger("tax-use-sample.n_clicks", page.upload, None, None, 0, None, None, book_ws)
    assert out == (no_update, no_update)
    out = call_with_trigger("upload-tax-trades.contents", page.upload, None, None, 0, None, None, book_ws)
    assert out == (no_update, no_update)
    # A real click on "Use the bundled sample" does drop them.
    back, _alert = call_with_trigger("tax-use-sample.n_clicks", page.upload, None, None, 1, None, None, book_ws)
    assert set(back["uploads"]) == set()
    assert "Bundled sample trades and lots" in str(page.load_book(back)[0])


def test_an_upload_on_the_tax_page_shows_on_the_data_page(call_with_trigger):
    from pages import data as data_page

    contents = "data:text/csv;base64," + base64.b64encode(BOOK_LOTS).decode()
    ws, _alert = call_with_trigger(f"{page.UPLOADS['lots'].upload}.contents", page.upload, None, contents, 0, None,
                                   "tax-lots.csv", WS)
    assert ws["uploads"]["lots"]["name"] == "tax-lots.csv"
    kinds = workspace.UPLOAD_KINDS
    out = call_with_trigger(".", data_page.sync_workspace, dict.fromkeys(data_page.FORM), dict.fromkeys(kinds),
                            dict.fromkeys(kinds), ws)  # the Data page opened afterwards
    assert "Loaded tax-lots.csv (2 rows)" in str(out[11 + kinds.index("lots")])
    assert out[11 + kinds.index("trades")] is None


def test_the_construct_trade_list_starts_from_the_uploaded_lots(book_ws, accounts, rates):
    from pages import construct

    wd = workspace.resolve(book_ws)
    last = wd.prices.iloc[-1]
    # Open lots after the trades: AAPL 50 - 20 = 30 and KO 100 - 40 = 60 in brokerage, MSFT 30 + 10 = 40 in the IRA.
    held = {"AAPL": 30, "KO": 60, "MSFT": 40}
    assert "Holdings from 2 uploaded tax lots (my-lots.csv) and 4 uploaded trades (my-trades.csv)" in str(
        construct.book_label(book_ws))
    value = sum(n * last[t] for t, n in held.items())
    # Target: all in KO, at the value of the book: sell every AAPL and MSFT share the lots hold, buy KO with it.
    _s, rows, _left, stored = construct.trades({"weights": {"KO": 1.0}, "method": "Test"}, value, "greedy", 1,
                                               book_ws)
    trades = {r["ticker"]: (r["side"], r["shares"]) for r in rows}
    assert trades["AAPL"] == ("sell", 30) and trades["MSFT"] == ("sell", 40)
    assert trades["KO"] == ("buy", int((value / last["KO"]) - 60 + 1e-9))
    for r in rows:
        assert r["current_weight"] == pytest.approx(held[r["ticker"]] * last[r["ticker"]] / value)
    # The turnover limit is measured from the same book.
    current = construct._current_weights(book_ws, wd)
    assert current["MSFT"] == pytest.approx(40 * last["MSFT"] / value) and current.sum() == pytest.approx(1.0)
    # The Tax page taxes those sells from the accounts that hold them: 30 AAPL from brokerage, 40 MSFT from the IRA.
    ws = workspace.with_target(book_ws, pd.Series({"KO": 1.0}), "All KO", stored)
    _badge, book_accounts, *_ = page.load_book(ws)
    status, kpis, tax_rows, alert = page.target_tax(book_accounts, "fifo", [], rates, LAST, ws)
    assert alert is None
    sells = {r["ticker"]: r["account"] for r in tax_rows if r["side"] == "sell"}
    assert sells == {"AAPL": "brokerage", "MSFT": "ira"}
    # AAPL: the 30 left of the 2019 lot (45 a share), sold at the last close: long-term.
    assert _money(_kpi(kpis, "tax-kpi-target-long")) == pytest.approx(30 * (last["AAPL"] - 45.0), abs=0.5)


def test_tax_aware_rebalancing_targets_the_book_when_there_is_no_target(book_ws, rates):
    _badge, accounts, *_ = page.load_book(book_ws)
    store = page.replay(accounts, "fifo", [], rates, book_ws, "light")[0]
    curve, _alert = page.tradeoff(store, LAST, rates, book_ws)
    target, cards, _notes, rows, _accounts, _fig, alert = page.rebalance(curve, 1.0, store, LAST, rates, book_ws, "light")
    # No construction target: the portfolio is the book itself, so nothing needs to trade.
    assert alert is None and "Holdings from 2 uploaded tax lots (my-lots.csv)" in str(target)
    assert _kpi(cards, "tax-kpi-rebal-tax") == "$0" and rows == []


def test_construct_book_label_names_the_source_and_a_clash(book_ws):
    from pages import construct

    assert "Cash (no holdings, tax lots or trades uploaded)" in str(construct.book_label(WS))
    ws, _ = workspace.with_upload(book_ws, "holdings", b"ticker,shares\nAAPL,30\nKO,60\nMSFT,45\n", "h.csv")
    text = str(construct.book_label(ws))
    # The lots hold 40 MSFT (30 + 10 bought in the IRA); the holdings file says 45: the file wins, the note says so.
    assert "Uploaded holdings (h.csv)" in text and "MSFT: 45 shares in the holdings, 40 in the lots" in text
    weights_only, _ = workspace.with_upload(WS, "holdings", b"ticker,weight\nAAPL,0.5\nKO,0.5\n", "w.csv")
    assert "weights only, no shares: the trade list starts from cash" in str(construct.book_label(weights_only))


def test_opening_the_page_harvests_nothing():
    # Dash runs a callback whose output (the workspace) is already in the layout when the page mounts, with 0
    # clicks: the harvest must wait for a real click, not answer "Select at least one candidate" on arrival.
    from dash.exceptions import PreventUpdate

    for clicks in (None, 0):
        with pytest.raises(PreventUpdate):
            page.harvest_action(clicks, [], LAST, WS)


def test_the_as_of_date_is_kept_in_the_link_and_survives_a_reload_of_the_book():
    # The as-of date was reset to the data's last date whenever the page opened, so a trip through the navbar
    # lost it. It travels in the link now, and reloading the book keeps it unless the prices end before it.
    assert page.URL.read({"as_of": "2022-06-30"})[0]["as_of"] == "2022-06-30"
    values, problems = page.URL.read({"as_of": "not a date"})
    assert values["as_of"] is None and "as_of='not a date' cannot be read" in problems[0]
    kept = page.load_book(WS, "2022-06-30")
    assert kept[2] == "2022-06-30" and kept[3] == LAST
    assert page.load_book(WS, "2031-01-01")[2] == LAST  # after the prices end: their last date
    assert page.load_book(WS)[2] == LAST  # nothing chosen yet
