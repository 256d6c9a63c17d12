"""Plotly figure builders and the graph wrapper every page uses.

:func:`graph` gives each chart a pattern-matching id (so the theme switch can
re-template every figure in the browser), a modebar that downloads a PNG named after
the chart, and a browser-side export menu for PNG and SVG. Builders take pandas
objects from finance_core and a theme, and never compute finance themselves.
"""

from __future__ import annotations

import functools
import math
import re

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from . import ids
from .safe_text import escape_text, escaped
from .theme import template_name

__all__ = [
    "graph_id",
    "figure_config",
    "tick_format",
    "COLOURS",
    "graph",
    "empty_figure",
    "base_layout",
    "line_figure",
    "heatmap_figure",
]

PCT = ".1%"
_FIXED = re.compile(r"^(?P<head>[^.~]*)\.(?P<digits>\d+)(?P<kind>[f%])$")


def tick_format(fmt: str | None, *, span: float | None = None) -> str | None:
    """An axis tick format whose labels never repeat.

    Plotly puts ticks at round steps of the data's range, so a fixed precision repeats
    labels on a small range (``,.0f`` on -1..1 gives ``-1, -1, 0, 1, 1``). Fixed formats
    get at least 3 decimals with trailing zeros trimmed (``.0%`` -> ``.3~%``: ``10%``,
    ``12.5%``; ``$,.0f`` -> ``$,.3~f``: ``$1,250``, ``$0.5``); other formats pass through.

    ``span``: the range of the values on the axis (in data units, fractions for ``%``), for
    ranges too small for 3 decimals (a small order's costs from $0.1010 to $0.1040). Plotly
    steps by 1, 2 or 5 x 10^k with at most 10 ticks, so a step is at least span / 10 and
    its last digit at least span / 50: that many decimals label every tick apart.
    """
    match = _FIXED.match(fmt or "")
    if not match:
        return fmt
    digits = max(int(match["digits"]), 3)
    if span is not None and math.isfinite(span) and span > 0:
        shown = span * (100 if match["kind"] == "%" else 1)
        digits = max(digits, math.ceil(-math.log10(shown / 50)))
    return f"{match['head']}.{digits}~{match['kind']}"


def graph_id(name: str, *, themed: bool = True) -> dict:
    """Pattern-matching id of the graph called ``name`` (``themed=False``: ignores the theme switch)."""
    return {"type": ids.GRAPH_TYPE if themed else ids.GRAPH_FIXED_TYPE, "name": name}


def figure_config(name: str, *, fmt: str = "png") -> dict:
    """Modebar configuration: downloads ``portfolio-desk-<name>.<fmt>`` at 2x scale."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": fmt, "filename": f"portfolio-desk-{name}", "scale": 2},
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
        "responsive": True,
    }


EXPORT_BROWSER = "pd-export"
EXPORT_SERVER = "pd-export-server"


def _export_menu(name: str) -> dbc.DropdownMenu:
    browser = [
        dbc.DropdownMenuItem(label, id={"type": EXPORT_BROWSER, "name": name, "format": fmt}, n_clicks=0,
                             className="pd-export-item")
        for label, fmt in (("PNG image", "png"), ("SVG vector", "svg"))
    ]
    server = [
        dbc.DropdownMenuItem(label, id={"type": EXPORT_SERVER, "name": name, "format": fmt}, n_clicks=0,
                             className="pd-export-item")
        for label, fmt in (("PNG (print quality)", "png"), ("SVG (server)", "svg"), ("PDF", "pdf"),
                           ("Interactive HTML", "html"))
    ]
    items = [dbc.DropdownMenuItem("In the browser", header=True), *browser, dbc.DropdownMenuItem(divider=True),
             dbc.DropdownMenuItem("Rendered on the server", header=True), *server]
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
          height: int = 380, loading: bool = True, themed: bool = True) -> html.Div:
    """A titled chart: dcc.Graph with the shared config, an export menu and a spinner.

    The wrapper div has the plain id ``<name>-chart`` for tests and print styles.
    ``themed=False`` keeps the figure's own template when the theme switch moves.
    """
    g = dcc.Graph(
        id=graph_id(name, themed=themed),
        figure=figure if figure is not None else _loading_figure(),
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
        fig.update_yaxes(tickformat=tick_format(yformat))
    if xtitle:
        fig.update_xaxes(title=xtitle)
    if ytitle:
        fig.update_yaxes(title=ytitle)
    return fig


#: What a chart shows until its callback draws it. Not "Loading...": while the callback runs the spinner says
#: so, and when an input stops the callback (its message shows on the page, and the chart keeps what it had)
#: a chart never drawn kept saying "Loading..." for good, as the Construct page did opened on an
#: infeasible cap (its first call comes from the sector grid filling in, so components.alerts cannot tell).
PLACEHOLDER_TEXT = "Not drawn yet (see any message above)"


@functools.lru_cache(maxsize=1)
def _loading_figure() -> dict:
    """The placeholder every chart shows until its callback answers, built once as plain JSON: a page of 14
    charts spent 0.2 s of each visit building 14 identical figures (plotly copies its template for each)."""
    return empty_figure(PLACEHOLDER_TEXT).to_plotly_json()


@escaped
def empty_figure(message: str, theme: str | None = None) -> go.Figure:
    """A figure that says why there is nothing to plot (never a silent blank chart)."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font={"size": 14})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(template=template_name(theme), margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return fig


