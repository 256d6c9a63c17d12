"""What the browser sent: one reader per kind of control, so hostile input ends in a message, not a traceback.

A callback reads each value it gets through the reader of its control's kind. A value a person typed or
picked that cannot be used raises :class:`~finance_core.errors.DataError` naming the control (``what``, the
start of a sentence such as ``"Max weight"``) and what to enter; the page's alert shows it. A store the
server wrote and the browser sends back (an allocation, a trade list, the link's query) holds no typing:
one that is not of the shape the server writes reads as empty (``stored``), as if nothing were there yet.

Two families live here, written in parallel for the two halves of the pages and not yet folded into one:
``number``/``whole``/``date``/``choice``/``picks``/``text``/``rows`` (Data, Construct, Compare, Performance,
Present, the Saved menu) and ``number_input``/``whole_input``/``choice_input``/``rows_input``/``list_input``/
``date_input`` (Execute, Risk, Tax; these take ranges). Both raise the same DataError messages.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

from finance_core._checks import check_count, check_finite, is_blank
from finance_core.errors import DataError

__all__ = ["choice", "date", "mapping", "number", "picks", "records", "rows", "stored", "text", "whole",
           "number_input", "whole_input", "choice_input", "rows_input", "list_input", "date_input"]


def number(value, what: str, *, default: float | None = None, scale: float = 1.0) -> float | None:
    """A number box: blank is ``default``; else a finite number times ``scale`` (a percent box passes 0.01)."""
    if is_blank(value):
        return default
    if isinstance(value, bool):
        raise DataError(f"{what} must be a number, got {value!r}.", code="bad_number")
    return check_finite(value, what, hint=". Enter a number such as 0.5") * scale


def whole(value, what: str, *, default: int | None = None) -> int:
    """A whole-number box (a window in days): blank is ``default`` (refused when there is none); else a whole
    number of 1 or more."""
    if default is not None and is_blank(value):
        return default
    if isinstance(value, bool):
        raise DataError(f"{what} must be a whole number of 1 or more; got {value!r}.", code="not_positive")
    return check_count(value, what)


def date(value, what: str) -> str | None:
    """A date box: blank is None; else the ISO date ``YYYY-MM-DD`` it holds (a time after it is dropped)."""
    if is_blank(value):
        return None
    try:
        return dt.date.fromisoformat(str(value).strip()[:10]).isoformat() if isinstance(value, str) else \
            _not_a_date(value, what)
    except ValueError:
        return _not_a_date(value, what)


def _not_a_date(value, what: str):
    raise DataError(f"{what} {str(value)[:40]!r} is not a date. Type it as YYYY-MM-DD, for example 2020-01-31.",
                    code="bad_date")


def text(value, what: str) -> str:
    """A text box: blank is ``""``; anything but text is refused."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DataError(f"{what} must be text, got {value!r}. Type it in the box.", code="bad_text")
    return value


def choice(value, what: str, default=None):
    """A single-choice dropdown: nothing picked is ``default``; a list, a record or a switch is refused."""
    if value is None or value == "":
        return default
    if isinstance(value, (list, dict, bool)):
        raise DataError(f"{what} must be one choice from its list, got {value!r}.", code="bad_choice")
    return value


def picks(value, what: str, allowed=None) -> list[str]:
    """A multi-choice: nothing picked is ``[]``; each pick is text (a number is read as its text), one of
    ``allowed`` when given."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or any(isinstance(v, (list, dict, bool)) or v is None for v in value):
        raise DataError(f"{what} must be picked from its list, got {value!r}.", code="bad_choice")
    chosen = [str(v) for v in value]
    unknown = [v for v in chosen if allowed is not None and v not in allowed]
    if unknown:
        raise DataError(f"{what}: {unknown[0][:60]!r} is not one of the choices; pick from the list.",
                        code="bad_choice")
    return chosen


def rows(value, what: str) -> list[dict]:
    """A grid's rows: none is ``[]``; each row is a record of its columns."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        raise DataError(f"The {what} grid sent rows that are not records ({str(value)[:80]}). Clear the grid and "
                        "enter the rows again.", code="bad_rows")
    return value


