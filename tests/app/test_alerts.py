"""Alerts: the error decorator, and one writer per alert area so no success clears another's error."""

import collections
import contextvars
import re

import pytest
from dash import _callback, no_update
from dash.exceptions import PreventUpdate

import app
from components.alerts import reports_errors
from finance_core.errors import DataError

# Alert areas written by two callbacks on purpose: the second writer acts on the same data, so a
# success of the first means the earlier error no longer applies (a new upload, a new replay).
SHARED_ON_PURPOSE = {
    "tax-alerts-data": "an upload error, cleared when the workspace (re)loads",
    "tax-alerts-replay": "a Form 8949 export error, cleared by the next replay",
    "tax-alerts-harvest": "a harvest action error, cleared when the candidates are recomputed",
    "saved-alert": "the Saved menu's one message line: each action (save, load, rename, delete, import) "
                   "the user presses reports there, replacing the last one",
    **{f"{page}-scenario-alert": "the scenario bar's one message line: list, save and load each report there"
       for page in ("risk", "tax", "exec")},
    "data-alerts": "an upload error, cleared when a workspace loaded from the Saved menu replaces the data",
    "risk-alerts-var": "the VaR section's message: for the FHS method the background job writes it, for "
                       "the others the VaR callback; the one for the method shown answers last",
    "risk-alerts-backtest": "the VaR backtest's message, written by the FHS job for the FHS method as for VaR",
}


def _writers() -> dict[str, int]:
    counts: collections.Counter = collections.Counter()
    # Dash moves the registered callbacks into app.callback_map at the server's first request (another test's).
    for key in {**_callback.GLOBAL_CALLBACK_MAP, **app.app.callback_map}:
        for out in key.strip(".").split("..."):
            component = re.sub(r"@[0-9a-f]{64}$", "", out).rsplit(".", 1)[0]
            if component.split("-")[-1] in ("alert", "alerts") or "-alerts-" in component:
                counts[component] += 1
    return counts


def test_every_alert_area_has_one_writer_unless_shared_on_purpose():
    # The execution page once cleared an order-book upload error when the volume upload that
    # preceded it finished recomputing the market: two callbacks wrote one alert area.
    writers = _writers()
    assert {"risk-alerts-var", "exec-frontier-alert", "construct-compare-alert", "data-alerts"} <= set(writers)
    shared = {name for name, n in writers.items() if n > 1}
    assert shared == set(SHARED_ON_PURPOSE)


def test_finance_errors_become_the_alert_and_other_outputs_stay():
    @reports_errors(3, title="Not run")
    def fails():
        raise DataError("Row 4, column 'price': 'abc' is not a number.", code="bad")

    out = fails()
    assert out[:2] == (no_update, no_update)
    assert "Not run: " in str(out[2]) and "Row 4, column 'price'" in str(out[2])


def _called_as(triggered: list[dict], func):
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    outputs = [{"id": "g", "property": "figure"}, {"id": "t", "property": "rowData"}, {"id": "a", "property": "children"}]

    def inner():
        context_value.set(AttributeDict(triggered_inputs=triggered, outputs_list=outputs))
        return func()

    return contextvars.copy_context().run(inner)


def test_an_error_on_a_pages_first_call_replaces_the_loading_placeholder_not_on_later_calls():
    # The Compare page with nothing picked showed its alert and "Loading..." in both charts for good.
    @reports_errors(3, title="Not compared")
    def fails():
        raise DataError("Pick 1 to 5 portfolios to compare.", code="bad_count")

    figure, rows, alert = _called_as([{"prop_id": ".", "value": None}], fails)  # the layout's first call
    assert "see the message" in figure.layout.annotations[0].text and rows is no_update
    assert "Pick 1 to 5" in str(alert)
    later = _called_as([{"prop_id": "pick.value", "value": []}], fails)  # a user's change: keep what is shown
    assert later[:2] == (no_update, no_update)


def test_unexpected_errors_say_so_without_a_traceback(caplog):
    @reports_errors(2, alert_index=0)
    def crashes():
        return {}["missing"]

    alert, other = crashes()
    assert other is no_update
    assert "Something went wrong (KeyError)" in str(alert) and "Traceback" not in str(alert)
    assert "callback crashes failed" in caplog.text  # the traceback goes to the server log


def test_prevent_update_is_not_turned_into_an_alert():
    @reports_errors(2)
    def skips():
        raise PreventUpdate

    with pytest.raises(PreventUpdate):
        skips()
