"""Bundled datasets, the CSV readers of every upload kind, and returns.

Readers accept a path, raw ``bytes``, text or a binary file object. Each either returns a clean
frame or raises :class:`~finance_core.errors.DataError` whose message names the file, the row
(spreadsheet numbering: the header is row 1) and the column, and says what to do. The app calls
``load_<kind>_csv``, which returns a :class:`Loaded` (the frame, the notes on the repairs made and
the format detected, and the ticker of a one-ticker export); notebooks call ``read_<kind>_csv``,
the same reader returning the plain frame.

Module map:

- ``text`` and ``decoder``: the house CSV decoder (bytes -> text; shapes refused, rows, cells as strings, cell
  checks, numbers and dates in the file's format, format notes); every reader stands on it,
  the execution readers (order books, intraday volumes) too.
- ``loaded``: :class:`Loaded`, what a reader returns to the app.
- ``bundled``: the bundled datasets (:func:`load_dataset`), the published S&P 500 annual returns,
  :func:`to_returns`. The data files sit in this folder (provenance in README.md).
- ``prices``: wide, long and one-ticker price files, gaps, :func:`combine_prices`.
- ``holdings``, ``lots``, ``trades``, ``sectors``, ``benchmark``: one reader per upload kind;
  ``benchmark_weights``: a benchmark's constituent weights (the Performance page's attribution).
- ``samples``: :func:`sample_csv`, a valid example file of every kind.
"""

from .benchmark import load_benchmark_csv, read_benchmark_csv
from .benchmark_weights import load_benchmark_weights_csv, read_benchmark_weights_csv
from .bundled import (
    BENCHMARK_LABELS,
    BENCHMARK_TICKER,
    DATA_DIR,
    DATASETS,
    TOTAL_RETURN_TICKER,
    Dataset,
    load_annual_returns,
    load_dataset,
    to_returns,
)
from .decoder import MAX_UPLOAD_BYTES
from .holdings import load_holdings_csv, read_holdings_csv
from .loaded import Loaded
from .lots import ACCOUNT_TYPES, load_lots_csv, read_lots_csv
from .prices import (
    MAX_FILL_GAP,
    MIN_HISTORY,
    combine_prices,
    load_prices_csv,
    read_prices_csv,
    ticker_from_filename,
)
from .samples import SAMPLE_KINDS, sample_csv
from .sectors import load_sectors_csv, read_sectors_csv
from .trades import load_trades_csv, read_trades_csv

__all__ = [
    "Dataset",
    "DATASETS",
    "DATA_DIR",
    "BENCHMARK_TICKER",
    "TOTAL_RETURN_TICKER",
    "BENCHMARK_LABELS",
    "load_annual_returns",
    "load_dataset",
    "to_returns",
    "MAX_UPLOAD_BYTES",
    "MAX_FILL_GAP",
    "MIN_HISTORY",
    "ACCOUNT_TYPES",
    "Loaded",
    "load_prices_csv",
    "read_prices_csv",
    "load_holdings_csv",
    "read_holdings_csv",
    "load_lots_csv",
    "read_lots_csv",
    "load_trades_csv",
    "read_trades_csv",
    "load_sectors_csv",
    "read_sectors_csv",
    "load_benchmark_csv",
    "read_benchmark_csv",
    "load_benchmark_weights_csv",
    "read_benchmark_weights_csv",
    "ticker_from_filename",
    "combine_prices",
    "sample_csv",
    "SAMPLE_KINDS",
]
