"""Workspace files (issue 13, point 4): export with the data inside, import on another desk, and a file
this desk cannot read says exactly what (saved_work.export_file / import_file, and the menu's import)."""

from __future__ import annotations

import base64
import contextvars
import hashlib
import io
import json
import zipfile

import pandas as pd
import pytest
from dash import no_update

import saved_callbacks as cb
import saved_work
import workspace
from finance_core import data
from finance_core.errors import DataError
from tests.app.test_saved_menu import expire_uploads

PRICES = data.sample_csv("prices").encode()
SECTORS = data.sample_csv("sectors").encode()


def _exported() -> tuple[dict, dict]:
    ws, _ = workspace.with_upload(workspace.DEFAULT, "prices", PRICES, "mine.csv")
    ws, _ = workspace.with_upload(ws, "sectors", SECTORS, "sectors.csv")
    ws = workspace.select(ws, universe=["JPM", "KO", "XOM"], start="2022-06-01", end="2022-11-30")
    return ws, json.loads(saved_work.export_file(ws, {"/tax": "rate=0.2"}))


def test_round_trip_on_another_desk_after_the_uploads_are_gone():
    ws, doc = _exported()
    assert (doc["format"], doc["format_version"]) == ("portfolio-desk-workspace", 1)
    assert doc["datasets"]["prices"]["encoding"] == "csv" and doc["datasets"]["prices"]["content"] == PRICES.decode()
    assert workspace.SESSION not in doc["workspace"] and "key" not in doc["workspace"]["uploads"]["prices"]
    expire_uploads(ws)  # another desk: none of the first session's uploads
    other = workspace.with_session(dict(workspace.DEFAULT))
    loaded, page_settings = saved_work.import_file(json.dumps(doc).encode(), "ws.json", other, {})
    assert page_settings == {"/tax": "rate=0.2"} and loaded[workspace.SESSION] == other[workspace.SESSION]
    wd = workspace.resolve(loaded)
    # Independent reading of the same files with pandas: prices on the saved window, sectors as mapped.
    expected = pd.read_csv(io.BytesIO(PRICES), index_col=0, parse_dates=True).loc["2022-06-01":"2022-11-30",
                                                                                 ["JPM", "KO", "XOM"]]
    pd.testing.assert_frame_equal(wd.prices, expected, check_names=False, check_freq=False)
    sectors = pd.read_csv(io.BytesIO(SECTORS)).set_index("ticker")["sector"]
    assert wd.sectors.to_dict() == sectors.reindex(["JPM", "KO", "XOM"]).to_dict()


def test_bytes_that_are_not_utf8_travel_as_base64():
    text = "date,CAFE\n" + "\n".join(f"2024-01-{d:02d},{100 + d}" for d in range(1, 32))
    raw = text.encode("utf-16")  # Excel's "Unicode text": the house decoder reads it, UTF-8 does not
    ws, _ = workspace.with_upload(workspace.DEFAULT, "prices", raw, "cafe.csv")
    doc = json.loads(saved_work.export_file(ws, {}))
    entry = doc["datasets"]["prices"]
    assert entry["encoding"] == "base64" and base64.b64decode(entry["content"]) == raw
    loaded, _ = saved_work.import_file(json.dumps(doc).encode(), "x.json", None, None)
    assert workspace.resolve(loaded).prices.iloc[-1, 0] == 131.0


def _refused(doc_or_bytes, match: str) -> str:
    raw = doc_or_bytes if isinstance(doc_or_bytes, bytes) else json.dumps(doc_or_bytes).encode()
    with pytest.raises(DataError, match=match) as err:
        saved_work.import_file(raw, "ws.json", None, None)
    return err.value.code


