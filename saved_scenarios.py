"""Callbacks of a page's scenario bar (layout in :mod:`components.scenario_picker`).

Saving reuses the Saved menu's steps (:func:`saved_callbacks.save_step`: ask before overwriting a taken
name, refuse to overwrite someone else's newer save and offer a copy); a failed save shows the store's
message and no control changes. Loading a scenario puts its settings back into the page's controls.
A page calls :func:`register` once with its picker.
"""

from __future__ import annotations

import time
from typing import Any, NamedTuple

from dash import Input, Output, State, callback, ctx, no_update
from dash.exceptions import PreventUpdate

import saved_work
from components import inputs
from components.alerts import reports_errors
from components.scenario_picker import ScenarioPicker
from finance_core.errors import DataError
from saved_callbacks import SaveForm, clicked, current_store, done_alert, mark, save_step
from store import current_owner

__all__ = ["ScenarioCallbacks", "register", "options_of"]


class ScenarioCallbacks(NamedTuple):
    """The callbacks of one page's bar, as plain functions for tests."""

    options: Any
    save: Any
    load: Any


def options_of(scenario_type: str) -> list[dict]:
    """The saved scenarios of one type, newest first, as dropdown options (value: the id)."""
    items = current_store().scenarios.list("", owner=current_owner())
    return [{"label": f"{i['name']} (v{i['version']})", "value": i["id"]} for i in items
            if (i["body"] or {}).get("scenario_type") == scenario_type]


def _refuse_another_type(picker: ScenarioPicker, name: object) -> None:
    """One name, one scenario: a tax setting never overwrites a stress test of the same name."""
    existing = current_store().scenarios.find(str(name or "").strip(), owner=current_owner())
    found = ((existing or {}).get("body") or {}).get("scenario_type")
    if existing is not None and found != picker.scenario_type:
        raise DataError(f"A saved scenario of another kind ({found or 'no type'}) is already called "
                        f"{existing['name']!r}: pick another name for this {picker.what}.", code="name_taken")


def register(picker: ScenarioPicker) -> ScenarioCallbacks:
    """The list, save and load callbacks of ``picker``'s bar."""
    form = SaveForm(picker.save, *picker.buttons)

    @callback(Output(picker.load, "options"), Output(picker.alert, "children"), Input(picker.refresh, "data"))
    @reports_errors(2, title="Saved scenarios not listed")
    def options(_refresh):
        return options_of(picker.scenario_type), no_update  # a save's message stays

    @callback(
        Output(picker.current, "data"), Output(picker.pending, "data"), Output(picker.confirm, "children"),
        Output(picker.refresh, "data"), Output(picker.alert, "children", allow_duplicate=True),
        inputs=dict(clicks=dict(save=Input(picker.save, "n_clicks"), overwrite=Input(form.overwrite, "n_clicks"),
                                copy=Input(form.copy, "n_clicks"), cancel=Input(form.cancel, "n_clicks"))),
        state=dict(name=State(picker.name, "value"), values=picker.states(), current=State(picker.current, "data"),
                   pending=State(picker.pending, "data")),
        prevent_initial_call=True,
    )
    @reports_errors(5, title="Scenario not saved")
    def save(clicks, name, values, current, pending):
        """The page's settings saved as a named scenario: new names at once, taken ones after a question."""
        if not clicked():
            raise PreventUpdate
        name = inputs.text(name, "The scenario name")
        pending = inputs.stored(pending, "kind", "name", "id", "version")
        if ctx.triggered_id == form.save:
            _refuse_another_type(picker, name)
        body = saved_work.scenario_body(picker.scenario_type, picker.settings(values))
        item, pending, question = save_step(form, ctx.triggered_id, kind="scenario", name=name, current=current,
                                            pending=pending, body=lambda _kind: body)
        if item is None:
            return no_update, pending, question, no_update, None
        return (mark(current, item), None, question, time.time(),
                done_alert(f"Saved {picker.what} {item['name']!r} (version {item['version']})."))

    @callback(
        *picker.outputs(), Output(picker.name, "value"), Output(picker.current, "data", allow_duplicate=True),
        Output(picker.alert, "children", allow_duplicate=True),
        inputs=dict(item_id=Input(picker.load, "value")),
        state=dict(values=picker.states(), current=State(picker.current, "data")),
        prevent_initial_call=True,
    )
    @reports_errors(len(picker.controls) + 3, title="Scenario not loaded")
    def load(item_id, values, current):
        """A saved scenario's settings back in the page's controls (a setting it lacks stays as shown)."""
        if item_id is None:
            raise PreventUpdate
        item = current_store().scenarios.get(inputs.whole(item_id, "The scenario to load"), owner=current_owner())
        settings = saved_work.scenario_settings(item, picker.scenario_type)
        return (*picker.restored(settings, values), item["name"], mark(current, item),
                done_alert(f"Loaded {picker.what} {item['name']!r} (version {item['version']})."))

    return ScenarioCallbacks(options, save, load)
