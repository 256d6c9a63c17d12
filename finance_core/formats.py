"""Number and date formats of uploaded CSV files: detected once per file, then read strictly.

Spreadsheets write numbers the way their locale does: ``1,234.56`` (US, UK), ``1.234,56``
(Germany, Italy, Spain), ``1 234,56`` (France), ``1'234.56`` (Switzerland). A file uses
one decimal mark, so :func:`detect_numbers` looks at every numeric cell of the file and
decides it from the cells that can be read only one way (``150,0747`` has a decimal comma,
``1,234.5`` a decimal point); cells that could be read both ways (``1,234``) follow that
decision. Contradicting cells, or ambiguous cells with nothing to decide them, are
refused with the row, the column and the cell. Dates are treated in the same spirit by
:func:`parse_dates`: ISO dates are always read; ``04/01/2021`` is read day first or month
first only when another date of the column (a day above 12) decides it.

This module knows nothing about files: callers pass a label (the file name) for messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import DataError

__all__ = [
    "MISSING",
    "NumberFormat",
    "detect_numbers",
    "parse_numbers",
    "read_numbers",
    "missing",
    "separator_name",
    "DateFormat",
    "parse_dates",
]

#: Cell texts that mean "no value".
MISSING = frozenset(["", "NA", "N/A", "#N/A", "NaN", "nan", "null", "NULL", "-"])
_DECIMALS = (".", ",")
_WORD = {".": "a decimal point", ",": "a decimal comma"}
_PLURAL = {".": "decimal points", ",": "decimal commas"}
_SEPARATOR_NAME = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_THOUSANDS_NAME = {",": "','", ".": "'.'", " ": "spaces", "'": "apostrophes"}
_EXPONENT = re.compile(r"[eE][+-]?[0-9]+$")
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})


def _core(cell: str) -> str:
    """The number part of a cell: without currency signs and outer spaces, inner spaces made plain."""
    return cell.translate(_SPACES).strip().strip("$€£¥").strip()


def _digits(text: str) -> bool:
    """``text`` is ASCII digits only (``str.isdigit`` also accepts ``²`` and other digits ``float`` refuses)."""
    return text.isascii() and text.isdigit()


def _group_ok(part: str, sep: str) -> bool:
    """``part`` (digits with ``sep`` between groups) is a valid thousands grouping: 1-3 digits, then 3s."""
    groups = part.split(sep)
    head, rest = groups[0], groups[1:]
    return (
        _digits(head) and len(head) <= 3 and not (head.startswith("0") and rest)
        and all(len(g) == 3 and _digits(g) for g in rest)
    )


def _read_as(core: str, decimal: str) -> float | None:
    """The value of ``core`` when ``decimal`` is the decimal mark, or None if it cannot be read that way."""
    sign, body = "", core
    if body[:1] in "+-":
        sign, body = body[0], body[1:].strip()
    exp = _EXPONENT.search(body)
    exponent = exp.group(0) if exp else ""
    body = body[: len(body) - len(exponent)]
    if not body or body.count(decimal) > 1:
        return None
    whole, _, frac = body.partition(decimal)
    if (frac and not _digits(frac)) or not (whole or frac):
        return None
    seps = {c for c in whole if not _digits(c)}
    if len(seps) > 1:
        return None
    if seps:
        sep = seps.pop()
        if sep == decimal or sep not in "., '" or not _group_ok(whole, sep):
            return None
    digits = "".join(c for c in whole if _digits(c))
    if whole and not digits:
        return None
    return float(f"{sign}{digits or '0'}.{frac or '0'}{exponent}")


def _readings(core: str) -> dict[str, float]:
    """Decimal mark -> value, for every mark under which the cell is a number."""
    out = {}
    for d in _DECIMALS:
        v = _read_as(core, d)
        if v is not None:
            out[d] = v
    return out


def _thousands(core: str, decimal: str) -> str | None:
    whole = core.lstrip("+-").partition(decimal)[0]
    return next((c for c in whole if c in ".,' "), None)


@dataclass(frozen=True)
class NumberFormat:
    """How a file writes numbers: its decimal mark and the thousands separators seen."""

    decimal: str = "."
    thousands: tuple[str, ...] = ()
    evidence: str = ""  # the cell that decided the decimal mark, e.g. "row 2, column 'AAPL': '150,0747'"

    @property
    def default(self) -> bool:
        return self.decimal == "." and not self.thousands

    def describe(self) -> str:
        """``decimal commas and '.' separating thousands`` and so on."""
        text = _PLURAL[self.decimal]
        if self.thousands:
            text += " and " + " or ".join(_THOUSANDS_NAME[t] for t in self.thousands) + " separating thousands"
        return text


def _where(cell: tuple[str, int, str]) -> str:
    column, row, text = cell
    return f"row {row}, column {column!r}: {text!r}"


#: One pass over a cell: an integer, a number with one mark that a thousands separator could also
#: explain (1,234 / 1.234: 1-3 digits, the mark, 3 digits), or a plain number with one mark (1,5 / 150.07).
_PLAIN = re.compile(
    r"(?P<int>[+-]?\d+)|(?P<amb_dot>[+-]?[1-9]\d{0,2}\.\d{3})|(?P<amb_comma>[+-]?[1-9]\d{0,2},\d{3})"
    r"|(?P<one_dot>[+-]?\d*\.\d+)|(?P<one_comma>[+-]?\d*,\d+)"
)
_MISSING, _INTEGER, _OTHER = "missing", "int", "other"
#: Keyed by ``Match.lastgroup``, typed ``str | None``; every alternative of _PLAIN is a named group,
#: so a match always has one and ``None`` never arrives here.
_KIND: dict[str | None, str] = {
    "int": _INTEGER, "amb_dot": "amb.", "amb_comma": "amb,", "one_dot": "one.", "one_comma": "one,"
}

@dataclass
class _Cells:
    """One column's cells: their number part and kind (missing, int, one./one, amb./amb, other)."""

    cores: list
    kinds: np.ndarray

    @classmethod
    def of(cls, texts: pd.Series) -> _Cells:
        fast = cls._plain_column(texts)
        return fast if fast is not None else cls._each(texts)

    @classmethod
    def _plain_column(cls, texts: pd.Series) -> _Cells | None:
        """The cells of a column of plain ASCII numbers (and blanks) with one decimal mark, sorted by numpy on
        the bytes of the whole column instead of one regex match per cell; None when any cell needs the per-cell
        path (another character, a sign alone, ``5.``, both marks, non-ASCII digits, non-strings).

        Gives exactly what :meth:`_each` gives: a plain cell is its own core, and its kind is the alternative of
        ``_PLAIN`` that matches it: ``[+-]?\\d+`` an integer, ``[+-]?[1-9]\\d{0,2}D\\d{3}`` ambiguous, else
        ``[+-]?\\d*D\\d+`` one mark."""
        n = len(texts)
        if not n or pd.api.types.infer_dtype(texts, skipna=False) != "string":
            return None
        cells = texts.tolist()
        try:
            raw = np.array(cells, dtype="S")
        except UnicodeEncodeError:
            return None
        lengths = np.fromiter(map(len, cells), dtype=np.int64, count=n)
        if raw.dtype.itemsize == 0:
            return cls(cells, np.full(n, _MISSING, dtype=object))
        b = raw.view(np.uint8).reshape(n, raw.dtype.itemsize)
        filled = b != 0
        if not (filled.sum(axis=1) == lengths).all():  # a NUL inside a cell
            return None
        digit = (b >= ord("0")) & (b <= ord("9"))
        signed = (b[:, 0] == ord("+")) | (b[:, 0] == ord("-"))
        marks = {d: b == ord(d) for d in _DECIMALS}
        mark = next((d for d in _DECIMALS if not marks["," if d == "." else "."].any()), None)
        if mark is None:
            return None
        dot = marks[mark]
        ok = digit | dot | ~filled
        ok[:, 0] |= signed
        n_marks = dot.sum(axis=1)
        at = np.argmax(dot, axis=1)
        frac = lengths - at - 1
        body = lengths - signed
        if not (ok.all() and (n_marks <= 1).all() and ((lengths == 0) | (body > 0)).all()
                and (frac[n_marks == 1] > 0).all()):
            return None
        whole = at - signed
        lead = b[np.arange(n), signed.astype(np.int64)]
        kinds = np.full(n, "one" + mark, dtype=object)
        kinds[(n_marks == 1) & (whole >= 1) & (whole <= 3) & (lead != ord("0")) & (frac == 3)] = "amb" + mark
        kinds[(n_marks == 0) & (lengths > 0)] = _INTEGER
        kinds[lengths == 0] = _MISSING
        return cls(cells, kinds)

    @classmethod
    def _each(cls, texts: pd.Series) -> _Cells:
        """The cells sorted one by one (the general path: currency signs, separators, text, non-strings)."""
        cores, kinds = [], []
        match, kind_of = _PLAIN.fullmatch, _KIND
        for text in texts:
            m = match(text) if isinstance(text, str) else None
            if m is not None:  # the common case: a plain number
                cores.append(text)
                kinds.append(kind_of[m.lastgroup])
                continue
            core = _core(text) if isinstance(text, str) else ""
            m = match(core)
            cores.append(core)
            kinds.append(_MISSING if core in MISSING else _OTHER if m is None else kind_of[m.lastgroup])
        return cls(cores, np.array(kinds, dtype=object))

    def first(self, kind: str) -> int | None:
        hits = np.flatnonzero(self.kinds == kind)
        return int(hits[0]) if len(hits) else None


