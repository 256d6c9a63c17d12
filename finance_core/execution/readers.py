"""CSV readers of the execution inputs: order-book snapshots and intraday bar volumes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import formats
from ..data.decoder import (  # the house decoder
    MAX_UPLOAD_BYTES,
    format_notes,
    parse_dates,
    parse_numbers,
    read_table,
    refuse_cells,
    required_cells,
)
from ..data.loaded import Loaded, frame_only
from ..data.text import Source
from ..errors import DataError
from .book import OrderBook
from .clock import SESSION_MINUTES, intraday_volume_profile

#: The deepest order-book level read: the book is a snapshots x levels array, so a level of 1e10 would
#: ask for tens of gigabytes.
MAX_BOOK_LEVELS = 1_000


def read_order_book_csv(source: Source, *, name: str | None = None) -> OrderBook:
    """Read order-book snapshots from a CSV with columns time, side, level, price, size.

    ``side`` is ``bid``/``ask`` (``b``/``a``, ``buy``/``sell`` accepted), ``level`` a
    positive whole number (1 = best). Rows may come in any order. Refused with a
    :class:`DataError` naming the file, row, snapshot and level: missing columns,
    non-numbers, non-positive prices, negative sizes, a level given twice, a crossed
    book (best bid at or above best ask) and non-monotone books (bids must fall and asks
    rise with the level).
    """
    if isinstance(source, str) and "\n" in source:  # CSV text: the decoder would try it as a path first
        source = source.encode("utf-8")
        name = name or "the order-book file"
    doc, _header, frame, cols = read_table(
        source,
        name,
        MAX_UPLOAD_BYTES,
        {
            "time": ("timestamp", "datetime", "snapshot"),
            "side": (),
            "level": ("depth",),
            "price": (),
            "size": ("qty", "quantity", "volume"),
        },
    )
    label = doc.name
    side = (
        frame[cols["side"]]
        .str.strip()
        .str.lower()
        .replace({"b": "bid", "buy": "bid", "a": "ask", "sell": "ask", "offer": "ask"})
    )
    side_col = cols["side"]
    bad_side = ~side.isin(["bid", "ask"])
    refuse_cells(doc, frame[side_col], bad_side, side_col, "is not a side. Use bid or ask.", "bad_side")
    parsed = parse_numbers(doc, frame, [cols[k] for k in ("level", "price", "size")])  # one format per file
    for key in ("level", "price", "size"):
        required_cells(doc, parsed, cols[key])
    nums = {key: parsed[cols[key]] for key in ("level", "price", "size")}
    _check_values(label, nums)
    raw_t = frame[cols["time"]]
    parsed, _order = formats.parse_dates(raw_t, label=label, column=cols["time"])  # never silently month first
    keys = parsed if not parsed.isna().any() else raw_t
    long = _long_rows(label, keys, side, nums, frame.index)
    times, arrays = _book_arrays(label, long)
    for s in ("bid", "ask"):
        arrays[s] = (_monotone_prices(label, times, s, arrays[s][0]), arrays[s][1])
    _check_uncrossed(label, times, arrays["bid"][0], arrays["ask"][0])
    times = times.rename("time")
    return OrderBook(times, arrays["bid"][0], arrays["bid"][1], arrays["ask"][0], arrays["ask"][1])


def _check_values(label: str, nums: dict[str, pd.Series]) -> None:
    """Levels are whole numbers from 1, prices positive, sizes zero or more: else the first bad row."""
    lvl = nums["level"]
    badl = (lvl < 1) | (lvl != np.round(lvl))
    if badl.any():
        row = badl.idxmax()
        raise DataError(
            f"{label}, row {row}: level {lvl[row]:g} must be a whole number of 1 or more (1 = best).",
            code="bad_level",
        )
    if (lvl > MAX_BOOK_LEVELS).any():
        row = (lvl > MAX_BOOK_LEVELS).idxmax()
        raise DataError(
            f"{label}, row {row}: level {lvl[row]:g} is deeper than the {MAX_BOOK_LEVELS:,} levels the desk reads. "
            "Number the levels from 1 (best) and keep the first few.",
            code="bad_level",
        )
    if (nums["price"] <= 0).any():
        row = (nums["price"] <= 0).idxmax()
        raise DataError(
            f"{label}, row {row}: price {nums['price'][row]:g} must be greater than zero.",
            code="not_positive",
        )
    if (nums["size"] < 0).any():
        row = (nums["size"] < 0).idxmax()
        raise DataError(
            f"{label}, row {row}: size {nums['size'][row]:g} must be zero or more.", code="not_positive"
        )


def _long_rows(
    label: str, keys: pd.Series, side: pd.Series, nums: dict[str, pd.Series], rows: pd.Index
) -> pd.DataFrame:
    """One row per (time, side, level) with price, size and the file's row; a level given twice is refused."""
    long = pd.DataFrame(
        {
            "time": keys.to_numpy(),
            "side": side.to_numpy(),
            "level": nums["level"].astype(int).to_numpy(),
            "price": nums["price"].to_numpy(),
            "size": nums["size"].to_numpy(),
            "row": rows.to_numpy(),
        }
    )
    dup = long.duplicated(["time", "side", "level"], keep="first")
    if dup.any():
        r = long[dup].iloc[0]
        raise DataError(
            f"{label}, row {r['row']}: snapshot {r['time']}, {r['side']} level {r['level']} appears twice. Keep one row per level.",
            code="duplicate_level",
        )
    return long


