"""Every setting a person makes on Construct, Execute, Risk and Tax comes back from the page's query.

The navbar reopens each page with its last query (components/urlstate.py, app.py), so a
control missing from a page's UrlState would be reset by a trip to another page.
"""

import dash_bootstrap_components as dbc
import pytest
from dash import dcc

from components.urlstate import flag
from pages import construct, execute, risk, tax

# Controls a person sets: what each of them holds.
CONTROL_PROPS = {dcc.Slider: "value", dcc.Dropdown: "value", dbc.Input: "value", dbc.RadioItems: "value",
                 dbc.Switch: "value", dcc.DatePickerSingle: "date"}
# Controls that stay out of the link, and why.
_SCENARIO_BAR = "a named scenario lives in the database; loading one sets the controls the link carries"
NOT_IN_LINK = {
    execute: {execute.URGENCY: "set from the risk aversion, which the link carries",
              execute.BOOK_SOURCE: "an uploaded order book cannot travel in a link",
              **dict.fromkeys((execute.EXECUTION.name, execute.EXECUTION.load), _SCENARIO_BAR)},
    risk: dict.fromkeys((risk.STRESS.name, risk.STRESS.load), _SCENARIO_BAR),
    tax: {tax.TAX_WEIGHT_VALUE: "the real value of the tax-weight slider, which the link carries",
          **dict.fromkeys((tax.TAX_SETTING.name, tax.TAX_SETTING.load), _SCENARIO_BAR)},
    construct: {},
}


def _controls(layout) -> dict:
    """id -> (component) of every control in a layout tree (pattern-matching ids left out)."""
    found = {}

    def walk(node):
        if isinstance(node, (list, tuple)):
            for n in node:
                walk(n)
            return
        if not hasattr(node, "to_plotly_json"):
            return
        if type(node) in CONTROL_PROPS and isinstance(getattr(node, "id", None), str):
            found[node.id] = node
        walk(getattr(node, "children", None))

    walk(layout)
    return found


@pytest.mark.parametrize("page", [construct, execute, risk, tax], ids=lambda p: p.__name__)
def test_every_control_of_the_page_is_in_its_link(page):
    in_link = {id_ for id_, _prop, _cast, _default in page.URL.fields.values()}
    missing = set(_controls(page.layout())) - in_link - set(NOT_IN_LINK[page])
    assert not missing, f"{page.__name__}: controls a trip through the navbar would reset: {sorted(missing)}"


QUERIES = {
    construct: {"upper": "10", "tau": "0.1", "compare": '["hrp", "kelly"]', "bt_methods": '["hrp"]',
                "rebalance": "Q", "lookback": "500", "bt_cost": "5", "capital": "250000", "alloc": "integer",
                "lot": "100"},
    execute: {"shares": "50000", "volume": "2000000", "basket": "twap", "sample": "false"},
    risk: {"level": "0.99", "horizon": "10", "method": "gaussian", "value": "2500000", "shock": "-0.1",
           "bt_level": "0.95", "bt_window": "500", "bt_method": "cornish_fisher", "mc_years": "30",
           "mc_contribution": "-5000", "mc_goal": "3000000", "mc_paths": "2000", "mc_method": "bootstrap"},
    tax: {"method": "hifo", "filing": "married_joint", "income": "400000", "st_rate": "30", "lt_rate": "15",
          "niit_rate": "0", "min_pct": "10", "min_amount": "500", "tax_weight": "-2", "realised": "50",
          "term": "short"},
}


@pytest.mark.parametrize("page", [construct, execute, risk, tax], ids=lambda p: p.__name__)
def test_reopening_a_page_with_its_query_restores_each_control(page):
    query = QUERIES[page]
    controls = _controls(page.layout(**query))
    for name, raw in query.items():
        id_, prop, cast, _default = page.URL.fields[name]
        expected = flag(raw) if cast is flag else cast(raw)
        assert getattr(controls[id_], prop) == expected, f"{page.__name__} {name}={raw}"
    # The query holds values other than the defaults, so this would pass on nothing.
    assert all(page.URL.fields[n][3] != page.URL.initial(query)[n] for n in query)
