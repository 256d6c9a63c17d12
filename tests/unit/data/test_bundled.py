"""finance_core.data.bundled: the bundled datasets against their files and README, and simple returns.
"""

import gzip

import numpy as np
import pandas as pd
import pytest

from finance_core import data
from finance_core.errors import DataError


def test_sp500_dataset_matches_the_shared_files():
    ds = data.load_dataset("sp500")
    # Shape and date span as stated in shared/data/README.md: 8,313 rows, 1990-01-02 .. 2022-12-28, 20 tickers.
    assert ds.prices.shape == (8313, 20)
    assert ds.prices.index[0] == pd.Timestamp("1990-01-02")
    assert ds.prices.index[-1] == pd.Timestamp("2022-12-28")
    assert set(ds.tickers) == set(["AAPL", "AMD", "BAC", "BBY", "CVX", "GE", "HD", "JNJ", "JPM", "KO", "LLY", "MRK", "MSFT", "PEP", "PFE", "PG", "RRC", "UNH", "WMT", "XOM"])
    assert ds.benchmark.index.equals(ds.prices.index) and ds.benchmark.notna().all()
    # sectors.csv: public GICS sectors.
    assert ds.sectors["XOM"] == "Energy" and ds.sectors["JPM"] == "Financials"
    assert ds.names["AAPL"] == "Apple Inc."
    # The raw file's first close of AAPL, read independently of our loader.
    with gzip.open(data.DATA_DIR / "sp500_dataset.csv.gz", "rt") as fh:
        raw = pd.read_csv(fh)
    assert ds.prices["AAPL"].iloc[0] == pytest.approx(raw["AAPL"].iloc[0])


def test_factor_dataset_loads_with_benchmark():
    ds = data.load_dataset("factors")
    assert list(ds.prices.columns) == ["MTUM", "QUAL", "SIZE", "USMV", "VLUE"]
    assert len(ds.prices) == 2264  # shared/data/README.md
    assert ds.benchmark.notna().all()


def test_unknown_dataset_names_the_choices():
    with pytest.raises(DataError, match="sp500, factors"):
        data.load_dataset("ftse")


def test_to_returns_is_simple_returns():
    prices = pd.DataFrame({"A": [100.0, 110.0, 99.0]}, index=pd.date_range("2024-01-01", periods=3))
    r = data.to_returns(prices)
    assert r["A"].tolist() == pytest.approx([0.10, -0.10])


def test_bundled_prices_have_no_gaps_or_non_positive_values():
    ds = data.load_dataset("sp500")
    assert np.isfinite(ds.prices.to_numpy()).all() and (ds.prices.to_numpy() > 0).all()
