"""finance_core.data.benchmark: one benchmark series, named after its file or column, checked as prices.
"""

import pandas as pd
import pytest

from finance_core import data
from finance_core.errors import DataError


def _series_csv(header: str, n: int = 40) -> bytes:
    dates = pd.bdate_range("2024-01-01", periods=n)
    return (header + "\n" + "".join(f"{d.date()},{100 + i}\n" for i, d in enumerate(dates))).encode()


def test_benchmark_file_date_value_is_named_after_the_file():
    series = data.read_benchmark_csv(_series_csv("date,value"), name="balanced-60-40.csv")
    assert series.name == "balanced-60-40" and len(series) == 40
    assert series.iloc[0] == 100.0 and series.index[-1] == pd.bdate_range("2024-01-01", periods=40)[-1]


def test_benchmark_file_with_one_named_column_keeps_its_name():
    assert data.read_benchmark_csv(_series_csv("Date,AGG"), name="bonds.csv").name == "AGG"


def test_benchmark_file_with_several_columns_is_refused_naming_them():
    with pytest.raises(DataError, match=r"mine.csv has 5 value columns \(AAPL, JPM, KO, MSFT, XOM\)"):
        data.read_benchmark_csv(data.sample_csv("prices").encode(), name="mine.csv")


def test_benchmark_file_is_checked_like_prices():
    bad = _series_csv("date,value").replace(b",105\n", b",-5\n")
    with pytest.raises(DataError, match="bench.csv"):
        data.read_benchmark_csv(bad, name="bench.csv")
    with pytest.raises(DataError, match="at least 30"):
        data.read_benchmark_csv(_series_csv("date,value", n=10), name="bench.csv")
