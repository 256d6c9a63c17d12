"""Figures of the tax desk: the wash-sale timeline and the tax/tracking-error trade-off.

Builders take finance_core results (``TaxResult.loss_windows``, ``TaxResult.wash_sales``,
``tax_tradeoff_curve``) and a theme, and only draw them.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .figures import COLOURS, base_layout, empty_figure, tick_format
from .safe_text import escape_text, escaped

__all__ = ["wash_timeline_figure", "tradeoff_figure"]

_WASHED, _CLEAN, _IRA = "#fd7e14", COLOURS["pos"], COLOURS["neg"]


def _label(row) -> str:
    return f"{row['ticker']} {pd.Timestamp(row['sold']).date()} ({row['account']})"


@escaped
def wash_timeline_figure(
    loss_windows: pd.DataFrame, wash_sales: pd.DataFrame, theme: str | None
) -> go.Figure:
    """One row per loss sale: its 61-day window (30 days either side), the sale and the matched purchases.

    A window is orange when (part of) the loss was disallowed, green when the loss
    stands; replacement purchases are diamonds (red when bought in an IRA or Roth:
    the loss is lost for good), labelled with the shares matched.
    """
    if loss_windows is None or not len(loss_windows):
        return empty_figure("No sale at a loss in the trade history: no wash-sale window to show.", theme)
    fig = go.Figure()
    labels = [_label(r) for _, r in loss_windows.iterrows()]
    shown = set()
    for label, (_, w) in zip(labels, loss_windows.iterrows(), strict=True):
        washed = w["disallowed"] > 1e-9
        name = "window, loss disallowed" if washed else "window, loss allowed"
        fig.add_trace(
            go.Scatter(
                x=[w["window_start"], w["window_end"]],
                y=[label, label],
                mode="lines",
                line={"color": _WASHED if washed else _CLEAN, "width": 14},
                opacity=0.45,
                name=name,
                legendgroup=name,
                showlegend=name not in shown,
                hovertemplate=(
                    f"{escape_text(label)}<br>window {pd.Timestamp(w['window_start']).date()} to "
                    f"{pd.Timestamp(w['window_end']).date()}<br>loss ${w['loss']:,.2f}, disallowed "
                    f"${w['disallowed']:,.2f}<extra></extra>"
                ),
            )
        )
        shown.add(name)
    fig.add_trace(
        go.Scatter(
            x=loss_windows["sold"],
            y=labels,
            mode="markers",
            name="loss sale",
            marker={"symbol": "x", "size": 11, "color": COLOURS["neg"] if theme != "dark" else "#ff6b6b"},
            customdata=loss_windows[["shares", "loss"]].to_numpy(),
            hovertemplate="sold %{customdata[0]:,.4g} sh at a loss of $%{customdata[1]:,.2f}<extra></extra>",
        )
    )
    if wash_sales is not None and len(wash_sales):
        by_index = dict(zip(loss_windows["realized_index"], labels, strict=True))
        ws = wash_sales[wash_sales["realized_index"].isin(by_index)]
        for permanent, part in ws.groupby("permanent"):
            fig.add_trace(
                go.Scatter(
                    x=part["replacement_date"],
                    y=part["realized_index"].map(by_index),
                    mode="markers+text",
                    name="replacement in IRA/Roth (lost for good)" if permanent else "replacement purchase",
                    marker={
                        "symbol": "diamond",
                        "size": 12,
                        "color": _IRA if permanent else COLOURS["accent"],
                    },
                    text=[f"{s:,.4g} sh" for s in part["shares"]],
                    textposition="top center",
                    customdata=part[
                        ["replacement_ticker", "replacement_account", "shares", "disallowed"]
                    ].to_numpy(),
                    hovertemplate=(
                        "bought %{customdata[2]:,.4g} sh %{customdata[0]} in %{customdata[1]}<br>"
                        "disallowed $%{customdata[3]:,.2f}<extra></extra>"
                    ),
                )
            )
    base_layout(fig, theme, xtitle="Date")
    fig.update_layout(hovermode="closest", margin={"l": 190, "r": 20, "t": 30, "b": 40})
    fig.update_yaxes(autorange="reversed", type="category")
    return fig


@escaped
def tradeoff_figure(curve: pd.DataFrame, chosen: dict | None, theme: str | None) -> go.Figure:
    """Tax paid against tracking error over tax weights, with the chosen rebalance starred."""
    if curve is None or not len(curve):
        return empty_figure("No trade-off to show: nothing to rebalance.", theme)
    fig = go.Figure(
        go.Scatter(
            x=curve["tracking_error"],
            y=curve["tax"],
            mode="lines+markers",
            name="tax weight sweep",
            line={"color": COLOURS["accent"]},
            customdata=curve[["tax_weight", "turnover"]].to_numpy(),
            hovertemplate=(
                "tax weight %{customdata[0]:.3g}<br>tracking error %{x:.2%}<br>tax $%{y:,.0f}<br>"
                "turnover %{customdata[1]:.1%}<extra></extra>"
            ),
        )
    )
    if chosen:
        fig.add_trace(
            go.Scatter(
                x=[chosen["tracking_error"]],
                y=[chosen["tax"]],
                mode="markers",
                name="chosen tax weight",
                marker={
                    "symbol": "star",
                    "size": 18,
                    "color": _WASHED,
                    "line": {"width": 1, "color": "#000"},
                },
                hovertemplate=(
                    f"tax weight {chosen['tax_weight']:.3g}<br>tracking error %{{x:.2%}}<br>"
                    "tax $%{y:,.0f}<extra></extra>"
                ),
            )
        )
    fig.add_hline(y=0, line_dash="dot", line_color=COLOURS["muted"])
    base_layout(fig, theme, xtitle="Tracking error to the target (annualised)", ytitle="Tax paid ($)")
    fig.update_xaxes(tickformat=tick_format(".1%"))
    fig.update_yaxes(tickformat=tick_format("$,.0f"))
    fig.update_layout(hovermode="closest")
    return fig
