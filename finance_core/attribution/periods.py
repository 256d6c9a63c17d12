"""Brinson attribution over a window of daily returns: one period, and calendar periods linked.

:func:`attribute` takes daily asset returns, the portfolio's and the benchmark's weights (by asset)
and a sector map, and computes

* the **single period** over the whole window: both sides buy and hold their weights from the
  first date, each asset's return is its compounded return over the window, and
  :func:`~.brinson.brinson` splits ``R - B`` by sector;
* the **multi-period** attribution: both sides go back to their weights at the start of each
  calendar period (monthly by default), one Brinson attribution per period, and the periods are
  linked by Carino's or Menchero's factors (:func:`~.linking.link`), so the linked effects add to
  the arithmetic excess ``prod(1 + R_t) - prod(1 + B_t)`` of the periodically rebalanced sides.

Geometric effects compound rather than add, so linking them would not give the arithmetic excess:
with ``method="geometric"`` the linked part uses Brinson-Fachler and says so in ``notes``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError
from ._checks import as_series
from .brinson import TOTAL_ROW, BrinsonMethod, brinson, brinson_periods, segment_returns
from .linking import Linking, carino_factors, link, menchero_factors

__all__ = ["LINKED_METHOD", "MIN_PERIODS", "SEGMENT_COLUMNS", "BrinsonWindow", "attribute", "period_returns"]

#: The method the linked attribution uses when the single period is geometric.
LINKED_METHOD: BrinsonMethod = "brinson_fachler"
#: The fewest calendar periods a linked attribution is computed over.
MIN_PERIODS = 2
#: Columns of :attr:`BrinsonWindow.segments`: portfolio and benchmark weight and return of each segment.
SEGMENT_COLUMNS = ("portfolio_weight", "benchmark_weight", "portfolio_return", "benchmark_return")
_EFFECTS = ["allocation", "selection", "interaction"]


@dataclass(frozen=True)
class BrinsonWindow:
    """Attribution of one window: the single period and the linked calendar periods.

    ``single`` and ``linked`` are indexed by segment plus a ``Total`` row, columns
    allocation, selection, interaction, total. ``segments`` holds the single period's segment
    weights and returns (:data:`SEGMENT_COLUMNS`). ``cumulative`` is indexed by period end date,
    the linked effects summed over segments and accumulated period by period (it ends at the
    linked total row). ``portfolio_return``/``benchmark_return`` are the single period's
    (buy and hold), ``linked_portfolio_return``/``linked_benchmark_return`` the compounded
    periodically rebalanced ones.
    """

    method: str
    linking: str
    linked_method: str
    single: pd.DataFrame
    segments: pd.DataFrame
    portfolio_return: float
    benchmark_return: float
    linked: pd.DataFrame
    cumulative: pd.DataFrame
    linked_portfolio_return: float
    linked_benchmark_return: float
    periods: int
    start: pd.Timestamp
    end: pd.Timestamp
    notes: tuple[str, ...] = ()

    @property
    def excess(self) -> float:
        """The single period's arithmetic excess ``R - B``."""
        return self.portfolio_return - self.benchmark_return

    @property
    def geometric_excess(self) -> float:
        """The single period's geometric excess ``(1 + R) / (1 + B) - 1``."""
        return (1.0 + self.portfolio_return) / (1.0 + self.benchmark_return) - 1.0

    @property
    def table(self) -> pd.DataFrame:
        """The single period by segment: :data:`SEGMENT_COLUMNS` then the effects; the ``Total`` row holds the
        weights' sums, ``R`` and ``B``, and the effects' sums."""
        sides = self.segments.copy()
        sides.loc[TOTAL_ROW] = [sides["portfolio_weight"].sum(), sides["benchmark_weight"].sum(),
                                self.portfolio_return, self.benchmark_return]
        return sides.join(self.single).rename_axis("segment")

    @property
    def linked_excess(self) -> float:
        """The arithmetic excess the linked effects add up to."""
        return self.linked_portfolio_return - self.linked_benchmark_return

    @property
    def linking_residual(self) -> float:
        """Linked total effect minus the arithmetic excess (zero up to rounding)."""
        return float(self.linked.loc[TOTAL_ROW, "total"]) - self.linked_excess


def period_returns(returns: pd.DataFrame, frequency: str = "M") -> pd.DataFrame:
    """Compounded asset returns per calendar period (``"M"`` months, ``"Q"`` quarters), indexed by the
    period's last date; a period with a missing daily return is NaN for that asset."""
    periods = returns.index.to_period(frequency)
    compounded = (1.0 + returns).groupby(periods).apply(lambda block: block.prod(skipna=False)) - 1.0
    compounded.index = pd.DatetimeIndex(returns.index.to_series().groupby(periods).max().to_numpy())
    return compounded


