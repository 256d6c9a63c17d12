"""The house CSV decoder: every reader of an uploaded file stands on it.

A reader calls :func:`read_table` (or :func:`decode`, :func:`read_rows` and :func:`cell_frame`
when it must look at the header first), then the cell checks, each of which raises a
:class:`~finance_core.errors.DataError` naming the file, the row (spreadsheet numbering: the
header is row 1), the column and the cell, and saying what to do:

- ``decode(source, name, max_bytes)`` (from :mod:`.text`): bytes, text, a path or a file object ->
  :class:`Text` (UTF-8 or UTF-16; workbooks, PDFs, images and binary files refused).
- ``read_rows(doc)``: the header and the data rows, the separator (comma, semicolon, tab) sniffed.
- ``cell_frame(doc, header, body)``: the cells as strings, indexed by spreadsheet row.
- ``read_table(...)``: the three above, with the columns of a spec (key -> aliases) found.
- Header checks: ``find_column``, ``require_columns``, ``check_duplicate_columns``.
- Cell checks: ``refuse_cells``, ``refuse_repeats``, ``required_cells``, ``positive``.
- ``parse_numbers``, ``parse_dates``, ``past_dates``: numbers and dates in the one format the file
  decides (see :mod:`finance_core.formats`).
- ``format_notes(doc)``: how the file was read, when it is not plain comma-separated UTF-8.

A new reader is a module of this package that calls these; it returns a
:class:`~finance_core.data.loaded.Loaded`.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd

from .. import formats
from ..errors import DataError
from .text import MAX_UPLOAD_BYTES, Source, Text, decode, file_label

__all__ = [
    "MAX_UPLOAD_BYTES",
    "MAX_COLUMNS",
    "MAX_CELLS",
    "MAX_ROWS",
    "Source",
    "Text",
    "file_label",
    "decode",
    "read_rows",
    "cell_frame",
    "plain_number_frame",
    "read_table",
    "find_column",
    "require_columns",
    "check_duplicate_columns",
    "refuse_cells",
    "refuse_repeats",
    "required_cells",
    "positive",
    "parse_numbers",
    "parse_dates",
    "past_dates",
    "format_notes",
]

#: Files with more columns than this are refused from their header line, before any cell is split.
MAX_COLUMNS = 5_000
#: Files with more cells (rows x columns, counted from the line breaks) are refused before parsing.
MAX_CELLS = 5_000_000
#: Files with more lines than this are refused before parsing (a million rows of 3 columns took 36 s and 360 MB).
MAX_ROWS = 250_000
#: What an infinite cell (``inf``, or ``1e309``, beyond the largest float) is told.
_NOT_FINITE = "is not a finite number (it reads as infinity). Write the value, or leave the cell empty if it is missing."


def _dialect(doc: Text) -> csv.Dialect | type[csv.Dialect]:
    """The file's CSV dialect, the separator sniffed (comma, semicolon, tab) and kept in ``doc.delimiter``;
    absurd shapes refused before any row is split."""
    dialect: csv.Dialect | type[csv.Dialect]
    try:
        dialect = csv.Sniffer().sniff(doc.text[:4096], delimiters=",;\t")
    except csv.Error:  # rows disagree (a ragged row): the separator the header uses most
        header_line = doc.text.split("\n", 1)[0]
        dialect = csv.excel()
        dialect.delimiter = max(",;\t", key=header_line.count)
    doc.delimiter = dialect.delimiter
    _refuse_absurd_shape(doc, dialect)
    return dialect


def read_rows(doc: Text) -> tuple[list[str], list[list[str]]]:
    """Header and data rows; blank lines are skipped but keep row numbering."""
    dialect = _dialect(doc)
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


def _refuse_absurd_shape(doc: Text, dialect: csv.Dialect | type[csv.Dialect]) -> None:
    """Refuse more than MAX_COLUMNS columns (from the header line) or MAX_CELLS cells (header columns x lines)
    before the rows are split: a 7 MB file of 100,000 columns took minutes and a gigabyte to parse."""
    text = doc.text
    end = text.find("\n")
    try:
        columns = len(next(csv.reader([text[: end if end >= 0 else len(text)]], dialect), []))
    except csv.Error as err:  # e.g. a lone carriage return in the header line
        raise DataError(f"{doc.name} is not a readable CSV file: {err}.", code="not_csv") from None
    if columns > MAX_COLUMNS:
        raise DataError(
            f"{doc.name} has {columns:,} columns; the desk reads at most {MAX_COLUMNS:,}. Upload fewer tickers per "
            f"file (split it into files of at most {MAX_COLUMNS:,} columns).",
            code="too_many_columns",
        )
    rows = text.count("\n") + (not text.endswith("\n"))
    if rows * columns > MAX_CELLS:
        raise DataError(
            f"{doc.name} has about {rows * columns:,} cells ({rows:,} rows of {columns:,} columns); the desk reads at "
            f"most {MAX_CELLS:,}. Upload fewer dates or tickers per file.",
            code="too_many_cells",
        )
    if rows > MAX_ROWS:
        raise DataError(
            f"{doc.name} has {rows:,} lines; the desk reads at most {MAX_ROWS:,}. Upload a shorter history "
            "(fewer dates or trades per file).",
            code="too_many_rows",
        )


#: The only characters of a body :func:`plain_number_frame` reads: digits, the decimal point, the dash of ISO
#: dates, the comma between cells and line ends. Anything else (a sign, a space, a quote, a letter) takes the house path.
_PLAIN_CHARS = b"0123456789.-,\r\n"


def plain_number_frame(doc: Text, text_columns: set[str]) -> tuple[list[str], pd.DataFrame] | None:
    """The header and cells of a plain file, read by pandas' C parser in one pass; None when it is not plain.

    Plain: comma-separated ASCII, unique non-empty header names, every line a data row with one cell per
    column (no blank or empty rows, no quotes), ``text_columns`` holding only digits, points and dashes (ISO
    dates), and every other cell blank or a decimal number with digits on both sides of one point and no
    sign (a price written by a spreadsheet or pandas). For such a file the frame equals what
    :func:`cell_frame` then :func:`parse_numbers` give (text cells as strings, "" when blank; numbers
    correctly rounded, NaN when blank; indexed by spreadsheet row) and the number format is the default,
    so it skips splitting cells into Python strings, which took most of the time of a 500-ticker file.
    Anything else, including every file with an error to report, returns None and takes the house path,
    which says what is wrong.
    """
    if _dialect(doc).delimiter != ",":  # first: absurd shapes are refused before anything is copied
        return None
    text = doc.text
    if '"' in text or not text.isascii():
        return None
    first, _, body = text.partition("\n")
    header = [h.strip() for h in first.rstrip("\r").split(",")]
    if len(header) < 2 or not all(header) or len({h.upper() for h in header}) < len(header) or not body.strip():
        return None
    if not set(text_columns) <= set(header):
        return None
    encoded = body.encode("ascii")
    if encoded.translate(None, _PLAIN_CHARS):  # a character outside the plain set (one C pass)
        return None
    raw = np.frombuffer(encoded, dtype=np.uint8)
    lines = np.flatnonzero(raw == ord("\n"))
    returns = np.flatnonzero(raw == ord("\r"))
    if len(returns) and (returns[-1] + 1 >= len(raw) or (raw[returns + 1] != ord("\n")).any()):
        return None  # a carriage return not ending a line
    ends = lines - np.isin(lines - 1, returns)  # where each line's text ends ("\r\n" counts from the "\r")
    if len(lines) and ((ends[0] == 0) or (ends[1:] - lines[:-1] == 1).any()):
        return None  # a blank line
    rows = len(lines) + (not body.endswith("\n"))
    dots = np.flatnonzero(raw == ord("."))
    after = raw[np.minimum(dots + 1, len(raw) - 1)]
    if (len(raw) and raw[-1] == ord(".")) or np.isin(after, np.frombuffer(b",\r\n", dtype=np.uint8)).any():
        return None  # "5.": the house path reads it cell by cell
    if np.count_nonzero(raw == ord(",")) != rows * (len(header) - 1):
        return None  # a ragged row: the house path names it
    numeric = [h for h in header if h not in text_columns]
    try:
        frame = pd.read_csv(io.StringIO(body), header=None, names=header, engine="c", quoting=csv.QUOTE_NONE,
                            dtype=defaultdict(lambda: "float64", dict.fromkeys(text_columns, "str")),
                            na_values=[""], keep_default_na=False, skip_blank_lines=False)
    except (ValueError, pd.errors.ParserError):  # "1.2.3", "--": the house path names the cell
        return None
    values = frame[numeric].to_numpy(dtype=float)
    texts = frame[sorted(text_columns, key=header.index)].fillna("")
    filled = np.count_nonzero(~np.isnan(values))
    dashes = int(sum(texts[c].str.count("-").sum() for c in texts.columns))
    text_dots = int(sum(texts[c].str.count(r"\.").sum() for c in texts.columns))
    if (len(frame) != rows or np.isinf(values).any() or np.count_nonzero(raw == ord("-")) != dashes
            or len(dots) - text_dots != filled):
        return None  # a signed number, an integer cell or an infinite one: the house path reads or names it
    empty_rows = np.isnan(values).all(axis=1) & (texts == "").all(axis=1).to_numpy()
    if empty_rows.any():
        return None
    frame[list(texts.columns)] = texts
    frame.index = pd.Index(range(2, len(frame) + 2), name="row")
    return header, frame


def cell_frame(doc: Text, header: list[str], body: list[list[str]]) -> pd.DataFrame:
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


def check_duplicate_columns(doc: Text, header: list[str], what: str = "column") -> None:
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


def find_column(header: list[str], *names: str) -> str | None:
    lowered = {h.lower().replace(" ", "_"): h for h in header}
    for n in names:
        if n in lowered:
            return lowered[n]
    return None


def require_columns(doc: Text, header: list[str], spec: dict[str, tuple[str, ...]]) -> dict[str, str]:
    found, missing = {}, []
    for key, aliases in spec.items():
        col = find_column(header, key, *aliases)
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


def refuse_cells(doc: Text, cells: pd.Series, bad: pd.Series, column: str, problem: str, code: str) -> None:
    """Refuse the first row where ``bad`` holds: ``<file>, row R, column 'C': <cell> <problem>``."""
    if bad.any():
        row = bad.idxmax()
        raise DataError(f"{doc.name}, row {row}, column {column!r}: {cells[row]!r} {problem}", code=code)


def refuse_repeats(
    doc: Text, keys: pd.Series | pd.DataFrame, what: Callable[[int], str], advice: str, code: str
) -> None:
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


def parse_dates(
    doc: Text,
    col: pd.Series,
    column: str,
    *,
    problem: str = "is not a date. Use ISO dates such as 2024-01-31.",
    normalize: bool = True,
) -> pd.Series:
    """Dates of ``col``: ISO always, day-first or month-first only when the column decides it (see formats)."""
    parsed, fmt = formats.parse_dates(col, label=doc.name, column=column)
    refuse_cells(doc, col, parsed.isna(), column, problem, "bad_date")
    if fmt.describe():
        doc.notes.append(fmt.describe())
    return parsed.dt.normalize() if normalize else parsed


def parse_numbers(
    doc: Text, frame: pd.DataFrame, columns: list[str], *, percent: tuple[str, ...] = ()
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
        _refuse_non_finite(doc, frame[c], nums, missing, c)
        out[c] = nums / 100.0 if c in in_percent else nums
    return pd.DataFrame(out, index=frame.index)


def _refuse_non_finite(doc: Text, raw: pd.Series, nums: pd.Series, missing: pd.Series, column: str) -> None:
    """Refuse cells that are not numbers: ``inf`` text and numbers beyond the largest float (``1e309``)
    with their own message, then any other text. ``NaN`` text stays a missing value (``formats.MISSING``).

    Checked on numpy arrays; only the few missing or unreadable cells are looked at as text, so a clean
    file costs next to nothing.
    """
    values = nums.to_numpy(dtype=float)
    unread = np.isnan(values) & ~missing.to_numpy(dtype=bool)
    if unread.any():
        text = raw[unread].str.strip().str.lower()
        infinite = text.index[text.isin(("inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"))]
        refuse_cells(doc, raw, pd.Series(raw.index.isin(infinite), index=raw.index), column, _NOT_FINITE,
                     "not_finite")
    if unread.any():
        refuse_cells(doc, raw, pd.Series(unread, index=raw.index), column,
                     "is not a number. Fix or delete that cell.", "not_numeric")
    if np.isinf(values).any():
        refuse_cells(doc, raw, pd.Series(np.isinf(values), index=raw.index), column, _NOT_FINITE, "not_finite")


def _percent_cells(doc: Text, raw: pd.Series, column: str) -> pd.Series | None:
    """``raw`` without its ``%`` signs when every value has one; None when none has."""
    given = ~formats.missing(raw)
    pct = raw.str.strip().str.endswith("%")
    if not pct[given].any():
        return None
    plain = given & ~pct
    if plain.any():
        first = pct.idxmax()
        refuse_cells(
            doc, raw, plain, column,
            f"has no '%' but row {first} has {raw[first]!r}. Write every value of the column the same way "
            "(all in percent with %, or all as fractions) and upload again.",
            "mixed_percent",
        )
    doc.notes.append(f"Column {column!r} read as percentages: values ending in % were divided by 100.")
    return raw.str.strip().str.rstrip("%")


def format_notes(doc: Text) -> list[str]:
    """How the file was read, when it is not plain comma-separated UTF-8 with decimal points and ISO dates."""
    fmt = doc.numbers
    if doc.encoding == "UTF-8" and doc.delimiter == "," and fmt.default:
        return list(doc.notes)
    text = f"Read as {'' if doc.encoding == 'UTF-8' else doc.encoding + ' '}"
    text += f"{formats.separator_name(doc.delimiter)}-separated text with {fmt.describe()}"
    if fmt.evidence and fmt.decimal == ",":
        text += f" ({fmt.evidence})"
    return [text + "."] + list(doc.notes)


def _no_future(doc: Text, dates: pd.Series, column: str) -> None:
    today = pd.Timestamp(date.today())
    future = dates > today
    if future.any():
        row = future.idxmax()
        raise DataError(
            f"{doc.name}, row {row}, column {column!r}: {dates[row].date()} is in the future. "
            "Correct the date.",
            code="future_date",
        )


def positive(doc: Text, values: pd.Series, column: str, *, allow_zero: bool = False) -> None:
    bad = values < 0 if allow_zero else values <= 0
    if bad.any():
        row = bad.idxmax()
        need = "zero or more" if allow_zero else "greater than zero"
        raise DataError(
            f"{doc.name}, row {row}, column {column!r}: {values[row]:g} is not allowed; "
            f"it must be {need}.",
            code="not_positive",
        )


def required_cells(doc: Text, frame: pd.DataFrame, column: str) -> None:
    """Refuse empty cells: blank text in a raw frame, a missing number in parsed numbers."""
    empty = frame[column].isna() | (frame[column] == "")
    if empty.any():
        row = empty.idxmax()
        raise DataError(f"{doc.name}, row {row}: column {column!r} is empty. Fill it in.", code="missing_value")



def read_table(
    source: Source,
    name: str | None,
    max_bytes: int,
    spec: dict[str, tuple[str, ...]],
    required: tuple[str, ...] = (),
) -> tuple[Text, list[str], pd.DataFrame, dict[str, str]]:
    """Decode an upload with the columns of ``spec`` (key -> aliases), refusing empty ``required`` cells.

    Returns the document, its header, the string frame by spreadsheet row and the column found for each key.
    """
    doc = decode(source, name, max_bytes)
    header, body = read_rows(doc)
    cols = require_columns(doc, header, spec)
    frame = cell_frame(doc, header, body)
    for key in required:
        required_cells(doc, frame, cols[key])
    return doc, header, frame, cols


def past_dates(doc: Text, frame: pd.DataFrame, column: str) -> pd.Series:
    """Dates of ``column``, refusing cells that are not dates or lie in the future."""
    dates = parse_dates(doc, frame[column], column)
    _no_future(doc, dates, column)
    return dates


