"""Construction desk: estimators, optimisers under constraints, frontier, comparison, backtest, trades.

The frontier depends only on the estimators and constraints, so moving a slider
(risk aversion, target, Kelly fraction) re-solves one portfolio and moves the
chosen point on the frontier in the browser, without recomputing the frontier.
"""

from __future__ import annotations

import json
from functools import lru_cache

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

import workspace
from components import ids, inputs
from components.alerts import alert_area, error_alert, notes_alert, reports_errors
from components.construct_figures import dendrogram_figure, frontier_figure, prior_posterior_figure
from components.controls import choice, field, number, slider
from components.csv_export import send_csv
from components.figures import bar_figure, empty_figure, graph, graph_id, line_figure
from components.jobs import JobIds, job_panel
from components.layout import kpi_card, kpi_row, page_header
from components.tables import grid, metric_rows, records
from components.urlstate import UrlState, json_list
from finance_core import backtest, optimize, recipes, risk
from finance_core.errors import DataError, FinanceError
from finance_core.optimize.hierarchical import hrp_tree

dash.register_page(__name__, path="/construct", name="Construct", title="Construct - Portfolio Desk", order=1)

P = "construct"
METHOD, MU, COV, RF = f"{P}-method", f"{P}-mu", f"{P}-cov", f"{P}-rf"
RISK_AVERSION, TARGET, KELLY, LINKAGE = f"{P}-risk-aversion", f"{P}-target", f"{P}-kelly", f"{P}-linkage"
LOWER, UPPER, TURNOVER, COST = f"{P}-lower", f"{P}-upper", f"{P}-turnover", f"{P}-cost"
SECTORS, VIEWS, VIEW_ADD, VIEW_DEL, TAU = f"{P}-sectors", f"{P}-views", f"{P}-view-add", f"{P}-view-remove", f"{P}-tau"
BL_MARKET, BL_DELTA = f"{P}-bl-market", f"{P}-bl-risk-aversion"
BUDGETS = f"{P}-risk-budgets"
BASE_METHOD, WEIGHTING, LEVERAGE = f"{P}-base-method", f"{P}-momentum-weighting", f"{P}-leverage"
REGIME_CALM, REGIME_TURBULENT, MEMBERS = f"{P}-regime-calm", f"{P}-regime-turbulent", f"{P}-ensemble-members"
ALERTS, NOTES, KPIS, WEIGHTS_GRID = f"{P}-alerts", f"{P}-notes", f"{P}-kpis", f"{P}-weights-grid"
FRONTIER_BASE, CHOSEN, ALLOCATION = f"{P}-frontier-base", f"{P}-chosen", f"{P}-allocation"
TARGET_LABEL, DETAIL_TITLE, TARGET_NOTE = f"{P}-target-label", f"{P}-detail-title", f"{P}-target-note"
COMPARE_METHODS, COMPARE_RUN, COMPARE_GRID = f"{P}-compare-methods", f"{P}-compare-run", f"{P}-compare-grid"
COMPARE_ALERT = f"{P}-compare-alert"  # its own: the frontier's success never clears a comparison error
BT_METHODS, BT_REBALANCE, BT_LOOKBACK, BT_COST, BT_GRID = (
    f"{P}-bt-methods", f"{P}-bt-rebalance", f"{P}-bt-lookback", f"{P}-bt-cost", f"{P}-bt-grid")
BT_JOB = JobIds(f"{P}-backtest")
BT_PBO = f"{P}-backtest-pbo"  # the probability of backtest overfitting of the methods compared
CAPITAL, ALLOC_METHOD, LOT, SHARES_GRID, TRADES_GRID, LEFTOVER = (
    f"{P}-capital", f"{P}-alloc-method", f"{P}-lot", f"{P}-shares-grid", f"{P}-trades-grid", f"{P}-leftover")
USE_TARGET, TARGET_STATUS, TRADES_CSV, TRADES_DOWNLOAD, TRADES_STORE = (
    f"{P}-use-target", f"{P}-target-status", f"{P}-trades-csv", f"{P}-trades-download", f"{P}-trades-store")
BOOK_LABEL = f"{P}-book-label"  # which holdings the trade list and the turnover limit start from
LEFTOVER_TEXT = f"{P}-leftover-text"
G = {k: f"{P}-{k}" for k in ("weights", "frontier", "contrib", "detail", "compare", "equity", "drawdown")}
DEFAULT_COMPARE = ["max_sharpe", "min_variance", "risk_parity", "hrp", "equal_weight"]
METHOD_OPTIONS = [{"label": v, "value": k} for k, v in recipes.METHODS.items()]
STATIC = {m: recipes.METHODS[m] for m in recipes.STATIC_METHODS}  # what the dynamic methods build on
DYNAMIC_DEFAULT = recipes.Recipe()

DEFAULT_VIEWS = [{"asset": "AAPL", "versus": "", "value": 0.10, "confidence": 0.5},
                 {"asset": "XOM", "versus": "CVX", "value": 0.02, "confidence": 0.3}]


def _json_rows(raw: str) -> list[dict]:
    """Grid rows from a link: a JSON list of objects."""
    rows = json.loads(raw)
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValueError("expected a JSON list of rows")
    return rows


DEFAULT_BT_METHODS = ["max_sharpe", "min_variance", "hrp", "equal_weight"]
# Link names of the recipe settings only some methods read (see recipes.METHOD_FIELDS); the
# constraints always travel, because the efficient frontier drawn for every method uses them.
_METHOD_ONLY = {"ra": "risk_aversion", "target": "target", "kelly": "kelly_fraction", "linkage": "linkage",
                "views": "views", "prior": "bl_market", "delta": "bl_risk_aversion", "tau": "tau",
                "budgets": "risk_budgets", "base": "base_method", "weighting": "momentum_weighting",
                "leverage": "max_leverage", "calm": "regime_methods", "turbulent": "regime_methods",
                "members": "ensemble_methods"}
