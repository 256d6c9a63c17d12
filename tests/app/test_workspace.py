"""workspace.py: selection rules, upload caching by content hash, isolation."""

import pandas as pd
import pytest

import workspace
from finance_core import data
from finance_core.errors import DataError

PRICES = data.sample_csv("prices").encode()


def test_default_workspace_resolves_to_the_bundled_data():
    wd = workspace.resolve(workspace.DEFAULT)
    assert wd.prices.shape[1] == 20
    assert wd.prices.index[0] >= pd.Timestamp("2013-01-02") and wd.prices.index[-1] == pd.Timestamp("2022-12-28")
    assert wd.benchmark_name == "S&P 500 total return (dividends reinvested)" and wd.benchmark.index.equals(wd.prices.index)
    assert not wd.uses_upload


def test_upload_is_cached_under_a_session_bound_key():
    import hashlib

    ws, notes = workspace.with_upload(workspace.DEFAULT, "prices", PRICES, "mine.csv")
    key = ws["uploads"]["prices"]["key"]
    # Not the bare SHA-256 of the file (anyone with the file could compute that) ...
    assert key != "prices:" + hashlib.sha256(PRICES).hexdigest() and len(key) == len("prices:") + 64
    # ... but still content-addressed within the session: the same file again reuses its entry.
    again, _ = workspace.with_upload(ws, "prices", PRICES, "mine.csv")
    assert again["uploads"]["prices"]["key"] == key and again[workspace.SESSION] == ws[workspace.SESSION]
    # Only the key travels: the workspace JSON holds no prices.
    assert len(str(ws)) < 1000
    wd = workspace.resolve(ws)
    assert wd.source == "upload" and list(wd.prices.columns) == ["AAPL", "JPM", "KO", "MSFT", "XOM"]
    # The uploads overlap the bundled index, so the S&P 500 (total return) remains the benchmark.
    assert wd.benchmark_name == "S&P 500 total return (dividends reinvested)"


def test_another_session_does_not_see_an_upload():
    workspace.with_upload(workspace.DEFAULT, "prices", PRICES, "mine.csv")
    other = workspace.resolve(workspace.DEFAULT)  # a fresh session starts from DEFAULT
    assert other.source == "sp500" and not other.uploads


def test_expired_upload_says_upload_again():
    ws = dict(workspace.DEFAULT, source="upload", uploads={"prices": {"key": "prices:deadbeef", "name": "old.csv"}})
    with pytest.raises(DataError, match="not available in this browser session.*Load the file again"):
        workspace.resolve(ws)


def test_selection_rules_refuse_bad_choices_and_change_nothing():
    ws = dict(workspace.DEFAULT)
    with pytest.raises(DataError, match="pick at least one ticker"):
        workspace.select(ws, universe=[])
    with pytest.raises(DataError, match="not before the end date"):
        workspace.select(ws, start="2020-01-01", end="2019-01-01")
    with pytest.raises(DataError, match="at least 30 are needed"):
        workspace.select(ws, start="2020-01-01", end="2020-01-15")
    assert ws == workspace.DEFAULT


def test_switching_source_resets_universe_and_window():
    ws = workspace.select(workspace.DEFAULT, universe=["AAPL", "MSFT"])
    ws = workspace.select(ws, source="factors")
    wd = workspace.resolve(ws)
    assert list(wd.prices.columns) == ["MTUM", "QUAL", "SIZE", "USMV", "VLUE"]
    assert ws["start"] == "2014-01-02"  # the factor data start inside a 10-year window


def test_holdings_are_checked_against_the_price_universe():
    with pytest.raises(DataError, match=r"ZZZ \(row 2\)"):
        workspace.with_upload(workspace.DEFAULT, "holdings", b"ticker,shares\nZZZ,1\n", "h.csv")
    ws, _ = workspace.with_upload(workspace.DEFAULT, "holdings", b"ticker,shares\nAAPL,10\n", "h.csv")
    assert workspace.resolve(ws).holdings.loc["AAPL", "shares"] == 10


