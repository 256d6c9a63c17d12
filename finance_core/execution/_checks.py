"""Execution input checks (private to the package): side, order size in shares, one value per interval.

Built on the generic checks of :mod:`finance_core._checks` (blank cells, numbers, counts),
which the execution modules import from there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .._checks import is_blank, to_number
from ..errors import DataError

_SIDES = ("buy", "sell")


def check_side(side: str) -> str:
    """``"buy"`` or ``"sell"`` (also b, s, bid, ask; any case)."""
    s = str(side).strip().lower()
    s = {"b": "buy", "s": "sell", "bid": "sell", "ask": "buy"}.get(s, s)
    if s not in _SIDES:
        raise DataError(f"Side {side!r} is not known. Use 'buy' or 'sell'.", code="bad_side")
    return s


def check_shares(value: object, what: str = "The order size") -> int:
    """A positive whole number of shares (the side says buy or sell)."""
    if is_blank(value):
        raise DataError(
            f"{what} is empty. Enter a positive whole number of shares, for example 547.", code="missing_value"
        )
    v = to_number(value, what, code="bad_size", message="{what} {value!r} is not a number. Enter a whole number of shares.")
    if not np.isfinite(v) or v <= 0:
        raise DataError(
            f"{what} must be a positive number of shares; got {value!r}. Enter the shares to trade "
            "(always positive: choose buy or sell with the side).",
            code="not_positive",
        )
    if abs(v - round(v)) > 1e-9 * max(1.0, abs(v)):
        raise DataError(f"{what} must be a whole number of shares; got {v:g}. Round it.", code="bad_size")
    return int(round(v))


def check_vector(values: ArrayLike | pd.Series | pd.Index, n: int, what: str, *, allow_zero: bool = True) -> np.ndarray:
    """One finite value per interval (a scalar is repeated), zero or more (or greater than zero)."""
    arr = np.asarray(values.to_numpy() if isinstance(values, (pd.Series, pd.Index)) else values, dtype=float)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise DataError(
            f"{what} has {arr.size} values but the schedule has {n} intervals. Give one value per interval.",
            code="bad_length",
        )
    bad = ~np.isfinite(arr) | ((arr < 0) if allow_zero else (arr <= 0))
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(
            f"{what}, interval {i + 1}: {arr[i]!r} is not allowed; values must be finite and "
            f"{'zero or more' if allow_zero else 'greater than zero'}.",
            code="bad_value",
        )
    return arr
