"""Day arithmetic shared by the tax modules: epoch days and the one-year anniversary."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

__all__ = ["EPOCH", "anniversary_days", "anniversary_day", "to_days", "from_days"]

EPOCH = date(1970, 1, 1)


def anniversary_days(days: np.ndarray) -> np.ndarray:
    """Same calendar day one year later (29 February -> 28 February), as epoch days."""
    d = np.asarray(days, dtype="int64").astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    dom = (d - month.astype("datetime64[D]")).astype("int64")  # 0-based day of month
    nxt = month + np.timedelta64(12, "M")
    month_len = ((nxt + np.timedelta64(1, "M")).astype("datetime64[D]") - nxt.astype("datetime64[D]")).astype(
        "int64"
    )
    return (nxt.astype("datetime64[D]") + np.minimum(dom, month_len - 1)).astype("int64")


def to_days(values: ArrayLike) -> np.ndarray:
    """Dates (anything ``pd.to_datetime`` reads) as int64 days since 1970-01-01."""
    return pd.to_datetime(pd.Series(values)).to_numpy("datetime64[D]").astype("int64")


def from_days(days: ArrayLike) -> pd.DatetimeIndex:
    """Epoch days back to a DatetimeIndex (nanosecond resolution)."""
    return pd.DatetimeIndex(np.asarray(days, dtype="int64").astype("datetime64[D]").astype("datetime64[ns]"))


def anniversary_day(day: int) -> int:
    """:func:`anniversary_days` for one epoch day, in plain Python (fast inside the replay loop)."""
    d = EPOCH + timedelta(days=int(day))
    try:
        a = d.replace(year=d.year + 1)
    except ValueError:  # 29 February
        a = d.replace(year=d.year + 1, day=28)
    return (a - EPOCH).days
