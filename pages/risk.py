"""Risk desk: VaR/CVaR, performance, decomposition, stress, VaR backtests, regimes, Monte Carlo.

Each section has its own callback, so a slider recomputes only what depends on it.
"""

from __future__ import annotations

import time

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

import saved_scenarios
import workspace
from components import ids
from components.alerts import alert_area, error_alert, reports_errors
from components.controls import choice, field, number, slider
from components.figures import (
    area_figure,
    bar_figure,
    distribution_figure,
    empty_figure,
    fan_figure,
    graph,
    graph_id,
    heatmap_figure,
    line_figure,
    regime_figure,
)
from components.inputs import choice_input, list_input, number_input, rows_input, whole_input
from components.jobs import HIDDEN, SHOWN, JobIds, job_panel
from components.layout import kpi_card, kpi_row, money, page_header, section
from components.scenario_picker import ScenarioPicker
from components.tables import grid, metric_rows, records
from components.urlstate import UrlState
from finance_core import estimators, risk, universe
from finance_core.errors import DataError, FinanceError
from pages import risk_forecasts

dash.register_page(__name__, path="/risk", name="Risk", title="Risk - Portfolio Desk", order=3)

P = "risk"
LEVEL, HORIZON, METHOD, VALUE = f"{P}-level", f"{P}-horizon", f"{P}-method", f"{P}-value"
ALERTS, PORTFOLIO = f"{P}-alerts", f"{P}-portfolio"
# Each section reports its own errors, so a success in one never clears another's message.
SA = {k: f"{P}-alerts-{k}" for k in ("var", "decomposition", "factor", "stress", "backtest")}
FR_MODEL, FR_SUMMARY, FR_GRID = f"{P}-factor-model", f"{P}-factor-summary", f"{P}-factor-grid"
KPIS, VAR_KPIS, CF_NOTE = f"{P}-kpis", f"{P}-var-kpis", f"{P}-cf-note"
VAR_GRID, PERF_GRID, DD_GRID, STRESS_GRID, REGIME_GRID = (
    f"{P}-var-grid", f"{P}-perf-grid", f"{P}-dd-grid", f"{P}-stress-grid", f"{P}-regime-grid")
SHOCK_MARKET, SHOCK_SECTORS, SHOCK_SUMMARY, SHOCK_TYPE = (
    f"{P}-shock-market", f"{P}-shock-sectors", f"{P}-shock-summary", f"{P}-shock-sector")
SCEN_GRID, SCEN_ADD, SCEN_DEL, SCEN_RESET = (f"{P}-scenarios", f"{P}-scenario-add", f"{P}-scenario-remove",
                                             f"{P}-scenario-reset")
SCENARIO_ROWS = [{"name": s.name, "start": s.start, "end": s.end, "description": s.description}
                 for s in risk.SCENARIOS]
BT_LEVEL, BT_WINDOW, BT_METHOD, BT_CARDS = f"{P}-bt-level", f"{P}-bt-window", f"{P}-bt-method", f"{P}-bt-cards"
REGIME_RUN, REGIME_STATUS = f"{P}-regime-run", f"{P}-regime-status"
REGIME_HEADERS = {"regime": "Regime", "days": "Days", "share": "Share", "annual_return": "Annual return",
                  "volatility": "Volatility", "sharpe": "Sharpe", "max_drawdown": "Max drawdown",
                  "feature_return": "Trailing return", "feature_volatility": "Trailing vol"}
REGIME_FORMATS = {"days": "int", "share": "pct", "annual_return": "pct", "volatility": "pct", "sharpe": "ratio",
                  "max_drawdown": "pct", "feature_return": "pct", "feature_volatility": "pct"}
REGIME_NOTE = ("A two-state Gaussian mixture fitted on each day's trailing 21-day annualised return and volatility "
               "of the portfolio: first on the first two years (504 days), then refitted every year (252 days) on "
               "all history up to then, so each day is assigned by a model that saw only earlier days. A regime is "
               "named from the table: bull if the portfolio's annual return on its days is positive, else bear; "
               "volatile if their volatility is the higher one, else quiet. Annual return, volatility, Sharpe and "
               "max drawdown are the portfolio's own returns on the regime's days; the two trailing columns are the "
               "averages of the model's inputs (trailing 21-day return and volatility) on those days.")
MC_YEARS, MC_CONTRIB, MC_GOAL, MC_PATHS, MC_METHOD, MC_SUMMARY = (
    f"{P}-mc-years", f"{P}-mc-contribution", f"{P}-mc-goal", f"{P}-mc-paths", f"{P}-mc-method", f"{P}-mc-summary")
MC_RETURN, MC_VOL, MC_ESTIMATE = f"{P}-mc-return", f"{P}-mc-volatility", f"{P}-mc-estimate"
MC_JOB = JobIds(f"{P}-mc")
# FHS fits many rolling volatility models: the VaR and backtest sections hand it to a background job.
FHS_VAR_JOB, FHS_BT_JOB = JobIds(f"{P}-fhs-var"), JobIds(f"{P}-fhs-bt")
G = {k: f"{P}-{k}" for k in ("distribution", "underwater", "rolling", "contrib", "sector", "tail", "corr",
                             "tail_sector", "stress", "shock", "backtest", "regimes", "fan", "factor")}
METHOD_LABELS = {"historical": "Historical", "gaussian": "Gaussian", "cornish_fisher": "Cornish-Fisher",
                 "monte_carlo": "Monte Carlo (normal)", "monte_carlo_bootstrap": "Monte Carlo (bootstrap)",
                 "fhs": "Filtered historical (forecast)"}
BT_METHODS = ("historical", "gaussian", "cornish_fisher", "fhs")
FHS_HEADERS = {"method": "Method", "exceptions": "Exceptions", "observations": "Days", "expected": "Expected",
               "kupiec_p": "Kupiec p", "christoffersen_p": "Christoffersen p", "zone_last_250": "Zone (last 250)"}
