"""Investor presentation: a clean, printable, shareable summary of the workspace portfolio.

Opened from the navigation bar it shows the workspace (its target, else its holdings,
else equal weight) and writes a shareable link into the address bar. Opened from such
a link it rebuilds the same view from the link alone: dataset, universe, dates,
benchmark and the construction recipe.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, clientside_callback, dcc, html, no_update

import monitor
import store
import workspace
from components import ids, inputs
from components.alerts import alert_area, error_alert, notes_alert, reports_errors
from components.compare_views import growth_figure, metric_table_defs, metric_table_rows, metrics_frame
from components.controls import field
from components.figures import graph, graph_id
from components.present_figures import presentation_figures
from components.report import html_to_pdf, report_html
from components.saved_portfolios import picked_weights, portfolio_options
from components.tables import grid, records
from finance_core import recipes, report
from finance_core.compare_portfolios import PortfolioComparison, compare_portfolios
from finance_core.errors import DataError, FinanceError

dash.register_page(__name__, path="/present", name="Present", title="Present - Portfolio Desk", order=7)

P = "present"
QUERY, SHARE_QUERY, FIRM, AS_OF = f"{P}-query", f"{P}-share-query", f"{P}-firm", f"{P}-as-of"
TITLE, SUBTITLE, KPIS, STRESS_GRID, SHARE_LINK = (f"{P}-title", f"{P}-subtitle", f"{P}-kpis", f"{P}-stress-grid",
                                                   f"{P}-share-link")
ALERTS, NOTES, DESKS, BREACHES = f"{P}-alerts", f"{P}-notes", f"{P}-desks", f"{P}-breaches"
REPORT_HTML, REPORT_PDF, REPORT_DOWNLOAD, REPORT_STATUS = (f"{P}-report-html", f"{P}-report-pdf",
                                                           f"{P}-report-download", f"{P}-report-status")
COMPARE_ON, COMPARE_PICK, COMPARE_SECTION, COMPARE_GRID = (f"{P}-compare-on", f"{P}-compare-pick",
                                                         f"{P}-compare-section", f"{P}-compare-grid")
COMPARE_ALERT, COMPARE_LIST_ALERT, COMPARE_NOTES = f"{P}-compare-alert", f"{P}-compare-list-alert", f"{P}-compare-notes"
COMPARE_GROWTH, MAX_COMPARED = "present-compare-growth", 4
COMPARE_TITLE, COMPARE_GROWTH_TITLE = "Comparison with saved portfolios", "Growth of 10,000: the portfolio and saved ones"
FIGURES = ["present-growth", "present-allocation", "present-sectors", "present-contributions", "present-stress"]
_TITLES = dict(zip(FIGURES, ["Growth of 10,000", "Allocation by asset", "Allocation by sector",
                             "Where the risk comes from (contribution to volatility)",
                             "Historical stress tests (return over each episode)"], strict=True))


def _section(*children, className: str = "", **props) -> html.Section:
    return html.Section(list(children), className=f"pd-present-section {className}", **props)


def _link_date(raw) -> str | None:
    """The link's as-of date, or None when it is no date (as UrlState treats a value it cannot read: the
    default; the date box could not show it)."""
    try:
        return inputs.date(raw, "The as-of date")
    except DataError:
        return None


def layout(**query) -> html.Div:
    return html.Div([
        dcc.Store(id=QUERY, data=query), dcc.Store(id=SHARE_QUERY), dcc.Download(id=REPORT_DOWNLOAD),
        html.Div(html.H2("Presentation", className="visually-hidden"), className="pd-page-header"),
        dbc.Card(dbc.CardBody(dbc.Row([
            field("Firm name", dbc.Input(id=FIRM, value=query.get("firm"), debounce=True, placeholder="Portfolio Desk"),
                  md=3),
            field("As of", dbc.Input(id=AS_OF, type="date", value=_link_date(query.get("as_of")), debounce=True),
                  md=2),
            dbc.Col([dbc.Button("Download HTML report", id=REPORT_HTML, n_clicks=0, color="primary",
                                className="me-2 mt-3"),
                     dbc.Button("Download PDF report", id=REPORT_PDF, n_clicks=0, color="secondary",
                                className="me-2 mt-3"),
                     dcc.Loading(html.Span(id=REPORT_STATUS, className="small ms-2"), type="dot")], md=7),
            dbc.Col(dbc.Checklist(id=COMPARE_ON, options=[{"label": "Include comparison with saved portfolios",
                                                           "value": "on"}], value=[], switch=True,
                                  className="mt-2"), md=4),
            field(f"Saved portfolios to compare (1 to {MAX_COMPARED})",
                  dcc.Dropdown(id=COMPARE_PICK, multi=True, placeholder="Pick saved portfolios"), md=8),
        ])), className="mb-3 no-print"),
        html.Div([alert_area(COMPARE_LIST_ALERT), alert_area(COMPARE_ALERT)], className="no-print"),
        html.Div([html.Small("Share this view: ", className="text-body-secondary"),
                  html.Code(id=SHARE_LINK, className="pd-share-link")], className="mb-2 no-print"),
        alert_area(ALERTS),
        html.Div([
            _section(html.H1(id=TITLE, className="display-5 fw-semibold mb-0"),
                     html.P(id=SUBTITLE, className="lead text-body-secondary"),
                     html.Div(id=KPIS, className="pd-present-kpis"),
                     graph("present-growth", title=_TITLES["present-growth"], height=460, themed=False)),
            _section(dbc.Row([dbc.Col(graph("present-allocation", title=_TITLES["present-allocation"], height=480,
                                            themed=False), lg=6),
                              dbc.Col(graph("present-sectors", title=_TITLES["present-sectors"], height=480,
                                            themed=False), lg=6)])),
            _section(graph("present-contributions", title=_TITLES["present-contributions"], height=420,
                           themed=False)),
            _section(graph("present-stress", title=_TITLES["present-stress"], height=420, themed=False),
                     grid(STRESS_GRID, pd.DataFrame(columns=["scenario", "start", "end", "portfolio_return",
                                                             "benchmark_return", "note"]),
                          formats={"portfolio_return": "pct", "benchmark_return": "pct"}, height=300,
                          csv_name="stress-tests")),
            _section(html.H4(COMPARE_TITLE), html.Div(id=COMPARE_NOTES),
                     grid(COMPARE_GRID, pd.DataFrame(columns=["metric"]), height=480, csv_name="presentation-comparison"),
                     graph(COMPARE_GROWTH, title=COMPARE_GROWTH_TITLE, height=460, themed=False),
                     id=COMPARE_SECTION, style={"display": "none"}),  # a section itself: page breaks stay as they were
            _section(html.H4("Execution and tax"), html.Div(id=DESKS), alert_area(NOTES)),
            _section(html.H4("Limits"), html.Div(id=BREACHES)),
        ], className="pd-present", **{"data-bs-theme": "light"}),
    ])


# --------------------------------------------------------------------------- the view
def _view(query: dict, ws: dict, firm: str | None, as_of: str | None):
    """(workspace used, weights, portfolio label, problems, share query, weights note) for a link or the workspace.

    With an as-of date before the end date, the data stop at it and a recipe is solved again on the data to
    that date, so no weight is chosen with later prices; weights without a recipe say where they come from.
    """
    query, as_of = inputs.mapping(query), inputs.date(as_of, "The as-of date")
    firm = inputs.text(firm, "The firm name")
    if query.get("source"):
        ws_used = workspace.from_query(query)
        recipe, weights, kind = recipes.Recipe.from_query(query), None, "target"
        label, problems, share = recipe.label, [], dict(query)
    else:
        ws_used = {**workspace.DEFAULT, **inputs.mapping(ws)}
        port = workspace.portfolio(ws_used)
        weights, label, kind = port.weights, port.label, port.kind
        share, problems = workspace.to_query(ws_used)
        stored = (ws_used.get("target") or {}).get("recipe") if kind == "target" else None
        recipe = recipes.Recipe.from_query(stored) if stored else None
    built_to = ws_used["end"]
    if as_of:
        if as_of <= ws_used["start"]:
            raise DataError(f"The as-of date {as_of} is not after the start of the data ({ws_used['start']}). "
                            "Type a later date, or move the start on the Data page.", code="bad_as_of")
        ws_used = workspace.select(ws_used, end=min(as_of, ws_used["end"]))
        share["as_of"] = as_of
    weights, note = _weights_as_of(ws_used, recipe, weights, kind, built_to)
    if firm:
        share["firm"] = firm
    ws_used = dict(ws_used, firm_name=firm or ws_used.get("firm_name"))
    return ws_used, weights, label, problems, share, note


def _weights_as_of(ws_used: dict, recipe, weights, kind: str, built_to: str) -> tuple[pd.Series, str]:
    """The weights to show on the data of ``ws_used`` and a sentence on the data they were chosen with."""
    to, early = ws_used["end"], ws_used["end"] < built_to
    if recipe is not None and (weights is None or early):
        wd = workspace.resolve(ws_used)
        holdings = workspace.portfolio(dict(ws_used, target=None), wd)
        weights = recipes.allocate(wd.returns, recipe, benchmark=wd.benchmark_returns, sectors=wd.sectors,
                                   current_weights=holdings.weights if holdings.kind == "holdings" else None).weights
        return weights, f"Weights optimised on data to {to}."
    if early and kind == "target":
        return weights, (f"Weights are those of the stored target, built on data to {built_to}: it has no recipe to "
                         f"solve again on data to {to}, so they were chosen with prices after the as-of date.")
    if early and kind == "holdings":
        return weights, f"Weights are today's uploaded holdings, not those held on {to}."
    return weights, ""


def _summary(query, ws, firm, as_of):
    ws_used, weights, label, problems, share, note = _view(query, ws, firm, as_of)
    wd = workspace.resolve(ws_used)
    source = workspace.source_prices(ws_used)
    pres = report.presentation(wd.prices, weights, wd.benchmark, sectors=wd.sectors,
                               benchmark_name=wd.benchmark_name, stress_prices=source.prices,
                               stress_benchmark=wd.benchmark_history)
    firm_name = ws_used.get("firm_name") or "Portfolio Desk"
    title = f"{firm_name}: {label}"
    subtitle = (f"{len(pres.weights)} holdings against the {wd.benchmark_name}, {pres.start.date()} to "
                f"{pres.end.date()}. Data as of {pres.end.date()}. {note}").strip()
    return pres, title, subtitle, problems, share, ws_used


def _kpis(pres) -> dbc.Row:
    m, b = pres.metrics, pres.benchmark_metrics
    cards = [("Annual return", f"{m['cagr']:.1%}", f"benchmark {b['cagr']:.1%}", "cagr"),
             ("Volatility", f"{m['volatility']:.1%}", f"benchmark {b['volatility']:.1%}", "vol"),
             ("Sharpe ratio", f"{m['sharpe']:.2f}", f"benchmark {b['sharpe']:.2f}", "sharpe"),
             ("Max drawdown", f"{m['max_drawdown']:.1%}", f"benchmark {b['max_drawdown']:.1%}", "mdd"),
             ("1-day VaR 95%", f"{m['var_95']:.2%}", f"CVaR {m['cvar_95']:.2%}", "var")]
    return dbc.Row([dbc.Col(dbc.Card(dbc.CardBody([
        html.Div(label, className="text-body-secondary"),
        html.Div(value, className="display-6 fw-semibold", id=f"{P}-kpi-{key}"),
        html.Div(hint, className="small text-body-secondary")])), className="mb-2") for label, value, hint, key in cards],
        className="g-2 my-2")


def desk_lines(ws: dict) -> list[str]:
    """Execution and tax results where their desks have stored them; plain words otherwise."""
    execution = (ws or {}).get("execution_summary")
    tax = (ws or {}).get("tax_summary")
    trades = ((ws or {}).get("target") or {}).get("trades")
    if execution and "trades" in execution and execution["trades"] != trades:
        execution = {"text": "Execution cost: the stored estimate is for an earlier trade list. Press 'Add to "
                     "presentation' on the Execute page again for the current target."}
    return [
        execution["text"] if execution else "Execution cost saved: not available yet. Schedule the target's trade "
        "list on the Execute page to see the expected saving against TWAP.",
        tax["text"] if tax else "Tax saved: not available yet. Review harvesting and tax-aware rebalancing on the "
        "Tax page to see the tax saved.",
    ]


def _desks(ws: dict) -> html.Div:
    execution, tax = desk_lines(ws)
    return html.Div([html.P(execution, id=f"{P}-execution"), html.P(tax, id=f"{P}-tax")])


@callback(
    Output(TITLE, "children"), Output(SUBTITLE, "children"), Output(KPIS, "children"),
    *[Output(graph_id(name, themed=False), "figure") for name in FIGURES],
    Output(STRESS_GRID, "rowData"), Output(SHARE_QUERY, "data"), Output(DESKS, "children"),
    Output(NOTES, "children"), Output(ALERTS, "children"),
    Input(QUERY, "data"), Input(FIRM, "value"), Input(AS_OF, "value"), State(ids.WORKSPACE, "data"),
)
@reports_errors(8 + len(FIGURES), title="Presentation not updated")
def render(query, firm, as_of, ws):
    pres, title, subtitle, problems, share, _ = _summary(query, ws, firm, as_of)
    figures = presentation_figures(pres, "light")
    return (title, subtitle, _kpis(pres), *[figures[name][1] for name in FIGURES], records(pres.stress), share,
            _desks(ws), notes_alert(problems, title="About this link"), None)


# --------------------------------------------------------------------------- comparison with saved portfolios
def comparison_of(weights: pd.Series, ws_used: dict, include, picked) -> tuple[PortfolioComparison | None, str | None]:
    """The presented portfolio against the picked saved ones on the view's data, or (None, why it is left out).

    Not asked for: (None, None). A saved portfolio that cannot be compared (none of its tickers in the data,
    deleted, the store unreadable) leaves the comparison out with a sentence saying why.
    """
    if not isinstance(include, list) or "on" not in include:
        return None, None
    try:
        picked = inputs.picks(picked, "The saved portfolios")
        if not 1 <= len(picked) <= MAX_COMPARED:
            return None, (f"Comparison left out: pick 1 to {MAX_COMPARED} saved portfolios to compare with "
                          f"(picked {len(picked)}).")
        saved = picked_weights(picked)
        wd = workspace.resolve(ws_used)
        portfolios = {"Portfolio": weights} | {f"{name} (saved)" if name == "Portfolio" else name: w
                                               for name, w in saved}
        return compare_portfolios(wd.prices, portfolios, wd.benchmark, sectors=wd.sectors,
                                  benchmark_name=wd.benchmark_name), None
    except FinanceError as err:  # store.StoreError is one
        return None, f"Comparison left out: {err.message}"


@callback(Output(COMPARE_PICK, "options"), Output(COMPARE_LIST_ALERT, "children"), Input(COMPARE_ON, "value"))
def compare_options(_include):
    """The saved portfolios, listed again whenever the box is ticked or cleared."""
    try:
        return portfolio_options(), None
    except store.StoreError as err:
        return [], error_alert(f"The saved-work database cannot be read ({err.message}); no saved portfolio "
                               "can be compared until it is back.", title="Saved portfolios not listed")


@callback(
    Output(COMPARE_GRID, "rowData"), Output(COMPARE_GRID, "columnDefs"),
    Output(graph_id(COMPARE_GROWTH, themed=False), "figure"), Output(COMPARE_NOTES, "children"),
    Output(COMPARE_SECTION, "style"), Output(COMPARE_ALERT, "children"),
    inputs=dict(query=Input(QUERY, "data"), firm=Input(FIRM, "value"), as_of=Input(AS_OF, "value"),
                include=Input(COMPARE_ON, "value"), picked=Input(COMPARE_PICK, "value")),
    state=dict(ws=State(ids.WORKSPACE, "data")),
)
def comparison(query, firm, as_of, include, picked, ws):
    """The comparison section: shown when asked for and computable, else hidden (with the reason)."""
    hidden = ([], no_update, no_update, None, {"display": "none"})
    try:
        ws_used, weights, *_ = _view(query, ws, firm, as_of)
    except FinanceError:
        return (*hidden, None)  # the presentation's own alert says what is wrong with the view
    result, problem = comparison_of(weights, ws_used, include, picked)
    if result is None:
        return (*hidden, error_alert(problem, title="Not in the presentation") if problem else None)
    return (metric_table_rows(result), metric_table_defs(result), growth_figure(result, "light"),
            notes_alert(list(result.notes), title="About this comparison"), {}, None)


def limit_lines(query: dict | None, ws: dict | None) -> list[str]:
    """The workspace's current breaches (monitor.breach_lines); a shared link carries no limits."""
    if inputs.mapping(query).get("source"):
        return ["Limits are kept in the workspace that set them and do not travel in a link."]
    return monitor.breach_lines(ws)


