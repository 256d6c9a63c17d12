"""Page settings in the URL query, so a link or a reload reproduces the view.

A page lists its shareable controls once::

    URL = UrlState("risk", {"level": (LEVEL, "value", float, 0.95), ...})

``URL.initial(query)`` turns the query that Dash pages hands to ``layout(**query)`` into
initial control values (a value that cannot be read falls back to the default; a
value that can be read but is out of range reaches the callbacks, which explain it),
and ``URL.sink()`` is a hidden Store whose clientside callback rewrites the address
bar with ``history.replaceState`` whenever a control changes, without reloading. The
same callback keeps that query in the session's page-settings store
(``ids.PAGE_SETTINGS``, ``{path: query}``), from which the navbar links reopen the page
as it was left.

The query carries only what differs from the defaults, and only the settings the
chosen ``selector`` value uses (``uses={"kelly": ("kelly",)}`` with ``selector="method"``:
the Kelly fraction travels only with the Kelly method). Grid rows whose cells other
than the first are all blank are left out, so an untouched limits grid adds nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dash import Input, Output, State, clientside_callback, dcc

from components import ids

__all__ = ["UrlState", "flag", "json_list"]


def flag(raw: str) -> bool:
    """A switch from a link: ``true`` or ``false`` (as the address bar writes them)."""
    text = str(raw).strip().lower()
    if text not in ("true", "false"):
        raise ValueError("expected true or false")
    return text == "true"


def json_list(raw: str) -> list[str]:
    """A multi-choice from a link: a JSON list of values."""
    values = json.loads(raw)
    if not isinstance(values, list):
        raise ValueError("expected a JSON list")
    return [str(v) for v in values]


@dataclass(frozen=True)
class UrlState:
    prefix: str
    fields: dict[str, tuple[str, str, Callable[[str], Any], Any]]  # name -> (id, prop, cast, default)
    bounds: dict[str, tuple[float, float]] | None = None  # name -> (lowest, highest) accepted
    selector: str | None = None  # the field whose value decides which others travel (e.g. "method")
    uses: dict[str, tuple[str, ...]] | None = None  # name -> selector values it travels with (absent: always)

    @property
    def sink_id(self) -> str:
        return f"{self.prefix}-url-sink"

    def initial(self, query: dict) -> dict[str, Any]:
        return self.read(query)[0]

    def read(self, query: dict) -> tuple[dict[str, Any], list[str]]:
        """Initial values from the query, and a message for every value that was replaced."""
        values, problems = {}, []
        bounds = self.bounds or {}
        for name, (_id, _prop, cast, default) in self.fields.items():
            raw = query.get(name)
            if raw in (None, ""):
                values[name] = default
                continue
            try:
                value = cast(raw)
            except (TypeError, ValueError, json.JSONDecodeError):
                problems.append(f"The link's {name}={raw!r} cannot be read; using {default}.")
                value = default
            if name in bounds and isinstance(value, (int, float)):
                lo, hi = bounds[name]
                if not lo <= value <= hi:
                    problems.append(f"The link's {name}={raw} is outside the accepted range {lo:g} to {hi:g}; "
                                    f"using {default}.")
                    value = default
            values[name] = value
        return values, problems

    def controls(self) -> dict[str, tuple[str, str]]:
        """``{name: (component id, property)}`` of every setting (a page's scenario bar saves them)."""
        return {name: (id_, prop) for name, (id_, prop, _cast, _default) in self.fields.items()}

    def sink(self) -> dcc.Store:
        return dcc.Store(id=self.sink_id)

    def register(self) -> None:
        names = list(self.fields)
        defaults = {name: default for name, (_id, _prop, _cast, default) in self.fields.items()}
        clientside_callback(
            _WRITE_QUERY.replace("NAMES", json.dumps(names)).replace("DEFAULTS", json.dumps(defaults))
            .replace("SELECTOR", json.dumps(self.selector)).replace("USES", json.dumps(self.uses or {})),
            Output(self.sink_id, "data"),
            Output(ids.PAGE_SETTINGS, "data", allow_duplicate=True),
            [Input(id_, prop) for id_, prop, _cast, _default in self.fields.values()],
            State(ids.PAGE_SETTINGS, "data"),
            prevent_initial_call=True,
        )


# The address bar and the page-settings store from the controls' values (in the order of NAMES).
_WRITE_QUERY = """
function() {
    const names = NAMES, defaults = DEFAULTS, selector = SELECTOR, uses = USES;
    const values = {};
    names.forEach((name, i) => { values[name] = arguments[i]; });
    const settings = arguments[names.length] || {};
    const blank = v => v === null || v === undefined || v === '';
    const compact = v => Array.isArray(v) ? v.filter(row => !(row && typeof row === 'object' && !Array.isArray(row))
        || Object.keys(row).slice(1).some(k => !blank(row[k]))) : v;
    const params = new URLSearchParams(window.location.search);
    names.forEach(name => {
        const v = compact(values[name]);
        const unused = selector && uses[name] && !uses[name].includes(values[selector]);
        const same = JSON.stringify(v) === JSON.stringify(defaults[name]) ||
            (Array.isArray(v) && v.length === 0 && blank(defaults[name]));
        if (unused || same || blank(v)) { params.delete(name); }
        else { params.set(name, Array.isArray(v) ? JSON.stringify(v) : String(v)); }
    });
    const q = params.toString();
    const path = window.location.pathname;
    window.history.replaceState(null, '', path + (q ? '?' + q : ''));
    return [q, Object.assign({}, settings, {[path]: q})];
}
"""
