"""Figures of the Risk page's Forecasts section: forecast against realised volatility, covariance estimators."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .figures import base_layout
from .safe_text import escaped

__all__ = ["covariance_forecast_figure", "forecast_volatility_figure"]


@escaped
def forecast_volatility_figure(frame: pd.DataFrame, theme: str | None, *, realised: str = "Realised") -> go.Figure:
    """Annualised volatility by forecast date: realised as thin grey markers, each forecast a line."""
    fig = go.Figure()
    if realised in frame.columns:
        fig.add_trace(go.Scatter(x=frame.index, y=frame[realised], name=str(realised), mode="markers",
                                 marker={"size": 3, "color": "rgba(128,128,128,0.5)"},
                                 hovertemplate="%{y:.1%}"))
    for col in frame.columns.drop(realised, errors="ignore"):
        fig.add_trace(go.Scatter(x=frame.index, y=frame[col], name=str(col), mode="lines",
                                 line={"width": 1.6}, hovertemplate="%{y:.1%}"))
    base_layout(fig, theme, yformat=".0%", ytitle="Annualised volatility")
    return fig


@escaped
def covariance_forecast_figure(volatility: pd.Series, theme: str | None) -> go.Figure:
    """One horizontal bar per covariance estimator (first on top): its minimum-variance portfolio's
    realised volatility, the lowest in green."""
    best = volatility.idxmin()
    colours = ["#2ca02c" if name == best else "#1f77b4" for name in volatility.index]
    fig = go.Figure(go.Bar(y=[str(n) for n in volatility.index], x=volatility.to_numpy(), orientation="h",
                           marker={"color": colours}, text=[f"{v:.2%}" for v in volatility], textposition="outside",
                           hovertemplate="%{y}: %{x:.2%}<extra></extra>"))
    base_layout(fig, theme, xtitle="Realised volatility (annualised)")
    fig.update_layout(hovermode="closest", showlegend=False, height=380)
    fig.update_xaxes(tickformat=".0%", range=[0, float(volatility.max()) * 1.2])
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig
