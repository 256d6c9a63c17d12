"""Contribution to return: adds to the compounded portfolio return; a hand-computed case."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from finance_core.attribution import contribution
from finance_core.errors import DataError


def test_single_period_is_weight_times_return():
    w = pd.DataFrame({"A": [0.6], "B": [0.4]}, index=["d1"])
    r = pd.DataFrame({"A": [0.10], "B": [-0.05]}, index=["d1"])
    table = contribution(w, r)
    assert table["contribution"].tolist() == pytest.approx([0.06, -0.02])


def test_two_periods_hand_computed_and_add_to_compounded_return():
    w = pd.DataFrame({"A": [0.5, 0.5], "B": [0.5, 0.5]}, index=["d1", "d2"])
    r = pd.DataFrame({"A": [0.10, 0.00], "B": [0.00, 0.10]}, index=["d1", "d2"])
    table = contribution(w, r)
    # R_t = 5% each; R = 1.05^2 - 1 = 10.25%; k_t/k = (ln 1.05 / 0.05) / (ln 1.1025 / 0.1025) = 1.025
    scale = (math.log(1.05) / 0.05) / (math.log(1.1025) / 0.1025)
    assert scale == pytest.approx(1.025)
    assert table["contribution"].tolist() == pytest.approx([0.05 * 1.025, 0.05 * 1.025])
    assert table["contribution"].sum() == pytest.approx(0.1025)


def test_random_window_by_sector_adds_up():
    rng = np.random.default_rng(3)
    names = list("ABCDE")
    w = pd.DataFrame(rng.dirichlet(np.ones(5), size=30), columns=names)
    r = pd.DataFrame(rng.normal(0.001, 0.02, size=(30, 5)), columns=names)
    total = float(np.prod(1 + (w * r).sum(axis=1)) - 1)
    sectors = {"A": "X", "B": "X", "C": "Y", "D": "Y", "E": "Z"}
    by_sector = contribution(w, r, sectors=sectors)
    assert by_sector["contribution"].sum() == pytest.approx(total, abs=1e-12)
    by_asset = contribution(w, r)
    assert by_sector.loc["X", "contribution"] == pytest.approx(by_asset.loc[["A", "B"], "contribution"].sum())


def test_bad_input_is_refused():
    w = pd.DataFrame({"A": [1.0]}, index=["d1"])
    with pytest.raises(DataError, match="No returns for A"):
        contribution(w, pd.DataFrame({"B": [0.1]}, index=["d1"]))
    with pytest.raises(DataError, match="no return on d1"):
        contribution(w, pd.DataFrame({"A": [np.nan]}, index=["d1"]))
    with pytest.raises(DataError, match="share no dates"):
        contribution(w, pd.DataFrame({"A": [0.1]}, index=["d2"]))
    with pytest.raises(DataError, match="no sector"):
        contribution(w, pd.DataFrame({"A": [0.1]}, index=["d1"]), sectors={})