def _own_prices(tickers=("AAPL", "NVDA", "ZZZ"), n=40) -> bytes:
    """Prices for a universe mostly outside the bundled S&P 20 (so without bundled sectors)."""
    dates = pd.bdate_range("2024-01-01", periods=n)
    rows = ["date," + ",".join(tickers)] + [
        f"{d.date()}," + ",".join(f"{100 + i + 5 * j:.2f}" for j in range(len(tickers))) for i, d in enumerate(dates)
    ]
    return "\n".join(rows).encode()


def test_uploaded_sector_map_classifies_an_own_universe():
    ws, _ = workspace.with_upload(workspace.DEFAULT, "prices", _own_prices(), "own.csv")
    before = workspace.resolve(ws)
    assert before.sectors.to_dict() == {"AAPL": "Information Technology", "NVDA": "Unclassified",
                                        "ZZZ": "Unclassified"}
    assert any("2 of 3 assets have no sector (NVDA, ZZZ)" in n and "Upload a sector map" in n for n in before.notes)
    raw = b"ticker,sector\nnvda,Semiconductors\nAAPL,Hardware\nMSFT,Software\n"
    ws, notes = workspace.with_upload(ws, "sectors", raw, "map.csv")
    import hashlib

    key = ws["uploads"]["sectors"]["key"]
    assert key == workspace.FrameStore.key_for("sectors", raw, workspace.session_secret(ws)) and notes == []
    assert key != "sectors:" + hashlib.sha256(raw).hexdigest()  # bound to the session, not the bare hash
    after = workspace.resolve(ws)
    # The map extends (NVDA) and overrides (AAPL) the bundled sectors; ZZZ stays unclassified, with a note.
    assert after.sectors.to_dict() == {"AAPL": "Hardware", "NVDA": "Semiconductors", "ZZZ": "Unclassified"}
    assert any(n.startswith("1 of 3 assets has no sector (ZZZ): not in the sector map map.csv") for n in after.notes)
    # Every page reading the source sees the same sectors (the tax desk reads source_prices).
    assert workspace.source_prices(ws).sectors["NVDA"] == "Semiconductors"
    # A later prices upload keeps the map.
    ws2, _ = workspace.with_upload(ws, "prices", _own_prices(("NVDA", "AMD")), "own2.csv")
    assert workspace.resolve(ws2).sectors.to_dict() == {"NVDA": "Semiconductors", "AMD": "Information Technology"}
    # Uploaded maps do not travel in links, and the link says so.
    assert any("sector map" in p for p in workspace.to_query(ws)[1])


def test_sector_map_overrides_the_bundled_dataset_for_its_tickers():
    ws, _ = workspace.with_upload(workspace.DEFAULT, "sectors", b"ticker,sector\nAAPL,Hardware\n", "m.csv")
    wd = workspace.resolve(ws)
    assert wd.sectors["AAPL"] == "Hardware" and wd.sectors["XOM"] == "Energy" and wd.notes == ()


def test_sector_map_matching_no_ticker_is_refused_naming_both_sides():
    ws, _ = workspace.with_upload(workspace.DEFAULT, "prices", _own_prices(), "own.csv")
    raw = b"ticker,sector\nQQQ,ETF\nSPY,ETF\nIWM,ETF\nDIA,ETF\nEEM,ETF\nGLD,Gold\n"
    with pytest.raises(DataError, match=r"^map\.csv: none of its 6 tickers \(QQQ, SPY, IWM, DIA, EEM and 1 more\) "
                                        r"are in the current prices \(AAPL, NVDA, ZZZ\)") as err:
        workspace.with_upload(ws, "sectors", raw, "map.csv")
    assert err.value.code == "unknown_ticker"
    assert "sectors" not in ws["uploads"]


