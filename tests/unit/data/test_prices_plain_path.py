"""finance_core.data: a plain wide prices file read in one pass gives exactly what the house path gives.

``decoder.plain_number_frame`` hands a plain comma-separated file of decimal prices to pandas' C parser
instead of splitting its cells into Python strings (issue 12.6: a 500 x 2,520 file in under 1 s). The house
path (``read_rows``, ``cell_frame``, ``parse_numbers``) is the reference: every file is read twice, once as
shipped and once with the plain path switched off, and the frames, notes, tickers and messages must be
identical. The values are also checked against Python's ``float`` of the texts (correctly rounded).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finance_core import data
from finance_core.data import decoder, prices

from .helpers import read_or_message, same_reading

DATES = [d.date().isoformat() for d in pd.bdate_range("2024-01-02", periods=40)]


def _read_both(text: str, monkeypatch: pytest.MonkeyPatch, name: str = "p.csv"):
    """(plain, house, plain path taken): each a Loaded or the DataError message."""
    taken: list[bool] = []
    plain_number_frame = decoder.plain_number_frame

    def spy(doc, text_columns):
        out = plain_number_frame(doc, text_columns)
        taken.append(out is not None)
        return out

    with monkeypatch.context() as m:
        m.setattr(prices, "plain_number_frame", spy)
        plain = read_or_message(text, name)
    with monkeypatch.context() as m:
        m.setattr(prices, "_plain_wide", lambda doc: None)
        house = read_or_message(text, name)
    return plain, house, any(taken)


_same = same_reading


def _file(columns: dict[str, list[str]], dates: list[str] = DATES, line_end: str = "\n") -> str:
    header = ",".join(["date", *columns])
    rows = [",".join([d, *(col[i] for col in columns.values())]) for i, d in enumerate(dates)]
    return line_end.join([header, *rows]) + line_end


def _walk(seed: int, n: int = 40, decimals: int = 4) -> list[str]:
    rng = np.random.default_rng(seed)
    return [f"{p:.{decimals}f}" for p in 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))]


def test_a_plain_file_takes_the_one_pass_path_and_reads_what_python_reads(monkeypatch):
    aaa, bbb = _walk(1), _walk(2, decimals=6)
    aaa[5] = aaa[6] = ""  # a two-day gap, forward-filled with a note
    bbb[0] = ""  # a late start, trimmed with a note
    plain, house, taken = _read_both(_file({"AAA": aaa, "bbb": bbb}, line_end="\r\n"), monkeypatch)
    assert taken
    _same(plain, house)
    frame = plain.frame
    assert list(frame.columns) == ["AAA", "BBB"] and len(frame) == 39  # upper-cased; the first date trimmed
    assert frame["AAA"].iloc[4] == frame["AAA"].iloc[3] == float(aaa[4])  # dates 6 and 7 carried forward
    assert frame["BBB"].iloc[-1] == float(bbb[-1]) and frame["AAA"].iloc[-1] == float(aaa[-1])
    assert "Filled short gaps with the previous price: AAA (2) missing value(s)." in plain.notes


@pytest.mark.parametrize("change,why", [
    (lambda c: c.__setitem__(3, "12"), "an integer cell (read by to_numeric)"),
    (lambda c: c.__setitem__(3, "12."), "a trailing point"),
    (lambda c: c.__setitem__(3, "-12.5"), "a negative price"),
    (lambda c: c.__setitem__(3, "+12.5"), "a sign"),
    (lambda c: c.__setitem__(3, "1.2.3"), "two points"),
    (lambda c: c.__setitem__(3, "1e5"), "an exponent"),
    (lambda c: c.__setitem__(3, "inf"), "infinity"),
    (lambda c: c.__setitem__(3, "9" * 400 + ".5"), "beyond the largest float"),
    (lambda c: c.__setitem__(3, " 12.5"), "a space"),
    (lambda c: c.__setitem__(3, '"12.5"'), "a quote"),
    (lambda c: c.__setitem__(3, "0.0"), "a zero price"),
    (lambda c: c.__setitem__(3, "."), "a point alone"),
    (lambda c: c.__setitem__(3, "12.5,7.5"), "a ragged row"),
    (lambda c: c.__setitem__(slice(3, 10), [""] * 7), "a gap too long"),
])
def test_a_file_the_one_pass_path_declines_reads_or_fails_the_same(monkeypatch, change, why):
    aaa = _walk(3)
    change(aaa)
    plain, house, _ = _read_both(_file({"AAA": aaa, "BBB": _walk(4)}), monkeypatch)
    _same(plain, house)


@pytest.mark.parametrize("text", [
    _file({"AAA": _walk(5), "BBB": _walk(6)}).replace("\n", "\n\n", 3),  # blank lines keep row numbers
    _file({"AAA": _walk(5), "BBB": _walk(6)}).replace(f"\n{DATES[4]},", "\n,", 1),  # a blank date
    _file({"AAA": _walk(5), "BBB": _walk(6)}).replace(f"{DATES[4]},", f"{DATES[3]},", 1),  # a repeated date
    _file({"AAA": _walk(5), "BBB": _walk(6)}).replace(f"\n{DATES[7]},", "\n,,\n" + DATES[7] + ",", 1),  # ",,"
    _file({"AAA": _walk(5), "aaa": _walk(6)}),  # the same ticker twice
    _file({"AAA": _walk(5), "": _walk(6)}),  # a column without a name
    _file({"AAA": _walk(5), "BBB": _walk(6)}, dates=[d.replace("-", ".") for d in DATES]),  # dotted dates
    _file({"AAA": _walk(5), "BBB": _walk(6)}, dates=["2024-02-30", *DATES[1:]]),  # no such day
    _file({"AAA": _walk(5), "BBB": _walk(6)}).replace("\n", "\r", 2),  # a lone carriage return
    _file({"AAA": _walk(5), "Volume": _walk(6)}),  # not prices
    _file({"Open": _walk(5), "Close": _walk(6)}),  # one ticker's export, named after the file
    "date,ticker,price\n" + "".join(f"{d},AAA,{p}\n" for d, p in zip(DATES, _walk(7), strict=True)),  # long
])
def test_odd_files_read_or_fail_the_same_either_way(monkeypatch, text):
    plain, house, _ = _read_both(text, monkeypatch, name="AAPL.csv")
    _same(plain, house)


def test_the_sample_and_a_wide_generated_file_read_the_same(monkeypatch):
    plain, house, taken = _read_both(data.sample_csv("prices"), monkeypatch)
    _same(plain, house)
    rng = np.random.default_rng(8)
    walks = {f"T{j:03d}": [f"{v:.{rng.integers(2, 9)}f}" for v in 10 ** rng.uniform(0, 4, len(DATES))]
             for j in range(60)}
    plain, house, taken = _read_both(_file(walks), monkeypatch)
    assert taken
    _same(plain, house)
    assert plain.frame["T007"].tolist() == [float(v) for v in walks["T007"]]


DIGITS = "0123456789"
#: What the one-pass path reads: digits, one point, digits (up to 20 decimals: beyond a float's 17).
PLAIN = st.builds(lambda whole, frac: f"{whole}.{frac}", st.text(DIGITS, max_size=6), st.text(DIGITS, min_size=1, max_size=20))
ODD = st.sampled_from(["", "12", "12.", "-1.5", ".", "0.0", "1.2.3", "00.5", "9" * 330 + ".0", "1e3", "nan"])


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(PLAIN, min_size=3, max_size=3), min_size=31, max_size=31),
       st.lists(st.tuples(st.integers(0, 30), st.integers(0, 2), ODD), max_size=3))
def test_random_cells_read_or_fail_the_same_either_way(rows, odd):
    for row, column, cell in odd:  # a few odd cells (none in some files: the one-pass path reads those)
        rows[row][column] = cell
    columns = {name: [r[j] for r in rows] for j, name in enumerate(("AAA", "BBB", "CCC"))}
    with pytest.MonkeyPatch.context() as monkeypatch:
        plain, house, _ = _read_both(_file(columns, dates=DATES[:31]), monkeypatch)
    _same(plain, house)