PCT_FORMAT = {"var": "pct2", "cvar": "pct2", "var_amount": "money", "cvar_amount": "money"}
_NOT_RUN = empty_figure("Press the button above to compute this chart.")
URL = UrlState(P, {
    "level": (LEVEL, "value", float, 0.95),
    "horizon": (HORIZON, "value", int, 1),
    "method": (METHOD, "value", str, "historical"),
    "factor_model": (FR_MODEL, "value", str, "factor_pca"),
    "value": (VALUE, "value", float, 1_000_000),
    "mc_return": (MC_RETURN, "value", float, None),
    "mc_volatility": (MC_VOL, "value", float, None),
    "shock": (SHOCK_MARKET, "value", float, 0.0),
    "bt_level": (BT_LEVEL, "value", float, 0.99),
    "bt_window": (BT_WINDOW, "value", int, 250),
    "bt_method": (BT_METHOD, "value", str, "historical"),
    "mc_years": (MC_YEARS, "value", float, 20),
    "mc_contribution": (MC_CONTRIB, "value", float, 0),
    "mc_goal": (MC_GOAL, "value", float, 2_000_000),
    "mc_paths": (MC_PATHS, "value", float, 10_000),
    "mc_method": (MC_METHOD, "value", str, "normal"),
    "fc_horizon": (risk_forecasts.HORIZON, "value", int, 1),
    "fc_model": (risk_forecasts.MODEL, "value", str, risk_forecasts.DEFAULT_MODEL),
}, bounds={"level": (0.9, 0.995), "horizon": (1, 20), "value": (1, 1e13), "mc_return": (-99, 100),
           "mc_volatility": (0, 200), "shock": (-0.4, 0.2), "mc_years": (1, 60), "mc_paths": (100, risk.MAX_PATHS)})
URL.register()
#: The stress set a named scenario keeps: the scenario grid, the market move and each sector's move.
STRESS = ScenarioPicker(P, "stress", {"scenarios": (SCEN_GRID, "rowData"), "shock": (SHOCK_MARKET, "value"),
                                      "sector_shocks": ({"type": SHOCK_TYPE, "sector": ALL}, "value")})
STRESS_CALLBACKS = saved_scenarios.register(STRESS)


def _controls(v: dict) -> dbc.Card:
    level_marks = {0.9: "90%", 0.95: "95%", 0.975: "97.5%", 0.99: "99%"}
    return dbc.Card(dbc.CardBody(dbc.Row([
        field("Confidence", slider(LEVEL, 0.9, 0.995, 0.005, v["level"], level_marks), md=4),
        field("Horizon (days)", slider(HORIZON, 1, 20, 1, v["horizon"], {1: "1", 5: "5", 10: "10", 20: "20"}), md=3),
        field("Method", choice(METHOD, METHOD_LABELS, v["method"]), md=3),
        field("Portfolio value", number(VALUE, v["value"], step=1000), md=2),
    ], className="g-3")), className="mb-3 no-print")


