"""Plotly builders for the execution desk: schedules, cost breakdowns, frontier, impact curves, baskets.

Like :mod:`components.figures`, builders take finance_core results and a theme and
compute no finance themselves (cumulative sums of what is plotted are display only).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .figures import base_layout, tick_format
from .safe_text import escaped

__all__ = [
    "schedule_figure",
    "cost_breakdown_figure",
    "frontier_figure",
    "impact_figure",
    "basket_figure",
    "COST_LABELS",
]

_C = {
    "buy": "#198754",
    "sell": "#dc3545",
    "accent": "#0d6efd",
    "muted": "#6c757d",
    "orange": "#fd7e14",
    "purple": "#6f42c1",
}
#: Cost components in display order and their labels.
COST_LABELS = {
    "spread": "Spread",
    "temporary": "Temporary impact",
    "permanent": "Permanent impact",
    "timing_risk": "Timing risk (1 sd)",
}


def _hhmm(index) -> list[str]:
    return [t.strftime("%H:%M") if hasattr(t, "strftime") else str(t) for t in index]


def _runs(mask) -> list[tuple[int, int]]:
    """(first, last) positions of each run of True in ``mask``."""
    runs, start = [], None
    for i, flag in enumerate(list(mask) + [False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i - 1))
            start = None
    return runs


@escaped
def schedule_figure(schedule, theme: str | None, *, cap: float | None = None, no_trade=None) -> go.Figure:
    """Child-order bars with cumulative execution over the cumulative market-volume curve.

    Left axis: shares per interval (bars) and, with ``cap``, the cap ``cap x volume``.
    Right axis: the share of the order done and of the window's expected volume traded.
    ``no_trade``: one flag per interval; each run of flagged intervals is shaded and
    labelled with its clock times.
    """
    x = _hhmm(schedule.trades.index)
    trades = schedule.trades.to_numpy(dtype=float)
    colour = _C["buy"] if schedule.side == "buy" else _C["sell"]
    fig = go.Figure(
        go.Bar(
            x=x,
            y=trades,
            name=f"Child orders ({schedule.side})",
            marker_color=colour,
            opacity=0.85,
            hovertemplate="%{x}: %{y:,.0f} shares<extra></extra>",
        )
    )
    done = np.cumsum(trades) / max(trades.sum(), 1)
    fig.add_trace(
        go.Scatter(
            x=x,
            y=done,
            name="Order executed (cumulative)",
            yaxis="y2",
            mode="lines+markers",
            line={"color": _C["accent"], "width": 2.5},
            marker={"size": 4},
            hovertemplate="%{y:.1%} of the order<extra></extra>",
        )
    )
    if schedule.volumes is not None:
        vol = schedule.volumes.to_numpy(dtype=float)
        fig.add_trace(
            go.Scatter(
                x=x,
                y=np.cumsum(vol) / max(vol.sum(), 1),
                name="Market volume (cumulative)",
                yaxis="y2",
                mode="lines",
                line={"color": _C["muted"], "width": 2, "dash": "dash"},
                hovertemplate="%{y:.1%} of the window's volume<extra></extra>",
            )
        )
        if cap:
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=cap * vol,
                    name=f"Cap ({cap:.0%} of volume)",
                    mode="lines",
                    line={"color": _C["orange"], "width": 1.5, "dash": "dot", "shape": "hvh"},
                    hovertemplate="cap %{y:,.0f} shares<extra></extra>",
                )
            )
    base_layout(fig, theme, ytitle="Shares per interval")
    fig.update_layout(
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "range": [0, 1.05],
            # Fixed quarters: ticks synced to the share axis fell on 97.92% and 78.336% of the order.
            "tickmode": "array",
            "tickvals": [0, 0.25, 0.5, 0.75, 1.0],
            "tickformat": tick_format(".0%"),
            "showgrid": False,
            "title": "Cumulative",
        },
        bargap=0.15,
        margin={"l": 60, "r": 60, "t": 30, "b": 40},
    )
    fig.update_layout(yaxis={"tickformat": tick_format(",.0f")})
    nodes = _hhmm(schedule.holdings.index)
    for first, last in _runs(no_trade if no_trade is not None else []):
        fig.add_vrect(
            x0=first - 0.5,
            x1=last + 0.5,
            fillcolor=_C["muted"],
            opacity=0.18,
            layer="below",
            line_width=0,
            annotation_text=f"No trade {nodes[first]}-{nodes[last + 1]}",
            annotation_position="top left" if first + last < len(x) else "top right",  # text stays inside
            annotation_font_size=11,
        )
    if no_trade is not None and any(no_trade):
        fig.update_xaxes(type="category")  # the shaded spans are positions on the interval axis
    return fig


@escaped
def cost_breakdown_figure(costs: pd.DataFrame, theme: str | None) -> go.Figure:
    """Expected-cost components (spread, temporary, permanent, total) and timing risk, side by side.

    ``costs``: one column per schedule (e.g. the chosen one and TWAP), rows named like
    :data:`COST_LABELS` plus ``expected_cost`` (currency). Timing risk gets its own panel
    because it is often an order of magnitude larger than the expected cost.
    """
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.72, 0.28],
        horizontal_spacing=0.1,
        subplot_titles=("Expected cost", "Timing risk (1 sd)"),
    )
    palette = [_C["accent"], _C["muted"], _C["orange"], _C["purple"]]
    parts = ["spread", "temporary", "permanent", "expected_cost"]
    cats = [COST_LABELS.get(k, "Total expected") for k in parts]
    for i, col in enumerate(costs.columns):
        colour = palette[i % len(palette)]
        vals = costs[col].reindex(parts).to_numpy(dtype=float)
        fig.add_trace(
            go.Bar(
                x=cats,
                y=vals,
                name=str(col),
                marker_color=colour,
                legendgroup=str(col),
                hovertemplate="%{x}: $%{y:,.0f}<extra>" + str(col) + "</extra>",
            ),
            row=1,
            col=1,
        )
        risk = float(costs[col].get("timing_risk", np.nan))
        fig.add_trace(
            go.Bar(
                x=[str(col)],
                y=[risk],
                name=str(col),
                marker_color=colour,
                legendgroup=str(col),
                showlegend=False,
                text=[f"${risk:,.0f}"],
                textposition="outside",
                cliponaxis=False,
                hovertemplate="timing risk $%{y:,.0f}<extra>" + str(col) + "</extra>",
            ),
            row=1,
            col=2,
        )
    base_layout(fig, theme)
    fig.update_layout(
        barmode="group", hovermode="closest", margin={"l": 60, "r": 20, "t": 50, "b": 40}, legend={"y": 1.12}
    )
    fig.update_yaxes(tickformat=tick_format("$,.0f"), rangemode="tozero")
    return fig


def _span(*values: pd.Series) -> float:
    """The range of the values drawn on one axis (NaN ignored)."""
    both = np.concatenate([np.asarray(v, dtype=float) for v in values])
    return float(np.nanmax(both) - np.nanmin(both))


@escaped
def frontier_figure(
    frontier: pd.DataFrame, chosen: pd.DataFrame, theme: str | None, *, label: str | None = None
) -> go.Figure:
    """Almgren-Chriss efficient frontier: expected cost against timing risk, with the chosen point.

    ``chosen``: one row (index lambda; std, expected_cost), drawn as a star named ``label``.
    """
    fig = go.Figure(
        go.Scatter(
            x=frontier["std"],
            y=frontier["expected_cost"],
            mode="lines",
            name="Efficient frontier",
            line={"color": _C["accent"], "width": 2.5},
            customdata=np.asarray(frontier.index, dtype=float),
            hovertemplate="risk $%{x:,.0f}, cost $%{y:,.0f}<br>lambda %{customdata:.2e}<extra></extra>",
        )
    )
    twap = frontier[frontier.index == 0]
    if len(twap):
        fig.add_trace(
            go.Scatter(
                x=twap["std"],
                y=twap["expected_cost"],
                mode="markers",
                name="TWAP (lambda = 0)",
                marker={"color": _C["muted"], "size": 11, "symbol": "square"},
                hovertemplate="TWAP: risk $%{x:,.0f}, cost $%{y:,.0f}<extra></extra>",
            )
        )
    lam = float(chosen.index[0])
    fig.add_trace(
        go.Scatter(
            x=chosen["std"],
            y=chosen["expected_cost"],
            mode="markers",
            name=label or f"Chosen (lambda {lam:.1e})",
            marker={"color": _C["sell"], "size": 14, "symbol": "star"},
            hovertemplate="chosen: risk $%{x:,.0f}, cost $%{y:,.0f}<extra></extra>",
        )
    )
    base_layout(fig, theme, xtitle="Timing risk: standard deviation of cost", ytitle="Expected cost")
    # A small order's costs span a few dollars or cents: whole-dollar ticks would repeat ($17, $18, $18).
    fig.update_xaxes(tickformat=tick_format("$,.0f", span=_span(frontier["std"], chosen["std"])))
    fig.update_yaxes(tickformat=tick_format("$,.0f", span=_span(frontier["expected_cost"], chosen["expected_cost"])))
    fig.update_layout(hovermode="closest")
    return fig


@escaped
def impact_figure(
    slippage: pd.DataFrame, fitted: pd.DataFrame, theme: str | None, *, max_points: int = 3000
) -> go.Figure:
    """Slippage per share from the book (points) and the fitted impact curves (lines).

    ``slippage``: snapshots x sizes (from ``estimate_slippage``); ``fitted``: sizes x
    named curves (e.g. the first, middle and last interval of the fit).
    """
    long = slippage.stack().rename("slip").reset_index()
    long.columns = ["time", "shares", "slip"]
    if len(long) > max_points:
        long = long.iloc[np.linspace(0, len(long) - 1, max_points).astype(int)]
    fig = go.Figure(
        go.Scatter(
            x=long["shares"],
            y=long["slip"],
            mode="markers",
            name="Book walk (snapshots)",
            marker={"color": _C["muted"], "size": 4, "opacity": 0.35},
            hovertemplate="%{x:,.0f} shares: $%{y:.4f}/share<extra></extra>",
        )
    )
    palette = [_C["accent"], _C["orange"], _C["purple"], _C["buy"]]
    for i, col in enumerate(fitted.columns):
        fig.add_trace(
            go.Scatter(
                x=fitted.index,
                y=fitted[col],
                mode="lines",
                name=str(col),
                line={"color": palette[i % len(palette)], "width": 2.5},
                hovertemplate="%{x:,.0f} shares: $%{y:.4f}/share<extra>" + str(col) + "</extra>",
            )
        )
    base_layout(fig, theme, xtitle="Child order size (shares)", ytitle="Slippage per share")
    fig.update_xaxes(tickformat=tick_format(",.0f"))
    fig.update_yaxes(tickformat=tick_format("$.3f"))
    fig.update_layout(hovermode="closest")
    return fig


@escaped
def basket_figure(buys: pd.Series, sells: pd.Series, imbalance: pd.Series, theme: str | None) -> go.Figure:
    """Buy and sell notional per interval (bars up and down) and the running cash imbalance (line)."""
    x = _hhmm(buys.index)
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=x,
            y=buys.to_numpy(),
            name="Buys",
            marker_color=_C["buy"],
            hovertemplate="%{x}: buys $%{y:,.0f}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=x,
            y=-sells.to_numpy(),
            name="Sells",
            marker_color=_C["sell"],
            customdata=sells.to_numpy(),
            hovertemplate="%{x}: sells $%{customdata:,.0f}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=imbalance.to_numpy(),
            name="Cash imbalance (buys - sells, running)",
            mode="lines+markers",
            line={"color": _C["accent"], "width": 2.5},
            marker={"size": 4},
            hovertemplate="%{x}: imbalance $%{y:,.0f}<extra></extra>",
        )
    )
    base_layout(fig, theme, ytitle="Notional")
    fig.update_layout(barmode="relative", hovermode="x unified")
    fig.update_yaxes(tickformat=tick_format("$,.0f"), zeroline=True)
    return fig
