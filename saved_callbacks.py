"""Callbacks of the navbar's Saved menu (layout in :mod:`components.saved_menu`).

Saving asks before overwriting a name, checks the version this session loaded (someone else's
newer save is never overwritten: the person is offered a copy), and a failed save (database
locked or unreachable) shows the store's message while the workspace stays as it was: no
callback here writes the workspace except load and import. ``app.py`` hands over the store with
:func:`use_store`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, no_update
from dash.exceptions import PreventUpdate

import saved_work
from components import ids, inputs
from components import saved_menu as menu
from components.alerts import error_alert, reports_errors
from components.upload import decode_upload
from finance_core.errors import DataError, FinanceError
from store import ConflictError, NotFoundError, Repository, Store, current_owner

__all__ = ["use_store", "current_store", "done_alert", "mark", "clicked", "SaveForm", "MENU_FORM", "save_step",
           "open_menu", "list_saved", "save", "act", "expire_undo", "export", "import_workspace"]

_store_of: Callable[[], Store] | None = None


def use_store(store_of: Callable[[], Store]) -> None:
    """Where the menu reads and writes saved work (app.py passes its ``saved_store``)."""
    global _store_of
    _store_of = store_of


def current_store() -> Store:
    """The store :func:`use_store` handed over; a desk without one says so."""
    if _store_of is None:
        raise DataError("Saved work is not set up on this desk (no database configured).", code="no_store")
    return _store_of()


def done_alert(text: str) -> dbc.Alert:
    return dbc.Alert(text, color="success", dismissable=True, duration=8000, className="mb-2 pd-saved-done")


def mark(current: dict | None, item: dict) -> dict:
    """The session's loaded/saved item per kind, now ``item`` (the version a later save must match)."""
    return {**inputs.mapping(current), item["kind"]: {"id": item["id"], "version": item["version"], "name": item["name"]}}


def clicked() -> bool:
    """A real click: pattern-matching buttons also fire (with 0 clicks) when the list is drawn again."""
    return bool(ctx.triggered and ctx.triggered[0].get("value"))


@callback(Output(menu.MODAL, "is_open"), Input(menu.OPEN, "n_clicks"), prevent_initial_call=True)
def open_menu(_clicks):
    return True


@callback(Output(menu.LIST, "children"),
          Input(menu.SEARCH, "value"), Input(menu.REFRESH, "data"), Input(menu.MODAL, "is_open"))
@reports_errors(1, title="Saved items not listed")
def list_saved(search, _refresh, is_open):
    """Saved workspaces, portfolios and scenarios whose name contains the search, newest first."""
    if not is_open:
        raise PreventUpdate
    saved, owner = current_store(), current_owner()
    search = inputs.text(search, "The search")
    items = [i for kind in menu.KIND_LABELS for i in saved.repository(kind).list(search, owner=owner)]
    return menu.item_rows(sorted(items, key=lambda i: i["updated_at"], reverse=True))


def _body(kind: str, ws: dict | None, page_settings: dict | None, saved: Store) -> dict:
    if kind == "portfolio":
        return saved_work.portfolio_body(ws)
    return saved_work.workspace_body(ws, page_settings, saved)


def _free_name(repo: Repository, name: str) -> str:
    candidate, n = f"{name} (copy)", 1
    while repo.find(candidate, owner=current_owner()) is not None:
        n += 1
        candidate = f"{name} (copy {n})"
    return candidate


#: ``box(question, copy=...)``: the overwrite question (None hides it) with the buttons of one save form.
Box = Callable[..., Any]


def _ask(repo: Repository, kind: str, name: str, current: dict | None, box: Box):
    """Save under a new name at once; a taken name asks first, and a stale loaded version says so now."""
    existing = repo.find(name, owner=current_owner())
    if existing is None:
        return None, existing
    mine = inputs.mapping(inputs.mapping(current).get(kind))
    version = mine["version"] if mine.get("id") == existing["id"] else existing["version"]
    pending = {"kind": kind, "name": existing["name"], "id": existing["id"], "version": version}
    if version != existing["version"]:
        return pending, box(
            f"{existing['name']!r} was saved by someone else since you loaded it (version {existing['version']}, "
            f"you loaded version {version}). Nothing was overwritten: save yours as a copy?", copy=True)
    label = menu.KIND_LABELS[kind].lower()
    return pending, box(f"A saved {label} is already called {existing['name']!r} "
                        f"(version {existing['version']}). Overwrite it?")