@escaped
def line_figure(frame: pd.DataFrame, theme: str | None, *, yformat: str | None = None,
                ytitle: str | None = None, title: str | None = None, log_y: bool = False,
                highlight: str | None = None) -> go.Figure:
    """One line per column; ``highlight`` (e.g. the benchmark) is drawn thicker and dashed.

    More than ``LINES_SHOWN + 1`` columns (a 500-name universe) are drawn as their median and 10th-90th
    percentile band, with the ``LINES_NAMED`` highest and lowest at the end as lines of their own
    (``_band_traces``): 500 lines were unreadable and took seconds to send and draw.
    """
    fig = go.Figure()
    banded = len(frame.columns) > LINES_SHOWN + 1
    x = _x_values(frame.index)
    if banded:
        _band_traces(fig, frame, x, highlight, yformat)
    for col in [c for c in frame.columns if c == highlight] if banded else frame.columns:
        is_hl = col == highlight
        fig.add_trace(go.Scatter(
            x=x, y=frame[col].to_numpy(), name=str(col), mode="lines",
            line={"width": 3 if is_hl else 1.4, "dash": "dash" if is_hl else None},
            hovertemplate="%{y:" + (yformat or ".3f") + "}",
        ))
    base_layout(fig, theme, title=title, yformat=yformat, ytitle=ytitle)
    if len(fig.data) > 8:
        fig.update_layout(legend={"orientation": "v", "x": 1.02, "y": 1, "yanchor": "top"})
    if log_y:
        fig.update_yaxes(type="log", tickvals=_log_ticks(frame), tickformat=tick_format(",.0f"))
    return fig


LINES_SHOWN = 30  # a line chart of more columns shows their band instead (line_figure)
LINES_NAMED = 5  # ... and this many of the highest and of the lowest at the end, by name


def _x_values(index: pd.Index) -> np.ndarray | pd.Index:
    """A daily index as ``YYYY-MM-DD`` text, made once for every trace: plotly writes each timestamp as
    ``2013-01-02T00:00:00.000000`` and the browser parses every one (a 14-line chart of 2,520 days was 1.5 MB
    and 60 ms of date parsing; 0.9 MB as dates). Any other index is left as it is."""
    if isinstance(index, pd.DatetimeIndex) and index.tz is None and len(index) and (index == index.normalize()).all():
        return np.asarray(index.strftime("%Y-%m-%d"), dtype=object)
    return index


def _band_traces(fig: go.Figure, frame: pd.DataFrame, x, highlight: str | None, yformat: str | None) -> None:
    """The median and 10th-90th percentile band of the columns other than ``highlight`` on each date, then
    the ``LINES_NAMED`` columns ending highest and lowest (outliers: where a bad price shows first)."""
    others = frame[[c for c in frame.columns if c != highlight]]
    band = others.quantile([0.1, 0.5, 0.9], axis=1).T
    n, hover = others.shape[1], "%{y:" + (yformat or ".3f") + "}"
    fig.add_trace(go.Scatter(x=x, y=band[0.9].to_numpy(), mode="lines", line={"width": 0}, showlegend=False,
                             name=f"90th percentile of {n}", hovertemplate=hover))
    fig.add_trace(go.Scatter(x=x, y=band[0.1].to_numpy(), mode="lines", line={"width": 0}, fill="tonexty",
                             fillcolor="rgba(13,110,253,0.18)", name=f"10th-90th percentile of {n} assets",
                             hovertemplate=hover))
    fig.add_trace(go.Scatter(x=x, y=band[0.5].to_numpy(), mode="lines", name=f"median of {n} assets",
                             line={"width": 2.2, "color": COLOURS["accent"]}, hovertemplate=hover))
    last = others.ffill().iloc[-1].sort_values(ascending=False, kind="stable")
    for col in [*last.index[:LINES_NAMED], *last.index[-LINES_NAMED:]]:
        fig.add_trace(go.Scatter(x=x, y=frame[col].to_numpy(), name=str(col), mode="lines", line={"width": 1},
                                 hovertemplate=hover))


