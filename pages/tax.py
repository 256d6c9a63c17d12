"""Tax desk: lots and relief methods, wash sales, Form 8949, harvesting, tax-aware rebalancing.

The trade history is replayed once per change of data, method, accounts, identical
map or rates (the ``replay`` callback); its open lots go to a Store that the lots,
harvest, rebalancing and location sections read, so a bad trade file leaves every
section with its previous result and one message naming the row. The tax cost of
the workspace target's trade list (``target_tax``) replays the history with those
trades added at the as-of date (:func:`finance_core.tax.trade_list_tax`).
"""

from __future__ import annotations

import math

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

import saved_scenarios
import workspace
from components import ids
from components.alerts import alert_area, error_alert, notes_alert, reports_errors
from components.controls import choice, field, number, slider
from components.csv_export import send_csv
from components.figures import bar_figure, graph, graph_id, line_figure
from components.inputs import choice_input, date_input, number_input, rows_input
from components.layout import kpi_card, kpi_row, money, page_header, section
from components.scenario_picker import ScenarioPicker
from components.tables import grid, records
from components.tax_figures import tradeoff_figure, wash_timeline_figure
from components.upload import UploadIds, decode_upload, upload_box, upload_status
from components.urlstate import UrlState
from finance_core import data, estimators, risk, tax
from finance_core.errors import DataError
from finance_core.tax.harvest import CANDIDATE_COLUMNS

dash.register_page(__name__, path="/tax", name="Tax", title="Tax - Portfolio Desk", order=4)

P = "tax"
METHOD, AS_OF, SOURCE, USE_SAMPLE = f"{P}-method", f"{P}-as-of", f"{P}-source", f"{P}-use-sample"
FILING, INCOME, RATES, RATES_TEXT = f"{P}-filing", f"{P}-income", f"{P}-rates", f"{P}-rates-text"
ST_OVR, LT_OVR, NIIT_OVR = f"{P}-st-override", f"{P}-lt-override", f"{P}-niit-override"
ACCOUNTS, IDENT, IDENT_ADD, IDENT_DEL = (
    f"{P}-accounts", f"{P}-identical", f"{P}-identical-add", f"{P}-identical-del")
REPLAY, REALIZED_KPIS, F8949, F8949_CSV, F8949_DOWNLOAD, WASH_GRID = (
    f"{P}-replay",
    f"{P}-realized-kpis",
    f"{P}-form8949",
    f"{P}-form8949-csv",
    f"{P}-form8949-download",
    f"{P}-wash-grid",
)
LOT_KPIS, LOTS_GRID = f"{P}-lot-kpis", f"{P}-lots-grid"
MIN_PCT, MIN_AMT, HARVEST_GRID, HARVEST_RUN, HARVEST_TRADES, HARVEST_SUMMARY = (
    f"{P}-min-pct",
    f"{P}-min-amount",
    f"{P}-harvest-grid",
    f"{P}-harvest-run",
    f"{P}-harvest-trades",
    f"{P}-harvest-summary",
)
CURVE = f"{P}-tradeoff-curve"
TAX_WEIGHT, REBAL_KPIS, REBAL_GRID, REBAL_TARGET = (
    f"{P}-tax-weight", f"{P}-rebalance-kpis", f"{P}-rebalance-grid", f"{P}-rebalance-target")
TAX_WEIGHT_VALUE, REBAL_NOTES, REBAL_ACCOUNTS = (
    f"{P}-tax-weight-value", f"{P}-rebalance-notes", f"{P}-rebalance-accounts")
TURNOVER, TERM, AFTER_KPIS, LOC_KPIS, LOC_GRID = (
    f"{P}-turnover", f"{P}-term", f"{P}-after-kpis", f"{P}-location-kpis", f"{P}-location-grid")
TARGET_TAX_STATUS, TARGET_TAX_KPIS, TARGET_TAX_GRID = (
    f"{P}-target-tax-status", f"{P}-target-tax-kpis", f"{P}-target-tax-grid")
A = {
    k: f"{P}-alerts-{k}"
    for k in ("data", "rates", "replay", "target", "lots", "harvest", "tradeoff", "rebalance", "after", "location")
}
G = {k: f"{P}-{k}" for k in ("timeline", "tradeoff", "wealth", "taxes")}
UPLOADS = {kind: UploadIds(f"{P}-{kind}") for kind in ("trades", "lots")}
METHODS = {
    "fifo": "FIFO (IRS default)",
    "lifo": "LIFO",
    "hifo": "Highest cost first (HIFO)",
    "specific": "Specific identification (lot_id)",
    "min_tax": "Minimum tax",
    "average": "Average cost (funds)",
}
FILINGS = {
    "single": "Single",
    "married_joint": "Married filing jointly",
    "married_separate": "Married filing separately",
    "head_of_household": "Head of household",
}
MONEY = "money"
HEADERS = {
    "lot_id": "Lot",
    "account_type": "Type",
    "acquired": "Acquired",
    "holding_start": "Held from",
    "adjusted_basis": "Basis",
    "market_value": "Value",
    "unrealized_gain": "Gain",
    "unrealized_pct": "Gain %",
    "short_term_gain": "Short-term",
    "long_term_gain": "Long-term",
    "days_to_long_term": "Days to long",
    "loss_pct": "Loss %",
    "tax_saved": "Tax saved",
    "blocked_reason": "Blocked because",
    "replacement_correlation": "Corr.",
    "tracking_error": "Tracking error",
    "buy_back_date": "Buy back on",
}
LOT_COLUMNS = [
    "lot_id",
    "account",
    "ticker",
    "acquired",
    "holding_start",
    "shares",
    "adjusted_basis",
    "price",
    "market_value",
    "unrealized_gain",
    "unrealized_pct",
    "term",
    "short_term_gain",
    "long_term_gain",
    "days_to_long_term",
]
LOT_FORMATS = {
    "shares": "num",
    "adjusted_basis": MONEY,
    "price": MONEY,
    "market_value": MONEY,
    "unrealized_gain": MONEY,
    "unrealized_pct": "pct",
    "short_term_gain": MONEY,
    "long_term_gain": MONEY,
    "days_to_long_term": "int",
}
F8949_HEADERS = {
    "description": "(a) Description",
    "date_acquired": "(b) Acquired",
    "date_sold": "(c) Sold",
    "proceeds": "(d) Proceeds",
    "cost_basis": "(e) Cost basis",
    "code": "(f) Code",
    "adjustment": "(g) Adjustment",
    "gain": "(h) Gain or loss",
}
WASH_COLUMNS = [
    "ticker",
    "account",
    "sold",
    "window_start",
    "window_end",
    "shares",
    "disallowed",
    "replacement_ticker",
    "replacement_account",
    "replacement_date",
    "permanent",
]
HARVEST_COLUMNS = list(CANDIDATE_COLUMNS)
HARVEST_FORMATS = {
    "shares": "num",
    "adjusted_basis": MONEY,
    "price": MONEY,
    "market_value": MONEY,
    "unrealized_gain": MONEY,
    "loss_pct": "pct",
    "rate": "pct",
    "tax_saved": MONEY,
    "replacement_correlation": "ratio",
    "tracking_error": "pct",
}
TRADE_COLUMNS = ["date", "account", "ticker", "side", "shares", "price", "lot_id"]
TARGET_TAX_FORMATS = {"shares": "num", **dict.fromkeys(
    ("price", "proceeds", "cost_basis", "gain", "short_term_gain", "long_term_gain", "disallowed", "tax"), MONEY)}
