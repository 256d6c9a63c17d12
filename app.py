"""Portfolio Desk: the Dash app, its page shell and the background-job manager.

Run ``python app.py`` (or ``make run``) for http://127.0.0.1:8050, or serve
``app:server`` with gunicorn. Background jobs run on a diskcache manager in
``PORTFOLIO_DESK_CACHE`` (default ``./.cache``); with ``REDIS_URL`` set they run on
Celery workers instead: ``celery -A app:celery_app worker``.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import threading

import dash
import dash_bootstrap_components as dbc
import flask
from dash import ALL, Dash, Input, Output, State, callback, clientside_callback, dcc, html, no_update

import api
import auth
import monitor
import saved_callbacks
import store
import workspace
from components import ids
from components.alerts import error_alert
from components.export import MIME, figure_bytes, warm_up
from components.figure_registry import current_figure
from components.figure_registry import install as install_figure_registry
from components.figures import EXPORT_BROWSER, EXPORT_SERVER
from components.jobs import CeleryJobs, DiskcacheJobs
from components.saved_menu import saved_menu
from components.theme import templates_json
from components.upload import install_upload_route
from components.urlstate import UrlState
from finance_core.data import MAX_UPLOAD_BYTES

logging.basicConfig(level=os.environ.get("PORTFOLIO_DESK_LOG_LEVEL", "INFO"))
for _noisy in ("kaleido", "choreographer", "logistro"):  # the export browser's chatter
    logging.getLogger(_noisy).setLevel(logging.WARNING)


def _background_manager():
    """Celery on Redis when REDIS_URL is set, otherwise diskcache on one machine (one result key per job)."""
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        from celery import Celery

        celery = Celery(__name__, broker=redis_url, backend=redis_url)
        celery.conf.broker_connection_retry_on_startup = True  # keep retrying if Redis starts after the worker
        return CeleryJobs(celery), celery
    import diskcache

    cache = diskcache.Cache(str(workspace.cache_dir() / "jobs"))
    return DiskcacheJobs(cache), None


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
EXPORT_REQUEST = "export-request"
install_figure_registry(server, workspace.cache_dir() / "figures")
#: The largest request body: an upload of data.MAX_UPLOAD_BYTES travels base64-encoded (4/3 of
#: its size) inside the callback's JSON, plus 1 MiB for the rest of the request: about 28.7 MB.
MAX_REQUEST_BYTES = -(-MAX_UPLOAD_BYTES * 4 // 3) + 2**20
server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
install_upload_route(server)  # assets/upload.js posts each chosen or dropped file here, raw


#: The saved-work database (DATABASE_URL, else $PORTFOLIO_DESK_DATA/desk.sqlite), migrated on first
#: use; a failure is not cached, so the next request tries again.
saved_store = store.shared_store


try:  # login is optional (PORTFOLIO_DESK_USERS); a half-configured one stops the start with the reason
    auth.install(server, auth.settings_from_env(os.environ))
except auth.LoginConfigError as err:
    sys.exit(f"Portfolio Desk will not start: {err}")
server.register_blueprint(api.make_blueprint(saved_store))
saved_callbacks.use_store(saved_store)  # the navbar's Saved menu
try:  # run the migrations at start-up; the API says 503 with the reason until it works
    saved_store()
except store.StoreError as err:
    logging.getLogger(__name__).warning("%s", err)


@server.errorhandler(413)
def _too_large(_err):
    """A readable answer to a body over the limit (Flask refuses it before reading it)."""
    return (f"The request is larger than {MAX_REQUEST_BYTES / 1e6:.0f} MB: upload files of at most "
            f"{MAX_UPLOAD_BYTES / 1e6:.0f} MB, one at a time.", 413, {"Content-Type": "text/plain; charset=utf-8"})


def _desks() -> list[dict]:
    """The registered pages but the one for unknown addresses (pages/not_found_404.py), which is no desk."""
    return [page for page in dash.page_registry.values() if not page["module"].endswith("not_found_404")]


NAV_USER = "nav-user"


def _navbar() -> dbc.Navbar:
    links = [
        dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact",
                                id=f"nav-{page['module'].split('.')[-1]}"))
        for page in _desks()
    ]  # href and active are kept by the clientside callback below (settings kept per page)
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Portfolio Desk", href="/", className="fw-bold"),
                dbc.Nav(links, className="me-auto", navbar=True),
                saved_menu(),
                html.Span(id=ids.BREACH_BADGE, className="ms-2"),
                dbc.Switch(id=ids.THEME_SWITCH, label="Dark", value=False, persistence=True,
                           persistence_type="local", className="mb-0 ms-3 pd-theme-switch"),
                html.Div(id=NAV_USER, className="d-flex align-items-center ms-3"),
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
        dcc.Store(id=ids.PAGE_SETTINGS, storage_type="session", data={}),
        dcc.Store(id=ids.THEME, data="light"),
        dcc.Store(id=ids.FIGURE_TEMPLATES, data=templates_json()),
        dcc.Store(id="export-sink"),
        dcc.Store(id=EXPORT_REQUEST),
        dcc.Download(id=ids.EXPORT_DOWNLOAD),
        html.Div(id=ids.EXPORT_ALERT, className="pd-export-alert no-print"),
        _navbar(),
        dbc.Container(dash.page_container, fluid=True, className="pd-main"),
        html.Footer(
            "Bundled data: skfolio datasets (BSD-3-Clause), adjusted daily closes in USD.",
            className="text-body-secondary small text-center my-4 no-print",
        ),
    ]
)


@callback(Output(NAV_USER, "children"), Input(NAV_USER, "id"))
def signed_in_as(_id):
    """With login on: the user's name and a "Log out" link in the navbar (once per page load)."""
    name = auth.user_name()
    if name is None:
        return None
    return dbc.Nav([dbc.NavItem(html.Span(name, id="nav-user-name", className="navbar-text me-2")),
                    dbc.NavItem(dbc.NavLink("Log out", href="/logout", external_link=True, id="nav-logout"))],
                   navbar=True, className="align-items-center")