URL = UrlState(P, {
    "method": (METHOD, "value", str, "max_sharpe"),
    "mu": (MU, "value", str, "mean"),
    "cov": (COV, "value", str, "ledoit_wolf"),
    "rf": (RF, "value", float, 0.0),
    "ra": (RISK_AVERSION, "value", float, optimize.DEFAULT_RISK_AVERSION),
    "target": (TARGET, "value", float, 0.15),
    "kelly": (KELLY, "value", float, optimize.DEFAULT_KELLY_FRACTION),
    "linkage": (LINKAGE, "value", str, optimize.DEFAULT_LINKAGE),
    "lower": (LOWER, "value", float, 0.0),
    "upper": (UPPER, "value", float, 100.0),
    "turnover": (TURNOVER, "value", float, None),
    "cost": (COST, "value", float, 0.0),
    "sectors": (SECTORS, "rowData", _json_rows, None),
    "views": (VIEWS, "rowData", _json_rows, DEFAULT_VIEWS),
    "prior": (BL_MARKET, "value", str, "equal"),
    "delta": (BL_DELTA, "value", float, None),
    "tau": (TAU, "value", float, optimize.DEFAULT_TAU),
    "budgets": (BUDGETS, "rowData", _json_rows, None),
    "base": (BASE_METHOD, "value", str, DYNAMIC_DEFAULT.base_method),
    "weighting": (WEIGHTING, "value", str, DYNAMIC_DEFAULT.momentum_weighting),
    "leverage": (LEVERAGE, "value", float, DYNAMIC_DEFAULT.max_leverage),
    "calm": (REGIME_CALM, "value", str, DYNAMIC_DEFAULT.regime_methods[0]),
    "turbulent": (REGIME_TURBULENT, "value", str, DYNAMIC_DEFAULT.regime_methods[1]),
    "members": (MEMBERS, "value", json_list, list(DYNAMIC_DEFAULT.ensemble_methods)),
    "compare": (COMPARE_METHODS, "value", json_list, DEFAULT_COMPARE),
    "bt_methods": (BT_METHODS, "value", json_list, DEFAULT_BT_METHODS),
    "rebalance": (BT_REBALANCE, "value", str, "M"),
    "lookback": (BT_LOOKBACK, "value", int, 252),
    "bt_cost": (BT_COST, "value", float, 10.0),
    "capital": (CAPITAL, "value", float, 1_000_000),
    "alloc": (ALLOC_METHOD, "value", str, "greedy"),
    "lot": (LOT, "value", int, 1),
}, bounds={"ra": (0.1, 20), "target": (0.0, 1.0), "kelly": (0.05, 1.0), "lower": (-100, 100), "upper": (0, 200),
           "tau": (0.001, 1), "lookback": (20, 10_000), "bt_cost": (0, 10_000), "capital": (1, 1e13),
           "lot": (1, 1e9), "leverage": (0.1, 10)},
   selector="method", uses={k: recipes.METHOD_FIELDS[f] for k, f in _METHOD_ONLY.items()})
URL.register()


def _field(label, control, hint=None):
    return field(label, control, hint=hint, small=True)


def _controls(v: dict) -> dbc.Card:
    return dbc.Card(dbc.CardBody([
        _field("Method", choice(METHOD, recipes.METHODS, v["method"])),
        _field("Expected returns", choice(MU, recipes.MU_METHODS, v["mu"])),
        _field("Covariance", choice(COV, recipes.COV_METHODS, v["cov"])),
        _field("Risk-free rate (annual %)", number(RF, v["rf"], step=0.25, size="sm")),
        _field("Risk aversion (max utility)", slider(RISK_AVERSION, 0.5, 10, 0.5, v["ra"], {1: "1", 5: "5", 10: "10"})),
        html.Div([dbc.Label("Target", id=TARGET_LABEL, className="mb-0 small fw-semibold"),
                  slider(TARGET, 0.0, 0.5, 0.005, v["target"], {0: "0%", 0.1: "10%", 0.2: "20%", 0.3: "30%",
                                                                  0.5: "50%"})], className="mb-2"),
        _field("Kelly fraction", slider(KELLY, 0.1, 1.0, 0.05, v["kelly"], {0.25: "¼", 0.5: "½", 1: "full"})),
        _field("HRP linkage", choice(LINKAGE, {k: k for k in ("single", "average", "complete", "ward")},
                                        v["linkage"])),
        _dynamic_controls(v),
        html.Hr(),
        dbc.Row([dbc.Col(_field("Min weight %", number(LOWER, v["lower"], size="sm"))),
                 dbc.Col(_field("Max weight %", number(UPPER, v["upper"], size="sm")))]),
        dbc.Row([dbc.Col(_field("Max turnover %", number(TURNOVER, v["turnover"], min=0, size="sm",
                                                          placeholder="none"))),
                 dbc.Col(_field("Cost (bps)", number(COST, v["cost"], min=0, size="sm")))]),
        html.Small("Sector limits (%; blank = none)", className="fw-semibold"),
        grid(SECTORS, pd.DataFrame(v["sectors"] or [], columns=["sector", "min", "max"]), editable=True,
             height=200, csv_name="sector-limits"),
        html.Small("Risk budgets for equal risk contribution (relative; blank = 1)", className="fw-semibold"),
        grid(BUDGETS, pd.DataFrame(v["budgets"] or [], columns=["ticker", "budget"]), editable=True,
             height=200, csv_name="risk-budgets"),
        html.Hr(),
        html.Small("Black-Litterman views (value and confidence as fractions)", className="fw-semibold"),
        grid(VIEWS, pd.DataFrame(v["views"], columns=["asset", "versus", "value", "confidence"]),
             editable=True, height=160, csv_name="views", rowSelection={"mode": "multiRow"}),
        html.Div([dbc.Button("Add view", id=VIEW_ADD, size="sm", outline=True, color="secondary", n_clicks=0,
                             className="me-1"),
                  dbc.Button("Remove selected", id=VIEW_DEL, size="sm", outline=True, color="secondary",
                             n_clicks=0)], className="my-1"),
        dbc.Row([dbc.Col(_field("tau", number(TAU, v["tau"], min=0.001, max=1, step=0.01, size="sm"))),
                 dbc.Col(_field("Risk aversion", number(BL_DELTA, v["delta"], min=0.1, max=100, step=0.5, size="sm",
                                                        placeholder="implied")))]),
        _field("Market portfolio", choice(BL_MARKET, recipes.BL_MARKETS, v["prior"]),
               hint="Risk aversion blank: implied by the benchmark"),
    ]), className="no-print pd-controls")