def layout(**query) -> html.Div:
    values, problems = URL.read(query)
    return html.Div([
        URL.sink(),
        page_header("Risk", "VaR and CVaR, performance, risk decomposition, stress tests, VaR backtests, "
                            "volatility forecasts, regimes and Monte Carlo projection."),
        html.Div(id=PORTFOLIO, className="mb-2"),
        _controls(values),
        alert_area(ALERTS),
        html.Div([error_alert(p, title="Link adjusted") for p in problems], id=f"{P}-url-problems"),
        html.Div(id=KPIS),
        section(
            "Value at risk",
            alert_area(SA["var"]),
            _fhs_panel(FHS_VAR_JOB, "Recompute FHS VaR"),
            html.Div(id=VAR_KPIS),
            dbc.Row([
                dbc.Col(graph(G["distribution"], title="Return distribution over the horizon"), lg=7),
                dbc.Col([html.H6("VaR and CVaR by method"),
                         grid(VAR_GRID, pd.DataFrame(columns=["method", "var", "cvar", "var_amount", "cvar_amount"]),
                              formats=PCT_FORMAT, headers={"var": "VaR", "cvar": "CVaR", "var_amount": "VaR ($)",
                                                           "cvar_amount": "CVaR ($)"}, height=260,
                              csv_name="var-by-method"),
                         html.Small(id=CF_NOTE, className="d-block mt-2 text-body-secondary")], lg=5),
            ]),
            dbc.Row([
                dbc.Col(graph(G["tail"], title="Contributions to one-day VaR and CVaR by asset (Gaussian Euler)"),
                        lg=8),
                dbc.Col(graph(G["tail_sector"], title="... by sector"), lg=4),
            ]),
        ),
        section(
            "Performance",
            dbc.Row([
                dbc.Col([html.H6("Summary against the benchmark"),
                         grid(PERF_GRID, pd.DataFrame(columns=["metric", "portfolio", "benchmark"]), height=420,
                              csv_name="performance-summary")], lg=4),
                dbc.Col([graph(G["underwater"], title="Underwater (drawdown from the running peak)", height=200),
                         html.H6("Deepest drawdowns"),
                         grid(DD_GRID, pd.DataFrame(columns=["peak", "trough", "recovery", "drawdown", "length"]),
                              formats={"drawdown": "pct", "length": "int"}, height=200, csv_name="drawdowns")], lg=8),
            ]),
            graph(G["rolling"], title="Rolling 126-day volatility, Sharpe and beta"),
        ),
        section(
            "Risk decomposition",
            alert_area(SA["decomposition"]),
            dbc.Row([
                dbc.Col(graph(G["contrib"], title="Contribution to volatility by asset"), lg=6),
                dbc.Col(graph(G["sector"], title="Contribution to volatility by sector"), lg=6),
            ]),
            graph(G["corr"], title="Correlation (hierarchically clustered)", height=520),
        ),
        section(
            "Factor risk",
            alert_area(SA["factor"]),
            dbc.Row([field("Factor model", choice(FR_MODEL, risk.FACTOR_RISK_MODELS, values["factor_model"]), md=4)]),
            html.Div(id=FR_SUMMARY, className="fs-5 my-2"),
            dbc.Row([
                dbc.Col(graph(G["factor"], title="Share of variance by factor and specific risk"), lg=7),
                dbc.Col(grid(FR_GRID, pd.DataFrame(columns=list(risk.FACTOR_RISK_COLUMNS)),
                             formats={"exposure": "ratio", "variance": "pct2", "share": "pct"}, height=300,
                             csv_name="factor-risk"), lg=5),
            ]),
            note="Variance of the current portfolio split as x'Fx (factors, Euler contributions) plus w'Dw "
                 "(specific), annualised.",
        ),
        section(
            "Stress tests",
            alert_area(SA["stress"]),
            STRESS.layout(),
            html.H6("Scenarios (edit a cell, add or remove rows)"),
            grid(SCEN_GRID, pd.DataFrame(SCENARIO_ROWS), height=250, csv_name="scenarios", editable=True,
                 rowSelection={"mode": "multiRow"}),
            html.Div([
                dbc.Button("Add scenario", id=SCEN_ADD, size="sm", color="secondary", outline=True, n_clicks=0,
                           className="me-2"),
                dbc.Button("Remove selected", id=SCEN_DEL, size="sm", color="secondary", outline=True, n_clicks=0,
                           className="me-2"),
                dbc.Button("Reset to defaults", id=SCEN_RESET, size="sm", color="link", n_clicks=0),
            ], className="my-2 no-print"),
            dbc.Row([
                dbc.Col(graph(G["stress"], title="Historical scenarios replayed on current weights"), lg=6),
                dbc.Col(grid(STRESS_GRID, pd.DataFrame(columns=["scenario", "start", "end", "portfolio_return",
                                                                 "benchmark_return", "portfolio_loss"]),
                             formats={"portfolio_return": "pct", "benchmark_return": "pct", "portfolio_loss": "money"},
                             height=330, csv_name="stress-tests"), lg=6),
            ]),
            html.H5("Hypothetical shock", className="mt-3"),
            html.P("Set a market move and sector moves; the other assets move by their conditional expectation "
                   "under the covariance.", className="text-body-secondary"),
            dbc.Row([
                field("S&P 500 move", slider(SHOCK_MARKET, -0.4, 0.2, 0.01, values["shock"],
                                             {-0.4: "-40%", -0.2: "-20%", 0: "0", 0.2: "+20%"}), md=4),
                dbc.Col(html.Div(id=SHOCK_SECTORS), md=8),
            ]),
            html.Div(id=SHOCK_SUMMARY, className="fs-5 my-2"),
            graph(G["shock"], title="P&L by asset under the shock"),
            note="Windows from the bundled 1990-2022 history; assets without prices in a window are noted.",
        ),
        section(
            "VaR backtest",
            alert_area(SA["backtest"]),
            dbc.Row([
                field("Confidence", choice(BT_LEVEL, {x: f"{x:.1%}" for x in (0.95, 0.975, 0.99)},
                                           values["bt_level"]), md=3),
                field("Estimation window (days)", choice(BT_WINDOW, [125, 250, 500], values["bt_window"]), md=3),
                field("Method", choice(BT_METHOD, {m: METHOD_LABELS[m] for m in BT_METHODS}, values["bt_method"]),
                      md=3),
            ], className="g-3 mb-2 no-print"),
            _fhs_panel(FHS_BT_JOB, "Rerun FHS backtest"),
            html.Div(id=BT_CARDS),
            graph(G["backtest"], title="Daily return against the one-day VaR forecast (exceptions marked)"),
        ),
        risk_forecasts.forecasts_section(values),
        section(
            "Regimes",
            dbc.Button("Detect regimes", id=REGIME_RUN, n_clicks=0, className="mb-2 no-print"),
            html.Div(id=REGIME_STATUS, className="small text-body-secondary"),
            graph(G["regimes"], _NOT_RUN, title="Portfolio growth shaded by regime"),
            grid(REGIME_GRID, pd.DataFrame(columns=list(REGIME_HEADERS)), formats=REGIME_FORMATS,
                 headers=REGIME_HEADERS, height=220, csv_name="regimes"),
            note=REGIME_NOTE,
        ),
        section(
            "Monte Carlo projection",
            dbc.Row([
                field("Years", number(MC_YEARS, values["mc_years"], min=1, max=60, debounce=False), md=2),
                field("Yearly contribution (negative: withdrawal)",
                      number(MC_CONTRIB, values["mc_contribution"], step=1000, debounce=False), md=3),
                field("Goal", number(MC_GOAL, values["mc_goal"], min=0, debounce=False), md=2),
                field("Paths", number(MC_PATHS, values["mc_paths"], min=100, max=risk.MAX_PATHS, step=100,
                                      debounce=False), md=2),
                field("Returns", choice(MC_METHOD, {"normal": "Normal", "bootstrap": "Bootstrap history"},
                                        values["mc_method"]),
                      md=3),
            ], className="g-3 mb-2 no-print"),
            dbc.Row([
                field("Expected return (% a year)", number(MC_RETURN, values["mc_return"], step=0.1), md=3),
                field("Volatility (% a year)", number(MC_VOL, values["mc_volatility"], step=0.1), md=3),
                dbc.Col(html.Small(id=MC_ESTIMATE, className="text-body-secondary"), md=6, className="align-self-end"),
            ], className="g-3 mb-2 no-print"),
            job_panel(MC_JOB, "Run projection"),
            html.Div(id=MC_SUMMARY, className="fs-5 my-2"),
            graph(G["fan"], _NOT_RUN, title="Projected wealth (percentile bands)"),
        ),
    ])


