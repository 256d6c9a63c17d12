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
submitted job (app.py picks one). A job that stopped without a result (its process or Celery
worker killed, the server restarted, the job cache unwritable) is reported as lost: the status
line says so and to run it again, and the run button works again, instead of a page that polls
"running" for good.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dash
import dash_bootstrap_components as dbc
import flask
from dash import Input, Output, html
from dash._callback_context import context_value

from components.alerts import error_alert
from session_frames import as_user, cache_errors
from store.identity import current_owner

__all__ = ["CeleryJobs", "DiskcacheJobs", "JOB_LOST", "JobIds", "RequestKeys", "job_panel"]

HIDDEN, SHOWN = {"display": "none"}, {"display": "block"}

#: What the status line says when a job stopped without a result.
JOB_LOST = ("The job stopped before it finished and its result is lost (the server or its worker was restarted "
            "or stopped, or the job cache is unavailable). Run it again.")
#: What a poll of another user's job gets (its result stays for its owner).
NOT_YOURS = "This job was started by another user or session; run it again here."
#: The job context's field naming the user who started the job.
_JOB_USER = "portfolio_desk_user"
#: How Dash wraps an error that a background job reports (dash._callback, BackgroundCallbackError).
_DASH_PREFIX = "An error occurred inside a background callback: "
log = logging.getLogger("portfolio_desk")


def _failed(message: str) -> dict:
    """A job result in the form Dash's managers store a job's exception: the callback's ``on_error`` shows it."""
    return {"background_callback_error": {"msg": message, "tb": ""}}


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
        """A fresh 256-bit key (the shape of Dash's SHA-256 key), whatever the arguments; with login on,
        followed by its owner's tag, so the key reads nothing for another user."""
        return self._owned(secrets.token_hex(32), current_owner())

    @staticmethod
    def _owned(token: str, user: str | None) -> str:
        """``token`` alone without login, else ``token`` + HMAC(server secret, token and user) (hex, 32)."""
        if user is None:
            return token
        key = str(flask.current_app.secret_key or "").encode()
        return token + hmac.new(key, f"{token}\0{user}".encode(), hashlib.sha256).hexdigest()[:32]

    def _mine(self, key: str) -> bool:
        """True when ``key`` was made for the signed-in user (or for nobody, with login off)."""
        return hmac.compare_digest(str(key), self._owned(str(key)[:64], current_owner()))

    def call_job_fn(self, key, job_fn, args, context):
        """Dash's job start, with the signed-in user in the job's context (see :meth:`make_job_fn`)."""
        return super().call_job_fn(key, job_fn, args, dict(context, **{_JOB_USER: current_owner()}))  # type: ignore[misc]

    def make_job_fn(self, fn, progress, key=None):
        """Dash's job function, whose body runs as the user who started it (their uploads, not another's)."""
        @functools.wraps(fn)
        def as_starter(*args: Any, **kwargs: Any) -> Any:
            with as_user((context_value.get() or {}).get(_JOB_USER)):
                return fn(*args, **kwargs)

        return super().make_job_fn(as_starter, progress, key)  # type: ignore[misc]


    #: How long a job stopped on purpose (cancelled, or replaced by a new run) is remembered as such.
    stopped_ttl = 3600

    def job_lost(self, job) -> bool:
        """True when the job can no longer write a result (here: its process is gone)."""
        return not self.job_running(job)  # type: ignore[attr-defined]

    def _mark_stopped(self, job) -> None:
        """Remember that ``job`` was stopped on purpose, in the cache every worker shares."""
        self.handle.set(f"portfolio-desk:job-stopped:{job}", 1, expire=self.stopped_ttl)  # type: ignore[attr-defined]

    def _was_stopped(self, job) -> bool:
        return self.handle.get(f"portfolio-desk:job-stopped:{job}") is not None  # type: ignore[attr-defined]

    def terminate_job(self, job):
        """Dash stops a job on Cancel and when a new run replaces it: that job is not "lost", it ends quietly.

        (Dash also calls this after reading a result; that job is never polled again, so it is not marked.)
        """
        if job is not None and not getattr(self._reading, "now", False):
            try:
                self._mark_stopped(job)
            except cache_errors() as err:
                log.warning("job cache failed: %s", err)
        return super().terminate_job(job)  # type: ignore[misc]

    _reading = threading.local()

    def get_result(self, key, job):
        """Dash's result, or a "lost" error for a job that stopped without one, or a cache error as a message."""
        def read(key, job):
            self._reading.now = True
            try:
                return super(RequestKeys, self).get_result(key, job)  # type: ignore[misc]
            finally:
                self._reading.now = False

        if not self._mine(key):
            return _failed(NOT_YOURS)
        try:
            result = read(key, job)
            if (result is self.UNDEFINED and job is not None  # type: ignore[attr-defined]
                    and self.job_lost(job) and not self._was_stopped(job)):
                result = read(key, job)  # it may have written its result between the two looks
                if result is self.UNDEFINED:  # type: ignore[attr-defined]
                    log.warning("background job %s stopped without a result", job)
                    return _failed(JOB_LOST)
        except cache_errors() as err:
            log.warning("job cache failed: %s", err)
            return _failed(f"The job's result could not be read from the job cache ({type(err).__name__}: {err}). "
                           "Run it again; if it keeps failing, ask whoever runs the desk to check the cache.")
        return result

    def get_progress(self, key):
        """Dash's progress, or none while the job cache fails (the next poll reports the result or the loss)."""
        if not self._mine(key):
            return None
        try:
            return super().get_progress(key)  # type: ignore[misc]
        except cache_errors():
            return None

    def get_updated_props(self, key):
        """Dash's ``set_props`` updates of the job, or none while the job cache fails."""
        if not self._mine(key):
            return {}
        try:
            return super().get_updated_props(key)  # type: ignore[misc]
        except cache_errors():
            return {}