def _dynamic_controls(v: dict) -> html.Div:
    """The settings of the dynamic methods: what volatility targeting scales, the momentum weights, the
    regime pair and the ensemble's members (static methods)."""
    return html.Div([
        html.Hr(),
        html.Small("Dynamic methods", className="fw-semibold d-block mb-1"),
        dbc.Row([dbc.Col(_field("Vol target scales", choice(BASE_METHOD, STATIC, v["base"]))),
                 dbc.Col(_field("Leverage cap", number(LEVERAGE, v["leverage"], min=0.1, max=10, step=0.1,
                                                       size="sm")))]),
        _field("Time-series momentum weights", choice(WEIGHTING, recipes.MOMENTUM_WEIGHTINGS, v["weighting"])),
        dbc.Row([dbc.Col(_field("Calm regime", choice(REGIME_CALM, STATIC, v["calm"]))),
                 dbc.Col(_field("Turbulent regime", choice(REGIME_TURBULENT, STATIC, v["turbulent"])))]),
        _field("Ensemble members", dcc.Dropdown(id=MEMBERS, options=[{"label": lab, "value": m}
                                                                     for m, lab in STATIC.items()],
                                                value=v["members"], multi=True)),
    ])


def layout(**query) -> html.Div:
    values, problems = URL.read(query)
    return html.Div([
        URL.sink(), dcc.Store(id=FRONTIER_BASE), dcc.Store(id=CHOSEN), dcc.Store(id=ALLOCATION),
        dcc.Store(id=TRADES_STORE), dcc.Download(id=TRADES_DOWNLOAD),
        page_header("Portfolio construction", "Turn the workspace universe into a target portfolio and trades."),
        html.Div([error_alert(p, title="Link adjusted") for p in problems]),
        dbc.Row([
            dbc.Col(_controls(values), lg=3),
            dbc.Col([
                alert_area(ALERTS), alert_area(NOTES), html.Div(id=TARGET_NOTE), html.Div(id=KPIS),
                dbc.Row([dbc.Col(graph(G["weights"], title="Weights"), lg=7),
                         dbc.Col(grid(WEIGHTS_GRID, pd.DataFrame(columns=["ticker", "sector", "weight",
                                                                          "risk_share"]),
                                      formats={"weight": "pct", "risk_share": "pct"}, pinned="ticker", height=380,
                                      headers={"risk_share": "Risk share"}, csv_name="target-weights"), lg=5)]),
                dbc.Row([dbc.Col(graph(G["frontier"], title="Efficient frontier", height=430), lg=7),
                         dbc.Col(graph(G["contrib"], title="Contribution to volatility", height=430), lg=5)]),
                html.H6(id=DETAIL_TITLE),
                graph(G["detail"], title=None, height=320),
            ], lg=9),
        ]),
        html.H4("Compare methods", className="mt-4"),
        dbc.Row([dbc.Col(dcc.Dropdown(id=COMPARE_METHODS, options=METHOD_OPTIONS, value=values["compare"], multi=True),
                         md=9),
                 dbc.Col(dbc.Button("Compare", id=COMPARE_RUN, n_clicks=0), md=3)], className="mb-2 no-print"),
        alert_area(COMPARE_ALERT),
        grid(COMPARE_GRID, pd.DataFrame(columns=["method", "expected_return", "volatility", "sharpe", "max_weight",
                                                 "effective_n", "solver"]),
             formats={"expected_return": "pct", "volatility": "pct", "sharpe": "ratio", "max_weight": "pct",
                      "effective_n": "ratio"}, height=250, csv_name="method-comparison"),
        graph(G["compare"], empty_figure("Press Compare."), title="Weights by method"),
        html.H4("Out-of-sample comparison (walk-forward backtest)", className="mt-4"),
        dbc.Row([
            dbc.Col(_field("Methods", dcc.Dropdown(id=BT_METHODS, options=METHOD_OPTIONS,
                                                   value=values["bt_methods"], multi=True)), md=6),
            dbc.Col(_field("Rebalance", choice(BT_REBALANCE, {"W": "Weekly", "M": "Monthly", "Q": "Quarterly",
                                                                 "A": "Yearly"}, values["rebalance"])), md=2),
            dbc.Col(_field("Lookback (days)", number(BT_LOOKBACK, values["lookback"], min=20)), md=2),
            dbc.Col(_field("Costs (bps)", number(BT_COST, values["bt_cost"], min=0)), md=2),
        ], className="no-print"),
        job_panel(BT_JOB, "Run backtest"),
        graph(G["equity"], empty_figure("Press 'Run backtest'."), title="Equity curves against the benchmark"),
        dbc.Row([dbc.Col(graph(G["drawdown"], empty_figure("Press 'Run backtest'."), title="Drawdowns",
                               height=300), lg=6),
                 dbc.Col([grid(BT_GRID, pd.DataFrame(columns=["metric"]), height=300, csv_name="backtest-metrics"),
                          html.P(id=BT_PBO, className="small mt-2")], lg=6)]),
        html.H4("Whole shares and trades", className="mt-4"),
        dbc.Row([
            dbc.Col(_field("Capital ($)", number(CAPITAL, values["capital"], min=1)), md=3),
            dbc.Col(_field("Allocation", choice(ALLOC_METHOD, {"greedy": "Greedy", "integer": "Exact (integer "
                                                                  "program, HiGHS)"}, values["alloc"])), md=3),
            dbc.Col(_field("Lot size (shares)", number(LOT, values["lot"], min=1, step=1)), md=2),
            dbc.Col([dbc.Button("Use as target", id=USE_TARGET, color="success", n_clicks=0, className="me-2 mt-4"),
                     dbc.Button("Trades CSV", id=TRADES_CSV, color="secondary", outline=True, n_clicks=0,
                                className="mt-4")], md=4),
        ], className="no-print"),
        html.Div(id=TARGET_STATUS, className="mb-2"),
        html.Div(id=BOOK_LABEL, className="mb-1 small"),
        html.Div(id=LEFTOVER, className="mb-2"),
        dbc.Row([
            dbc.Col(grid(SHARES_GRID, pd.DataFrame(columns=["ticker", "shares", "price", "value", "weight"]),
                         formats={"shares": "int", "price": "money", "value": "money", "weight": "pct2"}, height=320,
                         headers={"weight": "Weight of capital"}, csv_name="whole-shares"), lg=5),
            dbc.Col(grid(TRADES_GRID, pd.DataFrame(columns=optimize.TRADE_COLUMNS),
                         formats={"shares": "int", "price": "money", "value": "money", "current_weight": "pct",
                                  "target_weight": "pct"}, height=320, csv_name="trades"), lg=7),
        ]),
    ])


