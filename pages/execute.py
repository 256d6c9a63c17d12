"""Execution desk: a parent order (or the workspace trade list) into child orders, with costs and risk.

Each section has its own callback, so a control recomputes only what it drives. The
order, its market (volume curve, order book, impact fit) and every schedule come from
``finance_core.execution``; this module only wires controls to it.
"""

from __future__ import annotations

import math

import dash
import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

import saved_scenarios
import workspace
from components import ids
from components.alerts import alert_area, error_alert, notes_alert, reports_errors
from components.controls import choice, field, number, slider
from components.csv_export import send_csv
from components.execution_figures import (
    basket_figure,
    cost_breakdown_figure,
    frontier_figure,
    impact_figure,
    schedule_figure,
)
from components.figures import empty_figure, graph, graph_id
from components.inputs import choice_input, number_input, whole_input
from components.jobs import JobIds, job_panel
from components.layout import kpi_card, kpi_row, money, page_header, section
from components.scenario_picker import ScenarioPicker
from components.tables import grid, records
from components.upload import UploadIds, decode_upload, upload_box
from components.urlstate import UrlState, flag
from finance_core import execution
from finance_core.errors import DataError, FinanceError

dash.register_page(__name__, path="/execute", name="Execute", title="Execute - Portfolio Desk", order=2)

P = "exec"
TICKER, SIDE, SHARES, HORIZON, INTERVALS, START, VOLUME = (
    f"{P}-ticker", f"{P}-side", f"{P}-shares", f"{P}-horizon", f"{P}-intervals", f"{P}-start", f"{P}-volume")
STRATEGY, IMPACT, RISK, URGENCY, CAP, SEED = (
    f"{P}-strategy", f"{P}-impact", f"{P}-risk", f"{P}-urgency", f"{P}-cap", f"{P}-seed")
URGENCY_NOTE, BOOK_SOURCE, BOOK_STORE, VOL_STORE = (
    f"{P}-urgency-note", f"{P}-book-source", f"{P}-book-store", f"{P}-volume-store")
NO_TRADE = f"{P}-no-trade"
ALERTS, NOTES, MARKET_KPIS, SCHED_KPIS, FIT_TEXT = (
    f"{P}-alerts", f"{P}-notes", f"{P}-market-kpis", f"{P}-schedule-kpis", f"{P}-fit-text")
CHILD_GRID, COMPARE_GRID, FIT_GRID, SOLVER_GRID = (
    f"{P}-child-grid", f"{P}-compare-grid", f"{P}-fit-grid", f"{P}-solver-grid")
# The frontier and the comparison report their own errors: a success elsewhere never clears them.
FRONTIER_ALERT, COMPARE_ALERT = f"{P}-frontier-alert", f"{P}-compare-alert"
EXPORT, EXPORT_DOWNLOAD, EXPORT_STATUS = f"{P}-export-csv", f"{P}-export-download", f"{P}-export-status"
SCHED_ALERT, BASKET_ALERT = f"{P}-schedule-alert", f"{P}-basket-alert"
BASKET_SAVE, BASKET_SAVED = f"{P}-basket-save", f"{P}-basket-saved"
BASKET_STRATEGY, BASKET_SAMPLE, BASKET_STATUS, BASKET_KPIS, BASKET_GRID = (
    f"{P}-basket-strategy", f"{P}-basket-sample", f"{P}-basket-status", f"{P}-basket-kpis", f"{P}-basket-grid")
BOOK_UPLOAD, VOL_UPLOAD = UploadIds("exec-book"), UploadIds("exec-volume")
SOLVER_JOB = JobIds(f"{P}-solvers")
G = {k: f"{P}-{k}" for k in ("schedule", "costs", "frontier", "impact", "basket")}
STRATEGIES = {
    "optimal": "Impact-optimal (water-filling)",
    "twap": "TWAP",
    "vwap": "VWAP",
    "pov": "POV (participation = the cap)",
    "almgren_chriss": "Almgren-Chriss (risk aversion)",
}
BASKET_STRATEGIES = {k: v for k, v in STRATEGIES.items() if k != "pov"}
RISK_MIN, RISK_MAX = -10, -4
# A number box with a step refuses values off it (547 with step 100): the browser then sends None.
# Boxes accept any number and finance_core says what is wrong with it (not whole, not positive).
FREE_STEP = "any"
URL = UrlState(
    P,
    {
        "ticker": (TICKER, "value", str, "AAPL"),
        "side": (SIDE, "value", str, "buy"),
        "shares": (SHARES, "value", float, 200_000),
        "horizon": (HORIZON, "value", float, 390),
        "intervals": (INTERVALS, "value", float, 13),
        "start": (START, "value", str, "09:30"),
        "volume": (VOLUME, "value", float, 5_000_000),
        "strategy": (STRATEGY, "value", str, "optimal"),
        "impact": (IMPACT, "value", str, "linear"),
        "risk": (RISK, "value", float, -7.0),
        "cap": (CAP, "value", float, 0.1),
        "seed": (SEED, "value", int, 0),
        "no_trade": (NO_TRADE, "value", str, ""),
        "basket": (BASKET_STRATEGY, "value", str, "vwap"),
        "sample": (BASKET_SAMPLE, "value", flag, True),
    },
    bounds={"risk": (RISK_MIN, RISK_MAX), "cap": (0.01, 0.5)},
)
URL.register()
#: The execution setting a named scenario keeps: the order, its market and every strategy setting.
EXECUTION = ScenarioPicker(P, "execution", URL.controls())
EXECUTION_CALLBACKS = saved_scenarios.register(EXECUTION)
# Every cost in the comparison is money but the variance (money squared, not shown).
COST_FORMATS = dict.fromkeys([c for c in execution.COST_ROWS if c != "variance"] + ["risk_adjusted", "saving_vs_twap"],
                             "money")
