"""Upload widgets with a sample file next to each, and decoding of uploaded contents."""

from __future__ import annotations

import base64

import dash_bootstrap_components as dbc
from dash import dcc, html

from finance_core.data import MAX_UPLOAD_BYTES
from finance_core.errors import DataError

__all__ = ["upload_box", "decode_upload", "upload_status", "UploadIds"]


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
                    **{"data-max-bytes": str(MAX_UPLOAD_BYTES), "data-status-id": ids.status},
                ),
                html.Small(id=ids.status, className="d-block mt-1"),
                dcc.Download(id=ids.download),
            ]
        ),
        className="h-100",
    )


def decode_upload(contents: str, filename: str | None) -> bytes:
    """Bytes of a dcc.Upload ``contents`` data URL; refuses files over the size limit."""
    name = filename or "the uploaded file"
    if not contents or "," not in contents:
        raise DataError(f"{name} could not be read from the browser. Try uploading it again.", code="empty")
    payload = contents.split(",", 1)[1]
    if len(payload) * 3 // 4 > MAX_UPLOAD_BYTES + 3:
        size = len(payload) * 3 / 4
        raise DataError(
            f"{name} is {size / 1e6:.1f} MB; the limit is {MAX_UPLOAD_BYTES / 1e6:.0f} MB. "
            "Split the file or upload fewer dates or tickers.",
            code="too_large",
        )
    try:
        return base64.b64decode(payload, validate=False)
    except ValueError:
        raise DataError(f"{name} could not be decoded. Try uploading it again.", code="empty") from None


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
