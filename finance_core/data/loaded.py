"""What a reader returns to the app: the frame and, in typed fields, how it was read.

Notes travel here rather than in ``DataFrame.attrs``, which pandas calls experimental and which
many operations (joins, concatenation, pickling in some versions) drop or merge.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, ParamSpec, TypeVar

import pandas as pd

__all__ = ["Loaded", "frame_only"]

F = TypeVar("F", pd.DataFrame, pd.Series)
P = ParamSpec("P")


@dataclass(frozen=True)
class Loaded(Generic[F]):
    """A file as read: ``frame`` (a DataFrame, or a Series for one-column kinds), ``notes`` on the repairs
    made and the format detected (shown to the person who uploaded it), and ``ticker`` when a prices file
    was one ticker's export (``AAPL.csv`` from Yahoo Finance), else None."""

    frame: F
    notes: tuple[str, ...] = ()
    ticker: str | None = None


def frame_only(load: Callable[P, Loaded[F]]) -> Callable[P, F]:
    """The notebook form of a reader: ``read_<kind>_csv = frame_only(load_<kind>_csv)`` takes the same arguments
    and returns the frame alone (the notes are dropped, the frame carries no ``attrs``)."""

    def read(*args: P.args, **kwargs: P.kwargs) -> F:
        return load(*args, **kwargs).frame

    functools.update_wrapper(read, load)  # the parameters of ``load`` in inspect and help()
    signature = inspect.signature(load)
    frame_type = str(signature.return_annotation).removeprefix("Loaded[").removesuffix("]")
    read.__signature__ = signature.replace(return_annotation=frame_type)  # type: ignore[attr-defined]
    read.__name__ = read.__qualname__ = load.__name__.replace("load_", "read_", 1)
    read.__doc__ = f"The frame of :func:`{load.__name__}` without its notes (for notebooks).\n\n{load.__doc__}"
    return read
