"""Figures of the presentation view (light, large type), shared by the page and the report."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.colors import qualitative

from .figures import COLOURS, bar_figure, base_layout, empty_figure, fold_names, line_figure
from .safe_text import escaped

__all__ = ["presentation_figures"]

_FONT = {"size": 15}


#: Slices of the allocation pie: the largest holdings, then one grey slice for the rest (a 500-name book).
PIE_SLICES = 12


@escaped
def _allocation(weights, theme) -> go.Figure:
    """The holdings as a donut (a pie shows no short positions); over ``PIE_SLICES + 1`` of them, the largest
    and one grey slice for the rest."""
    weights = fold_names(weights[weights > 1e-12], PIE_SLICES)
    colours = None
    if str(weights.index[-1]).endswith(" other names"):
        colours = [*qualitative.Plotly, *qualitative.D3][:len(weights) - 1] + [COLOURS["muted"]]
    fig = go.Figure(go.Pie(labels=list(weights.index), values=weights.to_numpy(), hole=0.45, sort=False,
                           marker={"colors": colours} if colours else None,
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
                                             yformat=".0%", fold=True)),
        "present-stress": ("Historical stress tests (return over each episode)",
                           bar_figure(stress, theme, yformat=".0%") if len(stress) else empty_figure(
                               "None of the historical episodes falls within the data's dates: widen the dates "
                               "on the Data page (the table says which episode needs which dates).", theme)),
    }
    for _title, fig in figures.values():
        fig.update_layout(font=_FONT)
    return figures
