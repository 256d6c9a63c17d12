"""Single-period Brinson attribution: allocation, selection and interaction by segment.

Three methods, all in decimals (0.01 is 1%):

* ``"brinson_hood_beebower"`` (BHB, 1986): allocation ``(wp - wb) * rb_i``, selection
  ``wb * (rp_i - rb_i)``, interaction ``(wp - wb) * (rp_i - rb_i)``.
* ``"brinson_fachler"`` (1985): as BHB but allocation is measured against the benchmark's
  total return, ``(wp - wb) * (rb_i - B)``; the segment allocations add to the same total.
* ``"geometric"`` (Bacon, *Practical Portfolio Performance Measurement and Attribution*,
  2nd ed., ch. 5): allocation ``(wp - wb) * ((1 + rb_i) / (1 + B) - 1)``, selection
  ``wp * ((1 + rp_i) / (1 + rb_i) - 1) * (1 + rb_i) / (1 + bs)`` with the semi-notional
  return ``bs = sum(wp * rb_i)``; interaction is folded into selection (zero). The segment
  effects add to ``(1 + bs) / (1 + B) - 1`` and ``(1 + R) / (1 + bs) - 1``, and
  ``(1 + allocation) * (1 + selection) - 1`` is the geometric excess ``(1 + R) / (1 + B) - 1``.

The result is a DataFrame indexed by segment, columns :data:`EFFECT_COLUMNS`, with a last
row :data:`TOTAL_ROW` holding the column sums. For the arithmetic methods the total row's
``total`` is the arithmetic excess return ``R - B``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, get_args

import numpy as np
import pandas as pd

from ..errors import DataError
from ._checks import as_series, check_covered, check_weights_sum

__all__ = ["EFFECT_COLUMNS", "TOTAL_ROW", "BrinsonMethod", "brinson", "brinson_periods", "segment_returns"]

BrinsonMethod = Literal["brinson_fachler", "brinson_hood_beebower", "geometric"]
METHODS: tuple[str, ...] = get_args(BrinsonMethod)
EFFECT_COLUMNS = ("allocation", "selection", "interaction", "total")
TOTAL_ROW = "Total"


def _to_segments(weights: pd.Series, returns: pd.Series, sectors: Mapping | None, what: str) -> pd.DataFrame:
    """Weight and weighted-mean return of each segment (a segment with zero weight: mean return NaN)."""
    if sectors is None:
        segment = pd.Series(weights.index, index=weights.index)
    else:
        unmapped = [name for name in weights.index if name not in sectors]
        if unmapped:
            raise DataError(
                f"The {what} hold {', '.join(map(str, unmapped[:5]))} with no sector. "
                "Add them to the sector mapping (or an 'Other' sector).",
                code="missing_sector",
            )
        segment = pd.Series([sectors[name] for name in weights.index], index=weights.index)
    frame = pd.DataFrame({"weight": weights, "contribution": weights * returns.reindex(weights.index)})
    grouped = frame.groupby(segment.to_numpy()).sum()
    grouped["return"] = grouped["contribution"] / grouped["weight"].where(grouped["weight"] != 0)
    return grouped[["weight", "return"]]


def segment_returns(weights, returns, *, sectors: Mapping | None = None, what: str = "portfolio weights") -> pd.DataFrame:
    """Segment weights and returns (columns ``weight``, ``return``) from asset weights and returns."""
    w = as_series(weights, what)
    r = as_series(returns, what.replace("weights", "returns"))
    check_weights_sum(w, what)
    check_covered(w.index[w != 0], r, what.replace("weights", "returns"))
    return _to_segments(w, r, sectors, what)


def _aligned(portfolio: pd.DataFrame, benchmark: pd.DataFrame) -> pd.DataFrame:
    """Both sides on the benchmark's segments; a held segment the benchmark lacks is refused."""
    extra = portfolio.index[portfolio["weight"] != 0].difference(benchmark.index)
    if len(extra):
        raise DataError(
            f"The portfolio holds segment {', '.join(map(str, extra[:5]))}, which the benchmark does not cover. "
            "Map those names to a benchmark segment or add the segment to the benchmark with weight 0 and a return.",
            code="segment_not_in_benchmark",
        )
    bench_missing = benchmark.index[benchmark["return"].isna()]
    if len(bench_missing):
        raise DataError(
            f"The benchmark segment {', '.join(map(str, bench_missing[:5]))} has weight 0 and no return. "
            "Give it a benchmark return or drop it.",
            code="missing_returns",
        )
    table = pd.DataFrame(
        {
            "wp": portfolio["weight"].reindex(benchmark.index).fillna(0.0),
            "rp": portfolio["return"].reindex(benchmark.index),
            "wb": benchmark["weight"],
            "rb": benchmark["return"],
        }
    )
    # An empty portfolio segment has no selection: its return is taken as the benchmark's.
    table["rp"] = table["rp"].fillna(table["rb"])
    return table


