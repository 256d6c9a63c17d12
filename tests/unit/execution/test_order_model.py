"""finance_core.execution.order_model: the order model, its no-trade windows and the comparison.

Oracles: the schedules it is built from, called directly, and hand-worked interval arithmetic.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from finance_core import execution as ex
from finance_core.errors import DataError, InfeasibleError


def test_compare_strategies_table(impact_390):
    vols = ex.intraday_volume_profile(390).to_numpy() * 5_000_000
    t = ex.compare_strategies(
        200_000,
        390,
        impact=impact_390,
        volumes=vols,
        sigma=0.01,
        permanent=1e-8,
        risk_aversion=1e-6,
        participation=0.1,
        max_participation=0.15,
        price=50.0,
    )
    assert list(t.index) == ["twap", "vwap", "pov", "almgren_chriss", "optimal"]
    assert t.loc["twap", "saving_vs_twap"] == 0
    # the impact-optimal schedule has the lowest expected cost (whole shares: within a lot's cost)
    assert t["expected_cost"].idxmin() == "optimal"
    row = t.loc["optimal"]
    assert row["spread"] + row["temporary"] + row["permanent"] == pytest.approx(row["expected_cost"])
    assert row["cost_bps"] == pytest.approx(row["expected_cost"] / (200_000 * 50) * 1e4)
    assert t.loc["optimal", "max_participation"] <= 0.15 + 1e-12
    small = ex.compare_strategies(10_000_000, 390, impact=impact_390, volumes=vols, max_participation=0.1)
    assert "largest executable size" in small.loc["optimal", "note"] and np.isnan(
        small.loc["optimal", "expected_cost"]
    )


def test_order_model_passes_no_trade_windows_to_the_optimal_schedule(order):
    lunch = [5, 6]  # 12:00-12:30 and 12:30-13:00 of 13 half-hour intervals from 09:30
    s = order.schedule("optimal", participation=0.1, no_trade=lunch)
    x = s.trades.to_numpy()
    assert (x[lunch] == 0).all() and x.sum() == 100_000
    vol = order.volumes.to_numpy()
    direct = ex.optimal_schedule(
        order.impact,
        100_000,
        13,
        max_participation=0.1,
        volumes=vol,
        no_trade=lunch,
        permanent=order.permanent,
        sigma=order.sigma,
        start=order.start,
        interval=order.interval,
    )
    assert s.trades.tolist() == direct.trades.tolist()
    free = order.schedule("optimal", participation=0.1)
    assert s.exact_cost >= free.exact_cost - 1e-9  # one more constraint never lowers the optimum
    assert order.schedule("optimal", participation=0.1, no_trade=np.isin(np.arange(13), lunch)).trades.equals(
        s.trades
    )
    # Strategies that cannot skip intervals keep their trades and say what they trade in the windows.
    tw = order.schedule("twap", no_trade=lunch)
    inside = int(tw.trades.iloc[lunch].sum())
    assert tw.trades.equals(order.schedule("twap").trades) and inside > 0
    assert (
        f"TWAP does not take no-trade windows: it trades {inside:,} shares in them (12:00-13:00)"
        in tw.notes[-1]
    )
    for strategy in ("vwap", "pov", "almgren_chriss"):
        sched = order.schedule(strategy, participation=0.1, risk_aversion=1e-6, no_trade=lunch)
        assert "does not take no-trade windows" in sched.notes[-1]
    # The comparison and the solver cross-check solve the same constrained problem.
    t = order.compare(participation=0.1, no_trade=lunch)
    assert t.loc["optimal", "expected_cost"] == pytest.approx(s.expected_cost)
    assert t.loc["optimal", "intervals_used"] <= 11 and "no-trade" not in t.loc["optimal", "note"]
    assert all(
        "does not take no-trade windows" in t.loc[k, "note"]
        for k in ("twap", "vwap", "pov", "almgren_chriss")
    )
    assert order.compare_solvers(0.1, no_trade=lunch)["relative_gap"].max() < 1e-6


def test_order_model_no_trade_errors_name_the_windows(order):
    with pytest.raises(DataError, match="cover all 13 intervals"):
        order.schedule("optimal", no_trade=np.ones(13, dtype=bool))
    with pytest.raises(DataError, match="between 0 and 12"):
        order.schedule("optimal", no_trade=[13])
    # Only 12:30-13:00 open: the cap is measured against the volume outside the windows.
    with pytest.raises(InfeasibleError) as err:
        order.schedule("optimal", participation=0.1, no_trade=[i for i in range(13) if i != 6])
    open_volume = order.volumes.to_numpy()[6]
    msg = str(err.value)
    assert f"expected volume outside the 12 no-trade intervals is {open_volume:,.0f} shares" in msg
    assert f"largest executable size is {int(np.floor(0.1 * open_volume + 1e-9)):,} shares" in msg
    assert f"raise the cap to at least {100_000 / open_volume:.0%}" in msg


def test_clock_no_trade_windows_become_the_intervals_they_touch(order):
    # The order runs 09:30-16:00 in 13 intervals of 30 minutes: 12:00-13:00 is intervals 5 and 6;
    # 15:50-16:00 falls inside 15:30-16:00, interval 12, which is skipped whole with a note.
    mask, notes = order.no_trade_windows("12:00-13:00, 15:50-16:00")
    assert np.flatnonzero(mask).tolist() == [5, 6, 12]
    assert notes == ["The no-trade window 15:50-16:00 does not line up with the 30-minute intervals: no child "
                     "orders from 15:30 to 16:00."]
    assert order.no_trade_windows("  ") == (None, [])
    with pytest.raises(DataError, match="ends at 12:00, before it starts at 13:00"):
        order.no_trade_windows("13:00-12:00")


def test_order_model_without_a_fitted_impact_says_so_instead_of_failing(order):
    # an ImpactModel built by hand (not fitted to book slippage) has no fit quality to show
    hand = dataclasses.replace(order, impact=dataclasses.replace(order.impact, fit_quality=None))
    with pytest.raises(DataError, match="not fitted to book slippage") as err:
        _ = hand.fit_quality
    assert err.value.code == "no_fit_quality"
    assert list(order.fit_quality.columns)[-1] == "rmse_test_bps"  # a fitted order keeps its table