# --------------------------------------------------------------------------- helpers
def _sector_bounds(rows) -> dict | None:
    out = {}
    for row in inputs.rows(rows, "sector limits"):
        sector = str(row.get("sector") or "")
        lo, hi = inputs.number(row.get("min"), f"{sector} min", scale=0.01), inputs.number(
            row.get("max"), f"{sector} max", scale=0.01)
        if sector and (lo is not None or hi is not None):
            out[sector] = (lo or 0.0, 1.0 if hi is None else hi)
    return out or None


def _risk_budgets(rows) -> dict | None:
    out = {str(row["ticker"]): inputs.number(row.get("budget"), f"The risk budget of {row['ticker']}")
           for row in inputs.rows(rows, "risk budgets") if row.get("ticker")}
    return {t: b for t, b in out.items() if b is not None} or None


def _recipe(*, method="max_sharpe", mu, cov, rf, ra=None, target=None, kelly=None, linkage=None, lower=None,
            upper=None, turnover=None, cost=None, sectors=None, views=None, tau=None, prior=None, delta=None,
            budgets=None, base=None, weighting=None, leverage=None, calm=None, turbulent=None, members=None):
    """The Recipe the controls describe, by their names in RECIPE_CONTROLS (percent inputs converted to
    fractions); a control a callback does not read takes the Recipe's default."""
    view_rows = tuple(v for v in inputs.rows(views, "views") if v.get("asset"))
    return recipes.Recipe(
        method=inputs.choice(method, "Method", "max_sharpe"), mu_method=inputs.choice(mu, "Expected returns"),
        cov_method=inputs.choice(cov, "Covariance"),
        risk_free_rate=inputs.number(rf, "Risk-free rate", default=0.0, scale=0.01),
        risk_aversion=inputs.number(ra, "Risk aversion", default=optimize.DEFAULT_RISK_AVERSION),
        target=inputs.number(target, "Target"),
        kelly_fraction=inputs.number(kelly, "Kelly fraction", default=optimize.DEFAULT_KELLY_FRACTION),
        linkage=inputs.choice(linkage, "Linkage", optimize.DEFAULT_LINKAGE),
        lower=inputs.number(lower, "Min weight", default=0.0, scale=0.01),
        upper=inputs.number(upper, "Max weight", default=1.0, scale=0.01),
        max_turnover=inputs.number(turnover, "Max turnover", scale=0.01),
        transaction_cost=inputs.number(cost, "Cost", default=0.0, scale=1e-4),
        sector_bounds=_sector_bounds(sectors), views=view_rows, tau=inputs.number(tau, "tau", default=optimize.DEFAULT_TAU),
        bl_market=inputs.choice(prior, "Prior", "equal"),
        bl_risk_aversion=inputs.number(delta, "Black-Litterman risk aversion"),
        risk_budgets=_risk_budgets(budgets),
        base_method=inputs.choice(base, "Base method", DYNAMIC_DEFAULT.base_method),
        momentum_weighting=inputs.choice(weighting, "Momentum weighting", DYNAMIC_DEFAULT.momentum_weighting),
        max_leverage=inputs.number(leverage, "Leverage cap", default=DYNAMIC_DEFAULT.max_leverage),
        regime_methods=(inputs.choice(calm, "Calm method", DYNAMIC_DEFAULT.regime_methods[0]),
                        inputs.choice(turbulent, "Turbulent method", DYNAMIC_DEFAULT.regime_methods[1])),
        ensemble_methods=tuple(DYNAMIC_DEFAULT.ensemble_methods if members is None
                               else inputs.picks(members, "Ensemble members")))


