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
    assert wd.benchmark_name == "S&P 500" and wd.benchmark.index.equals(wd.prices.index)
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
    # The uploads overlap the bundled index, so the S&P 500 remains the benchmark.
    assert wd.benchmark_name == "S&P 500"


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