class DiskcacheJobs(RequestKeys, dash.DiskcacheManager):
    """Jobs in local processes, results in a diskcache folder; one key per submitted job."""


#: Seconds between a Celery job's heartbeats, and how long one is believed.
HEARTBEAT_SECONDS, HEARTBEAT_TTL = 1.0, 8


#: Seconds before a heartbeat that failed (Redis restarting, a broken pooled connection) is tried again.
_RETRY_SECONDS = 0.1


def _mark(client, alive: str, started: str) -> bool:
    """Write the heartbeat ``alive`` and the ``started`` mark in one MULTI/EXEC; False when Redis failed."""
    try:
        with client.pipeline(transaction=True) as pipe:
            pipe.set(alive, b"1", ex=HEARTBEAT_TTL)
            pipe.set(started, b"1", ex=24 * 3600)
            pipe.execute()
        return True
    except cache_errors():
        return False  # tried again in _RETRY_SECONDS; until then no "started" mark: the job is never called lost


class CeleryJobs(RequestKeys, dash.CeleryManager):
    """Jobs on Celery workers, results in the Celery backend (Redis); one key per submitted job.

    A worker killed mid-job leaves its task "PENDING" in Celery for good (the task was acknowledged when it
    started). So each job, from its first step, refreshes a heartbeat key in Redis every
    :data:`HEARTBEAT_SECONDS` (expiring after :data:`HEARTBEAT_TTL`) beside a "started" mark: a job that started
    and has no heartbeat is lost, seen within about :data:`HEARTBEAT_TTL` seconds of the kill.
    """

    @staticmethod
    def _keys(task_id: str) -> tuple[str, str]:
        return f"portfolio-desk:job-started:{task_id}", f"portfolio-desk:job-alive:{task_id}"

    def make_job_fn(self, fn, progress, key=None):
        return super().make_job_fn(self._with_heartbeat(fn), progress, key)

    def _with_heartbeat(self, fn: Callable) -> Callable:
        client = self.handle.backend.client

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            from celery import current_task

            started, alive = self._keys(current_task.request.id)
            stop = threading.Event()

            def beat() -> None:
                while not stop.wait(HEARTBEAT_SECONDS if _mark(client, alive, started) else _RETRY_SECONDS):
                    pass

            # "started" never stands without "alive": each beat writes both in one transaction, so a poll between
            # two writes, or after Redis restarted and broke a beat's connection, cannot call a running job lost
            # (and a Redis restarted mid-job gets both marks back at the next beat).
            _mark(client, alive, started)
            thread = threading.Thread(target=beat, name="job-heartbeat", daemon=True)
            thread.start()
            try:
                return fn(*args, **kwargs)
            finally:  # the heartbeat expires by itself, after the result is written: never a false "lost"
                stop.set()

        return run

    def _mark_stopped(self, job) -> None:
        self.handle.backend.client.set(f"portfolio-desk:job-stopped:{job}", b"1", ex=self.stopped_ttl)

    def _was_stopped(self, job) -> bool:
        return bool(self.handle.backend.client.exists(f"portfolio-desk:job-stopped:{job}"))

    def job_lost(self, job) -> bool:
        if self.get_task(job).state in ("SUCCESS", "FAILURE", "REVOKED"):
            return True  # finished, yet no result under its key
        started, alive = self._keys(job)
        client = self.handle.backend.client
        return bool(client.exists(started)) and not client.exists(alive)


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
            "on_error": self.report_failure,
            **extra,
        }

    def report_failure(self, err: Exception) -> None:
        """``on_error`` of the job: the status line says what happened (a lost job, or what failed); the
        other outputs keep the previous result, and Dash turns the running state off as the call ends."""
        text = str(err).removeprefix(_DASH_PREFIX).split("\n", 1)[0]
        if text == JOB_LOST or text.startswith("The job's result could not be read"):
            message, title = text, "Job lost"
        else:
            log.error("background job %s failed: %s", self.prefix, err)
            message, title = f"The job failed ({text}). Run it again; if it fails again, report the inputs used.", \
                "Job failed"
        dash.set_props(self.status, {"children": error_alert(message, title=title)})

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