def _current_weights(ws, wd) -> pd.Series | None:
    try:
        port = workspace.portfolio(dict(ws or {}, target=None), wd)
    except FinanceError:
        return None
    return port.weights if port.kind == "holdings" else None


@lru_cache(maxsize=32)
def _cached(ws_json: str, recipe_json: str):
    """Workspace frames and estimates, cached by the settings that determine them."""
    ws = json.loads(ws_json)
    wd = workspace.resolve(ws)
    recipe = recipes.Recipe(**json.loads(recipe_json))
    return wd, recipes.estimate(wd.returns, recipe, benchmark=wd.benchmark_returns)


def _estimates(ws, recipe: recipes.Recipe):
    est_key = {"mu_method": recipe.mu_method, "cov_method": recipe.cov_method, "risk_free_rate": recipe.risk_free_rate}
    return _cached(workspace.data_key(ws), json.dumps(est_key, sort_keys=True))


# The recipe's controls by the names _recipe takes them by; callbacks receive them as one dict (``form``).
RECIPE_CONTROLS = {
    "method": (METHOD, "value"), "mu": (MU, "value"), "cov": (COV, "value"), "rf": (RF, "value"),
    "ra": (RISK_AVERSION, "value"), "target": (TARGET, "value"), "kelly": (KELLY, "value"),
    "linkage": (LINKAGE, "value"), "lower": (LOWER, "value"), "upper": (UPPER, "value"),
    "turnover": (TURNOVER, "value"), "cost": (COST, "value"), "sectors": (SECTORS, "rowData"),
    "views": (VIEWS, "rowData"), "tau": (TAU, "value"), "prior": (BL_MARKET, "value"),
    "delta": (BL_DELTA, "value"), "budgets": (BUDGETS, "rowData"),
    "base": (BASE_METHOD, "value"), "weighting": (WEIGHTING, "value"), "leverage": (LEVERAGE, "value"),
    "calm": (REGIME_CALM, "value"), "turbulent": (REGIME_TURBULENT, "value"), "members": (MEMBERS, "value"),
}


def recipe_controls(kind=Input, names=tuple(RECIPE_CONTROLS)) -> dict:
    """``{name: kind(id, property)}`` for the recipe controls ``names`` (all by default)."""
    return {name: kind(*RECIPE_CONTROLS[name]) for name in names}


RECIPE_INPUTS, RECIPE_STATES = recipe_controls(Input), recipe_controls(State)


# --------------------------------------------------------------------------- callbacks
@callback(
    Output(SECTORS, "rowData"),
    Input(ids.WORKSPACE, "data"), State(SECTORS, "rowData"),
)
def sector_rows(ws, rows):
    """One editable row per sector of the universe, keeping limits already typed."""
    return _grid_rows(ws, rows, "sector", lambda wd: sorted(wd.sectors.unique()), {"min": None, "max": None})


@callback(
    Output(BUDGETS, "rowData"),
    Input(ids.WORKSPACE, "data"), State(BUDGETS, "rowData"),
)
def budget_rows(ws, rows):
    """One editable row per ticker of the universe, keeping budgets already typed."""
    return _grid_rows(ws, rows, "ticker", lambda wd: list(wd.prices.columns), {"budget": None})


def _grid_rows(ws, rows, key: str, keys_of, blank: dict):
    """One row per key of the resolved workspace (``keys_of(wd)``), keeping rows already typed."""
    try:
        keys = keys_of(workspace.resolve(ws))
    except FinanceError:
        return no_update
    typed = {r[key]: r for r in rows or [] if r.get(key)}
    return [typed.get(k, {key: k, **blank}) for k in keys]


@callback(
    Output(FRONTIER_BASE, "data"), Output(ALERTS, "children"),
    inputs=dict(ws=Input(ids.WORKSPACE, "data"),
                form=recipe_controls(Input, ("mu", "cov", "rf", "lower", "upper", "turnover", "cost", "sectors"))),
    state=dict(theme=State(ids.THEME, "data")),
)
@reports_errors(2, title="Frontier not updated")
def frontier(ws, form, theme):
    recipe = _recipe(**form)  # the estimators and the constraints: the method does not change the frontier
    wd, est = _estimates(ws, recipe)
    current = _current_weights(ws, wd)
    cons = recipes.constraints_for(recipe, wd.sectors, current)  # same constraints as allocate()
    front = optimize.efficient_frontier(est.mu, est.risk, n_points=50, risk_free_rate=recipe.risk_free_rate,
                                        constraints=cons)
    point = None
    if current is not None:
        stats = optimize.Allocation.from_weights(current, mu=est.mu, cov=est.cov)
        point = (stats.volatility, stats.expected_return)
    return frontier_figure(front, theme, current=point, current_label="current holdings"), None


clientside_callback(
    """
    function(base, chosen) {
        if (!base) { return window.dash_clientside.no_update; }
        const fig = {...base, data: base.data.map(t => ({...t}))};
        if (chosen && fig.data.length) {
            fig.data[0].x = [chosen.volatility]; fig.data[0].y = [chosen.expected_return];
            fig.data[0].name = chosen.label;
        }
        return fig;
    }
    """,
    Output(graph_id(G["frontier"]), "figure"),
    Input(FRONTIER_BASE, "data"), Input(CHOSEN, "data"),
)


