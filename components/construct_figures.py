"""Figures of the construction desk: efficient frontier, dendrogram, prior vs posterior."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .figures import base_layout, tick_format

__all__ = ["frontier_figure", "dendrogram_figure", "prior_posterior_figure"]


def frontier_figure(frontier, theme: str | None, *, current: tuple[float, float] | None = None,
                    current_label: str = "current portfolio") -> go.Figure:
    """Frontier line, assets, capital market line, min-variance and max-Sharpe points, current portfolio.

    Trace 0 is an empty "chosen" marker that the page fills in the browser as sliders move.
    """
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[], y=[], mode="markers", name="chosen", marker={"size": 16, "symbol": "star",
                                                                                 "color": "#fd7e14"}))
    fig.add_trace(go.Scatter(x=frontier.volatilities, y=frontier.returns, mode="lines", name="efficient frontier",
                             line={"width": 3, "color": "#0d6efd"},
                             customdata=frontier.sharpes, hovertemplate="vol %{x:.2%}, return %{y:.2%}, "
                                                                         "Sharpe %{customdata:.2f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=frontier.asset_volatilities, y=frontier.asset_returns, mode="markers+text",
                             text=list(frontier.asset_returns.index), textposition="top center", name="assets",
                             marker={"size": 7, "color": "#6c757d"},
                             hovertemplate="%{text}: vol %{x:.2%}, return %{y:.2%}<extra></extra>"))
    top = float(max(frontier.volatilities.max(), frontier.asset_volatilities.max()))
    if frontier.max_sharpe is not None:
        vols = np.linspace(0, top, 20)
        fig.add_trace(go.Scatter(x=vols, y=frontier.capital_market_line(vols).to_numpy(), mode="lines",
                                 name="capital market line", line={"dash": "dash", "color": "#198754"}))
        ms = frontier.max_sharpe
        fig.add_trace(go.Scatter(x=[ms.volatility], y=[ms.expected_return], mode="markers", name="max Sharpe",
                                 marker={"size": 12, "color": "#198754", "symbol": "diamond"}))
    mv = frontier.min_variance
    fig.add_trace(go.Scatter(x=[mv.volatility], y=[mv.expected_return], mode="markers", name="min variance",
                             marker={"size": 12, "color": "#6f42c1", "symbol": "square"}))
    if current is not None:
        fig.add_trace(go.Scatter(x=[current[0]], y=[current[1]], mode="markers", name=current_label,
                                 marker={"size": 12, "color": "#dc3545", "symbol": "x"}))
    base_layout(fig, theme, xtitle="Volatility (annual)", ytitle="Expected return (annual)")
    fig.update_xaxes(tickformat=tick_format(".0%"), rangemode="tozero")
    fig.update_yaxes(tickformat=tick_format(".0%"))
    fig.update_layout(hovermode="closest")
    return fig


def dendrogram_figure(tree, theme: str | None) -> go.Figure:
    """The HRP cluster tree: one line per merge, leaves labelled by ticker."""
    segments = tree.dendrogram()
    fig = go.Figure()
    for _, seg in segments.groupby("link"):
        fig.add_trace(go.Scatter(x=seg["x"], y=seg["y"], mode="lines", line={"color": "#0d6efd", "width": 1.5},
                                 hoverinfo="skip", showlegend=False))
    leaves = tree.leaf_positions()
    base_layout(fig, theme, ytitle="Distance")
    fig.update_xaxes(tickvals=leaves.to_numpy(), ticktext=list(leaves.index), tickangle=-60)
    fig.update_layout(hovermode=False)
    return fig


def prior_posterior_figure(prior: pd.Series, posterior: pd.Series, theme: str | None) -> go.Figure:
    """Black-Litterman equilibrium (prior) against posterior expected returns."""
    fig = go.Figure()
    fig.add_trace(go.Bar(x=list(prior.index), y=prior.to_numpy(), name="prior (equilibrium)",
                         marker_color="#6c757d"))
    fig.add_trace(go.Bar(x=list(posterior.index), y=posterior.reindex(prior.index).to_numpy(), name="posterior",
                         marker_color="#0d6efd"))
    base_layout(fig, theme, yformat=".1%", ytitle="Expected return (annual)")
    fig.update_layout(barmode="group", hovermode="x unified")
    return fig

