"""Sector maps: ticker,sector (GICS or any classification the desk should group by)."""

from __future__ import annotations

import pandas as pd

from .decoder import MAX_UPLOAD_BYTES, Source, format_notes, read_table, refuse_repeats
from .loaded import Loaded, frame_only

__all__ = ["load_sectors_csv", "read_sectors_csv"]


def load_sectors_csv(
    source: Source, *, name: str | None = None, max_bytes: int = MAX_UPLOAD_BYTES
) -> Loaded[pd.Series]:
    """Read a sector map: ``ticker,sector`` (``symbol`` for ticker; ``gics_sector`` or ``industry`` for sector).

    Returns the sectors as a Series named ``sector`` indexed by upper-case ticker, in file
    order. Every ticker needs a sector and may appear once; other columns are ignored.
    """
    doc, _header, frame, cols = read_table(
        source,
        name,
        max_bytes,
        {"ticker": ("symbol",), "sector": ("gics_sector", "industry")},
        required=("ticker", "sector"),
    )
    tick = frame[cols["ticker"]].str.upper()
    refuse_repeats(
        doc,
        tick,
        lambda row: f"ticker {tick[row]} appears twice in column {cols['ticker']!r}",
        "Keep one row (one sector) per ticker.",
        "duplicate_ticker",
    )
    out = pd.Series(frame[cols["sector"]].values, index=pd.Index(tick.values, name="ticker"), name="sector")
    return Loaded(out, tuple(format_notes(doc)))


read_sectors_csv = frame_only(load_sectors_csv)
