"""Performance desk: factor exposures, contribution to return and limit breaches of the workspace portfolio.

Each section has its own callback and alert area, so bad input in one keeps the others (and its
own previous result) on screen.
"""

from __future__ import annotations

import dash
import pandas as pd
from dash import Input, Output, State, callback, ctx, dcc, html

import workspace
from components import ids
from components.alerts import alert_area, reports_errors
from components.controls import field, number, slider
from components.figures import graph, graph_id, line_figure
from components.layout import kpi_card, kpi_row, page_header, section
from components.performance_figures import beta_figure, contribution_figure
from components.tables import grid, records
from components.urlstate import UrlState
from finance_core import attribution, estimators, exposures, limits, risk
from finance_core.errors import DataError, FinanceError

dash.register_page(__name__, path="/performance", name="Performance", title="Performance - Portfolio Desk", order=6)

P = "perf"
SA = {k: f"{P}-alerts-{k}" for k in ("exposure", "rolling", "contribution", "limits")}
EXP_KPIS, EXP_GRID, WINDOW = f"{P}-exposure-kpis", f"{P}-exposure-grid", f"{P}-window"
CONTRIB_KPIS, ASSET_GRID, SECTOR_GRID = f"{P}-contrib-kpis", f"{P}-asset-grid", f"{P}-sector-grid"
LIMIT_STORE, LIMIT_APPLY, BREACH_GRID, BREACH_NOTE = (f"{P}-limits-store", f"{P}-limits-apply", f"{P}-breach-grid",
                                                     f"{P}-breach-note")
G = {k: f"{P}-{k}" for k in ("betas", "rolling", "contrib-asset", "contrib-sector")}
MARKET = "Market"
#: The limit form: limit kind -> label. VaR is the 95% one-day VaR (a positive loss fraction).
LIMIT_FORM = {"single_name_weight": "Max single-name weight", "sector_weight": "Max sector weight",
              "volatility": "Volatility (annual)", "var": "VaR 95% 1-day", "max_drawdown": "Max drawdown"}
LIMIT_IDS = {kind: f"{P}-limit-{kind}" for kind in LIMIT_FORM}
EXPOSURE_HEADERS = {"term": "Term", "coef": "Coefficient", "std_error": "Std error (NW)", "t_stat": "t",
                    "p_value": "p", "ci_low": "95% low", "ci_high": "95% high"}
EXPOSURE_FORMATS = {c: "ratio" for c in ("coef", "std_error", "t_stat", "ci_low", "ci_high")} | {"p_value": "ratio"}
CONTRIB_FORMATS = {"weight": "pct", "return": "pct", "contribution": "pct2"}
BREACH_HEADERS = {"what": "Limit", "limit": "Threshold", "value": "Current", "excess": "Excess"}
URL = UrlState(P, {"window": (WINDOW, "value", int, 126)}, bounds={"window": (21, 756)})
URL.register()


def _limit_form() -> html.Div:
    boxes = [field(label, number(LIMIT_IDS[kind], None, step=0.01, debounce=False), md=2)
             for kind, label in LIMIT_FORM.items()]
    return html.Div([
        dcc.Store(id=LIMIT_STORE, storage_type="session"),
        html.Div(boxes, className="row g-3 mb-2 no-print"),
        html.Button("Check limits", id=LIMIT_APPLY, n_clicks=0, className="btn btn-primary btn-sm mb-2 no-print"),
    ])