@callback(
    Output(KPIS, "children"), Output(graph_id(G["weights"]), "figure"), Output(WEIGHTS_GRID, "rowData"),
    Output(graph_id(G["contrib"]), "figure"), Output(CHOSEN, "data"), Output(ALLOCATION, "data"),
    Output(NOTES, "children"),
    inputs=dict(form=RECIPE_INPUTS, ws=Input(ids.WORKSPACE, "data")), state=dict(theme=State(ids.THEME, "data")),
)
@reports_errors(7, title="Portfolio not built")
def allocation(form, ws, theme):
    recipe = _recipe(**form)
    wd, est = _estimates(ws, recipe)
    alloc = recipes.allocate(wd.returns, recipe, benchmark=wd.benchmark_returns, sectors=wd.sectors,
                             current_weights=_current_weights(ws, wd), estimates=est)
    contrib = risk.risk_contributions(alloc.weights, est.cov).table
    table = pd.DataFrame({"ticker": alloc.weights.index, "sector": wd.sectors.reindex(alloc.weights.index).values,
                          "weight": alloc.weights.values, "risk_share": contrib["percent"].values})
    kpis = kpi_row([
        kpi_card("Expected return", f"{alloc.expected_return:.2%}", id_=f"{P}-kpi-return"),
        kpi_card("Volatility", f"{alloc.volatility:.2%}", id_=f"{P}-kpi-vol"),
        kpi_card("Sharpe", f"{alloc.sharpe:.2f}", id_=f"{P}-kpi-sharpe"),
        kpi_card("Solved by", alloc.solver, id_=f"{P}-kpi-solver", hint=f"{alloc.solve_seconds * 1e3:.1f} ms"),
    ])
    chosen = {"volatility": alloc.volatility, "expected_return": alloc.expected_return, "label": recipe.label}
    stored = {"weights": alloc.weights.to_dict(), "method": recipe.label, "recipe": recipe.to_query(),
              "limits": _limits(recipe)}
    return (kpis, bar_figure(alloc.weights, theme, yformat=".0%", fold=True), records(table),
            bar_figure(contrib["component"], theme, yformat=".2%", fold=True), chosen, stored,
            notes_alert(list(alloc.notes), title="About this portfolio"))


@callback(
    Output(DETAIL_TITLE, "children"), Output(graph_id(G["detail"]), "figure"),
    inputs=dict(form={**recipe_controls(Input, ("method", "linkage", "views", "tau", "prior", "delta")),
                      **recipe_controls(State, ("mu", "cov", "rf"))},
                ws=Input(ids.WORKSPACE, "data")),
    state=dict(theme=State(ids.THEME, "data")),
)
@reports_errors(2, title="Detail not drawn")
def method_detail(form, ws, theme):
    recipe = _recipe(**form)  # without the constraints: the tree and the posterior do not depend on them
    method, linkage = form["method"], form["linkage"]
    wd, est = _estimates(ws, recipe)
    if method == "hrp":  # the tree HRP allocates along: on the chosen covariance, as allocate() uses
        return f"Cluster tree ({linkage} linkage)", dendrogram_figure(hrp_tree(linkage=linkage, cov=est.cov), theme)
    if method == "black_litterman":
        bl = recipes.black_litterman_posterior(wd.returns, recipe, est.cov, wd.benchmark_returns,
                                               _current_weights(ws, wd))
        return "Black-Litterman: equilibrium vs posterior returns", prior_posterior_figure(
            bl.prior_returns, bl.posterior_returns, theme)
    return "Method detail", empty_figure("The cluster tree (HRP) or prior vs posterior returns (Black-Litterman) "
                                         "appear here for those methods.", theme)


@callback(Output(TARGET_NOTE, "children"), Input(ALLOCATION, "data"), Input(ids.WORKSPACE, "data"))
def target_note(stored, ws):
    """Whether the portfolio shown is the workspace target (the page reopened with its settings) or not."""
    target = (ws or {}).get("target") or {}
    if not stored or not target.get("weights"):
        return None
    when = f" stored {target['stored_at']}" if target.get("stored_at") else ""
    if _shows_target(stored, target):
        return html.Small(f"This is the workspace target ({target['method']}{when}).", id=f"{P}-target-same",
                          className="text-success d-block mb-2")
    return dbc.Alert(f"The workspace target is the {target['method']} portfolio{when}; these settings build a "
                     "different one: press Use as target to replace it.", color="info", id=f"{P}-target-differs",
                     className="py-2 small")


@callback(Output(TARGET_LABEL, "children"), Input(METHOD, "value"))
def target_label(method):
    """The target slider reads as a return or a volatility depending on the method."""
    return {"target_return": "Target return (annual)", "target_volatility": "Target volatility (annual)",
            "vol_target": "Target volatility (annual)"}.get(method if isinstance(method, str) else "", "Target (for target return / volatility)")


@callback(
    Output(VIEWS, "rowData"),
    Input(VIEW_ADD, "n_clicks"), Input(VIEW_DEL, "n_clicks"), State(VIEWS, "rowData"), State(VIEWS, "selectedRows"),
    prevent_initial_call=True,
)
def edit_views(_add, _remove, rows, selected):
    rows = inputs.records(rows)
    if ctx.triggered_id == VIEW_DEL:
        chosen = [json.dumps(r, sort_keys=True, default=str) for r in inputs.records(selected)]
        return [r for r in rows if json.dumps(r, sort_keys=True, default=str) not in chosen]
    return [*rows, {"asset": "", "versus": "", "value": 0.0, "confidence": 0.5}]