TARGET_TAX_HEADERS = {"trade": "#", "cost_basis": "Basis", "disallowed": "Loss disallowed",
                      "wash": "Wash-sale exposure"}
NO_TARGET = ("No target portfolio yet: build a portfolio on the Construct page and press \"Use as target\" to see "
             "what its trades cost in tax here.")
REBAL_COLUMNS = ["lot_id", "account", "account_type", "ticker", "side", "shares", "price", "value", "term", "gain",
                 "tax"]
REBAL_ACCOUNT_HEADERS = {"cash_before": "Cash before", "sold": "Sold", "bought": "Bought", "cash_after": "Cash after",
                         "realized_gain": "Gain realised"}
TAX_WEIGHT_RANGE = (-4, 1)  # the slider runs over log10 of the tax weight: 0.0001 to 10
LOC_COLUMNS = ["ticker", "taxable", "tax_deferred", "tax_exempt", "drag"]
GAIN_CLASSES = {"text-danger fw-semibold": "params.value < 0", "text-success": "params.value > 0"}
LOSS_ROW = {"rowClassRules": {"bg-danger-subtle": "params.data && params.data.unrealized_gain < 0"}}
def _iso_date(raw: str) -> str:
    """A link's date as YYYY-MM-DD (a value that is no date is refused, and the link says so)."""
    return pd.Timestamp(str(raw)[:10]).strftime("%Y-%m-%d")


URL = UrlState(
    P,
    {
        "method": (METHOD, "value", str, "fifo"),
        "filing": (FILING, "value", str, "single"),
        "income": (INCOME, "value", float, 150_000.0),
        "st_rate": (ST_OVR, "value", float, None),
        "lt_rate": (LT_OVR, "value", float, None),
        "niit_rate": (NIIT_OVR, "value", float, None),
        "min_pct": (MIN_PCT, "value", float, 5),
        "min_amount": (MIN_AMT, "value", float, 100),
        "tax_weight": (TAX_WEIGHT, "value", float, 0),
        "realised": (TURNOVER, "value", float, 20),
        "term": (TERM, "value", str, "long"),
        "as_of": (AS_OF, "date", _iso_date, None),  # blank: the data's last date
    },
    bounds={"income": (0, 1e12), "st_rate": (0, 99.9), "lt_rate": (0, 99.9), "niit_rate": (0, 99.9),
            "min_pct": (0, 99), "min_amount": (0, 1e12), "tax_weight": (-4, 1), "realised": (0, 100)},
)
URL.register()
#: The tax setting a named scenario keeps: every setting of the page and the substantially identical tickers.
TAX_SETTING = ScenarioPicker(P, "tax", {**URL.controls(), "identical": (IDENT, "rowData")})
TAX_SETTING_CALLBACKS = saved_scenarios.register(TAX_SETTING)


def _empty(columns) -> pd.DataFrame:
    return pd.DataFrame(columns=columns)


def _rows(frame: pd.DataFrame, columns=None) -> list[dict]:
    """Grid rows with lot ids as text (they mix numbers and names such as L3)."""
    out = frame.reindex(columns=columns) if columns else frame
    if "lot_id" in out.columns:
        out = out.assign(lot_id=out["lot_id"].map(lambda v: None if v is None or v != v else str(v)))
    return records(out)


def _gain_grid(id_, columns, formats, *, gains=(), row_rules=None, headers=None, **kw):
    """A grid whose gain columns are red/green and whose headers are short."""
    g = grid(
        id_,
        _empty(columns),
        formats=formats,
        headers={**HEADERS, **(headers or {})},
        **kw,
        **(row_rules or {}),
    )
    g.columnSize = "autoSize"
    for d in g.columnDefs:
        if d["field"] in gains:
            d["cellClassRules"] = GAIN_CLASSES
    return g


def _controls(v: dict) -> dbc.Card:
    def override(id_, placeholder, value):
        return number(id_, value, placeholder=placeholder, min=0, max=99.9, step=0.1)

    overrides = dbc.InputGroup([override(ST_OVR, "short", v["st_rate"]), override(LT_OVR, "long", v["lt_rate"]),
                                override(NIIT_OVR, "NIIT", v["niit_rate"])], size="sm")
    return dbc.Card(dbc.CardBody([
        dbc.Row([
            field("Lot relief method", choice(METHOD, METHODS, v["method"]), md=3),
            field("As-of date (valuation, harvest)",
                  html.Div(dcc.DatePickerSingle(id=AS_OF, date=v["as_of"], display_format="YYYY-MM-DD")), md=2),
            field("Filing status", choice(FILING, FILINGS, v["filing"]), md=2),
            field("Taxable income ($)", number(INCOME, v["income"], step=1000), md=2),
            field("Override rates (%)", overrides, md=3),
        ], className="g-3"),
        html.Div(id=RATES_TEXT, className="mt-2 small"),
    ]), className="mb-3 no-print")


def _inputs_row() -> dbc.Row:
    ident = grid(IDENT, _empty(["ticker", "group"]), height=170, editable=True, csv_name="substantially-identical",
                 rowSelection={"mode": "multiRow"})
    buttons = html.Div([
        dbc.Button("Add row", id=IDENT_ADD, size="sm", color="secondary", outline=True, n_clicks=0, className="me-2"),
        dbc.Button("Remove selected", id=IDENT_DEL, size="sm", color="secondary", outline=True, n_clicks=0),
    ], className="mt-1")
    trades = upload_box(UPLOADS["trades"], "Trades CSV",
                        "date,account,ticker,side,shares,price (optional account_type, lot_id).")
    lots = upload_box(UPLOADS["lots"], "Opening lots CSV",
                      "account,ticker,acquired,shares,cost_basis (optional account_type).")
    return dbc.Row([
        dbc.Col(trades, md=3, className="mb-2"),
        dbc.Col(lots, md=3, className="mb-2"),
        dbc.Col([html.H6("Accounts (edit a type, add an account)"),
                 grid(ACCOUNTS, _empty(["account", "type"]), height=170, editable=True, csv_name="accounts")], md=3),
        dbc.Col([html.H6("Substantially identical tickers"), ident, buttons], md=3),
    ], className="g-2 mb-2 no-print")