COMPARE_COLUMNS = [
    "strategy",
    "expected_cost",
    "cost_bps",
    "saving_vs_twap",
    "spread",
    "temporary",
    "permanent",
    "timing_risk",
    "risk_adjusted",
    "max_participation",
    "intervals_used",
    "note",
]
# The schedule's child orders, and whether each interval falls in a no-trade window (the page marks it).
CHILD_COLUMNS = [*execution.CHILD_ORDER_COLUMNS, "no_trade"]
_NOT_RUN = empty_figure("Fill in the order above.")


def _order_form(v: dict) -> dbc.Card:
    side = dbc.RadioItems(id=SIDE, options=[{"label": "Buy", "value": "buy"}, {"label": "Sell", "value": "sell"}],
                          value=v["side"], inline=True)
    risk = slider(RISK, RISK_MIN, RISK_MAX, 0.1, v["risk"], {i: f"1e{i}" for i in range(-10, -3, 2)})
    cap = slider(CAP, 0.01, 0.5, 0.01, v["cap"], {0.01: "1%", 0.1: "10%", 0.25: "25%", 0.5: "50%"})
    urgency = slider(URGENCY, 0, 10, 0.1, 1.0, {0: "0 (TWAP)", 2: "2", 5: "5", 10: "10"})
    return dbc.Card(dbc.CardBody([
        html.H5("Parent order", className="mb-2"),
        dbc.Row([
            field("Ticker", dcc.Dropdown(id=TICKER, options=[], value=v["ticker"], clearable=False), md=2),
            field("Side", side, md=2),
            field("Shares", number(SHARES, v["shares"], step=FREE_STEP), md=2,
                  hint="Any whole number: child orders go out in round lots, with one odd lot"),
            field("Horizon (minutes)", number(HORIZON, v["horizon"], step=FREE_STEP), md=2,
                  hint="390 = the whole session"),
            field("Intervals", number(INTERVALS, v["intervals"], step=FREE_STEP), md=1),
            field("Start (HH:MM)", dbc.Input(id=START, value=v["start"], type="text", debounce=True), md=1),
            field("Daily volume (shares)", number(VOLUME, v["volume"], step=FREE_STEP), md=2,
                  hint="No volumes in the bundled data: enter one, or upload bars below"),
        ], className="g-3 mb-2"),
        dbc.Row([
            field("Strategy", choice(STRATEGY, STRATEGIES, v["strategy"]), md=3),
            field("Risk aversion lambda (log10, per $)", risk, md=3,
                  hint="Drives Almgren-Chriss and the frontier point"),
            field("Urgency (sets the risk aversion)", urgency, md=3),
            field("Participation cap (% of volume)", cap, md=3, hint="Caps the impact-optimal schedule; POV's rate"),
        ], className="g-3"),
        html.Small(id=URGENCY_NOTE, className="text-body-secondary d-block mt-1"),
        dbc.Row([
            field("No-trade windows (HH:MM-HH:MM, comma separated)",
                  dbc.Input(id=NO_TRADE, value=v["no_trade"], type="text", debounce=True,
                            placeholder="e.g. 12:00-13:00, 15:50-16:00"), md=6,
                  hint="No child orders in these windows (impact-optimal schedule); an interval that touches a "
                  "window is skipped whole"),
        ], className="g-3 mt-1"),
    ]), className="mb-3 no-print")


FIT_COLUMNS = ["interval_start", "r2_train", "r2_test", "rmse_test_bps", "rmse_test", "n_test"]
IMPACT_MODELS = {"linear": "Linear g(x) = c + b x", "quadratic": "Quadratic g(x) = c + b x + a x^2"}


def _sources(v: dict) -> dbc.Row:
    book_choice = dbc.Card(dbc.CardBody([
        html.H6("Order book and impact model", className="mb-1"),
        dbc.RadioItems(id=BOOK_SOURCE, options=[
            {"label": "Synthetic book (seeded, mid at the last close)", "value": "synthetic"},
            {"label": "Uploaded snapshots", "value": "upload"},
        ], value="synthetic", className="mb-2"),
        dbc.Row([field("Seed", number(SEED, v["seed"], step=1), md=4),
                 field("Impact model", choice(IMPACT, IMPACT_MODELS, v["impact"]), md=8)], className="g-2"),
    ]), className="h-100")
    book = upload_box(BOOK_UPLOAD, "Order-book snapshots", "time,side (bid/ask),level (1 = best),price,size; "
                      "used when 'Uploaded snapshots' is chosen.")
    volumes = upload_box(VOL_UPLOAD, "Intraday volumes", "time,volume bars (e.g. 5-minute) over one or more days: "
                         "sets the VWAP profile and the daily volume.")
    return dbc.Row([dbc.Col(c, md=4, className="mb-2") for c in (book_choice, book, volumes)],
                   className="g-2 mb-2 no-print")