def _check_window(returns: pd.DataFrame, names: pd.Index) -> None:
    if not isinstance(returns, pd.DataFrame) or not isinstance(returns.index, pd.DatetimeIndex):
        raise DataError("Attribution needs daily returns as a frame of dates x tickers.", code="bad_input")
    if len(returns) < 2:
        raise DataError(
            f"The window has {len(returns)} return date(s); attribution needs at least two. "
            "Choose a longer date range on the Data page.",
            code="too_short",
        )
    outside = names.difference(returns.columns)
    if len(outside):
        raise DataError(
            f"The weights name {', '.join(map(str, outside[:5]))}, which have no prices in the window. "
            "Add them to the universe on the Data page, or give weights for the universe's tickers.",
            code="unknown_ticker",
        )
    held = returns[names]
    gaps = held.columns[held.isna().any()]
    if len(gaps):
        raise DataError(
            f"Returns are missing in the window for {', '.join(map(str, gaps[:5]))}. "
            "Choose dates where every weighted ticker has prices, or upload prices that fill the gaps.",
            code="missing_returns",
        )


def _single(weights: pd.Series, bench: pd.Series, returns: pd.DataFrame, method: BrinsonMethod,
            sectors: Mapping) -> tuple[pd.DataFrame, pd.DataFrame, float, float]:
    """The whole window as one buy-and-hold period: effects, segment table, R and B."""
    window = (1.0 + returns).prod() - 1.0
    effects = brinson(weights, bench, window, window, method, sectors=sectors)
    port = segment_returns(weights, window, sectors=sectors, what="portfolio weights")
    base = segment_returns(bench, window, sectors=sectors, what="benchmark weights")
    segments = pd.DataFrame({"portfolio_weight": port["weight"], "benchmark_weight": base["weight"],
                             "portfolio_return": port["return"], "benchmark_return": base["return"]})
    segments = segments.reindex(effects.index.drop(TOTAL_ROW))
    segments["portfolio_weight"] = segments["portfolio_weight"].fillna(0.0)
    r = float((weights * window.reindex(weights.index)).sum())
    b = float((bench * window.reindex(bench.index)).sum())
    return effects, segments.rename_axis("segment"), r, b


def _linked(weights: pd.Series, bench: pd.Series, returns: pd.DataFrame, method: BrinsonMethod,
            linking: Linking, sectors: Mapping, frequency: str) -> tuple[pd.DataFrame, pd.DataFrame, float, float]:
    """Per-period attribution linked over the calendar periods; the cumulative path and R, B."""
    per = period_returns(returns, frequency)
    if len(per) < MIN_PERIODS:
        raise DataError(
            f"The window {returns.index[0].date()} to {returns.index[-1].date()} covers {len(per)} calendar "
            f"period(s); linking needs at least {MIN_PERIODS}. Choose a longer date range on the Data page.",
            code="too_short",
        )
    frames = brinson_periods(weights, bench, per, method, sectors=sectors)
    r_t = per[weights.index].to_numpy() @ weights.to_numpy()
    b_t = per[bench.index].to_numpy() @ bench.to_numpy()
    linked = link(frames, r_t, b_t, linking)
    scale = carino_factors(r_t, b_t) if linking == "carino" else menchero_factors(r_t, b_t)
    totals = np.array([frame.to_numpy()[-1, :len(_EFFECTS)] for frame in frames])  # each period's Total row
    steps = pd.DataFrame(totals * scale[:, None], index=per.index, columns=_EFFECTS)
    cumulative = steps.cumsum()
    cumulative["total"] = cumulative.sum(axis=1)
    return linked, cumulative.rename_axis("date"), float(np.prod(1 + r_t) - 1), float(np.prod(1 + b_t) - 1)


def attribute(
    returns: pd.DataFrame,
    weights,
    benchmark_weights,
    *,
    sectors: Mapping,
    method: BrinsonMethod = "brinson_fachler",
    linking: Linking = "carino",
    frequency: str = "M",
) -> BrinsonWindow:
    """Single-period and linked multi-period Brinson attribution of ``weights`` against
    ``benchmark_weights`` (both by asset, each summing to 1) over the dates of ``returns``
    (daily, dates x tickers), grouped by ``sectors`` (asset -> sector)."""
    w = as_series(weights, "portfolio weights")
    wb = as_series(benchmark_weights, "benchmark weights")
    w, wb = w[w != 0], wb[wb != 0]
    names = w.index.union(wb.index)
    _check_window(returns, names)
    returns = returns[names]
    single, segments, r, b = _single(w, wb, returns, method, sectors)
    linked_method: BrinsonMethod = LINKED_METHOD if method == "geometric" else method
    linked, cumulative, r_linked, b_linked = _linked(w, wb, returns, linked_method, linking, sectors, frequency)
    notes = [f"Geometric effects compound rather than add: the linked periods use {LINKED_METHOD}."] \
        if method == "geometric" else []
    if w.reindex(names, fill_value=0.0).sub(wb.reindex(names, fill_value=0.0)).abs().max() < 1e-12:
        notes.append("The portfolio holds the benchmark's weights, so every effect is zero: build a target on the "
                     "Construct page, or choose other benchmark weights.")
    return BrinsonWindow(method, linking, linked_method, single, segments, r, b, linked, cumulative, r_linked,
                         b_linked, len(cumulative), returns.index[0], returns.index[-1], tuple(notes))
