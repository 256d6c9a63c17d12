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


def money(x: float) -> str:
    """Whole dollars for KPI cards and sentences: ``$1,234`` and ``-$1,234``."""
    return f"-${-x:,.0f}" if x < 0 else f"${x:,.0f}"


def kpi_row(cards: list) -> dbc.Row:
    return dbc.Row([dbc.Col(c, xs=6, md=3, className="mb-2") for c in cards], className="g-2")


def section(title: str, *children, note: str | None = None) -> html.Section:
    """A titled page section with an optional explanatory note."""
    head = [html.H4(title, className="mt-4")]
    if note:
        head.append(html.P(note, className="text-body-secondary"))
    return html.Section(head + list(children), className="pd-section")
