"""Server-side figure export: PNG, SVG and PDF through kaleido, and standalone HTML.

kaleido drives the Chromium that ``make test`` installs (Debian's ``chromium``; set
``BROWSER_PATH`` to use another). One export server is kept warm (started in the
background when the app starts), so an image takes a fraction of a second instead of
a cold browser start. Calls are serialised: kaleido's sync server answers in order.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time

import plotly.graph_objects as go
import plotly.io as pio

__all__ = ["FORMATS", "MIME", "figure_bytes", "warm_up", "export_available"]

log = logging.getLogger("portfolio_desk.export")
FORMATS = ("png", "svg", "pdf", "html")
MIME = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf", "html": "text/html"}
_lock = threading.Lock()
_started = threading.Event()


def export_available() -> bool:
    """Whether a Chromium for kaleido is on this machine."""
    return bool(os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
                or shutil.which("google-chrome"))


def warm_up() -> None:
    """Start kaleido's sync server once (idempotent); failures are logged, not raised."""
    if _started.is_set() or not export_available():
        return
    with _lock:
        if _started.is_set():
            return
        try:
            import kaleido

            kaleido.start_sync_server(silence_warnings=True)
            _started.set()
        except Exception:  # noqa: BLE001 - export then falls back to a cold start per image
            log.exception("could not start the kaleido export server")


def figure_bytes(fig: go.Figure | dict, fmt: str, *, width: int = 1100, height: int = 600, scale: float = 2) -> bytes:
    """The figure as PNG, SVG, PDF (kaleido) or a self-contained interactive HTML page."""
    fig = fig if isinstance(fig, go.Figure) else go.Figure(fig)
    if fmt == "html":
        return fig.to_html(include_plotlyjs=True, full_html=True, config={"displaylogo": False}).encode("utf-8")
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if os.environ.get("PORTFOLIO_DESK_EXPORT_WARM", "1") != "0":
        warm_up()  # otherwise kaleido starts (and closes) a browser for this image alone
    with _lock:
        for attempt in range(_RACE_RETRIES + 1):
            try:
                return pio.to_image(fig, format=fmt, width=width, height=height, scale=scale if fmt == "png" else 1)
            except Exception as err:
                if _RACE not in str(err) or attempt == _RACE_RETRIES:
                    raise
                log.warning("export browser not ready (%s); trying again", _RACE)
                time.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


#: On a loaded machine kaleido can run a render before its page has defined its scopes
#: ("ReferenceError: kaleido_scopes is not defined"); the same render a moment later succeeds.
_RACE = "kaleido_scopes is not defined"
_RACE_RETRIES = 2