@callback(Output(ids.BREACH_BADGE, "children"), Input(ids.WORKSPACE, "data"))
def breach_badge(ws):
    """The count of the workspace's breached limits (monitor.current_breaches, cached); nothing on any problem."""
    try:
        breaches = monitor.current_breaches(ws)
    except Exception:  # noqa: BLE001 - the badge never errors: a problem shows no badge (the pages say why)
        logging.getLogger("portfolio_desk").debug("breach badge not shown", exc_info=True)
        return None
    if not breaches:
        return None
    count = len(breaches)
    return dbc.Badge(f"{count} limit breach{'es' if count > 1 else ''}", id=ids.BREACH_COUNT, color="danger",
                     href="/performance", title="; ".join(b.text for b in breaches), className="text-decoration-none")


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

# Settings survive navigation: each page's last query (written by components.urlstate) is
# kept per path, and a page opened with an explicit query keeps that one. The navbar links
# reopen each page with its query, so layout(**query) restores every control.
NAV_PAGES = [{"id": f"nav-{p['module'].split('.')[-1]}", "path": p["relative_path"],
              "settings": isinstance(getattr(sys.modules.get(p["module"]), "URL", None), UrlState)}
             for p in _desks()]
clientside_callback(
    """
    function(pathname, search, settings) {
        const kept = PAGES.filter(p => p.settings).map(p => p.path);
        const q = (search || '').replace(/^\\?/, '');
        if (!q || !kept.includes(pathname) || (settings || {})[pathname] === q) { return dash_clientside.no_update; }
        return Object.assign({}, settings || {}, {[pathname]: q});
    }
    """.replace("PAGES", json.dumps(NAV_PAGES)),
    Output(ids.PAGE_SETTINGS, "data"),
    Input(ids.URL, "pathname"), Input(ids.URL, "search"), State(ids.PAGE_SETTINGS, "data"),
)
clientside_callback(
    """
    function(settings, pathname) {
        const pages = PAGES, kept = settings || {};
        const hrefs = pages.map(p => p.path + (p.settings && kept[p.path] ? '?' + kept[p.path] : ''));
        return hrefs.concat(pages.map(p => p.path === pathname));
    }
    """.replace("PAGES", json.dumps(NAV_PAGES)),
    [Output(p["id"], "href") for p in NAV_PAGES] + [Output(p["id"], "active") for p in NAV_PAGES],
    Input(ids.PAGE_SETTINGS, "data"), Input(ids.URL, "pathname"),
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
        const holder = document.getElementById(JSON.stringify({name: trig.name, type: 'pd-graph'})) ||
                       document.getElementById(JSON.stringify({name: trig.name, type: 'pd-graph-fixed'}));
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
    Input({"type": EXPORT_BROWSER, "name": ALL, "format": ALL}, "n_clicks"),
    prevent_initial_call=True,
)


