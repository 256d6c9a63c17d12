"""Figures of the Performance page: factor betas with confidence intervals, contribution to return, breach history.

Builders take finance_core results (``exposures.FactorExposure.table``, ``attribution.contribution``)
and a theme, and only draw them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .figures import COLOURS, base_layout, empty_figure, tick_format
from .safe_text import escaped

__all__ = ["beta_figure", "breach_history_figure", "contribution_figure"]


@escaped
def beta_figure(table: pd.DataFrame, theme: str | None) -> go.Figure:
    """One bar per factor beta (``coef``), error bars to the table's ``ci_low`` / ``ci_high``; alpha left out."""
    betas = table.drop(index="alpha", errors="ignore")
    if not len(betas):
        return empty_figure("No factor in the regression.", theme)
    fig = go.Figure(go.Bar(
        x=list(map(str, betas.index)), y=betas["coef"].to_numpy(), name="beta",
        marker_color=[COLOURS["pos"] if v >= 0 else COLOURS["neg"] for v in betas["coef"]],
        error_y={"type": "data", "symmetric": False,
                 "array": (betas["ci_high"] - betas["coef"]).to_numpy(),
                 "arrayminus": (betas["coef"] - betas["ci_low"]).to_numpy()},
        hovertemplate="%{x}: %{y:.3f}<extra>beta</extra>",
    ))
    base_layout(fig, theme, yformat=".2f", ytitle="beta")
    fig.update_layout(hovermode="closest", showlegend=False)
    return fig


@escaped
def contribution_figure(table: pd.DataFrame, theme: str | None) -> go.Figure:
    """Horizontal bars of each row's ``contribution`` (asset or sector), largest at the top."""
    if not len(table):
        return empty_figure("Nothing held over the window.", theme)
    ordered = table["contribution"].sort_values(ascending=False)
    fig = go.Figure(go.Bar(
        x=ordered.to_numpy(), y=list(map(str, ordered.index)), orientation="h",
        marker_color=[COLOURS["pos"] if v >= 0 else COLOURS["neg"] for v in ordered],
        hovertemplate="%{y}: %{x:.2%}<extra>contribution</extra>",
    ))
    base_layout(fig, theme)
    fig.update_xaxes(tickformat=tick_format(".1%"))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(hovermode="closest", showlegend=False)
    return fig


@escaped
def breach_history_figure(breached: pd.DataFrame, theme: str | None) -> go.Figure:
    """One strip per limit (``limits.breach_history``: dates x limits of booleans), red where it was breached."""
    if breached.empty:
        return empty_figure("No limit set: enter one above and press Check limits.", theme)
    fig = go.Figure(go.Heatmap(
        z=breached.T.astype(int).to_numpy(), x=breached.index, y=list(map(str, breached.columns)),
        zmin=0, zmax=1, colorscale=[[0, COLOURS["pos"]], [1, COLOURS["neg"]]], showscale=False, xgap=0, ygap=2,
        customdata=np.where(breached.T.to_numpy(dtype=bool), "breached", "within"),
        hovertemplate="%{y} on %{x|%Y-%m-%d}: %{customdata}<extra></extra>",
    ))
    base_layout(fig, theme)
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(hovermode="closest", showlegend=False)
    return fig