def test_files_this_desk_cannot_read_say_what():
    _, doc = _exported()
    assert _refused(dict(doc, format_version=2), r"newer Portfolio Desk \(format version 2; this desk reads "
                                                 r"version 1\)") == "newer_version"
    assert _refused(dict(doc, format_version="one"), "no readable format version") == "unknown_version"
    assert _refused({k: v for k, v in doc.items() if k != "format_version"}, "no readable format") == "unknown_version"
    assert _refused(dict(doc, format="something-else"), "its format is 'something-else'") == "bad_file"
    assert _refused(b"\x89PNG not json", "not JSON") == "bad_file"
    assert _refused({k: v for k, v in doc.items() if k != "datasets"}, "missing its 'datasets' part") == "missing_part"
    assert _refused(dict(doc, datasets={**doc["datasets"], "options": {}}), r"kind this desk cannot read \(options\)")
    broken = dict(doc, datasets={**doc["datasets"], "prices": {"name": "mine.csv"}})
    assert _refused(broken, "the prices upload has no content") == "missing_part"
    cut = dict(doc, datasets={**doc["datasets"], "prices": {**doc["datasets"]["prices"],
                                                            "content": PRICES.decode()[:-40]}})
    assert _refused(cut, "does not match its SHA-256") == "bad_file"
    odd = dict(doc, datasets={**doc["datasets"], "prices": {**doc["datasets"]["prices"], "encoding": "zip"}})
    assert _refused(odd, "has encoding 'zip'") == "unknown_encoding"
    lost = dict(doc, datasets={"prices": doc["datasets"]["prices"]})  # the sector map's file left out
    assert _refused(lost, r"lists uploads \(sectors\) whose files it does not hold") == "missing_upload"


def _fire(prop_id: str, func, *args):
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    def inner():
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop_id, "value": 1}]))
        return func(*args)

    return contextvars.copy_context().run(inner)


def test_the_menu_exports_and_imports_and_a_bad_file_keeps_the_workspace():
    ws, _ = _exported()
    download, alert = _fire("saved-export.n_clicks", cb.export, 1, ws, {})
    assert alert is None and download["filename"] == "portfolio-desk-workspace.json"
    contents = "data:application/json;base64," + download["content"]
    fresh = workspace.with_session(dict(workspace.DEFAULT))
    loaded, _, cleared, alert, stamp = _fire("saved-import.contents", cb.import_workspace, contents, "ws.json", fresh, {})
    assert cleared is None and "Imported ws.json" in str(alert) and isinstance(stamp, float)  # the Data page redraws
    assert workspace.resolve(loaded).prices.columns.tolist() == ["JPM", "KO", "XOM"]
    newer = json.dumps(dict(json.loads(base64.b64decode(download["content"])), format_version=9)).encode()
    bad = "data:application/json;base64," + base64.b64encode(newer).decode()
    kept, settings, cleared, alert, stamp = _fire("saved-import.contents", cb.import_workspace, bad, "ws.json", fresh, {})
    assert (kept, settings, cleared, stamp) == (no_update, no_update, None, no_update)
    assert "format version 9" in str(alert)


