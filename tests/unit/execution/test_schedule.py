"""finance_core.execution.schedule: the Schedule, lot rounding, TWAP, VWAP and POV.

Oracles: hand-worked examples (arithmetic shown next to each number).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finance_core import execution as ex
from finance_core.errors import DataError


def test_round_lots_sum_exactly_and_respect_caps(impact_390):
    vols = ex.intraday_volume_profile(390).to_numpy() * 3_000_000
    s = ex.optimal_schedule(impact_390, 123_457, 390, max_participation=0.08, volumes=vols, side="sell")
    t = s.trades.to_numpy()
    assert t.dtype.kind == "i" and t.sum() == 123_457 and s.side == "sell"
    assert (t % 100 != 0).sum() <= 1  # one odd lot of 57 shares at most
    assert t[np.flatnonzero(t)[-1]] % 100 == 57  # the odd lot goes with the last child order
    assert (t <= np.floor(0.08 * vols)).all()
    assert s.holdings.iloc[0] == 123_457 and s.holdings.iloc[-1] == 0
    frame = s.to_frame()
    assert list(frame.columns[:7]) == [
        "interval",
        "start",
        "end",
        "side",
        "shares",
        "cumulative",
        "remaining",
    ]
    assert frame["participation"].max() <= 0.08 + 1e-12
    # tiny caps: round lots no longer fit, whole shares are used and it says so
    small = ex.optimal_schedule(impact_390, 20_000, 390, max_participation=0.1, volumes=np.full(390, 600.0))
    assert small.trades.sum() == 20_000 and any("whole shares" in n for n in small.notes)


def test_timed_schedule_labels():
    imp = ex.ImpactModel.from_coefficients(0.01, 1e-6, n_intervals=4)
    s = ex.optimal_schedule(imp, 4_000, start="2024-03-01 15:00", interval="15min")
    assert s.start == pd.Timestamp("2024-03-01 15:00") and s.end == pd.Timestamp("2024-03-01 16:00")
    assert s.trades.index[0] == pd.Timestamp("2024-03-01 15:15")


def test_twap_hand_worked():
    # 1,050 shares over 4 intervals: 262.5 each = 2.625 lots -> 2 lots each, the 2 lots left go to the
    # largest remainders (a tie: the first two) -> 300, 300, 200, 200; the odd 50 joins the last child order,
    # the one that completes the parent
    s = ex.twap(1_050, 4)
    assert s.trades.tolist() == [300, 300, 200, 250]
    imp = ex.ImpactModel.from_coefficients(0.01, 1e-5, n_intervals=4)
    s = ex.twap(1_000, 4, impact=imp, sigma=0.1, lot_size=1)
    # spread 0.01 * 1000 = 10; temporary 4 * 1e-5 * 250^2 = 2.5; V = 0.1^2 (750^2 + 500^2 + 250^2) = 8,750
    assert s.costs["spread"] == pytest.approx(10.0) and s.costs["temporary"] == pytest.approx(2.5)
    assert s.variance == pytest.approx(8_750.0) and s.timing_risk == pytest.approx(np.sqrt(8_750.0))


def test_vwap_follows_the_profile_and_pov_follows_volume():
    prof = np.array([4, 2, 1, 1, 2, 10], dtype=float)
    s = ex.vwap(20_000, 6, profile=prof, daily_volume=1e6)
    # 20,000 * prof / 20 = 4,000, 2,000, 1,000, 1,000, 2,000, 10,000
    assert s.trades.tolist() == [4_000, 2_000, 1_000, 1_000, 2_000, 10_000]
    assert s.participation.iloc[0] == pytest.approx(4_000 / 200_000)
    # POV 10% of (30k, 20k, 40k, 50k) -> 3,000, 2,000, then the 2,500 left, then nothing
    p = ex.pov(7_500, 0.1, [30_000, 20_000, 40_000, 50_000])
    assert p.trades.tolist() == [3_000, 2_000, 2_500, 0]
    assert p.participation.max() <= 0.1 + 1e-12


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: ex.twap(100, -2), "1 or more"),
        (lambda: ex.pov(100, 0, [10, 10]), "participation rate"),
    ],
)
def test_bad_schedule_input_is_refused_with_a_reason(call, words):
    with pytest.raises(DataError) as err:
        call()
    assert words in str(err.value)
