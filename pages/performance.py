"""Performance desk: Brinson attribution, factor exposures, contribution to return, limit breaches and
rebalancing policies of the workspace portfolio.

Each section has its own callback and alert area, so bad input in one keeps the others (and its
own previous result) on screen. Limits are kept in the workspace (``workspace.with_limits``) and
checked by :mod:`monitor`, which the navbar badge reads too.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html, no_update

import monitor
import workspace
from components import ids, inputs
from components.alerts import alert_area, notes_alert, reports_errors
from components.controls import choice, field, number, slider
from components.figures import graph, graph_id, line_figure
from components.layout import kpi_card, kpi_row, page_header, section
from components.performance_figures import (
    attribution_waterfall,
    beta_figure,
    breach_history_figure,
    contribution_figure,
    policy_figure,
)
from components.tables import grid, records
from components.upload import UploadIds, decode_upload, upload_box
from components.urlstate import UrlState, json_list
from finance_core import attribution, data, estimators, exposures, limits, optimize, rebalancing, risk
from finance_core.errors import DataError, FinanceError

dash.register_page(__name__, path="/performance", name="Performance", title="Performance - Portfolio Desk", order=5)

P = "perf"
SA = {k: f"{P}-alerts-{k}" for k in ("brinson", "bw-upload", "exposure", "rolling", "contribution", "limits", "limit-form", "policies")}
EXP_KPIS, EXP_GRID, WINDOW = f"{P}-exposure-kpis", f"{P}-exposure-grid", f"{P}-window"
CONTRIB_KPIS, ASSET_GRID, SECTOR_GRID = f"{P}-contrib-kpis", f"{P}-asset-grid", f"{P}-sector-grid"
LIMIT_APPLY, BREACH_GRID, BREACH_NOTE = f"{P}-limits-apply", f"{P}-breach-grid", f"{P}-breach-note"
G = {k: f"{P}-{k}" for k in ("waterfall", "linked", "betas", "rolling", "contrib-asset", "contrib-sector", "breach-history", "policies")}
MARKET = "Market"
#: Brinson attribution: the benchmark, method and linking pickers, the benchmark-weights upload and its store.
ATTR = {k: f"{P}-attr-{k}" for k in ("benchmark", "method", "linking", "kpis", "grid", "linked-grid", "note",
                                      "linked-note", "weights")}
BW_UPLOAD = UploadIds(f"{P}-benchmark-weights")
BENCHMARK_CHOICES = {"universe": "The universe, equal-weighted", "holdings": "The current holdings",
                     "upload": "Uploaded benchmark weights (CSV)"}
METHOD_CHOICES = {"brinson_fachler": "Brinson-Fachler", "brinson_hood_beebower": "Brinson-Hood-Beebower",
                  "geometric": "Geometric (Bacon)"}
LINKING_CHOICES = {"carino": "Carino", "menchero": "Menchero"}
ATTR_HEADERS = {"segment": "Sector", "portfolio_weight": "Portfolio weight", "benchmark_weight": "Benchmark weight",
                "portfolio_return": "Portfolio return", "benchmark_return": "Benchmark return",
                "allocation": "Allocation", "selection": "Selection", "interaction": "Interaction", "total": "Total"}
ATTR_FORMATS = {c: "pct2" for c in list(ATTR_HEADERS)[1:]}
#: The limit form: limit kind -> label of its threshold box (decimals; VaR and CVaR are positive loss fractions).
LIMIT_FORM = {"single_name_weight": "Max single-name weight", "sector_weight": "Max sector weight",
              "number_of_names": "Min number of names", "min_cash": "Min cash",
              "drift": "Max drift from target", "volatility": "Volatility (annual)",
              "tracking_error": "Tracking error (annual)", "max_drawdown": "Max drawdown",
              "var": "VaR", "cvar": "CVaR"}
#: The limits' settings: form name -> (label, default); ``<kind>_level`` / ``<kind>_horizon`` and ``drift_band``.
LIMIT_SETTINGS = {"var_level": ("VaR level", 0.95), "var_horizon": ("VaR horizon (days)", 1),
                  "cvar_level": ("CVaR level", 0.95), "cvar_horizon": ("CVaR horizon (days)", 1),
                  "drift_band": ("Drift band", "absolute")}
LIMIT_IDS = {name: f"{P}-limit-{name}" for name in [*LIMIT_FORM, *LIMIT_SETTINGS]}
LIMIT_STATE = {name: State(i, "value") for name, i in LIMIT_IDS.items()}
EXPOSURE_HEADERS = {"term": "Term", "coef": "Coefficient", "std_error": "Std error (NW)", "t_stat": "t",
                    "p_value": "p", "ci_low": "95% low", "ci_high": "95% high"}
#: Four decimals: the alpha row is a daily return (about 0.0005), which two decimals show as 0.00.
EXPOSURE_FORMATS = {c: "dec4" for c in ("coef", "std_error", "ci_low", "ci_high")} | {"t_stat": "ratio", "p_value": "dec4"}
CONTRIB_FORMATS = {"weight": "pct", "return": "pct", "contribution": "pct2"}
BREACH_HEADERS = dict(zip(limits.BREACH_COLUMNS, ["Limit", "Threshold", "Current", "Excess", "Since"], strict=True))
#: The policy form: name -> id (policy kinds, band widths as comma-separated decimals, band type, cost, tax book).
POLICY_IDS = {name: f"{P}-policy-{name}" for name in ("kinds", "widths", "band_type", "cost", "tax")}
POLICY_FORM = {name: State(i, "value") for name, i in POLICY_IDS.items()}
POLICY_RUN, POLICY_GRID = f"{P}-policy-run", f"{P}-policy-grid"
POLICY_DEFAULTS = {"kinds": ["monthly", "quarterly", "band"],
                   "widths": ", ".join(f"{w:g}" for w in rebalancing.BAND_WIDTHS), "band_type": "absolute",
                   "cost": 10.0, "tax": "cash"}
TAX_CAPITAL = 1_000_000.0
TAX_CHOICES = {"cash": f"A new taxable account (${TAX_CAPITAL:,.0f} cash)", "lots": "The uploaded tax lots",
               "none": "No tax"}
POLICY_HEADERS = {"policy": "Policy", "annual_return": "Annual return", "tracking_error": "Tracking error",
                  "annual_turnover": "Turnover a year", "total_cost": "Costs (of start value)",
                  "rebalances": "Rebalances", "realised_tax": "Realised tax"}
POLICY_FORMATS = {"annual_return": "pct2", "tracking_error": "pct2", "annual_turnover": "pct", "total_cost": "pct2",
                  "rebalances": "int", "realised_tax": "money"}
URL = UrlState(P, {"benchmark": (ATTR["benchmark"], "value", str, "universe"),
                   "method": (ATTR["method"], "value", str, "brinson_fachler"),
                   "linking": (ATTR["linking"], "value", str, "carino"),
                   "window": (WINDOW, "value", int, 126),
                   "policies": (POLICY_IDS["kinds"], "value", json_list, POLICY_DEFAULTS["kinds"]),
                   "widths": (POLICY_IDS["widths"], "value", str, POLICY_DEFAULTS["widths"]),
                   "band": (POLICY_IDS["band_type"], "value", str, POLICY_DEFAULTS["band_type"]),
                   "cost": (POLICY_IDS["cost"], "value", float, POLICY_DEFAULTS["cost"]),
                   "tax": (POLICY_IDS["tax"], "value", str, POLICY_DEFAULTS["tax"])},
               bounds={"window": (21, 756)})
URL.register()


def _setting(name: str):
    label, default = LIMIT_SETTINGS[name]
    if name == "drift_band":
        return field(label, choice(LIMIT_IDS[name], {"absolute": "Absolute", "relative": "Relative"}, default), md=2)
    return field(label, number(LIMIT_IDS[name], default, step="any" if "level" in name else 1, debounce=False), md=2)


def _limit_form() -> html.Div:
    # step "any": a browser holds back a number off the step (0.015 on a 0.01 step) as invalid
    boxes = [field(label, number(LIMIT_IDS[kind], None, step=1 if kind == "number_of_names" else "any",
                                 debounce=False), md=2)
             for kind, label in LIMIT_FORM.items()]
    return html.Div([
        html.Div(boxes, className="row g-3 mb-2 no-print"),
        html.Div([_setting(name) for name in LIMIT_SETTINGS], className="row g-3 mb-2 no-print"),
        html.Button("Check limits", id=LIMIT_APPLY, n_clicks=0, className="btn btn-primary btn-sm mb-2 no-print"),
        alert_area(SA["limit-form"]),
    ])


def _policy_form(values: dict) -> html.Div:
    kinds = {kind: label for kind, (label, _calendar, _band) in rebalancing.POLICY_KINDS.items()}
    return html.Div([
        html.Div([
            field("Policies", dcc.Dropdown(id=POLICY_IDS["kinds"], options=[{"label": v, "value": k}
                                                                          for k, v in kinds.items()],
                                           value=values["policies"], multi=True), md=4),
            field("Band widths", dbc.Input(id=POLICY_IDS["widths"], type="text", value=values["widths"],
                                           debounce=False), md=2, hint="decimals, comma-separated"),
            field("Band", choice(POLICY_IDS["band_type"], {"absolute": "Absolute drift", "relative": "Relative drift"},
                                 values["band"]), md=2),
            field("Cost (bps)", number(POLICY_IDS["cost"], values["cost"], step="any", debounce=False), md=1),
            field("Tax", choice(POLICY_IDS["tax"], TAX_CHOICES, values["tax"]), md=3),
        ], className="row g-3 mb-2 no-print"),
        html.Button("Compare policies", id=POLICY_RUN, n_clicks=0, className="btn btn-primary btn-sm mb-2 no-print"),
    ])


def _attribution_section(values: dict) -> html.Section:
    pickers = html.Div([
        field("Benchmark weights", choice(ATTR["benchmark"], BENCHMARK_CHOICES, values["benchmark"]), md=5),
        field("Method", choice(ATTR["method"], METHOD_CHOICES, values["method"]), md=4),
        field("Linking", choice(ATTR["linking"], LINKING_CHOICES, values["linking"]), md=3),
    ], className="row g-3 mb-2 no-print")
    controls = html.Div([
        html.Div([pickers, html.Div(id=ATTR["note"], className="small text-body-secondary mb-2"),
                  alert_area(SA["bw-upload"]), alert_area(SA["brinson"])], className="col-md-9"),
        html.Div(upload_box(BW_UPLOAD, "Benchmark weights CSV", "ticker,weight (decimals or percent); used when "
                            "the benchmark is the uploaded weights."), className="col-md-3 no-print"),
    ], className="row g-3 mb-2")
    return section(
        "Brinson attribution",
        dcc.Store(id=ATTR["weights"], storage_type="session"),
        controls,
        html.Div(id=ATTR["kpis"]),
        html.Div([
            html.Div(graph(G["waterfall"], title="Effects by sector (one period over the workspace dates)"),
                     className="col-lg-6"),
            html.Div([graph(G["linked"], title="Linked effects, cumulative (monthly rebalanced)"),
                      html.Div(id=ATTR["linked-note"], className="small mb-2")], className="col-lg-6"),
        ], className="row"),
        html.H6("Single period by sector", className="mt-2"),
        grid(ATTR["grid"], pd.DataFrame(columns=list(ATTR_HEADERS)), formats=ATTR_FORMATS, headers=ATTR_HEADERS,
             height=440, csv_name="brinson-attribution"),
        html.H6("Linked over months, by sector", className="mt-3"),
        grid(ATTR["linked-grid"], pd.DataFrame(columns=[c for c in ATTR_HEADERS if c in ("segment",
             *attribution.EFFECT_COLUMNS)]), formats=ATTR_FORMATS, headers=ATTR_HEADERS, height=400,
             csv_name="brinson-linked"),
        note="The portfolio (the target, else the holdings, else equal weight, as on the rest of the page) "
             "against benchmark weights by sector. The desk's benchmark is an index fund with no constituents in "
             "the data, so the benchmark weights are by default the universe, equal-weighted; or the current "
             "holdings (attribution of the target against what is held), or an uploaded ticker,weight file. "
             "Single period: both sides buy and hold from the first date of the workspace dates. Linked: both "
             "sides go back to their weights at the start of each month, one attribution per month, linked by "
             "Carino's or Menchero's factors.",
    )


def layout(**query) -> html.Div:
    values, _problems = URL.read(query)
    return html.Div([
        URL.sink(),
        page_header("Performance", "Brinson attribution, factor exposures, contribution to return and limit "
                                   "breaches of the workspace portfolio."),
        _attribution_section(values),
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
            grid(BREACH_GRID, pd.DataFrame(columns=list(BREACH_HEADERS)), headers=BREACH_HEADERS, height=240,
                 csv_name="breaches"),
            graph(G["breach-history"], title="Breach history: when each limit would have been breached (red)",
                  height=260),
            note="Decimals (0.10 is 10%); a blank box sets no limit. The limits are kept in the workspace and "
                 "every page's navbar counts their breaches. They watch the uploaded holdings, else the "
                 "portfolio; drift compares them with the target. Risk limits use the 252 days to each date "
                 "with today's weights; the history is evaluated every 5 dates.",
        ),
        section(
            "Rebalancing policies",
            alert_area(SA["policies"]),
            _policy_form(values),
            grid(POLICY_GRID, pd.DataFrame(columns=list(POLICY_HEADERS)), formats=POLICY_FORMATS,
                 headers=POLICY_HEADERS, height=300, csv_name="rebalancing-policies"),
            graph(G["policies"], title="Turnover against tracking error, one point per policy"),
            note="The portfolio's weights as the target over the workspace dates: a calendar policy trades back to "
                 "it on the last trading day of each month or quarter, a band policy on any day a weight drifts "
                 "further than the band (absolute |w - target|, or relative to the target), a calendar + band "
                 "policy only on calendar dates outside the band. Tracking error is against the target held every "
                 "day at no cost; costs are the bps on the traded value; realised tax is the federal tax the "
                 "policy's sales realise in one taxable account (lot relief FIFO, wash sales applied), after the "
                 "first purchase of the target, which every policy shares.",
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


# --------------------------------------------------------------------------- Brinson attribution
def _benchmark_weights(kind: str | None, stored: dict | None, ws, wd) -> tuple[pd.Series, str]:
    """The chosen benchmark weights by ticker and what they are."""
    if kind == "universe":
        return optimize.equal_weight(wd.prices.columns).weights, f"the universe, equal-weighted ({wd.prices.shape[1]})"
    if kind == "holdings":
        held = workspace.portfolio(dict(ws or workspace.DEFAULT, target=None), wd)
        if held.kind != "holdings":
            raise DataError("No holdings are uploaded, so they cannot be the benchmark. Upload holdings on the Data "
                            "page, or choose another benchmark.", code="missing_holdings")
        return held.weights, held.label
    if kind == "upload":
        if not stored or not stored.get("weights"):
            raise DataError("No benchmark weights are uploaded. Upload a ticker,weight CSV beside the benchmark "
                            "picker, or choose another benchmark.", code="missing_upload")
        return pd.Series(stored["weights"], dtype=float), f"uploaded weights ({stored.get('name', 'file')})"
    raise DataError(f"Benchmark weights: choose one of {', '.join(BENCHMARK_CHOICES.values())}.", code="bad_value")


def _attribution_kpis(res: attribution.BrinsonWindow) -> dbc.Row:
    total = res.single.loc[attribution.TOTAL_ROW]
    return kpi_row([
        kpi_card("Portfolio return", f"{res.portfolio_return:.2%}", id_=f"{P}-kpi-attr-portfolio",
                 hint=f"{res.start.date()} to {res.end.date()}, buy and hold"),
        kpi_card("Benchmark return", f"{res.benchmark_return:.2%}", id_=f"{P}-kpi-attr-benchmark"),
        kpi_card("Excess (R - B)", f"{res.excess:.2%}", id_=f"{P}-kpi-attr-excess",
                 hint=f"geometric (1 + R) / (1 + B) - 1: {res.geometric_excess:.2%}"
                 if res.method == "geometric" else None),
        kpi_card("Allocation", f"{total['allocation']:.2%}", id_=f"{P}-kpi-attr-allocation",
                 hint=f"selection {total['selection']:.2%}, interaction {total['interaction']:.2%}"),
    ])


def _linked_note(res: attribution.BrinsonWindow) -> html.Span:
    return html.Span(
        f"{res.periods} months, {METHOD_CHOICES[res.linked_method]} linked by {LINKING_CHOICES[res.linking]}: the linked effects "
        f"add up to {res.linked.loc[attribution.TOTAL_ROW, 'total']:.4%}, the arithmetic excess of the monthly "
        f"rebalanced portfolio over the benchmark is {res.linked_excess:.4%} ({res.linked_portfolio_return:.2%} "
        f"- {res.linked_benchmark_return:.2%}); difference {res.linking_residual:.1e}.", id=f"{P}-attr-check")


@callback(
    Output(ATTR["kpis"], "children"), Output(graph_id(G["waterfall"]), "figure"), Output(ATTR["grid"], "rowData"),
    Output(graph_id(G["linked"]), "figure"), Output(ATTR["linked-grid"], "rowData"),
    Output(ATTR["linked-note"], "children"), Output(ATTR["note"], "children"), Output(SA["brinson"], "children"),
    inputs=dict(ws=Input(ids.WORKSPACE, "data"), kind=Input(ATTR["benchmark"], "value"),
                method=Input(ATTR["method"], "value"), linking=Input(ATTR["linking"], "value"),
                stored=Input(ATTR["weights"], "data")),
    state=dict(theme=State(ids.THEME, "data")),
)
@reports_errors(8, title="Attribution not computed")
def brinson_attribution(ws, kind, method, linking, stored, theme):
    """Single-period and linked Brinson attribution by sector; bad input keeps the previous result."""
    wd, port = _context(ws)
    bench, label = _benchmark_weights(kind, stored, ws, wd)
    res = attribution.attribute(wd.returns, port.weights, bench, sectors=wd.sectors.to_dict(), method=method,
                                linking=linking)
    note = f"{port.label} against {label}, by sector."
    return (_attribution_kpis(res), attribution_waterfall(res.single, theme), records(res.table.reset_index()),
            line_figure(res.cumulative, theme, yformat=".1%", highlight="total"),
            records(res.linked.rename_axis("segment").reset_index()), _linked_note(res), note,
            notes_alert(res.notes))


@callback(
    Output(ATTR["weights"], "data"), Output(BW_UPLOAD.status, "children"), Output(SA["bw-upload"], "children"),
    Input(BW_UPLOAD.upload, "contents"), State(BW_UPLOAD.upload, "filename"), State(ids.WORKSPACE, "data"),
    prevent_initial_call=True,
)
@reports_errors(3, title="Benchmark weights not read")
def upload_benchmark_weights(contents, filename, ws):
    """Read an uploaded ticker,weight file against the workspace's tickers; a bad file keeps the previous weights."""
    wd = workspace.resolve(ws)
    loaded = data.load_benchmark_weights_csv(decode_upload(contents, filename), name=filename,
                                             tickers=list(wd.prices.columns))
    status = html.Span(f"Loaded {filename} ({len(loaded.frame)} tickers)", className="text-success")
    return ({"name": filename, "weights": loaded.frame.to_dict()}, status,
            notes_alert(loaded.notes, title="Benchmark weights read"))


