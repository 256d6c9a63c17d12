"""Fuzzed input for every page callback: hostile values end in the normal outputs or a specific message.

Every server-side, non-background callback the app registers (dash's ``GLOBAL_CALLBACK_MAP``) is called
as a plain function with inputs drawn by the kind of each property: numbers (NaN, inf, 1e309, -1e12),
strings (``<script>``, ``javascript:`` links, unicode, 5,000 characters), click counts, garbage store
data and grid rows, uploads of random bytes, and the valid bundled workspace for the workspace store.
The call must return (or raise dash's ``PreventUpdate``); an exception that escapes, or the generic
"Something went wrong" alert ``reports_errors`` shows for anything but a ``FinanceError``, fails.

Bounded: 3 derandomized examples per callback by default (``PORTFOLIO_DESK_FUZZ_EXAMPLES`` for a deeper
run), no deadline and no shrinking, so the same cases run every time and the file takes about 2.5 minutes
with ``-n 2``. The callbacks in :data:`OPEN_FINDINGS` still answer some hostile input with the generic alert
(the traceback in the server log, the previous result kept): they are expected failures until fixed.
"""

from __future__ import annotations

import base64
import contextvars
import json
import os

import pytest
from dash import _callback, _validate
from dash._callback_context import context_value
from dash._utils import AttributeDict
from dash.exceptions import PreventUpdate
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import workspace

#: What ``components.alerts.error_alert`` says for an exception that is not a FinanceError.
GENERIC = "Something went wrong"
EXAMPLES = int(os.environ.get("PORTFOLIO_DESK_FUZZ_EXAMPLES", "3"))
#: module.function of the callbacks this fuzzing still crashes (a non-FinanceError reaches reports_errors):
#: found 2026-12-03, open. Remove a name once its callback checks the input it reads.
OPEN_FINDINGS: frozenset[str] = frozenset()
HOSTILE_TEXT = st.one_of(
    st.sampled_from(["<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "javascript:alert(1)",
                     "<a href='https://evil.example'>x</a>", "=CMD|' /C calc'!A0", "", " ", "nan", "inf",
                     "1e309", "-1", "AAPL", "light", "dark", "M", "historical", "\u202e\U0001f4b8", "x" * 5000,
                     "2024-13-45", "2020-01-31"]),
    st.text(max_size=30),
)
NUMBER = st.one_of(
    st.sampled_from([float("nan"), float("inf"), float("-inf"), 1e308, -1e12, 0, -1, 0.0, 1e-300, 10**20]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**15), max_value=10**15),
)
SCALAR = st.one_of(st.none(), NUMBER, HOSTILE_TEXT, st.booleans())
GARBAGE = st.recursive(SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(HOSTILE_TEXT, inner, max_size=4)),
                       max_leaves=12)
VALUE = st.one_of(SCALAR, st.lists(st.one_of(HOSTILE_TEXT, NUMBER), max_size=5))
ROWS = st.one_of(st.none(), st.lists(st.dictionaries(HOSTILE_TEXT, SCALAR, max_size=5), max_size=5))
UPLOAD = st.one_of(st.none(), st.binary(max_size=300).map(
    lambda raw: "data:text/csv;base64," + base64.b64encode(raw).decode()), HOSTILE_TEXT)
CLICKS = st.one_of(st.none(), st.integers(min_value=-5, max_value=10**12))
WORKSPACES = st.sampled_from([workspace.DEFAULT, None, {}, {"uploads": {"prices": "prices:" + "0" * 64}}])
#: Strategies by property name; store data by store id first (the session workspace is valid or empty).
BY_PROPERTY = {
    "value": VALUE, "n_clicks": CLICKS, "n_intervals": CLICKS, "rowData": ROWS, "selectedRows": ROWS,
    "contents": UPLOAD, "filename": st.one_of(st.none(), HOSTILE_TEXT), "date": st.one_of(st.none(), HOSTILE_TEXT),
    "start_date": st.one_of(st.none(), HOSTILE_TEXT), "end_date": st.one_of(st.none(), HOSTILE_TEXT),
    "search": st.one_of(st.none(), HOSTILE_TEXT.map(lambda s: "?" + s)), "pathname": HOSTILE_TEXT,
    "is_open": st.one_of(st.none(), st.booleans()), "data": GARBAGE, "figure": GARBAGE, "id": GARBAGE,
}
BY_STORE = {"workspace-store": WORKSPACES, "theme-store": st.sampled_from(["light", "dark", None, "<b>x</b>"])}


def _server_callbacks() -> dict[str, dict]:
    """Output key -> registry entry of every callback that runs in Python and not as a background job."""
    return {key: entry for key, entry in _callback.GLOBAL_CALLBACK_MAP.items()
            if hasattr(entry.get("callback"), "__wrapped__") and not entry.get("background")}


CALLBACKS = _server_callbacks()


def _strategy(dependency: dict) -> st.SearchStrategy:
    component, prop = dependency["id"], dependency["property"]
    if isinstance(component, str) and prop == "data" and component in BY_STORE:
        one = BY_STORE[component]
    else:
        one = BY_PROPERTY.get(prop, GARBAGE)
    wildcard = isinstance(component, dict) and any(v == ["ALL"] or v == ["ALLSMALLER"]
                                                   for v in component.values())
    return st.lists(one, max_size=4) if wildcard else one


def _prop_id(dependency: dict) -> str:
    component = dependency["id"]
    name = component if isinstance(component, str) else json.dumps(component, sort_keys=True,
                                                                  separators=(",", ":"))
    return f"{name}.{dependency['property']}"


def _call(entry: dict, values: list):
    """Call the page's function as Dash would, with the first input as the trigger; its return value."""
    args, kwargs = _validate.validate_and_group_input_args(values, entry["inputs_state_indices"])
    trigger = _prop_id(entry["inputs"][0]) if entry["inputs"] else "."

    def run():
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": trigger, "value": values[0] if values else None}],
                                        inputs_list=[], states_list=[], outputs_list=[], updated_props={}))
        return entry["callback"].__wrapped__(*args, **kwargs)

    return contextvars.copy_context().run(run)


def _name(entry: dict) -> str:
    function = entry["callback"].__wrapped__
    return f"{function.__module__}.{function.__name__}"


def _cases() -> list:
    return [pytest.param(key, id=_name(CALLBACKS[key]).partition(".")[2],
                         marks=[pytest.mark.xfail(reason="open finding: generic error on hostile input",
                                                  strict=False)] if _name(CALLBACKS[key]) in OPEN_FINDINGS else [])
            for key in sorted(CALLBACKS)]


def test_the_open_findings_name_registered_callbacks():
    assert {_name(entry) for entry in CALLBACKS.values()} >= OPEN_FINDINGS


def test_the_registry_holds_every_page():
    modules = {entry["callback"].__wrapped__.__module__ for entry in CALLBACKS.values()}
    assert {"pages.risk", "pages.construct", "pages.tax", "pages.execute", "pages.data", "pages.performance",
            "pages.present", "pages.compare", "saved_callbacks", "app"} <= modules
    assert len(CALLBACKS) > 60


@pytest.mark.parametrize("key", _cases())
def test_callback_survives_hostile_input(key):
    entry = CALLBACKS[key]
    dependencies = entry["inputs"] + entry["state"]

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, phases=[Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.tuples(*(_strategy(d) for d in dependencies)))
    def check(values):
        try:
            result = _call(entry, list(values))
        except PreventUpdate:
            return
        assert GENERIC not in str(result), f"{key} answered a generic error for {values!r}: {result}"

    check()
