"""Plotly figure builders and the graph wrapper every page uses.

:func:`graph` gives each chart a pattern-matching id (so the theme switch can
re-template every figure in the browser), a modebar that downloads a PNG named after
the chart, and a browser-side export menu for PNG and SVG. Builders take pandas
objects from finance_core and a theme, and never compute finance themselves.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from . import ids
from .theme import template_name

__all__ = [
    "graph_id",
    "figure_config",
    "graph",
    "empty_figure",
    "base_layout",
    "line_figure",
    "heatmap_figure",
]

PCT = ".1%"


def graph_id(name: str) -> dict:
    """Pattern-matching id of the graph called ``name``."""
    return {"type": ids.GRAPH_TYPE, "name": name}


def figure_config(name: str, *, fmt: str = "png") -> dict:
    """Modebar configuration: downloads ``portfolio-desk-<name>.<fmt>`` at 2x scale."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": fmt, "filename": f"portfolio-desk-{name}", "scale": 2},
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
        "responsive": True,
    }


def _export_menu(name: str) -> dbc.DropdownMenu:
    items = [
        dbc.DropdownMenuItem(
            label,
            id={"type": "pd-export", "name": name, "format": fmt},
            n_clicks=0,
            className="pd-export-item",
        )
        for label, fmt in (("PNG image", "png"), ("SVG vector", "svg"))
    ]
    return dbc.DropdownMenu(
        items,
        label="Export",
        size="sm",
        color="link",
        align_end=True,
        className="pd-export no-print",
        id={"type": "pd-export-menu", "name": name},
    )


def graph(name: str, figure: go.Figure | None = None, *, title: str | None = None,
          height: int = 380, loading: bool = True) -> html.Div:
    """A titled chart: dcc.Graph with the shared config, an export menu and a spinner.

    The wrapper div has the plain id ``<name>-chart`` for tests and print styles.
    """
    figure = figure if figure is not None else empty_figure("Loading...")
    g = dcc.Graph(
        id=graph_id(name),
        figure=figure,
        config=figure_config(name),
        style={"height": f"{height}px"},
        className="pd-graph",
    )
    body = dcc.Loading(g, type="default", delay_show=400) if loading else g
    header = html.Div(
        [html.H6(title, className="mb-0 pd-chart-title") if title else html.Span(), _export_menu(name)],
        className="d-flex justify-content-between align-items-center mb-1",
    )
    return html.Div([header, body], id=f"{name}-chart", className="pd-chart mb-3")


def base_layout(fig: go.Figure, theme: str | None, *, title: str | None = None,
                yformat: str | None = None, xtitle: str | None = None, ytitle: str | None = None) -> go.Figure:
    """Apply the theme template, margins, legend and axis formats shared by all charts."""
    fig.update_layout(
        template=template_name(theme),
        margin={"l": 50, "r": 20, "t": 40 if title else 20, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        title={"text": title} if title else None,
        hovermode="x unified",
    )
    if yformat:
        fig.update_yaxes(tickformat=yformat)
    if xtitle:
        fig.update_xaxes(title=xtitle)
    if ytitle:
        fig.update_yaxes(title=ytitle)
    return fig


def empty_figure(message: str, theme: str | None = None) -> go.Figure:
    """A figure that says why there is nothing to plot (never a silent blank chart)."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font={"size": 14})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(template=template_name(theme), margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return fig


def line_figure(frame: pd.DataFrame, theme: str | None, *, yformat: str | None = None,
                ytitle: str | None = None, title: str | None = None, log_y: bool = False,
                highlight: str | None = None) -> go.Figure:
    """One line per column; ``highlight`` (e.g. the benchmark) is drawn thicker and dashed."""
    fig = go.Figure()
    for col in frame.columns:
        is_hl = col == highlight
        fig.add_trace(go.Scatter(
            x=frame.index, y=frame[col], name=str(col), mode="lines",
            line={"width": 3 if is_hl else 1.4, "dash": "dash" if is_hl else None},
            hovertemplate="%{y:" + (yformat or ".3f") + "}",
        ))
    base_layout(fig, theme, title=title, yformat=yformat, ytitle=ytitle)
    if len(frame.columns) > 8:
        fig.update_layout(legend={"orientation": "v", "x": 1.02, "y": 1, "yanchor": "top"})
    if log_y:
        fig.update_yaxes(type="log", tickvals=_log_ticks(frame), tickformat=",.0f")
    return fig


def _log_ticks(frame: pd.DataFrame) -> list[float]:
    """1-2-5 ticks covering the data, for readable log axes."""
    values = frame.to_numpy(dtype=float)
    lo, hi = np.nanmin(values[values > 0]), np.nanmax(values)
    ticks = []
    for exp in range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1):
        ticks += [m * 10.0**exp for m in (1, 2, 5)]
    return [t for t in ticks if lo / 2 <= t <= hi * 2]


def heatmap_figure(matrix: pd.DataFrame, theme: str | None, *, zmin: float = -1, zmax: float = 1,
                   colorscale: str = "RdBu_r", fmt: str = ".2f", title: str | None = None) -> go.Figure:
    """A labelled square heatmap (for correlation matrices, already ordered by the caller)."""
    z = matrix.to_numpy(dtype=float)
    fig = go.Figure(go.Heatmap(
        z=z, x=list(matrix.columns), y=list(matrix.index), zmin=zmin, zmax=zmax,
        colorscale=colorscale, text=np.vectorize(lambda v: format(v, fmt))(z),
        texttemplate="%{text}" if len(matrix) <= 25 else None,
        hovertemplate="%{y} / %{x}: %{z:" + fmt + "}<extra></extra>",
        colorbar={"thickness": 12},
    ))
    base_layout(fig, theme, title=title)
    fig.update_layout(hovermode="closest")
    fig.update_yaxes(autorange="reversed")
    return fig
