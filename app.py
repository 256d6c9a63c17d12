"""Portfolio Desk: the Dash app, its page shell and the background-job manager.

Run ``python app.py`` (or ``make run``) for http://127.0.0.1:8050, or serve
``app:server`` with gunicorn. Background jobs run on a diskcache manager in
``PORTFOLIO_DESK_CACHE`` (default ``./.cache``); with ``REDIS_URL`` set they run on
Celery workers instead: ``celery -A app:celery_app worker``.
"""

from __future__ import annotations

import logging
import os

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, clientside_callback, dcc, html

import workspace
from components import ids
from components.theme import templates_json

logging.basicConfig(level=os.environ.get("PORTFOLIO_DESK_LOG_LEVEL", "INFO"))


def _background_manager():
    """Celery on Redis when REDIS_URL is set, otherwise diskcache on one machine."""
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        from celery import Celery

        celery = Celery(__name__, broker=redis_url, backend=redis_url)
        return dash.CeleryManager(celery), celery
    import diskcache

    cache = diskcache.Cache(str(workspace.cache_dir() / "jobs"))
    return dash.DiskcacheManager(cache), None


background_callback_manager, celery_app = _background_manager()

app = Dash(
    __name__,
    use_pages=True,
    title="Portfolio Desk",
    update_title=None,
    suppress_callback_exceptions=True,
    background_callback_manager=background_callback_manager,
    serve_locally=True,
    meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
)
server = app.server


def _navbar() -> dbc.Navbar:
    links = [
        dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact",
                                id=f"nav-{page['module'].split('.')[-1]}"))
        for page in dash.page_registry.values()
    ]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Portfolio Desk", href="/", className="fw-bold"),
                dbc.Nav(links, className="me-auto", navbar=True),
                dbc.Switch(id=ids.THEME_SWITCH, label="Dark", value=False, persistence=True,
                           persistence_type="local", className="mb-0 ms-3 pd-theme-switch"),
            ],
            fluid=True,
        ),
        color="primary",
        dark=True,
        className="mb-3 no-print pd-navbar",
    )


app.layout = html.Div(
    [
        dcc.Location(id=ids.URL),
        dcc.Store(id=ids.WORKSPACE, storage_type="session", data=workspace.DEFAULT),
        dcc.Store(id=ids.THEME, data="light"),
        dcc.Store(id=ids.FIGURE_TEMPLATES, data=templates_json()),
        dcc.Store(id="export-sink"),
        _navbar(),
        dbc.Container(dash.page_container, fluid=True, className="pd-main"),
        html.Footer(
            "Bundled data: skfolio datasets (BSD-3-Clause), adjusted daily closes in USD.",
            className="text-body-secondary small text-center my-4 no-print",
        ),
    ]
)

# The theme switch sets Bootstrap's and AG Grid's colour mode and remembers the choice.
clientside_callback(
    """
    function(dark) {
        const theme = dark ? 'dark' : 'light';
        document.documentElement.setAttribute('data-bs-theme', theme);
        document.body.setAttribute('data-ag-theme-mode', theme);
        return theme;
    }
    """,
    Output(ids.THEME, "data"),
    Input(ids.THEME_SWITCH, "value"),
)

# Every graph follows the theme without a server round trip.
clientside_callback(
    """
    function(theme, figures, templates) {
        const tpl = templates[theme] || templates.light;
        return figures.map(fig => fig ? {...fig, layout: {...(fig.layout || {}), template: tpl}} : fig);
    }
    """,
    Output({"type": ids.GRAPH_TYPE, "name": ALL}, "figure", allow_duplicate=True),
    Input(ids.THEME, "data"),
    State({"type": ids.GRAPH_TYPE, "name": ALL}, "figure"),
    State(ids.FIGURE_TEMPLATES, "data"),
    prevent_initial_call=True,
)

# Export menu under each chart: PNG or SVG rendered by plotly in the browser.
clientside_callback(
    """
    function(clicks) {
        const trig = dash_clientside.callback_context.triggered_id;
        if (!trig || !clicks.some(c => c)) { return dash_clientside.no_update; }
        const gid = JSON.stringify({name: trig.name, type: 'pd-graph'});
        const holder = document.getElementById(gid);
        const plot = holder && (holder.classList.contains('js-plotly-plot') ? holder :
                                holder.querySelector('.js-plotly-plot'));
        if (plot && window.Plotly) {
            window.Plotly.downloadImage(plot, {format: trig.format, scale: 2,
                                               filename: 'portfolio-desk-' + trig.name});
        }
        return trig.name + '.' + trig.format;
    }
    """,
    Output("export-sink", "data"),
    Input({"type": "pd-export", "name": ALL, "format": ALL}, "n_clicks"),
    prevent_initial_call=True,
)


def main() -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8050"))
    debug = os.environ.get("PORTFOLIO_DESK_DEBUG", "0") == "1"
    app.run(host=host, port=port, debug=debug)


if __name__ == "__main__":
    main()
