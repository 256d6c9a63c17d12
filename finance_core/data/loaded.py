"""What a reader returns to the app: the frame and, in typed fields, how it was read.

Notes travel here rather than in ``DataFrame.attrs``, which pandas calls experimental and which
many operations (joins, concatenation, pickling in some versions) drop or merge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

import pandas as pd

__all__ = ["Loaded"]

F = TypeVar("F", pd.DataFrame, pd.Series)


@dataclass(frozen=True)
class Loaded(Generic[F]):
    """A file as read: ``frame`` (a DataFrame, or a Series for one-column kinds), ``notes`` on the repairs
    made and the format detected (shown to the person who uploaded it), and ``ticker`` when a prices file
    was one ticker's export (``AAPL.csv`` from Yahoo Finance), else None."""

    frame: F
    notes: tuple[str, ...] = ()
    ticker: str | None = None