@callback(Output(BW_UPLOAD.download, "data"), Input(BW_UPLOAD.sample, "n_clicks"), prevent_initial_call=True)
def sample_benchmark_weights(_clicks):
    return dcc.send_string(data.sample_csv("benchmark_weights"), "sample-benchmark-weights.csv")


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
    betas = exposures.rolling_betas(risk.portfolio_returns(wd.returns, port.weights), _factors(wd),
                                    inputs.whole(window, "The rolling window"))
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
    """The form's filled threshold boxes as limit rows, with their level, horizon or band."""
    rows = []
    for kind in LIMIT_FORM:
        if form.get(kind) in (None, ""):
            continue
        row = {"kind": kind, "threshold": form[kind]}
        if kind in ("var", "cvar"):
            row |= {"level": form.get(f"{kind}_level"), "horizon": form.get(f"{kind}_horizon")}
        if kind == "drift":
            row["band"] = form.get("drift_band")
        rows.append(row)
    return rows


def _form(rows: list[dict]) -> dict:
    """The form's values for stored limit rows (the inverse of :func:`_rows`; blanks and defaults elsewhere)."""
    values: dict = {kind: None for kind in LIMIT_FORM} | {name: d for name, (_label, d) in LIMIT_SETTINGS.items()}
    for row in rows:
        values[row["kind"]] = row["threshold"]
        if row["kind"] in ("var", "cvar"):
            values[f"{row['kind']}_level"], values[f"{row['kind']}_horizon"] = row["level"], row["horizon"]
        if row["kind"] == "drift":
            values["drift_band"] = row["band"]
    return values


