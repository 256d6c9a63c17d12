"""Compare desk: saved portfolios (and the current one) side by side over the workspace's dates.

The numbers come from :func:`finance_core.compare_portfolios.compare_portfolios`; this page picks the
portfolios (the saved-work store and the workspace), lays out the tables and charts, and says why
when a portfolio cannot be compared.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

import store
import workspace
from components import ids, inputs
from components.alerts import alert_area, error_alert, notes_alert, reports_errors
from components.compare_views import (
    basis_points,
    count,
    growth_figure,
    keyed_rows,
    metric_table_defs,
    metric_table_rows,
)
from components.controls import field, number
from components.figures import bar_figure, graph, graph_id
from components.layout import page_header, section
from components.saved_portfolios import picked_weights, portfolio_options
from components.tables import column_defs, grid, records
from finance_core.compare_portfolios import (
    MAX_PORTFOLIOS,
    TRANSITION_COST_ROWS,
    TRANSITION_ROWS,
    compare_portfolios,
    trades_between,
    transition_cost,
    transition_tax,
)
from finance_core.errors import DataError

dash.register_page(__name__, path="/compare", name="Compare", title="Compare - Portfolio Desk", order=6)

P = "compare"
PICK, REFRESH, CAPITAL, RESULT = f"{P}-pick", f"{P}-refresh", f"{P}-capital", f"{P}-result"
METRICS_GRID, WEIGHTS_GRID, TRADES_GRID = f"{P}-metrics-grid", f"{P}-weights-grid", f"{P}-trades-grid"
FROM, TO, NOTES, STATUS = f"{P}-from", f"{P}-to", f"{P}-notes", f"{P}-status"
TAX_GRID, TAX_NOTE = f"{P}-tax-grid", f"{P}-tax-note"
COST_GRID, COST_NOTE = f"{P}-cost-grid", f"{P}-cost-note"
SA = {k: f"{P}-alerts-{k}" for k in ("pick", "compare", "trades", "tax", "cost")}
G = {k: f"{P}-{k}" for k in ("growth", "sectors")}
CURRENT = "current"
#: In the layout too: Dash 4's dropdown drops a value its options do not hold, and the saved list comes later.
CURRENT_OPTION = [{"label": "Current portfolio", "value": CURRENT}]
TRADE_FORMATS = {"from_weight": "pct", "to_weight": "pct", "shares": "int", "value": "money"}


def layout(**_query) -> html.Div:
    return html.Div([
        dcc.Store(id=RESULT),
        page_header("Compare", "Saved portfolios and the current one side by side over the workspace's dates and "
                               "benchmark."),
        section(
            "Portfolios",
            alert_area(SA["pick"]),
            html.Div([
                field(f"Portfolios to compare (up to {MAX_PORTFOLIOS})",
                      dcc.Dropdown(id=PICK, multi=True, options=CURRENT_OPTION, value=[CURRENT],
                                   placeholder="Pick saved portfolios"),
                      md=8),
                field("Capital ($)", number(CAPITAL, 1_000_000, min=1), md=2),
                html.Div(html.Button("Refresh list", id=REFRESH, n_clicks=0,
                                     className="btn btn-outline-secondary btn-sm mt-4"), className="col-md-2"),
            ], className="row g-3"),
            html.Div(id=STATUS, className="my-2"),
            note="Saved portfolios come from the saved-work database (Saved menu or /api/v1/portfolios); "
                 "'Current portfolio' is the target from Construct, else the holdings, else equal weight.",
        ),
        section(
            "Risk and return",
            alert_area(SA["compare"]),
            html.Div(id=NOTES),
            grid(METRICS_GRID, pd.DataFrame(columns=["metric"]), height=480, csv_name="comparison"),
            graph(G["growth"], title="Growth of 10,000 against the benchmark"),
            graph(G["sectors"], title="Sector weights"),
            grid(WEIGHTS_GRID, pd.DataFrame(columns=["ticker"]), height=320, csv_name="comparison-weights"),
            note="Each portfolio held at its weights (rebalanced daily) over the workspace's dates; returns, "
                 "volatility and Sharpe annualised over 252 days; VaR and CVaR one-day historical at 95%.",
        ),
        section(
            "Cost of moving: tax and execution",
            dbc.Row([
                dbc.Col([html.H6("Tax of moving from the holdings"), alert_area(SA["tax"]),
                         html.Div(id=TAX_NOTE, className="my-2"),
                         grid(TAX_GRID, pd.DataFrame(columns=["row"]), height=300, csv_name="comparison-tax")],
                        lg=6),
                dbc.Col([html.H6("Execution cost of each trade list"), alert_area(SA["cost"]),
                         html.Div(id=COST_NOTE, className="my-2"),
                         grid(COST_GRID, pd.DataFrame(columns=["row"]), height=300, csv_name="comparison-execution")],
                        lg=6),
            ], className="g-3"),
            note="Tax: the whole-share trades from the uploaded lots' holdings to each portfolio at their value, "
                 "taxed at the last price date (FIFO, default rates), as the Tax page taxes a target's trades. "
                 "Execution: the trades from the holdings (without holdings, from the first portfolio held with "
                 "the capital) costed name by name as the Execute page costs an order (VWAP, its default market); "
                 "the square-root law (Y = 1) is an independent check of the expected cost.",
        ),
        section(
            "Trades between two",
            alert_area(SA["trades"]),
            html.Div([field("From", dcc.Dropdown(id=FROM, clearable=False), md=4),
                      field("To", dcc.Dropdown(id=TO, clearable=False), md=4)], className="row g-3"),
            grid(TRADES_GRID, pd.DataFrame(columns=["ticker", "side", *TRADE_FORMATS]), formats=TRADE_FORMATS,
                 height=300, csv_name="comparison-trades"),
            note="Whole shares at the last close that move the capital from one portfolio's weights to the "
                 "other's.",
        ),
    ])


@callback(
    Output(PICK, "options"), Output(SA["pick"], "children"),
    Input(REFRESH, "n_clicks"), Input(ids.WORKSPACE, "data"),
)
@reports_errors(2, title="Saved portfolios not listed")
def options(_clicks, ws):
    current = CURRENT_OPTION
    try:
        saved = portfolio_options()
    except store.StoreError as err:
        return current, error_alert(DataError(
            f"The saved-work database cannot be read ({err}); only the current portfolio can be compared until "
            "it is back. Press 'Refresh list' to try again.", code="store_unavailable"), title="Saved portfolios not listed")
    return current + saved, None


def _portfolios(picked: list[str], ws, wd) -> dict[str, pd.Series]:
    saved = iter(picked_weights([p for p in picked if p != CURRENT]))
    out: dict[str, pd.Series] = {}
    for value in picked:
        name, weights = ("Current portfolio", workspace.portfolio(ws, wd).weights) if value == CURRENT else next(saved)
        out[name] = weights
    return out


@callback(
    Output(METRICS_GRID, "rowData"), Output(METRICS_GRID, "columnDefs"), Output(graph_id(G["growth"]), "figure"),
    Output(graph_id(G["sectors"]), "figure"), Output(WEIGHTS_GRID, "rowData"), Output(WEIGHTS_GRID, "columnDefs"),
    Output(NOTES, "children"), Output(RESULT, "data"), Output(STATUS, "children"), Output(SA["compare"], "children"),
    Input(PICK, "value"), Input(ids.WORKSPACE, "data"), State(ids.THEME, "data"),
)
@reports_errors(10, title="Not compared")
def compare(picked, ws, theme):
    picked = inputs.picks(picked, "Portfolios to compare")
    if not picked:
        raise DataError(f"Pick 1 to {MAX_PORTFOLIOS} portfolios to compare.", code="bad_count")
    if len(picked) > MAX_PORTFOLIOS:
        raise DataError(f"Pick at most {MAX_PORTFOLIOS} portfolios (you picked {len(picked)}); remove one.",
                        code="bad_count")
    wd = workspace.resolve(ws)
    try:
        portfolios = _portfolios(picked, ws, wd)
    except store.StoreError as err:
        raise DataError(f"The saved-work database cannot be read ({err}).", code="store_unavailable") from err
    result = compare_portfolios(wd.prices, portfolios, wd.benchmark, sectors=wd.sectors,
                                benchmark_name=wd.benchmark_name)
    weights = result.weights.rename_axis("ticker").reset_index()
    weight_defs = column_defs(weights, dict.fromkeys(result.weights.columns, "pct"),
                              headers={"ticker": "Ticker"} | {c: c for c in result.weights.columns}, pinned="ticker")
    status = html.Span(f"Compared {len(portfolios)} portfolio{'s' if len(portfolios) > 1 else ''} from "
                       f"{wd.prices.index[0].date()} to {wd.prices.index[-1].date()} against {wd.benchmark_name}.",
                       id=f"{P}-done", className="text-success")
    stored = {"weights": {c: result.weights[c].to_dict() for c in result.weights.columns}}
    return (metric_table_rows(result), metric_table_defs(result), growth_figure(result, theme),
            bar_figure(result.sector_weights, theme, yformat=".0%"), records(weights), weight_defs,
            notes_alert(list(result.notes), title="About this comparison"), stored, status, None)


def _stored_weights(stored: object) -> dict[str, dict]:
    """Portfolio name -> weights from the comparison store (empty when it holds anything else: the browser
    sends it back, so it is input like any other)."""
    weights = stored.get("weights") if isinstance(stored, dict) else None
    if not isinstance(weights, dict):
        return {}
    return {str(name): w for name, w in weights.items() if isinstance(w, dict)}


@callback(
    Output(FROM, "options"), Output(TO, "options"), Output(FROM, "value"), Output(TO, "value"),
    Input(RESULT, "data"), State(FROM, "value"), State(TO, "value"),
)
def trade_choices(stored, chosen_from, chosen_to):
    names = list(_stored_weights(stored))
    keep_from = chosen_from if chosen_from in names else (names[0] if names else None)
    others = [n for n in names if n != keep_from]  # two different portfolios whenever there are two
    keep_to = chosen_to if chosen_to in others else (others[0] if others else keep_from)
    return names, names, keep_from, keep_to


@callback(
    Output(TRADES_GRID, "rowData"), Output(SA["trades"], "children"),
    Input(FROM, "value"), Input(TO, "value"), Input(CAPITAL, "value"), State(RESULT, "data"),
    State(ids.WORKSPACE, "data"),
)
@reports_errors(2, title="Trades not computed")
def trades(chosen_from, chosen_to, capital, stored, ws):
    weights = _stored_weights(stored)
    picked = (chosen_from, chosen_to)
    if not all(isinstance(name, str) and name in weights for name in picked):
        return [], None
    last = workspace.resolve(ws).prices.iloc[-1]
    return records(trades_between(weights[chosen_from], weights[chosen_to], last, _amount(capital))), None


@callback(
    Output(TAX_GRID, "rowData"), Output(TAX_GRID, "columnDefs"), Output(TAX_NOTE, "children"),
    Output(SA["tax"], "children"),
    Input(RESULT, "data"), State(ids.WORKSPACE, "data"),
)
@reports_errors(4, title="Tax of moving not computed")
def moving_tax(stored, ws):
    weights = _stored_weights(stored)
    wd = workspace.resolve(ws)
    if not weights or wd.lots is None or wd.holdings is None or "shares" not in wd.holdings:
        note = html.Span("Load tax lots on the Data page to see the tax of moving from the holdings to each "
                         "portfolio.", id=f"{P}-tax-none", className="text-body-secondary")
        return [], [{"field": "row", "headerName": ""}], note, None
    table = transition_tax(wd.holdings["shares"], weights, wd.prices, lots=wd.lots, history=wd.trades)
    rows, defs = keyed_rows(table, dict(TRANSITION_ROWS), {"trades": count})
    note = html.Span(f"From {wd.book.label if wd.book else 'the uploaded holdings'} at "
                     f"{wd.prices.index[-1].date()}.", id=f"{P}-tax-done")
    return rows, defs, note, None


def _amount(capital) -> float:
    try:
        return float(capital)
    except (TypeError, ValueError):
        raise DataError("Capital must be a positive amount (for example 1000000).", code="bad_value") from None


@callback(
    Output(COST_GRID, "rowData"), Output(COST_GRID, "columnDefs"), Output(COST_NOTE, "children"),
    Output(SA["cost"], "children"),
    Input(RESULT, "data"), Input(CAPITAL, "value"), State(ids.WORKSPACE, "data"),
)
@reports_errors(4, title="Execution cost not computed")
def execution_cost(stored, capital, ws):
    """The Execute desk's expected cost of each trade list: from the holdings, else from the first portfolio."""
    weights = inputs.mapping(inputs.mapping(stored).get("weights"))
    if not weights:
        return [], [{"field": "row", "headerName": ""}], None, None
    wd = workspace.resolve(ws)
    held = wd.holdings["shares"] if wd.holdings is not None and "shares" in wd.holdings else None
    result = transition_cost(weights, wd.prices, holdings_shares=held, capital=_amount(capital))
    rows, defs = keyed_rows(result.table, dict(TRANSITION_COST_ROWS), {"orders": count, "cost_bps": basis_points})
    return rows, defs, html.Span(result.notes[0], id=f"{P}-cost-done", className="small"), None
