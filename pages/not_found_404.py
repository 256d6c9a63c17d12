"""The page for an unknown address: says so and links to every desk (Dash pages uses it for any path it
does not know)."""

from __future__ import annotations

import dash
from dash import html

from components.layout import page_header

dash.register_page(__name__, path="/404", name="Not found", title="Not found - Portfolio Desk")

P = "not-found"


def layout(**_query) -> html.Div:
    desks = [page for page in dash.page_registry.values() if not page["module"].endswith("not_found_404")]
    return html.Div([
        page_header("Page not found", "There is no page at this address. Pick a desk:"),
        html.Ul([html.Li(html.A(page["name"], href=page["relative_path"])) for page in desks], id=f"{P}-links"),
    ])
