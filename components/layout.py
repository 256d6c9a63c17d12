"""Page chrome: headers, KPI cards and titled sections."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

__all__ = ["page_header", "kpi_card", "kpi_row", "section", "money"]


def page_header(title: str, subtitle: str | None = None) -> html.Div:
    return html.Div(
        [html.H2(title, className="mb-1"), html.P(subtitle, className="text-body-secondary") if subtitle else None],
        className="pd-page-header mb-3",
    )


def kpi_card(label: str, value: str, *, id_: str | None = None, hint: str | None = None) -> dbc.Card:
    body = [html.Div(label, className="pd-kpi-label text-body-secondary small"),
            html.Div(value, className="pd-kpi-value fs-4 fw-semibold", id=id_ or f"kpi-{label}")]
    if hint:
        body.append(html.Div(hint, className="small text-body-secondary"))
    return dbc.Card(dbc.CardBody(body, className="py-2"), className="pd-kpi h-100")


def money(x: float, *, signed: bool = False, decimals: int = 0) -> str:
    """Dollars for KPI cards and sentences: ``$1,234``, ``-$1,234``; ``signed``: ``+$1,234``.

    The sign goes before the dollar sign, and an amount that rounds to zero at the
    ``decimals`` shown (-0.4, 1.2e-07) is plain ``$0``: never ``$+0``, ``-$0`` or ``$1.2e-07``.
    """
    shown = round(float(x), decimals)
    if shown == 0:
        return f"${0:,.{decimals}f}"
    sign = "-" if shown < 0 else ("+" if signed else "")
    return f"{sign}${abs(shown):,.{decimals}f}"


def kpi_row(cards: list) -> dbc.Row:
    return dbc.Row([dbc.Col(c, xs=6, md=3, className="mb-2") for c in cards], className="g-2")


def section(title: str, *children, note: str | None = None) -> html.Section:
    """A titled page section with an optional explanatory note."""
    head = [html.H4(title, className="mt-4")]
    if note:
        head.append(html.P(note, className="text-body-secondary"))
    return html.Section(head + list(children), className="pd-section")
