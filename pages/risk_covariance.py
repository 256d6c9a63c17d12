"""The Risk page's covariance-forecast evaluation: the Construct page's estimators judged out of sample.

Part of the Forecasts section (``pages/risk_forecasts.py`` places :func:`covariance_subsection`);
one background callback, shaped like the volatility evaluation's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from dash import Input, Output, State, callback, html

import workspace
from components import ids
from components.alerts import alert_area, reports_errors
from components.figures import empty_figure, graph, graph_id
from components.forecast_figures import covariance_forecast_figure
from components.jobs import JobIds, job_panel
from components.tables import grid, records
from finance_core import recipes
from finance_core.errors import DataError
from finance_core.forecast.covariance import COVARIANCE_FORECASTS, compare_covariance_forecasts

P = "risk-cov"
GRID, FIGURE, ALERT = f"{P}-grid", f"{P}-chart", f"{P}-alerts"
JOB = JobIds(P)
#: Rolling origin: the first MIN_TRAIN days only train; each estimator reads the last WINDOW days and the
#: minimum-variance portfolio it builds is held REBALANCE_EVERY days (compare_covariance_forecasts' defaults).
WINDOW, MIN_TRAIN, REBALANCE_EVERY = 250, 500, 21
ANNUAL = 252
COLUMNS = ["label", "variance", "volatility", "vs_sample", "mean_return", "days", "best"]
HEADERS = {"label": "Covariance estimator", "variance": "Realised variance (annualised)",
           "volatility": "Realised volatility (annualised)", "vs_sample": "Variance vs sample",
           "mean_return": "Mean return (annualised)", "days": "Out-of-sample days", "best": "Best (lowest variance)"}
FORMATS = {"variance": "dec4", "volatility": "pct2", "vs_sample": "pct", "mean_return": "pct2", "days": "int"}
NOTE = (f"Rolling origin on the workspace universe's daily returns: from day {MIN_TRAIN} on, every "
        f"{REBALANCE_EVERY} trading days each estimator sees only the returns before that date (its last "
        f"{WINDOW} days; the GARCH fits all past days), builds the fully invested minimum-variance portfolio "
        f"(shorts allowed) and holds it to the next rebalance. The better covariance forecast gives the lower "
        "realised variance of those held portfolios. These are the covariance estimators the Construct page "
        "offers; the constant-correlation GARCH refits one GARCH per asset and is the slow part of the run.")


def covariance_subsection() -> html.Div:
    """Heading, note, job panel, chart and table of the covariance-forecast evaluation."""
    return html.Div([
        html.H5("Covariance forecasts", className="mt-4"),
        html.P(NOTE, className="text-body-secondary"),
        alert_area(ALERT),
        job_panel(JOB, "Run covariance forecasts"),
        graph(FIGURE, empty_figure("Press Run covariance forecasts to compare the estimators."),
              title="Realised volatility of each estimator's minimum-variance portfolio (out of sample)"),
        grid(GRID, pd.DataFrame(columns=COLUMNS), formats=FORMATS, headers=HEADERS, height=330,
             csv_name="covariance-forecast-evaluation"),
    ], id=P)


def universe_returns(ws) -> pd.DataFrame:
    """The workspace universe's complete daily returns, or a message saying what to change."""
    returns = workspace.resolve(ws).returns.dropna()
    if returns.shape[1] < 2:
        raise DataError("A covariance forecast needs 2 or more assets; the universe holds "
                        f"{returns.shape[1]}. Add tickers on the Data page.", code="too_few_assets")
    if len(returns) <= MIN_TRAIN:
        raise DataError(f"The covariance evaluation trains on {MIN_TRAIN} days of returns and needs more; the "
                        f"workspace has {len(returns)} complete days. Pick an earlier start date on the Data page "
                        "(or drop the assets with a short history).", code="too_few_returns")
    return returns


def evaluate(ws, progress=None) -> pd.DataFrame:
    """Each estimator's out-of-sample minimum-variance portfolio returns (dates x estimators)."""
    return compare_covariance_forecasts(universe_returns(ws), COVARIANCE_FORECASTS, window=WINDOW,
                                        min_train=MIN_TRAIN, rebalance_every=REBALANCE_EVERY, progress=progress)


def summary(held: pd.DataFrame) -> pd.DataFrame:
    """One row per estimator: realised variance and volatility (annualised), against sample, the best marked."""
    variance = held.var() * ANNUAL
    table = pd.DataFrame({
        "label": [recipes.COV_METHODS.get(m, m) for m in held.columns],
        "variance": variance,
        "volatility": np.sqrt(variance),
        "vs_sample": variance / variance["sample"] - 1 if "sample" in variance else np.nan,
        "mean_return": held.mean() * ANNUAL,
        "days": held.count(),
    })
    table["best"] = np.where(table.index == variance.idxmin(), "★ best", "")
    return table


@callback(
    Output(graph_id(FIGURE), "figure"), Output(GRID, "rowData"), Output(JOB.status, "children"),
    Output(ALERT, "children"),
    inputs=dict(_clicks=Input(JOB.run, "n_clicks")),
    state=dict(ws=State(ids.WORKSPACE, "data"), theme=State(ids.THEME, "data")),
    **JOB.background(),
)
@reports_errors(4, title="Covariance forecasts not run")
def run_covariance(set_progress, _clicks, *, ws, theme):
    report = JOB.reporter(set_progress)
    held = evaluate(ws, progress=lambda done, total: report(done / total, f"{done} of {total} steps"))
    table = summary(held)
    best = table.loc[table["best"] != "", "label"].iloc[0]
    status = html.Span(f"Compared {len(held.columns)} estimators on {len(held):,} out-of-sample days, rebalanced "
                       f"every {REBALANCE_EVERY} days; lowest realised variance: {best}.",
                       className="text-success", id=f"{P}-verdict")
    return covariance_forecast_figure(table.set_index("label")["volatility"], theme), \
        records(table.reset_index(drop=True)), status, None


__all__ = ["covariance_subsection", "evaluate", "run_covariance", "summary", "universe_returns"]
