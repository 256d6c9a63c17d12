"""gunicorn settings for `make serve` (``gunicorn -c gunicorn.conf.py app:server``).

Workers and threads come from ``PORTFOLIO_DESK_WORKERS`` / ``PORTFOLIO_DESK_THREADS``; the
defaults follow the core count (the pages are CPU-bound: one process per core, plus one, and
a few threads each for the polling requests of background jobs). Logs go to stdout/stderr for
the container or the service manager; debug and dev tools stay off (``PORTFOLIO_DESK_DEBUG``
is only read by ``python app.py``). Every worker uses the same cache folder
(``PORTFOLIO_DESK_CACHE``), so an upload parsed by one worker and a background job started by
one are read by any other.
"""

from __future__ import annotations

import multiprocessing
import os

import gunicorn.http.wsgi

# gunicorn writes "Server: gunicorn" itself (it drops the app's header): name no server software.
gunicorn.http.wsgi.SERVER = "Portfolio Desk"


def _count(name: str, default: int) -> int:
    """A positive whole number from the environment, or the default when unset."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise SystemExit(f"{name} must be a whole number of at least 1, not {text!r}")
    return int(text)


_cores = multiprocessing.cpu_count()
bind = os.environ.get("PORTFOLIO_DESK_BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8050')}")
workers = _count("PORTFOLIO_DESK_WORKERS", _cores + 1)
threads = _count("PORTFOLIO_DESK_THREADS", 4)
worker_class = "gthread"
timeout = 120  # a page callback longer than this is a defect: the worker is replaced
graceful_timeout = 30
keepalive = 5
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("PORTFOLIO_DESK_LOG_LEVEL", "info").lower()
raw_env = ["PORTFOLIO_DESK_DEBUG=0"]


def post_worker_init(worker) -> None:
    """Finish Dash's one-time server set-up in each worker before it takes a request.

    Dash fills its registry of script packages and its callback map on a worker's first request, and
    sets its done-flag before the work (plotly/dash#3971): under threaded workers a second request in
    that gap (the page's scripts, a callback) is validated against an empty registry and answers 500
    "dash is not a registered library". Doing the set-up here, before the worker serves, closes the gap.
    """
    from app import app

    with app.server.test_request_context("/"):
        app._setup_server()