@callback(
    Output(ids.WORKSPACE, "data", allow_duplicate=True), Output(SA["limit-form"], "children"),
    inputs=dict(_clicks=Input(LIMIT_APPLY, "n_clicks")),
    state=dict(form=LIMIT_STATE, ws=State(ids.WORKSPACE, "data")),
    prevent_initial_call=True,
)
@reports_errors(2, title="Limits not changed")
def save_limits(_clicks, form, ws):
    """Keep the form's limits in the workspace once they check out; a bad one keeps the previous limits.

    Dash calls this when the page opens too (its output, the workspace store, is in the app's layout and its
    button is not, so prevent_initial_call does not hold): without a press it changes nothing, or every
    callback of the page ran twice on each visit (the second time on a workspace rewritten as it was).
    """
    if not _clicks:
        return no_update, no_update
    new = workspace.with_limits(ws, _rows(form))
    monitor.current_breaches(new)  # refuses limits this book cannot be checked against (cached for what follows)
    return new, None


@callback(output={name: Output(i, "value") for name, i in LIMIT_IDS.items()}, inputs=dict(ws=Input(ids.WORKSPACE, "data")))
def fill_limit_form(ws):
    """The workspace's limits back in the form (on opening the page and after each change)."""
    return _form((ws or {}).get("limits") or [])


