"""The comparison's tables and growth chart, shared by the Compare page and the presentation view and report.

Built from :class:`finance_core.compare_portfolios.PortfolioComparison` and the keyed tables of
:func:`~finance_core.compare_portfolios.transition_tax` and
:func:`~finance_core.compare_portfolios.transition_cost`, so every view shows the same numbers in the same
format.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd
import plotly.graph_objects as go

from components.figures import line_figure
from components.layout import money
from components.tables import metric_rows
from finance_core.compare_portfolios import METRICS, PortfolioComparison

__all__ = ["metric_table_rows", "metric_table_defs", "metrics_frame", "growth_figure", "keyed_rows", "count",
           "basis_points"]


def metric_table_rows(result: PortfolioComparison) -> list[dict]:
    """Rows ``{"metric": label, <portfolio or benchmark>: formatted value}`` of the comparison's metrics."""
    columns = list(result.metrics.columns)
    rows = metric_rows({c: result.metrics[c] for c in columns})
    labels = dict(METRICS)
    for row, key in zip(rows, result.metrics.index, strict=True):
        row["metric"] = labels.get(key, row["metric"])
    return rows


def _defs(first: str, header: str, columns: list[str]) -> list[dict]:
    """A pinned label column, then one right-aligned column per name (names as saved, not recased)."""
    return [{"field": first, "headerName": header, "pinned": "left"}] + [
        {"field": c, "headerName": c, "type": "rightAligned"} for c in columns]


def metric_table_defs(result: PortfolioComparison) -> list[dict]:
    return _defs("metric", "Metric", list(result.metrics.columns))


def metrics_frame(result: PortfolioComparison) -> pd.DataFrame:
    """The metric table as a frame of text (first column ``Metric``) for the HTML and PDF report."""
    return pd.DataFrame(metric_table_rows(result)).rename(columns={"metric": "Metric"})


def growth_figure(result: PortfolioComparison, theme: str | None) -> go.Figure:
    """Growth of 10,000 of every portfolio, the benchmark thick and dashed."""
    return line_figure(result.growth, theme, highlight=result.benchmark_name)


def count(value: float) -> str:
    return f"{value:,.0f}"


def basis_points(value: float) -> str:
    return f"{value:,.2f}"


def keyed_rows(table: pd.DataFrame, labels: Mapping[str, str],
               shown: Mapping[str, Callable[[float], str]] | None = None) -> tuple[list[dict], list[dict]]:
    """Rows and column defs of a keys x portfolios table: each row labelled by ``labels``, each value shown by
    ``shown[key]`` (default :func:`~components.layout.money`)."""
    shown = shown or {}
    rows = [{"row": labels[key], **{c: shown.get(key, money)(float(table.loc[key, c])) for c in table.columns}}
            for key in table.index]
    return rows, _defs("row", "", list(table.columns))