def _mixed_marks(label: str, first: dict[str, tuple[str, int, str]]) -> DataError:
    """The error for a file whose cells use both decimal marks, naming the first cell of each."""
    (m1, c1), (m2, c2) = sorted(first.items(), key=lambda kv: kv[1][1])
    return DataError(
        f"{label}: column {c1[0]!r} uses {_WORD[m1]} (row {c1[1]}: {c1[2]!r}) but row {c2[1]}"
        f"{'' if c2[0] == c1[0] else f' of column {c2[0]!r}'} has {c2[2]!r}, with {_WORD[m2]}. Write every "
        "number of the file with the same decimal mark and upload it again.",
        code="mixed_number_format",
    )


def _ambiguous(label: str, column: str, row: int, text: str, readings: dict[str, float]) -> DataError:
    """The error for a cell that reads as two numbers when nothing in the file decides which."""
    mark = "," if "," in _core(text) else "."
    as_decimal, as_thousands = readings[mark], readings["," if mark == "." else "."]
    return DataError(
        f"{label}, row {row}, column {column!r}: {text!r} could be {as_thousands:g} ({mark!r} separating "
        f"thousands) or {as_decimal:g} ({_WORD[mark]}), and no other number in the file decides which. "
        f"Save the file without thousands separators (or with more decimals), or as comma-separated CSV "
        "with decimal points, and upload it again.",
        code="ambiguous_number",
    )