def _realised_section() -> html.Section:
    head = html.Div([
        html.H6("Form 8949 (taxable accounts)", className="mb-0 me-3"),
        dbc.Button("Download CSV", id=F8949_CSV, size="sm", color="secondary", outline=True, n_clicks=0),
    ], className="d-flex align-items-center mb-1")
    return section(
        "Realised gains and wash sales",
        alert_area(A["replay"]),
        html.Div(id=REALIZED_KPIS),
        graph(G["timeline"], height=340, title="Wash-sale windows: 30 days either side of each loss sale, with the "
                                               "matched replacement purchases"),
        head,
        dcc.Download(id=F8949_DOWNLOAD),
        _gain_grid(F8949, tax.FORM_8949_COLUMNS, dict.fromkeys(("proceeds", "cost_basis", "adjustment", "gain"), MONEY),
                   gains=("gain",), headers=F8949_HEADERS, height=260, csv_name="form-8949"),
        html.H6("Wash-sale matches", className="mt-3"),
        _gain_grid(WASH_GRID, WASH_COLUMNS, {"shares": "num", "disallowed": MONEY}, height=170, csv_name="wash-sales"),
    )


def _harvest_section(v: dict) -> html.Section:
    return section(
        "Loss harvesting",
        dbc.Row([field("Minimum loss (% of basis)", number(MIN_PCT, v["min_pct"], min=0, max=99, step=0.5), md=3),
                 field("Minimum loss ($)", number(MIN_AMT, v["min_amount"], min=0, step=50), md=3)],
                className="g-3 mb-2 no-print"),
        alert_area(A["harvest"]),
        _gain_grid(HARVEST_GRID, HARVEST_COLUMNS, HARVEST_FORMATS, gains=("unrealized_gain",), height=230,
                   csv_name="harvest-candidates", rowSelection={"mode": "multiRow"}),
        dbc.Button("Harvest selected lots", id=HARVEST_RUN, n_clicks=0, className="my-2 no-print"),
        html.Div(id=HARVEST_SUMMARY, className="mb-1"),
        _gain_grid(HARVEST_TRADES, TRADE_COLUMNS, {"shares": "num", "price": MONEY}, height=200,
                   csv_name="harvest-trades"),
        note="Blocked lots had a purchase of the same (or a substantially identical) ticker in the last 30 days, "
        "or have a pending buy: selling them now would be a wash sale.",
    )


def _target_tax_section() -> html.Section:
    trades = _gain_grid(TARGET_TAX_GRID, tax.TRADE_TAX_COLUMNS, TARGET_TAX_FORMATS, headers=TARGET_TAX_HEADERS,
                        gains=("gain", "short_term_gain", "long_term_gain"), height=300, csv_name="target-trade-tax")
    for d in trades.columnDefs:
        if d["field"] == "trade":
            d.update(maxWidth=70)
        elif d["field"] == "wash":
            d.update(minWidth=420, tooltipField="wash")
    return section(
        "Tax cost of the target trades",
        alert_area(A["target"]),
        html.Div(id=TARGET_TAX_STATUS, className="mb-1"),
        html.Div(id=TARGET_TAX_KPIS),
        trades,
        note="The trade list of the Construct page's target, traded at the as-of date against these lots with "
        "the relief method above: sells come out of the account holding the most shares of the ticker, buys go "
        "to the main taxable account. Wash sales count purchases of the last 30 days and buys in the list.",
    )


def _sig3(x: float) -> float:
    """A tax weight to the 3 significant digits every readout shows (box, card, tooltip)."""
    return float(f"{float(x):.3g}")


def tax_weight_of(log_value: float) -> float:
    """The tax weight a slider position (log10) stands for.

    The slider's tooltip rounds the same way (``dccFunctions.pow10`` in assets/slider-log.js).
    """
    return _sig3(10.0 ** float(log_value))


def _tax_weight_slider(log_value: float = 0) -> dbc.Row:
    """The log-scale slider, marked and read out in real tax weights, and a box holding the real value."""
    lo, hi = TAX_WEIGHT_RANGE
    marks = {k: f"{tax_weight_of(k):g}" for k in range(lo, hi + 1)}
    control = slider(TAX_WEIGHT, lo, hi, 0.25, log_value, marks)
    control.allow_direct_input = False  # its box would show log10 of the weight
    control.tooltip = {**control.tooltip, "transform": "pow10"}
    box = number(TAX_WEIGHT_VALUE, tax_weight_of(log_value), step="any")  # no min/max: out of range is explained
    return dbc.Row([
        field("Tax weight: how much a dollar of tax counts against tracking error (log scale)", control, md=9),
        field("Tax weight (0 ignores tax)", box, md=3),
    ], className="g-3 no-print")


def _rebalance_section(v: dict) -> html.Section:
    money_cols = ("price", "value", "gain", "tax")
    trades = _gain_grid(REBAL_GRID, REBAL_COLUMNS, {"shares": "num", **dict.fromkeys(money_cols, MONEY)},
                        gains=("gain",), height=380, csv_name="rebalance-trades")
    cash = ("cash_before", "sold", "bought", "cash_after", "realized_gain", "short_term_gain", "long_term_gain")
    accounts = _gain_grid(REBAL_ACCOUNTS, tax.REBALANCE_ACCOUNT_COLUMNS, dict.fromkeys(cash, MONEY),
                          headers=REBAL_ACCOUNT_HEADERS, gains=("realized_gain", "short_term_gain", "long_term_gain"),
                          height=170, csv_name="rebalance-accounts")
    return section(
        "Tax-aware rebalancing",
        html.Div(id=REBAL_TARGET, className="mb-1"),
        _tax_weight_slider(v["tax_weight"]),
        alert_area(A["rebalance"]),
        alert_area(A["tradeoff"]),
        dcc.Store(id=CURVE),
        html.Div(id=REBAL_KPIS, className="mt-2"),
        html.Div(id=REBAL_NOTES),
        dbc.Row([dbc.Col(graph(G["tradeoff"], title="Tax paid against tracking error (one point per tax weight)"),
                         lg=6),
                 dbc.Col(trades, lg=6)]),
        html.H6("Cash by account: each account's sells pay for its own buys", className="mt-2"),
        accounts,
        note="Sells come only from overweight tickers and buys go only to underweight ones. Gains realised in IRA "
        "and Roth accounts are sheltered: no tax. Trades are whole shares.",
    )