def _overwrite(repo: Repository, pending: dict, body: dict, box: Box):
    """Replace the pending item if it still has the version the person saw; else offer a copy."""
    try:
        item = repo.update(int(pending["id"]), expected_version=int(pending["version"]), body=body,
                           owner=current_owner())
    except ConflictError as err:
        return None, box(f"{err.message} Save yours as a copy?", copy=True)
    except NotFoundError:  # deleted meanwhile: nothing to overwrite
        item = repo.create(pending["name"], body, owner=current_owner())
    return item, None


@dataclass(frozen=True)
class SaveForm:
    """The ids of one save form's buttons: Save, and the question's Overwrite, Save a copy and Cancel."""

    save: str
    overwrite: str
    copy: str
    cancel: str

    def box(self, question: str | None, *, copy: bool = False) -> Any:
        return menu.confirm_box(question, copy=copy, buttons=(self.overwrite, self.copy, self.cancel))


MENU_FORM = SaveForm(menu.SAVE, menu.OVERWRITE, menu.COPY, menu.CANCEL)


def save_step(form: SaveForm, step: object, *, kind: str, name: object, body: Callable[[str], dict],
              current: dict | None, pending: dict | None) -> tuple[dict | None, dict | None, Any]:
    """One press of ``form``'s button ``step``: ``(the saved item or None, the save still waiting for an answer,
    the question box)``.

    Save stores a new name at once and asks before a taken one; Overwrite replaces the pending item only if
    nobody saved it since (else offers a copy); Save a copy picks a free name; Cancel drops the question.
    ``body(kind)`` builds what is stored, only once a save goes ahead.
    """
    if step == form.cancel or (step != form.save and not pending):
        return None, None, form.box(None)
    saved = current_store()
    if step == form.save:
        repo = saved.repository(kind)
        waiting, question = _ask(repo, kind, str(name or "").strip(), current, form.box)
        if waiting is not None:
            return None, waiting, question
        return repo.create(str(name or ""), body(kind), owner=current_owner()), None, form.box(None)
    assert pending is not None
    repo = saved.repository(pending["kind"])
    if step == form.copy:
        item = repo.create(_free_name(repo, pending["name"]), body(pending["kind"]), owner=current_owner())
        return item, None, form.box(None)
    item, question = _overwrite(repo, pending, body(pending["kind"]), form.box)
    return item, (None if item else pending), question or form.box(None)


@callback(
    Output(menu.CURRENT, "data"), Output(menu.PENDING, "data"), Output(menu.CONFIRM, "children"),
    Output(menu.REFRESH, "data"), Output(menu.ALERT, "children"),
    inputs=dict(clicks=dict(save=Input(menu.SAVE, "n_clicks"), overwrite=Input(menu.OVERWRITE, "n_clicks"),
                            copy=Input(menu.COPY, "n_clicks"), cancel=Input(menu.CANCEL, "n_clicks"))),
    state=dict(name=State(menu.NAME, "value"), kind=State(menu.KIND, "value"), ws=State(ids.WORKSPACE, "data"),
               page_settings=State(ids.PAGE_SETTINGS, "data"), current=State(menu.CURRENT, "data"),
               pending=State(menu.PENDING, "data")),
    prevent_initial_call=True,
)
@reports_errors(5, title="Not saved")
def save(clicks, name, kind, ws, page_settings, current, pending):
    """Save the workspace or the target under a name: new names at once, taken ones after a question."""
    if not clicked():
        raise PreventUpdate
    kind = kind if isinstance(kind, str) and kind in menu.SAVE_KINDS else "workspace"
    pending = inputs.stored(pending, "kind", "name", "id", "version")
    if pending is not None and pending["kind"] not in menu.SAVE_KINDS:
        pending = None  # not a question this menu asked: as if none were waiting
    item, pending, question = save_step(MENU_FORM, ctx.triggered_id, kind=kind, name=inputs.text(name, "The name"),
                                        current=current, pending=pending,
                                        body=lambda k: _body(k, ws, inputs.mapping(page_settings), current_store()))
    if item is None:
        return no_update, pending, question, no_update, None
    return (mark(current, item), None, question, time.time(),
            done_alert(f"Saved {menu.KIND_LABELS[item['kind']].lower()} {item['name']!r} "
                       f"(version {item['version']})."))