def _log_ticks(frame: pd.DataFrame) -> list[float]:
    """1-2-5 ticks covering the data, for readable log axes."""
    values = frame.to_numpy(dtype=float)
    lo, hi = np.nanmin(values[values > 0]), np.nanmax(values)
    ticks = []
    for exp in range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1):
        ticks += [m * 10.0**exp for m in (1, 2, 5)]
    return [t for t in ticks if lo / 2 <= t <= hi * 2]


@escaped
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


#: The house colours of gains, losses, the accent and muted marks, shared by the figure modules.
COLOURS = {"pos": "#198754", "neg": "#dc3545", "accent": "#0d6efd", "muted": "#6c757d"}


BARS_SHOWN = 30  # a wide universe's bar chart shows this many names and one bar for the rest


def fold_names(values: pd.Series | pd.DataFrame, shown: int = BARS_SHOWN) -> pd.Series | pd.DataFrame:
    """The ``shown`` largest names by absolute value, then one bar summing the others.

    Up to ``shown + 1`` names come back as they are. Beyond that (a 500-name universe), names at zero are
    left off, the largest are kept in descending order, and the rest become one bar labelled "N other
    names" holding their sum, so the chart stays readable and cheap to draw on every slider move. A frame
    (one column per series, e.g. VaR and CVaR by asset) ranks its rows by their largest absolute value and
    sums each column over the rest.
    """
    if len(values) <= shown + 1:
        return values
    size = values.abs() if isinstance(values, pd.Series) else values.abs().max(axis=1)
    held = size[size > 1e-12]
    order = held.sort_values(ascending=False, kind="stable").index
    if len(held) <= shown + 1:
        return values.reindex(order)
    top, rest = values.reindex(order[:shown]), values.reindex(order[shown:])
    label = f"{len(rest)} other names"
    if isinstance(values, pd.Series):
        return pd.concat([top, pd.Series({label: float(rest.sum())})])
    return pd.concat([top, rest.sum().to_frame(label).T])


def _bar_colours(values: pd.Series, sign_colours: bool, folded: bool) -> list[str] | None:
    colours = [COLOURS["pos"] if v >= 0 else COLOURS["neg"] for v in values] if sign_colours else None
    if folded:  # the last bar sums the names left off: grey, so it does not read as one holding
        colours = colours or [COLOURS["accent"]] * len(values)
        colours[-1] = COLOURS["muted"]
    return colours


@escaped
def bar_figure(data: pd.Series | pd.DataFrame, theme: str | None, *, yformat: str | None = None,
               ytitle: str | None = None, horizontal: bool = False, sign_colours: bool = False,
               barmode: str = "group", title: str | None = None, fold: bool = False) -> go.Figure:
    """Bars for a Series (one colour, or green/red by sign) or a DataFrame (one trace per column).

    ``fold``: more than ``BARS_SHOWN + 1`` names show the largest ones and one bar for the others
    (``fold_names``; grey for a Series).
    """
    folded = fold and len(data) > BARS_SHOWN + 1
    if folded:
        data = fold_names(data)
        folded = str(data.index[-1]).endswith(" other names")
    frame = data.to_frame() if isinstance(data, pd.Series) else data
    fig = go.Figure()
    fmt = yformat or ".3f"
    for col in frame.columns:
        values = frame[col]
        colour = _bar_colours(values, sign_colours, folded) if len(frame.columns) == 1 else None
        cats, vals = list(map(str, frame.index)), values.to_numpy()
        fig.add_trace(go.Bar(
            x=vals if horizontal else cats, y=cats if horizontal else vals, name=str(col),
            orientation="h" if horizontal else "v", marker_color=colour,
            hovertemplate="%{" + ("y" if horizontal else "x") + "}: %{" + ("x" if horizontal else "y")
            + ":" + fmt + "}<extra>" + escape_text(str(col)) + "</extra>",
        ))
    base_layout(fig, theme, title=title, ytitle=None if horizontal else ytitle)
    fig.update_layout(barmode=barmode, hovermode="closest", showlegend=len(frame.columns) > 1)
    if yformat:
        (fig.update_xaxes if horizontal else fig.update_yaxes)(tickformat=tick_format(yformat))
    if horizontal:
        fig.update_yaxes(autorange="reversed", tickformat=None)
    return fig