def _after_tax_section(v: dict) -> html.Section:
    terms = {"long": "Long-term gains", "short": "Short-term gains"}
    return section(
        "After-tax return and asset location",
        dbc.Row([field("Gains realised each year (%)", number(TURNOVER, v["realised"], min=0, max=100, step=5), md=3),
                 field("Taxed as", choice(TERM, terms, v["term"]), md=3)], className="g-3 mb-2 no-print"),
        alert_area(A["after"]),
        html.Div(id=AFTER_KPIS),
        dbc.Row([dbc.Col(graph(G["wealth"], title="Growth of 1: pre-tax and after-tax"), lg=8),
                 dbc.Col(graph(G["taxes"], title="Tax paid each year (per 1 invested)"), lg=4)]),
        html.H5("Asset location", className="mt-2"),
        alert_area(A["location"]),
        html.Div(id=LOC_KPIS),
        grid(LOC_GRID, _empty(LOC_COLUMNS), height=300, csv_name="asset-location",
             formats={**dict.fromkeys(("taxable", "tax_deferred", "tax_exempt"), MONEY), "drag": "pct2"}),
        note="The after-tax return is for the workspace portfolio's history; asset location keeps the open lots' "
        "overall mix and account sizes and places the highest-drag holdings in the sheltered accounts.",
    )


def layout(**query) -> html.Div:
    values, problems = URL.read(query)
    source = html.Div([
        html.Div(id=SOURCE, className="d-inline"),
        dbc.Button("Use the bundled sample", id=USE_SAMPLE, color="link", size="sm", n_clicks=0,
                   className="ms-2 no-print"),
    ], className="mb-2")
    open_lots = section(
        "Open lots",
        alert_area(A["lots"]),
        html.Div(id=LOT_KPIS),
        _gain_grid(LOTS_GRID, LOT_COLUMNS, LOT_FORMATS, pinned="lot_id", height=380, csv_name="open-lots",
                   gains=("unrealized_gain", "unrealized_pct", "short_term_gain", "long_term_gain"),
                   row_rules=LOSS_ROW),
        note="Unrealised gains at the as-of date; losing lots are shaded. Holding periods include wash-sale "
        "carry-over.",
    )
    return html.Div([
        URL.sink(), dcc.Store(id=RATES), dcc.Store(id=REPLAY),
        page_header("Tax", "Tax lots and relief methods, IRS wash sales, Form 8949, loss harvesting, tax-aware "
                           "rebalancing, after-tax returns and asset location (US federal, 2026 rates)."),
        source,
        _controls(values),
        TAX_SETTING.layout(),
        html.Div([error_alert(p, title="Link adjusted") for p in problems], id=f"{P}-url-problems"),
        *[alert_area(A[k]) for k in ("data", "rates")],
        _inputs_row(),
        _realised_section(),
        open_lots,
        _target_tax_section(),
        _harvest_section(values),
        _rebalance_section(values),
        _after_tax_section(values),
    ])


# --------------------------------------------------------------------------- helpers
def _book(ws) -> tuple[pd.DataFrame, pd.DataFrame | None, str]:
    """The workspace's trades and opening lots (the uploads, wherever made), else the bundled sample, and a label.

    The label names each uploaded file and its rows: ``Your trades (t.csv, 12 rows) and lots (l.csv, 4 rows)``.
    """
    wd = workspace.resolve(ws)
    if wd.trades is None and wd.lots is None:
        return tax.sample_trades(), tax.sample_lots(), "Bundled sample trades and lots (2019-2022)"
    names = [f"{k} ({wd.uploads[k]['name']}, {wd.uploads[k].get('rows', len(frame))} rows)"
             for k, frame in (("trades", wd.trades), ("lots", wd.lots)) if frame is not None]
    trades = (
        wd.trades
        if wd.trades is not None
        else _empty(["date", "account", "ticker", "side", "shares", "price"])
    )
    return trades, wd.lots, "Your " + " and ".join(names)


def _known(accounts) -> dict[str, str] | None:
    """Account name -> type from the accounts grid (None when it is empty: the trades' own accounts)."""
    rows = rows_input(accounts, "The accounts table")
    return {str(a["account"]): a.get("type") for a in rows if a.get("account")} or None


def _identical(rows) -> dict[str, str]:
    """The substantially identical table as ticker -> group."""
    return tax.identical_map(rows_input(rows, "The substantially identical table"))


def _method(value) -> str:
    return choice_input(value, METHODS, "The lot relief method")


def _rates(stored) -> tax.TaxRates:
    if not stored:
        raise DataError(
            "The tax rates are not set yet: fill in the filing status and income.", code="no_rates"
        )
    try:
        return tax.TaxRates(**stored)
    except TypeError:  # not the rates this page stored (a garbled or forged store)
        raise DataError("The tax rates could not be read: set the filing status and income again.",
                        code="no_rates") from None


def _open_lots(stored) -> pd.DataFrame:
    """The replay's open lots, from the server-side cache (the browser holds only their key)."""
    if not stored:
        raise DataError("The trades have not been replayed yet.", code="no_replay")
    if not isinstance(stored, dict) or not isinstance(stored.get("open_lots"), str):
        raise DataError("The replayed lots could not be read: change the relief method and back, or reload the "
                        "page, to replay the trades again.", code="replay_expired")
    lots = workspace.frame_store().get(stored["open_lots"])
    if lots is None:
        raise DataError(
            "The replayed lots are no longer on the server: change the relief method and back, or reload "
            "the page, to replay the trades again.",
            code="replay_expired",
        )
    return lots


def _as_of(value, prices: pd.DataFrame, last_trade) -> pd.Timestamp:
    last = prices.index[-1]
    when = date_input(value, "The as-of date")
    when = last if when is None else when
    if when > last:
        raise DataError(
            f"The as-of date {when.date()} is after the last price ({last.date()}): pick a date on or "
            "before it.",
            code="future_date",
        )
    if last_trade is not None and when < pd.Timestamp(last_trade):
        raise DataError(
            f"The as-of date {when.date()} is before the last trade ({pd.Timestamp(last_trade).date()}):"
            " lots bought later cannot be valued earlier. Pick a later date.",
            code="bad_date",
        )
    return when