def _thousands_marks(columns: Iterable[_Cells], decimal: str) -> tuple[str, ...]:
    """The thousands separators the cells use, given the decimal mark, in the order first seen."""
    columns = list(columns)
    other_mark = "," if decimal == "." else "."
    seen = [other_mark] if any(c.first("amb" + other_mark) is not None for c in columns) else []
    for c in columns:
        for i in np.flatnonzero(c.kinds == _OTHER):
            core = c.cores[i]
            t = _thousands(core, decimal) if _read_as(core, decimal) is not None else None
            if t and t not in seen:
                seen.append(t)
    return tuple(seen)


def detect_numbers(
    cells: dict[str, pd.Series], *, delimiter: str, label: str, _sorted: dict | None = None
) -> NumberFormat:
    """The number format of a file from its numeric cells (column -> texts indexed by spreadsheet row).

    Decided by the cells that can be read only one way. Raises :class:`DataError` when two
    cells contradict each other, or when a cell reads as two different numbers and nothing
    in the file decides which (a comma-separated file always uses decimal points: its
    commas separate columns).
    """
    first: dict[str, tuple[str, int, str]] = {}
    ambiguous = None
    sorted_cells = _sorted or {column: _Cells.of(texts) for column, texts in cells.items()}

    def _keep(mark: str, column: str, row: int) -> None:
        if mark not in first or row < first[mark][1]:
            first[mark] = (column, row, cells[column].loc[row])

    for column, c in sorted_cells.items():
        rows = cells[column].index
        for d in _DECIMALS:
            i = c.first("one" + d)
            if i is not None:
                _keep(d, column, rows[i])
            i = c.first("amb" + d)
            if i is not None and ambiguous is None:
                ambiguous = (column, rows[i], cells[column].iloc[i], _readings(c.cores[i]))
        for i in np.flatnonzero(c.kinds == _OTHER):
            readings = _readings(c.cores[i])
            if len(readings) == 1:
                _keep(next(iter(readings)), column, rows[i])
            elif len(readings) == 2 and readings["."] != readings[","] and ambiguous is None:
                ambiguous = (column, rows[i], cells[column].iloc[i], readings)
    if len(first) == 2:
        raise _mixed_marks(label, first)
    if first:
        mark, cell = next(iter(first.items()))
        decimal, evidence = mark, _where(cell)
    elif ambiguous is not None and delimiter != ",":
        raise _ambiguous(label, *ambiguous)
    else:
        decimal, evidence = ".", ("the comma separating columns" if ambiguous is not None else "")
    return NumberFormat(decimal, _thousands_marks(sorted_cells.values(), decimal), evidence)