# --------------------------------------------------------------------------- context
def _fhs_panel(job: JobIds, label: str) -> html.Div:
    """The job panel of an FHS computation (shown while the FHS method is picked) and its request store."""
    return html.Div([dcc.Store(id=f"{job.prefix}-request"), job_panel(job, label)], id=f"{job.prefix}-panel",
                    style=HIDDEN)


def _fhs_request(method: str, **settings) -> tuple[dict, dict | object]:
    """An FHS job panel's style and the request that starts the job (stamped, so the same settings run again).

    Nothing starts unless the FHS method is picked; the section callback reports any bad input.
    """
    if method != "fhs":
        return HIDDEN, no_update
    return SHOWN, {**settings, "asked_at": time.time()}


def _fhs_outputs(job: JobIds) -> list[Output]:
    """The outputs a section callback starts ``job`` with: its panel's style and its request."""
    return [Output(f"{job.prefix}-panel", "style"), Output(f"{job.prefix}-request", "data")]


def _fhs_failed(err: Exception, n_outputs: int, alert_index: int, title: str) -> tuple:
    """What an FHS job returns when it stops on an input: the previous result stays, the alert says why."""
    values = [no_update] * n_outputs
    values[alert_index] = error_alert(err, title=title)
    values[-1] = "Not run: see the message above."
    return tuple(values)


def _fhs_label(model) -> str:
    return risk_forecasts.MODEL_LABELS.get(model or risk_forecasts.DEFAULT_MODEL, str(model))


def _context(ws):
    wd = workspace.resolve(ws)
    port = workspace.portfolio(ws, wd)
    return wd, port


def _section_context(ws):
    """The context for a section: a workspace problem is explained once, at the top of the page."""
    try:
        return _context(ws)
    except FinanceError:
        raise DataError("Not computed: the workspace could not be loaded (the message at the top of the page "
                        "says why and what to do).", code="workspace") from None


def _var_table(returns, level, horizon, weights, value, fhs=None) -> pd.DataFrame:
    """VaR/CVaR by every method, with Monte Carlo both from a normal and a bootstrap (and FHS when given)."""
    table = risk.var_table(returns, level, horizon, weights=weights, portfolio_value=value)
    boot = risk.var_table(returns, level, horizon, weights=weights, portfolio_value=value,
                          methods=["monte_carlo"], simulation="bootstrap")
    extra = [] if fhs is None else [fhs.table_row(value)]
    return pd.concat([table, boot.rename(index={"monte_carlo": "monte_carlo_bootstrap"}), *extra])


def _fhs_note(fhs, model: str) -> str:
    """What the FHS row reads: the picked model's forecast and the residuals it scales."""
    scaled = "" if fhs.horizon == 1 else f", times sqrt({fhs.horizon}) for the horizon"
    return (f" Filtered historical: {fhs.residuals:,} returns standardised by {risk_forecasts.MODEL_LABELS[model]}'s "
            f"past-only one-day volatility forecasts (the model picked in the Forecasts section), their empirical "
            f"VaR and CVaR scaled by tomorrow's forecast volatility {fhs.sigma:.2%}{scaled}.")


def _money(value) -> float:
    """The portfolio value typed by the user, refused unless a positive amount."""
    try:
        return number_input(value, "The portfolio value", lo=0, above=True)
    except DataError:
        raise DataError("The portfolio value must be a positive amount (for example 1000000).",
                        code="bad_value") from None


def _pct(x: float) -> str:
    return "n/a" if pd.isna(x) else f"{x:.2%}"


@callback(
    Output(PORTFOLIO, "children"), Output(KPIS, "children"),
    Output(PERF_GRID, "rowData"), Output(DD_GRID, "rowData"),
    Output(graph_id(G["underwater"]), "figure"), Output(graph_id(G["rolling"]), "figure"),
    Output(ALERTS, "children"),
    Input(ids.WORKSPACE, "data"), State(ids.THEME, "data"),
)
@reports_errors(7)
def performance(ws, theme):
    wd, port = _context(ws)
    rets = risk.portfolio_returns(wd.returns, port.weights)
    bench = wd.benchmark_returns
    summary = risk.performance_summary(rets, bench)
    bench_summary = risk.performance_summary(bench)
    table = metric_rows({"portfolio": summary, "benchmark": bench_summary.reindex(summary.index)})
    dd = risk.drawdowns(rets)
    rolling = risk.rolling_statistics(rets, bench)
    badge = html.Div([dbc.Badge(port.label, color="info", className="me-2"),
                      html.Span(f"against {wd.benchmark_name}, {wd.prices.index[0].date()} to "
                                f"{wd.prices.index[-1].date()}")], id=f"{P}-portfolio-label")
    kpis = kpi_row([
        kpi_card("Annual return (CAGR)", _pct(summary["cagr"]), id_=f"{P}-kpi-cagr"),
        kpi_card("Volatility", _pct(summary["volatility"]), id_=f"{P}-kpi-vol"),
        kpi_card("Sharpe", f"{summary['sharpe']:.2f}", id_=f"{P}-kpi-sharpe"),
        kpi_card("Max drawdown", _pct(summary["max_drawdown"]), id_=f"{P}-kpi-mdd"),
    ])
    return (badge, kpis, table, records(dd.table), area_figure(dd.underwater, theme),
            line_figure(rolling, theme, yformat=".2f"), None)


VAR_OUTPUTS = [Output(VAR_KPIS, "children"), Output(graph_id(G["distribution"]), "figure"),
               Output(VAR_GRID, "rowData"), Output(graph_id(G["tail"]), "figure"),
               Output(graph_id(G["tail_sector"]), "figure"), Output(CF_NOTE, "children"), Output(SA["var"], "children")]