@callback(
    Output(COMPARE_GRID, "rowData"), Output(graph_id(G["compare"]), "figure"),
    Output(COMPARE_ALERT, "children"),
    inputs=dict(_clicks=Input(COMPARE_RUN, "n_clicks")),
    state=dict(methods=State(COMPARE_METHODS, "value"), form=RECIPE_STATES, ws=State(ids.WORKSPACE, "data"),
               theme=State(ids.THEME, "data")),
    prevent_initial_call=True,
)
@reports_errors(3, title="Comparison not run")
def compare(_clicks, methods, form, ws, theme):
    base = _recipe(**form)
    methods = inputs.picks(methods, "Methods to compare", recipes.METHODS)
    wd, est = _estimates(ws, base)
    if not methods:
        raise DataError("Pick at least one method to compare.", code="no_methods")
    result = recipes.compare(wd.returns, {recipes.METHODS[m]: base.with_(method=m) for m in methods},
                             benchmark=wd.benchmark_returns, sectors=wd.sectors,
                             current_weights=_current_weights(ws, wd))
    problems = [f"{name}: {msg}" for name, msg in result.errors.items()]
    alert = notes_alert(problems, title="Some methods could not be built") if problems else None
    return records(result.table), bar_figure(result.weights, theme, yformat=".0%", fold=True), alert


@callback(
    Output(graph_id(G["equity"]), "figure"), Output(graph_id(G["drawdown"]), "figure"),
    Output(BT_PBO, "children"), Output(BT_GRID, "rowData"), Output(BT_GRID, "columnDefs"),
    Output(BT_JOB.status, "children"),
    inputs=dict(_clicks=Input(BT_JOB.run, "n_clicks")),
    state=dict(methods=State(BT_METHODS, "value"), rebalance=State(BT_REBALANCE, "value"),
               lookback=State(BT_LOOKBACK, "value"), cost=State(BT_COST, "value"), form=RECIPE_STATES,
               ws=State(ids.WORKSPACE, "data"), theme=State(ids.THEME, "data")),
    **BT_JOB.background(),
)
def run_backtest(set_progress, _clicks, methods, rebalance, lookback, cost, form, ws, theme):
    report = BT_JOB.reporter(set_progress)
    try:
        base = _recipe(**form)
        wd = workspace.resolve(ws)
        if not methods:
            raise DataError("Pick at least one method to backtest.", code="no_methods")
        strategies = {recipes.METHODS[m]: recipes.strategy(base.with_(method=m), sectors=wd.sectors)
                      for m in methods}
        result = backtest.compare(wd.prices, strategies, rebalance=rebalance, lookback=int(lookback or 252),
                                  cost_bps=float(cost or 0), benchmark=wd.benchmark.rename(wd.benchmark_name),
                                  progress=lambda f: report(f, f"{f:.0%} of the walk-forward"))
    except (FinanceError, TypeError, ValueError) as err:
        return no_update, no_update, no_update, no_update, no_update, error_alert(err, title="Backtest not run")
    metrics = result.metrics
    rows = metric_rows({name: metrics.loc[name] for name in metrics.index}) if not metrics.empty else []
    cols = [{"field": "metric", "pinned": "left"}] + [{"field": str(c), "type": "rightAligned"}
                                                      for c in metrics.index]
    status = html.Span(f"Backtested {len(strategies)} methods, {rebalance} rebalancing.",
                       id=f"{P}-backtest-done", className="text-success")
    pbo = result.overfitting.summary() if result.overfitting is not None else ""
    return (line_figure(result.equity, theme, log_y=True, highlight=wd.benchmark_name),
            line_figure(result.drawdowns, theme, yformat=".0%"), pbo, rows, cols, status)


@callback(
    Output(SHARES_GRID, "rowData"), Output(TRADES_GRID, "rowData"), Output(LEFTOVER, "children"),
    Output(TRADES_STORE, "data"),
    Input(ALLOCATION, "data"), Input(CAPITAL, "value"), Input(ALLOC_METHOD, "value"), Input(LOT, "value"),
    State(ids.WORKSPACE, "data"),
)
@reports_errors(4, alert_index=2, title="Trades not computed")
def trades(stored, capital, method, lot, ws):
    """Whole shares within the portfolio's weight bounds, and the trades to them: one rounding for both."""
    stored = inputs.stored(stored, "weights")
    if not stored:
        return no_update, no_update, None, no_update
    capital = inputs.number(capital, "Capital")
    if not capital or capital <= 0:
        raise DataError("Capital must be a positive amount (for example 1000000).", code="bad_value")
    wd = workspace.resolve(ws)
    weights, last = pd.Series(stored["weights"]), wd.prices.iloc[-1]
    recipe = recipes.Recipe.from_query({**(stored.get("recipe") or {}), **(stored.get("limits") or {})})
    whole = optimize.discrete_allocation(weights, last, capital, method=method, lot_size=lot or 1,
                                         bounds=(recipe.lower, recipe.upper), sector_map=wd.sectors,
                                         sector_bounds=recipe.sector_bounds)
    held = wd.holdings["shares"] if wd.holdings is not None and "shares" in wd.holdings else pd.Series(dtype=float)
    trade_list = optimize.rebalance_trades(held, whole, last, max_turnover=recipe.max_turnover)
    trades = records(trade_list.trades)
    return records(whole.table(last)), trades, _leftover(whole, trade_list, recipe), trades