@callback(Output(BREACHES, "children"), Input(QUERY, "data"), Input(ids.WORKSPACE, "data"))
def breaches(query, ws):
    """A small list of the current breaches (it never raises: problems are sentences)."""
    head, *items = limit_lines(query, ws)
    return [html.P(head, id=f"{P}-breach-head"), html.Ul([html.Li(item) for item in items]) if items else None]


@callback(
    Output(ids.WORKSPACE, "data", allow_duplicate=True),
    Input(FIRM, "value"), Input(AS_OF, "value"), State(ids.WORKSPACE, "data"), State(QUERY, "data"),
    prevent_initial_call=True,
)
def remember_firm(firm, as_of, ws, query):
    """The firm name and as-of date typed here are kept in the workspace (not when viewing a shared link)."""
    if inputs.mapping(query).get("source"):
        return no_update
    return {**(inputs.mapping(ws) or workspace.DEFAULT), "firm_name": firm if isinstance(firm, str) and firm
            else workspace.DEFAULT["firm_name"], "as_of": as_of if isinstance(as_of, str) and as_of else None}


clientside_callback(
    """
    function(share) {
        if (!share) { return window.dash_clientside.no_update; }
        const q = new URLSearchParams(share).toString();
        window.history.replaceState(null, '', window.location.pathname + '?' + q);
        return window.location.origin + window.location.pathname + '?' + q;
    }
    """,
    Output(SHARE_LINK, "children"),
    Input(SHARE_QUERY, "data"),
)