def test_sector_map_that_no_longer_matches_is_ignored_with_a_note():
    ws, _ = workspace.with_upload(workspace.DEFAULT, "prices", _own_prices(), "own.csv")
    ws, _ = workspace.with_upload(ws, "sectors", b"ticker,sector\nZZZ,Widgets\n", "map.csv")
    ws = workspace.select(ws, source="sp500")  # back to the bundled data: ZZZ is not there
    wd = workspace.resolve(ws)
    assert wd.sectors["AAPL"] == "Information Technology"
    assert wd.notes == ("Sector map map.csv ignored: none of its tickers (ZZZ) are in the current prices "
                        "(AAPL, AMD, BAC, BBY, CVX and 15 more).",)


def _export(ticker, n=60, offset=0):
    """A Yahoo-Finance-style export (Date,Open,High,Low,Close,Adj Close,Volume) of a bundled ticker."""
    closes = data.load_dataset("sp500").prices[ticker].iloc[-n - offset:][:n]
    rows = ["Date,Open,High,Low,Close,Adj Close,Volume"] + [
        f"{d.date()},{p:.4f},{p * 1.01:.4f},{p * 0.99:.4f},{p * 1.002:.4f},{p:.4f},{10_000 + i}"
        for i, (d, p) in enumerate(closes.items())]
    return ("\n".join(rows) + "\n").encode(), closes.round(4)


def test_one_ticker_exports_add_to_the_uploaded_prices():
    aapl, a = _export("AAPL")
    msft, m = _export("MSFT", offset=10)  # ten dates earlier: 50 dates in common
    ws, _ = workspace.with_upload(workspace.DEFAULT, "prices", aapl, "AAPL.csv")
    assert list(workspace.resolve(ws).prices.columns) == ["AAPL"]
    ws, notes = workspace.with_upload(ws, "prices", msft, "MSFT.csv")
    assert "Added MSFT to the uploaded prices (now AAPL, MSFT)." in notes
    assert any("Aligned on the 50 dates" in n for n in notes)
    wd = workspace.resolve(ws)
    assert list(wd.prices.columns) == ["AAPL", "MSFT"] and len(wd.prices) == 50
    # Each column is its own file's Adj Close on the common dates.
    assert wd.prices["MSFT"].to_numpy() == pytest.approx(m.iloc[10:].to_numpy())
    assert wd.prices["AAPL"].to_numpy() == pytest.approx(a.iloc[:50].to_numpy())
    assert ws["uploads"]["prices"]["name"] == "AAPL.csv + MSFT.csv" and ws["uploads"]["prices"]["rows"] == 50
    assert len(str(ws)) < 1000  # still only keys in the workspace
    # The same ticker again replaces its prices, keeping the other file's.
    ws, notes = workspace.with_upload(ws, "prices", _export("AAPL", n=55)[0], "AAPL (1).csv")
    assert notes[-2].startswith("Replaced AAPL with the prices in AAPL (1).csv (now MSFT, AAPL)")
    assert ws["uploads"]["prices"]["name"] == "MSFT.csv + AAPL (1).csv"
    # A normal wide file replaces the uploaded prices.
    ws, notes = workspace.with_upload(ws, "prices", PRICES, "mine.csv")
    assert list(workspace.resolve(ws).prices.columns) == ["AAPL", "JPM", "KO", "MSFT", "XOM"]
    assert ws["uploads"]["prices"]["name"] == "mine.csv"


def test_an_export_sharing_too_few_dates_changes_nothing():
    ws, _ = workspace.with_upload(workspace.DEFAULT, "prices", _export("AAPL")[0], "AAPL.csv")
    old = _export("MSFT", offset=200)[0]  # 60 dates ending 200 days before AAPL's
    with pytest.raises(DataError, match=r"MSFT\.csv .* shares 0 dates with the uploaded prices of AAPL"):
        workspace.with_upload(ws, "prices", old, "MSFT.csv")
    assert list(workspace.resolve(ws).prices.columns) == ["AAPL"]


