"""The readers of what the browser sends (components.inputs), and the page callbacks that read through them:
hostile values found by tests/app/test_fuzz_callbacks.py end in a message naming the control, not
"Something went wrong". Expected values are worked by hand from the rule each reader states."""

import base64
import json

import pytest
from dash import no_update

import saved_callbacks as cb
import workspace
from components import inputs
from finance_core.errors import DataError
from pages import construct, data, performance, present
from tests.app.test_construct_page import _controls
from tests.app.test_saved_menu import fire

WS = workspace.DEFAULT


def test_number_reads_blank_as_default_and_scales_a_percent_box():
    assert inputs.number(None, "Max weight", default=1.0) == 1.0
    assert inputs.number(" ", "Max weight", default=1.0) == 1.0
    assert inputs.number("12.5", "Max weight", scale=0.01) == pytest.approx(0.125)
    assert inputs.number(7, "Capital") == 7.0


@pytest.mark.parametrize("value", [float("inf"), "1e309", "nan", [1, 2], True, "abc"])
def test_number_refuses_what_is_not_a_finite_number_naming_the_box(value):
    with pytest.raises(DataError, match="^Risk aversion must be a") as err:
        inputs.number(value, "Risk aversion")
    assert err.value.code == "bad_number"


def test_whole_reads_a_window_and_refuses_fractions_text_and_switches():
    assert inputs.whole("126", "The rolling window") == 126
    assert inputs.whole(None, "Lot size", default=1) == 1
    for bad in ("2024-13-45", 2.5, 0, True, ["x"], float("inf")):
        with pytest.raises(DataError, match="^The rolling window"):
            inputs.whole(bad, "The rolling window")


def test_choices_text_dates_and_rows():
    assert inputs.choice(None, "Method", "max_sharpe") == "max_sharpe"
    assert inputs.picks("a", "Policies") == ["a"] and inputs.picks(None, "Policies") == []
    assert inputs.date("2020-01-31T00:00:00", "The as-of date") == "2020-01-31"
    assert inputs.text(None, "The blend") == ""
    assert inputs.rows([{"a": 1}], "views") == [{"a": 1}]
    assert inputs.records([{"a": 1}, 3, "x"]) == [{"a": 1}] and inputs.records(5) == []
    assert inputs.mapping(["x"]) == {} and inputs.stored({"weights": {}}, "weights", "method") is None
    with pytest.raises(DataError, match="Method must be one choice from its list"):
        inputs.choice(["max_sharpe"], "Method")
    with pytest.raises(DataError, match="Policies: 'x' is not one of the choices"):
        inputs.picks(["x"], "Policies", {"calendar": 1})
    with pytest.raises(DataError, match="The as-of date '2024-13-45' is not a date. Type it as YYYY-MM-DD"):
        inputs.date("2024-13-45", "The as-of date")
    with pytest.raises(DataError, match="The blend must be text"):
        inputs.text(True, "The blend")
    with pytest.raises(DataError, match="The views grid sent rows that are not records"):
        inputs.rows([[1]], "views")


def test_construct_names_the_box_of_an_infinite_risk_aversion_and_a_list_as_method():
    out = construct.allocation(_controls(ra="1e309"), WS, "light")
    assert "Risk aversion must be a finite number, got '1e309'" in str(out[-1])
    out = construct.allocation(_controls(method=["max_sharpe"]), WS, "light")
    assert "Method must be one choice from its list" in str(out[-1])
    assert "Something went wrong" not in str(out[-1])


def test_construct_reads_a_garbage_allocation_store_as_no_portfolio():
    assert construct.trades({"1e309": 0}, 100_000, "greedy", 1, WS)[2] is None
    assert construct.download_trades(1, [[1], "x"]) is no_update  # nothing to download


def test_data_blend_of_a_switch_says_to_type_text():
    _options, _value, alert = data.use_blend(1, True, "M", WS)
    assert "The blend must be text, got True" in str(alert)


def test_performance_rolling_window_of_a_date_says_whole_number():
    _fig, alert = performance.rolling(WS, "2024-13-45", "light")
    assert "The rolling window '2024-13-45' is not a number. Enter a whole number of 1 or more." in str(alert)


def test_present_bad_as_of_date_and_a_list_as_query():
    out = present.render({}, None, "2024-13-45", WS)
    assert "The as-of date '2024-13-45' is not a date" in str(out[-1])
    out = present.render(["light"], "Acme", None, WS)  # a query that is not a dict is no link: the workspace
    assert out[0].startswith("Acme: ") and out[-1] is None


def test_saved_act_of_a_forged_button_says_what_to_do():
    button = {"type": "saved-action", "action": "load", "kind": ["ALL"], "id": "x", "version": 0}
    out = fire(button, cb.act, [], [], [], dict(WS), {}, None)
    assert "The button pressed names no saved item" in str(out[-1])


def test_saved_export_skips_upload_entries_that_are_not_records():
    download, alert = fire("saved-export", cb.export, 1, {"uploads": {"prices": "prices:" + "0" * 64}}, ["x"],
                           "json")
    assert alert is None and download["base64"]
    assert json.loads(base64.b64decode(download["content"]))["workspace"]["uploads"] == {}


def test_a_link_whose_as_of_is_no_date_opens_at_the_latest_data():
    box = present.layout(as_of="2024-13-45")
    found = [c for c in _walk(box) if getattr(c, "id", None) == present.AS_OF]
    assert found and found[0].value is None
    assert [c.value for c in _walk(present.layout(as_of="2020-01-31")) if getattr(c, "id", None) == present.AS_OF] \
        == ["2020-01-31"]


def _walk(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children] if children is not None else []:
        if hasattr(child, "children") or hasattr(child, "id"):
            yield from _walk(child)