def _load(item: dict, ws: dict | None, page_settings: dict | None, saved: Store) -> tuple[dict, object]:
    if item["kind"] == "portfolio":
        return saved_work.restore_portfolio(item["body"], ws), no_update
    return saved_work.restore_workspace(item["body"], ws, page_settings, saved)


def _scenario_hint(item: dict) -> dbc.Alert:
    """Where a saved scenario is loaded: its page's 'Load scenario' list, with a link to the page."""
    scenario_type = (item.get("body") or {}).get("scenario_type")
    what, page, path = menu.SCENARIO_PAGES.get(scenario_type, ("scenario", "", ""))
    if not path:
        return dbc.Alert(f"{item['name']!r} is a scenario of no type this desk knows ({scenario_type!r}), so no page "
                         "can load it.", color="warning", className="mb-2")
    return dbc.Alert([f"{item['name']!r} is a {what}: open the ", dcc.Link(f"{page} page", href=path),
                      " and pick it under 'Load scenario' (the page's own settings change, the workspace does not)."],
                     color="info", dismissable=True, className="mb-2 pd-saved-done")


def _button(button) -> dict:
    """The pressed item button's id (kind, action, item id, version), or a DataError when it names no saved item."""
    button = inputs.mapping(button)
    kind, action = button.get("kind"), button.get("action")
    try:
        int(button.get("id")), int(button.get("version"))
        known = isinstance(kind, str) and kind in menu.KIND_LABELS and isinstance(action, str)
    except (TypeError, ValueError, OverflowError):
        known = False
    if not known:
        raise DataError(f"The button pressed names no saved item ({str(button)[:80]}). Close the menu, open it "
                        "again and press the item's button there.", code="bad_button")
    return button


@callback(
    Output(ids.WORKSPACE, "data", allow_duplicate=True), Output(ids.PAGE_SETTINGS, "data", allow_duplicate=True),
    Output(menu.CURRENT, "data", allow_duplicate=True), Output(menu.DELETED, "data"),
    Output(menu.UNDO, "children"), Output(menu.UNDO_TIMER, "max_intervals"), Output(menu.UNDO_TIMER, "n_intervals"),
    Output(menu.REFRESH, "data", allow_duplicate=True), Output(menu.LOADED, "data"),
    Output(menu.ALERT, "children", allow_duplicate=True),
    inputs=dict(_clicks=Input({"type": menu.ACTION, "action": ALL, "kind": ALL, "id": ALL, "version": ALL},
                              "n_clicks")),
    state=dict(names=State({"type": menu.RENAME_NAME, "kind": ALL, "id": ALL}, "value"),
               name_ids=State({"type": menu.RENAME_NAME, "kind": ALL, "id": ALL}, "id"),
               ws=State(ids.WORKSPACE, "data"), page_settings=State(ids.PAGE_SETTINGS, "data"),
               current=State(menu.CURRENT, "data")),
    prevent_initial_call=True,
)
@reports_errors(10, title="Saved work")
def act(_clicks, names, name_ids, ws, page_settings, current):
    """Load, rename, duplicate, delete or undo the delete of the item whose button was pressed."""
    if not clicked():
        raise PreventUpdate
    button, owner = _button(ctx.triggered_id), current_owner()
    repo = current_store().repository(button["kind"])
    action, item_id = button["action"], int(button["id"])
    page_settings = inputs.mapping(page_settings)
    keep = [no_update] * 4
    if action == "load" and button["kind"] == "scenario":  # a scenario is a page's settings: loaded there
        return (no_update, no_update, no_update, *keep, no_update, no_update,
                _scenario_hint(repo.get(item_id, owner=owner)))
    if action == "load":
        item = repo.get(item_id, owner=owner)
        ws, page_settings = _load(item, ws, page_settings, current_store())
        return (ws, page_settings, mark(current, item), *keep, no_update, time.time(),
                done_alert(f"Loaded {item['name']!r}: every page now shows it."))
    if action == "delete":
        item = repo.delete(item_id, owner=owner)
        deleted = {"kind": item["kind"], "id": item["id"], "name": item["name"]}
        return (no_update, no_update, no_update, deleted, menu.undo_box(deleted), 1, 0, time.time(), no_update,
                None)
    if action == "undo":
        item = repo.restore(item_id, owner=owner)
        message = f"Restored {item['name']!r}."
    elif action == "duplicate":
        item = repo.duplicate(item_id, owner=owner)
        message = f"Duplicated as {item['name']!r}."
    else:
        new = dict(zip([(i["kind"], i["id"]) for i in name_ids], names, strict=True)).get((button["kind"], item_id))
        item = repo.rename(item_id, str(new or ""), expected_version=int(button["version"]), owner=owner)
        message = f"Renamed to {item['name']!r}."
    undo = (None, menu.undo_box(None), 0, 0) if action == "undo" else keep
    return (no_update, no_update, no_update, *undo, time.time(), no_update, done_alert(message))