def layout(**query) -> html.Div:
    values, _problems = URL.read(query)
    return html.Div([
        URL.sink(),
        page_header("Performance", "Factor exposures, contribution to return and limit breaches of the "
                                   "workspace portfolio."),
        section(
            "Factor exposures",
            alert_area(SA["exposure"]),
            html.Div(id=EXP_KPIS),
            graph(G["betas"], title="Market beta and factor tilts (ETF minus market, 95% confidence intervals)"),
            grid(EXP_GRID, pd.DataFrame(columns=list(EXPOSURE_HEADERS)), formats=EXPOSURE_FORMATS,
                 headers=EXPOSURE_HEADERS, height=260, csv_name="factor-exposures"),
            html.H6("Rolling betas", className="mt-3"),
            alert_area(SA["rolling"]),
            field("Window (days)", slider(WINDOW, 21, 756, 21, values["window"],
                                          {21: "21", 126: "126", 252: "252", 504: "504", 756: "756"})),
            graph(G["rolling"], title="Betas over a trailing window"),
            note="Daily portfolio returns regressed on the benchmark (Market) and the bundled factor ETFs' "
                 "spreads over it (MTUM-Market, QUAL-Market, SIZE-Market, USMV-Market, VLUE-Market) over "
                 "their common dates: the market beta is the portfolio's beta, each spread beta a tilt. "
                 "Newey-West standard errors, alpha per day.",
        ),
        section(
            "Contribution to return",
            alert_area(SA["contribution"]),
            html.Div(id=CONTRIB_KPIS),
            html.Div([
                html.Div([graph(G["contrib-asset"], title="By asset"),
                          grid(ASSET_GRID, pd.DataFrame(columns=["asset", *CONTRIB_FORMATS]), formats=CONTRIB_FORMATS,
                               height=300, csv_name="contribution-by-asset")], className="col-lg-6"),
                html.Div([graph(G["contrib-sector"], title="By sector"),
                          grid(SECTOR_GRID, pd.DataFrame(columns=["sector", "weight", "contribution"]),
                               formats=CONTRIB_FORMATS, height=300, csv_name="contribution-by-sector")],
                         className="col-lg-6"),
            ], className="row"),
            note="Daily contributions w x r linked with Carino's factors over the workspace dates, so they add "
                 "up to the portfolio's compounded return.",
        ),
        section(
            "Limits",
            alert_area(SA["limits"]),
            _limit_form(),
            html.Div(id=BREACH_NOTE, className="fs-5 my-2"),
            grid(BREACH_GRID, pd.DataFrame(columns=list(BREACH_HEADERS)), headers=BREACH_HEADERS,
                 formats={"limit": "pct2", "value": "pct2", "excess": "pct2"}, height=240, csv_name="breaches"),
            note="Decimals (0.10 is 10%); a blank box sets no limit. Risk limits use the last 252 days.",
        ),
    ])


# --------------------------------------------------------------------------- context
def _context(ws):
    try:
        wd = workspace.resolve(ws)
        return wd, workspace.portfolio(ws, wd)
    except FinanceError as err:
        raise DataError(f"Not computed: {err.message}", code="workspace") from None


def _factors(wd) -> pd.DataFrame:
    """The benchmark as the market factor beside the bundled factor ETFs as long-short spreads over it."""
    return exposures.spread_factors(wd.benchmark_returns, estimators.bundled_factor_returns(), market_name=MARKET)


def _constant_weights(weights: pd.Series, dates: pd.Index) -> pd.DataFrame:
    """The (daily rebalanced) weights held on every date, as contribution takes them."""
    return pd.DataFrame([weights.to_numpy()] * len(dates), index=dates, columns=weights.index)


@callback(
    Output(EXP_KPIS, "children"), Output(graph_id(G["betas"]), "figure"), Output(EXP_GRID, "rowData"),
    Output(SA["exposure"], "children"),
    Input(ids.WORKSPACE, "data"), State(ids.THEME, "data"),
)
@reports_errors(4)
def factor_exposures(ws, theme):
    wd, port = _context(ws)
    fit = exposures.factor_exposures(risk.portfolio_returns(wd.returns, port.weights), _factors(wd))
    table = fit.table.assign(p_value=exposures.p_values(fit.table)).reset_index()
    kpis = kpi_row([
        kpi_card("R²", f"{fit.r_squared:.3f}", id_=f"{P}-kpi-r2"),
        kpi_card("Alpha (per day)", f"{fit.alpha:.4%}", id_=f"{P}-kpi-alpha"),
        kpi_card("Market beta", f"{fit.betas[MARKET]:.3f}", id_=f"{P}-kpi-beta"),
        kpi_card("Days", f"{fit.observations:,}", id_=f"{P}-kpi-days", hint=f"{fit.lags} Newey-West lags"),
    ])
    return kpis, beta_figure(fit.table, theme), records(table), None