@callback(
    *VAR_OUTPUTS,
    Input(ids.WORKSPACE, "data"), Input(LEVEL, "value"), Input(HORIZON, "value"), Input(METHOD, "value"),
    Input(VALUE, "value"), State(ids.THEME, "data"),
)
@reports_errors(7)
def value_at_risk(ws, level, horizon, method, value, theme):
    """The VaR section; for the FHS method it only checks the inputs (:func:`fhs_var_job` fits the models)."""
    wd, port = _section_context(ws)
    value = _money(value)
    if method not in METHOD_LABELS:
        raise DataError(f"Unknown VaR method {method!r}: choose one of {', '.join(METHOD_LABELS)}.",
                        code="bad_method")
    if method == "fhs":
        return (*[no_update] * 6, None)
    level = number_input(level, "The confidence level")
    horizon = whole_input(horizon, "The horizon (days)", lo=1, hi=20, default=1)
    return (*_var_section(wd, port, level, horizon, method, value, theme), None)


@callback(
    *_fhs_outputs(FHS_VAR_JOB),
    Input(ids.WORKSPACE, "data"), Input(LEVEL, "value"), Input(HORIZON, "value"), Input(METHOD, "value"),
    Input(VALUE, "value"), Input(risk_forecasts.MODEL, "value"),
)
def fhs_var_request(_ws, level, horizon, method, value, fc_model):
    """Shows the FHS VaR job panel and starts the job when the FHS method is picked or a setting moves."""
    try:
        horizon = whole_input(horizon, "The horizon (days)", lo=1, hi=20, default=1)
    except DataError:  # the VaR section's callback explains it
        return HIDDEN, no_update
    return _fhs_request(method, level=level, horizon=horizon, value=value,
                        model=fc_model or risk_forecasts.DEFAULT_MODEL)


@callback(
    *[Output(o.component_id, o.component_property, allow_duplicate=True) for o in VAR_OUTPUTS],
    Output(FHS_VAR_JOB.status, "children"),
    inputs=dict(request=Input(f"{FHS_VAR_JOB.prefix}-request", "data"), _clicks=Input(FHS_VAR_JOB.run, "n_clicks")),
    state=dict(ws=State(ids.WORKSPACE, "data"), theme=State(ids.THEME, "data")),
    **FHS_VAR_JOB.background(),
)
def fhs_var_job(set_progress, request, _clicks, *, ws, theme):
    """FHS VaR as a background job: fit the picked model's rolling forecasts, then fill the VaR section."""
    report = FHS_VAR_JOB.reporter(set_progress)
    try:
        if not request:
            raise DataError("Pick the filtered historical method above first.", code="no_request")
        wd, port = _section_context(ws)
        label = _fhs_label(request["model"])
        report(0.05, f"Fitting {label} on past data only, every {risk.DESK_REFIT_EVERY} days")
        value = _money(request["value"])
        fhs = risk.portfolio_fhs_risk(wd.returns, port.weights, request["model"], request["level"],
                                      request["horizon"])
        report(0.9, "VaR, CVaR and contributions")
        section = _var_section(wd, port, request["level"], request["horizon"], "fhs", value, theme, fhs,
                               request["model"])
    except (FinanceError, TypeError, ValueError, KeyError) as err:
        return _fhs_failed(err, 8, 6, "FHS VaR not computed")
    return (*section, None, html.Span(f"FHS VaR driven by {label}.", id=f"{P}-fhs-var-done",
                                      className="text-success"))


def _var_section(wd, port, level, horizon: int, method: str, value: float, theme, fhs=None, model=None) -> tuple:
    """The VaR section's cards, distribution, table, contribution charts and note (FHS when ``fhs`` is given)."""
    table = _var_table(wd.returns, level, horizon, port.weights, value, fhs)
    row = table.loc[method]
    dist = risk.horizon_returns(wd.returns, horizon, port.weights)
    fig = distribution_figure(dist, theme, markers={f"VaR {level:.1%}": -row["var"], "CVaR": -row["cvar"]})
    parts = {name: risk.tail_risk_contributions(wd.returns, port.weights, level, name.lower())
             for name in ("VaR", "CVaR")}
    tail = pd.DataFrame({name: c.table["component"] for name, c in parts.items()})
    tail_sector = pd.DataFrame({name: risk.aggregate_by_sector(c, wd.sectors).table["component"]
                                for name, c in parts.items()})
    cards = kpi_row([
        kpi_card(f"VaR {level:.1%}, {horizon}d ({METHOD_LABELS[method]})", _pct(row["var"]), id_=f"{P}-kpi-var"),
        kpi_card("VaR in money", f"${row['var_amount']:,.0f}", id_=f"{P}-kpi-var-amount"),
        kpi_card("CVaR", _pct(row["cvar"]), id_=f"{P}-kpi-cvar"),
        kpi_card("CVaR in money", f"${row['cvar_amount']:,.0f}", id_=f"{P}-kpi-cvar-amount"),
    ])
    grid_rows = table.reset_index().assign(method=lambda f: f["method"].map(METHOD_LABELS))
    return (cards, fig, records(grid_rows), bar_figure(tail, theme, yformat=".2%", fold=True),
            bar_figure(tail_sector, theme, yformat=".2%"),
            _cf_note(risk.cornish_fisher_check(wd.returns, port.weights, horizon))
            + ("" if fhs is None else _fhs_note(fhs, model)))


def _cf_note(check) -> str:
    """What the Cornish-Fisher row adjusts for, with the sample's S and K, and when not to trust it."""
    scaled = "" if check.horizon == 1 else f" (daily values scaled to {check.horizon} days: S/sqrt(h), K/h)"
    text = (f"Cornish-Fisher adjusts the Gaussian quantile for the sample's skew S = {check.skew:.2f} and excess "
            f"kurtosis K = {check.kurtosis:.2f}{scaled}; its CVaR is the average of the adjusted quantiles beyond "
            "the VaR (Maillard 2012). ")
    if check.valid:
        return text + "These S and K are inside the expansion's domain of validity."
    text += ("These S and K are outside the expansion's domain of validity (with S near 0 it holds for K from 0 "
             "to 8): the adjusted quantile is not monotone, so it describes no distribution. ")
    if check.kurtosis > 8:
        text += ("The large K pulls the VaR in at confidence levels below about 96% and inflates the far tail the "
                 "CVaR averages. ")
    return text + "Unreliable here: read the historical or bootstrap rows instead."