@callback(Output(menu.UNDO, "children", allow_duplicate=True), Output(menu.DELETED, "data", allow_duplicate=True),
          Input(menu.UNDO_TIMER, "n_intervals"), prevent_initial_call=True)
def expire_undo(n_intervals):
    """The undo minute is over: the Undo button goes."""
    if not n_intervals:
        raise PreventUpdate
    return menu.undo_box(None), None


@callback(Output(menu.EXPORT_DOWNLOAD, "data"), Output(menu.ALERT, "children", allow_duplicate=True),
          Input(menu.EXPORT, "n_clicks"), State(ids.WORKSPACE, "data"), State(ids.PAGE_SETTINGS, "data"),
          State(menu.EXPORT_FORMAT, "value"), prevent_initial_call=True)
@reports_errors(2, title="Not exported")
def export(_clicks, ws, page_settings, file_format="json"):
    """The workspace as one JSON file with its uploaded files inside, or as a zip of it and the CSVs."""
    if file_format == "zip":
        return dcc.send_bytes(saved_work.export_zip(ws, inputs.mapping(page_settings)), saved_work.ZIP_NAME,
                              type="application/zip"), None
    payload = saved_work.export_file(ws, inputs.mapping(page_settings))
    return dcc.send_bytes(payload, saved_work.EXPORT_NAME, type="application/json"), None


@callback(
    Output(ids.WORKSPACE, "data", allow_duplicate=True), Output(ids.PAGE_SETTINGS, "data", allow_duplicate=True),
    Output(menu.IMPORT, "contents"), Output(menu.ALERT, "children", allow_duplicate=True),
    Output(menu.LOADED, "data", allow_duplicate=True),
    Input(menu.IMPORT, "contents"), State(menu.IMPORT, "filename"), State(ids.WORKSPACE, "data"),
    State(ids.PAGE_SETTINGS, "data"),
    prevent_initial_call=True,
)
@reports_errors(5, alert_index=3, title="Not imported")
def import_workspace(contents, filename, ws, page_settings):
    """A workspace file (JSON or zip) from another desk becomes this session's workspace; a bad file says what
    it lacks."""
    if not contents:
        raise PreventUpdate
    try:
        ws, page_settings = saved_work.import_file(decode_upload(contents, filename), filename, ws, page_settings)
    except FinanceError as err:  # the box is emptied, so the same file can be dropped again once fixed
        return no_update, no_update, None, error_alert(err, title="Not imported"), no_update
    return ws, page_settings, None, done_alert(f"Imported {filename}: every page now shows it."), time.time()