@callback(
    Output(graph_id(G["rolling"]), "figure"), Output(SA["rolling"], "children"),
    Input(ids.WORKSPACE, "data"), Input(WINDOW, "value"), State(ids.THEME, "data"),
)
@reports_errors(2, title="Rolling betas not computed")
def rolling(ws, window, theme):
    wd, port = _context(ws)
    if window is None:
        raise DataError("Choose a rolling window in days.", code="bad_value")
    betas = exposures.rolling_betas(risk.portfolio_returns(wd.returns, port.weights), _factors(wd), int(window))
    return line_figure(betas.drop(columns=exposures.ALPHA), theme, yformat=".2f"), None


@callback(
    Output(CONTRIB_KPIS, "children"), Output(graph_id(G["contrib-asset"]), "figure"), Output(ASSET_GRID, "rowData"),
    Output(graph_id(G["contrib-sector"]), "figure"), Output(SECTOR_GRID, "rowData"),
    Output(SA["contribution"], "children"),
    Input(ids.WORKSPACE, "data"), State(ids.THEME, "data"),
)
@reports_errors(6)
def contribution(ws, theme):
    wd, port = _context(ws)
    weights = _constant_weights(port.weights, wd.returns.index)
    by_asset = attribution.contribution(weights, wd.returns)
    by_sector = attribution.contribution(weights, wd.returns, sectors=wd.sectors.to_dict())
    total = risk.performance_summary(risk.portfolio_returns(wd.returns, port.weights))["total_return"]
    kpis = kpi_row([
        kpi_card("Portfolio return", f"{total:.2%}", id_=f"{P}-kpi-total",
                 hint=f"{wd.returns.index[0].date()} to {wd.returns.index[-1].date()}"),
        kpi_card("Sum by asset", f"{by_asset['contribution'].sum():.2%}", id_=f"{P}-kpi-sum-asset"),
        kpi_card("Sum by sector", f"{by_sector['contribution'].sum():.2%}", id_=f"{P}-kpi-sum-sector"),
    ])
    return (kpis, contribution_figure(by_asset, theme), records(by_asset.rename_axis("asset").reset_index()),
            contribution_figure(by_sector, theme), records(by_sector.rename_axis("sector").reset_index()), None)


def _rows(form: dict) -> list[dict]:
    """The form's filled boxes as limit rows, each checked by limits.limit_from_dict."""
    rows = [{"kind": kind, "threshold": value} for kind, value in form.items() if value not in (None, "")]
    for row in rows:
        limits.limit_from_dict(row)
    return rows


@callback(
    Output(LIMIT_STORE, "data"), Output(BREACH_NOTE, "children"), Output(BREACH_GRID, "rowData"),
    *(Output(LIMIT_IDS[k], "value") for k in LIMIT_FORM), Output(SA["limits"], "children"),
    inputs=dict(_clicks=Input(LIMIT_APPLY, "n_clicks"), ws=Input(ids.WORKSPACE, "data")),
    state=dict(form={k: State(i, "value") for k, i in LIMIT_IDS.items()}, stored=State(LIMIT_STORE, "data")),
)
@reports_errors(4 + len(LIMIT_FORM))
def check_limits(_clicks, ws, form, stored):
    rows = _rows(form) if ctx.triggered_id == LIMIT_APPLY else (stored or [])
    wd, port = _context(ws)
    book = limits.Monitored(weights=port.weights, returns=wd.returns, sectors=wd.sectors.to_dict())
    breaches = limits.check(book, [limits.limit_from_dict(r) for r in rows])
    note = (html.Span("No limit set.", id=f"{P}-breach-count") if not rows else
            html.Span(f"{len(breaches)} of {len(rows)} limits breached." if breaches else "No limit breached.",
                      id=f"{P}-breach-count"))
    table = [{"what": b.what, "limit": b.limit, "value": b.value, "excess": b.excess} for b in breaches]
    values = {r["kind"]: r["threshold"] for r in rows}
    return (rows, note, table, *(values.get(k) for k in LIMIT_FORM), None)