@escaped
def distribution_figure(returns: pd.Series, theme: str | None, *, markers: dict[str, float] | None = None,
                        nbins: int = 80, xtitle: str = "Return") -> go.Figure:
    """Histogram of returns with vertical lines at ``markers`` (label -> return).

    Labels alternate right and left of their lines, so VaR (right) and the CVaR beyond it
    (left) do not overlap.
    """
    fig = go.Figure(go.Histogram(x=returns.to_numpy(), nbinsx=nbins, name="returns",
                                 marker_color=COLOURS["accent"], opacity=0.75,
                                 hovertemplate="%{x:.2%}: %{y} days<extra></extra>"))
    styles = ["dash", "dot", "dashdot", "longdash"]
    for i, (label, x) in enumerate((markers or {}).items()):
        fig.add_vline(x=x, line_dash=styles[i % len(styles)], line_color=COLOURS["neg"] if i % 2 == 0 else "#fd7e14",
                      annotation_text=label, annotation_position="top right" if i % 2 == 0 else "top left")
    base_layout(fig, theme, xtitle=xtitle, ytitle="Days")
    fig.update_xaxes(tickformat=tick_format(".1%"))
    fig.update_layout(hovermode="closest", showlegend=False, bargap=0.02)
    return fig


@escaped
def area_figure(series: pd.Series, theme: str | None, *, yformat: str = ".0%", ytitle: str | None = None,
                colour: str = COLOURS["neg"]) -> go.Figure:
    """A filled line to zero (underwater charts)."""
    fig = go.Figure(go.Scatter(x=series.index, y=series.to_numpy(), fill="tozeroy", mode="lines",
                               line={"color": colour, "width": 1}, name=str(series.name or ""),
                               hovertemplate="%{y:" + yformat + "}<extra></extra>"))
    base_layout(fig, theme, yformat=yformat, ytitle=ytitle)
    fig.update_layout(showlegend=False)
    return fig


@escaped
def fan_figure(percentiles: pd.DataFrame, theme: str | None, *, goal: float | None = None,
               xtitle: str = "Years", ytitle: str = "Wealth") -> go.Figure:
    """Fan chart: shaded bands between symmetric percentile columns (p5..p95), median line."""
    cols = [c for c in percentiles.columns if c.startswith("p")]
    ordered = sorted(cols, key=lambda c: float(c[1:]))
    fig = go.Figure()
    x = percentiles.index.to_numpy()
    for k in range(len(ordered) // 2):
        lo, hi = ordered[k], ordered[-1 - k]
        fig.add_trace(go.Scatter(x=x, y=percentiles[hi], mode="lines", line={"width": 0}, showlegend=False,
                                 hovertemplate=hi + ": %{y:,.0f}<extra></extra>"))
        fig.add_trace(go.Scatter(x=x, y=percentiles[lo], mode="lines", line={"width": 0}, fill="tonexty",
                                 fillcolor=f"rgba(13,110,253,{0.15 + 0.15 * k})", name=f"{lo}-{hi}",
                                 hovertemplate=lo + ": %{y:,.0f}<extra></extra>"))
    mid = ordered[len(ordered) // 2] if len(ordered) % 2 else None
    if mid:
        fig.add_trace(go.Scatter(x=x, y=percentiles[mid], mode="lines", name="median",
                                 line={"color": COLOURS["accent"], "width": 2.5}))
    if goal:
        fig.add_hline(y=goal, line_dash="dash", line_color=COLOURS["pos"], annotation_text="goal")
    base_layout(fig, theme, xtitle=xtitle, ytitle=ytitle)
    fig.update_yaxes(tickformat=tick_format(",.0f"))
    return fig


@escaped
def regime_figure(values: pd.Series, labels: pd.Series, theme: str | None, *, log_y: bool = True) -> go.Figure:
    """A line (e.g. growth of 1) with the background shaded by regime label."""
    palette = {"bull quiet": "rgba(25,135,84,0.18)", "bull volatile": "rgba(255,193,7,0.22)",
               "bear quiet": "rgba(108,117,125,0.22)", "bear volatile": "rgba(220,53,69,0.22)",
               "warm-up": "rgba(0,0,0,0)"}
    fig = go.Figure(go.Scatter(x=values.index, y=values.to_numpy(), mode="lines", name=str(values.name or "value"),
                               line={"color": COLOURS["accent"], "width": 1.5}))
    lab = labels.reindex(values.index).ffill().fillna("warm-up")
    change = lab.ne(lab.shift()).cumsum()
    for _, block in lab.groupby(change):
        name = block.iloc[0]
        if name == "warm-up":
            continue
        fig.add_vrect(x0=block.index[0], x1=block.index[-1], fillcolor=palette.get(name, "rgba(0,0,0,0.1)"),
                      line_width=0, layer="below")
    for name, colour in palette.items():
        if name != "warm-up" and (lab == name).any():
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=name,
                                     marker={"size": 12, "color": colour.replace("0.18", "0.6").replace(
                                         "0.22", "0.6"), "symbol": "square"}))
    base_layout(fig, theme)
    if log_y:
        fig.update_yaxes(type="log")
    return fig