@callback(
    Output(BREACH_NOTE, "children"), Output(BREACH_GRID, "rowData"), Output(graph_id(G["breach-history"]), "figure"),
    Output(SA["limits"], "children"),
    Input(ids.WORKSPACE, "data"), State(ids.THEME, "data"),
)
@reports_errors(4)
def check_limits(ws, theme):
    rows = (ws or {}).get("limits") or []
    if not rows:
        return html.Span("No limit set.", id=f"{P}-breach-count"), [], breach_history_figure(pd.DataFrame(), theme), None
    try:
        breaches, past = monitor.current_breaches(ws), monitor.breach_history(ws)
    except FinanceError as err:
        raise DataError(f"Limits not checked: {err.message}", code=err.code) from None
    note = html.Span(f"{len(breaches)} of {len(rows)} limits breached." if breaches else "No limit breached.",
                     id=f"{P}-breach-count")
    return note, [b.row() for b in breaches], breach_history_figure(past, theme), None


# --------------------------------------------------------------------------- rebalancing policies
def _tax_book(kind: str | None, wd) -> rebalancing.TaxBook | None:
    """The account the policies' tax is counted in: a new one funded with cash, the uploaded lots, or none."""
    if kind not in TAX_CHOICES:
        raise DataError(f"Tax: choose one of {', '.join(TAX_CHOICES.values())}.", code="bad_value")
    if kind == "none":
        return None
    if kind == "lots":
        if wd.lots is None or not len(wd.lots):
            raise DataError("Tax: no tax lots are uploaded. Upload them on the Data page, or choose a new taxable "
                            "account.", code="missing_lots")
        return rebalancing.TaxBook(wd.prices, lots=wd.lots)
    return rebalancing.TaxBook(wd.prices, capital=TAX_CAPITAL)


