"""Figures of the presentation view (light, large type), shared by the page and the report."""

from __future__ import annotations

import plotly.graph_objects as go

from .figures import bar_figure, base_layout, empty_figure, line_figure
from .safe_text import escaped

__all__ = ["presentation_figures"]

_FONT = {"size": 15}


@escaped
def _allocation(weights, theme) -> go.Figure:
    fig = go.Figure(go.Pie(labels=list(weights.index), values=weights.to_numpy(), hole=0.45, sort=False,
                           textinfo="label+percent", textposition="inside",
                           hovertemplate="%{label}: %{value:.1%}<extra></extra>"))
    base_layout(fig, theme)
    fig.update_layout(showlegend=False, hovermode="closest")
    return fig


def presentation_figures(pres, theme: str | None = "light") -> dict[str, tuple[str, go.Figure]]:
    """``{name: (title, figure)}`` in page order."""
    stress = pres.stress.set_index("scenario")[["portfolio_return", "benchmark_return"]].rename(
        columns={"portfolio_return": "Portfolio", "benchmark_return": pres.benchmark_name}).dropna(how="all")
    figures = {
        "present-growth": ("Growth of 10,000", line_figure(pres.growth, theme, ytitle="Value", yformat=",.0f",
                                                           highlight=pres.benchmark_name)),
        "present-allocation": ("Allocation by asset", _allocation(pres.weights, theme)),
        "present-sectors": ("Allocation by sector", bar_figure(pres.sector_weights, theme, yformat=".0%",
                                                               horizontal=True)),
        "present-contributions": ("Where the risk comes from (contribution to volatility)",
                                  bar_figure(pres.contributions["percent"].sort_values(ascending=False), theme,
                                             yformat=".0%")),
        "present-stress": ("Historical stress tests (return over each episode)",
                           bar_figure(stress, theme, yformat=".0%") if len(stress) else empty_figure(
                               "None of the historical episodes falls within the data's dates: widen the dates "
                               "on the Data page (the table says which episode needs which dates).", theme)),
    }
    for _title, fig in figures.values():
        fig.update_layout(font=_FONT)
    return figures
