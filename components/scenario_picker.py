"""A page's named scenarios: a "Save as scenario" name and button and a "Load scenario" list.

One bar serves the Risk page's stress set, the Tax page's tax setting and the Execute page's execution
setting: a page names the controls a scenario holds, by setting name, and :mod:`saved_scenarios`
registers the callbacks that save them to the store's scenarios and put a loaded one back. A control
may be a pattern-matching id with one ``ALL`` key (the Risk page's sector sliders); its setting is then
``{key value: control value}``. Only the layout and the ids live here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Output, State, dcc, html

from components.alerts import alert_area
from components.saved_menu import SCENARIO_PAGES, confirm_box
from finance_core.errors import DataError

__all__ = ["ScenarioPicker"]

Control = tuple[Any, str]  # (component id, or a pattern with one ALL key; property)


@dataclass(frozen=True)
class ScenarioPicker:
    prefix: str  # the page's id prefix ("risk")
    scenario_type: str  # "stress", "tax" or "execution" (components.saved_menu.SCENARIO_PAGES)
    controls: dict[str, Control]  # setting name -> the control that shows it

    def _id(self, part: str) -> str:
        return f"{self.prefix}-scenario-{part}"

    @property
    def name(self) -> str:
        return self._id("name")

    @property
    def save(self) -> str:
        return self._id("save")

    @property
    def load(self) -> str:
        return self._id("load")

    @property
    def confirm(self) -> str:
        return self._id("confirm")

    @property
    def buttons(self) -> tuple[str, str, str]:
        """The question's Overwrite, Save a copy and Cancel buttons."""
        return self._id("overwrite"), self._id("copy"), self._id("cancel")

    @property
    def pending(self) -> str:
        return self._id("pending")

    @property
    def current(self) -> str:
        return self._id("current")

    @property
    def refresh(self) -> str:
        return self._id("refresh")

    @property
    def alert(self) -> str:
        return self._id("alert")

    @property
    def what(self) -> str:
        return SCENARIO_PAGES[self.scenario_type][0]

    # -- the controls, for the callbacks -----------------------------------------------------------
    @staticmethod
    def _pattern_key(id_: Any) -> str | None:
        """The ALL key of a pattern-matching id; None for a plain id."""
        if not isinstance(id_, dict):
            return None
        return next(k for k, v in id_.items() if v is ALL)

    def states(self) -> dict[str, Any]:
        """``{name: State}``; a pattern control's is ``{"values": State, "ids": State(id)}``."""
        return {name: State(id_, prop) if self._pattern_key(id_) is None
                else {"values": State(id_, prop), "ids": State(id_, "id")}
                for name, (id_, prop) in self.controls.items()}

    def outputs(self) -> list[Output]:
        """One Output per control, in the order of :attr:`controls` (other callbacks write them too)."""
        return [Output(id_, prop, allow_duplicate=True) for id_, prop in self.controls.values()]

    def settings(self, values: dict[str, Any]) -> dict[str, Any]:
        """The scenario to save from :meth:`states`' values: a pattern control as ``{key value: value}``."""
        out = {}
        for name, (id_, _prop) in self.controls.items():
            key = self._pattern_key(id_)
            out[name] = values[name] if key is None else {
                str(i[key]): v for i, v in _pattern_pairs(values[name], key, name)}
        return out

    def restored(self, settings: dict[str, Any], values: dict[str, Any]) -> list[Any]:
        """The controls' new values (in :meth:`outputs`' order) from saved ``settings``; a setting the scenario
        lacks, and a pattern control's key it lacks, keep the value shown now (``values``, as :meth:`states`)."""
        out: list[Any] = []
        for name, (id_, _prop) in self.controls.items():
            key, now = self._pattern_key(id_), values[name]
            if key is None:
                out.append(settings.get(name, now))
                continue
            saved = settings.get(name) if isinstance(settings.get(name), dict) else {}
            out.append([saved.get(str(i[key]), v) for i, v in _pattern_pairs(now, key, name)])
        return out

    # -- the layout --------------------------------------------------------------------------------
    def layout(self) -> html.Div:
        save = dbc.InputGroup([
            dbc.Input(id=self.name, placeholder=f"Name this {self.what}", maxLength=200),
            dbc.Button("Save as scenario", id=self.save, color="secondary", outline=True, n_clicks=0),
        ], size="sm")
        load = dcc.Dropdown(id=self.load, options=[], placeholder=f"Load scenario: a saved {self.what}",
                            clearable=True, className="pd-scenario-load")
        return html.Div([
            dbc.Row([dbc.Col(save, md=6), dbc.Col(load, md=6)], className="g-2 mb-1"),
            html.Div(id=self.confirm, children=confirm_box(None, buttons=self.buttons)),
            alert_area(self.alert),
            dcc.Store(id=self.pending), dcc.Store(id=self.current, storage_type="session"),
            dcc.Store(id=self.refresh, data=0),
        ], className="mb-2 no-print pd-scenario-bar")


def _pattern_pairs(sent: Any, key: str, name: str) -> list[tuple[dict, Any]]:
    """(id, value) of each control of a pattern group, as :meth:`ScenarioPicker.states` sends them; a group
    the browser sent in another shape is refused with what to do (reload the page: the controls are redrawn)."""
    ids = sent.get("ids") if isinstance(sent, dict) else None
    values = sent.get("values") if isinstance(sent, dict) else None
    if (not isinstance(ids, list) or not isinstance(values, list) or len(ids) != len(values)
            or not all(isinstance(i, dict) and key in i for i in ids)):
        raise DataError(f"The page sent its {name.replace('_', ' ')} controls in a form the desk cannot read: "
                        "reload the page and try again.", code="bad_controls")
    return list(zip(ids, values, strict=True))

