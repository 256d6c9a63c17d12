"""Page settings in the URL query, so a link or a reload reproduces the view.

A page lists its shareable controls once::

    URL = UrlState("risk", {"level": (LEVEL, "value", float, 0.95), ...})

``URL.initial(query)`` turns the query that Dash pages hands to ``layout(**query)`` into
initial control values (a value that cannot be read falls back to the default; a
value that can be read but is out of range reaches the callbacks, which explain it),
and ``URL.sink()`` is a hidden Store whose clientside callback rewrites the address
bar with ``history.replaceState`` whenever a control changes, without reloading.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dash import Input, Output, clientside_callback, dcc

__all__ = ["UrlState"]


@dataclass(frozen=True)
class UrlState:
    prefix: str
    fields: dict[str, tuple[str, str, Callable[[str], Any], Any]]  # name -> (id, prop, cast, default)
    bounds: dict[str, tuple[float, float]] | None = None  # name -> (lowest, highest) accepted

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

    def sink(self) -> dcc.Store:
        return dcc.Store(id=self.sink_id)

    def register(self) -> None:
        names = list(self.fields)
        clientside_callback(
            """
            function() {
                const names = NAMES;
                const params = new URLSearchParams(window.location.search);
                for (let i = 0; i < names.length; i++) {
                    const v = arguments[i];
                    if (v === null || v === undefined || v === '') { params.delete(names[i]); }
                    else { params.set(names[i], Array.isArray(v) ? JSON.stringify(v) : String(v)); }
                }
                const q = params.toString();
                window.history.replaceState(null, '', window.location.pathname + (q ? '?' + q : ''));
                return q;
            }
            """.replace("NAMES", json.dumps(names)),
            Output(self.sink_id, "data"),
            [Input(id_, prop) for id_, prop, _cast, _default in self.fields.values()],
            prevent_initial_call=True,
        )
