"""Saved work for the desk: a workspace or target portfolio as a saved item, and workspace files.

A saved workspace's body holds the workspace's settings (never its session secret nor its
upload keys), the page settings and, per upload, the SHA-256 of the file stored in the database
by :meth:`store.Store.put_dataset`, so a saved item never points at an expired upload. A
workspace file (:func:`export_file`) is one JSON document with the same settings and the files
themselves (CSV text, or base64 for bytes that are not UTF-8), tagged with :data:`FORMAT` and
:data:`FORMAT_VERSION`. This module knows no Dash.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

import workspace
from finance_core.errors import DataError
from store import Store

__all__ = ["FORMAT", "FORMAT_VERSION", "settings_of", "workspace_body", "portfolio_body",
           "restore_workspace", "restore_portfolio", "export_file", "import_file", "EXPORT_NAME"]

FORMAT = "portfolio-desk-workspace"
#: The version of the saved-workspace layout; a body or file with a larger one is refused by name.
FORMAT_VERSION = 1
_PARTS = ("workspace", "datasets")


def settings_of(ws: dict | None) -> dict:
    """The workspace to keep: everything but the session secret, upload entries without their keys."""
    ws = dict(workspace.DEFAULT, **(ws or {}))
    uploads = {kind: {k: v for k, v in entry.items() if k != "key"}
               for kind, entry in (ws.get("uploads") or {}).items()}
    return {k: v for k, v in ws.items() if k != workspace.SESSION} | {"uploads": uploads}


def workspace_body(ws: dict | None, page_settings: dict | None, saved: Store) -> dict:
    """A saved workspace: its settings, the page settings and its uploads stored as datasets."""
    datasets = {kind: {"name": name, "sha256": saved.put_dataset(raw, kind=kind, name=name)}
                for kind, (name, raw) in workspace.upload_sources(ws).items()}
    return {"format_version": FORMAT_VERSION, "workspace": settings_of(ws),
            "page_settings": dict(page_settings or {}), "datasets": datasets}


def portfolio_body(ws: dict | None) -> dict:
    """The workspace's target portfolio as a saved portfolio (the API's shape: ``weights`` first)."""
    target = (ws or {}).get("target") or {}
    if not target.get("weights"):
        raise DataError("There is no target portfolio to save: build one on the Construct page and press "
                        "'Use as target', or save the workspace instead.", code="no_target")
    settings = settings_of(ws)
    return {"weights": dict(target["weights"]), "method": target.get("method"), "recipe": target.get("recipe"),
            "trades": target.get("trades") or [], "stored_at": target.get("stored_at"),
            "data": {k: settings[k] for k in ("source", "universe", "start", "end", "benchmark")}}


def _check_version(version: object, what: str) -> None:
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise DataError(f"{what} has no readable format version ({version!r}): it was not written by Portfolio "
                        f"Desk, or was edited by hand. This desk reads format version {FORMAT_VERSION}.",
                        code="unknown_version")
    if version > FORMAT_VERSION:
        raise DataError(f"{what} was written by a newer Portfolio Desk (format version {version}; this desk "
                        f"reads version {FORMAT_VERSION}). Upgrade this desk, or export it again from a desk "
                        "of this version.", code="newer_version")


def _parts(doc: dict, what: str) -> tuple[dict, dict]:
    missing = [p for p in _PARTS if not isinstance(doc.get(p), dict)]
    if missing:
        raise DataError(f"{what} is missing its {' and '.join(repr(p) for p in missing)} part"
                        f"{'s' if len(missing) > 1 else ''}: nothing was loaded.", code="missing_part")
    unknown = sorted(set(doc["datasets"]) - set(workspace.UPLOAD_KINDS))
    if unknown:
        raise DataError(f"{what} holds uploads of a kind this desk cannot read ({', '.join(unknown)}); it "
                        f"reads {', '.join(workspace.UPLOAD_KINDS)}.", code="unknown_upload")
    return doc["workspace"], doc["datasets"]


def restore_workspace(body: dict, ws: dict | None, page_settings: dict | None, saved: Store) -> tuple[dict, dict]:
    """A saved workspace body as the workspace of ``ws``'s session (its files cached again under that session's
    keys) and page settings."""
    what = "This saved workspace"
    _check_version(body.get("format_version"), what)
    settings, datasets = _parts(body, what)
    sources = {}
    for kind, entry in datasets.items():
        _, _, raw = saved.get_dataset(str(entry.get("sha256", "")))
        sources[kind] = (str(entry.get("name") or kind), raw)
    kept = body.get("page_settings")
    return workspace.with_sources(settings, sources, ws), _page_settings(kept, page_settings)


def _page_settings(kept: object, current: dict | None) -> dict:
    return dict(kept) if isinstance(kept, dict) else dict(current or {})


def restore_portfolio(body: dict, ws: dict | None) -> dict:
    """The workspace with a saved portfolio as its target."""
    weights = body.get("weights")
    if not isinstance(weights, dict) or not weights:
        raise DataError("This saved portfolio has no weights, so it cannot become the target.", code="missing_part")
    return dict(ws or workspace.DEFAULT, target={
        "weights": {str(k): float(v) for k, v in weights.items()}, "method": body.get("method") or "saved portfolio",
        "trades": body.get("trades") or [], "recipe": body.get("recipe"), "stored_at": body.get("stored_at")})


# --------------------------------------------------------------------------- files
#: The name an exported workspace file is downloaded under.
EXPORT_NAME = "portfolio-desk-workspace.json"


def _encoded(raw: bytes) -> dict[str, str]:
    try:
        return {"encoding": "csv", "content": raw.decode("utf-8")}
    except UnicodeDecodeError:
        return {"encoding": "base64", "content": base64.b64encode(raw).decode("ascii")}


def export_file(ws: dict | None, page_settings: dict | None) -> bytes:
    """The workspace as one JSON file, its uploaded files inside, for :func:`import_file` on another desk."""
    datasets = {kind: {"name": name, "sha256": hashlib.sha256(raw).hexdigest(), **_encoded(raw)}
                for kind, (name, raw) in workspace.upload_sources(ws).items()}
    doc = {"format": FORMAT, "format_version": FORMAT_VERSION, "workspace": settings_of(ws),
           "page_settings": dict(page_settings or {}), "datasets": datasets}
    return json.dumps(doc, indent=1).encode()


def _decoded(kind: str, entry: Any, what: str) -> tuple[str, bytes]:
    if not isinstance(entry, dict) or not isinstance(entry.get("content"), str):
        raise DataError(f"{what}: the {kind} upload has no content, so it cannot be loaded. Export the "
                        "workspace again.", code="missing_part")
    name, encoding = str(entry.get("name") or f"{kind}.csv"), entry.get("encoding", "csv")
    if encoding == "csv":
        raw = entry["content"].encode("utf-8")
    elif encoding == "base64":
        try:
            raw = base64.b64decode(entry["content"], validate=True)
        except (binascii.Error, ValueError):
            raise DataError(f"{what}: the {kind} upload {name!r} is not valid base64.", code="bad_file") from None
    else:
        raise DataError(f"{what}: the {kind} upload {name!r} has encoding {encoding!r}; this desk reads 'csv' "
                        "and 'base64'.", code="unknown_encoding")
    digest = entry.get("sha256")
    if digest is not None and digest != hashlib.sha256(raw).hexdigest():
        raise DataError(f"{what}: the {kind} upload {name!r} does not match its SHA-256: the file was changed "
                        "or cut short. Export it again.", code="bad_file")
    return name, raw


def import_file(raw: bytes, filename: str, ws: dict | None, page_settings: dict | None) -> tuple[dict, dict]:
    """A workspace file (:func:`export_file`) as the workspace of ``ws``'s session, and page settings.

    A file of another format, of a newer or unreadable version, or missing a part raises DataError
    saying which; nothing is loaded then.
    """
    what = f"{filename or 'The file'}"
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DataError(f"{what} is not a Portfolio Desk workspace file: it is not JSON ({err}). Export one "
                        "from the Saved menu.", code="bad_file") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        found = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise DataError(f"{what} is not a Portfolio Desk workspace file (its format is {found!r}, not "
                        f"{FORMAT!r}). Export one from the Saved menu.", code="bad_file")
    _check_version(doc.get("format_version"), what)
    settings, datasets = _parts(doc, what)
    sources = {kind: _decoded(kind, entry, what) for kind, entry in datasets.items()}
    kept = doc.get("page_settings")
    return workspace.with_sources(settings, sources, ws), _page_settings(kept, page_settings)
