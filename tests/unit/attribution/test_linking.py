"""Carino and Menchero linking: a hand-computed two-period case and the additivity identity.

No published linking table was found in this session (Carino 1999 and Menchero 2000 in the
Journal of Performance Measurement give the formulas); the factors below were computed by
hand from those formulas: R_t = 10%, 5%; B_t = 5%, 2%; R = 15.5%, B = 7.1%;
Carino k = (ln 1.155 - ln 1.071) / 0.084 = 0.898899; k_1/k = 1.035044, k_2/k = 1.074927;
Menchero M = 0.042 / (sqrt(1.155) - sqrt(1.071)) = 1.054800, M + a_t = 1.049153, 1.051412.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finance_core.attribution import TOTAL_ROW, brinson, carino_factors, link, menchero_factors
from finance_core.errors import DataError


def test_carino_factors_hand_computed():
    assert carino_factors([0.10, 0.05], [0.05, 0.02]) == pytest.approx([1.035044, 1.074927], abs=1e-6)


def test_menchero_factors_hand_computed():
    assert menchero_factors([0.10, 0.05], [0.05, 0.02]) == pytest.approx([1.049153, 1.051412], abs=1e-6)


def _periods(seed: int, count: int):
    rng = np.random.default_rng(seed)
    segments = ["A", "B", "C", "D"]
    frames, rp_total, rb_total = [], [], []
    for _ in range(count):
        wp = pd.Series(rng.dirichlet(np.ones(4)), index=segments)
        wb = pd.Series(rng.dirichlet(np.ones(4)), index=segments)
        rp = pd.Series(rng.normal(0.01, 0.05, 4), index=segments)
        rb = pd.Series(rng.normal(0.01, 0.05, 4), index=segments)
        frames.append(brinson(wp, wb, rp, rb))
        rp_total.append(float((wp * rp).sum()))
        rb_total.append(float((wb * rb).sum()))
    return frames, np.array(rp_total), np.array(rb_total)


@pytest.mark.parametrize("method", ["carino", "menchero"])
def test_linked_effects_add_to_arithmetic_excess(method):
    frames, r, b = _periods(7, 12)
    linked = link(frames, r, b, method=method)
    excess = np.prod(1 + r) - np.prod(1 + b)
    assert linked.loc[TOTAL_ROW, "total"] == pytest.approx(excess, abs=1e-12)
    parts = linked.loc[TOTAL_ROW, ["allocation", "selection", "interaction"]].sum()
    assert parts == pytest.approx(excess, abs=1e-12)
    # linking only rescales: with identical periods it stays close to the plain sum
    plain = sum(frame.loc[TOTAL_ROW, "total"] for frame in frames)
    assert abs(linked.loc[TOTAL_ROW, "total"] - plain) < abs(plain) + 0.05


def test_equal_returns_use_the_limit():
    # k_t = 1/(1 + r_t), k = 1/(1 + R) with 1 + R = 1.02 * 1.03: k_t/k = 1.03, 1.02
    assert carino_factors([0.02, 0.03], [0.02, 0.03]) == pytest.approx([1.03, 1.02], rel=1e-12)
    # Menchero's M tends to (1 + R)^((T-1)/T) = sqrt(1.0506); no excess, so a_t = 0
    assert menchero_factors([0.02, 0.03], [0.02, 0.03]) == pytest.approx([1.0506**0.5] * 2, rel=1e-12)


def test_period_mismatch_and_bad_returns_are_refused():
    frames, r, b = _periods(1, 3)
    with pytest.raises(DataError, match="3 periods of effects but 2"):
        link(frames, r[:2], b[:2])
    with pytest.raises(DataError, match="above -1"):
        carino_factors([0.1, np.nan], [0.0, 0.0])
    with pytest.raises(DataError, match="Unknown linking method"):
        link(frames, r, b, method="frongello")  # type: ignore[arg-type]


def test_periods_with_different_segments_link_as_the_aligned_ones():
    """A segment missing from a period counts as zero: the same linked table as with its zero row written out."""
    frames, r, b = _periods(3, 4)
    short = [frames[0].drop(index="D"), *frames[1:]]  # period 1 without segment D
    zeroed = [frames[0].assign(**{c: frames[0][c].where(frames[0].index != "D", 0.0) for c in frames[0]}),
              *frames[1:]]
    for method in ("carino", "menchero"):
        pd.testing.assert_frame_equal(link(short, r, b, method=method).sort_index(),
                                      link(zeroed, r, b, method=method).sort_index(), rtol=1e-12)
