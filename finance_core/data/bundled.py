"""The bundled datasets (S&P 500 stocks, factor ETFs, the index and its published annual returns) and returns.

The files sit next to this module in ``finance_core/data/``; their provenance is in its README.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from ..benchmark import income_returns, total_return_index
from ..errors import DataError

__all__ = [
    "DATA_DIR",
    "Dataset",
    "DATASETS",
    "BENCHMARK_TICKER",
    "TOTAL_RETURN_TICKER",
    "BENCHMARK_LABELS",
    "load_dataset",
    "load_annual_returns",
    "to_returns",
]

#: The folder of the bundled files (this package's folder).
DATA_DIR = Path(__file__).parent
#: Name of the benchmark column of the bundled datasets (the S&P 500 price index: no dividends).
BENCHMARK_TICKER = "SP500"
#: The S&P 500 total-return index built from it (dividends reinvested), the desk's default benchmark.
TOTAL_RETURN_TICKER = "SP500TR"
#: How the bundled benchmarks are named wherever they are shown, so nobody takes one for the other.
BENCHMARK_LABELS = {
    TOTAL_RETURN_TICKER: "S&P 500 total return (dividends reinvested)",
    BENCHMARK_TICKER: "S&P 500 (price index)",
}

_FACTOR_NAMES = {
    "MTUM": "iShares MSCI USA Momentum Factor ETF",
    "QUAL": "iShares MSCI USA Quality Factor ETF",
    "SIZE": "iShares MSCI USA Size Factor ETF",
    "USMV": "iShares MSCI USA Min Vol Factor ETF",
    "VLUE": "iShares MSCI USA Value Factor ETF",
}


# --------------------------------------------------------------------------- datasets
@dataclass(frozen=True)
class Dataset:
    """A price history with its benchmark and descriptive data.

    ``prices``: dates x tickers (adjusted closes, dividends reinvested); ``benchmark``:
    the S&P 500 price index on the same dates (no dividends); ``total_return_benchmark``:
    the S&P 500 total-return index built from it (see :func:`load_annual_returns`);
    ``sectors`` and ``names``: Series indexed by ticker.
    """

    key: str
    title: str
    prices: pd.DataFrame
    benchmark: pd.Series
    sectors: pd.Series
    names: pd.Series
    source_note: str = ""
    total_return_benchmark: pd.Series | None = None

    @property
    def tickers(self) -> list[str]:
        return list(self.prices.columns)


DATASETS = {
    "sp500": "S&P 500: 20 large US stocks, 1990-2022",
    "factors": "US factor ETFs (MTUM QUAL SIZE USMV VLUE), 2014-2022",
}


def _read_bundled(name: str) -> pd.DataFrame:
    frame = pd.read_csv(DATA_DIR / name, parse_dates=["Date"], index_col="Date")
    frame.index.name = "date"
    return frame.astype(float)


@cache
def load_dataset(name: str = "sp500") -> Dataset:
    """Load a bundled dataset: ``"sp500"`` (20 stocks) or ``"factors"`` (5 ETFs).

    Both come with the S&P 500 price index and the S&P 500 total-return index built from
    it, aligned to their dates. Data from the skfolio package (BSD-3-Clause) and S&P Dow
    Jones Indices' published annual returns; see ``finance_core/data/README.md``.
    """
    if name not in DATASETS:
        raise DataError(
            f"Unknown dataset {name!r}: choose one of {', '.join(DATASETS)}.", code="unknown_dataset"
        )
    index = _read_bundled("sp500_index.csv.gz").iloc[:, 0].rename(BENCHMARK_TICKER)
    note = "skfolio datasets (BSD-3-Clause), adjusted daily closes in USD"
    if name == "sp500":
        prices = _read_bundled("sp500_dataset.csv.gz")
        meta = pd.read_csv(DATA_DIR / "sectors.csv", index_col="ticker")
        sectors, names = meta["sector"], meta["name"]
    else:
        prices = _read_bundled("factors_dataset.csv.gz")
        sectors = pd.Series("Factor ETF", index=prices.columns, name="sector")
        names = pd.Series(_FACTOR_NAMES, name="name")
    prices = prices.ffill().dropna(how="any")
    prices = pd.DataFrame(prices.to_numpy(dtype=float), index=prices.index, columns=prices.columns)  # one block
    benchmark = index.reindex(prices.index).ffill()
    total = total_return_index(index, income_returns(load_annual_returns()))
    total = total.reindex(prices.index).ffill().rename(TOTAL_RETURN_TICKER)
    for obj in (prices, benchmark, total, sectors, names):
        obj.flags.allows_duplicate_labels = True
    return Dataset(
        key=name,
        title=DATASETS[name],
        prices=prices,
        benchmark=benchmark,
        sectors=sectors.reindex(prices.columns).fillna("Unclassified").rename("sector"),
        names=names.reindex(prices.columns).fillna(pd.Series(prices.columns, index=prices.columns)).rename("name"),
        source_note=note,
        total_return_benchmark=total,
    )


@cache
def load_annual_returns() -> pd.DataFrame:
    """Published calendar-year S&P 500 returns, 1990-2022: ``price_return`` and ``total_return`` (fractions).

    S&P Dow Jones Indices' figures (see ``finance_core/data/README.md``); indexed by year.
    """
    table = pd.read_csv(DATA_DIR / "sp500_annual_returns.csv", index_col="year")
    return pd.DataFrame({"price_return": table["price_return_pct"] / 100, "total_return": table["total_return_pct"] / 100})


def to_returns(prices: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """Simple daily returns ``p_t / p_{t-1} - 1``; the first date is dropped."""
    return prices.pct_change(fill_method=None).iloc[1:]


