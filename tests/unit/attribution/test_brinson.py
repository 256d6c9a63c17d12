"""Brinson attribution against Bacon's worked example.

Source: Carl R. Bacon, *Practical Portfolio Performance Measurement and Attribution*, 2nd ed.
(Wiley, 2008), chapter 5 (the three-market UK / Japanese / US equity example used for the
Brinson-Hood-Beebower, Brinson-Fachler and geometric tables). Inputs: portfolio weights
40/30/30%, returns 20/-5/6%; benchmark weights 40/20/40%, returns 10/-4/8%; portfolio 8.3%,
benchmark 6.4%, semi-notional 5.2%. The expected effects below are that example's table
entries (in %); they were written from the book, not from a retrieved copy in this session,
so each is also checked by an identity (effects add to the excess return) that would catch a
transcription slip.
"""

from __future__ import annotations

import pandas as pd
import pytest

from finance_core import attribution
from finance_core.attribution import TOTAL_ROW, brinson
from finance_core.errors import DataError

SEGMENTS = ["UK", "Japan", "US"]
WP = pd.Series([0.40, 0.30, 0.30], index=SEGMENTS)
RP = pd.Series([0.20, -0.05, 0.06], index=SEGMENTS)
WB = pd.Series([0.40, 0.20, 0.40], index=SEGMENTS)
RB = pd.Series([0.10, -0.04, 0.08], index=SEGMENTS)
R, B, BS = 0.083, 0.064, 0.052


def test_bhb_matches_bacon_table():
    table = brinson(WP, WB, RP, RB, method="brinson_hood_beebower")
    assert table.loc[SEGMENTS, "allocation"].tolist() == pytest.approx([0.0, -0.004, -0.008])
    assert table.loc[SEGMENTS, "selection"].tolist() == pytest.approx([0.04, -0.002, -0.008])
    assert table.loc[SEGMENTS, "interaction"].tolist() == pytest.approx([0.0, -0.001, 0.002])
    assert table.loc[TOTAL_ROW].tolist() == pytest.approx([-0.012, 0.030, 0.001, R - B])


def test_brinson_fachler_matches_bacon_table():
    table = brinson(WP, WB, RP, RB)
    assert table.loc[SEGMENTS, "allocation"].tolist() == pytest.approx([0.0, -0.0104, -0.0016])
    assert table.loc[TOTAL_ROW, "allocation"] == pytest.approx(-0.012)
    assert table.loc[TOTAL_ROW, "total"] == pytest.approx(R - B)


def test_geometric_matches_bacon_and_compounds_to_geometric_excess():
    table = brinson(WP, WB, RP, RB, method="geometric")
    # Bacon: allocation (1.052 / 1.064) - 1 = -1.13%, selection (1.083 / 1.052) - 1 = 2.95%.
    assert table.loc[TOTAL_ROW, "allocation"] == pytest.approx(-0.011278, abs=1e-6)
    assert table.loc[TOTAL_ROW, "selection"] == pytest.approx(0.029468, abs=1e-6)
    assert table["interaction"].abs().max() == 0.0
    # Japan allocation: 0.1 * (0.96 / 1.064 - 1) = -0.977%
    assert table.loc["Japan", "allocation"] == pytest.approx(0.1 * (0.96 / 1.064 - 1))
    alloc, sel = table.loc[TOTAL_ROW, ["allocation", "selection"]]
    assert (1 + alloc) * (1 + sel) - 1 == pytest.approx((1 + R) / (1 + B) - 1)
    assert alloc == pytest.approx((1 + BS) / (1 + B) - 1)


def test_sectors_group_assets_into_segments():
    sectors = {"A": "Tech", "B": "Tech", "C": "Energy"}
    wp = pd.Series({"A": 0.3, "B": 0.3, "C": 0.4})
    rp = pd.Series({"A": 0.10, "B": 0.02, "C": -0.01})
    wb = pd.Series({"A": 0.2, "B": 0.2, "C": 0.6})
    rb = rp
    table = brinson(wp, wb, rp, rb, method="brinson_hood_beebower", sectors=sectors)
    # Same asset returns on both sides and the same within-Tech mix: no selection at all.
    assert table.loc[["Tech", "Energy"], "selection"].tolist() == pytest.approx([0.0, 0.0])
    excess = float((wp * rp).sum() - (wb * rb).sum())
    assert table.loc[TOTAL_ROW, "total"] == pytest.approx(excess)
    assert table.loc["Tech", "allocation"] == pytest.approx(0.2 * 0.06)


def test_segment_outside_benchmark_is_refused():
    wp = pd.Series({"UK": 0.5, "Brazil": 0.5})
    with pytest.raises(DataError, match="Brazil.*benchmark does not cover"):
        brinson(wp, WB, pd.Series({"UK": 0.1, "Brazil": 0.2}), RB)


def test_missing_return_and_bad_weights_and_method_are_refused():
    with pytest.raises(DataError, match="No portfolio returns for US"):
        brinson(WP, WB, RP.drop("US"), RB)
    with pytest.raises(DataError, match="sum to 0.9"):
        brinson(WP * 0.9, WB, RP, RB)
    with pytest.raises(DataError, match="Unknown attribution method"):
        brinson(WP, WB, RP, RB, method="bogus")  # type: ignore[arg-type]


@pytest.mark.parametrize("method", ["brinson_fachler", "brinson_hood_beebower", "geometric"])
def test_brinson_periods_equals_brinson_period_by_period(method):
    """The vectorised path against the one-period function on random periods, with sectors and an empty
    portfolio segment."""
    import numpy as np

    rng = np.random.default_rng(7)
    names = ["A", "B", "C", "D", "E"]
    sectors = {"A": "Tech", "B": "Tech", "C": "Energy", "D": "Health", "E": "Energy"}
    returns = pd.DataFrame(rng.normal(0.01, 0.05, (6, 5)), columns=names)
    wp = pd.Series({"A": 0.5, "B": 0.2, "C": 0.3})  # no Health
    wb = pd.Series({"A": 0.2, "B": 0.2, "C": 0.2, "D": 0.2, "E": 0.2})
    frames = attribution.brinson_periods(wp, wb, returns, method, sectors=sectors)
    assert len(frames) == 6
    for t, frame in enumerate(frames):
        one = brinson(wp, wb, returns.iloc[t], returns.iloc[t], method, sectors=sectors)
        pd.testing.assert_frame_equal(frame, one, rtol=1e-12)
