"""The navbar's Saved menu (issue 13, points 2 and 7): its callbacks called as plain functions on a
fresh SQLite database, each browser session a workspace dict of its own."""

from __future__ import annotations

import contextvars
import io
import json

import pandas as pd
import pytest
from dash import no_update
from dash.exceptions import PreventUpdate
from sqlalchemy import create_engine

import saved_callbacks as cb
import workspace
from components import saved_menu as menu
from finance_core import data
from store import Store

PRICES = data.sample_csv("prices").encode()
HOLDINGS = data.sample_csv("holdings").encode()


def fire(prop_id: str | dict, func, *args, value=1, **kwargs):
    """Call a callback as if ``prop_id`` (an id, with ``.n_clicks`` unless it names a property) fired."""
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    if isinstance(prop_id, dict):
        prop_id = json.dumps(prop_id, separators=(",", ":")) + ".n_clicks"
    elif "." not in prop_id:
        prop_id += ".n_clicks"

    def inner():
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop_id, "value": value}]))
        return func(*args, **kwargs)

    return contextvars.copy_context().run(inner)


def press(ws, *, name="Core", kind="workspace", step=menu.SAVE, current=None, pending=None, page_settings=None):
    """The save callback after a click on ``step``; returns (current, pending, confirm, refresh, alert)."""
    return fire(step, cb.save, {}, name, kind, ws, page_settings or {}, current, pending)


def action(item: dict, verb: str, *, ws=None, current=None, names=(), page_settings=None):
    button = {"type": menu.ACTION, "action": verb, "kind": item["kind"], "id": item["id"],
              "version": item.get("version", 0)}
    name_ids = [{"type": menu.RENAME_NAME, "kind": item["kind"], "id": item["id"]}] if names else []
    return fire(button, cb.act, [], list(names), name_ids, ws or dict(workspace.DEFAULT), page_settings or {},
                current)


def text(component) -> str:
    """Every string inside a Dash component tree."""
    if component is None or component is no_update:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(text(c) for c in component)
    return text(getattr(component, "children", None))


def expire_uploads(ws: dict) -> None:
    """Drop this session's uploads (frames and files) from the cache, as their 7 days running out does."""
    for entry in ws["uploads"].values():
        for key in (entry["key"], f"source:{entry['key']}"):
            workspace.frame_store()._disk.delete(key)


def uploaded_session() -> dict:
    ws, _ = workspace.with_upload(workspace.DEFAULT, "prices", PRICES, "mine.csv")
    ws, _ = workspace.with_upload(ws, "holdings", HOLDINGS, "book.csv")
    return workspace.select(ws, universe=["AAPL", "KO", "MSFT"], start="2022-03-01")


def test_save_then_load_in_a_new_session_restores_the_uploads_after_the_cache_is_gone(saved):
    ws = uploaded_session()
    current, pending, _, _, alert = press(ws, page_settings={"/risk": "confidence=0.99"})
    assert pending is None and "Saved workspace 'Core' (version 1)" in text(alert)
    item = saved.workspaces.find("Core")
    assert current == {"workspace": {"id": item["id"], "version": 1, "name": "Core"}}
    # The database holds the files themselves, not the session's keys nor its secret.
    assert workspace.SESSION not in item["body"]["workspace"]
    assert saved.get_dataset(item["body"]["datasets"]["prices"]["sha256"])[2] == PRICES
    expire_uploads(ws)  # every upload of the first session has expired from the cache

    fresh = workspace.with_session(dict(workspace.DEFAULT))  # another browser
    loaded, page_settings, mine, *_, alert = action(item, "load", ws=fresh)
    assert "Loaded 'Core'" in text(alert) and page_settings == {"/risk": "confidence=0.99"}
    assert loaded[workspace.SESSION] == fresh[workspace.SESSION] and mine["workspace"]["version"] == 1
    assert (loaded["universe"], loaded["start"], loaded["end"]) == (["AAPL", "KO", "MSFT"], "2022-03-01", ws["end"])
    wd = workspace.resolve(loaded)
    # The prices equal the uploaded file read independently by pandas, on the saved dates and universe.
    expected = pd.read_csv(io.BytesIO(PRICES), index_col=0, parse_dates=True).loc["2022-03-01":, ["AAPL", "KO", "MSFT"]]
    pd.testing.assert_frame_equal(wd.prices, expected, check_names=False, check_freq=False)
    book = pd.read_csv(io.BytesIO(HOLDINGS)).set_index("ticker")["shares"]
    assert wd.holdings["shares"].to_dict() == book.astype(float).to_dict()


def test_list_and_search(saved):
    press(dict(workspace.DEFAULT), name="Growth tilt")
    press(dict(workspace.DEFAULT), name="Income")
    names = text(cb.list_saved("", 0, True))
    assert "Growth tilt" in names and "Income" in names
    found = text(cb.list_saved("grow", 0, True))
    assert "Growth tilt" in found and "Income" not in found
    assert "Nothing saved yet" in text(cb.list_saved("zzz", 0, True))
    with pytest.raises(PreventUpdate):  # a closed menu reads nothing
        cb.list_saved("", 0, False)


def test_saving_under_a_taken_name_asks_first_then_overwrites_or_cancels(saved):
    press(dict(workspace.DEFAULT))
    later = workspace.select(dict(workspace.DEFAULT), universe=["AAPL", "MSFT"])
    current, pending, confirm, _, alert = press(later)
    assert current is no_update and "already called 'Core' (version 1). Overwrite it?" in text(confirm)
    assert saved.workspaces.find("Core")["version"] == 1  # nothing written yet
    _, cancelled, hidden, _, _ = press(later, step=menu.CANCEL, pending=pending)
    assert cancelled is None and hidden.style == {"display": "none"}
    current, pending2, _, _, alert = press(later, step=menu.OVERWRITE, pending=pending)
    stored = saved.workspaces.find("Core")
    assert pending2 is None and stored["version"] == 2 and "version 2" in text(alert)
    assert stored["body"]["workspace"]["universe"] == ["AAPL", "MSFT"]