def _percent(value, name: str, default: float) -> float:
    if value is None or value == "":
        return default
    number = number_input(value, f"{name} (a percentage from 0 to 100)")
    if not 0 <= number <= 100:
        raise DataError(f"{name} {value} must be a percentage between 0 and 100.", code="bad_percent")
    return number / 100


def _context(ws, stored, as_of_value):
    src = workspace.source_prices(ws)
    when = _as_of(as_of_value, src.prices, stored.get("last_trade") if isinstance(stored, dict) else None)
    valued = tax.lots_at_prices(_open_lots(stored), src.prices, when)
    return src, when, valued


def _realized_cards(s: pd.Series, tax_amount: float):
    return kpi_row(
        [
            kpi_card("Short-term gain (allowed)", money(s["short_term_gain"]), id_=f"{P}-kpi-short"),
            kpi_card("Long-term gain (allowed)", money(s["long_term_gain"]), id_=f"{P}-kpi-long"),
            kpi_card(
                "Loss disallowed (wash sales)",
                money(s["wash_disallowed"]),
                id_=f"{P}-kpi-wash",
                hint=f"{money(s['wash_permanent'])} lost for good (IRA/Roth)",
            ),
            kpi_card("Federal tax on realised gains", money(tax_amount), id_=f"{P}-kpi-tax"),
        ]
    )


def _rebalance_cards(chosen):
    return kpi_row(
        [
            kpi_card(
                "Tax paid (taxable accounts)",
                money(chosen.tax),
                id_=f"{P}-kpi-rebal-tax",
                hint=html.Span(["tax weight ", html.Span(f"{chosen.tax_weight:g}", id=f"{P}-kpi-rebal-weight"),
                                f"; {money(chosen.tax_before_netting)} lot by lot, before netting"]),
            ),
            kpi_card("Taxable gain realised", money(chosen.realized_gain), id_=f"{P}-kpi-rebal-gain",
                     hint=f"short-term {money(chosen.short_term_gain)}, long-term {money(chosen.long_term_gain)}"),
            kpi_card("Sheltered gain (IRA, Roth)", money(chosen.sheltered_gain), id_=f"{P}-kpi-rebal-sheltered",
                     hint="no tax"),
            kpi_card("Tracking error after", f"{chosen.tracking_error:.2%}", id_=f"{P}-kpi-rebal-te",
                     hint=f"turnover {chosen.turnover:.1%}, solver {chosen.solver}"),
        ]
    )


def _returns_of(ws, tickers) -> pd.DataFrame:
    """Daily returns of ``tickers`` from the source prices over the workspace dates."""
    src, ws_full = workspace.source_prices(ws), workspace.resolve(ws)
    missing = sorted(set(tickers) - set(src.prices.columns))
    if missing:
        raise DataError(
            f"No prices for {', '.join(missing)}: load prices that include them on the Data page.",
            code="no_price",
        )
    window = src.prices.loc[ws_full.prices.index[0] : ws_full.prices.index[-1], list(tickers)]
    return data.to_returns(window)


# --------------------------------------------------------------------------- data and rates
@callback(
    Output(SOURCE, "children"),
    Output(ACCOUNTS, "rowData"),
    Output(AS_OF, "date"),
    Output(AS_OF, "max_date_allowed"),
    Output(A["data"], "children"),
    [Output(u.status, "children") for u in UPLOADS.values()],
    Input(ids.WORKSPACE, "data"),
    State(AS_OF, "date"),
)
@reports_errors(5 + len(UPLOADS), alert_index=4, title="Could not load the trades")
def load_book(ws, as_of=None):
    """The trades, lots and accounts; the as-of date stays as chosen (or restored) unless the prices end before it."""
    trades, lots, label = _book(ws)
    last = workspace.source_prices(ws).prices.index[-1].strftime("%Y-%m-%d")
    kept = as_of[:10] if as_of and as_of[:10] <= last else last
    accounts = [{"account": k, "type": v} for k, v in tax.known_accounts(lots, trades).items()]
    badge = html.Span(
        [
            dbc.Badge(label, color="info", className="me-2", id=f"{P}-source-label"),
            html.Small(
                f"{len(trades)} trades, {0 if lots is None else len(lots)} opening lots; prices to {last}"
            ),
        ]
    )
    return badge, accounts, kept, last, None, *(upload_status((ws or {}).get("uploads"), k) for k in UPLOADS)


@callback(
    Output(ids.WORKSPACE, "data", allow_duplicate=True),
    Output(A["data"], "children", allow_duplicate=True),
    [Input(u.upload, "contents") for u in UPLOADS.values()],
    Input(USE_SAMPLE, "n_clicks"),
    [State(u.upload, "filename") for u in UPLOADS.values()],
    State(ids.WORKSPACE, "data"),
    prevent_initial_call=True,
)
@reports_errors(2, title="Upload refused")
def upload(trades_contents, lots_contents, sample_clicks, trades_name, lots_name, ws):
    """The Tax page's upload boxes write the same workspace entries as the Data page's (``load_book`` shows them).

    Dash also calls this when the page is opened (the workspace Store outlives the page): nothing was
    clicked or dropped then, and the workspace must stay as it is.
    """
    kind = next((k for k, u in UPLOADS.items() if u.upload == ctx.triggered_id), None)
    if ctx.triggered_id == USE_SAMPLE and sample_clicks:
        uploads = {k: v for k, v in (ws or {}).get("uploads", {}).items() if k not in UPLOADS}
        return {**(ws or workspace.DEFAULT), "uploads": uploads}, None
    contents, name = (trades_contents, trades_name) if kind == "trades" else (lots_contents, lots_name)
    if kind is None or not contents:
        return no_update, no_update
    new, notes = workspace.with_upload(ws, kind, decode_upload(contents, name), name)
    return new, notes_alert(notes)


@callback(
    Output(UPLOADS["trades"].download, "data"),
    Output(UPLOADS["lots"].download, "data"),
    Input(UPLOADS["trades"].sample, "n_clicks"),
    Input(UPLOADS["lots"].sample, "n_clicks"),
    prevent_initial_call=True,
)
def sample_file(_trades, _lots):
    """The example CSV next to each upload box (the same files as on the Data page)."""
    kind = "trades" if ctx.triggered_id == UPLOADS["trades"].sample else "lots"
    sent = dcc.send_string(data.sample_csv(kind), f"sample-{kind}.csv")
    return (sent, no_update) if kind == "trades" else (no_update, sent)


