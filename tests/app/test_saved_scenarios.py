"""Named scenarios saved from their pages (issue 13, point 2): the Risk page's stress set, the Tax page's tax
setting and the Execute page's execution setting, through each page's scenario bar (saved_scenarios) called as
plain functions on a fresh SQLite database; and the Saved menu listing them."""

from __future__ import annotations

from dash import no_update
from sqlalchemy import create_engine

import saved_callbacks as cb
from components import saved_menu as menu
from pages import execute, risk, tax
from store import Store
from tests.app.test_saved_menu import fire, text

SECTOR = risk.SHOCK_TYPE


def _stress_values(rows: list[dict], shock: float, sectors: dict[str, float]) -> dict:
    """The Risk page's stress controls as the save callback's State reads them."""
    return {"scenarios": rows, "shock": shock,
            "sector_shocks": {"values": list(sectors.values()),
                              "ids": [{"type": SECTOR, "sector": s} for s in sectors]}}


def _save(callbacks, picker, name, values, *, step=None, current=None, pending=None):
    """(current, pending, confirm, refresh, alert) after a click on ``step`` (the Save button by default)."""
    return fire(step or picker.save, callbacks.save, {}, name, values, current, pending)


def _load(callbacks, picker, item_id, values, current=None):
    return fire(f"{picker.load}.value", callbacks.load, item_id, values, current, value=item_id)


CRASH = [{"name": "Covid crash", "start": "2020-02-19", "end": "2020-03-23", "description": "mine"},
         {"name": "Rate shock", "start": "2022-01-03", "end": "2022-10-12", "description": ""}]


def test_a_stress_set_saved_on_the_risk_page_comes_back_into_its_controls(saved):
    values = _stress_values(CRASH, -0.15, {"Energy": -0.3, "Technology": 0.05})
    current, pending, _, refresh, alert = _save(risk.STRESS_CALLBACKS, risk.STRESS, "Bad year", values)
    assert pending is None and refresh is not no_update
    assert "Saved stress test 'Bad year' (version 1)" in text(alert)
    item = saved.scenarios.find("Bad year")
    # The API's shape (GET /api/v1/scenarios/<id>): the page's settings by name, tagged with their type.
    assert item["body"] == {"scenario_type": "stress", "format_version": 1, "settings": {
        "scenarios": CRASH, "shock": -0.15, "sector_shocks": {"Energy": -0.3, "Technology": 0.05}}}
    assert current == {"scenario": {"id": item["id"], "version": 1, "name": "Bad year"}}

    # Another session, whose workspace has sliders for Technology, Health Care and Energy, in that order.
    now = _stress_values(risk.SCENARIO_ROWS, 0.0, {"Technology": 0.0, "Health Care": -0.1, "Energy": 0.0})
    rows, shock, sectors, name, mine, alert = _load(risk.STRESS_CALLBACKS, risk.STRESS, item["id"], now)
    assert (rows, shock, name) == (CRASH, -0.15, "Bad year")
    assert sectors == [0.05, -0.1, -0.3]  # by sector name; Health Care, not in the scenario, keeps its slider
    assert mine["scenario"]["version"] == 1 and "Loaded stress test 'Bad year'" in text(alert)
    options, listed_alert = risk.STRESS_CALLBACKS.options(1)
    assert options == [{"label": "Bad year (v1)", "value": item["id"]}] and listed_alert is no_update


def test_a_taken_name_asks_before_overwriting_and_a_stale_one_offers_a_copy(saved):
    cbs, picker = tax.TAX_SETTING_CALLBACKS, tax.TAX_SETTING
    first = {name: None for name in picker.controls} | {"method": "fifo", "income": 150_000.0}
    _save(cbs, picker, "Retired", first)
    later = dict(first, method="hifo", income=60_000.0)
    current, pending, confirm, _, _ = _save(cbs, picker, "Retired", later)
    assert current is no_update and "A saved scenario is already called 'Retired' (version 1). Overwrite it?" \
        in text(confirm)
    assert saved.scenarios.find("Retired")["body"]["settings"]["method"] == "fifo"  # nothing written yet
    # The question's buttons are the page's own, not the Saved menu's.
    assert [b.id for b in confirm.children[1:]] == list(picker.buttons)
    _, cancelled, hidden, _, _ = _save(cbs, picker, "Retired", later, step=picker.buttons[2], pending=pending)
    assert cancelled is None and hidden.style == {"display": "none"}
    mine, _, _, _, alert = _save(cbs, picker, "Retired", later, step=picker.buttons[0], pending=pending)
    stored = saved.scenarios.find("Retired")
    assert stored["version"] == 2 and stored["body"]["settings"]["method"] == "hifo" and "version 2" in text(alert)

    # Someone else saves version 3 meanwhile; this session (at version 2) is told and offered a copy.
    saved.scenarios.update(stored["id"], expected_version=2, body=stored["body"])
    _, pending, confirm, _, _ = _save(cbs, picker, "Retired", later, current=mine)
    assert "saved by someone else" in text(confirm) and "you loaded version 2" in text(confirm)
    _, _, _, _, alert = _save(cbs, picker, "Retired", later, step=picker.buttons[1], pending=pending, current=mine)
    assert "Saved tax setting 'Retired (copy)'" in text(alert) and saved.scenarios.find("Retired")["version"] == 3


