"""Server-side figure export: PNG, SVG and PDF through kaleido, and standalone HTML.

kaleido drives the Chromium that ``make test`` installs (Debian's ``chromium``; set
``BROWSER_PATH`` to use another). One export server is kept warm (started in the
background when the app starts), so an image takes a fraction of a second instead of
a cold browser start. Calls are serialised: kaleido's sync server answers in order.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
import time

import plotly.graph_objects as go
import plotly.io as pio

__all__ = ["FORMATS", "MIME", "figure_bytes", "strip_external", "warm_up", "export_available"]

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

            kaleido.start_sync_server(silence_warnings=True, **_BROWSER_LOCKDOWN)
            _started.set()
        except Exception:  # noqa: BLE001 - export then falls back to a cold start per image
            log.exception("could not start the kaleido export server")


def figure_bytes(fig: go.Figure | dict, fmt: str, *, width: int = 1100, height: int = 600, scale: float = 2) -> bytes:
    """The figure as PNG, SVG, PDF (kaleido) or a self-contained interactive HTML page."""
    fig = go.Figure(strip_external(fig.to_plotly_json() if isinstance(fig, go.Figure) else fig))
    if fmt == "html":
        return fig.to_html(include_plotlyjs=True, full_html=True, config={"displaylogo": False}).encode("utf-8")
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    warm_up()  # the locked-down export browser (a cold kaleido call would start an unrestricted one)
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


#: The export browser's options: no MathJax (it would come from a CDN), and every
#: http(s) request sent to a proxy that is not there, so a figure cannot make it fetch.
_BROWSER_LOCKDOWN = {"mathjax": False, "proxy_server": "http://127.0.0.1:9"}

#: Anything that looks like an address: ``scheme://...``, ``javascript:``/``vbscript:``, ``file:``.
_URL = re.compile(r"""(?i)\b(?:[a-z][a-z0-9+.-]*://|(?:javascript|vbscript|file):)[^\s"'<>]*""")
_DATA_IMAGE = re.compile(r"(?i)^data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$")


def strip_external(fig: dict) -> dict:
    """A copy of a figure's JSON without anything the export browser could load from outside.

    Images (``layout.images`` and image traces' ``source``) are kept only as base64 ``data:``
    images of a raster type (the template's images too); every other text loses any
    address in it (``http://``, ``file:``, ``javascript:``...), so titles, hover texts and
    links cannot point anywhere.
    """
    def clean(node):
        if isinstance(node, dict):
            out = {}
            for k, v in node.items():
                if k == "images" and isinstance(v, list | tuple):
                    v = [i for i in v if isinstance(i, dict) and _inline_image(i.get("source"))]
                elif k == "source" and not _inline_image(v):
                    continue
                out[k] = clean(v)
            return out
        if isinstance(node, list):
            return [clean(v) for v in node]
        if isinstance(node, str) and not _DATA_IMAGE.match(node):
            return _URL.sub("", node)
        return node

    return clean(dict(fig))


def _inline_image(value) -> bool:
    """Whether an image source is a base64 ``data:`` image of a raster type."""
    return isinstance(value, str) and bool(_DATA_IMAGE.match(value))
