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


def test_upload_is_cached_under_the_sha256_of_its_bytes():
    import hashlib

    ws, notes = workspace.with_upload(workspace.DEFAULT, "prices", PRICES, "mine.csv")
    key = ws["uploads"]["prices"]["key"]
    assert key == "prices:" + hashlib.sha256(PRICES).hexdigest()
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
    with pytest.raises(DataError, match="no longer on the server.*Upload it again"):
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

    assert ws["uploads"]["sectors"]["key"] == "sectors:" + hashlib.sha256(raw).hexdigest() and notes == []
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
