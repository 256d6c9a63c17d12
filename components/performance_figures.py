"""Figures of the Performance page: the Brinson attribution waterfall, factor betas with confidence intervals,
contribution to return, breach history, rebalancing policies (turnover against tracking error).

Builders take finance_core results (``attribution.brinson``, ``exposures.FactorExposure.table``,
``attribution.contribution``, ``rebalancing.compare_policies``) and a theme, and only draw them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .figures import COLOURS, base_layout, empty_figure, tick_format
from .safe_text import escaped

__all__ = ["attribution_waterfall", "beta_figure", "breach_history_figure", "contribution_figure", "policy_figure"]


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


@escaped
def policy_figure(table: pd.DataFrame, theme: str | None) -> go.Figure:
    """One labelled point per policy (``rebalancing.compare_policies`` rows): annual turnover across,
    tracking error up; the realised tax, when computed, in the hover box."""
    if not len(table):
        return empty_figure("No policy compared.", theme)
    taxed = table["realised_tax"].notna().to_numpy()
    fig = go.Figure(go.Scatter(
        x=table["annual_turnover"].to_numpy(), y=table["tracking_error"].to_numpy(), mode="markers+text",
        text=list(map(str, table.index)), textposition="top center", marker={"size": 10, "color": COLOURS["pos"]},
        customdata=np.stack([table["annual_return"].to_numpy(),
                             np.where(taxed, table["realised_tax"].fillna(0.0).to_numpy(), np.nan)], axis=1),
        hovertemplate="%{text}<br>turnover %{x:.1%} a year<br>tracking error %{y:.2%}<br>"
                      "annual return %{customdata[0]:.2%}<br>realised tax %{customdata[1]:$,.0f}<extra></extra>",
    ))
    base_layout(fig, theme, yformat=".1%", xtitle="turnover (annual)", ytitle="tracking error (annual)")
    fig.update_xaxes(tickformat=tick_format(".0%"))
    fig.update_layout(hovermode="closest", showlegend=False)
    return fig


@escaped
def attribution_waterfall(effects: pd.DataFrame, theme: str | None, *, total_label: str = "Sum of effects") -> go.Figure:
    """One step per segment (``attribution.brinson`` rows: its ``total`` effect, the allocation, selection and
    interaction in the hover box) and a last bar where the steps end; the ``Total`` row is left out."""
    rows = effects.drop(index="Total", errors="ignore")
    if not len(rows):
        return empty_figure("No segment to attribute.", theme)
    parts = rows[["allocation", "selection", "interaction"]].to_numpy()
    fig = go.Figure(go.Waterfall(
        x=[*map(str, rows.index), total_label], y=[*rows["total"].to_numpy(), 0.0],
        measure=["relative"] * len(rows) + ["total"],
        customdata=np.vstack([parts, rows[["allocation", "selection", "interaction"]].sum().to_numpy()]),
        increasing={"marker": {"color": COLOURS["pos"]}}, decreasing={"marker": {"color": COLOURS["neg"]}},
        totals={"marker": {"color": COLOURS["accent"]}}, connector={"line": {"color": COLOURS["muted"]}},
        hovertemplate="%{x}: %{y:.2%}<br>allocation %{customdata[0]:.2%}<br>selection %{customdata[1]:.2%}<br>"
                      "interaction %{customdata[2]:.2%}<extra></extra>",
    ))
    base_layout(fig, theme, yformat=".1%", ytitle="effect (of start value)")
    fig.update_layout(hovermode="closest", showlegend=False)
    return fig