@callback(
    Output(FR_SUMMARY, "children"), Output(graph_id(G["factor"]), "figure"), Output(FR_GRID, "rowData"),
    Output(SA["factor"], "children"),
    Input(ids.WORKSPACE, "data"), Input(FR_MODEL, "value"), State(ids.THEME, "data"),
)
@reports_errors(4)
def factor_risk(ws, model, theme):
    wd, port = _section_context(ws)
    split = risk.portfolio_factor_risk(wd.returns, port.weights, model or "factor_pca")
    summary = (f"Factor {split.factor_share:.1%} / specific {split.specific_share:.1%} of variance "
               f"(volatility {split.volatility:.2%}). {' '.join(split.notes)}")
    return (summary, bar_figure(split.shares(), theme, yformat=".1%", sign_colours=True),
            records(split.table()), None)


@callback(
    Output(graph_id(G["contrib"]), "figure"), Output(graph_id(G["sector"]), "figure"),
    Output(graph_id(G["corr"]), "figure"), Output(SA["decomposition"], "children"),
    Input(ids.WORKSPACE, "data"), State(ids.THEME, "data"),
)
@reports_errors(4)
def decomposition(ws, theme):
    wd, port = _section_context(ws)
    cov = estimators.covariance(wd.returns)
    contrib = risk.risk_contributions(port.weights, cov)
    by_sector = risk.aggregate_by_sector(contrib, wd.sectors)
    corr = universe.clustered_correlation(wd.returns)
    return (bar_figure(contrib.table["component"], theme, yformat=".2%", fold=True),
            bar_figure(by_sector.table["component"], theme, yformat=".2%"),
            heatmap_figure(corr.matrix, theme), None)


@callback(
    Output(graph_id(G["stress"]), "figure"), Output(STRESS_GRID, "rowData"), Output(SHOCK_SECTORS, "children"),
    Output(SA["stress"], "children"),
    Input(ids.WORKSPACE, "data"), Input(VALUE, "value"), Input(SCEN_GRID, "rowData"), State(ids.THEME, "data"),
)
@reports_errors(4, title="Stress test not run")
def stress(ws, value, scenarios, theme):
    wd, port = _section_context(ws)
    source = workspace.source_prices(ws)
    scenarios = rows_input(scenarios, "The scenario table")
    result = risk.stress_test(port.weights, scenarios or None, prices=source.prices,
                              benchmark=wd.benchmark_history, portfolio_value=_money(value))
    table = result.reset_index() if "scenario" not in result.columns else result
    bars = table.set_index("scenario")[["portfolio_return", "benchmark_return"]].rename(
        columns={"portfolio_return": "Portfolio", "benchmark_return": wd.benchmark_name})
    sliders = dbc.Row([
        dbc.Col([dbc.Label(sector, className="small mb-0"),
                 slider({"type": SHOCK_TYPE, "sector": sector}, -0.4, 0.2, 0.01, 0.0, {-0.4: "-40%", 0: "0",
                                                                                         0.2: "+20%"})], md=6)
        for sector in sorted(wd.sectors.unique())
    ], className="g-2")
    return bar_figure(bars, theme, yformat=".0%"), records(table), sliders, None


@callback(
    Output(graph_id(G["shock"]), "figure"), Output(SHOCK_SUMMARY, "children"),
    Input(SHOCK_MARKET, "value"), Input({"type": SHOCK_TYPE, "sector": ALL}, "value"),
    State({"type": SHOCK_TYPE, "sector": ALL}, "id"), State(ids.WORKSPACE, "data"), State(VALUE, "value"),
    State(ids.THEME, "data"),
)
@reports_errors(2, title="Shock not applied")
def shock(market, sector_values, sector_ids, ws, value, theme):
    wd, port = _context(ws)
    moves = list_input(sector_values, "The sector moves")
    sectors = list_input(sector_ids, "The sector sliders")
    if len(moves) != len(sectors) or not all(isinstance(i, dict) and "sector" in i for i in sectors):
        raise DataError("The sector sliders could not be read; reload the page.", code="bad_list")
    shocks = {i["sector"]: number_input(v, f"The move of {i['sector']}", lo=-1, hi=1, default=0.0)
              for i, v in zip(sectors, moves, strict=True)}
    shocks = {k: v for k, v in shocks.items() if v}
    market = number_input(market, "The S&P 500 move", lo=-1, hi=1, default=0.0)
    result = risk_shock(wd, port.weights, market, shocks, _money(value))
    summary = html.Span([f"Portfolio: {result.portfolio_return:+.2%} ",
                         html.Strong(f"({money(result.portfolio_pnl, signed=True)})")], id=f"{P}-shock-total")
    return bar_figure(result.pnl["pnl"], theme, yformat=",.0f", sign_colours=True), summary


def risk_shock(wd, weights, market: float, sector_shocks: dict, value: float):
    """Shock the benchmark (as an extra asset in the covariance, or the asset it is) and sectors."""
    bench = wd.benchmark_returns.rename(wd.benchmark.name or "S&P 500")
    return risk.benchmark_shock(wd.returns, bench, weights, market=market,
                                sector_shocks=sector_shocks, sector_map=wd.sectors, portfolio_value=value)


BT_OUTPUTS = [Output(BT_CARDS, "children"), Output(graph_id(G["backtest"]), "figure"),
              Output(SA["backtest"], "children")]


