"""Files the reader tests share: a wide prices file and the refusal of a prices file."""

import pandas as pd
import pytest

from finance_core import data
from finance_core.errors import DataError


def wide_rows(n=40, tickers=("AAA", "BBB")):
    """A wide prices file as lines: date,AAA,BBB with n business days from 2024-01-01, prices 100 + row + column."""
    dates = pd.bdate_range("2024-01-01", periods=n)
    rows = ["date," + ",".join(tickers)]
    for i, d in enumerate(dates):
        rows.append(f"{d.date()}," + ",".join(f"{100 + i + j:.2f}" for j in range(len(tickers))))
    return rows


def refused(text_or_bytes, match, **kw):
    """The DataError read_prices_csv raises on a file named prices.csv, checked to match and to name the file."""
    raw = text_or_bytes if isinstance(text_or_bytes, bytes) else text_or_bytes.encode()
    with pytest.raises(DataError, match=match) as info:
        data.read_prices_csv(raw, name="prices.csv", **kw)
    assert "prices.csv" in str(info.value)
    return info.value


def read_or_message(text: str, name: str = "p.csv"):
    """``load_prices_csv`` of ``text``: the Loaded, or the DataError's message (to compare two ways of reading)."""
    try:
        return data.load_prices_csv(text.encode(), name=name)
    except DataError as err:
        return str(err)


def same_reading(first, second) -> None:
    """Two readings of one file are the same: the same message, or the same frame (exactly), notes and ticker."""
    assert type(first) is type(second)
    if isinstance(first, str):
        assert first == second
    else:
        pd.testing.assert_frame_equal(first.frame, second.frame, check_exact=True)
        assert first.notes == second.notes and first.ticker == second.ticker
