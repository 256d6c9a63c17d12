"""Regime switching: a calm history that turns turbulent picks the turbulent strategy, and back."""

import numpy as np
import pandas as pd
import pytest

from finance_core.dynamic import regime_state, regime_switching
from finance_core.errors import DataError


def _returns(swings: list[tuple[int, float]]) -> pd.DataFrame:
    """Three assets with normal daily returns of standard deviation s for each (days, s) stretch."""
    s = np.concatenate([np.full(days, size) for days, size in swings])
    rng = np.random.default_rng(7)
    r = rng.standard_normal((len(s), 3)) * s[:, None]
    return pd.DataFrame(r, columns=["A", "B", "C"], index=pd.bdate_range("2020-01-01", periods=len(s)))


def hold(ticker):
    return lambda window: pd.Series(1.0, index=[ticker]).reindex(window.columns, fill_value=0.0)


def test_turbulent_end_picks_the_turbulent_strategy():
    r = _returns([(250, 0.005), (50, 0.03)])  # 0.5% daily swings for a year, then 3%: the last day is turbulent
    assert regime_state(r) == 1
    out = regime_switching(r, hold("A"), hold("B"))
    assert out.weights.tolist() == [0.0, 1.0, 0.0] and "turbulent" in out.notes[0]


def test_calm_end_after_a_storm_picks_the_calm_strategy():
    r = _returns([(100, 0.005), (60, 0.03), (140, 0.005)])
    assert regime_state(r) == 0
    assert regime_switching(r, hold("A"), hold("B")).weights.tolist() == [1.0, 0.0, 0.0]


def test_too_short_a_window_asks_for_more_days():
    with pytest.raises(DataError, match="at least 72 days") as err:
        regime_state(_returns([(60, 0.01)]))
    assert err.value.code == "too_short"