def _book_arrays(label: str, long: pd.DataFrame) -> tuple[pd.Index, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """The sorted snapshot times and, per side, prices and sizes (snapshots x levels; NaN price = no level)."""
    times = pd.Index(pd.unique(long["time"]))
    times = times.sort_values()
    t_idx = times.get_indexer(long["time"])
    m = int(long["level"].max())
    n = len(times)
    arrays = {}
    for s in ("bid", "ask"):
        px = np.full((n, m), np.nan)
        sz = np.zeros((n, m))
        sel = (long["side"] == s).to_numpy()
        px[t_idx[sel], long["level"].to_numpy()[sel] - 1] = long["price"].to_numpy()[sel]
        sz[t_idx[sel], long["level"].to_numpy()[sel] - 1] = long["size"].to_numpy()[sel]
        if np.isnan(px[:, 0]).any():
            i = int(np.argmax(np.isnan(px[:, 0])))
            raise DataError(
                f"{label}: snapshot {times[i]} has no {s} level 1. Every snapshot needs a best bid and a best ask.",
                code="missing_level",
            )
        arrays[s] = (px, sz)
    return times, arrays


def _monotone_prices(label: str, times: pd.Index, s: str, px: np.ndarray) -> np.ndarray:
    """Side ``s``'s prices with gaps in the levels filled; refused unless bids fall and asks rise with the level."""
    sign = -1.0 if s == "bid" else 1.0
    # a gap in the levels: carry the last price forward (size 0, so it is never filled)
    filled = pd.DataFrame(px).ffill(axis=1).to_numpy()
    step = np.diff(filled, axis=1) * sign
    given = ~np.isnan(px[:, 1:])
    bad = (step <= 0) & given
    if bad.any():
        i, j = np.argwhere(bad)[0]
        word = "fall" if s == "bid" else "rise"
        raise DataError(
            f"{label}: snapshot {times[i]}, {s} level {j + 2} price {filled[i, j + 1]:g} does not {word} from "
            f"level {j + 1} ({filled[i, j]:g}). {s.capitalize()} prices must strictly {word} with the level: check the level numbers.",
            code="non_monotone_book",
        )
    return filled


def _check_uncrossed(label: str, times: pd.Index, bid: np.ndarray, ask: np.ndarray) -> None:
    crossed = bid[:, 0] >= ask[:, 0]
    if crossed.any():
        i = int(np.argmax(crossed))
        raise DataError(
            f"{label}: snapshot {times[i]} is crossed at level 1: best bid {bid[i, 0]:g} >= best ask "
            f"{ask[i, 0]:g}. Remove that snapshot or fix the side of its level-1 rows.",
            code="crossed_book",
        )


def load_volume_csv(source: Source, *, name: str | None = None) -> Loaded[pd.Series]:
    """Intraday bar volumes from a CSV with columns time (date and time of the bar) and volume.

    Returns the volumes with the file's format notes (``Loaded``); the volumes are a Series with a DatetimeIndex, the input of :func:`intraday_volume_profile`
    (``volumes=``) and of :func:`daily_volume_estimate`. Refused with the row named:
    times that are not dates with a time, volumes that are not numbers or negative.
    """
    if isinstance(source, str) and "\n" in source:
        source, name = source.encode("utf-8"), name or "the volume file"
    doc, _header, frame, cols = read_table(
        source, name, MAX_UPLOAD_BYTES, {"time": ("timestamp", "datetime", "date"), "volume": ("size", "shares")}
    )
    time_col, vol_col = cols["time"], cols["volume"]
    times = parse_dates(
        doc, frame[time_col], time_col, problem="is not a date and time (use e.g. 2024-01-02 09:35).", normalize=False
    )
    vol = parse_numbers(doc, frame, [vol_col])[vol_col]
    refuse_cells(
        doc,
        frame[vol_col],
        vol.isna() | (vol < 0),
        vol_col,
        "is not a volume (a number of shares, zero or more).",
        "not_numeric",
    )
    out = pd.Series(
        vol.to_numpy(dtype=float), index=pd.DatetimeIndex(times.to_numpy(), name="time"), name="volume"
    )
    return Loaded(out.groupby(level=0).sum().sort_index(), tuple(format_notes(doc)))


read_volume_csv = frame_only(load_volume_csv)


def daily_volume_estimate(volumes: pd.Series) -> float:
    """Average shares traded per day in intraday bars (days with no volume skipped)."""
    per_day = volumes.groupby(volumes.index.normalize()).sum()
    per_day = per_day[per_day > 0]
    if per_day.empty:
        raise DataError(
            "The volume file has no day with volume. Upload bars with positive volumes.", code="empty"
        )
    return float(per_day.mean())


def sample_volume_csv(
    daily_volume: float = 5_000_000, days: int = 3, bar_minutes: int = 5, seed: int = 0
) -> str:
    """A seeded example intraday volume file (the U shape with a closing auction, plus noise)."""
    n = SESSION_MINUTES // bar_minutes
    prof = intraday_volume_profile(n).to_numpy()
    rng = np.random.default_rng(seed)
    parts = []
    for d in pd.bdate_range("2024-01-02", periods=days):
        t = pd.date_range(d + pd.Timedelta(hours=9, minutes=30), periods=n, freq=f"{bar_minutes}min")
        v = np.round(daily_volume * prof * np.exp(rng.normal(0, 0.2, n)), -2)
        parts.append(pd.DataFrame({"time": t.strftime("%Y-%m-%d %H:%M"), "volume": v.astype(np.int64)}))
    return pd.concat(parts).to_csv(index=False)