# --------------------------------------------------------------------------- one book for every page
LOTS = b"""account,ticker,acquired,shares,cost_basis,account_type
brokerage,AAPL,2019-03-15,50,2340.00,taxable
brokerage,AAPL,2021-11-02,40,6020.00,taxable
brokerage,XOM,2022-06-08,60,6612.00,taxable
ira,MSFT,2020-01-10,30,4860.00,ira
"""
TRADES = b"""date,account,ticker,side,shares,price
2022-03-01,brokerage,AAPL,sell,25,163.20
2022-05-02,ira,KO,buy,50,63.09
2022-06-01,brokerage,XOM,buy,10,90.00
"""
LAST_CLOSE = data.load_dataset("sp500").prices.loc["2022-12-28"]


def test_open_lot_shares_sum_the_sample_lots_and_replay_the_sample_trades():
    from finance_core import tax

    # finance_core/data/sample_lots.csv holds one lot per ticker: the shares column as it stands.
    lots_only = workspace.open_lot_shares(tax.sample_lots())
    assert lots_only.to_dict() == {"AAPL": 50, "BBY": 80, "HD": 25, "KO": 100, "MSFT": 30, "PG": 40, "UNH": 15,
                                   "WMT": 35, "XOM": 120}
    # With sample_trades.csv replayed on them (worked by hand from the two files):
    # AAPL 50 + 60 bought - 20 sold = 90; MSFT 30 (ira) + 40 - 15 = 55 over two accounts; AMD 100 - 100 + 100 + 20
    # = 120; PFE 200 - 200 + 80 = 80; BAC 50 - 50 in brokerage + 50 in the ira = 50; BBY 80 - 30 = 50; JNJ 30 and
    # MRK 40 bought; HD, KO, PG, UNH, WMT, XOM untouched.
    both = workspace.open_lot_shares(tax.sample_lots(), tax.sample_trades())
    assert both.to_dict() == {"AAPL": 90, "AMD": 120, "BAC": 50, "BBY": 50, "HD": 25, "JNJ": 30, "KO": 100,
                              "MRK": 40, "MSFT": 55, "PFE": 80, "PG": 40, "UNH": 15, "WMT": 35, "XOM": 120}


def test_uploaded_lots_are_the_current_holdings_and_the_portfolio():
    ws, _ = workspace.with_upload(workspace.DEFAULT, "lots", LOTS, "lots.csv")
    wd = workspace.resolve(ws)
    # AAPL 50 + 40 over two lots, XOM 60, MSFT 30 in the IRA: shares per ticker summed over lots and accounts.
    assert wd.book.kind == "lots" and wd.book.label == "Holdings from 4 uploaded tax lots (lots.csv)"
    assert wd.holdings["shares"].to_dict() == {"AAPL": 90, "MSFT": 30, "XOM": 60}
    # The risk and presentation portfolio: market value weights at the last close, before equal weight.
    port = workspace.portfolio(ws)
    value = 90 * LAST_CLOSE["AAPL"] + 30 * LAST_CLOSE["MSFT"] + 60 * LAST_CLOSE["XOM"]
    assert port.kind == "holdings" and port.label == "Holdings from 4 uploaded tax lots (lots.csv)"
    assert port.value == pytest.approx(value)
    assert port.weights["AAPL"] == pytest.approx(90 * LAST_CLOSE["AAPL"] / value) and port.weights["KO"] == 0
    assert any("tax lots and trades" in p for p in workspace.to_query(ws)[1])  # the link cannot carry them


def test_uploaded_trades_are_replayed_onto_the_lots():
    ws, _ = workspace.with_upload(workspace.DEFAULT, "lots", LOTS, "lots.csv")
    ws, _ = workspace.with_upload(ws, "trades", TRADES, "t.csv")
    book = workspace.resolve(ws).book
    # AAPL 90 - 25 sold = 65; KO 50 bought in the IRA; XOM 60 + 10 = 70; MSFT 30.
    assert book.shares.to_dict() == {"AAPL": 65, "KO": 50, "MSFT": 30, "XOM": 70}
    assert book.label == "Holdings from 4 uploaded tax lots (lots.csv) and 3 uploaded trades (t.csv)"
    # Trades alone (no lots): their own buys and sells.
    alone, _ = workspace.with_upload(workspace.DEFAULT, "trades", b"date,account,ticker,side,shares,price\n"
                                     b"2022-01-03,brokerage,KO,buy,40,60\n2022-02-01,brokerage,KO,sell,15,62\n", "k.csv")
    assert workspace.resolve(alone).book.shares.to_dict() == {"KO": 25}