@callback(
    *BT_OUTPUTS,
    Input(ids.WORKSPACE, "data"), Input(BT_LEVEL, "value"), Input(BT_WINDOW, "value"), Input(BT_METHOD, "value"),
    State(ids.THEME, "data"),
)
@reports_errors(3)
def backtest(ws, level, window, method, theme):
    """The VaR backtest; for the FHS method :func:`fhs_backtest_job` fits the models and fills it."""
    wd, port = _section_context(ws)
    if method == "fhs":
        return no_update, no_update, None
    level = choice_input(level, (0.95, 0.975, 0.99), "The backtest confidence")
    window = choice_input(window, (125, 250, 500), "The estimation window (days)")
    method = choice_input(method, BT_METHODS, "The backtest method")
    bt = risk.var_backtest(wd.returns, int(window), float(level), method, weights=port.weights)
    return (*_backtest_view(bt, theme), None)


@callback(
    *_fhs_outputs(FHS_BT_JOB),
    Input(ids.WORKSPACE, "data"), Input(BT_LEVEL, "value"), Input(BT_WINDOW, "value"), Input(BT_METHOD, "value"),
    Input(risk_forecasts.MODEL, "value"),
)
def fhs_backtest_request(_ws, level, window, method, fc_model):
    """Shows the FHS backtest job panel and starts the job when the FHS method is picked or a setting moves."""
    return _fhs_request(method, level=level, window=window, model=fc_model or risk_forecasts.DEFAULT_MODEL)


@callback(
    *[Output(o.component_id, o.component_property, allow_duplicate=True) for o in BT_OUTPUTS],
    Output(FHS_BT_JOB.status, "children"),
    inputs=dict(request=Input(f"{FHS_BT_JOB.prefix}-request", "data"), _clicks=Input(FHS_BT_JOB.run, "n_clicks")),
    state=dict(ws=State(ids.WORKSPACE, "data"), theme=State(ids.THEME, "data")),
    **FHS_BT_JOB.background(),
)
def fhs_backtest_job(set_progress, request, _clicks, *, ws, theme):
    """FHS against plain historical VaR as a background job: the rolling fits, then both backtests."""
    report = FHS_BT_JOB.reporter(set_progress)
    try:
        if not request:
            raise DataError("Pick the filtered historical method above first.", code="no_request")
        wd, port = _section_context(ws)
        label = _fhs_label(request["model"])
        report(0.05, f"Fitting {label} on past data only, every {risk.DESK_REFIT_EVERY} days")
        comparison = risk.portfolio_fhs_comparison(wd.returns, port.weights, request["model"],
                                                   int(request["window"]), float(request["level"]))
        report(0.9, "Backtesting FHS and plain historical VaR")
        cards, fig = _backtest_view(comparison.fhs, theme)
    except (FinanceError, TypeError, ValueError, KeyError) as err:
        return _fhs_failed(err, 4, 2, "FHS backtest not run")
    return ([cards, _fhs_against_historical(comparison, request["model"])], fig, None,
            html.Span(f"FHS VaR driven by {label}, backtested.", id=f"{P}-fhs-bt-done", className="text-success"))


def _backtest_view(bt, theme) -> tuple:
    """The backtest's cards (exceptions, Kupiec, Christoffersen, traffic light) and its chart."""
    frame = bt.frame
    fig = line_figure(pd.DataFrame({"return": frame["return"], "-VaR": -frame["var"]}), theme, yformat=".1%")
    exc = frame[frame["exception"]]
    fig.add_scatter(x=exc.index, y=exc["return"], mode="markers", name="exception",
                    marker={"color": "#dc3545", "size": 7, "symbol": "x"})
    colour = {"green": "success", "yellow": "warning", "red": "danger"}
    cards = kpi_row([
        kpi_card("Exceptions", f"{bt.exceptions} of {bt.observations}", id_=f"{P}-bt-exceptions",
                 hint=f"expected {bt.expected_exceptions:.1f}"),
        kpi_card("Kupiec (POF) p-value", f"{bt.kupiec.pvalue:.3f}", id_=f"{P}-bt-kupiec",
                 hint="reject" if bt.kupiec.reject else "not rejected"),
        kpi_card("Christoffersen independence p-value", f"{bt.independence.pvalue:.3f}", id_=f"{P}-bt-christoffersen",
                 hint="reject" if bt.independence.reject else "not rejected"),
        dbc.Card(dbc.CardBody([html.Div("Basel traffic light (last 250 days)", className="small"),
                               html.Div(bt.zone_last_250.upper(), className="fs-4 fw-semibold",
                                        id=f"{P}-bt-zone")]),
                 color=colour.get(bt.zone_last_250, "secondary"), inverse=True, className="h-100"),
    ])
    return cards, fig


def _fhs_against_historical(comparison, model) -> html.Div:
    """FHS and plain historical VaR backtested on the same days, side by side, with the verdict."""
    table = comparison.table().assign(method=lambda f: f["method"].map(
        {"fhs": f"FHS ({_fhs_label(model)})",
         "historical": "Plain historical"}))
    return html.Div([
        html.H6("Filtered historical against plain historical VaR, same days", className="mt-3"),
        grid(f"{P}-bt-fhs-grid", table, headers=FHS_HEADERS, height=130, csv_name="fhs-vs-historical",
             formats={"exceptions": "int", "observations": "int", "expected": "ratio", "kupiec_p": "dec4",
                      "christoffersen_p": "dec4"}),
        html.P(comparison.verdict(), id=f"{P}-bt-fhs-verdict", className="fw-semibold mt-2"),
    ])


@callback(
    Output(graph_id(G["regimes"]), "figure"), Output(REGIME_GRID, "rowData"), Output(REGIME_STATUS, "children"),
    Input(REGIME_RUN, "n_clicks"), State(ids.WORKSPACE, "data"), State(ids.THEME, "data"),
    prevent_initial_call=True,
)
@reports_errors(3, title="Regimes not detected")
def regimes(_clicks, ws, theme):
    wd, port = _context(ws)
    result = risk.detect_regimes(wd.returns, weights=port.weights)
    growth = risk.growth(risk.portfolio_returns(wd.returns, port.weights)).rename("growth of 1")
    stats = result.stats.reset_index().rename(columns={result.stats.index.name or "index": "regime"})
    status = (f"Fitted {len(result.fit_dates)} times on expanding history, first on the data up to "
              f"{result.fit_dates[0].date()}, last up to {result.fit_dates[-1].date()}.")
    return regime_figure(growth, result.labels, theme), records(stats), status


