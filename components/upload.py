"""Upload widgets with a sample file next to each, the route the browser posts their files to, and decoding.

A file chosen or dropped on a box travels raw: ``assets/upload.js`` posts its bytes to :data:`ROUTE`
(``install_upload_route``), which keeps them in the cache under a one-read token, and sets the box's
dcc.Upload ``contents`` to ``pd-upload:<token>`` (and ``filename``), so the page's callback fires as for any
upload and :func:`decode_upload` takes the bytes back. dcc.Upload's own path (the file as a base64 data URL
inside the callback's JSON) still works, for a browser without the script: it cost a 500 x 2,520 prices
file (10.6 MB) about 0.5 s of encoding, sending and decoding 14 MB before any reading started.
"""

from __future__ import annotations

import base64
import re
from urllib.parse import unquote

import dash_bootstrap_components as dbc
import flask
from dash import dcc, html

from finance_core.data import MAX_UPLOAD_BYTES
from finance_core.errors import DataError
from session_frames import frame_store, session_user

__all__ = ["upload_box", "decode_upload", "upload_status", "UploadIds", "install_upload_route", "ROUTE",
           "TOKEN_PREFIX"]

#: Where assets/upload.js posts a file's bytes (the body is the file; ``X-Portfolio-Desk-Upload: 1`` is
#: required, so another site's page cannot post here without a CORS preflight the server never grants).
ROUTE = "/_desk-upload"
#: What the box's ``contents`` holds once the route has the file: this prefix and the token.
TOKEN_PREFIX = "pd-upload:"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


class UploadIds:
    """Ids of one upload widget: the dcc.Upload, its sample link and its download."""

    def __init__(self, kind: str):
        self.kind = kind
        self.upload = f"upload-{kind}"
        self.sample = f"sample-{kind}"
        self.download = f"download-sample-{kind}"
        self.status = f"upload-status-{kind}"


def upload_box(ids: UploadIds, title: str, help_text: str, *, multiple: bool = False) -> dbc.Card:
    """A drop zone for one kind of CSV (several at once when ``multiple``), with a link to a sample file."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [
                        html.H6(title, className="mb-1"),
                        dbc.Button("Sample CSV", id=ids.sample, color="link", size="sm", n_clicks=0,
                                   className="p-0 pd-sample-link"),
                    ],
                    className="d-flex justify-content-between align-items-start",
                ),
                html.Small(help_text, className="text-body-secondary d-block mb-2"),
                html.Div(
                    dcc.Upload(
                        id=ids.upload,
                        children=html.Div(["Drop CSVs here or " if multiple else "Drop a CSV here or ",
                                           html.A("choose files" if multiple else "choose a file",
                                                  className="link-primary")]),
                        className="pd-upload",
                        # No dcc.Upload limit: in Dash 4.4 a file over max_size is dropped without a trace. The
                        # browser refuses a file over the limit before reading it (assets/upload-limit.js reads
                        # these data attributes and writes decode_upload's message into the status line).
                        max_size=-1,
                        multiple=multiple,
                    ),
                    **{"data-max-bytes": str(MAX_UPLOAD_BYTES), "data-status-id": ids.status,
                       "data-upload-id": ids.upload, "data-multiple": "1" if multiple else "0"},
                ),
                html.Small(id=ids.status, className="d-block mt-1"),
                dcc.Download(id=ids.download),
            ]
        ),
        className="h-100",
    )


def decode_upload(contents: str, filename: str | None) -> bytes:
    """Bytes of a dcc.Upload ``contents``: the file the route keeps under a ``pd-upload:`` token (read once),
    or a base64 data URL; refuses files over the size limit."""
    name = filename or "the uploaded file"
    if isinstance(contents, str) and contents.startswith(TOKEN_PREFIX):
        token = contents[len(TOKEN_PREFIX):]
        raw = frame_store().take_inbox(token, session_user()) if _TOKEN.fullmatch(token) else None
        if raw is None:
            raise DataError(f"{name} is no longer on the server (an upload waits {frame_store().inbox_ttl_seconds // 60} "
                            "minutes, and is read once). Upload it again.", code="upload_expired")
        return raw
    if not contents or "," not in contents:
        raise DataError(f"{name} could not be read from the browser. Try uploading it again.", code="empty")
    payload = contents.split(",", 1)[1]
    if len(payload) * 3 // 4 > MAX_UPLOAD_BYTES + 3:
        raise _too_large(name, len(payload) * 3 / 4)
    try:
        return base64.b64decode(payload, validate=False)
    except ValueError:
        raise DataError(f"{name} could not be decoded. Try uploading it again.", code="empty") from None


def _too_large(name: str, size: float) -> DataError:
    return DataError(
        f"{name} is {size / 1e6:.1f} MB; the limit is {MAX_UPLOAD_BYTES / 1e6:.0f} MB. "
        "Split the file or upload fewer dates or tickers.",
        code="too_large",
    )


def _receive():
    """POST ROUTE: keep the body (one file's bytes) for the callback; JSON ``{"token"}``, or ``{"error"}``."""
    req = flask.request
    name = unquote(req.headers.get("X-Filename", ""))[:200] or "the uploaded file"  # encodeURIComponent
    if req.headers.get("X-Portfolio-Desk-Upload") != "1":
        return {"error": "Uploads come from the desk's own pages."}, 403
    size = req.content_length or 0  # a browser always sends the length of a File body
    if size > MAX_UPLOAD_BYTES:
        return {"error": str(_too_large(name, size))}, 413
    raw = req.get_data(cache=False) if size else b""
    if not raw:
        return {"error": f"{name} is empty. Choose a CSV file with a header row and data."}, 400
    try:
        token = frame_store().put_inbox(raw, session_user())
    except DataError as err:
        return {"error": str(err)}, 503
    return {"token": TOKEN_PREFIX + token}


def install_upload_route(server: flask.Flask) -> None:
    """Serve ROUTE on the desk's Flask server (behind its login gate, as every page and callback)."""
    server.add_url_rule(ROUTE, "desk_upload", _receive, methods=["POST"])


def upload_status(uploads: dict | None, kind: str):
    """What an upload box says about the workspace's file of ``kind`` (None when there is none).

    Every box of that kind (the Data page's and the Tax page's) shows the same line, so an
    upload made on one page shows on the other and survives navigation and reloads.
    """
    entry = uploads.get(kind) if isinstance(uploads, dict) else None
    if not entry or not isinstance(entry, dict):
        return None
    unit = "tickers" if kind == "sectors" else "rows"
    return html.Span(f"Loaded {entry.get('name', 'file')} ({entry.get('rows', '?')} {unit})", className="text-success")