def missing(texts: pd.Series) -> pd.Series:
    """Mask of the cells that hold no value (blank, NA, N/A, null, ...)."""
    return pd.Series(_Cells.of(texts).kinds == _MISSING, index=texts.index)


def read_numbers(
    cells: dict[str, pd.Series], *, delimiter: str, label: str
) -> tuple[NumberFormat, dict[str, tuple[pd.Series, pd.Series]]]:
    """:func:`detect_numbers` then :func:`parse_numbers` of every column, looking at each cell once."""
    sorted_cells = {column: _Cells.of(texts) for column, texts in cells.items()}
    fmt = detect_numbers(cells, delimiter=delimiter, label=label, _sorted=sorted_cells)
    return fmt, {column: _parse(sorted_cells[column], texts.index, fmt) for column, texts in cells.items()}


def parse_numbers(texts: pd.Series, fmt: NumberFormat) -> tuple[pd.Series, pd.Series]:
    """Floats of ``texts`` in format ``fmt`` (NaN where not a number) and the mask of missing cells."""
    return _parse(_Cells.of(texts), texts.index, fmt)


def _plain_floats(plain: np.ndarray, *, integers: bool) -> np.ndarray:
    """The floats of plain number texts (digits, a sign, at most one decimal point), as ``pd.to_numeric`` reads them.

    ASCII texts that all have a decimal point are converted by numpy in one call (Python's correctly rounded
    ``float``, as ``to_numeric`` reads them, several times faster). ``to_numeric`` keeps the rest: it reads
    integer texts its own way (``-0`` as 0 or as -0.0 depending on the other cells) and refuses digits such
    as ``١٢``."""
    if integers or not "".join(plain).isascii():
        return pd.to_numeric(pd.Series(plain, dtype=object), errors="coerce").to_numpy(float)
    return np.array(plain, dtype=float)


def _parse(c: _Cells, index: pd.Index, fmt: NumberFormat) -> tuple[pd.Series, pd.Series]:
    d = fmt.decimal
    cores = np.array(c.cores, dtype=object)
    out = np.full(len(cores), np.nan)
    fast = np.isin(c.kinds, [_INTEGER, "one" + d, "amb" + d])
    plain = cores[fast] if d == "." else np.array([x.replace(",", ".") for x in cores[fast]], dtype=object)
    out[fast] = _plain_floats(plain, integers=bool((c.kinds[fast] == _INTEGER).any()))
    slow = ~fast & (c.kinds != _MISSING)
    if slow.any():
        out[slow] = [np.nan if v is None else v for v in (_read_as(core, d) for core in cores[slow])]
    return pd.Series(out, index=index), pd.Series(c.kinds == _MISSING, index=index)


