"""The navbar's Saved menu: save, list, load, rename, duplicate, delete (with undo), export and import.

Only the layout lives here; its callbacks are in :mod:`saved_callbacks`.
"""

from __future__ import annotations

from datetime import datetime

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.alerts import alert_area

__all__ = ["saved_menu", "item_rows", "kind_label", "confirm_box", "undo_box", "KIND_LABELS", "SAVE_KINDS", "SCENARIO_PAGES",
           "OPEN", "MODAL", "NAME", "KIND", "SAVE", "CONFIRM", "OVERWRITE", "COPY", "CANCEL", "SEARCH", "LIST",
           "ALERT", "UNDO", "UNDO_TIMER", "CURRENT", "PENDING", "DELETED", "REFRESH", "LOADED", "EXPORT", "EXPORT_DOWNLOAD",
           "EXPORT_FORMAT", "EXPORT_FORMATS", "IMPORT", "ACTION", "RENAME_NAME"]

OPEN = "saved-open"
MODAL = "saved-modal"
NAME = "saved-name"
KIND = "saved-kind"
SAVE = "saved-save"
CONFIRM = "saved-confirm"
OVERWRITE = "saved-overwrite"
COPY = "saved-copy"
CANCEL = "saved-cancel"
SEARCH = "saved-search"
LIST = "saved-list"
ALERT = "saved-alert"
UNDO = "saved-undo"
UNDO_TIMER = "saved-undo-timer"
#: The item this session loaded or last saved: {kind, id, version, name}, for the stale-version check.
CURRENT = "saved-current"
#: A save waiting for the person's answer: {kind, name, id, version}.
PENDING = "saved-pending"
#: The last deleted item, {kind, id, name}, while its undo lasts.
DELETED = "saved-deleted"
REFRESH = "saved-refresh"
#: When the menu last replaced the workspace (a load or an import): pages whose controls show the workspace
#: (the Data page's pickers) redraw them on it. A store of the navbar, so it exists on every page.
LOADED = "saved-loaded"
EXPORT = "saved-export"
EXPORT_DOWNLOAD = "saved-export-download"
EXPORT_FORMAT = "saved-export-format"
#: The workspace file formats the menu exports (both import).
EXPORT_FORMATS = {"json": "JSON", "zip": "Zip with CSVs"}
IMPORT = "saved-import"
#: Pattern-matching ids of the buttons on each listed item: {type, action, kind, id, version}.
ACTION = "saved-action"
RENAME_NAME = "saved-rename-name"
KIND_LABELS = {"workspace": "Workspace", "portfolio": "Target portfolio", "scenario": "Scenario"}
#: What the menu's save form saves; scenarios are saved from their pages (components.scenario_picker).
SAVE_KINDS = ("workspace", "portfolio")
#: scenario_type -> (what it holds, the page that saves and loads it, its path).
SCENARIO_PAGES = {"stress": ("stress test", "Risk", "/risk"), "tax": ("tax setting", "Tax", "/tax"),
                  "execution": ("execution setting", "Execute", "/execute")}


def _save_form() -> html.Div:
    return html.Div(
        [
            html.H6("Save", className="mb-2"),
            dbc.InputGroup(
                [
                    dbc.Input(id=NAME, placeholder="Name", maxLength=200, debounce=False),
                    dbc.Select(id=KIND, value="workspace", style={"maxWidth": "12rem"},
                               options=[{"label": KIND_LABELS[kind], "value": kind} for kind in SAVE_KINDS]),
                    dbc.Button("Save", id=SAVE, color="primary", n_clicks=0),
                ],
                className="mb-2",
            ),
            html.Div(id=CONFIRM, children=confirm_box(None)),
        ],
        className="mb-3",
    )


def confirm_box(question: str | None, *, copy: bool = False,
                buttons: tuple[str, str, str] = (OVERWRITE, COPY, CANCEL)) -> html.Div:
    """The overwrite question (or, after a stale save, the offer to save a copy); hidden when None.

    ``buttons`` are the ids of its Overwrite, Save a copy and Cancel buttons (a page's scenario bar has its own).
    """
    hidden = {"display": "none"}
    overwrite, copy_id, cancel = buttons
    return html.Div(
        [
            html.Span(question or "", className="me-2 pd-saved-question"),
            dbc.Button("Overwrite", id=overwrite, color="warning", size="sm", n_clicks=0, className="me-1",
                       style=hidden if copy else None),
            dbc.Button("Save a copy", id=copy_id, color="primary", size="sm", n_clicks=0, className="me-1",
                       style=None if copy else hidden),
            dbc.Button("Cancel", id=cancel, color="secondary", size="sm", n_clicks=0, outline=True),
        ],
        className="alert alert-warning py-2 mb-2",
        style=None if question else hidden,
    )


