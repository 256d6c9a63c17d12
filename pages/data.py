"""Data page: choose or upload data, pick the universe, dates and benchmark, look at it."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

import workspace
from components import ids, inputs
from components.alerts import alert_area, error_alert, notes_alert, reports_errors
from components.controls import field
from components.figures import empty_figure, graph, graph_id, heatmap_figure, line_figure
from components.jobs import JobIds, job_panel
from components.layout import page_header
from components.saved_menu import LOADED
from components.tables import grid, records
from components.upload import UploadIds, decode_upload, upload_box, upload_status
from finance_core import data, universe
from finance_core.errors import FinanceError

dash.register_page(__name__, path="/", name="Data", title="Data - Portfolio Desk", order=0)

SOURCE = "data-source"
UNIVERSE = "data-universe"
DATES = "data-dates"
BENCHMARK = "data-benchmark"
BLEND_TEXT, BLEND_REBALANCE, BLEND_APPLY, BLEND_ALERT = ("data-blend-text", "data-blend-rebalance", "data-blend-apply",
                                                         "data-blend-alerts")
ALERTS = "data-alerts"
NOTES = "data-notes"
SUMMARY = "data-summary"
STATS = "data-stats-grid"
SAMPLE_DOWNLOAD = "data-sample-download"
SAMPLE_LONG = "sample-prices_long"
G_PRICES, G_CORR, G_VOL, G_BCORR = "data-prices", "data-correlation", "data-rolling-vol", "data-rolling-corr"
JOB = JobIds("data-analyse")
UPLOADS = {kind: UploadIds(kind) for kind in workspace.UPLOAD_KINDS}
# The workspace controls by the names sync_workspace reads them by.
FORM = {"source": (SOURCE, "value"), "universe": (UNIVERSE, "value"), "start": (DATES, "start_date"),
        "end": (DATES, "end_date"), "benchmark": (BENCHMARK, "value")}
_UPLOAD_HELP = {
    "prices": ("Prices", "Wide: date,AAPL,MSFT,... or long: date,ticker,price. Adjusted closes. "
               "Or one-ticker exports (AAPL.csv: Date,Open,...,Adj Close), several at once."),
    "holdings": ("Holdings", "ticker with shares and/or weight (fractions or percent)."),
    "lots": ("Tax lots", "account,ticker,acquired,shares,cost_basis (total), optional account_type."),
    "trades": ("Trades", "date,account,ticker,side (buy/sell),shares,price, optional account_type."),
    "sectors": ("Sector map", "ticker,sector. Classifies your tickers; overrides the bundled sectors it lists."),
    "benchmark": ("Benchmark", "date,value (or a date and one column of closes). Becomes the benchmark."),
}
STAT_COLUMNS = ["ticker", "name", "sector", "annual_return", "volatility", "sharpe", "max_drawdown"]
STAT_FORMATS = {"annual_return": "pct", "volatility": "pct", "sharpe": "ratio", "max_drawdown": "pct"}
_NOT_RUN = empty_figure("Press 'Analyse universe' to compute this chart.")
STAT_HEADERS = {"annual_return": "Annual return", "max_drawdown": "Max drawdown"}
_ADJUSTED = "Asset prices are adjusted closes (dividends reinvested). "


def _controls() -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            dbc.Row(
                [
                    field("Data source", dcc.Dropdown(id=SOURCE, options=[], value=None, clearable=False), md=3),
                    field("Universe", dcc.Dropdown(id=UNIVERSE, options=[], value=[], multi=True,
                                                   placeholder="Pick tickers"), md=3),
                    field("Dates", dcc.DatePickerRange(id=DATES, display_format="YYYY-MM-DD",
                                                       updatemode="bothdates"), md=3),
                    field("Benchmark", dcc.Dropdown(id=BENCHMARK, options=[], clearable=False), md=3),
                    *_blend_form(),
                ],
                className="g-3",
            )
        ),
        className="mb-3 no-print",
    )


def _blend_form() -> list:
    """Type a blended benchmark: weights in percent of benchmarks or tickers, rebalanced monthly or daily."""
    hint = ("Weights in percent adding up to 100. Parts: SP500TR (S&P 500 total return), SP500 (price index), "
            "UPLOAD (your uploaded benchmark) or any ticker of the data.")
    return [
        field("Blended benchmark", dbc.Input(id=BLEND_TEXT, placeholder="60 SP500TR, 40 KO", type="text"),
              md=6, hint=hint),
        field("Rebalanced", dcc.Dropdown(id=BLEND_REBALANCE, value="M", clearable=False,
                                         options=[{"label": "monthly", "value": "M"},
                                                  {"label": "daily", "value": "D"}]), md=2),
        dbc.Col(dbc.Button("Use blend", id=BLEND_APPLY, n_clicks=0, color="secondary", className="mt-4"), md=2),
        dbc.Col(alert_area(BLEND_ALERT), md=12),
    ]


def _uploads() -> dbc.Row:
    boxes = [
        dbc.Col(upload_box(UPLOADS[k], *_UPLOAD_HELP[k], multiple=k == "prices"), md=4, xl=True, className="mb-2")
        for k in workspace.UPLOAD_KINDS
    ]
    return dbc.Row(boxes, className="g-2 mb-1 no-print")


def layout(**_query) -> html.Div:
    return html.Div(
        [
            page_header("Data", "The workspace every desk uses: bundled market data or your own files."),
            _controls(),
            _uploads(),
            html.Div(dbc.Button("Long-format prices sample", id=SAMPLE_LONG, color="link", size="sm",
                                n_clicks=0, className="p-0"), className="mb-3 no-print"),
            dcc.Download(id=SAMPLE_DOWNLOAD),
            alert_area(ALERTS),
            alert_area(NOTES),
            html.Div(id=SUMMARY, className="mb-2 pd-summary"),
            dbc.Row(
                [
                    dbc.Col(graph(G_PRICES, title="Growth of 100"), lg=7),
                    dbc.Col(html.Div([html.H6("Per-asset statistics"),
                                      grid(STATS, pd.DataFrame(columns=STAT_COLUMNS), formats=STAT_FORMATS, headers=STAT_HEADERS, pinned="ticker",
                                           height=380, csv_name="asset-statistics")]), lg=5),
                ]
            ),
            html.H4("Analyse universe", className="mt-3"),
            html.P("Clustered correlation and rolling risk for the chosen universe, run as a background job.",
                   className="text-body-secondary"),
            job_panel(JOB, "Analyse universe"),
            dbc.Row(
                [
                    dbc.Col(graph(G_CORR, _NOT_RUN, title="Correlation (hierarchically clustered)", height=520),
                            lg=6),
                    dbc.Col([graph(G_VOL, _NOT_RUN, title="Rolling volatility (63 days, annualised)", height=250),
                             graph(G_BCORR, _NOT_RUN, title="Rolling correlation with the benchmark (126 days)",
                                   height=250)], lg=6),
                ]
            ),
        ]
    )


def _apply(trigger, ws: dict, form: dict, contents: dict, filenames: dict):
    """The workspace after the control (``form``, by the names of FORM) or upload (``contents`` and
    ``filenames`` by upload kind) that fired, and upload statuses/notes."""
    statuses = {k: no_update for k in workspace.UPLOAD_KINDS}
    notes: list[str] = []
    kind = next((k for k, u in UPLOADS.items() if u.upload == trigger), None)
    if kind is not None:
        ws, notes = _load(ws, kind, contents[kind], filenames[kind])
        rows = ws["uploads"][kind]["rows"]
        unit = "tickers" if kind == "sectors" else "rows"
        statuses[kind] = html.Span(f"Loaded {_names(filenames[kind])} ({rows} {unit})", className="text-success")
    elif trigger == SOURCE:
        ws = workspace.select(ws, source=inputs.choice(form["source"], "The data source"))
    elif trigger == UNIVERSE:
        ws = workspace.select(ws, universe=inputs.picks(form["universe"], "The universe"))
    elif trigger == DATES:
        ws = workspace.select(ws, start=inputs.choice(form["start"], "The start date"),
                              end=inputs.choice(form["end"], "The end date"))
    elif trigger == BENCHMARK:
        ws = workspace.select(ws, benchmark=inputs.choice(form["benchmark"], "The benchmark"))
    return ws, statuses, notes


def _names(filenames) -> str:
    return ", ".join(filenames) if isinstance(filenames, list) else str(filenames)


def _load(ws: dict, kind: str, contents, filenames) -> tuple[dict, list[str]]:
    """Read one upload, or several at once (prices), in turn; a refused file leaves the workspace unchanged."""
    if not isinstance(contents, list):
        contents, filenames = [contents], [filenames]
    notes: list[str] = []
    for content, filename in zip(contents, filenames, strict=True):
        ws, more = workspace.with_upload(ws, kind, decode_upload(content, filename), filename)
        notes += more
    return ws, notes


@callback(
    Output(ids.WORKSPACE, "data"),
    Output(SOURCE, "options"), Output(SOURCE, "value"),
    Output(UNIVERSE, "options"), Output(UNIVERSE, "value"),
    Output(DATES, "min_date_allowed"), Output(DATES, "max_date_allowed"),
    Output(DATES, "start_date"), Output(DATES, "end_date"),
    Output(BENCHMARK, "options"), Output(BENCHMARK, "value"),
    [Output(u.status, "children") for u in UPLOADS.values()],
    [Output(u.upload, "contents") for u in UPLOADS.values()],
    Output(ALERTS, "children"),
    inputs=dict(form={name: Input(*control) for name, control in FORM.items()},
                contents={kind: Input(u.upload, "contents") for kind, u in UPLOADS.items()}),
    state=dict(filenames={kind: State(u.upload, "filename") for kind, u in UPLOADS.items()},
               ws=State(ids.WORKSPACE, "data")),
)
def sync_workspace(form, contents, filenames, ws):
    """Controls and uploads write the workspace; the controls always show the workspace."""
    kinds = workspace.UPLOAD_KINDS
    n = len(kinds)
    alert: object = None
    statuses = {k: no_update for k in kinds}
    try:
        ws, statuses, notes = _apply(ctx.triggered_id, ws, form, contents, filenames)
        alert = notes_alert(notes, title="Loaded, with notes")
        c = workspace.controls(ws)
    except FinanceError as err:
        kind = next((k for k, u in UPLOADS.items() if u.upload == ctx.triggered_id), None)
        if kind:
            statuses[kind] = html.Span(f"Not loaded: {_names(filenames[kind])}", className="text-danger")
        alert = error_alert(err)
        try:
            c = workspace.controls(ws)
        except FinanceError:  # the stored upload vanished: fall back to the bundled data
            ws = dict(workspace.DEFAULT)
            c = workspace.controls(ws)
    # Boxes this call did not report on show the workspace's file (it may come from the Tax page's boxes).
    statuses = {k: upload_status(inputs.mapping(ws).get("uploads"), k) if s is no_update else s for k, s in statuses.items()}
    return (ws, *_pickers(c), *[statuses[k] for k in kinds], *[None] * n, alert)


def _pickers(c: workspace.Controls) -> tuple:
    """The pickers' options and values, in the order of the callbacks' outputs."""
    return (c.source_options, c.source, [{"label": t, "value": t} for t in c.tickers], c.universe,
            c.min_date, c.max_date, c.start, c.end, c.benchmark_options, c.benchmark)


# The pickers are drawn empty by layout() and filled by sync_workspace, whose inputs are this page's controls
# (a global store among them would make Dash refuse the callback on every other page). A workspace the Saved
# menu loads or imports while this page is open reaches the pickers through the menu's LOADED store instead.
@callback(
    Output(SOURCE, "options", allow_duplicate=True), Output(SOURCE, "value", allow_duplicate=True),
    Output(UNIVERSE, "options", allow_duplicate=True), Output(UNIVERSE, "value", allow_duplicate=True),
    Output(DATES, "min_date_allowed", allow_duplicate=True), Output(DATES, "max_date_allowed", allow_duplicate=True),
    Output(DATES, "start_date", allow_duplicate=True), Output(DATES, "end_date", allow_duplicate=True),
    Output(BENCHMARK, "options", allow_duplicate=True), Output(BENCHMARK, "value", allow_duplicate=True),
    Output(ALERTS, "children", allow_duplicate=True),
    Input(LOADED, "data"), State(ids.WORKSPACE, "data"),
    prevent_initial_call=True,
)
@reports_errors(11, title="Loaded workspace not shown")
def show_loaded(_loaded, ws):
    """The pickers show a workspace the Saved menu put in place (sync_workspace then finds it unchanged)."""
    return (*_pickers(workspace.controls(ws)), None)


@callback(
    Output(BENCHMARK, "options", allow_duplicate=True), Output(BENCHMARK, "value", allow_duplicate=True),
    Output(BLEND_ALERT, "children"),
    Input(BLEND_APPLY, "n_clicks"), State(BLEND_TEXT, "value"), State(BLEND_REBALANCE, "value"),
    State(ids.WORKSPACE, "data"),
    prevent_initial_call=True,
)
def use_blend(_clicks, text, rebalance, ws):
    """The typed blend becomes the benchmark picker's value; picking it writes the workspace."""
    try:
        c = workspace.controls(workspace.with_blend(ws, inputs.text(text, "The blend"),
                                                    inputs.choice(rebalance, "The blend's rebalancing", "M")))
    except FinanceError as err:
        return no_update, no_update, error_alert(err, title="Blend not used")
    return c.benchmark_options, c.benchmark, None


