"""CSV downloads never start a cell a spreadsheet would run as a formula (OWASP CSV injection)."""

import io

import pandas as pd

from components.csv_export import escape_cell, escape_frame
from pages import construct

EVIL = "=CMD|' /C calc'!A0"


def _csv(sent: dict) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(sent["content"]), dtype=str, keep_default_na=False)


def test_the_trades_csv_escapes_a_formula_ticker_and_keeps_negative_numbers():
    rows = [{"ticker": EVIL, "account": "+SUM(A1)", "shares": -12, "value": -1234.5},
            {"ticker": "AAPL", "account": "@home", "shares": 3, "value": 500.0}]
    table = _csv(construct.download_trades(1, rows))
    assert table["ticker"].tolist() == ["'" + EVIL, "AAPL"]
    assert table["account"].tolist() == ["'+SUM(A1)", "'@home"]
    assert table["shares"].tolist() == ["-12", "3"] and table["value"].tolist() == ["-1234.5", "500.0"]


def test_every_formula_start_is_escaped_and_other_text_is_not():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert escape_cell(start + "1+1") == "'" + start + "1+1"
    assert escape_cell("AAPL") == "AAPL" and escape_cell(-3.5) == -3.5 and escape_cell(None) is None
    frame = escape_frame(pd.DataFrame({"=x": ["-1", "ok"], "n": [-1.0, 2.0]}))
    assert list(frame.columns) == ["'=x", "n"] and frame["'=x"].tolist() == ["'-1", "ok"]
    assert frame["n"].tolist() == [-1.0, 2.0]