def _period(wd) -> str:
    return f"{wd.prices.index[0].date()} to {wd.prices.index[-1].date()}"


def _whole(value, what: str) -> int:
    """A required whole-number box; the browser empties a box whose value is outside its range."""
    if value is None or value == "":
        raise DataError(f"Type the {what}: the box is empty or outside its range.", code="bad_value")
    return int(value)


def _annual_percent(value, name: str) -> float | None:
    """A box in percent a year as a fraction; blank means 'estimate it'."""
    if value is None or value == "":
        return None
    try:
        return float(value) / 100.0
    except (TypeError, ValueError):
        raise DataError(f"The {name} must be a number in percent a year (for example 7), or blank for the "
                        "estimate from the history.", code="bad_value") from None


@callback(
    Output(MC_RETURN, "placeholder"), Output(MC_VOL, "placeholder"), Output(MC_ESTIMATE, "children"),
    Input(ids.WORKSPACE, "data"),
)
def monte_carlo_estimate(ws):
    """The sample estimates the projection uses when the boxes are blank, shown as their placeholders."""
    try:
        wd, port = _context(ws)
        est = risk.projection_assumptions(wd.returns, port.weights)
    except FinanceError:  # the message at the top of the page says what is wrong
        return dash.no_update, dash.no_update, dash.no_update
    m, s = est["expected_return"], est["volatility"]
    return (f"{m:.1%} (estimate)", f"{s:.1%} (estimate)",
            f"Blank: estimated from {_period(wd)}, {m:.1%} return (the mean daily return compounded over a year) "
            f"and {s:.1%} volatility. Type your capital market assumptions to replace them.")


def _mc_summary(result, goal, period: str) -> html.Div:
    """The projection's headline numbers and the assumptions it used."""
    prob = "" if goal is None else f"Probability of reaching the goal: {result.goal_probability:.1%}. "
    head = html.Span(prob + f"Median final wealth ${result.percentiles['p50'].iloc[-1]:,.0f}; "
                     f"probability of running out: {result.depletion_probability:.1%}.", id=f"{P}-mc-result")
    if result.method == "bootstrap":
        used = (f"Assumptions: returns resampled from the history, {period} (the expected return and volatility "
                "boxes apply to the Normal model only).")
    else:
        source = {"input": "your input", "estimated": f"estimated from {period}"}
        if result.return_source == result.volatility_source:
            used = (f"Assumptions: {result.expected_return:.1%} return, {result.volatility:.1%} volatility a year "
                    f"({source[result.return_source]}).")
        else:
            used = (f"Assumptions: {result.expected_return:.1%} return ({source[result.return_source]}), "
                    f"{result.volatility:.1%} volatility ({source[result.volatility_source]}) a year.")
    return html.Div([head, html.Div(used, id=f"{P}-mc-assumptions", className="fs-6 text-body-secondary")])


@callback(
    Output(graph_id(G["fan"]), "figure"), Output(MC_SUMMARY, "children"), Output(MC_JOB.status, "children"),
    inputs=dict(_clicks=Input(MC_JOB.run, "n_clicks")),
    state=dict(years=State(MC_YEARS, "value"), contribution=State(MC_CONTRIB, "value"), goal=State(MC_GOAL, "value"),
               paths=State(MC_PATHS, "value"), method=State(MC_METHOD, "value"), exp_return=State(MC_RETURN, "value"),
               vol=State(MC_VOL, "value"), value=State(VALUE, "value"), ws=State(ids.WORKSPACE, "data"),
               theme=State(ids.THEME, "data")),
    **MC_JOB.background(),
)
def monte_carlo(set_progress, _clicks, *, years, contribution, goal, paths, method, exp_return, vol, value, ws,
                theme):
    report = MC_JOB.reporter(set_progress)
    goal = float(goal) if goal else None
    try:
        wd, port = _context(ws)
        result = risk.monte_carlo_paths(
            _money(value), _whole(years, "number of years (1 to 60)"), returns=wd.returns, weights=port.weights, method=method,
            expected_return=_annual_percent(exp_return, "expected return"),
            volatility=_annual_percent(vol, "volatility"),
            contribution=float(contribution or 0), goal=goal, n_paths=_whole(paths, "number of paths (100 to 200,000)"),
            progress=lambda done, total: report(done / total, f"{done:,} of {total:,} paths"))
    except (FinanceError, TypeError, ValueError) as err:
        return dash.no_update, dash.no_update, error_alert(err, title="Projection not run")
    return (fan_figure(result.percentiles, theme, goal=goal), _mc_summary(result, goal, _period(wd)),
            html.Span(f"Projected {result.n_paths:,} paths.", className="text-success"))


@callback(
    Output(SCEN_GRID, "rowData"),
    Input(SCEN_ADD, "n_clicks"), Input(SCEN_DEL, "n_clicks"), Input(SCEN_RESET, "n_clicks"),
    State(SCEN_GRID, "rowData"), State(SCEN_GRID, "selectedRows"),
    prevent_initial_call=True,
)
def edit_scenarios(_add, _remove, _reset, rows, selected):
    if ctx.triggered_id == SCEN_RESET:
        return SCENARIO_ROWS
    try:
        rows = rows_input(rows, "The scenario table")
        selected = rows_input(selected, "The selected scenarios")
    except DataError:  # a grid that cannot be read starts again from the defaults
        return SCENARIO_ROWS
    if ctx.triggered_id == SCEN_DEL:
        chosen = [r.get("name") for r in selected]
        return [r for r in rows if r.get("name") not in chosen]
    return [*rows, {"name": f"Custom {len(rows) + 1}", "start": "2018-10-01", "end": "2018-12-24",
                    "description": "Edit the name and dates"}]
