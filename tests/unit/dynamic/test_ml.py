"""ML allocation: the model recovers constant per-asset returns, never trains on the future, feeds mean-variance."""

import numpy as np
import pandas as pd
import pytest

from finance_core.dynamic import ml_allocation, ml_expected_returns, ml_panel
from finance_core.errors import DataError


@pytest.fixture
def steady():
    # A earns +0.1% a day, B -0.1%, C nothing: features and next-21-day targets are constant per asset
    dates = pd.bdate_range("2021-01-01", periods=300)
    return pd.DataFrame({"A": 0.001, "B": -0.001, "C": 0.0}, index=dates)


def test_constant_returns_are_predicted(steady):
    mu = ml_expected_returns(steady)
    # the next 21 days earn 21 x 0.1% = 2.1%, annualised x 252/21: +25.2%, -25.2%, 0; the depth-2
    # trees separate the three assets and 100 boosting steps at rate 0.1 leave 0.9^100 = 3e-5 of it
    np.testing.assert_allclose(mu.to_numpy(), [0.252, -0.252, 0.0], atol=1e-3)


def test_targets_stop_at_the_window_end(steady):
    r = steady * np.arange(1, 301)[:, None]  # returns that change every day, so a shifted target shows
    features, target = ml_panel(r, horizon=21)
    last = r.index[-21:]
    assert target.loc[last].isna().all()  # the last 21 dates' targets would read past the window
    d = r.index[100]
    assert target.loc[(d, "A")] == pytest.approx(r["A"].iloc[101:122].sum())  # d+1 .. d+21
    assert features.loc[(d, "A"), "return_short"] == pytest.approx(r["A"].iloc[80:101].sum())  # up to d


def test_allocation_holds_the_best_predicted_asset(steady):
    cov = pd.DataFrame(np.diag([0.04, 0.04, 0.04]), index=steady.columns, columns=steady.columns)
    # max utility mu'w - (2/2) w' cov w under w >= 0, sum 1: the unconstrained optimum 0.252 / (2 x 0.04)
    # far exceeds 1 in A, so the long-only budget puts everything in A
    alloc = ml_allocation(steady, cov, risk_aversion=2.0)
    np.testing.assert_allclose(alloc.weights.to_numpy(), [1.0, 0.0, 0.0], atol=1e-6)
    assert "ML predicted returns" in alloc.notes[-1]


def test_short_history_is_explained(steady):
    with pytest.raises(DataError, match="ML allocation needs at least 105 days"):
        ml_expected_returns(steady.iloc[:50])