@callback(
    Output(RATES, "data"),
    Output(RATES_TEXT, "children"),
    Output(A["rates"], "children"),
    Input(FILING, "value"),
    Input(INCOME, "value"),
    Input(ST_OVR, "value"),
    Input(LT_OVR, "value"),
    Input(NIIT_OVR, "value"),
)
@reports_errors(3, title="Rates not changed")
def rates(filing, income, st, lt, niit):
    if income is None or income == "":
        raise DataError(
            "Enter the taxable income (a number such as 150000) to derive the rates.", code="bad_income"
        )
    base = tax.TaxRates.from_income(filing, income)
    r = tax.TaxRates(
        short_term=_percent(st, "The short-term rate", base.short_term),
        long_term=_percent(lt, "The long-term rate", base.long_term),
        niit=_percent(niit, "The NIIT rate", base.niit),
        filing_status=base.filing_status,
        taxable_income=base.taxable_income,
    )
    overridden = " (overridden)" if any(v not in (None, "") for v in (st, lt, niit)) else ""
    text = html.Span(
        [
            f"2026 rates for {FILINGS[base.filing_status].lower()} at ${base.taxable_income:,.0f}"
            f"{overridden}: ",
            html.Strong(
                f"short-term {r.short_term:.0%}, long-term {r.long_term:.0%}, NIIT {r.niit:.1%}",
                id=f"{P}-rates-values",
            ),
            f" (total {r.short_term_total:.1%} short, {r.long_term_total:.1%} long)",
        ]
    )
    fields = ("short_term", "long_term", "niit", "filing_status", "taxable_income")
    return {f: getattr(r, f) for f in fields}, text, None


# --------------------------------------------------------------------------- replay
@callback(
    Output(REPLAY, "data"),
    Output(REALIZED_KPIS, "children"),
    Output(F8949, "rowData"),
    Output(WASH_GRID, "rowData"),
    Output(graph_id(G["timeline"]), "figure"),
    Output(A["replay"], "children"),
    Input(ACCOUNTS, "rowData"),
    Input(METHOD, "value"),
    Input(IDENT, "rowData"),
    Input(RATES, "data"),
    State(ids.WORKSPACE, "data"),
    State(ids.THEME, "data"),
)
@reports_errors(6, title="Trades not replayed")
def replay(accounts, method, ident, stored_rates, ws, theme):
    trades, lots, _label = _book(ws)
    r = _rates(stored_rates)
    method = _method(method)
    result = tax.process_trades(
        trades,
        method,
        rates=r,
        substantially_identical=_identical(ident),
        lots=lots,
        accounts=_known(accounts),
    )
    cards = _realized_cards(result.summary(), result.tax(r))
    last = (
        None if not len(trades) else pd.Timestamp(pd.to_datetime(trades["date"]).max()).strftime("%Y-%m-%d")
    )
    ol = result.open_lots
    store = {"open_lots": workspace.frame_store().put_result("open_lots", ol), "rows": len(ol),
             "last_trade": last, "method": method}
    wash = result.wash_sales.reindex(columns=WASH_COLUMNS)
    return (
        store,
        cards,
        records(tax.form_8949(result)),
        records(wash),
        wash_timeline_figure(result.loss_windows, result.wash_sales, theme),
        notes_alert(list(result.notes), title="About this method"),
    )


@callback(
    Output(F8949_DOWNLOAD, "data"),
    Output(A["replay"], "children", allow_duplicate=True),
    Input(F8949_CSV, "n_clicks"),
    State(F8949, "rowData"),
    State(METHOD, "value"),
    prevent_initial_call=True,
)
@reports_errors(2, title="Nothing to export")
def export_8949(_clicks, rows, method):
    if not rows:
        raise DataError(
            "The Form 8949 report is empty: there are no sales in taxable accounts.", code="empty"
        )
    frame = pd.DataFrame(rows, columns=tax.FORM_8949_COLUMNS)
    return send_csv(frame, f"form-8949-{method}.csv", index=False), None


# --------------------------------------------------------------------------- lots and harvest
@callback(
    Output(LOT_KPIS, "children"),
    Output(LOTS_GRID, "rowData"),
    Output(A["lots"], "children"),
    Input(REPLAY, "data"),
    Input(AS_OF, "date"),
    State(ids.WORKSPACE, "data"),
)
@reports_errors(3, title="Lots not valued")
def lots(stored, as_of, ws):
    _src, when, valued = _context(ws, stored, as_of)
    u = tax.unrealized_summary(valued)
    cards = kpi_row(
        [
            kpi_card("Market value (all accounts)", money(u["market_value"]), id_=f"{P}-kpi-value"),
            kpi_card("Unrealised short-term (taxable)", money(u["short_term_gain"]), id_=f"{P}-kpi-ushort"),
            kpi_card("Unrealised long-term (taxable)", money(u["long_term_gain"]), id_=f"{P}-kpi-ulong"),
            kpi_card(
                "Unrealised losses (taxable)",
                money(u["unrealized_loss"]),
                id_=f"{P}-kpi-uloss",
                hint=f"{int(u['losing_lots'])} losing lots at {when.date()}",
            ),
        ]
    )
    return cards, _rows(valued, LOT_COLUMNS), None


@callback(
    Output(HARVEST_GRID, "rowData"),
    Output(A["harvest"], "children"),
    Input(REPLAY, "data"),
    Input(AS_OF, "date"),
    Input(MIN_PCT, "value"),
    Input(MIN_AMT, "value"),
    State(RATES, "data"),
    State(IDENT, "rowData"),
    State(ids.WORKSPACE, "data"),
)
@reports_errors(2, title="Harvest candidates not updated")
def harvest(stored, as_of, min_pct, min_amount, stored_rates, ident, ws):
    src, when, _valued = _context(ws, stored, as_of)
    if min_amount is None or min_amount == "":
        raise DataError("Enter a minimum loss in dollars (0 for any).", code="bad_threshold")
    min_amount = number_input(min_amount, "The minimum loss in dollars", lo=0)
    trades, _lots, _label = _book(ws)
    cands = tax.harvest_candidates(
        _open_lots(stored),
        src.prices,
        when,
        min_loss_pct=_percent(min_pct, "The minimum loss", 0.0),
        min_loss_amount=float(min_amount),
        rates=_rates(stored_rates),
        trades=trades,
        universe_returns=data.to_returns(src.prices),
        sectors=src.sectors,
        substantially_identical=_identical(ident),
    )
    return _rows(cands), None