def _compare_grid():
    table = grid(
        COMPARE_GRID,
        pd.DataFrame(columns=COMPARE_COLUMNS),
        height=260,
        csv_name="strategy-comparison",
        formats={**COST_FORMATS, "cost_bps": "num", "max_participation": "pct", "intervals_used": "int"},
        headers={
            "cost_bps": "Cost (bps)",
            "saving_vs_twap": "Saving vs TWAP",
            "max_participation": "Max participation",
        },
    )
    table.columnDefs[0].update(minWidth=150, pinned="left")
    table.columnDefs[-1].update(minWidth=260)
    return table


def _schedule_section() -> html.Section:
    export = html.Div([
        html.H6("Child orders", className="mb-0 me-3"),
        dbc.Button("Download child orders (CSV)", id=EXPORT, size="sm", color="primary", outline=True, n_clicks=0),
        html.Small(id=EXPORT_STATUS, className="ms-2"),
    ], className="d-flex align-items-center mb-2")
    return section(
        "Schedule",
        alert_area(SCHED_ALERT),
        html.Div(id=SCHED_KPIS),
        graph(G["schedule"], _NOT_RUN, title="Child orders, cumulative execution and the market volume curve"),
        dbc.Row([
            dbc.Col(graph(G["costs"], _NOT_RUN, title="Cost breakdown: chosen schedule against TWAP"), lg=6),
            dbc.Col([alert_area(FRONTIER_ALERT),
                     graph(G["frontier"], _NOT_RUN, title="Almgren-Chriss efficient frontier")], lg=6),
        ]),
        export,
        grid(CHILD_GRID, pd.DataFrame(columns=CHILD_COLUMNS), height=300, csv_name="child-orders",
             formats={"shares": "int", "cumulative": "int", "remaining": "int", "expected_volume": "int",
                      "participation": "pct"}, headers={"no_trade": "No-trade"}),
        note="Whole shares in round lots of 100 that add up exactly to the order; the odd lot, if any, goes with "
        "the last child order. "
        "No-trade windows are shaded on the chart.",
    )


def _impact_section() -> html.Section:
    fit = grid(FIT_GRID, pd.DataFrame(columns=FIT_COLUMNS), height=300, csv_name="impact-fit",
               formats={"r2_train": "ratio", "r2_test": "ratio"},
               headers={"r2_train": "R2 train", "r2_test": "R2 held out", "rmse_test_bps": "RMSE held out (bps)",
                        "rmse_test": "RMSE held out ($/share)"})
    for col in fit.columnDefs:  # two significant digits: a RMSE of $0.004 is not "0.00"
        if col["field"] in ("rmse_test_bps", "rmse_test"):
            col["valueFormatter"] = {"function": "params.value == null ? '' : d3.format('.2r')(params.value)"}
    return section("Impact model", dbc.Row([
        dbc.Col(graph(G["impact"], _NOT_RUN, title="Slippage from walking the book, and the fitted curves"), lg=7),
        dbc.Col([html.Div(id=FIT_TEXT, className="mb-2"), fit], lg=5),
    ]))


def _basket_section(v: dict) -> html.Section:
    sample = dbc.Switch(id=BASKET_SAMPLE, value=v["sample"],
                        label="Use a sample basket from the universe when the workspace has no trade list")
    save = html.Div([
        dbc.Button("Add to presentation", id=BASKET_SAVE, n_clicks=0, size="sm", color="success", outline=True,
                   className="me-2"),
        html.Small("stores the expected cost and the saving against TWAP of the workspace trade list for the "
                   "Present page", className="text-body-secondary"),
    ], className="mb-2 no-print")
    columns = ["ticker", "side", "shares", "price", "notional", "expected_cost", "cost_bps", "timing_risk"]
    money = ("price", "notional", "expected_cost", "timing_risk", "spread", "temporary", "permanent")
    return section(
        "Basket",
        dbc.Row([field("Basket strategy", choice(BASKET_STRATEGY, BASKET_STRATEGIES, v["basket"]), md=3),
                 dbc.Col(sample, md=6, className="d-flex align-items-end")], className="g-3 mb-2 no-print"),
        html.Div(id=BASKET_STATUS, className="mb-2"),
        save,
        html.Div(id=BASKET_SAVED),
        alert_area(BASKET_ALERT),
        html.Div(id=BASKET_KPIS),
        graph(G["basket"], _NOT_RUN, title="Buys, sells and the running cash imbalance"),
        grid(BASKET_GRID, pd.DataFrame(columns=columns), height=260, csv_name="basket-costs",
             formats={"shares": "int", "cost_bps": "num", **dict.fromkeys(money, "money")}),
        note="Each name is costed as the order above would be on its own (same cost model, window, intervals, "
        "daily volume and strategy settings), so an order costs the same here and above. The basket notes say "
        "what is shared: one daily volume for every name, no no-trade windows.",
    )


