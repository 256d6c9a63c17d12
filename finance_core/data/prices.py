"""Price files: wide (date,AAPL,MSFT), long (date,ticker,price) or one ticker's OHLCV export; combining them.

:func:`load_prices_csv` checks dates, numbers, duplicates and gaps (short gaps forward-filled, noted;
tickers starting late trim the history, noted) and names a one-ticker export after its ticker.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from .decoder import (
    MAX_COLUMNS,
    MAX_UPLOAD_BYTES,
    Source,
    Text,
    cell_frame,
    check_duplicate_columns,
    decode,
    find_column,
    format_notes,
    parse_dates,
    parse_numbers,
    plain_number_frame,
    positive,
    read_rows,
    refuse_repeats,
    require_columns,
    required_cells,
)
from .loaded import Loaded, frame_only

__all__ = [
    "MAX_FILL_GAP",
    "MIN_HISTORY",
    "load_prices_csv",
    "read_prices_csv",
    "ticker_from_filename",
    "combine_prices",
]

#: Runs of missing prices up to this many rows are forward-filled; longer ones are refused.
MAX_FILL_GAP = 5
#: Price files need at least this many dates.
MIN_HISTORY = 30


def load_prices_csv(
    source: Source,
    *,
    name: str | None = None,
    min_rows: int = MIN_HISTORY,
    max_gap: int = MAX_FILL_GAP,
    max_bytes: int = MAX_UPLOAD_BYTES,
    ticker: str | None = None,
) -> Loaded[pd.DataFrame]:
    """Read prices, wide (``date,AAPL,MSFT,...``), long (``date,ticker,price``) or one ticker's OHLCV export.

    An export such as Yahoo Finance's (``Date,Open,High,Low,Close,Adj Close,Volume``) gives one
    ticker: its ``Adj Close`` (else ``Close``), named ``ticker`` or from the file name (``AAPL.csv``,
    ``aapl_daily.csv``); ``Loaded.ticker`` then holds that name. Volume and other columns that
    are not prices are refused in a wide file.

    Returns dates x tickers, sorted by date, float prices > 0. Runs of up to
    ``max_gap`` missing prices inside a column are forward-filled (reported in
    ``Loaded.notes``); longer runs are refused. Tickers that start later or end
    earlier than the others trim the history to the common dates (also noted).
    """
    doc = decode(source, name, max_bytes)
    plain = _plain_wide(doc)
    if plain is not None:  # the common case of a wide file, read in one pass (same frame, same checks below)
        return _wide_prices(doc, *plain, ticker, min_rows, max_gap)
    header, body = read_rows(doc)
    date_col = find_column(header, *_DATE_NAMES)
    if date_col is None:
        first = cell_frame(doc, header, body).iloc[:, 0]  # by position: a repeated name would give a frame
        if pd.to_datetime(first, errors="coerce", format="mixed").notna().mean() > 0.9:
            date_col = header[0]
        else:
            raise DataError(
                f"{doc.name} has no date column: the first column should be named 'date' and hold "
                f"dates such as 2024-01-31 (found {header[0]!r}).",
                code="missing_date_column",
            )
    if _is_long(header):
        wide, rows_of = _long_to_wide(doc, header, body, date_col)
        return _checked(doc, wide, rows_of, min_rows, max_gap, None)
    check_duplicate_columns(doc, header, what="ticker")
    return _wide_prices(doc, header, cell_frame(doc, header, body), date_col, ticker, min_rows, max_gap)


read_prices_csv = frame_only(load_prices_csv)

_DATE_NAMES = ("date", "dates", "day", "timestamp", "time")


def _is_long(header: list[str]) -> bool:
    """``date,ticker,price`` (and an optional fourth column): one row per date and ticker."""
    return "ticker" in {c.lower() for c in header} and len(header) <= 4


def _plain_wide(doc: Text) -> tuple[list[str], pd.DataFrame, str] | None:
    """A wide file's header, cells (dates as text, prices as floats) and date column when the file is plain (see
    ``decoder.plain_number_frame``); None for anything else: long files, no date column by name, any cell
    the house path must read or name."""
    end = doc.text.find("\n")
    first = doc.text[: end if end >= 0 else len(doc.text)]
    if first.count(",") >= MAX_COLUMNS:  # the house path refuses it from the header line, splitting nothing
        return None
    date_col = find_column([h.strip() for h in first.rstrip("\r").split(",")], *_DATE_NAMES)
    if date_col is None:
        return None
    plain = plain_number_frame(doc, {date_col})
    if plain is None or _is_long(plain[0]):
        return None
    return plain[0], plain[1], date_col


def _wide_prices(doc: Text, header: list[str], frame: pd.DataFrame, date_col: str, ticker: str | None,
                 min_rows: int, max_gap: int) -> Loaded[pd.DataFrame]:
    """Dates x tickers from a wide file's cells: ``frame`` holds text cells (``cell_frame``), or its price
    columns already as floats (``plain_number_frame``: parse_numbers is then skipped, as it would give them)."""
    dates = parse_dates(doc, frame[date_col], date_col)
    read, keep, names, single = _price_columns(doc, [h for h in header if h != date_col], ticker)
    parsed = all(frame[c].dtype == float for c in read)
    values = (frame[read] if parsed else parse_numbers(doc, frame, read))[keep]
    values.columns = names
    refuse_repeats(
        doc,
        dates,
        lambda row: f"the date {dates[row].date()} appears twice",
        "Keep one row per date.",
        "duplicate_date",
    )
    rows_of = pd.Series(values.index, index=dates.values)
    values.index = pd.DatetimeIndex(dates.values, name="date")
    return _checked(doc, values, rows_of, min_rows, max_gap, names[0] if single else None)


def _checked(doc: Text, wide: pd.DataFrame, rows_of: pd.Series, min_rows: int, max_gap: int, single: str | None) -> Loaded[pd.DataFrame]:
    """Sorted by date, every price positive, short gaps filled, enough dates: the file's prices and notes."""
    wide = wide.sort_index()
    # One float block: the readers build a column at a time, and a frame of 500 blocks made every later
    # operation on the prices (returns, statistics, the Data page's chart) several times slower.
    values = wide.to_numpy(dtype=float)
    wide = pd.DataFrame(values, index=wide.index, columns=pd.Index([str(c) for c in wide.columns]))
    rows_of = rows_of.sort_index()
    if (values <= 0).any():  # one check for all; the message comes from the first column
        for ticker in wide.columns:
            positive(doc, wide[ticker].dropna().set_axis(rows_of[wide[ticker].notna().values].values), ticker)
    wide, notes = _fill_gaps(doc, wide, rows_of, max_gap)
    if len(wide) < min_rows:
        raise DataError(
            f"{doc.name} has {len(wide)} usable dates; at least {min_rows} are needed to estimate "
            "risk. Upload a longer history.",
            code="too_short",
        )
    return Loaded(wide, tuple(format_notes(doc) + notes), single)