@callback(
    Output(HARVEST_TRADES, "rowData"),
    Output(HARVEST_SUMMARY, "children"),
    Output(A["harvest"], "children", allow_duplicate=True),
    Output(ids.WORKSPACE, "data", allow_duplicate=True),
    Input(HARVEST_RUN, "n_clicks"),
    State(HARVEST_GRID, "selectedRows"),
    State(AS_OF, "date"),
    State(ids.WORKSPACE, "data"),
    prevent_initial_call=True,
)
@reports_errors(4, alert_index=2, title="Not harvested")
def harvest_action(clicks, selected, as_of, ws):
    if not clicks:  # Dash runs it when the page mounts (its output, the workspace, is already there)
        raise PreventUpdate
    if not selected:
        raise DataError("Select at least one candidate lot (tick its row) before harvesting.", code="empty")
    src = workspace.source_prices(ws)
    chosen = pd.DataFrame(rows_input(selected, "The selected candidate lots"), columns=HARVEST_COLUMNS)
    plan = tax.harvest_trades(chosen, src.prices, date_input(as_of, "The as-of date"))
    back = ", ".join(f"{t} on {d.date()}" for t, d in plan.buy_back.items())
    summary = html.Div(
        [
            html.Strong(f"Harvests {money(plan.loss)} of losses, saving {money(plan.tax_saved)} of tax. "),
            html.Span(f"Buy back the originals no earlier than: {back}."),
        ],
        id=f"{P}-harvest-result",
        className="text-success",
    )
    text = (f"Harvesting {len(chosen)} lot(s) realises {money(plan.loss)} of losses and saves an estimated "
            f"{money(plan.tax_saved)} of tax at the desk's rates, with replacements that are not substantially "
            "identical.")
    saved = dict(ws or {}, tax_summary={"text": text, "tax_saved": float(plan.tax_saved)})
    return _rows(plan.trades, TRADE_COLUMNS), summary, None, saved


# --------------------------------------------------------------------------- the target's trades
@callback(
    Output(TARGET_TAX_STATUS, "children"),
    Output(TARGET_TAX_KPIS, "children"),
    Output(TARGET_TAX_GRID, "rowData"),
    Output(A["target"], "children"),
    Input(ACCOUNTS, "rowData"),
    Input(METHOD, "value"),
    Input(IDENT, "rowData"),
    Input(RATES, "data"),
    Input(AS_OF, "date"),
    State(ids.WORKSPACE, "data"),
)
@reports_errors(4, title="Tax cost of the target trades not computed")
def target_tax(accounts, method, ident, stored_rates, as_of, ws):
    """The workspace target's trade list replayed on top of the history at the as-of date.

    Its inputs are the replay's, not the replay's result, so a method the history cannot be replayed with
    (specific identification without lot ids) still gets an estimate here (FIFO, with a note).
    """
    target = (ws or {}).get("target") or {}
    if not target.get("trades"):
        text = NO_TARGET if not target else f"The target ({target.get('method')}) has no trades to tax."
        return html.P(text, id=f"{P}-target-tax-none", className="text-body-secondary"), None, [], None
    src = workspace.source_prices(ws)
    when = _as_of(as_of, src.prices, None)  # trade_list_tax refuses a date before the last trade
    trades, lots, _label = _book(ws)
    result = tax.trade_list_tax(
        target["trades"], when, history=trades, lots=lots, method=_method(method or "fifo"),
        rates=_rates(stored_rates), substantially_identical=_identical(ident), accounts=_known(accounts),
        prices=src.prices,
    )
    status = html.Div([
        html.Span([html.Strong("Target: "), f"{target.get('method')}, {len(result.trades)} trades at {when.date()}"],
                  id=f"{P}-target-tax-label"),
        html.Ul([html.Li(n) for n in result.notes], className="small text-body-secondary mb-1"),
    ])
    return status, _target_tax_cards(result), _rows(result.trades), None


def _target_tax_cards(result):
    return kpi_row([
        kpi_card("Tax on the target trades", money(result.tax), id_=f"{P}-kpi-target-tax",
                 hint=f"{money(result.tax_before_netting)} trade by trade, before netting"),
        kpi_card("Short-term gain (allowed)", money(result.short_term_gain), id_=f"{P}-kpi-target-short"),
        kpi_card("Long-term gain (allowed)", money(result.long_term_gain), id_=f"{P}-kpi-target-long"),
        kpi_card("Loss disallowed (wash sales)", money(result.loss_disallowed), id_=f"{P}-kpi-target-wash",
                 hint=f"{money(result.wash_permanent)} lost for good (IRA/Roth)"),
    ])


# --------------------------------------------------------------------------- rebalancing
def _rebalance_inputs(stored, as_of, stored_rates, ws):
    """Open lots, prices, target and the solver arguments shared by the curve and the chosen point."""
    src, when, valued = _context(ws, stored, as_of)
    port = workspace.portfolio(ws)
    tickers = sorted(set(valued["ticker"]) | set(port.weights.index))
    args = dict(rates=_rates(stored_rates), cov=estimators.covariance(_returns_of(ws, tickers)), as_of=when)
    return _open_lots(stored), src.prices, port, args


@callback(
    Output(CURVE, "data"),
    Output(A["tradeoff"], "children"),
    Input(REPLAY, "data"),
    Input(AS_OF, "date"),
    Input(RATES, "data"),
    State(ids.WORKSPACE, "data"),
)
@reports_errors(2, title="Trade-off curve not computed")
def tradeoff(stored, as_of, stored_rates, ws):
    """The tax weight sweep: it depends on the lots, not on the slider, so it is not redone on a drag."""
    lots_, prices, port, args = _rebalance_inputs(stored, as_of, stored_rates, ws)
    return records(tax.tax_tradeoff_curve(lots_, prices, port.weights, **args)), None


@callback(
    Output(TAX_WEIGHT, "value"),
    Output(TAX_WEIGHT_VALUE, "value"),
    Input(TAX_WEIGHT, "value"),
    Input(TAX_WEIGHT_VALUE, "value"),
    prevent_initial_call=True,
)
def tax_weight_sync(log_weight, weight):
    """One number for one control: the box holds the real tax weight the slider (log10) points at, and back.

    A value the box cannot hold is left for :func:`rebalance` to explain.
    """
    lo, hi = TAX_WEIGHT_RANGE
    if ctx.triggered_id == TAX_WEIGHT:
        try:
            position = number_input(log_weight, "The tax weight slider", lo=lo, hi=hi)
        except DataError:  # not a slider position: the box keeps its value
            return no_update, no_update
        return no_update, tax_weight_of(position)
    try:
        weight = number_input(weight, "The tax weight", lo=0, hi=10**hi)
    except DataError:  # left for rebalance to explain
        return no_update, no_update
    shown = _sig3(weight)
    position = min(max(math.log10(shown), lo), hi) if shown > 0 else lo
    return position, (no_update if shown == weight else shown)


