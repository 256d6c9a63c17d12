"""attribution.periods: a window of daily returns attributed as one period and as linked months.

The oracle is a small hand-built case: two sectors of one ticker each over two months of two days.
Buy-and-hold window returns and monthly rebalanced returns are computed here with numpy, and the
Brinson-Fachler effects by hand from Brinson and Fachler (1985): allocation (wp - wb)(rb_i - B),
selection wb(rp_i - rb_i), interaction (wp - wb)(rp_i - rb_i).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finance_core.attribution import (
    TOTAL_ROW,
    attribute,
    brinson,
    carino_factors,
    menchero_factors,
    period_returns,
)
from finance_core.errors import DataError

DATES = pd.DatetimeIndex(["2024-01-30", "2024-01-31", "2024-02-28", "2024-02-29"])
RETURNS = pd.DataFrame({"A": [0.01, 0.02, -0.01, 0.03], "B": [0.00, -0.01, 0.02, 0.01],
                        "C": [0.005, 0.005, 0.0, 0.01]}, index=DATES)
SECTORS = {"A": "Tech", "B": "Energy", "C": "Tech"}
W = pd.Series({"A": 0.7, "B": 0.3})
WB = pd.Series({"A": 0.25, "C": 0.25, "B": 0.5})


def test_period_returns_compound_each_month_and_end_on_its_last_date():
    per = period_returns(RETURNS)
    assert list(per.index) == [pd.Timestamp("2024-01-31"), pd.Timestamp("2024-02-29")]
    assert per.loc["2024-01-31", "A"] == pytest.approx(1.01 * 1.02 - 1)
    assert per.loc["2024-02-29", "B"] == pytest.approx(1.02 * 1.01 - 1)


def test_single_period_matches_hand_brinson_fachler():
    res = attribute(RETURNS, W, WB, sectors=SECTORS)
    growth = (1 + RETURNS).prod() - 1
    r, b = float(W @ growth[W.index]), float(WB @ growth[WB.index])
    assert res.portfolio_return == pytest.approx(r) and res.benchmark_return == pytest.approx(b)
    rb_tech = (0.25 * growth["A"] + 0.25 * growth["C"]) / 0.5
    allocation_tech = (0.7 - 0.5) * (rb_tech - b)
    selection_tech = 0.5 * (growth["A"] - rb_tech)
    interaction_tech = (0.7 - 0.5) * (growth["A"] - rb_tech)
    row = res.single.loc["Tech"]
    assert row["allocation"] == pytest.approx(allocation_tech)
    assert row["selection"] == pytest.approx(selection_tech)
    assert row["interaction"] == pytest.approx(interaction_tech)
    assert res.single.loc["Energy", "selection"] == pytest.approx(0.0)  # same ticker on both sides
    assert res.single.loc[TOTAL_ROW, "total"] == pytest.approx(r - b)
    assert res.segments.loc["Tech", "benchmark_return"] == pytest.approx(rb_tech)


@pytest.mark.parametrize("linking", ["carino", "menchero"])
def test_linked_months_add_to_the_rebalanced_arithmetic_excess(linking):
    res = attribute(RETURNS, W, WB, sectors=SECTORS, linking=linking)
    per = period_returns(RETURNS)
    r_t, b_t = per[W.index].to_numpy() @ W.to_numpy(), per[WB.index].to_numpy() @ WB.to_numpy()
    excess = np.prod(1 + r_t) - np.prod(1 + b_t)
    assert res.periods == 2 and res.linked_excess == pytest.approx(excess, abs=1e-15)
    assert res.linked.loc[TOTAL_ROW, "total"] == pytest.approx(excess, abs=1e-14)
    assert res.cumulative["total"].iloc[-1] == pytest.approx(excess, abs=1e-14)
    assert abs(res.linking_residual) < 1e-14
    # the first month's cumulative effect is that month's effects times its linking factor
    first = brinson(W, WB, per.iloc[0], per.iloc[0], sectors=SECTORS).loc[TOTAL_ROW, "total"]
    factor = (carino_factors if linking == "carino" else menchero_factors)(r_t, b_t)[0]
    assert res.cumulative["total"].iloc[0] == pytest.approx(first * factor, abs=1e-15)


def test_geometric_single_period_links_with_brinson_fachler_and_says_so():
    res = attribute(RETURNS, W, WB, sectors=SECTORS, method="geometric")
    total = res.single.loc[TOTAL_ROW]
    geometric_excess = (1 + res.portfolio_return) / (1 + res.benchmark_return) - 1
    assert (1 + total["allocation"]) * (1 + total["selection"]) - 1 == pytest.approx(geometric_excess)
    assert res.linked_method == "brinson_fachler" and "brinson_fachler" in res.notes[0]


def test_bad_windows_and_weights_are_refused_with_what_to_change():
    with pytest.raises(DataError, match="at least two"):
        attribute(RETURNS.iloc[:1], W, WB, sectors=SECTORS)
    with pytest.raises(DataError, match="covers 1 calendar period.*longer date range"):
        attribute(RETURNS.iloc[:2], W, WB, sectors=SECTORS)
    gap = RETURNS.copy()
    gap.iloc[1, 0] = np.nan
    with pytest.raises(DataError, match="Returns are missing in the window for A") as err:
        attribute(gap, W, WB, sectors=SECTORS)
    assert err.value.code == "missing_returns"
    with pytest.raises(DataError, match="ZZZ, which have no prices"):
        attribute(RETURNS, W, pd.Series({"A": 0.5, "ZZZ": 0.5}), sectors=SECTORS)
    with pytest.raises(DataError, match="segment Energy, which the benchmark does not cover"):
        attribute(RETURNS, W, pd.Series({"A": 0.5, "C": 0.5}), sectors=SECTORS)
    # an unused name's gap does not block the attribution
    gap = RETURNS.assign(D=[np.nan, 0.0, 0.0, 0.0])
    assert attribute(gap, W, WB, sectors=SECTORS).periods == 2


def test_table_puts_segment_sides_beside_the_effects_with_a_total_row():
    res = attribute(RETURNS, W, WB, sectors=SECTORS)
    table = res.table
    assert list(table.columns) == ["portfolio_weight", "benchmark_weight", "portfolio_return", "benchmark_return",
                                   "allocation", "selection", "interaction", "total"]
    total = table.loc[TOTAL_ROW]
    assert total["portfolio_weight"] == pytest.approx(1.0) and total["benchmark_weight"] == pytest.approx(1.0)
    assert total["portfolio_return"] - total["benchmark_return"] == pytest.approx(total["total"])
    assert table.loc["Energy", "portfolio_weight"] == pytest.approx(0.3)


def test_a_portfolio_equal_to_its_benchmark_has_zero_effects_and_says_why():
    res = attribute(RETURNS, WB, WB, sectors=SECTORS)
    assert np.abs(res.single.to_numpy()).max() == 0 and np.abs(res.linked.to_numpy()).max() < 1e-15
    assert "holds the benchmark's weights, so every effect is zero" in res.notes[0]
    assert attribute(RETURNS, W, WB, sectors=SECTORS).notes == ()