def layout(**query) -> html.Div:
    values, problems = URL.read(query)
    return html.Div([
        URL.sink(), dcc.Store(id=BOOK_STORE), dcc.Store(id=VOL_STORE), dcc.Download(id=EXPORT_DOWNLOAD),
        page_header("Execution scheduling", "Turn a parent order, or the construction desk's trade list, into "
                                            "child orders that minimise cost and risk."),
        _order_form(values),
        EXECUTION.layout(),
        _sources(values),
        alert_area(ALERTS),
        html.Div([error_alert(p, title="Link adjusted") for p in problems], id=f"{P}-url-problems"),
        alert_area(NOTES),
        html.Div(id=MARKET_KPIS),
        _schedule_section(),
        section("All strategies for this order", alert_area(COMPARE_ALERT), _compare_grid(),
                note="Same cost model for every row: the impact fitted to the book, Almgren-Chriss permanent impact "
                "and timing risk. POV trades at the cap; the impact-optimal schedule stays under it."),
        _impact_section(),
        section(
            "Solvers cross-check",
            job_panel(SOLVER_JOB, "Solve with all three solvers"),
            grid(SOLVER_GRID, pd.DataFrame(columns=["solver", "answered_by", "exact_cost", "relative_gap", "seconds"]),
                 height=170, csv_name="solver-check", formats={"exact_cost": "money", "seconds": "num"}),
            note="The impact-optimal schedule by exact water-filling, by cvxpy and by scipy (rescaled variables): "
            "the costs agree to about 1e-6 or better.",
        ),
        _basket_section(values),
    ])


# --------------------------------------------------------------------------- the order
# The order form by the names _order takes it by: the workspace, the parent order and its market.
ORDER_FORM = {
    "ws": (ids.WORKSPACE, "data"),
    "ticker": (TICKER, "value"),
    "side": (SIDE, "value"),
    "shares": (SHARES, "value"),
    "horizon": (HORIZON, "value"),
    "intervals": (INTERVALS, "value"),
    "start": (START, "value"),
    "volume": (VOLUME, "value"),
    "impact": (IMPACT, "value"),
    "source": (BOOK_SOURCE, "value"),
    "book_ref": (BOOK_STORE, "data"),
    "vol_ref": (VOL_STORE, "data"),
    "seed": (SEED, "value"),
}
# The order form's market, shared by the basket: the ticker (whose uploaded book it uses), window, volume, book.
MARKET = ("ticker", "horizon", "intervals", "start", "volume", "impact", "source", "book_ref", "vol_ref", "seed")


def _inputs(kind=Input, names=tuple(ORDER_FORM)) -> dict:
    """``{name: kind(id, property)}`` for the order form's controls ``names`` (all by default)."""
    return {name: kind(*ORDER_FORM[name]) for name in names}


def _schedule_inputs() -> dict:
    """The inputs of the schedule and its frontier: the order form, the strategy and its settings."""
    return dict(order=_inputs(), strategy=Input(STRATEGY, "value"), risk=Input(RISK, "value"),
                cap=Input(CAP, "value"), no_trade=Input(NO_TRADE, "value"))


def _stored(ref: dict | None, what: str):
    if not ref:
        return None
    if not isinstance(ref, dict) or not isinstance(ref.get("key"), str):
        raise DataError(f"The uploaded {what} could not be read from this page; upload it again.",
                        code="upload_expired")
    obj = workspace.frame_store().get(ref["key"])
    if obj is None:
        raise DataError(
            f"The uploaded {what} {ref.get('name', '')!r} is no longer on the server. Upload it again.",
            code="upload_expired",
        )
    return obj


def _order(*, ws, ticker, side, shares, **market):
    """The OrderModel for the form's values (by their ORDER_FORM names; ``market``: the keywords of _market);
    DataError names the field that is wrong."""
    wd = workspace.resolve(ws)
    if not isinstance(ticker, str) or ticker not in wd.prices.columns:
        raise DataError(
            f"{ticker!r} is not in the workspace universe. Pick a ticker from the list (or add it on "
            "the Data page).",
            code="unknown_ticker",
        )
    book, kw = _market(**market)
    label = None if book is None else f"uploaded book {market['book_ref'].get('name', '')}"
    return execution.order_model(wd.prices[ticker], shares, side=side, book=book, book_label=label, **kw)


def _market(*, horizon, intervals, start, volume, impact, source, book_ref, vol_ref, seed):
    """The form's order book (None: synthetic) and the other market keywords of ``execution.order_model``."""
    book = None
    if source == "upload":
        book = _stored(book_ref, "order book")
        if book is None:
            raise DataError(
                "No order-book file has been uploaded. Upload snapshots (time,side,level,price,size) "
                "or choose the synthetic book.",
                code="no_upload",
            )
    return book, dict(
        horizon_minutes=horizon,
        n_intervals=intervals,
        start_time=start,
        daily_volume=volume,
        intraday_volumes=_stored(vol_ref, "volume file"),
        impact_model=choice_input(impact or "linear", IMPACT_MODELS, "The impact model"),
        seed=whole_input(seed, "The random seed", lo=0, hi=2**32 - 1, default=0),
    )


def _section_order(order: dict):
    """The order for a secondary section: an order problem is explained once, above the market figures."""
    try:
        return _order(**order)
    except FinanceError:
        raise DataError(
            "Not computed: the order or its market data has a problem (the message above the market figures "
            "says what to fix).",
            code="order",
        ) from None


