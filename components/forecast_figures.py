"""Figures of the Risk page's Forecasts section: forecast against realised volatility."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .figures import base_layout
from .safe_text import escaped

__all__ = ["forecast_volatility_figure"]


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
