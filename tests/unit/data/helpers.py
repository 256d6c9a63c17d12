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