def _schedule_kpis(s: pd.Series, mask) -> dbc.Row:
    blocked = f"; {int(mask.sum())} intervals in no-trade windows" if mask is not None else ""
    return kpi_row([
        kpi_card("Expected cost", money(s["expected_cost"]), id_=f"{P}-kpi-cost",
                 hint=f"{s['cost_bps']:.2f} bps of {money(s['notional'])}"),
        kpi_card("Timing risk (1 sd)", money(s["timing_risk"]), id_=f"{P}-kpi-risk"),
        kpi_card("Saving vs TWAP", money(s["saving_vs_twap"]), id_=f"{P}-kpi-saving",
                 hint=f"{s['saving_bps']:+.2f} bps"),
        kpi_card("Peak participation", f"{s['max_participation']:.1%}", id_=f"{P}-kpi-participation",
                 hint=f"{s['child_orders']:.0f} child orders; the order is {s['order_share_of_volume']:.1%} of the "
                 f"window's volume{blocked}"),
    ])


def _lam(risk) -> float:
    """Risk aversion lambda from the slider's log10 value."""
    if risk is None:
        raise DataError("Set the risk aversion slider.", code="missing_value")
    position = number_input(risk, "The risk aversion (log10 lambda)", lo=RISK_MIN, hi=RISK_MAX)
    return 10.0 ** position if position > RISK_MIN else 0.0