def _stress_table(pres) -> pd.DataFrame:
    return pd.DataFrame({
        "Scenario": pres.stress["scenario"],
        "From": pd.to_datetime(pres.stress["start"]).dt.strftime("%Y-%m-%d"),
        "To": pd.to_datetime(pres.stress["end"]).dt.strftime("%Y-%m-%d"),
        "Portfolio": pres.stress["portfolio_return"].map(_percent),
        pres.benchmark_name: pres.stress["benchmark_return"].map(_percent),
        "Note": pres.stress["note"].fillna("") if "note" in pres.stress else "",
    })


def _percent(value: float) -> str:
    """A return for the report; an episode outside the data reads as a dash, its note says why."""
    return "-" if pd.isna(value) else f"{value:.1%}"


def _report_parts(pres, compared: PortfolioComparison | None, problem: str | None):
    """The report's figures, tables and extra notes: the presentation's, and the comparison when there is one."""
    figures = presentation_figures(pres, "light")
    tables = [("Historical stress tests", _stress_table(pres))]
    if compared is None:
        return figures, tables, [problem] if problem else []
    figures[COMPARE_GROWTH] = (COMPARE_GROWTH_TITLE, growth_figure(compared, "light"))
    tables.append((COMPARE_TITLE, metrics_frame(compared)))
    return figures, tables, list(compared.notes)