def _effect_arrays(wp: np.ndarray, rp: np.ndarray, wb: np.ndarray, rb: np.ndarray,
                   method: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Allocation, selection and interaction by segment (last axis); a leading axis of periods broadcasts."""
    bench = np.sum(wb * rb, axis=-1, keepdims=True)
    if method == "geometric":
        semi_notional = np.sum(wp * rb, axis=-1, keepdims=True)
        allocation = (wp - wb) * ((1 + rb) / (1 + bench) - 1)
        selection = wp * ((1 + rp) / (1 + rb) - 1) * (1 + rb) / (1 + semi_notional)
        return allocation, selection, np.zeros_like(selection)
    allocation = (wp - wb) * (rb - bench) if method == "brinson_fachler" else (wp - wb) * rb
    return allocation, wb * (rp - rb), (wp - wb) * (rp - rb)


def _frame(allocation: np.ndarray, selection: np.ndarray, interaction: np.ndarray, index: pd.Index) -> pd.DataFrame:
    """Effects by segment, their ``total`` across and a :data:`TOTAL_ROW` row of the column sums."""
    effects = np.column_stack([allocation, selection, interaction])
    effects = np.column_stack([effects, effects.sum(axis=1)])
    rows = pd.Index([*index, TOTAL_ROW], name="segment")
    return pd.DataFrame(np.vstack([effects, effects.sum(axis=0)]), index=rows, columns=list(EFFECT_COLUMNS))


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise DataError(
            f"Unknown attribution method {method!r}. Choose one of {', '.join(METHODS)}.", code="bad_method"
        )


def brinson(
    weights,
    benchmark_weights,
    returns,
    benchmark_returns,
    method: BrinsonMethod = "brinson_fachler",
    *,
    sectors: Mapping | None = None,
) -> pd.DataFrame:
    """One-period attribution by segment; see the module docstring for the formulas.

    ``weights``/``returns`` are the portfolio's, ``benchmark_weights``/``benchmark_returns``
    the benchmark's, each a Series (or mapping) indexed by asset; weights sum to 1. With
    ``sectors`` (asset -> segment) assets are grouped into segments; without it the indices
    are the segments. Returns the effects by segment plus a :data:`TOTAL_ROW` row.
    """
    _check_method(method)
    portfolio = segment_returns(weights, returns, sectors=sectors, what="portfolio weights")
    benchmark = segment_returns(benchmark_weights, benchmark_returns, sectors=sectors, what="benchmark weights")
    table = _aligned(portfolio, benchmark)
    effects = _effect_arrays(table["wp"].to_numpy(), table["rp"].to_numpy(), table["wb"].to_numpy(),
                             table["rb"].to_numpy(), method)
    return _frame(*effects, table.index)


def _labels(names: pd.Index, sectors: Mapping | None) -> np.ndarray:
    """The segment of each name (the name itself without a sector map; brinson has refused unmapped names)."""
    return np.asarray(names if sectors is None else [sectors[n] for n in names])


def _segment_matrix(weights: pd.Series, returns: pd.DataFrame, labels: np.ndarray,
                    segments: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """Segment weights and the periods x segments weighted-mean returns (NaN where a segment has no weight)."""
    weight = weights.groupby(labels).sum().reindex(segments, fill_value=0.0)
    contribution = (returns[weights.index] * weights).T.groupby(labels).sum().T.reindex(columns=segments,
                                                                                        fill_value=0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = contribution.to_numpy() / weight.to_numpy()
    return weight.to_numpy(), np.where(weight.to_numpy() != 0, mean, np.nan)


def brinson_periods(
    weights,
    benchmark_weights,
    returns: pd.DataFrame,
    method: BrinsonMethod = "brinson_fachler",
    *,
    sectors: Mapping | None = None,
) -> list[pd.DataFrame]:
    """:func:`brinson` of each period (row of ``returns``, periods x assets, the same for both sides) with the
    same weights throughout: one frame per period, checked once and computed at once."""
    first = brinson(weights, benchmark_weights, returns.iloc[0], returns.iloc[0], method, sectors=sectors)
    w = as_series(weights, "portfolio weights")
    wb = as_series(benchmark_weights, "benchmark weights")
    w, wb = w[w != 0], wb[wb != 0]
    check_covered(w.index.union(wb.index), as_series(returns.iloc[-1], "returns"), "returns")
    segments = first.index.drop(TOTAL_ROW)
    wp, rp = _segment_matrix(w, returns, _labels(w.index, sectors), segments)
    wbs, rb = _segment_matrix(wb, returns, _labels(wb.index, sectors), segments)
    rp = np.where(np.isnan(rp), rb, rp)  # an empty portfolio segment has no selection (as in brinson)
    allocation, selection, interaction = _effect_arrays(wp, rp, wbs, rb, method)
    return [_frame(allocation[t], selection[t], interaction[t], segments) for t in range(len(returns))]