def _label(header: str) -> str:
    """``adj close`` for ``Adj Close``, ``adj_close``, ``Adj Close**``: lower case, single spaces."""
    return re.sub(r"\s+", " ", header.lower().replace("_", " ").replace("*", "")).strip()


#: Columns of one ticker's price export (Yahoo Finance, Stooq, Investing.com, brokers), by label.
_PRICE_EXPORT = {"open", "high", "low", "close", "adj close", "adjusted close", "adj. close", "adjclose", "price"}
_BEST_PRICE = ("adj close", "adjusted close", "adj. close", "adjclose", "close", "price")
#: Columns that are never prices: refused in a wide file, ignored in an export.
_NOT_PRICES = {"volume", "vol", "vol.", "dividends", "stock splits", "splits", "change", "change %", "turnover",
               "open interest", "shares", "market cap"}


def _price_columns(doc: Text, columns: list[str], ticker: str | None) -> tuple[list, list, list, bool]:
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
    return combined, notes


def _long_to_wide(
    doc: Text, header: list[str], body: list[list[str]], date_col: str
) -> tuple[pd.DataFrame, pd.Series]:
    cols = require_columns(doc, header, {"ticker": ("symbol",), "price": ("close", "adj_close", "value")})
    frame = cell_frame(doc, header, body)
    dates = parse_dates(doc, frame[date_col], date_col)
    required_cells(doc, frame, cols["ticker"])
    price = parse_numbers(doc, frame, [cols["price"]])[cols["price"]]
    tick = frame[cols["ticker"]].str.upper()
    refuse_repeats(
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


def _fill_gaps(
    doc: Text, wide: pd.DataFrame, rows_of: pd.Series, max_gap: int
) -> tuple[pd.DataFrame, list[str]]:
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
    gaps = np.isnan(wide.to_numpy(dtype=float))
    for j in np.flatnonzero(gaps.any(axis=0)):  # only the columns with a gap (none, in most files)
        ticker, miss = wide.columns[j], gaps[:, j]
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