def _clock(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Times of day as HH:MM text for the grids (the session date is the same on every row)."""
    return frame.assign(**{c: pd.to_datetime(frame[c]).dt.strftime("%H:%M") for c in columns})


@callback(
    Output(TICKER, "options"),
    Output(TICKER, "value"),
    Input(ids.WORKSPACE, "data"),
    State(TICKER, "value"),
)
def tickers(ws, current):
    try:
        universe = list(workspace.resolve(ws).prices.columns)
    except FinanceError:
        return [], no_update
    return [{"label": t, "value": t} for t in universe], current if current in universe else universe[0]


@callback(
    Output(MARKET_KPIS, "children"),
    Output(graph_id(G["impact"]), "figure"),
    Output(FIT_TEXT, "children"),
    Output(FIT_GRID, "rowData"),
    Output(NOTES, "children"),
    Output(ALERTS, "children"),
    inputs=dict(order=_inputs()),
    state=dict(theme=State(ids.THEME, "data")),
)
@reports_errors(6)
def market(order, theme):
    m = _order(**order)
    curves = m.impact.per_share(m.slippage.columns)
    picks = sorted({0, curves.shape[1] // 2, curves.shape[1] - 1})
    fitted = curves.iloc[:, picks].rename(columns=lambda t: f"Fit from {t:%H:%M}" if hasattr(t, "strftime") else t)
    quality = m.fit_quality.rename_axis("interval_start").reset_index()[FIT_COLUMNS]
    return (_market_kpis(m), impact_figure(m.slippage, fitted, theme), _fit_text(m),
            records(_clock(quality, ["interval_start"])), notes_alert(list(m.notes)), None)


def _fit_text(m) -> html.Div:
    """How well the impact model predicts the snapshots it never saw."""
    imp = m.impact
    return html.Div([
        html.Strong(f"{imp.model.capitalize()} impact, {imp.n_intervals} intervals. "),
        html.Span(f"Held-out R2 {imp.r2_test:.3f} (in-sample {imp.r2_train:.3f}), held-out RMSE "
                  f"{_sig2(m.rmse_test_bps)} bps of the mid price (${_sig2(imp.rmse_test)} per share), on 25% of "
                  "the snapshots of each interval that the fit never saw.", id=f"{P}-fit-quality"),
        html.Div(f"Source: {m.book_label}, {m.book.n_snapshots} snapshots.", className="small text-body-secondary"),
    ])


def _sig2(x: float) -> str:
    """Two significant digits without an exponent: 0.32, 0.0040, 0.000012, 12, 1,234."""
    if not math.isfinite(x) or x == 0:
        return f"{x:g}"
    return f"{x:,.{max(0, 1 - math.floor(math.log10(abs(x))))}f}"


def _market_kpis(m) -> dbc.Row:
    return kpi_row([
        kpi_card(f"{m.ticker} last close", f"${m.price:,.2f}", id_=f"{P}-kpi-price"),
        kpi_card("Annual volatility (1 year)", f"{m.annual_volatility:.1%}", id_=f"{P}-kpi-vol"),
        kpi_card("Expected volume in the window", f"{m.volumes.sum():,.0f}", id_=f"{P}-kpi-window-volume"),
        kpi_card("Permanent impact gamma", money(m.permanent * 1e6, decimals=2), id_=f"{P}-kpi-gamma",
                 hint="per share, per million shares traded (one spread per 10% of daily volume)"),
    ])


@callback(
    Output(SCHED_KPIS, "children"),
    Output(graph_id(G["schedule"]), "figure"),
    Output(graph_id(G["costs"]), "figure"),
    Output(CHILD_GRID, "rowData"),
    Output(SCHED_ALERT, "children"),
    inputs=_schedule_inputs(),
    state=dict(theme=State(ids.THEME, "data")),
)
@reports_errors(5, title="Schedule not computed")
def schedule(order, strategy, risk, cap, no_trade, theme):
    m = _order(**order)
    mask, notes = m.no_trade_windows(no_trade)
    sched = m.schedule(strategy, risk_aversion=_lam(risk), participation=cap, no_trade=mask)
    twap = m.schedule("twap")
    if mask is not None and sched.strategy == "optimal":
        free = m.schedule("optimal", participation=cap)
        notes.append(
            f"The no-trade windows add about {money(max(sched.exact_cost - free.exact_cost, 0.0))} to the expected "
            f"cost: without them the impact-optimal schedule is expected to cost {money(free.expected_cost)}. "
            "The saving against TWAP is against TWAP trading through the windows."
        )
    label = STRATEGIES.get(strategy, strategy).split(" (")[0]
    costs = pd.DataFrame({label: sched.costs, "TWAP": twap.costs})
    kpis = _schedule_kpis(m.summary(sched), mask)
    cap_line = cap if strategy in ("optimal", "pov") else None
    children = sched.to_frame().assign(no_trade=np.where(mask, "yes", "") if mask is not None else "")
    return (
        kpis,
        schedule_figure(sched, theme, cap=cap_line, no_trade=mask),
        cost_breakdown_figure(costs, theme),
        records(_clock(children, ["start", "end"])),
        notes_alert(notes + list(sched.notes), title=f"{label} notes"),
    )


@callback(
    Output(graph_id(G["frontier"]), "figure"),
    Output(FRONTIER_ALERT, "children"),
    inputs=_schedule_inputs(),
    state=dict(theme=State(ids.THEME, "data")),
)
@reports_errors(2, title="Frontier not computed")
def frontier(order, strategy, risk, cap, no_trade, theme):
    """The frontier with the schedule shown above as its star (same strategy, lambda, intervals, costs)."""
    m = _section_order(order)
    mask = _section_mask(m, no_trade)
    try:
        shown = m.schedule(strategy, risk_aversion=_lam(risk), participation=cap, no_trade=mask)
    except FinanceError:
        raise DataError("Not computed: the schedule could not be built (its message says what to fix).",
                        code="schedule") from None
    label = STRATEGIES.get(strategy, strategy).split(" (")[0]
    if shown.strategy == "almgren_chriss":
        label += f", lambda {shown.risk_aversion:.1e}"
    chosen = pd.DataFrame({"std": [shown.timing_risk], "expected_cost": [shown.expected_cost]},
                          index=pd.Index([shown.risk_aversion], name="risk_aversion"))
    return frontier_figure(m.frontier(), chosen, theme, label=f"Chosen: {label} (the schedule shown)"), None


@callback(
    Output(COMPARE_GRID, "rowData"),
    Output(COMPARE_ALERT, "children"),
    inputs=dict(order=_inputs(), risk=Input(RISK, "value"), cap=Input(CAP, "value"), no_trade=Input(NO_TRADE, "value")),
)
@reports_errors(2, title="Strategies not compared")
def comparison(order, risk, cap, no_trade):
    m = _section_order(order)
    table = m.compare(risk_aversion=_lam(risk), participation=cap, no_trade=_section_mask(m, no_trade))
    table = table.reset_index().assign(
        strategy=lambda f: f["strategy"].map(lambda s: STRATEGIES[s].split(" (")[0])
    )
    return records(table[COMPARE_COLUMNS]), None


def _section_mask(m, no_trade):
    """The no-trade mask for a secondary section: a problem with the windows is explained once, by the schedule."""
    try:
        return m.no_trade_windows(no_trade)[0]
    except DataError:
        raise DataError(
            "Not computed: the no-trade windows have a problem (the schedule's message says what to fix).",
            code="no_trade",
        ) from None


@callback(
    Output(URGENCY, "value"),
    Output(RISK, "value"),
    Output(URGENCY_NOTE, "children"),
    inputs=dict(
        urgency_value=Input(URGENCY, "value"),
        risk=Input(RISK, "value"),
        # The ticker is filled in from the workspace after the page mounts: the note follows it.
        order={**_inputs(State), **_inputs(Input, ("ticker",))},
    ),
)
def urgency(urgency_value, risk, order):
    """Urgency is kappa T (horizon / half-life of Almgren-Chriss); moving it sets the risk aversion."""
    moved_urgency = ctx.triggered_id == URGENCY
    if order["ticker"] is None:  # the page is still filling in its ticker list
        return no_update, no_update, None
    try:
        m = _order(**order)
        if moved_urgency:
            risk = _log_slider(m.risk_aversion_for_urgency(
                number_input(urgency_value, "The urgency", lo=0, hi=10, default=0.0)))
        kt = m.urgency(_lam(risk))
    except FinanceError as err:
        return no_update, no_update, f"Urgency not linked: {err.message}"
    note = (
        f"Urgency = horizon / half-life = kappa T = {kt:.2f} at lambda = {_lam(risk):.2e} per $ "
        "(Almgren-Chriss on this order; 0 is TWAP). Moving the urgency slider sets the risk aversion."
    )
    return (
        no_update if moved_urgency else round(min(kt, 10.0), 1),
        risk if moved_urgency else no_update,
        html.Span(note, id=f"{P}-urgency-text"),
    )


def _log_slider(lam: float) -> float:
    """The risk-aversion slider position (log10 lambda, clamped to the slider) for ``lam``."""
    return RISK_MIN if lam <= 0 else min(max(RISK_MIN, round(math.log10(lam), 2)), RISK_MAX)


@callback(
    Output(EXPORT_DOWNLOAD, "data"),
    Output(EXPORT_STATUS, "children"),
    inputs=dict(_clicks=Input(EXPORT, "n_clicks")),
    state=dict(
        order=_inputs(State),
        strategy=State(STRATEGY, "value"),
        risk=State(RISK, "value"),
        cap=State(CAP, "value"),
        no_trade=State(NO_TRADE, "value"),
    ),
    prevent_initial_call=True,
)
@reports_errors(2, title="Not exported")
def export_child_orders(_clicks, order, strategy, risk, cap, no_trade):
    m = _order(**order)
    strategy = choice_input(strategy, STRATEGIES, "The strategy")
    mask, _notes = m.no_trade_windows(no_trade)
    frame = m.schedule(strategy, risk_aversion=_lam(risk), participation=cap, no_trade=mask).to_frame()
    frame.insert(0, "ticker", m.ticker)
    if mask is not None:
        frame["no_trade"] = mask
    name = f"child-orders-{m.ticker}-{m.side}-{strategy}.csv"
    return (
        send_csv(frame, name, index=False, date_format="%Y-%m-%d %H:%M"),
        html.Span(f"Saved {name} ({len(frame)} child orders).", className="text-success"),
    )


@callback(
    Output(BOOK_STORE, "data"),
    Output(BOOK_SOURCE, "value"),
    Output(BOOK_UPLOAD.status, "children"),
    Output(BOOK_UPLOAD.upload, "contents"),
    Input(BOOK_UPLOAD.upload, "contents"),
    State(BOOK_UPLOAD.upload, "filename"),
    prevent_initial_call=True,
)
def upload_book(contents, filename):
    def read(raw):
        book = execution.read_order_book_csv(raw, name=filename)
        return book, "upload", f"{book.n_snapshots} snapshots, {book.n_levels} levels"

    return _load_upload(contents, filename, "orderbook", read, "Order book not loaded")


@callback(
    Output(VOL_STORE, "data"),
    Output(VOLUME, "value"),
    Output(VOL_UPLOAD.status, "children"),
    Output(VOL_UPLOAD.upload, "contents"),
    Input(VOL_UPLOAD.upload, "contents"),
    State(VOL_UPLOAD.upload, "filename"),
    prevent_initial_call=True,
)
def upload_volumes(contents, filename):
    def read(raw):
        bars = execution.read_volume_csv(raw, name=filename)
        daily = execution.daily_volume_estimate(bars)
        days = bars.index.normalize().nunique()
        return bars, round(daily), f"{len(bars)} bars over {days} days; average daily volume {daily:,.0f} shares"

    return _load_upload(contents, filename, "intraday_volume", read, "Volumes not loaded")


def _load_upload(contents, filename, kind, read, title):
    """Parse an upload with ``read(raw) -> (parsed, value, summary)`` and cache it by SHA-256.

    Returns (store reference, the value for the control it sets, status line, cleared contents);
    a refused file leaves the store and the control alone, and its status line says why.
    """
    try:
        raw = decode_upload(contents, filename)
        parsed, value, summary = read(raw)
    except FinanceError as err:
        return no_update, no_update, error_alert(err, title=title), None
    key = workspace.frame_store().put(kind, raw, parsed)
    status = html.Span(f"Loaded {filename}: {summary}", className="text-success")
    return {"key": key, "name": filename}, value, status, None


@callback(
    Output(BOOK_UPLOAD.download, "data"),
    Input(BOOK_UPLOAD.sample, "n_clicks"),
    prevent_initial_call=True,
)
def sample_book(_clicks):
    book = execution.synthetic_order_book(30, 5, base_price=100.0, spread=0.02, depth=1_000, seed=1)
    return dcc.send_data_frame(
        book.to_frame().to_csv, "sample-order-book.csv", index=False, date_format="%Y-%m-%d %H:%M"
    )


@callback(
    Output(VOL_UPLOAD.download, "data"),
    Input(VOL_UPLOAD.sample, "n_clicks"),
    prevent_initial_call=True,
)
def sample_volumes(_clicks):
    return dcc.send_string(execution.sample_volume_csv(), "sample-intraday-volume.csv")


# --------------------------------------------------------------------------- basket
def _basket_trades(ws, wd, use_sample: bool) -> tuple[pd.DataFrame | None, str]:
    trades = ((ws or {}).get("target") or {}).get("trades") or []
    if trades:
        return pd.DataFrame(trades), f"Trade list from the construction desk: {len(trades)} orders."
    if not use_sample:
        return None, (
            "The workspace has no trade list yet: build a target on the Construct page, or switch on the "
            "sample basket to see how the basket is scheduled."
        )
    return execution.sample_basket(wd.prices), (
        "The workspace has no trade list yet (the construction desk writes "
        "one); showing a sample basket: alternate buys and sells of about "
        "$1,000,000 in the first six names of the universe."
    )


def _schedule_basket(wd, trades, strategy, risk, cap, market: dict):
    """The trade list scheduled as a basket, each name costed as the order form would cost it alone
    (``market``: the MARKET controls by name)."""
    ticker = market["ticker"]
    strategy = choice_input(strategy, BASKET_STRATEGIES, "The basket strategy")
    book, kw = _market(**{name: value for name, value in market.items() if name != "ticker"})
    return execution.order_basket(
        wd.prices,
        trades,
        strategy,
        risk_aversion=_lam(risk),
        max_participation=cap,
        books=None if book is None else {ticker: book},
        **kw,
    )


def _versus_twap(saving: float) -> str:
    """'$X less than TWAP' for a saving, '$X more than TWAP' for an extra cost."""
    if abs(saving) < 0.5:  # under a dollar: "$0 less" would read as a rounding slip
        return "the same as TWAP to the dollar"
    return f"{money(abs(saving))} {'less' if saving > 0 else 'more'} than TWAP"


@callback(
    Output(ids.WORKSPACE, "data", allow_duplicate=True),
    Output(BASKET_SAVED, "children"),
    inputs=dict(clicks=Input(BASKET_SAVE, "n_clicks")),
    state=dict(
        ws=State(ids.WORKSPACE, "data"),
        strategy=State(BASKET_STRATEGY, "value"),
        risk=State(RISK, "value"),
        cap=State(CAP, "value"),
        market=_inputs(State, MARKET),
    ),
    prevent_initial_call=True,
)
@reports_errors(2, title="Not added to the presentation")
def save_basket_summary(clicks, ws, strategy, risk, cap, market):
    """Store the basket's expected cost and saving against TWAP for the presentation view (on a click only)."""
    if not clicks:  # the button is rendered (page opened, link restored) with n_clicks 0: not a click
        raise PreventUpdate
    wd = workspace.resolve(ws)
    trades, _status = _basket_trades(ws, wd, use_sample=False)
    if trades is None:
        raise DataError("The workspace has no trade list: build a target on the Construct page and press "
                        "'Use as target' first.", code="no_trades")
    chosen = _schedule_basket(wd, trades, strategy, risk, cap, market)
    saving = _schedule_basket(wd, trades, "twap", risk, cap, market).expected_cost - chosen.expected_cost
    volume = float(market["volume"])
    label = BASKET_STRATEGIES[strategy].split(" (")[0]
    text = (f"Executing the target's {len(trades)} trades with {label} is expected to cost "
            f"{money(chosen.expected_cost)}, {_versus_twap(saving)} (daily volume {volume:,.0f} shares per name, "
            "impact fitted to each name's order book).")
    summary = {"text": text, "expected_cost": chosen.expected_cost, "saving": saving,
               "trades": ws["target"]["trades"]}  # the Present page shows it only for this trade list
    return dict(ws, execution_summary=summary), dbc.Alert(text, color="success", dismissable=True,
                                                          id=f"{P}-basket-saved-text")


@callback(
    Output(BASKET_STATUS, "children"),
    Output(BASKET_KPIS, "children"),
    Output(graph_id(G["basket"]), "figure"),
    Output(BASKET_GRID, "rowData"),
    Output(BASKET_ALERT, "children"),
    inputs=dict(
        ws=Input(ids.WORKSPACE, "data"),
        strategy=Input(BASKET_STRATEGY, "value"),
        use_sample=Input(BASKET_SAMPLE, "value"),
        risk=Input(RISK, "value"),
        cap=Input(CAP, "value"),
        market=_inputs(Input, MARKET),
    ),
    state=dict(theme=State(ids.THEME, "data")),
)
@reports_errors(5, title="Basket not scheduled")
def basket(ws, strategy, use_sample, risk, cap, market, theme):
    wd = workspace.resolve(ws)
    trades, status = _basket_trades(ws, wd, bool(use_sample))
    if trades is None:
        return (
            dbc.Alert(status, color="secondary", id=f"{P}-basket-empty"),
            None,
            empty_figure("No trade list in the workspace.", theme),
            [],
            None,
        )
    b = _schedule_basket(wd, trades, strategy, risk, cap, market)
    kpis = kpi_row(
        [
            kpi_card("Basket expected cost", money(b.expected_cost), id_=f"{P}-kpi-basket-cost"),
            kpi_card("Timing risk (uncorrelated)", money(b.timing_risk), id_=f"{P}-kpi-basket-risk"),
            kpi_card("Bought", money(b.buys.sum()), id_=f"{P}-kpi-basket-buys"),
            kpi_card("Sold", money(b.sells.sum()), id_=f"{P}-kpi-basket-sells"),
        ]
    )
    return (
        html.Span(status, id=f"{P}-basket-source"),
        kpis,
        basket_figure(b.buys, b.sells, b.cash_imbalance, theme),
        records(b.costs.reset_index()),
        notes_alert(list(b.notes), title="Basket notes"),
    )


# --------------------------------------------------------------------------- solvers (background job)
@callback(
    Output(SOLVER_GRID, "rowData"),
    Output(SOLVER_JOB.status, "children"),
    inputs=dict(_clicks=Input(SOLVER_JOB.run, "n_clicks")),
    state=dict(order=_inputs(State), cap=State(CAP, "value"), no_trade=State(NO_TRADE, "value")),
    **SOLVER_JOB.background(),
)
def solvers(set_progress, _clicks, order, cap, no_trade):
    report = SOLVER_JOB.reporter(set_progress)
    try:
        report(0.05, "building the order model")
        m = _order(**order)
        mask, _notes = m.no_trade_windows(no_trade)
        table = m.compare_solvers(
            cap, progress=lambda i, n, name: report(i / n, f"{name} done"), no_trade=mask
        )
    except FinanceError as err:
        return no_update, error_alert(err, title="Solvers not run")
    worst = table["relative_gap"].max()
    done = html.Span(
        f"All three solvers answered; largest relative cost gap {worst:.1e}.",
        id=f"{P}-solvers-done",
        className="text-success",
    )
    return records(table.reset_index()), done