def test_holdings_win_over_disagreeing_lots_with_a_note_naming_the_ticker():
    ws, _ = workspace.with_upload(workspace.DEFAULT, "lots", LOTS, "lots.csv")
    ws, _ = workspace.with_upload(ws, "holdings", b"ticker,shares\nAAPL,100\nMSFT,30\nXOM,60\n", "h.csv")
    wd = workspace.resolve(ws)
    assert wd.book.kind == "holdings" and wd.holdings["shares"].to_dict() == {"AAPL": 100, "MSFT": 30, "XOM": 60}
    assert workspace.portfolio(ws).label == "Uploaded holdings (h.csv)"
    (note,) = wd.notes
    assert note.startswith("The holdings file h.csv disagrees with the open lots of the 4 uploaded tax lots "
                           "(lots.csv) on 1 of 3 tickers (AAPL: 100 shares in the holdings, 90 in the lots)")
    assert "The holdings are used" in note
    agree, _ = workspace.with_upload(ws, "holdings", b"ticker,shares\nAAPL,90\nMSFT,30\nXOM,60\n", "h2.csv")
    assert workspace.resolve(agree).notes == ()


def test_trades_that_cannot_be_replayed_leave_no_holdings_and_say_why():
    ws, _ = workspace.with_upload(workspace.DEFAULT, "lots", LOTS, "lots.csv")
    ws, _ = workspace.with_upload(ws, "trades", b"date,account,ticker,side,shares,price\n"
                                  b"2022-07-01,brokerage,XOM,sell,75,90\n", "over.csv")
    wd = workspace.resolve(ws)  # the other pages still work
    assert wd.holdings is None and wd.book.kind == "none"
    assert any(n.startswith("No holdings from the 4 uploaded tax lots (lots.csv) and 1 uploaded trades (over.csv): "
                            "Trade row 2") and "only 60 shares" in n and n.endswith("trades start from cash.") for n in wd.notes)
    assert workspace.portfolio(ws).kind == "equal"


def test_lots_outside_the_prices_are_ignored_with_a_note():
    ws, _ = workspace.with_upload(workspace.DEFAULT, "lots", b"account,ticker,acquired,shares,cost_basis\n"
                                  b"brokerage,AAPL,2020-01-02,10,700\nbrokerage,ZZZ,2020-01-02,5,50\n", "z.csv")
    wd = workspace.resolve(ws)
    assert wd.holdings is None
    assert "Holdings from the 2 uploaded tax lots (z.csv) ignored: ZZZ is not in the current prices." in wd.notes


def test_risk_and_presentation_pages_analyse_the_lots_and_say_so():
    import app  # noqa: F401  (registers the pages)
    from pages import present, risk

    ws, _ = workspace.with_upload(workspace.DEFAULT, "lots", LOTS, "lots.csv")
    badge, kpis, *_rest, alert = risk.performance(ws, "light")
    assert alert is None and "Holdings from 4 uploaded tax lots (lots.csv)" in str(badge)
    # The CAGR of the lots' market-value weights (AAPL 90, MSFT 30, XOM 60 at the last close), not equal weight.
    port = workspace.portfolio(ws)
    from finance_core import risk as frisk

    wd = workspace.resolve(ws)
    expected = frisk.performance_summary(frisk.portfolio_returns(wd.returns, port.weights))["cagr"]
    assert f"{expected:.2%}" in str(kpis)
    title, *_ = present.render({}, None, None, ws)
    assert title == "Portfolio Desk: Holdings from 4 uploaded tax lots (lots.csv)"