@callback(
    Output(graph_id(G_PRICES), "figure"),
    Output(STATS, "rowData"),
    Output(SUMMARY, "children"),
    Output(NOTES, "children"),
    Input(ids.WORKSPACE, "data"),
    State(ids.THEME, "data"),
)
@reports_errors(4)
def render(ws, theme):
    wd = workspace.resolve(ws)
    # Without the bundled index (uploads outside its dates) the benchmark is one of the assets: draw it once.
    shown = wd.prices if wd.benchmark_name in wd.prices.columns else wd.prices.join(
        wd.benchmark.rename(wd.benchmark_name))
    growth = universe.normalised_prices(shown)
    fig = line_figure(growth, theme, ytitle="Value of 100 invested", log_y=True, highlight=wd.benchmark_name)
    stats = universe.asset_statistics(wd.prices, sectors=wd.sectors, names=wd.names)
    summary = html.Div(
        [
            dbc.Badge(wd.source_label, color="primary", className="me-2"),
            html.Span(f"{wd.prices.shape[1]} assets, {len(wd.prices)} dates "
                      f"({wd.prices.index[0].date()} to {wd.prices.index[-1].date()}), "
                      f"benchmark {wd.benchmark_name}. {'' if wd.source == workspace.UPLOAD else _ADJUSTED}"),
            html.Span(", ".join(f"{k}: {v['name']}" for k, v in wd.uploads.items()) and
                      "Uploads: " + ", ".join(f"{k} ({v['name']})" for k, v in wd.uploads.items())),
        ],
        id="data-summary-text",
    )
    return fig, records(stats), summary, notes_alert(list(wd.notes))