def test_a_stale_save_says_so_and_offers_a_copy(saved):
    press(dict(workspace.DEFAULT))
    item = saved.workspaces.find("Core")
    _, _, mine_a, *_ = action(item, "load")  # browser A loads version 1
    other = press(dict(workspace.DEFAULT), pending={"kind": "workspace", "name": "Core", "id": item["id"],
                                                    "version": 1}, step=menu.OVERWRITE)  # browser B saves v2
    assert other[0]["workspace"]["version"] == 2
    # A saves its stale copy: told at once, nothing overwritten, offered a copy.
    current, pending, confirm, _, _ = press(dict(workspace.DEFAULT), current=mine_a)
    assert current is no_update and "saved by someone else" in text(confirm) and "you loaded version 1" in text(confirm)
    # Even when the question was asked before B saved, the overwrite itself is refused by version.
    _, kept, refused, _, _ = press(dict(workspace.DEFAULT), step=menu.OVERWRITE,
                                   pending=dict(pending, version=1))
    assert kept["version"] == 1 and "Nothing was overwritten" in text(refused)
    assert saved.workspaces.find("Core")["version"] == 2
    current, _, _, _, alert = press(dict(workspace.DEFAULT), step=menu.COPY, pending=pending, current=mine_a)
    assert "Saved workspace 'Core (copy)'" in text(alert) and current["workspace"]["name"] == "Core (copy)"


def test_rename_duplicate_delete_and_undo(saved):
    press(dict(workspace.DEFAULT))
    item = saved.workspaces.find("Core")
    *_, alert = action(item, "rename", names=["Core v2"])
    assert "Renamed to 'Core v2'" in text(alert) and saved.workspaces.find("Core") is None
    renamed = saved.workspaces.find("Core v2")
    *_, alert = action(renamed, "duplicate")
    assert "Duplicated as 'Core v2 (copy)'" in text(alert)
    out = action(renamed, "delete")
    deleted, undo_box, max_intervals = out[3], out[4], out[5]
    assert deleted == {"kind": "workspace", "id": renamed["id"], "name": "Core v2"}
    assert "Deleted 'Core v2'." in text(undo_box) and max_intervals == 1  # the timer hides Undo after a minute
    assert "Core v2 (copy)" in text(cb.list_saved("", 0, True)) and saved.workspaces.find("Core v2") is None
    *_, alert = action(deleted, "undo")
    assert "Restored 'Core v2'" in text(alert) and saved.workspaces.find("Core v2")["id"] == renamed["id"]
    box, gone = cb.expire_undo(1)  # the minute is over: the Undo button goes
    assert gone is None and box.style == {"display": "none"}
    # A rename to a taken name says so.
    *_, alert = action(saved.workspaces.find("Core v2"), "rename", names=["Core v2 (copy)"])
    assert "already called 'Core v2 (copy)'" in text(alert)


def test_a_redrawn_list_does_not_fire_its_buttons(saved):
    press(dict(workspace.DEFAULT))
    item = saved.workspaces.find("Core")
    button = {"type": menu.ACTION, "action": "delete", "kind": "workspace", "id": item["id"], "version": 1}
    with pytest.raises(PreventUpdate):
        fire(button, cb.act, [], [], [], {}, {}, None, value=0)
    assert saved.workspaces.find("Core") is not None


def test_save_and_load_the_target_portfolio(saved):
    _, _, _, _, alert = press(dict(workspace.DEFAULT), kind="portfolio")
    assert "no target portfolio to save" in text(alert)
    ws = workspace.with_target(dict(workspace.DEFAULT), pd.Series({"AAPL": 0.6, "MSFT": 0.4}), "max_sharpe")
    press(ws, name="Core 60/40", kind="portfolio")
    item = saved.portfolios.find("Core 60/40")
    assert item["body"]["weights"] == {"AAPL": 0.6, "MSFT": 0.4}  # the API's shape (GET /api/v1/portfolios)
    loaded, page_settings, *_ = action(item, "load", ws=dict(workspace.DEFAULT))
    assert page_settings is no_update
    assert workspace.portfolio(loaded).weights[["AAPL", "MSFT"]].tolist() == [0.6, 0.4]


def test_a_save_that_fails_says_so_and_keeps_the_page_state(tmp_path, monkeypatch):
    broken = Store(create_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'desk.sqlite'}"))
    monkeypatch.setattr(cb, "_store_of", lambda: broken)
    ws = uploaded_session()
    out = press(ws)
    assert out[:4] == (no_update,) * 4  # no output but the alert changes: the workspace is not even an output
    message = text(out[4])
    assert "Not saved" in message and "Could not" in message and "your page keeps its state" in message
    rows = len(pd.read_csv(io.BytesIO(PRICES), index_col=0, parse_dates=True).loc["2022-03-01":])
    assert workspace.resolve(ws).prices.shape == (rows, 3)  # the session's own data still reads


def test_saving_an_expired_upload_says_to_load_it_again(saved):
    ws = uploaded_session()
    expire_uploads(ws)
    *_, alert = press(ws)
    assert "cannot be saved" in text(alert) and "Load the file again" in text(alert)
    assert saved.workspaces.find("Core") is None

