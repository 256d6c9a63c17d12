"""Saved work for the desk: a workspace or target portfolio as a saved item, and workspace files.

A saved workspace's body holds the workspace's settings (never its session secret nor its
upload keys), the page settings and, per upload, the SHA-256 of the file stored in the database
by :meth:`store.Store.put_dataset`, so a saved item never points at an expired upload. A
workspace file (:func:`export_file`) is one JSON document with the same settings and the files
themselves (CSV text, or base64 for bytes that are not UTF-8), tagged with :data:`FORMAT` and
:data:`FORMAT_VERSION`; :func:`export_zip` writes the same document as ``workspace.json`` inside a
zip, beside one CSV member per upload (``prices.csv``, ``holdings.csv``, ...) that the document
names with its SHA-256, and :func:`import_file` reads either. This module knows no Dash.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import zipfile
import zlib
from typing import Any

import workspace
from finance_core.data import MAX_UPLOAD_BYTES
from finance_core.errors import DataError
from store import Store

__all__ = ["FORMAT", "FORMAT_VERSION", "settings_of", "workspace_body", "portfolio_body",
           "restore_workspace", "restore_portfolio", "export_file", "export_zip", "import_file", "EXPORT_NAME",
           "ZIP_NAME", "ZIP_DOCUMENT", "SCENARIO_TYPES", "scenario_body", "scenario_settings"]

FORMAT = "portfolio-desk-workspace"
#: The version of the saved-workspace layout; a body or file with a larger one is refused by name.
FORMAT_VERSION = 1
_PARTS = ("workspace", "datasets")


def settings_of(ws: dict | None) -> dict:
    """The workspace to keep: everything but the session secret, upload entries without their keys."""
    ws = dict(workspace.DEFAULT, **(ws or {}))
    uploads = {kind: {k: v for k, v in entry.items() if k != "key"}
               for kind, entry in (ws.get("uploads") or {}).items() if isinstance(entry, dict)}
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


# --------------------------------------------------------------------------- scenarios
#: The kinds of named scenario a page saves: its settings, restored on that page.
SCENARIO_TYPES = ("stress", "tax", "execution")


def scenario_body(scenario_type: str, settings: dict) -> dict:
    """A saved scenario: a page's settings by name, tagged with what they are (the API's shape)."""
    if scenario_type not in SCENARIO_TYPES:
        raise ValueError(f"scenario_type must be one of {SCENARIO_TYPES}, not {scenario_type!r}")
    return {"scenario_type": scenario_type, "format_version": FORMAT_VERSION, "settings": dict(settings)}


def scenario_settings(item: dict, scenario_type: str) -> dict:
    """The settings of a saved scenario ``item`` for a page of ``scenario_type``; another type, a newer
    version or a body without settings (say, one posted through the API by hand) says which."""
    body, name = item.get("body") or {}, item.get("name", "")
    found = body.get("scenario_type")
    if found != scenario_type:
        raise DataError(f"Scenario {name!r} is {'a ' + repr(found) if found else 'of no'} type, not a "
                        f"{scenario_type!r} scenario, so this page cannot load it.", code="wrong_scenario")
    _check_version(body.get("format_version"), f"Scenario {name!r}")
    if not isinstance(body.get("settings"), dict):
        raise DataError(f"Scenario {name!r} holds no settings, so nothing was loaded.", code="missing_part")
    return dict(body["settings"])


# --------------------------------------------------------------------------- files
#: The name an exported workspace file is downloaded under.
EXPORT_NAME = "portfolio-desk-workspace.json"


def _encoded(raw: bytes) -> dict[str, str]:
    try:
        return {"encoding": "csv", "content": raw.decode("utf-8")}
    except UnicodeDecodeError:
        return {"encoding": "base64", "content": base64.b64encode(raw).decode("ascii")}


def _document(ws: dict | None, page_settings: dict | None, datasets: dict) -> bytes:
    doc = {"format": FORMAT, "format_version": FORMAT_VERSION, "workspace": settings_of(ws),
           "page_settings": dict(page_settings or {}), "datasets": datasets}
    return json.dumps(doc, indent=1).encode()


def export_file(ws: dict | None, page_settings: dict | None) -> bytes:
    """The workspace as one JSON file, its uploaded files inside, for :func:`import_file` on another desk."""
    datasets = {kind: {"name": name, "sha256": hashlib.sha256(raw).hexdigest(), **_encoded(raw)}
                for kind, (name, raw) in workspace.upload_sources(ws).items()}
    return _document(ws, page_settings, datasets)


#: The name an exported zip is downloaded under, and the member holding its workspace document.
ZIP_NAME = "portfolio-desk-workspace.zip"
ZIP_DOCUMENT = "workspace.json"


def export_zip(ws: dict | None, page_settings: dict | None) -> bytes:
    """The workspace as a zip: ``workspace.json`` (as :func:`export_file`, each upload naming its member
    instead of holding its content) and each uploaded file as it was uploaded, ``<kind>.csv``."""
    sources = workspace.upload_sources(ws)
    datasets = {kind: {"name": name, "sha256": hashlib.sha256(raw).hexdigest(), "file": f"{kind}.csv"}
                for kind, (name, raw) in sources.items()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(ZIP_DOCUMENT, _document(ws, page_settings, datasets))
        for kind, (_, raw) in sources.items():
            archive.writestr(datasets[kind]["file"], raw)
    return buffer.getvalue()


def _checked(kind: str, name: str, raw: bytes, digest: object, what: str) -> tuple[str, bytes]:
    if digest is not None and digest != hashlib.sha256(raw).hexdigest():
        raise DataError(f"{what}: the {kind} upload {name!r} does not match its SHA-256: the file was changed "
                        "or cut short. Export it again.", code="bad_file")
    return name, raw


def _decoded(kind: str, entry: Any, what: str) -> tuple[str, bytes]:
    """An upload held inside a JSON workspace file."""
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
    return _checked(kind, name, raw, entry.get("sha256"), what)


def _member(archive: zipfile.ZipFile, member: str, what: str) -> bytes:
    """One member's bytes; a missing, oversized or damaged member is named."""
    try:
        info = archive.getinfo(member)
    except KeyError:
        raise DataError(f"{what} has no member {member!r}: the zip was not exported by Portfolio Desk, or lost "
                        "that file. Export it again.", code="missing_part") from None
    if info.file_size > MAX_UPLOAD_BYTES:
        raise DataError(f"{what}: its member {member!r} is {info.file_size / 1e6:.1f} MB unpacked; the limit is "
                        f"{MAX_UPLOAD_BYTES / 1e6:.0f} MB.", code="too_large")
    try:
        return archive.read(member)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as err:  # a bad CRC, a cut or garbled stream
        raise DataError(f"{what}: its member {member!r} is damaged and cannot be unpacked ({err}). Export the "
                        "workspace again.", code="bad_file") from None