def records(value) -> list[dict]:
    """A server-written list of records (a trade list) or a grid's rows without typing: what is not one is dropped."""
    return [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []


def mapping(value) -> dict:
    """A store's data as the dict the server writes; anything else reads as empty."""
    return value if isinstance(value, dict) else {}


def stored(value, *keys: str) -> dict | None:
    """A server-written record holding ``keys`` (an allocation with its weights), or None when it is not one."""
    if isinstance(value, dict) and all(key in value for key in keys):
        return value
    return None


# Execute, Risk and Tax: readers with ranges.
def _range_text(lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f"from {lo:,g} to {hi:,g}"
    if lo is not None:
        return f"of at least {lo:,g}"
    if hi is not None:
        return f"of at most {hi:,g}"
    return "such as 1"


def number_input(value, what: str, *, lo: float | None = None, hi: float | None = None, default=None,
                 above: bool = False) -> float:
    """A finite number from a number box or slider, within ``lo``..``hi`` (``above``: strictly above ``lo``).

    A blank box gives ``default`` when there is one, else a message asking for a number.
    """
    need = ("greater than " + f"{lo:,g}") if above and lo is not None else _range_text(lo, hi)
    if is_blank(value):
        if default is not None:
            return default
        raise DataError(f"{what} is empty. Enter a number {need}.", code="missing_value")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise DataError(f"{what} must be a single number {need}; got {value!r}.", code="bad_number")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise DataError(f"{what} {value!r} is not a number. Enter a number {need}.", code="bad_number") from None
    if not math.isfinite(number):
        raise DataError(f"{what} must be a finite number {need}; got {value!r}.", code="bad_number")
    low = lo is not None and (number <= lo if above else number < lo)
    if low or (hi is not None and number > hi):
        raise DataError(f"{what} must be a number {need}; got {value!r}.", code="out_of_range")
    return number


def whole_input(value, what: str, *, lo: int = 1, hi: int | None = None, default: int | None = None) -> int:
    """A whole number from a box or slider, within ``lo``..``hi`` (an integral float or text is accepted)."""
    number = number_input(value, what, lo=lo, hi=hi, default=default)
    if abs(number - round(number)) > 1e-9:
        raise DataError(f"{what} must be a whole number {_range_text(lo, hi)}; got {value!r}.", code="bad_count")
    return int(round(number))


def choice_input(value, options: Iterable, what: str):
    """One of a dropdown's ``options`` (numbers compare by value, so 0.99 from the URL matches 0.99)."""
    choices = list(options)
    for option in choices:
        try:
            if value == option and type(value) is not bool:
                return option
        except (TypeError, ValueError):
            continue
    shown = ", ".join(str(o) for o in choices)
    raise DataError(f"{what} {value!r} is not one of the choices: pick one of {shown}.", code="bad_choice")


def rows_input(rows, what: str, *, blank_ok: bool = True) -> list[dict]:
    """Grid rows: a list of dicts (None is no rows when ``blank_ok``)."""
    if rows is None and blank_ok:
        return []
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise DataError(f"{what} could not be read (expected table rows); reset the table or reload the page.",
                        code="bad_rows")
    return rows


def list_input(values, what: str) -> list:
    """A list from a multi-choice or a pattern-matching group (None is an empty list)."""
    if values is None:
        return []
    if not isinstance(values, list):
        raise DataError(f"{what} could not be read (expected a list); reload the page.", code="bad_list")
    return values


def date_input(value, what: str):
    """A date from a date picker or a link (``YYYY-MM-DD``) as a Timestamp; blank is None."""
    import pandas as pd  # kept local: the number checkers need no pandas

    if is_blank(value):
        return None
    if not isinstance(value, str):
        raise DataError(f"{what} {value!r} is not a date. Pick a date (YYYY-MM-DD).", code="bad_date")
    try:
        when = pd.Timestamp(value)
    except (TypeError, ValueError, OverflowError):
        raise DataError(f"{what} {value[:40]!r} is not a date. Pick a date (YYYY-MM-DD).", code="bad_date") from None
    if pd.isna(when):
        raise DataError(f"{what} {value[:40]!r} is not a date. Pick a date (YYYY-MM-DD).", code="bad_date")
    return when
