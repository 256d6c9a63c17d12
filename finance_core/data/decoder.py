"""Bundled datasets, CSV readers with validation, and returns.

Readers accept a path, raw ``bytes``, text or a binary file object. Each either
returns a clean frame or raises :class:`~finance_core.errors.DataError` whose
message names the file, the row (spreadsheet numbering: the header is row 1) and
the column, and says what to do. Notes about repairs that were made (short gaps
forward-filled, weights given in percent) travel in ``frame.attrs["notes"]``.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from . import formats
from .benchmark import income_returns, total_return_index
from .errors import DataError

__all__ = [
    "Dataset",
    "DATASETS",
    "BENCHMARK_TICKER",
    "TOTAL_RETURN_TICKER",
    "BENCHMARK_LABELS",
    "load_annual_returns",
    "read_benchmark_csv",
    "MAX_UPLOAD_BYTES",
    "MAX_FILL_GAP",
    "MIN_HISTORY",
    "load_dataset",
    "read_prices_csv",
    "read_holdings_csv",
    "read_lots_csv",
    "read_trades_csv",
    "read_sectors_csv",
    "ticker_from_filename",
    "combine_prices",
    "to_returns",
    "sample_csv",
    "SAMPLE_KINDS",
]

DATA_DIR = Path(__file__).with_name("data")
#: Name of the benchmark column of the bundled datasets (the S&P 500 price index: no dividends).
BENCHMARK_TICKER = "SP500"
#: The S&P 500 total-return index built from it (dividends reinvested), the desk's default benchmark.
TOTAL_RETURN_TICKER = "SP500TR"
#: How the bundled benchmarks are named wherever they are shown, so nobody takes one for the other.
BENCHMARK_LABELS = {
    TOTAL_RETURN_TICKER: "S&P 500 total return (dividends reinvested)",
    BENCHMARK_TICKER: "S&P 500 (price index)",
}
#: Uploads larger than this are refused before parsing.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: Runs of missing prices up to this many rows are forward-filled; longer ones are refused.
MAX_FILL_GAP = 5
#: Price files need at least this many dates.
MIN_HISTORY = 30

Source = str | os.PathLike | bytes | IO

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


# --------------------------------------------------------------------------- decoding
@dataclass
class _Text:
    name: str
    text: str
    notes: list[str] = field(default_factory=list)  # how the file was read (dates), see _format_notes
    encoding: str = "UTF-8"
    delimiter: str = ","
    numbers: formats.NumberFormat = formats.NumberFormat()


_MAGIC = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) or another zip archive",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\x1f\x8b": "a gzip archive",
}


def _file_label(source: Source, name: str | None) -> str:
    if name:
        return name
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and "\n" not in source and "," not in source and len(source) <= 1024
    ):
        return Path(str(source)).name
    return getattr(source, "name", None) or "the uploaded file"


def _read_bytes(source: Source, label: str, max_bytes: int) -> bytes:
    if isinstance(source, bytes):
        raw = source
    elif isinstance(source, str) and ("\n" in source or "," in source or len(source) > 1024):
        raw = source.encode("utf-8")  # CSV text, not a path
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise DataError(f"{label}: no such file. Check the path.", code="missing_file")
        if path.stat().st_size > max_bytes:
            raise _too_large(label, path.stat().st_size, max_bytes)
        raw = path.read_bytes()
    else:
        raw = source.read()
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
    if len(raw) > max_bytes:
        raise _too_large(label, len(raw), max_bytes)
    return raw


def _too_large(label: str, size: int, max_bytes: int) -> DataError:
    return DataError(
        f"{label} is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB. "
        "Split the file or upload fewer dates or tickers.",
        code="too_large",
    )


def _decode(source: Source, name: str | None, max_bytes: int) -> _Text:
    label = _file_label(source, name)
    raw = _read_bytes(source, label, max_bytes)
    for magic, what in _MAGIC.items():
        if raw.startswith(magic):
            raise DataError(
                f"{label} looks like {what}, not a CSV file. Export it as CSV "
                "(in Excel: File > Save As > CSV UTF-8) and upload that.",
                code="not_csv",
            )
    utf16 = _utf16(raw)
    if utf16:
        return _decode_utf16(raw, label, utf16)
    if b"\x00" in raw[:8192]:
        raise DataError(
            f"{label} is a binary file, not a CSV text file. Export your data as CSV "
            "(comma-separated text) and upload that.",
            code="not_csv",
        )
    if not raw.strip():
        raise DataError(f"{label} is empty. Upload a CSV file with a header row and data.", code="empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise DataError(
            f"{label} is not UTF-8 text: byte 0x{raw[err.start]:02x} on row {line} cannot be "
            "decoded. Save the file as 'CSV UTF-8' and upload it again.",
            code="encoding",
        ) from None
    return _Text(label, text)


_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}


def _utf16(raw: bytes) -> str | None:
    """``utf-16-le``/``-be`` for UTF-16 text (Excel's "Unicode Text"): a byte-order mark, or ASCII with zeros."""
    for bom, codec in _BOMS.items():
        if raw.startswith(bom):
            return codec
    head = raw[:4096]
    if len(head) >= 4 and len(head) % 2 == 0:
        even, odd = head[0::2], head[1::2]
        if not odd.strip(b"\x00") and even.isascii() and b"\x00" not in even:
            return "utf-16-le"
        if not even.strip(b"\x00") and odd.isascii() and b"\x00" not in odd:
            return "utf-16-be"
    return None


def _decode_utf16(raw: bytes, label: str, codec: str) -> _Text:
    body = raw[2:] if raw[:2] in _BOMS else raw
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as err:
        raise DataError(
            f"{label} is UTF-16 text ({'little' if codec.endswith('le') else 'big'}-endian) but bytes "
            f"{err.start}-{err.end} cannot be decoded. Save the file as 'CSV UTF-8' and upload it again.",
            code="encoding",
        ) from None
    if not text.strip():
        raise DataError(f"{label} is empty. Upload a CSV file with a header row and data.", code="empty")
    return _Text(label, text, encoding="UTF-16")


def _rows(doc: _Text) -> tuple[list[str], list[list[str]]]:
    """Header and data rows; blank lines are skipped but keep row numbering."""
    try:
        dialect = csv.Sniffer().sniff(doc.text[:4096], delimiters=",;\t")
    except csv.Error:  # rows disagree (a ragged row): the separator the header uses most
        header_line = doc.text.split("\n", 1)[0]
        dialect = csv.excel()
        dialect.delimiter = max(",;\t", key=header_line.count)
    doc.delimiter = dialect.delimiter
    reader = csv.reader(io.StringIO(doc.text), dialect)
    try:
        rows = list(reader)
    except csv.Error as err:
        raise DataError(f"{doc.name} is not a readable CSV file: {err}.", code="not_csv") from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise DataError(f"{doc.name} has no header row. Put column names on row 1.", code="empty")
    header = [h.strip() for h in rows[0]]
    body = rows[1:]
    if not any(any(c.strip() for c in r) for r in body):
        raise DataError(f"{doc.name} has a header but no data rows.", code="empty")
    if len(header) < 2:
        raise DataError(
            f"{doc.name} has a single column ({header[0]!r}). Use commas between columns "
            "(for example: date,AAPL,MSFT).",
            code="not_csv",
        )
    return header, body


def _frame(doc: _Text, header: list[str], body: list[list[str]]) -> pd.DataFrame:
    """String frame indexed by spreadsheet row number (header = row 1)."""
    data, rownums = [], []
    for i, row in enumerate(body, start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            sep = formats.separator_name(doc.delimiter)
            hint = (" If its numbers have decimal commas (150,07), separate the columns with semicolons instead."
                    if doc.delimiter == "," and len(row) > len(header) else "")
            raise DataError(
                f"{doc.name}, row {i}: {len(row)} cells but the header has {len(header)} "
                f"columns. Check for extra or missing {sep}s on that row.{hint}",
                code="ragged",
            )
        data.append([c.strip() for c in row])
        rownums.append(i)
    return pd.DataFrame(data, columns=header, index=pd.Index(rownums, name="row"), dtype=object)


def _check_duplicate_columns(doc: _Text, header: list[str], what: str = "column") -> None:
    seen: dict[str, int] = {}
    for j, h in enumerate(header):
        key = h.upper()
        if not h:
            raise DataError(
                f"{doc.name}: column {j + 1} has no name on row 1. Give every column a header.",
                code="missing_header",
            )
        if key in seen:
            raise DataError(
                f"{doc.name}: {what} {h!r} appears twice in the header (columns {seen[key] + 1} "
                f"and {j + 1}). Remove or rename one of them.",
                code="duplicate_ticker",
            )
        seen[key] = j


def _find_column(header: list[str], *names: str) -> str | None:
    lowered = {h.lower().replace(" ", "_"): h for h in header}
    for n in names:
        if n in lowered:
            return lowered[n]
    return None


def _require_columns(doc: _Text, header: list[str], spec: dict[str, tuple[str, ...]]) -> dict[str, str]:
    found, missing = {}, []
    for key, aliases in spec.items():
        col = _find_column(header, key, *aliases)
        if col is None:
            missing.append(key)
        else:
            found[key] = col
    if missing:
        raise DataError(
            f"{doc.name} is missing the column(s) {', '.join(missing)}. Expected columns: "
            f"{', '.join(spec)}; found: {', '.join(header)}. Download the sample file to see the format.",
            code="missing_column",
        )
    return found


def _refuse_cells(doc: _Text, cells: pd.Series, bad: pd.Series, column: str, problem: str, code: str) -> None:
    """Refuse the first row where ``bad`` holds: ``<file>, row R, column 'C': <cell> <problem>``."""
    if bad.any():
        row = bad.idxmax()
        raise DataError(f"{doc.name}, row {row}, column {column!r}: {cells[row]!r} {problem}", code=code)


def _refuse_repeats(doc: _Text, keys, what: Callable[[int], str], advice: str, code: str) -> None:
    """Refuse a key given on several rows: ``<file>: <what(row)> (rows R1 and R2). <advice>``.

    ``keys`` (a Series, or a DataFrame for compound keys) is indexed by spreadsheet row; the
    first repetition found is named with the row that first carried the same key.
    """
    repeated = keys.duplicated(keep="first")
    if repeated.any():
        second = repeated.idxmax()
        same = keys.eq(keys.loc[second])
        first = (same.all(axis=1) if isinstance(same, pd.DataFrame) else same).idxmax()
        raise DataError(f"{doc.name}: {what(first)} (rows {first} and {second}). {advice}", code=code)


def _parse_dates(
    doc: _Text,
    col: pd.Series,
    column: str,
    *,
    problem: str = "is not a date. Use ISO dates such as 2024-01-31.",
    normalize: bool = True,
) -> pd.Series:
    """Dates of ``col``: ISO always, day-first or month-first only when the column decides it (see formats)."""
    parsed, fmt = formats.parse_dates(col, label=doc.name, column=column)
    _refuse_cells(doc, col, parsed.isna(), column, problem, "bad_date")
    if fmt.describe():
        doc.notes.append(fmt.describe())
    return parsed.dt.normalize() if normalize else parsed


def _parse_numbers(
    doc: _Text, frame: pd.DataFrame, columns: list[str], *, percent: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Floats of ``columns``, read in the one number format the file's cells decide (see formats).

    Cells of ``percent`` columns may all end with ``%`` (read as fractions, with a note); a column
    mixing ``40%`` and ``0.4`` is refused at the first cell written the other way.
    """
    cells = {c: frame[c] for c in columns}
    in_percent = set()
    for c in percent:
        cells[c] = _percent_cells(doc, frame[c], c)
        if cells[c] is not None:
            in_percent.add(c)
        else:
            cells[c] = frame[c]
    doc.numbers, parsed = formats.read_numbers(cells, delimiter=doc.delimiter, label=doc.name)
    out = {}
    for c in columns:
        nums, missing = parsed[c]
        _refuse_cells(
            doc, frame[c], nums.isna() & ~missing, c, "is not a number. Fix or delete that cell.", "not_numeric"
        )
        out[c] = nums / 100.0 if c in in_percent else nums
    return pd.DataFrame(out, index=frame.index)


def _percent_cells(doc: _Text, raw: pd.Series, column: str) -> pd.Series | None:
    """``raw`` without its ``%`` signs when every value has one; None when none has."""
    given = ~formats.missing(raw)
    pct = raw.str.strip().str.endswith("%")
    if not pct[given].any():
        return None
    plain = given & ~pct
    if plain.any():
        first = pct.idxmax()
        _refuse_cells(
            doc, raw, plain, column,
            f"has no '%' but row {first} has {raw[first]!r}. Write every value of the column the same way "
            "(all in percent with %, or all as fractions) and upload again.",
            "mixed_percent",
        )
    doc.notes.append(f"Column {column!r} read as percentages: values ending in % were divided by 100.")
    return raw.str.strip().str.rstrip("%")


def _format_notes(doc: _Text) -> list[str]:
    """How the file was read, when it is not plain comma-separated UTF-8 with decimal points and ISO dates."""
    fmt = doc.numbers
    if doc.encoding == "UTF-8" and doc.delimiter == "," and fmt.default:
        return list(doc.notes)
    text = f"Read as {'' if doc.encoding == 'UTF-8' else doc.encoding + ' '}"
    text += f"{formats.separator_name(doc.delimiter)}-separated text with {fmt.describe()}"
    if fmt.evidence and fmt.decimal == ",":
        text += f" ({fmt.evidence})"
    return [text + "."] + list(doc.notes)


def _no_future(doc: _Text, dates: pd.Series, column: str) -> None:
    today = pd.Timestamp(date.today())
    future = dates > today
    if future.any():
        row = future.idxmax()
        raise DataError(
            f"{doc.name}, row {row}, column {column!r}: {dates[row].date()} is in the future. "
            "Correct the date.",
            code="future_date",
        )


def _positive(doc: _Text, values: pd.Series, column: str, *, allow_zero: bool = False) -> None:
    bad = values < 0 if allow_zero else values <= 0
    if bad.any():
        row = bad.idxmax()
        need = "zero or more" if allow_zero else "greater than zero"
        raise DataError(
            f"{doc.name}, row {row}, column {column!r}: {values[row]:g} is not allowed; "
            f"it must be {need}.",
            code="not_positive",
        )


def _required_cells(doc: _Text, frame: pd.DataFrame, column: str) -> None:
    """Refuse empty cells: blank text in a raw frame, a missing number in parsed numbers."""
    empty = frame[column].isna() | (frame[column] == "")
    if empty.any():
        row = empty.idxmax()
        raise DataError(f"{doc.name}, row {row}: column {column!r} is empty. Fill it in.", code="missing_value")


# --------------------------------------------------------------------------- prices
def read_prices_csv(
    source: Source,
    *,
    name: str | None = None,
    min_rows: int = MIN_HISTORY,
    max_gap: int = MAX_FILL_GAP,
    max_bytes: int = MAX_UPLOAD_BYTES,
    ticker: str | None = None,
) -> pd.DataFrame:
    """Read prices, wide (``date,AAPL,MSFT,...``), long (``date,ticker,price``) or one ticker's OHLCV export.

    An export such as Yahoo Finance's (``Date,Open,High,Low,Close,Adj Close,Volume``) gives one
    ticker: its ``Adj Close`` (else ``Close``), named ``ticker`` or from the file name (``AAPL.csv``,
    ``aapl_daily.csv``); ``attrs["ticker"]`` then holds that name. Volume and other columns that
    are not prices are refused in a wide file.

    Returns dates x tickers, sorted by date, float prices > 0. Runs of up to
    ``max_gap`` missing prices inside a column are forward-filled (reported in
    ``attrs["notes"]``); longer runs are refused. Tickers that start later or end
    earlier than the others trim the history to the common dates (also noted).
    """
    doc = _decode(source, name, max_bytes)
    header, body = _rows(doc)
    date_col = _find_column(header, "date", "dates", "day", "timestamp", "time")
    if date_col is None:
        first = _frame(doc, header, body)[header[0]]
        if pd.to_datetime(first, errors="coerce", format="mixed").notna().mean() > 0.9:
            date_col = header[0]
        else:
            raise DataError(
                f"{doc.name} has no date column: the first column should be named 'date' and hold "
                f"dates such as 2024-01-31 (found {header[0]!r}).",
                code="missing_date_column",
            )
    long_cols = {c.lower() for c in header}
    if "ticker" in long_cols and len(header) <= 4:
        wide, rows_of = _long_to_wide(doc, header, body, date_col)
        single = False
    else:
        _check_duplicate_columns(doc, header, what="ticker")
        frame = _frame(doc, header, body)
        dates = _parse_dates(doc, frame[date_col], date_col)
        read, keep, names, single = _price_columns(doc, [h for h in header if h != date_col], ticker)
        values = _parse_numbers(doc, frame, read)[keep]
        values.columns = names
        _refuse_repeats(
            doc,
            dates,
            lambda row: f"the date {dates[row].date()} appears twice",
            "Keep one row per date.",
            "duplicate_date",
        )
        rows_of = pd.Series(values.index, index=dates.values)
        values.index = pd.DatetimeIndex(dates.values, name="date")
        wide = values
    wide = wide.sort_index()
    wide.columns = pd.Index([str(c) for c in wide.columns])
    rows_of = rows_of.sort_index()
    for ticker in wide.columns:
        _positive(doc, wide[ticker].dropna().set_axis(rows_of[wide[ticker].notna().values].values), ticker)
    wide, notes = _fill_gaps(doc, wide, rows_of, max_gap)
    if len(wide) < min_rows:
        raise DataError(
            f"{doc.name} has {len(wide)} usable dates; at least {min_rows} are needed to estimate "
            "risk. Upload a longer history.",
            code="too_short",
        )
    wide.attrs["notes"] = _format_notes(doc) + notes
    if single:
        wide.attrs["ticker"] = names[0]
    return wide


def _label(header: str) -> str:
    """``adj close`` for ``Adj Close``, ``adj_close``, ``Adj Close**``: lower case, single spaces."""
    return re.sub(r"\s+", " ", header.lower().replace("_", " ").replace("*", "")).strip()


#: Columns of one ticker's price export (Yahoo Finance, Stooq, Investing.com, brokers), by label.
_PRICE_EXPORT = {"open", "high", "low", "close", "adj close", "adjusted close", "adj. close", "adjclose", "price"}
_BEST_PRICE = ("adj close", "adjusted close", "adj. close", "adjclose", "close", "price")
#: Columns that are never prices: refused in a wide file, ignored in an export.
_NOT_PRICES = {"volume", "vol", "vol.", "dividends", "stock splits", "splits", "change", "change %", "turnover",
               "open interest", "shares", "market cap"}


def _price_columns(doc: _Text, columns: list[str], ticker: str | None) -> tuple[list, list, list, bool]:
    """Columns to read (one number format for all), those to keep, their tickers, and whether it is an export.

    A one-ticker export keeps its Adj Close (else Close) under the ticker; a wide file keeps every
    column under its upper-cased name, refusing columns that are clearly not prices.
    """
    labels = {c: _label(c) for c in columns}
    prices = [c for c in columns if labels[c] in _PRICE_EXPORT]
    export = prices and all(labels[c] in _PRICE_EXPORT | _NOT_PRICES for c in columns) and any(
        labels[c] in _BEST_PRICE for c in prices)
    if not export:
        odd = next((c for c in columns if labels[c] in _NOT_PRICES), None)
        if odd is not None:
            raise DataError(
                f"{doc.name}: column {odd!r} holds {labels[odd]}, not prices. Remove that column, or upload one "
                "ticker's export (Date, Open, High, Low, Close, Adj Close, Volume) named after the ticker.",
                code="not_prices",
            )
        return columns, columns, [c.upper() for c in columns], False
    best = next(c for pref in _BEST_PRICE for c in prices if labels[c] == pref)
    name = (ticker or "").strip().upper() or ticker_from_filename(doc.name)
    if not name or not _TICKER.fullmatch(name):
        stem = Path(doc.name).stem
        raise DataError(
            f"{doc.name} is one ticker's price export (columns {', '.join(columns)}), but {stem!r} is not a ticker "
            "name. Rename the file to the ticker (for example AAPL.csv) and upload it again.",
            code="unknown_ticker",
        )
    doc.notes.append(f"{doc.name} is one ticker's price export: {name} prices taken from its {best!r} column"
                     f"{'' if ticker else ', named after the file'}.")
    return prices, [best], [name], True


_TICKER = re.compile(r"\^?[A-Z][A-Z0-9]{0,5}(?:[.-][A-Z0-9]{1,3})?")
#: Words that name a file's content, not a ticker (prices.csv, data.csv).
_NOT_TICKERS = {"PRICES", "PRICE", "DATA", "EXPORT", "HISTORY", "FILE", "SAMPLE", "QUOTES", "QUOTE", "TABLE",
                "DAILY", "STOCK", "STOCKS", "UPLOAD", "CHART", "OHLC", "OHLCV", "CLOSE", "CLOSES", "MY", "NEW",
                "THE", "TEST", "COPY", "DOWNLOAD"}


def ticker_from_filename(filename: str | None) -> str | None:
    """The ticker a one-ticker export is named after: ``AAPL.csv``, ``AAPL (1).csv``, ``aapl_daily.csv`` -> AAPL.

    None when the name is not a plausible ticker (``prices.csv``, ``the uploaded file``).
    """
    stem = re.sub(r"\s*\(\d+\)$", "", Path(filename or "").stem).strip()
    for candidate in (stem, re.split(r"[_\s]+", stem)[0]):
        word = candidate.upper()
        if _TICKER.fullmatch(word) and word not in _NOT_TICKERS:
            return word
    return None


def combine_prices(base: pd.DataFrame, added: pd.DataFrame, *, min_rows: int = MIN_HISTORY,
                   name: str = "the new file") -> tuple[pd.DataFrame, list[str]]:
    """``base`` with the tickers of ``added`` added (or replaced), on the dates both have; and notes.

    Refuses (DataError) when fewer than ``min_rows`` dates are common.
    """
    replaced = [t for t in added.columns if t in base.columns]
    kept = base.drop(columns=replaced)
    combined = kept.join(added, how="inner") if len(kept.columns) else added.copy()
    if len(combined) < min_rows:
        raise DataError(
            f"{name} ({added.index[0].date()} to {added.index[-1].date()}) shares {len(combined)} dates with the "
            f"uploaded prices of {', '.join(kept.columns)} ({base.index[0].date()} to {base.index[-1].date()}); at "
            f"least {min_rows} are needed. Upload prices covering the same period.",
            code="too_short",
        )
    tickers = ", ".join(combined.columns)
    notes = [f"Replaced {', '.join(replaced)} with the prices in {name} (now {tickers})." if replaced
             else f"Added {', '.join(added.columns)} to the uploaded prices (now {tickers})."]
    dropped = len(kept.index.union(added.index)) - len(combined) if len(kept.columns) else 0
    if dropped:
        notes.append(f"Aligned on the {len(combined)} dates every ticker has ({combined.index[0].date()} to "
                     f"{combined.index[-1].date()}); {dropped} dates only some tickers have were left out.")
    combined.attrs = {}
    return combined, notes


def _long_to_wide(doc: _Text, header, body, date_col):
    cols = _require_columns(doc, header, {"ticker": ("symbol",), "price": ("close", "adj_close", "value")})
    frame = _frame(doc, header, body)
    dates = _parse_dates(doc, frame[date_col], date_col)
    _required_cells(doc, frame, cols["ticker"])
    price = _parse_numbers(doc, frame, [cols["price"]])[cols["price"]]
    tick = frame[cols["ticker"]].str.upper()
    _refuse_repeats(
        doc,
        pd.DataFrame({"date": dates, "ticker": tick}),
        lambda row: f"{tick[row]} has two prices for {dates[row].date()}",
        "Keep one row per date and ticker.",
        "duplicate_date",
    )
    long = pd.DataFrame({"date": dates, "ticker": tick, "price": price, "row": frame.index})
    wide = long.pivot(index="date", columns="ticker", values="price")
    wide.columns.name = None
    rows_of = long.groupby("date")["row"].min().reindex(wide.index)
    return wide, pd.Series(rows_of.values, index=wide.index)


def _fill_gaps(doc: _Text, wide: pd.DataFrame, rows_of: pd.Series, max_gap: int):
    notes: list[str] = []
    present = wide.notna()
    if not present.any().all():
        empty = [c for c in wide.columns if not present[c].any()]
        raise DataError(f"{doc.name}: column(s) {', '.join(empty)} have no prices. Remove them.", code="empty_column")
    first = present.idxmax()
    last = present[::-1].idxmax()
    start, end = first.max(), last.min()
    if start > wide.index[0] or end < wide.index[-1]:
        late = first[first == start].index.tolist()
        notes.append(
            f"History trimmed to {start.date()}..{end.date()}, the dates every ticker has prices "
            f"(latest start: {', '.join(late)})."
        )
        wide = wide.loc[start:end]
        rows_of = rows_of.loc[start:end]
    filled = []
    for ticker in wide.columns:
        miss = wide[ticker].isna().to_numpy()
        if not miss.any():
            continue
        run_id = np.cumsum(~miss)
        lengths = pd.Series(miss).groupby(run_id).sum().to_numpy()
        longest = int(lengths.max())
        if longest > max_gap:
            grp = int(np.argmax(lengths))
            idx = np.where((run_id == pd.Series(run_id).unique()[grp]) & miss)[0]
            d0, d1 = wide.index[idx[0]].date(), wide.index[idx[-1]].date()
            raise DataError(
                f"{doc.name}, column {ticker!r}: {longest} consecutive missing prices from {d0} to "
                f"{d1} (row {rows_of.iloc[idx[0]]}). Gaps of up to {max_gap} rows are filled with the "
                "previous price; fill this one or drop the ticker.",
                code="long_gap",
            )
        filled.append(f"{ticker} ({int(miss.sum())})")
    if filled:
        wide = wide.ffill()
        notes.append(
            f"Filled short gaps with the previous price: {', '.join(filled)} missing value(s)."
        )
    return wide, notes


# --------------------------------------------------------------------------- holdings
def read_holdings_csv(
    source: Source,
    *,
    name: str | None = None,
    tickers: list[str] | None = None,
    max_bytes: int = MAX_UPLOAD_BYTES,
) -> pd.DataFrame:
    """Read holdings: ``ticker`` with ``shares`` or ``weight`` (or both).

    Returns a frame indexed by ticker with the columns found. Weights given in
    percent (summing to about 100) are converted to fractions, and weights that do
    not sum to 1 are rescaled, each with a note. ``tickers``, when given, is the
    price universe: holdings outside it are refused by name and row.
    """
    doc = _decode(source, name, max_bytes)
    header, body = _rows(doc)
    ticker_col = _find_column(header, "ticker", "symbol", "asset")
    if ticker_col is None:
        raise DataError(
            f"{doc.name} is missing the column ticker. Expected: ticker and shares or weight; "
            f"found: {', '.join(header)}.",
            code="missing_column",
        )
    shares_col = _find_column(header, "shares", "quantity", "qty", "units")
    weight_col = _find_column(header, "weight", "weights", "allocation")
    if shares_col is None and weight_col is None:
        raise DataError(
            f"{doc.name} needs a 'shares' or a 'weight' column next to 'ticker'; found: "
            f"{', '.join(header)}.",
            code="missing_column",
        )
    frame = _frame(doc, header, body)
    _required_cells(doc, frame, ticker_col)
    tick = frame[ticker_col].str.upper()
    _refuse_repeats(
        doc,
        tick,
        lambda row: f"ticker {tick[row]} appears twice",
        "Combine them into one row.",
        "duplicate_ticker",
    )
    cols = [c for c in (shares_col, weight_col) if c]
    nums = _parse_numbers(doc, frame, cols, percent=(weight_col,) if weight_col else ())
    for c in cols:
        _required_cells(doc, nums, c)
        _positive(doc, nums[c], c, allow_zero=True)
    if tickers is not None:
        universe = {t.upper() for t in tickers}
        unknown = tick[~tick.isin(universe)]
        if len(unknown):
            listed = ", ".join(f"{t} (row {r})" for r, t in unknown.items())
            raise DataError(
                f"{doc.name}: {listed} not in the price data. Upload prices that include "
                "them or remove those rows.",
                code="unknown_ticker",
            )
    out = pd.DataFrame(index=pd.Index(tick.values, name="ticker"))
    notes: list[str] = []
    if shares_col:
        out["shares"] = nums[shares_col].values
    if weight_col:
        w = nums[weight_col].values
        total = float(w.sum())
        if total <= 0:
            raise DataError(f"{doc.name}: the weights add up to zero. Give positive weights.", code="not_positive")
        if 95 <= total <= 105:
            w = w / 100.0
            notes.append("Weights read as percentages (they sum to about 100).")
            total = float(w.sum())
        if abs(total - 1) > 1e-6:
            notes.append(f"Weights summed to {total:.4f}; rescaled to 1.")
            w = w / total
        out["weight"] = w
    out.attrs["notes"] = _format_notes(doc) + notes
    return out


# --------------------------------------------------------------------------- lots and trades
ACCOUNT_TYPES = ("taxable", "ira", "roth")


def _account_types(doc: _Text, frame: pd.DataFrame, header: list[str], accounts: pd.Series) -> pd.Series:
    col = _find_column(header, "account_type", "type")
    if col is None:
        low = accounts.str.lower()
        return low.where(low.isin(["ira", "roth"]), "taxable")
    types = frame[col].str.lower()
    _refuse_cells(
        doc,
        frame[col],
        ~types.isin(ACCOUNT_TYPES),
        col,
        f"is not an account type. Use one of {', '.join(ACCOUNT_TYPES)}.",
        "bad_account_type",
    )
    return types


def _holder_columns(doc: _Text, frame: pd.DataFrame, header: list[str], cols: dict[str, str]) -> dict:
    """The account, account_type and (upper-case) ticker columns of a lot or trade file, as arrays."""
    accounts = frame[cols["account"]]
    return {
        "account": accounts.values,
        "account_type": _account_types(doc, frame, header, accounts).values,
        "ticker": frame[cols["ticker"]].str.upper().values,
    }


def _read_table(
    source: Source,
    name: str | None,
    max_bytes: int,
    spec: dict[str, tuple[str, ...]],
    required: tuple[str, ...] = (),
) -> tuple[_Text, list[str], pd.DataFrame, dict[str, str]]:
    """Decode an upload with the columns of ``spec`` (key -> aliases), refusing empty ``required`` cells.

    Returns the document, its header, the string frame by spreadsheet row and the column found for each key.
    """
    doc = _decode(source, name, max_bytes)
    header, body = _rows(doc)
    cols = _require_columns(doc, header, spec)
    frame = _frame(doc, header, body)
    for key in required:
        _required_cells(doc, frame, cols[key])
    return doc, header, frame, cols


def _past_dates(doc: _Text, frame: pd.DataFrame, column: str) -> pd.Series:
    """Dates of ``column``, refusing cells that are not dates or lie in the future."""
    dates = _parse_dates(doc, frame[column], column)
    _no_future(doc, dates, column)
    return dates


def read_lots_csv(source: Source, *, name: str | None = None, max_bytes: int = MAX_UPLOAD_BYTES) -> pd.DataFrame:
    """Read tax lots: account, ticker, acquired (date), shares, cost_basis (total, in money).

    Optional ``account_type`` (taxable, ira, roth). Rows are returned in file order
    with a ``lot_id`` column (1, 2, ...).
    """
    doc, header, frame, cols = _read_table(
        source,
        name,
        max_bytes,
        {
            "account": ("account_id",),
            "ticker": ("symbol",),
            "acquired": ("date", "acquired_date", "purchase_date"),
            "shares": ("quantity", "qty"),
            "cost_basis": ("cost", "basis"),
        },
        required=("account", "ticker"),
    )
    acquired = _past_dates(doc, frame, cols["acquired"])
    nums = _parse_numbers(doc, frame, [cols["shares"], cols["cost_basis"]])
    for key in ("shares", "cost_basis"):
        _required_cells(doc, nums, cols[key])
    _positive(doc, nums[cols["shares"]], cols["shares"])
    _positive(doc, nums[cols["cost_basis"]], cols["cost_basis"], allow_zero=True)
    out = pd.DataFrame(
        {
            "lot_id": np.arange(1, len(frame) + 1),
            **_holder_columns(doc, frame, header, cols),
            "acquired": acquired.values,
            "shares": nums[cols["shares"]].values,
            "cost_basis": nums[cols["cost_basis"]].values,
        }
    )
    out.attrs["notes"] = _format_notes(doc)
    return out


def read_trades_csv(source: Source, *, name: str | None = None, max_bytes: int = MAX_UPLOAD_BYTES) -> pd.DataFrame:
    """Read trades: date, account, ticker, side (buy/sell), shares (> 0), price (> 0).

    Optional ``account_type``; when absent an account named ``ira`` or ``roth`` has
    that type and any other is taxable. Sorted by date, keeping file order within a day.
    """
    doc, header, frame, cols = _read_table(
        source,
        name,
        max_bytes,
        {
            "date": ("trade_date",),
            "account": ("account_id",),
            "ticker": ("symbol",),
            "side": ("action", "direction"),
            "shares": ("quantity", "qty"),
            "price": ("px",),
        },
        required=("account", "ticker", "side"),
    )
    dates = _past_dates(doc, frame, cols["date"])
    side = frame[cols["side"]].str.lower().replace({"b": "buy", "s": "sell", "bought": "buy", "sold": "sell"})
    _refuse_cells(
        doc,
        frame[cols["side"]],
        ~side.isin(["buy", "sell"]),
        cols["side"],
        "is not a side. Use buy or sell (shares are always positive).",
        "bad_side",
    )
    nums = _parse_numbers(doc, frame, [cols["shares"], cols["price"]])
    for key in ("shares", "price"):
        c = cols[key]
        _required_cells(doc, nums, c)
        _positive(doc, nums[c], c)
    out = pd.DataFrame(
        {
            "date": dates.values,
            **_holder_columns(doc, frame, header, cols),
            "side": side.values,
            "shares": nums[cols["shares"]].values,
            "price": nums[cols["price"]].values,
            "row": frame.index.values,
        }
    )
    out = out.sort_values(["date", "row"], kind="stable").reset_index(drop=True)
    out.attrs["notes"] = _format_notes(doc)
    return out


# --------------------------------------------------------------------------- sector maps
def read_sectors_csv(source: Source, *, name: str | None = None, max_bytes: int = MAX_UPLOAD_BYTES) -> pd.Series:
    """Read a sector map: ``ticker,sector`` (``symbol`` for ticker; ``gics_sector`` or ``industry`` for sector).

    Returns the sectors as a Series named ``sector`` indexed by upper-case ticker, in file
    order. Every ticker needs a sector and may appear once; other columns are ignored.
    """
    doc, _header, frame, cols = _read_table(
        source,
        name,
        max_bytes,
        {"ticker": ("symbol",), "sector": ("gics_sector", "industry")},
        required=("ticker", "sector"),
    )
    tick = frame[cols["ticker"]].str.upper()
    _refuse_repeats(
        doc,
        tick,
        lambda row: f"ticker {tick[row]} appears twice in column {cols['ticker']!r}",
        "Keep one row (one sector) per ticker.",
        "duplicate_ticker",
    )
    out = pd.Series(frame[cols["sector"]].values, index=pd.Index(tick.values, name="ticker"), name="sector")
    out.attrs["notes"] = _format_notes(doc)
    return out


# --------------------------------------------------------------------------- samples
SAMPLE_KINDS = ("prices", "prices_long", "holdings", "lots", "trades", "sectors", "benchmark")


def sample_csv(kind: str) -> str:
    """A small, valid example file of each upload kind, built from the bundled data."""
    ds = load_dataset("sp500")
    tickers = ["AAPL", "JPM", "KO", "MSFT", "XOM"]
    if kind == "prices":
        frame = ds.prices[tickers].iloc[-260:].round(4)
        return frame.to_csv(date_format="%Y-%m-%d")
    if kind == "prices_long":
        frame = ds.prices[tickers].iloc[-60:].round(4).stack().rename("price").reset_index()
        frame.columns = ["date", "ticker", "price"]
        return frame.to_csv(index=False, date_format="%Y-%m-%d")
    if kind == "holdings":
        return "ticker,shares,weight\nAAPL,120,0.25\nJPM,90,0.20\nKO,200,0.20\nMSFT,45,0.20\nXOM,110,0.15\n"
    if kind == "lots":
        return (
            "account,ticker,acquired,shares,cost_basis,account_type\n"
            "brokerage,AAPL,2019-03-15,50,2340.00,taxable\n"
            "brokerage,AAPL,2021-11-02,40,6020.00,taxable\n"
            "brokerage,XOM,2022-06-08,60,6612.00,taxable\n"
            "ira,MSFT,2020-01-10,30,4860.00,ira\n"
        )
    if kind == "trades":
        return (
            "date,account,ticker,side,shares,price,account_type\n"
            "2022-01-03,brokerage,AAPL,buy,100,182.01,taxable\n"
            "2022-03-01,brokerage,AAPL,sell,100,163.20,taxable\n"
            "2022-03-15,brokerage,AAPL,buy,100,155.09,taxable\n"
            "2022-05-02,ira,KO,buy,50,63.09,ira\n"
        )
    if kind == "sectors":
        listed = ds.sectors[tickers]
        extra = pd.Series({"AMZN": "Consumer Discretionary", "GOOGL": "Communication Services",
                           "NVDA": "Information Technology"})
        return pd.concat([listed, extra]).rename("sector").rename_axis("ticker").to_csv()
    if kind == "benchmark":
        total = ds.total_return_benchmark.iloc[-260:].round(4).rename("value").rename_axis("date")
        return total.to_csv(date_format="%Y-%m-%d")
    raise DataError(f"No sample for {kind!r}: choose one of {', '.join(SAMPLE_KINDS)}.", code="unknown_sample")


# --------------------------------------------------------------------------- benchmark series
_GENERIC_VALUE = {"VALUE", "PRICE", "CLOSE", "ADJ_CLOSE", "LEVEL", "INDEX", "BENCHMARK"}


def read_benchmark_csv(source: Source, *, name: str | None = None, min_rows: int = MIN_HISTORY,
                       max_bytes: int = MAX_UPLOAD_BYTES) -> pd.Series:
    """Read one benchmark series: ``date,value`` or a date and one price column (levels or closes, > 0).

    Checked as a prices file (dates, numbers, gaps, at least ``min_rows`` dates). Returns the
    closes as a Series named by the column (the file name when the column is ``value``,
    ``price``, ``close`` or ``level``); repairs travel in ``attrs["notes"]``.
    """
    label = _file_label(source, name)
    frame = read_prices_csv(source, name=name, min_rows=min_rows, max_bytes=max_bytes)
    if frame.shape[1] != 1:
        raise DataError(
            f"{label} has {frame.shape[1]} value columns ({', '.join(frame.columns[:5])}); a benchmark file holds a "
            "date column and one column of closes (date,value). Keep one column, or upload several series as "
            "prices and blend them.",
            code="not_one_series",
        )
    column = frame.columns[0]
    stem = "Uploaded benchmark" if label == "the uploaded file" else Path(label).stem
    series = frame[column].rename(stem if column in _GENERIC_VALUE else column)
    series.attrs["notes"] = list(frame.attrs.get("notes", []))
    return series
