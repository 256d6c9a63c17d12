"""Holdings files: ticker with shares or weight (percent and rescaling noted)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError
from .decoder import (
    MAX_UPLOAD_BYTES,
    Source,
    cell_frame,
    decode,
    find_column,
    format_notes,
    parse_numbers,
    positive,
    read_rows,
    refuse_repeats,
    required_cells,
)
from .loaded import Loaded, frame_only

__all__ = ["load_holdings_csv", "read_holdings_csv"]


def _refuse_outside(file_name: str, tick: pd.Series, tickers: list[str]) -> None:
    """Refuse holdings outside the price universe, by ticker and row."""
    universe = {t.upper() for t in tickers}
    unknown = tick[~tick.isin(universe)]
    if len(unknown):
        listed = ", ".join(f"{t} (row {r})" for r, t in unknown.items())
        raise DataError(
            f"{file_name}: {listed} not in the price data. Upload prices that include "
            "them or remove those rows.",
            code="unknown_ticker",
        )


def _fractions(file_name: str, w: np.ndarray, notes: list[str]) -> np.ndarray:
    """Weights as fractions summing to 1: percentages (summing to about 100) divided by 100, others
    rescaled, each noted; weights adding up to zero are refused."""
    total = float(w.sum())
    if total <= 0:
        raise DataError(f"{file_name}: the weights add up to zero. Give positive weights.", code="not_positive")
    if 95 <= total <= 105:
        w = w / 100.0
        notes.append("Weights read as percentages (they sum to about 100).")
        total = float(w.sum())
    if abs(total - 1) > 1e-6:
        notes.append(f"Weights summed to {total:.4f}; rescaled to 1.")
        w = w / total
    return w


def load_holdings_csv(
    source: Source,
    *,
    name: str | None = None,
    tickers: list[str] | None = None,
    max_bytes: int = MAX_UPLOAD_BYTES,
) -> Loaded[pd.DataFrame]:
    """Read holdings: ``ticker`` with ``shares`` or ``weight`` (or both).

    Returns a frame indexed by ticker with the columns found. Weights given in
    percent (summing to about 100) are converted to fractions, and weights that do
    not sum to 1 are rescaled, each with a note. ``tickers``, when given, is the
    price universe: holdings outside it are refused by name and row.
    """
    doc = decode(source, name, max_bytes)
    header, body = read_rows(doc)
    ticker_col = find_column(header, "ticker", "symbol", "asset")
    if ticker_col is None:
        raise DataError(
            f"{doc.name} is missing the column ticker. Expected: ticker and shares or weight; "
            f"found: {', '.join(header)}.",
            code="missing_column",
        )
    shares_col = find_column(header, "shares", "quantity", "qty", "units")
    weight_col = find_column(header, "weight", "weights", "allocation")
    if shares_col is None and weight_col is None:
        raise DataError(
            f"{doc.name} needs a 'shares' or a 'weight' column next to 'ticker'; found: "
            f"{', '.join(header)}.",
            code="missing_column",
        )
    frame = cell_frame(doc, header, body)
    required_cells(doc, frame, ticker_col)
    tick = frame[ticker_col].str.upper()
    refuse_repeats(
        doc,
        tick,
        lambda row: f"ticker {tick[row]} appears twice",
        "Combine them into one row.",
        "duplicate_ticker",
    )
    cols = [c for c in (shares_col, weight_col) if c]
    nums = parse_numbers(doc, frame, cols, percent=(weight_col,) if weight_col else ())
    for c in cols:
        required_cells(doc, nums, c)
        positive(doc, nums[c], c, allow_zero=True)
    if tickers is not None:
        _refuse_outside(doc.name, tick, tickers)
    out = pd.DataFrame(index=pd.Index(tick.values, name="ticker"))
    notes: list[str] = []
    if shares_col:
        out["shares"] = nums[shares_col].values
    if weight_col:
        out["weight"] = _fractions(doc.name, nums[weight_col].values, notes)
    return Loaded(out, tuple(format_notes(doc) + notes))


read_holdings_csv = frame_only(load_holdings_csv)


