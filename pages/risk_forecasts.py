"""The Risk page's Forecasts section: volatility models judged out of sample, FHS VaR.

Imported by ``pages/risk.py`` (its layout and URL keys); one background callback. The covariance
forecasts' subsection (``pages/risk_covariance.py``) closes the section.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, html

import workspace
from components import ids
from components.alerts import alert_area, error_alert
from components.controls import choice, field
from components.figures import empty_figure, graph, graph_id
from components.forecast_figures import forecast_volatility_figure
from components.jobs import JobIds, job_panel
from components.layout import section
from components.tables import grid, records
from finance_core import forecast, risk
from finance_core.errors import FinanceError
from pages.risk_covariance import covariance_subsection

P = "risk-fc"
HORIZON, MODEL, GRID, VERDICTS, FHS = f"{P}-horizon", f"{P}-model", f"{P}-grid", f"{P}-verdicts", f"{P}-fhs"
FIGURE, ALERT = f"{P}-chart", f"{P}-alerts"
JOB = JobIds(P)
HORIZONS = {1: "1 day", 5: "5 days", 21: "21 days"}
MODEL_LABELS = {name: label for name, (label, _fit) in forecast.MODELS.items()}
DEFAULT_MODEL = "gjr"
HEADERS = {"model": "Model", "label": "Model", "qlike": "QLIKE", "mse": "MSE", "mz_intercept": "MZ a",
           "mz_slope": "MZ b", "mz_r2": "MZ R²", "dm_stat": "DM stat vs EWMA", "dm_p": "DM p vs EWMA",
           "best": "Best (lowest QLIKE)"}
FORMATS = {"qlike": "dec4", "mse": "sci", "mz_intercept": "sci", "mz_slope": "ratio", "mz_r2": "ratio",
           "dm_stat": "ratio", "dm_p": "dec4"}
NOTE = (f"Rolling origin on the current portfolio's daily returns: the first 500 days train, every model is "
        f"refitted every {risk.DESK_REFIT_EVERY} trading days (a quarter, which keeps the run to about 10-30 s on "
        "the bundled data) on past data only, and each forecast made at date t is scored against the realised "
        "variance over the next h days. QLIKE (lower is better) picks the best row; the Diebold-Mariano p-value "
        "tests each model's QLIKE losses against EWMA's. The picked model's one-day forecast drives a "
        "filtered-historical-simulation VaR (99%, 250-day window), backtested against plain historical VaR on "
        "the same days. The chart shows annualised volatility.")


def forecasts_section(values: dict) -> html.Div:
    """Controls, job panel, chart, table, verdicts and the FHS line (``values``: the URL's settings)."""
    return section(
        "Forecasts",
        alert_area(ALERT),
        dbc.Row([
            field("Horizon", choice(HORIZON, HORIZONS, values["fc_horizon"]), md=3),
            field("Model (chart and FHS VaR)", choice(MODEL, MODEL_LABELS, values["fc_model"]), md=4),
        ], className="g-3 mb-2 no-print"),
        job_panel(JOB, "Run forecasts"),
        graph(FIGURE, empty_figure("Press Run forecasts to evaluate the models."),
              title="Forecast against realised volatility (out of sample)"),
        grid(GRID, pd.DataFrame(columns=["label", *[c for c in forecast.COMPARISON_COLUMNS if c != "label"]]),
             formats=FORMATS, headers=HEADERS, height=250, csv_name="forecast-evaluation"),
        html.Ul(id=VERDICTS, className="mt-2"),
        html.P(id=FHS, className="fw-semibold"),
        covariance_subsection(),
        note=NOTE,
    )


def evaluate(ws, horizon, model, progress=None) -> risk.ForecastReview:
    """The review the callback shows: the workspace portfolio's forecasts at ``horizon`` days."""
    wd = workspace.resolve(ws)
    port = workspace.portfolio(ws, wd)
    return risk.review_forecasts(wd.returns, port.weights, int(horizon or 1), model or DEFAULT_MODEL,
                                 progress=progress)


def table_rows(review: risk.ForecastReview) -> list[dict]:
    """Grid rows: one per model, the best one marked."""
    table = review.comparison.table.assign(best=lambda f: f["best"].map({True: "★ best", False: ""}))
    return records(table.reset_index(drop=True))


@callback(
    Output(graph_id(FIGURE), "figure"), Output(GRID, "rowData"), Output(VERDICTS, "children"),
    Output(FHS, "children"), Output(JOB.status, "children"), Output(ALERT, "children"),
    inputs=dict(_clicks=Input(JOB.run, "n_clicks")),
    state=dict(horizon=State(HORIZON, "value"), model=State(MODEL, "value"), ws=State(ids.WORKSPACE, "data"),
               theme=State(ids.THEME, "data")),
    **JOB.background(),
)
def run_forecasts(set_progress, _clicks, *, horizon, model, ws, theme):
    report = JOB.reporter(set_progress)
    try:
        review = evaluate(ws, horizon, model,
                          progress=lambda done, total: report(done / total, f"{done} of {total} model fits"))
    except (FinanceError, TypeError, ValueError) as err:
        keep = (dash.no_update,) * 4
        return (*keep, "Not run: see the message above.", error_alert(err, title="Forecasts not run"))
    verdicts = [html.Li(line) for line in review.comparison.notes]
    status = html.Span(f"Evaluated {len(review.comparison.forecasts):,} out-of-sample days, horizon "
                       f"{review.comparison.horizon}, refit every {review.comparison.refit_every} days.",
                       className="text-success")
    return (forecast_volatility_figure(review.volatility(), theme), table_rows(review), verdicts,
            html.Span(review.fhs_line(), id=f"{P}-fhs-line"), status, None)
