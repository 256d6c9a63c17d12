"""Reading a control's value in a callback: one checker per kind of control.

A callback gets whatever the browser (or a forged request) sends: None for a box the
browser could not read, text, NaN or infinity, a list where one value belongs, grid rows
that are not dicts. Each checker returns the value in the type the page needs or raises a
:class:`~finance_core.errors.DataError` whose message names the control (``what``, as the
start of a sentence, for example ``"The portfolio value"``) and says what to enter, so
:func:`components.alerts.reports_errors` shows it instead of the generic alert.
The number rules are finance_core's (:mod:`finance_core._checks`), reused here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from finance_core._checks import is_blank
from finance_core.errors import DataError

__all__ = ["number_input", "whole_input", "choice_input", "rows_input", "list_input", "date_input"]


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