@callback(
    Output(graph_id(G_CORR), "figure"),
    Output(graph_id(G_VOL), "figure"),
    Output(graph_id(G_BCORR), "figure"),
    Output(JOB.status, "children"),
    Input(JOB.run, "n_clicks"),
    State(ids.WORKSPACE, "data"),
    State(ids.THEME, "data"),
    **JOB.background(),
)
def analyse(set_progress, _clicks, ws, theme):
    report = JOB.reporter(set_progress)
    try:
        wd = workspace.resolve(ws)
        result = universe.analyse_universe(wd.returns, wd.benchmark_returns, progress=report)
    except FinanceError as err:
        return no_update, no_update, no_update, error_alert(err, title="Analysis not run")
    corr = heatmap_figure(result.correlation.matrix, theme)
    vol = line_figure(result.rolling_volatility, theme, yformat=".0%")
    bcorr = line_figure(result.rolling_correlation, theme, yformat=".2f")
    done = f"Analysed {wd.prices.shape[1]} assets over {len(wd.returns)} days."
    return corr, vol, bcorr, html.Span(done, id="data-analyse-done", className="text-success")


@callback(
    Output(SAMPLE_DOWNLOAD, "data"),
    [Input(u.sample, "n_clicks") for u in UPLOADS.values()],
    Input(SAMPLE_LONG, "n_clicks"),
    prevent_initial_call=True,
)
def download_sample(*_clicks):
    kind = "prices_long" if ctx.triggered_id == SAMPLE_LONG else ctx.triggered_id.removeprefix("sample-")
    return dcc.send_string(data.sample_csv(kind), f"sample-{kind}.csv")
