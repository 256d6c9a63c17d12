"""Benchmark constituent weights: ticker,weight (an index's or a model portfolio's), for attribution."""

from __future__ import annotations

import pandas as pd

from ..errors import DataError
from .decoder import (
    MAX_UPLOAD_BYTES,
    Source,
    format_notes,
    parse_numbers,
    positive,
    read_table,
    refuse_repeats,
    required_cells,
)
from .loaded import Loaded, frame_only

__all__ = ["load_benchmark_weights_csv", "read_benchmark_weights_csv"]

#: How far weights may sum from 1 (or 100 in percent) before they are rescaled with a note.
SUM_TOLERANCE = 1e-6


def _unknown(doc_name: str, tick: pd.Series, tickers: list[str]) -> None:
    universe = {t.upper() for t in tickers}
    unknown = tick[~tick.isin(universe)]
    if len(unknown):
        listed = ", ".join(f"{t} (row {r})" for r, t in list(unknown.items())[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise DataError(
            f"{doc_name}: {listed}{more} not in the workspace's prices. Add them to the universe on the Data "
            "page, or remove those rows.",
            code="unknown_ticker",
        )


def _to_fractions(doc_name: str, weights: pd.Series) -> tuple[pd.Series, list[str]]:
    """Weights as fractions summing to 1: percent (sum about 100) converted, any other sum rescaled, noted."""
    total = float(weights.sum())
    if total <= 0:
        raise DataError(f"{doc_name}: the weights add up to zero. Give each constituent a positive weight.",
                        code="not_positive")
    notes = []
    if 95 <= total <= 105:
        weights, total = weights / 100.0, total / 100.0
        notes.append("Benchmark weights read as percentages (they sum to about 100).")
    if abs(total - 1.0) > SUM_TOLERANCE:
        notes.append(f"Benchmark weights summed to {total:.4f}; rescaled to sum to 1.")
        weights = weights / total
    return weights, notes


def load_benchmark_weights_csv(
    source: Source,
    *,
    name: str | None = None,
    tickers: list[str] | None = None,
    max_bytes: int = MAX_UPLOAD_BYTES,
) -> Loaded[pd.Series]:
    """Read benchmark weights: ``ticker,weight`` (``symbol``; ``benchmark_weight`` or ``allocation``).

    Returns the weights as a Series named ``weight`` indexed by upper-case ticker, summing to 1.
    Weights may be decimals or percent (a ``%`` sign, or a sum of about 100); other sums are
    rescaled to 1 with a note. Negative weights, blanks and repeated tickers are refused by row;
    ``tickers``, when given, is the price universe and tickers outside it are refused by name.
    """
    doc, _header, frame, cols = read_table(
        source, name, max_bytes,
        {"ticker": ("symbol",), "weight": ("benchmark_weight", "allocation")},
        required=("ticker", "weight"),
    )
    tick = frame[cols["ticker"]].str.upper()
    refuse_repeats(doc, tick, lambda row: f"ticker {tick[row]} appears twice",
                   "Keep one row (one weight) per ticker.", "duplicate_ticker")
    nums = parse_numbers(doc, frame, [cols["weight"]], percent=(cols["weight"],))
    required_cells(doc, nums, cols["weight"])
    positive(doc, nums[cols["weight"]], cols["weight"], allow_zero=True)
    if tickers is not None:
        _unknown(doc.name, tick, tickers)
    weights = pd.Series(nums[cols["weight"]].to_numpy(dtype=float), index=pd.Index(tick.to_numpy(), name="ticker"),
                        name="weight")
    weights, notes = _to_fractions(doc.name, weights)
    return Loaded(weights, tuple(format_notes(doc) + notes))


read_benchmark_weights_csv = frame_only(load_benchmark_weights_csv)