# --------------------------------------------------------------------------- the zip with CSVs
def _zip(members: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, raw in members.items():
            archive.writestr(name, raw)
    return buffer.getvalue()


def _members(raw: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_zip_holds_the_document_and_one_csv_per_upload_and_loads_as_the_json_does():
    ws, _ = _exported()
    members = _members(saved_work.export_zip(ws, {"/tax": "rate=0.2"}))
    assert sorted(members) == ["prices.csv", "sectors.csv", "workspace.json"]
    # The CSVs are the uploaded files byte for byte, readable by any spreadsheet or pandas.
    assert members["prices.csv"] == PRICES and members["sectors.csv"] == SECTORS
    doc = json.loads(members["workspace.json"])
    assert doc["datasets"]["prices"] == {"name": "mine.csv", "file": "prices.csv",
                                         "sha256": hashlib.sha256(PRICES).hexdigest()}
    as_json = saved_work.export_file(ws, {"/tax": "rate=0.2"})
    expire_uploads(ws)  # another desk
    other = workspace.with_session(dict(workspace.DEFAULT))
    from_zip, zip_settings = saved_work.import_file(_zip(members), "ws.zip", other, {})
    from_json, json_settings = saved_work.import_file(as_json, "ws.json", other, {})
    assert zip_settings == json_settings == {"/tax": "rate=0.2"}
    assert saved_work.settings_of(from_zip) == saved_work.settings_of(from_json)
    a, b = workspace.resolve(from_zip), workspace.resolve(from_json)
    pd.testing.assert_frame_equal(a.prices, b.prices)
    expected = pd.read_csv(io.BytesIO(members["prices.csv"]), index_col=0, parse_dates=True).loc[
        "2022-06-01":"2022-11-30", ["JPM", "KO", "XOM"]]
    pd.testing.assert_frame_equal(a.prices, expected, check_names=False, check_freq=False)
    assert a.sectors.to_dict() == b.sectors.to_dict() == {"JPM": "Financials", "KO": "Consumer Staples",
                                                          "XOM": "Energy"}


def _zip_refused(raw: bytes, match: str) -> str:
    with pytest.raises(DataError, match=match) as err:
        saved_work.import_file(raw, "ws.zip", None, None)
    return err.value.code


def test_zips_this_desk_cannot_read_say_what():
    ws, _ = _exported()
    members = _members(saved_work.export_zip(ws, {}))
    doc = json.loads(members["workspace.json"])
    newer = {**members, "workspace.json": json.dumps(dict(doc, format_version=3)).encode()}
    assert _zip_refused(_zip(newer), r"ws.zip \(workspace.json\) was written by a newer Portfolio Desk "
                                     r"\(format version 3") == "newer_version"
    no_doc = {k: v for k, v in members.items() if k != "workspace.json"}
    assert _zip_refused(_zip(no_doc), "ws.zip has no member 'workspace.json'") == "missing_part"
    no_csv = {k: v for k, v in members.items() if k != "sectors.csv"}
    assert _zip_refused(_zip(no_csv), "ws.zip has no member 'sectors.csv'") == "missing_part"
    garbled_doc = {**members, "workspace.json": b"{not json"}
    assert _zip_refused(_zip(garbled_doc), r"ws.zip \(workspace.json\) is not .* it is not JSON") == "bad_file"
    edited = {**members, "prices.csv": PRICES[:-40]}
    assert _zip_refused(_zip(edited), "the prices upload 'mine.csv' does not match its SHA-256") == "bad_file"
    unnamed = {**members, "workspace.json": json.dumps(
        dict(doc, datasets={**doc["datasets"], "prices": {"name": "mine.csv"}})).encode()}
    assert _zip_refused(_zip(unnamed), "workspace.json names no file for the prices upload") == "missing_part"
    # A member whose stored bytes were damaged in transit: its CRC no longer matches.
    stored = bytearray(_zip(members, compression=zipfile.ZIP_STORED))
    at = bytes(stored).index(PRICES[:200]) + 100
    stored[at] = ord("#") if stored[at] != ord("#") else ord("!")
    assert _zip_refused(bytes(stored), "its member 'prices.csv' is damaged and cannot be unpacked") == "bad_file"
    assert _zip_refused(saved_work.export_zip(ws, {})[:300], "ws.zip is not a readable zip") == "bad_file"


def test_a_zip_member_past_the_upload_limit_is_refused_before_unpacking(monkeypatch):
    ws, _ = _exported()
    raw = saved_work.export_zip(ws, {})
    monkeypatch.setattr(saved_work, "MAX_UPLOAD_BYTES", len(PRICES) - 1)
    assert _zip_refused(raw, r"member 'prices.csv' is .* MB unpacked; the limit is") == "too_large"


def test_the_menu_exports_a_zip_when_asked_and_imports_it():
    ws, _ = _exported()
    download, alert = _fire("saved-export.n_clicks", cb.export, 1, ws, {}, "zip")
    assert alert is None and download["filename"] == "portfolio-desk-workspace.zip"
    assert sorted(_members(base64.b64decode(download["content"]))) == ["prices.csv", "sectors.csv", "workspace.json"]
    fresh = workspace.with_session(dict(workspace.DEFAULT))
    contents = "data:application/zip;base64," + download["content"]
    loaded, _, cleared, alert, stamp = _fire("saved-import.contents", cb.import_workspace, contents, "ws.zip", fresh, {})
    assert cleared is None and "Imported ws.zip" in str(alert)
    assert workspace.resolve(loaded).prices.columns.tolist() == ["JPM", "KO", "XOM"]
    truncated = "data:application/zip;base64," + base64.b64encode(base64.b64decode(download["content"])[:200]).decode()
    kept, _, _, alert, stamp = _fire("saved-import.contents", cb.import_workspace, truncated, "ws.zip", fresh, {})
    assert kept is no_update and "ws.zip is not a readable zip" in str(alert)