@callback(
    Output(REBAL_TARGET, "children"),
    Output(REBAL_KPIS, "children"),
    Output(REBAL_NOTES, "children"),
    Output(REBAL_GRID, "rowData"),
    Output(REBAL_ACCOUNTS, "rowData"),
    Output(graph_id(G["tradeoff"]), "figure"),
    Output(A["rebalance"], "children"),
    Input(CURVE, "data"),
    Input(TAX_WEIGHT_VALUE, "value"),
    State(REPLAY, "data"),
    State(AS_OF, "date"),
    State(RATES, "data"),
    State(ids.WORKSPACE, "data"),
    State(ids.THEME, "data"),
)
@reports_errors(7, title="Rebalance not run")
def rebalance(curve, weight, stored, as_of, stored_rates, ws, theme):
    """One solve at the tax weight in the box (which the slider sets), starred on the stored curve."""
    hi = 10 ** TAX_WEIGHT_RANGE[1]
    try:
        weight = number_input(weight, "The tax weight", lo=0, hi=hi)
    except DataError:
        shown = f"{weight:g}" if isinstance(weight, (int, float)) else "(empty)" if weight is None else repr(weight)[:40]
        raise DataError(f"Tax weight {shown}: enter a number from 0 to {hi:g} (0 ignores tax; a larger weight "
                        "trades less to save tax).", code="bad_tax_weight") from None
    lots_, prices, port, args = _rebalance_inputs(stored, as_of, stored_rates, ws)
    chosen = tax.tax_aware_rebalance(lots_, prices, port.weights, tax_weight=_sig3(weight), **args)
    point = {"tax": chosen.tax, "tracking_error": chosen.tracking_error, "tax_weight": chosen.tax_weight}
    target = html.Span([html.Strong("Target: "), port.label], id=f"{P}-rebalance-target-label")
    figure = tradeoff_figure(pd.DataFrame(curve or []), point, theme)
    notes = html.Ul([html.Li(n) for n in chosen.notes], className="small text-body-secondary mb-1")
    return (target, _rebalance_cards(chosen), notes, _rows(chosen.trades, REBAL_COLUMNS),
            records(chosen.accounts), figure, None)


# --------------------------------------------------------------------------- after-tax return and location
@callback(
    Output(AFTER_KPIS, "children"),
    Output(graph_id(G["wealth"]), "figure"),
    Output(graph_id(G["taxes"]), "figure"),
    Output(A["after"], "children"),
    Input(ids.WORKSPACE, "data"),
    Input(RATES, "data"),
    Input(TURNOVER, "value"),
    Input(TERM, "value"),
    State(ids.THEME, "data"),
)
@reports_errors(4, title="After-tax return not computed")
def after_tax(ws, stored_rates, turnover, term, theme):
    wd = workspace.resolve(ws)
    port = workspace.portfolio(ws, wd)
    rets = risk.portfolio_returns(wd.returns, port.weights)
    at = tax.after_tax_return(
        rets,
        rates=_rates(stored_rates),
        realization_rate=_percent(turnover, "The share of gains realised each year", 0.2),
        term=choice_input(term, ("long", "short"), "Taxed as"),
    )
    cards = kpi_row(
        [
            kpi_card("Pre-tax return (CAGR)", f"{at.pre_tax_return:.2%}", id_=f"{P}-kpi-pre"),
            kpi_card("After-tax return (CAGR)", f"{at.after_tax_return:.2%}", id_=f"{P}-kpi-after"),
            kpi_card("Tax drag", f"{at.tax_drag:.2%}", id_=f"{P}-kpi-drag", hint="per year"),
            kpi_card(
                "1 invested grows after tax to",
                f"{at.wealth['after_tax'].iloc[-1]:.2f}",
                id_=f"{P}-kpi-wealth",
                hint=f"{port.label}; pre-tax {at.wealth['pre_tax'].iloc[-1]:.2f}",
            ),
        ]
    )
    wealth = at.wealth.rename(columns={"pre_tax": "Pre-tax", "after_tax": "After tax"})
    taxes = at.taxes.rename(index=str)
    return cards, line_figure(wealth, theme, yformat=".2f"), bar_figure(taxes, theme, yformat=".3f"), None


@callback(
    Output(LOC_KPIS, "children"),
    Output(LOC_GRID, "rowData"),
    Output(A["location"], "children"),
    Input(REPLAY, "data"),
    Input(AS_OF, "date"),
    Input(TURNOVER, "value"),
    State(RATES, "data"),
    State(ids.WORKSPACE, "data"),
)
@reports_errors(3, title="Asset location not computed")
def location(stored, as_of, turnover, stored_rates, ws):
    _src, _when, valued = _context(ws, stored, as_of)
    mu = estimators.expected_returns(_returns_of(ws, sorted(set(valued["ticker"]))))
    loc = tax.asset_location_of_lots(
        valued,
        mu,
        turnover=_percent(turnover, "The share of gains realised", 0.2),
        rates=_rates(stored_rates),
    )
    cards = kpi_row(
        [
            kpi_card(
                "Yearly after-tax gain (suggested)", money(loc.after_tax_gain), id_=f"{P}-kpi-loc-gain"
            ),
            kpi_card("Same mix in every account", money(loc.baseline_gain), id_=f"{P}-kpi-loc-base"),
            kpi_card("Improvement per year", money(loc.improvement), id_=f"{P}-kpi-loc-improvement"),
        ]
    )
    table = loc.allocation.join(loc.drag).rename_axis("ticker").reset_index()
    return cards, records(table), None


@callback(
    Output(IDENT, "rowData"),
    Input(IDENT_ADD, "n_clicks"),
    Input(IDENT_DEL, "n_clicks"),
    State(IDENT, "rowData"),
    State(IDENT, "selectedRows"),
    prevent_initial_call=True,
)
def edit_identical(_add, _remove, rows, selected):
    try:
        rows = rows_input(rows, "The substantially identical table")
        selected = rows_input(selected, "The selected rows")
    except DataError:  # a table that cannot be read starts again empty
        return []
    if ctx.triggered_id == IDENT_DEL:
        return [r for r in rows if r not in selected]
    return [*rows, {"ticker": "", "group": ""}]
