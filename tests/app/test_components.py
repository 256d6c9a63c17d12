"""Shared component builders as plain functions."""

import numpy as np
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


def test_a_wide_universe_bar_chart_shows_its_largest_names_and_one_bar_for_the_rest():
    from components.figures import BARS_SHOWN, COLOURS

    rng = np.random.default_rng(3)
    held = pd.Series(rng.uniform(0.001, 0.02, 140), index=[f"T{i:03d}" for i in range(140)])
    weights = pd.concat([held, pd.Series(0.0, index=[f"Z{i:03d}" for i in range(360)])])  # 360 names at 0%
    weights /= weights.sum()
    fig = bar_figure(weights, None, yformat=".0%", fold=True)
    [bars] = fig.data
    assert len(bars.x) == BARS_SHOWN + 1 and bars.x[-1] == f"{140 - BARS_SHOWN} other names"
    top = weights.sort_values(ascending=False).iloc[:BARS_SHOWN]
    assert list(bars.x[:-1]) == list(top.index) and np.allclose(bars.y[:-1], top.to_numpy())
    # The grey bar holds the held names left off (the 360 at 0% are not counted), so the bars add up to 100%.
    assert bars.y[-1] == pytest.approx(weights.sort_values(ascending=False).iloc[BARS_SHOWN:].sum())
    assert sum(bars.y) == pytest.approx(1.0)
    assert list(bars.marker.color[-1:]) == [COLOURS["muted"]] and set(bars.marker.color[:-1]) == {COLOURS["accent"]}


def test_a_wide_book_with_few_holdings_shows_only_what_it_holds_and_a_small_one_every_name():
    few = pd.Series(0.0, index=[f"T{i:03d}" for i in range(500)])
    few[["T007", "T100", "T300"]] = [0.2, 0.5, 0.3]
    [bars] = bar_figure(few, None, fold=True).data
    assert list(bars.x) == ["T100", "T300", "T007"] and bars.marker.color is None  # no "other" bar
    small = pd.Series([0.0, 0.6, 0.4], index=["AAPL", "KO", "MSFT"])
    [bars] = bar_figure(small, None, fold=True).data
    assert list(bars.x) == ["AAPL", "KO", "MSFT"]  # 20 bundled names: as they were, zeros and order kept


def test_a_wide_frame_of_bars_folds_its_rows_by_their_largest_value():
    """VaR and CVaR by asset (the Risk page) for 500 names: the 30 rows with the largest value in any column,
    then one row summing each column over the rest."""
    from components.figures import BARS_SHOWN

    rng = np.random.default_rng(8)
    tail = pd.DataFrame({"VaR": rng.uniform(0, 1e-4, 500)}, index=[f"T{i:03d}" for i in range(500)])
    tail["CVaR"] = tail["VaR"] * rng.uniform(1.1, 1.4, 500)
    tail.loc["T499", "CVaR"] = 1.0  # largest by CVaR only: still shown
    var, cvar = bar_figure(tail, None, yformat=".2%", fold=True).data
    order = tail.max(axis=1).sort_values(ascending=False).index
    assert list(var.x[:-1]) == list(order[:BARS_SHOWN]) and var.x[0] == "T499" and var.x[-1] == "470 other names"
    assert var.y[-1] == pytest.approx(tail.loc[order[BARS_SHOWN:], "VaR"].sum())
    assert cvar.y[-1] == pytest.approx(tail.loc[order[BARS_SHOWN:], "CVaR"].sum())
    assert sum(cvar.y) == pytest.approx(tail["CVaR"].sum())  # nothing lost


def test_the_presentation_pie_of_a_wide_book_shows_its_largest_holdings_and_one_grey_slice():
    from components.figures import COLOURS
    from components.present_figures import PIE_SLICES, _allocation

    weights = pd.Series(np.linspace(1, 2, 500), index=[f"T{i:03d}" for i in range(500)])
    weights /= weights.sum()
    [pie] = _allocation(weights, None).data
    assert len(pie.labels) == PIE_SLICES + 1 and pie.labels[-1] == f"{500 - PIE_SLICES} other names"
    assert list(pie.labels[:3]) == ["T499", "T498", "T497"] and sum(pie.values) == pytest.approx(1.0)
    assert pie.marker.colors[-1] == COLOURS["muted"] and len(set(pie.marker.colors[:-1])) == PIE_SLICES
    [small] = _allocation(weights.iloc[:5] / weights.iloc[:5].sum(), None).data  # a few names: all of them
    assert list(small.labels) == list(weights.index[:5]) and small.marker.colors is None


def test_a_line_chart_of_a_wide_universe_draws_its_band_and_its_extremes():
    from components.figures import LINES_NAMED, line_figure

    rng = np.random.default_rng(4)
    dates = pd.bdate_range("2020-01-02", periods=60)
    growth = pd.DataFrame(100 * np.exp(np.cumsum(rng.normal(0, 0.02, (60, 80)), axis=0)), index=dates,
                          columns=[f"T{i:02d}" for i in range(80)])
    growth["SP500"] = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 60)))
    fig = line_figure(growth, None, log_y=True, highlight="SP500")
    names = [t.name for t in fig.data]
    others = growth.drop(columns="SP500")
    last = others.iloc[-1].sort_values(ascending=False)
    extremes = [*last.index[:LINES_NAMED], *last.index[-LINES_NAMED:]]
    assert names == ["90th percentile of 80", "10th-90th percentile of 80 assets", "median of 80 assets",
                     *extremes, "SP500"]
    # Against pandas' own quantiles of the 80 assets on each date (the benchmark left out).
    assert np.allclose(fig.data[2].y, others.median(axis=1)) and np.allclose(fig.data[1].y, others.quantile(0.1, axis=1))
    assert np.allclose(fig.data[0].y, others.quantile(0.9, axis=1)) and fig.data[1].fill == "tonexty"
    assert fig.data[-1].line.dash == "dash" and np.allclose(fig.data[-1].y, growth["SP500"])
    # The log axis's ticks cover every asset, not only the lines drawn.
    from components.figures import _log_ticks

    assert list(fig.layout.yaxis.tickvals) == _log_ticks(growth)
    # 31 columns or fewer: one line each, as before.
    assert len(line_figure(growth.iloc[:, :31], None).data) == 31


def test_every_chart_starts_with_the_same_loading_placeholder_built_once():
    from components.figures import _loading_figure, graph

    _loading_figure.cache_clear()
    a, b = graph("one"), graph("two", title="Two")
    figures = [div.children[1].children.figure for div in (a, b)]  # header, then dcc.Loading(dcc.Graph)
    assert figures[0] is figures[1] and _loading_figure.cache_info().misses == 1
    [note] = figures[0]["layout"]["annotations"]
    assert note["text"] == "Not drawn yet (see any message above)" and figures[0]["layout"]["xaxis"]["visible"] is False
