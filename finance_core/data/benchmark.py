"""Benchmark files: one series of closes or levels (date,value), checked as a prices file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import DataError
from .decoder import MAX_UPLOAD_BYTES, Source, file_label
from .loaded import Loaded, frame_only
from .prices import MIN_HISTORY, load_prices_csv

__all__ = ["load_benchmark_csv", "read_benchmark_csv"]

_GENERIC_VALUE = {"VALUE", "PRICE", "CLOSE", "ADJ_CLOSE", "LEVEL", "INDEX", "BENCHMARK"}


def load_benchmark_csv(source: Source, *, name: str | None = None, min_rows: int = MIN_HISTORY,
                       max_bytes: int = MAX_UPLOAD_BYTES) -> Loaded[pd.Series]:
    """Read one benchmark series: ``date,value`` or a date and one price column (levels or closes, > 0).

    Checked as a prices file (dates, numbers, gaps, at least ``min_rows`` dates). Returns the
    closes as a Series named by the column (the file name when the column is ``value``,
    ``price``, ``close`` or ``level``); repairs travel in ``Loaded.notes``.
    """
    label = file_label(source, name)
    loaded = load_prices_csv(source, name=name, min_rows=min_rows, max_bytes=max_bytes)
    frame = loaded.frame
    if frame.shape[1] != 1:
        raise DataError(
            f"{label} has {frame.shape[1]} value columns ({', '.join(frame.columns[:5])}); a benchmark file holds a "
            "date column and one column of closes (date,value). Keep one column, or upload several series as "
            "prices and blend them.",
            code="not_one_series",
        )
    column = frame.columns[0]
    stem = "Uploaded benchmark" if label == "the uploaded file" else Path(label).stem
    series = frame[column].rename(stem if column in _GENERIC_VALUE else column)
    return Loaded(series, loaded.notes)


read_benchmark_csv = frame_only(load_benchmark_csv)