def _zipped(archive: zipfile.ZipFile, kind: str, entry: Any, what: str) -> tuple[str, bytes]:
    """An upload held as a CSV member of a workspace zip."""
    if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
        raise DataError(f"{what}: {ZIP_DOCUMENT} names no file for the {kind} upload, so it cannot be loaded. "
                        "Export the workspace again.", code="missing_part")
    name = str(entry.get("name") or entry["file"])
    return _checked(kind, name, _member(archive, entry["file"], what), entry.get("sha256"), what)


def _parsed(raw: bytes, what: str) -> dict:
    """The workspace document of a file: JSON of this format, of a version this desk reads."""
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
    return doc


def _read_zip(raw: bytes, what: str) -> tuple[dict, dict]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile as err:
        raise DataError(f"{what} is not a readable zip ({err}): it was cut short or damaged. Export it again.",
                        code="bad_file") from None
    with archive:
        doc = _parsed(_member(archive, ZIP_DOCUMENT, what), f"{what} ({ZIP_DOCUMENT})")
        _, datasets = _parts(doc, what)
        return doc, {kind: _zipped(archive, kind, entry, what) for kind, entry in datasets.items()}


def import_file(raw: bytes, filename: str, ws: dict | None, page_settings: dict | None) -> tuple[dict, dict]:
    """A workspace file (:func:`export_file`'s JSON or :func:`export_zip`'s zip) as the workspace of ``ws``'s
    session, and page settings.

    A file of another format, of a newer or unreadable version, missing a part or a member, or with a
    damaged one raises DataError saying which; nothing is loaded then.
    """
    what = f"{filename or 'The file'}"
    if raw[:2] == b"PK":  # a zip (local file header, or an empty archive)
        doc, sources = _read_zip(raw, what)
    else:
        doc = _parsed(raw, what)
        _, datasets = _parts(doc, what)
        sources = {kind: _decoded(kind, entry, what) for kind, entry in datasets.items()}
    return workspace.with_sources(doc["workspace"], sources, ws), _page_settings(doc.get("page_settings"),
                                                                                   page_settings)
