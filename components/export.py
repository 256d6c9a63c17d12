"""Server-side figure export: PNG, SVG and PDF through kaleido, and standalone HTML.

kaleido drives the Chromium that ``make test`` installs (Debian's ``chromium``; set
``BROWSER_PATH`` to use another). One export server is kept warm (started in the
background when the app starts), so an image takes a fraction of a second instead of
a cold browser start. Calls are serialised, and every wait on the browser is bounded
(:class:`_ExportBrowser`): a browser that stops answering is replaced, never waited on for good.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import os
import re
import shutil
import threading
import time

import plotly.graph_objects as go

__all__ = ["FORMATS", "MIME", "figure_bytes", "strip_external", "warm_up", "export_available"]

log = logging.getLogger("portfolio_desk.export")
FORMATS = ("png", "svg", "pdf", "html")
MIME = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf", "html": "text/html"}
_lock = threading.Lock()


def export_available() -> bool:
    """Whether a Chromium for kaleido is on this machine."""
    return bool(os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
                or shutil.which("google-chrome"))


def warm_up() -> None:
    """Open the export browser once (idempotent); failures are logged, not raised."""
    if not export_available():
        return
    with _lock:
        try:
            _BROWSER.ensure_open()
        except Exception:  # noqa: BLE001 - the next export tries again and reports its own error
            log.exception("could not start the export browser")


def figure_bytes(fig: go.Figure | dict, fmt: str, *, width: int = 1100, height: int = 600, scale: float = 2) -> bytes:
    """The figure as PNG, SVG, PDF (kaleido) or a self-contained interactive HTML page."""
    fig = go.Figure(strip_external(fig.to_plotly_json() if isinstance(fig, go.Figure) else fig))
    if fmt == "html":
        return fig.to_html(include_plotlyjs=True, full_html=True, config={"displaylogo": False}).encode("utf-8")
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    opts = {"format": fmt, "width": width, "height": height, "scale": scale if fmt == "png" else 1}
    with _lock:
        for attempt in range(_RACE_RETRIES + 1):
            try:
                return _render(fig.to_dict(), opts)
            except Exception as err:
                if _RACE not in str(err) or attempt == _RACE_RETRIES:
                    raise
                log.warning("export browser not ready (%s); trying again", _RACE)
                time.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


def _render(fig: dict, opts: dict) -> bytes:
    """One image from the export browser (callers hold ``_lock``)."""
    return _BROWSER.render(fig, opts)


#: On a loaded machine kaleido can run a render before its page has defined its scopes
#: ("ReferenceError: kaleido_scopes is not defined"); the same render a moment later succeeds.
_RACE = "kaleido_scopes is not defined"
_RACE_RETRIES = 2


class ExportTimeout(RuntimeError):
    """The export browser did not answer in time; it has been closed and the next export opens a new one."""


class _ExportBrowser:
    """One locked-down kaleido browser driven from its own event-loop thread, with every wait bounded.

    kaleido's own sync server waits without a time limit and joins its thread at interpreter exit, so
    a browser that stops answering hangs the request and then the process (a test run, a gunicorn
    worker's shutdown). Here the loop thread is a daemon, each open and render waits at most a fixed
    time, and a browser that timed out or failed is closed (killed if need be) and opened afresh on
    the next export.
    """

    open_timeout = 60.0
    render_timeout = 45.0
    close_timeout = 10.0
    grace = 5.0  # beyond kaleido's own per-render timeout, which answers with its error first

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None

    def _run(self, coro, timeout: float):
        if self._thread is None or not self._thread.is_alive():  # first use, or its thread was stopped
            self._forget()
            loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=loop.run_forever, name="export-browser", daemon=True)
            self._thread.start()
            self._loop = loop
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise ExportTimeout(f"the export browser did not answer within {timeout:.0f} s") from None

    def ensure_open(self) -> None:
        if self._kaleido is not None:
            return
        import kaleido

        browser = kaleido.Kaleido(timeout=self.render_timeout, **_BROWSER_LOCKDOWN)
        try:
            self._run(browser.open(), self.open_timeout)
        except BaseException:
            self._discard(browser)
            raise
        self._kaleido = browser

    def render(self, fig: dict, opts: dict) -> bytes:
        self.ensure_open()
        try:
            return self._run(self._kaleido.calc_fig(fig, opts=opts), self.render_timeout + self.grace)
        except Exception as err:
            if _RACE not in str(err):  # a wedged or dead browser: start clean next time
                self.close()
            raise

    def _forget(self) -> None:
        """Drop a browser whose event loop is gone (its thread was stopped): kill its process, start clean."""
        browser, self._kaleido = self._kaleido, None
        process = getattr(browser, "subprocess", None)
        if process is not None and process.poll() is None:
            process.kill()

    def close(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._forget()
            return
        browser, self._kaleido = self._kaleido, None
        if browser is not None:
            self._discard(browser)

    def _discard(self, browser) -> None:
        try:
            self._run(browser.close(), self.close_timeout)
        except BaseException:  # noqa: BLE001 - a browser that will not close is killed
            process = getattr(browser, "subprocess", None)
            if process is not None and process.poll() is None:
                process.kill()


_BROWSER = _ExportBrowser()
atexit.register(_BROWSER.close)  # bounded: closes the browser or kills it, never waits for good


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