def test_a_name_taken_by_another_kind_of_scenario_is_refused_not_overwritten(saved):
    _save(risk.STRESS_CALLBACKS, risk.STRESS, "Base", _stress_values(CRASH, -0.1, {}))
    values = {name: None for name in execute.EXECUTION.controls} | {"ticker": "KO", "shares": 5_000.0}
    out = _save(execute.EXECUTION_CALLBACKS, execute.EXECUTION, "Base", values)
    assert out[:4] == (no_update,) * 4
    assert "another kind (stress) is already called 'Base': pick another name for this execution setting" \
        in text(out[4])
    assert saved.scenarios.find("Base")["body"]["scenario_type"] == "stress"


def test_execution_setting_round_trip_and_a_scenario_of_another_page_is_not_loaded(saved):
    cbs, picker = execute.EXECUTION_CALLBACKS, execute.EXECUTION
    shown = {name: default for name, (_id, _prop, _cast, default) in execute.URL.fields.items()}
    mine = dict(shown, ticker="KO", side="sell", shares=50_000.0, strategy="almgren_chriss", risk=-6.0,
                no_trade="12:00-13:00", sample=False)
    _save(cbs, picker, "KO unwind", mine)
    item = saved.scenarios.find("KO unwind")
    out = _load(cbs, picker, item["id"], shown)
    assert dict(zip(picker.controls, out[:len(picker.controls)], strict=True)) == mine
    # A hand-made scenario (as the API takes any body) without some settings keeps those controls as shown.
    bare = saved.scenarios.create("Half", {"scenario_type": "execution", "format_version": 1,
                                           "settings": {"ticker": "XOM"}})
    out = _load(cbs, picker, bare["id"], mine)
    assert dict(zip(picker.controls, out[:len(picker.controls)], strict=True)) == dict(mine, ticker="XOM")
    # The stress test cannot be loaded on the Tax page; nothing changes there.
    stress = saved.scenarios.create("Crash", {"scenario_type": "stress", "format_version": 1, "settings": {}})
    values = {name: None for name in tax.TAX_SETTING.controls}
    out = _load(tax.TAX_SETTING_CALLBACKS, tax.TAX_SETTING, stress["id"], values)
    assert out[:-1] == (no_update,) * (len(out) - 1)
    assert "Scenario 'Crash' is a 'stress' type, not a 'tax' scenario" in text(out[-1])
    newer = saved.scenarios.create("Future", {"scenario_type": "tax", "format_version": 7, "settings": {}})
    out = _load(tax.TAX_SETTING_CALLBACKS, tax.TAX_SETTING, newer["id"], values)
    assert "newer Portfolio Desk (format version 7" in text(out[-1])
    assert [o["label"] for o in execute.EXECUTION_CALLBACKS.options(0)[0]] == ["Half (v1)", "KO unwind (v1)"]


def test_a_scenario_save_that_fails_says_so_and_changes_nothing(tmp_path, monkeypatch):
    broken = Store(create_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'desk.sqlite'}"))
    monkeypatch.setattr(cb, "_store_of", lambda: broken)
    out = _save(risk.STRESS_CALLBACKS, risk.STRESS, "Bad year", _stress_values(CRASH, -0.15, {}))
    assert out[:4] == (no_update,) * 4  # the controls are not even outputs of a save
    message = text(out[4])
    assert "Scenario not saved" in message and "Could not" in message and "your page keeps its state" in message
    options, alert = risk.STRESS_CALLBACKS.options(0)
    assert options is no_update and "Saved scenarios not listed" in text(alert)


def _find(component, id_):
    """The component with ``id_`` inside a layout tree."""
    if getattr(component, "id", None) == id_:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        found = _find(child, id_) if child is not None and not isinstance(child, str) else None
        if found is not None:
            return found
    return None


def test_the_saved_menu_lists_scenarios_and_says_where_to_load_them(saved):
    _save(risk.STRESS_CALLBACKS, risk.STRESS, "Bad year", _stress_values(CRASH, -0.15, {}))
    listed = cb.list_saved("", 0, True)
    assert "Bad year" in text(listed) and "Scenario: stress test" in text(listed)
    kinds = _find(menu.saved_menu(), menu.KIND)
    assert [o["value"] for o in kinds.options] == ["workspace", "portfolio"]  # the menu's save form: no scenarios
    item = saved.scenarios.find("Bad year")
    button = {"type": menu.ACTION, "action": "load", "kind": "scenario", "id": item["id"], "version": 1}
    out = fire(button, cb.act, [], [], [], {}, {}, None)
    assert out[:9] == (no_update,) * 9  # neither the workspace nor the page settings change
    assert "'Bad year' is a stress test: open the Risk page and pick it under 'Load scenario'" in " ".join(
        text(out[-1]).split())
    assert out[-1].children[1].href == "/risk"
