"""Workspace files (issue 13, point 4): export with the data inside, import on another desk, and a file
this desk cannot read says exactly what (saved_work.export_file / import_file, and the menu's import)."""

from __future__ import annotations

import base64
import contextvars
import io
import json

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
    loaded, _, cleared, alert = _fire("saved-import.contents", cb.import_workspace, contents, "ws.json", fresh, {})
    assert cleared is None and "Imported ws.json" in str(alert)
    assert workspace.resolve(loaded).prices.columns.tolist() == ["JPM", "KO", "XOM"]
    newer = json.dumps(dict(json.loads(base64.b64decode(download["content"])), format_version=9)).encode()
    bad = "data:application/json;base64," + base64.b64encode(newer).decode()
    kept, settings, cleared, alert = _fire("saved-import.contents", cb.import_workspace, bad, "ws.json", fresh, {})
    assert (kept, settings, cleared) == (no_update, no_update, None) and "format version 9" in str(alert)