@callback(
    Output(REPORT_DOWNLOAD, "data"), Output(REPORT_STATUS, "children"),
    Input(REPORT_HTML, "n_clicks"), Input(REPORT_PDF, "n_clicks"),
    State(QUERY, "data"), State(FIRM, "value"), State(AS_OF, "value"), State(ids.WORKSPACE, "data"),
    State(COMPARE_ON, "value"), State(COMPARE_PICK, "value"),
    running=[(Output(REPORT_HTML, "disabled"), True, False), (Output(REPORT_PDF, "disabled"), True, False)],
    prevent_initial_call=True,
)
@reports_errors(2, title="Report not made")
def download_report(_html, _pdf, query, firm, as_of, ws, include=None, picked=None):
    fmt = "pdf" if dash.ctx.triggered_id == REPORT_PDF else "html"
    pres, title, subtitle, problems, _share, ws_used = _summary(query, ws, firm, as_of)
    m = pres.metrics
    kpis = [("Annual return", f"{m['cagr']:.1%}"), ("Volatility", f"{m['volatility']:.1%}"),
            ("Sharpe ratio", f"{m['sharpe']:.2f}"), ("Max drawdown", f"{m['max_drawdown']:.1%}"),
            ("1-day VaR 95%", f"{m['var_95']:.2%}")]
    figures, tables, notes = _report_parts(pres, *comparison_of(pres.weights, ws_used, include, picked))
    try:
        document = report_html(title, subtitle, kpis, figures, tables, [*problems, *notes], static=fmt == "pdf",
                               texts=[("Execution and tax", desk_lines(ws)), ("Limits", limit_lines(query, ws))])
        if fmt == "pdf":
            payload, mime = html_to_pdf(document), "application/pdf"
    except (OSError, RuntimeError) as err:  # the export browser or the PDF printer failed or timed out
        raise DataError(f"The PDF report could not be made ({err}). Try again in a moment; the HTML report "
                        "does not need the export browser.", code="export_failed") from err
    if fmt != "pdf":
        payload, mime = document.encode("utf-8"), "text/html"
    if not payload:
        raise DataError("The report came out empty; try again.", code="empty_report")
    name = f"portfolio-desk-report.{fmt}"
    return dcc.send_bytes(payload, name, type=mime), html.Span(f"Downloaded {name}.", id=f"{P}-report-done")