@callback(
    Output(POLICY_GRID, "rowData"), Output(graph_id(G["policies"]), "figure"), Output(SA["policies"], "children"),
    inputs=dict(_clicks=Input(POLICY_RUN, "n_clicks"), ws=Input(ids.WORKSPACE, "data")),
    state=dict(form=POLICY_FORM, theme=State(ids.THEME, "data")),
)
@reports_errors(3, title="Policies not compared")
def rebalancing_policies(_clicks, ws, form, theme):
    """Compare the chosen policies on the workspace's prices; bad input keeps the previous table and chart."""
    wd, port = _context(ws)
    policies = rebalancing.policy_set(inputs.picks(form["kinds"], "Policies"), form["widths"], form["band_type"])
    key = json.dumps([workspace.data_key(ws), port.weights.to_dict(), repr(policies), form["cost"],
                      form["tax"]], sort_keys=True, default=str)
    table = _POLICY_TABLES.get(key)
    if table is None:  # the backtests of every policy: the page's dearest call, the same for the same inputs
        table = rebalancing.compare_policies(wd.returns, port.weights, policies, cost_bps=form["cost"],
                                             tax_book=_tax_book(form["tax"], wd))
        _POLICY_TABLES.put(key, table)
    return records(table.rename_axis("policy").reset_index()), policy_figure(table, theme), None


class _Memo:
    """A small thread-safe least-recently-used map (per worker) of computed tables by their inputs' JSON."""

    def __init__(self, size: int) -> None:
        self.size, self._items, self._lock = size, OrderedDict[str, pd.DataFrame](), threading.Lock()

    def get(self, key: str) -> pd.DataFrame | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key: str, value: pd.DataFrame) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


#: Policy comparisons by workspace data (its data key: the session secret is in it whenever there are uploads),
#: portfolio weights and the form: each visit of the page ran every policy's backtest again (0.25 s).
_POLICY_TABLES = _Memo(32)
