"""Shared component builders as plain functions."""

import pandas as pd
import pytest

from components.execution_figures import frontier_figure
from components.figures import bar_figure, tick_format
from components.layout import money


@pytest.mark.parametrize("amount,kwargs,text", [
    (1234.4, {}, "$1,234"),
    (-1234.6, {}, "-$1,235"),            # the sign before the dollar sign
    (1234.6, {"signed": True}, "+$1,235"),
    (-1234.6, {"signed": True}, "-$1,235"),
    (-0.4, {}, "$0"),                    # rounds to zero: no "-$0"
    (-0.4, {"signed": True}, "$0"),      # no "$+0" or "$-0"
    (1.2e-07, {}, "$0"),                 # no "$1.2e-07"
    (-0.0, {}, "$0"),
    (-0.004, {"decimals": 2}, "$0.00"),
    (0.1234, {"decimals": 2}, "$0.12"),  # the execution desk's gamma per million shares: 1.234e-07 x 1e6
    (12_345_678.9, {}, "$12,345,679"),
])
def test_money_reads_as_money(amount, kwargs, text):
    assert money(amount, **kwargs) == text


def test_flat_bar_chart_ticks_keep_enough_decimals():
    # Every value 0: plotly spans -1..1 in steps of 0.5, which ",.0f" labels "-1, -1, 0, 1, 1".
    fig = bar_figure(pd.Series([0.0, 0.0], index=["AAPL", "MSFT"]), None, yformat=",.0f")
    assert fig.layout.yaxis.tickformat == ",.3~f"  # 3 decimals, trailing zeros trimmed: -1, -0.5, 0, 0.5, 1
    assert tick_format(".0%") == ".3~%" and tick_format("$,.0f") == "$,.3~f" and tick_format(",.2s") == ",.2s"


@pytest.mark.parametrize("costs", [
    [0.1010, 0.1015, 0.1025, 0.1040],  # a few hundred shares: the costs span a third of a cent
    [17.2, 17.4, 17.9, 19.1],          # a small order: two dollars
])
def test_ticks_of_a_small_span_money_axis_are_distinct(costs, tick_labels):
    frontier = pd.DataFrame({"std": [2.0, 1.5, 1.0, 0.8], "expected_cost": costs},
                            index=pd.Index([0.0, 1e-7, 1e-6, 1e-5], name="risk_aversion"))
    fig = frontier_figure(frontier, frontier.iloc[[1]], None)
    for axis in ("y", "x"):
        labels = tick_labels(fig, axis)
        assert len(labels) >= 3 and len(set(labels)) == len(labels), (axis, labels)
        assert all(label.startswith("$") for label in labels)