def undo_box(deleted: dict | None) -> html.Div:
    """'Deleted X. Undo' while the undo minute lasts; empty otherwise."""
    hidden = {"display": "none"}
    label = f"Deleted {deleted['name']!r}." if deleted else ""
    return html.Div(
        [html.Span(label, className="me-2"),
         dbc.Button("Undo", id={"type": ACTION, "action": "undo", "kind": (deleted or {}).get("kind", ""),
                                "id": (deleted or {}).get("id", 0), "version": 0},
                    color="link", size="sm", n_clicks=0, className="p-0 pd-saved-undo")],
        className="alert alert-secondary py-2 mb-2", style=None if deleted else hidden,
    )


def _when(stamp: str) -> str:
    try:
        return datetime.fromisoformat(stamp).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError):
        return ""


def _button(label: str, action: str, item: dict, color: str = "secondary") -> dbc.Button:
    return dbc.Button(label, id={"type": ACTION, "action": action, "kind": item["kind"], "id": item["id"],
                                 "version": item["version"]},
                      color=color, size="sm", outline=True, n_clicks=0, className="me-1")


def kind_label(item: dict) -> str:
    """The badge of a listed item: its kind, and for a scenario what it holds (``Scenario: tax setting``)."""
    label = KIND_LABELS.get(item["kind"], item["kind"])
    scenario_type = (item.get("body") or {}).get("scenario_type") if item["kind"] == "scenario" else None
    return f"{label}: {SCENARIO_PAGES[scenario_type][0]}" if scenario_type in SCENARIO_PAGES else label


def item_rows(items: list[dict]) -> html.Div | html.P:
    """One row per saved item: its name, kind, when it was saved, and what can be done with it."""
    if not items:
        return html.P("Nothing saved yet (or nothing matches the search).", className="text-body-secondary small")
    rows = [
        html.Div(
            [
                html.Div([html.Strong(item["name"], className="me-2 pd-saved-name"),
                          dbc.Badge(kind_label(item), color="info", className="me-2"),
                          html.Small(f"v{item['version']}, saved {_when(item['updated_at'])}",
                                     className="text-body-secondary")]),
                html.Div(
                    [_button("Load", "load", item, "primary"), _button("Duplicate", "duplicate", item),
                     _button("Delete", "delete", item, "danger"),
                     dbc.Input(id={"type": RENAME_NAME, "kind": item["kind"], "id": item["id"]}, size="sm",
                               placeholder="New name", className="d-inline-block mx-1", style={"width": "10rem"}),
                     _button("Rename", "rename", item)],
                    className="mt-1",
                ),
            ],
            className="border-bottom py-2 pd-saved-item",
        )
        for item in items
    ]
    return html.Div(rows)


def _files() -> html.Div:
    return html.Div(
        [
            html.H6("Workspace file", className="mb-2"),
            dbc.RadioItems(id=EXPORT_FORMAT, value="json", inline=True, className="d-inline-block me-2",
                           options=[{"label": label, "value": key} for key, label in EXPORT_FORMATS.items()]),
            dbc.Button("Export workspace", id=EXPORT, color="secondary", outline=True, size="sm",
                       n_clicks=0, className="me-2"),
            dcc.Download(id=EXPORT_DOWNLOAD),
            dcc.Upload(id=IMPORT, children=html.Span(["Import: drop a workspace file (JSON or zip) or ",
                                                      html.A("choose one", className="link-primary")]),
                       className="pd-upload d-inline-block px-2", max_size=-1,
                       accept=".json,.zip,application/json,application/zip"),
        ],
        className="mb-3",
    )


def saved_menu() -> html.Div:
    """The navbar button and the dialog it opens, with the stores the menu keeps per browser session."""
    return html.Div(
        [
            dbc.Button("Saved", id=OPEN, color="light", outline=True, size="sm", n_clicks=0, className="ms-3"),
            dbc.Modal(
                [
                    dbc.ModalHeader(dbc.ModalTitle("Saved work")),
                    dbc.ModalBody(
                        [
                            alert_area(ALERT),
                            _save_form(),
                            html.Div(id=UNDO, children=undo_box(None)),
                            html.H6("Saved items", className="mb-2"),
                            dbc.Input(id=SEARCH, placeholder="Search by name", type="search", className="mb-2",
                                      debounce=True),
                            html.Div(id=LIST),
                            html.Hr(),
                            _files(),
                        ]
                    ),
                ],
                id=MODAL, is_open=False, size="lg", scrollable=True,
            ),
            dcc.Store(id=CURRENT, storage_type="session"),
            dcc.Store(id=PENDING),
            dcc.Store(id=DELETED),
            dcc.Store(id=REFRESH, data=0),
            dcc.Store(id=LOADED),
            dcc.Interval(id=UNDO_TIMER, interval=60_000, max_intervals=0),
        ]
    )
