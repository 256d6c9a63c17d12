"""Input checks shared by the execution modules (private to the package)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError

_SIDES = ("buy", "sell")


def check_side(side: str) -> str:
    s = str(side).strip().lower()
    s = {"b": "buy", "s": "sell", "bid": "sell", "ask": "buy"}.get(s, s)
    if s not in _SIDES:
        raise DataError(f"Side {side!r} is not known. Use 'buy' or 'sell'.", code="bad_side")
    return s


def is_blank(value) -> bool:
    """An empty form field (a number box the browser could not read sends None)."""
    return value is None or (isinstance(value, str) and not value.strip())


def check_shares(value, what: str = "The order size") -> int:
    if is_blank(value):
        raise DataError(
            f"{what} is empty. Enter a positive whole number of shares, for example 547.", code="missing_value"
        )
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise DataError(
            f"{what} {value!r} is not a number. Enter a whole number of shares.", code="bad_size"
        ) from None
    if not np.isfinite(v) or v <= 0:
        raise DataError(
            f"{what} must be a positive number of shares; got {value!r}. Enter the shares to trade "
            "(always positive: choose buy or sell with the side).",
            code="not_positive",
        )
    if abs(v - round(v)) > 1e-9 * max(1.0, abs(v)):
        raise DataError(f"{what} must be a whole number of shares; got {v:g}. Round it.", code="bad_size")
    return int(round(v))


def check_count(value, what: str) -> int:
    if is_blank(value):
        raise DataError(f"{what} is empty. Enter a whole number of 1 or more.", code="missing_value")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise DataError(
            f"{what} {value!r} is not a number. Enter a whole number of 1 or more.", code="bad_count"
        ) from None
    if not np.isfinite(v) or v < 1 or abs(v - round(v)) > 1e-9:
        raise DataError(f"{what} must be a whole number of 1 or more; got {value!r}.", code="not_positive")
    return int(round(v))


def check_positive(value, what: str, *, allow_zero: bool = False) -> float:
    if is_blank(value):
        need = "zero or more" if allow_zero else "greater than zero"
        raise DataError(f"{what} is empty. Enter a number {need}.", code="missing_value")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{what} {value!r} is not a number.", code="bad_number") from None
    bad = (v < 0) if allow_zero else (v <= 0)
    if not np.isfinite(v) or bad:
        need = "zero or more" if allow_zero else "greater than zero"
        raise DataError(f"{what} must be {need}; got {value!r}.", code="not_positive")
    return v


def check_vector(values, n: int, what: str, *, allow_zero: bool = True) -> np.ndarray:
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