def _limits(recipe: recipes.Recipe) -> dict[str, str]:
    """The bounds typed on the page, which the whole shares hold whatever the method (a link leaves out those
    the method does not read, e.g. equal weight's)."""
    limits = {"lower": str(recipe.lower), "upper": str(recipe.upper)}
    if recipe.sector_bounds:
        limits["sector_bounds"] = json.dumps(recipe.sector_bounds)
    return limits | ({"max_turnover": str(recipe.max_turnover)} if recipe.max_turnover is not None else {})


def _leftover(whole: optimize.DiscreteAllocation, trade_list: optimize.RebalanceTrades,
              recipe: recipes.Recipe) -> html.Div:
    """The leftover cash, how it was rounded and within which bounds, and the notes of the rounding."""
    bounds = "" if (recipe.lower, recipe.upper) == (0.0, 1.0) else (
        f", within the {recipe.lower * 100:g}% to {recipe.upper * 100:g}% bounds")
    bounds += " and the sector limits" if recipe.sector_bounds else ""
    return html.Div([
        html.Span(f"Leftover cash ${whole.leftover:,.2f} ({whole.label}); weights are of the capital{bounds}.",
                  id=LEFTOVER_TEXT),
        notes_alert([*whole.notes, *trade_list.notes], title="About the whole shares")])


def _trades_for(stored: dict, trade_rows: list[dict] | None) -> bool:
    """Whether the stored trade list was computed for this portfolio (every row's target weight is its own)."""
    weights = stored["weights"]
    return isinstance(trade_rows, list) and isinstance(weights, dict) and all(
        isinstance(row, dict) and isinstance(row.get("target_weight"), (int, float))
        and abs(row["target_weight"] - weights.get(row.get("ticker"), 0.0)) < 1e-12 for row in trade_rows)


def _target_set(method: str, n_trades: int) -> dbc.Alert:
    return dbc.Alert(f"Target set: {method} with {n_trades} trades. The risk, execution, tax and presentation "
                     "pages now use it.", color="success", dismissable=True, id=f"{P}-target-set")


# Two weights closer than this are the same portfolio: the target rebuilt from its settings differs by solver
# noise and the JSON round trip, far below a basis point.
SAME_WEIGHT = 1e-6


def _shows_target(stored: dict | None, target: dict | None) -> bool:
    """Whether the portfolio shown is the workspace target: every weight within SAME_WEIGHT, a ticker one of
    them leaves out counting as zero (the workspace drops weights of 1e-10 and below)."""
    if not stored or not (target or {}).get("weights"):
        return False
    shown, held = pd.Series(stored["weights"], dtype=float), pd.Series(target["weights"], dtype=float)
    return bool(shown.sub(held, fill_value=0.0).abs().max() <= SAME_WEIGHT)


def _previous_target(ws, stored):
    """What the workspace target is, compared with the portfolio shown (nothing when there is none)."""
    target = (ws or {}).get("target")
    if _shows_target(stored, target):
        return _target_set(target["method"], len(target.get("trades") or []))
    return None  # a different portfolio: the note at the top of the page (target_note) says so


@callback(
    Output(TARGET_STATUS, "children", allow_duplicate=True),
    Input(ALLOCATION, "data"), State(ids.WORKSPACE, "data"),
    prevent_initial_call=True,
)
def target_status(stored, ws):
    """A new portfolio is shown: the status of the previous one ("No target", "Target set") no longer applies."""
    return _previous_target(ws, stored)


@callback(Output(BOOK_LABEL, "children"), Input(ids.WORKSPACE, "data"))
def book_label(ws):
    """Where the current holdings come from (holdings file, tax lots and trades, or cash), with any clash."""
    try:
        book = workspace.resolve(ws).book
    except FinanceError:
        return None  # the page's alert explains a workspace problem
    label = book.label + (" (weights only, no shares: the trade list starts from cash)"
                          if book.kind == "holdings" and book.shares.empty else "")
    notes = [html.Div(n, className="text-warning-emphasis") for n in book.notes]
    return html.Div([html.Span([html.Strong("Trades start from: "), label], id=f"{P}-book-text"), *notes])


@callback(
    Output(ids.WORKSPACE, "data", allow_duplicate=True), Output(TARGET_STATUS, "children"),
    Input(USE_TARGET, "n_clicks"), State(ALLOCATION, "data"), State(TRADES_STORE, "data"),
    State(ids.WORKSPACE, "data"),
    prevent_initial_call=True,
)
def use_as_target(_clicks, stored, trade_rows, ws):
    """Store the portfolio shown, with its own trade list, as the workspace target."""
    if not _clicks:  # Dash runs it when the page mounts (its output, the workspace, is already there)
        raise PreventUpdate
    stored = inputs.stored(stored, "weights", "method")
    if not stored:
        return no_update, error_alert("No portfolio is built yet: wait for it, or fix the settings the alert above "
                                      "names, then press Use as target.", title="No target")
    if not _trades_for(stored, trade_rows):
        return no_update, error_alert("The trade list is not up to date for this portfolio (see the message under "
                                      "the capital): fix it or wait for it, then press Use as target again.",
                                      title="Target not set")
    new = workspace.with_target(ws, pd.Series(stored["weights"]), stored["method"], trade_rows,
                                recipe=stored.get("recipe"))
    return new, _target_set(stored["method"], len(trade_rows))


@callback(
    Output(TRADES_DOWNLOAD, "data"),
    Input(TRADES_CSV, "n_clicks"), State(TRADES_STORE, "data"),
    prevent_initial_call=True,
)
def download_trades(_clicks, rows):
    rows = inputs.records(rows)
    if not rows:
        return no_update
    return send_csv(pd.DataFrame(rows), "portfolio-desk-trades.csv", index=False)