# A server export starts only from a click on its menu item: this gate turns the click into
# a small request (chart name and format), so page loads never call the server export and no
# figure travels from the browser (the server renders the figure it drew: components.figure_registry).
clientside_callback(
    """
    function(clicks) {
        const trig = dash_clientside.callback_context.triggered_id;
        if (!trig || !clicks.some(c => c)) { return dash_clientside.no_update; }
        return {name: trig.name, format: trig.format, at: Date.now()};
    }
    """,
    Output(EXPORT_REQUEST, "data"),
    Input({"type": EXPORT_SERVER, "name": ALL, "format": ALL}, "n_clicks"),
    prevent_initial_call=True,
)


@callback(
    Output(ids.EXPORT_DOWNLOAD, "data"),
    Output(ids.EXPORT_ALERT, "children"),
    Input(EXPORT_REQUEST, "data"),
    State(ids.THEME, "data"),
    prevent_initial_call=True,
)
def export_figure(request, theme):
    """Server-side export of one chart the server drew (kaleido for PNG/SVG/PDF, plotly for HTML)."""
    if not isinstance(request, dict) or request.get("format") not in MIME or not isinstance(request.get("name"), str):
        return no_update, no_update
    name, fmt = request["name"], request["format"]
    figure = current_figure(name)
    if figure is None:
        return no_update, error_alert(f"The chart {name!r} is not on this page any more: "
                                      "reload the page and export again.", title="Export failed")
    figure = {**figure, "layout": {**figure.get("layout", {}), "template": templates_json()["dark" if theme == "dark" else "light"]}}
    try:
        payload = figure_bytes(figure, fmt)
    except Exception as err:  # noqa: BLE001 - say what failed, never a traceback
        logging.getLogger("portfolio_desk").exception("export failed")
        return no_update, error_alert(f"{fmt.upper()} export failed ({type(err).__name__}: {err}). "
                                      "Use the browser export (PNG/SVG) instead.", title="Export failed")
    return dcc.send_bytes(payload, f"portfolio-desk-{name}.{fmt}", type=MIME[fmt]), None


@functools.cache
def _content_security_policy() -> str:
    """Scripts only from this server plus Dash's own inline scripts (by hash); no frames, no plugins."""
    scripts = " ".join(app.csp_hashes())
    return ("default-src 'self'; "
            f"script-src 'self' {scripts}; "
            "style-src 'self' 'unsafe-inline'; "  # plotly and AG Grid set inline styles
            "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@server.after_request
def _security_headers(response):
    """Every response: the headers above, the CSP, and no server software name or version."""
    response.headers.update(SECURITY_HEADERS)
    response.headers["Content-Security-Policy"] = _content_security_policy()
    response.headers["Server"] = "Portfolio Desk"  # werkzeug's dev server sets its own afterwards (debug only)
    return response


@server.before_request
def _no_dev_tools_routes():
    """Dash always answers /_reload-hash (it lists installed packages): only debug runs need it."""
    if flask.request.path.endswith("/_reload-hash") and os.environ.get("PORTFOLIO_DESK_DEBUG", "0") != "1":
        flask.abort(404)


@server.route("/healthz")
def healthz():
    """For a load balancer: 200 and a small JSON once the app has started."""
    return {"status": "ok"}


if os.environ.get("PORTFOLIO_DESK_EXPORT_WARM", "1") != "0":
    threading.Thread(target=warm_up, name="kaleido-warm-up", daemon=True).start()


def main() -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8050"))
    debug = os.environ.get("PORTFOLIO_DESK_DEBUG", "0") == "1"
    app.run(host=host, port=port, debug=debug)


if __name__ == "__main__":
    main()