def separator_name(delimiter: str) -> str:
    return _SEPARATOR_NAME.get(delimiter, repr(delimiter))


# --------------------------------------------------------------------------- dates
_YEAR_LAST = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?:[ T](.*))?$")


@dataclass(frozen=True)
class DateFormat:
    """How a date column was read: ``"iso"`` (or text), ``"day_first"`` or ``"month_first"``."""

    order: str = "iso"
    evidence: str = ""

    def describe(self) -> str:
        if self.order == "iso" or not self.evidence:
            return ""
        order = "day first (31.01.2024 is 31 January)" if self.order == "day_first" else \
            "month first (01/31/2024 is January 31)"
        return f"Dates read {order}: {self.evidence} decides."


#: The earliest date a file can hold: anything before is a misread fragment, not a market date
#: (dates in the future are refused by the readers with their own message).
_EARLIEST = pd.Timestamp("1800-01-01")


def _year(text: str) -> int:
    y = int(text)
    return y if len(text) == 4 else (2000 + y if y < 69 else 1900 + y)


def parse_dates(texts: pd.Series, *, label: str, column: str) -> tuple[pd.Series, DateFormat]:
    """Timestamps of ``texts`` (NaT where not a date) and how they were read.

    ISO dates (2024-01-31, with or without a time) are always read. Dates with the year last
    (04/01/2021, 04.01.2021) are read day first when some first number is above 12, month
    first when some second number is; a column with neither, or both, is refused.
    """
    found = texts.str.extract(_YEAR_LAST)
    year_last = found[0].notna()
    fmt = DateFormat()
    if year_last.any():
        a, b = found[0].astype(float), found[2].astype(float)
        day_first, month_first = (a > 12) & (b <= 12), (b > 12) & (a <= 12)  # both above 12: not a date
        if day_first.any() and month_first.any():
            r1, r2 = day_first.idxmax(), month_first.idxmax()
            raise DataError(
                f"{label}, column {column!r}: row {r1} has {texts[r1]!r} (day first) but row {r2} has {texts[r2]!r} "
                "(month first). Write every date the same way, best as ISO (2021-01-31), and upload again.",
                code="mixed_date_format",
            )
        if not (day_first.any() or month_first.any()) and (a != b)[year_last].any():
            r = (year_last & (a != b)).idxmax()
            x, y = int(a[r]), int(b[r])
            raise DataError(
                f"{label}, row {r}, column {column!r}: {texts[r]!r} could be day {x} of month {y} or month {x} "
                f"day {y}, and no date in the column has a day above 12 to decide. Write the dates as ISO "
                "(year-month-day, such as 2021-01-31) and upload again.",
                code="ambiguous_date",
            )
        if day_first.any() or month_first.any():
            first = day_first if day_first.any() else month_first
            row = first.idxmax()
            fmt = DateFormat("day_first" if day_first.any() else "month_first", f"row {row} ({texts[row]!r})")
        else:  # 01.01.2021, 05.05.2021: the same date either way
            fmt = DateFormat("day_first")
        day, month = (a, b) if fmt.order == "day_first" else (b, a)
        iso = pd.Series(
            [f"{_year(y)}-{int(m):02d}-{int(d):02d} {t if isinstance(t, str) else ''}".strip() if ok else txt
             for ok, d, m, y, t, txt in zip(year_last, day, month, found[3], found[4], texts, strict=True)],
            index=texts.index,
        )
        texts = iso
    parsed = pd.to_datetime(texts, errors="coerce", format="mixed")
    # dateutil reads fragments such as "/1" as 1 January of year 1: no market date, and out of range
    # for the date arithmetic downstream. Such cells are not dates.
    return parsed.where(parsed >= _EARLIEST), fmt
