"""The job widget: run button, cancel button and progress bar for background callbacks.

Usage in a page::

    JOB = JobIds("data-analyse")
    layout = ... job_panel(JOB, "Analyse universe") ...

    @callback(Output(...), Input(JOB.run, "n_clicks"), State(...), **JOB.background())
    def analyse(set_progress, n_clicks, ...):
        report = JOB.reporter(set_progress)
        report(0.5, "half way")

While the job runs the run button is disabled, the cancel button enabled and the
progress bar visible; cancel stops the job and leaves the previous result.

``DiskcacheJobs`` and ``CeleryJobs`` are Dash's two managers with one result key per
submitted job (app.py picks one).
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, html

__all__ = ["CeleryJobs", "DiskcacheJobs", "JobIds", "RequestKeys", "job_panel"]

HIDDEN, SHOWN = {"display": "none"}, {"display": "block"}


def _throttle() -> float:
    """Seconds to wait per progress step (``PORTFOLIO_DESK_JOB_THROTTLE``; 0 by default).

    Only useful to make short jobs observable, e.g. in browser tests of cancel.
    """
    try:
        return max(float(os.environ.get("PORTFOLIO_DESK_JOB_THROTTLE", "0")), 0.0)
    except ValueError:
        return 0.0


class RequestKeys:
    """For a Dash background-callback manager: every submitted job gets a result key of its own.

    Dash derives the key from the callback's source and arguments, so two people who press
    Run with the same inputs share one key: both jobs write it and the first poll takes (and
    deletes) the only result, leaving the other page with nothing and no error. A random
    key per request cannot collide. The browser gets the key signed for its page load, so
    a key copied into another page reads nothing. Do not combine with ``cache_by``: its
    results are kept for reuse, and unique keys would never reuse them.
    """

    def build_cache_key(self, fn, args, cache_args_to_ignore, triggered) -> str:
        """A fresh 256-bit key (the shape of Dash's SHA-256 key), whatever the arguments."""
        return secrets.token_hex(32)


class DiskcacheJobs(RequestKeys, dash.DiskcacheManager):
    """Jobs in local processes, results in a diskcache folder; one key per submitted job."""


class CeleryJobs(RequestKeys, dash.CeleryManager):
    """Jobs on Celery workers, results in the Celery backend (Redis); one key per submitted job."""


@dataclass(frozen=True)
class JobIds:
    prefix: str

    @property
    def run(self) -> str:
        return f"{self.prefix}-run"

    @property
    def cancel(self) -> str:
        return f"{self.prefix}-cancel"

    @property
    def progress(self) -> str:
        return f"{self.prefix}-progress"

    @property
    def progress_wrap(self) -> str:
        return f"{self.prefix}-progress-wrap"

    @property
    def status(self) -> str:
        return f"{self.prefix}-status"

    def background(self, **extra) -> dict:
        """Keyword arguments for ``@callback`` that make it a cancellable background job."""
        return {
            "background": True,
            "running": [
                (Output(self.run, "disabled"), True, False),
                (Output(self.cancel, "disabled"), False, True),
                (Output(self.progress_wrap, "style"), SHOWN, HIDDEN),
            ],
            "cancel": [Input(self.cancel, "n_clicks")],
            "progress": [Output(self.progress, "value"), Output(self.progress, "label")],
            "prevent_initial_call": True,
            **extra,
        }

    @staticmethod
    def reporter(set_progress: Callable) -> Callable[[float, str], None]:
        """A ``report(fraction, text)`` function that updates the progress bar."""
        pause = _throttle()

        def report(fraction: float, text: str = "") -> None:
            pct = int(round(100 * min(max(fraction, 0.0), 1.0)))
            set_progress((pct, text or f"{pct}%"))
            if pause:
                time.sleep(pause)

        return report


def job_panel(job: JobIds, label: str, *, color: str = "primary") -> html.Div:
    """Run and cancel buttons with a (hidden until running) progress bar and a status line."""
    return html.Div(
        [
            html.Div(
                [
                    dbc.Button(label, id=job.run, color=color, n_clicks=0, className="me-2"),
                    dbc.Button("Cancel", id=job.cancel, color="secondary", outline=True,
                               disabled=True, n_clicks=0),
                ],
                className="d-flex align-items-center mb-2 no-print",
            ),
            html.Div(
                dbc.Progress(id=job.progress, value=0, label="", striped=True, animated=True,
                             style={"height": "1.2rem"}),
                id=job.progress_wrap,
                style=HIDDEN,
                className="mb-2",
            ),
            html.Small(id=job.status, className="text-body-secondary"),
        ],
        className="pd-job",
    )
