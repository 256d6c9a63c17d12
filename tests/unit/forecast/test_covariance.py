"""Covariance forecasts compared by out-of-sample minimum-variance portfolios."""

import numpy as np
import pandas as pd
import pytest

from finance_core.estimators import covariance
from finance_core.forecast.covariance import (
    compare_covariance_forecasts,
    min_variance_weights,
    riskmetrics_covariance,
)


@pytest.fixture(scope="module")
def returns():
    rng = np.random.default_rng(29)
    common = rng.normal(0, 0.008, (700, 1))
    data = common + rng.normal(0, [0.005, 0.01, 0.02], (700, 3))
    return pd.DataFrame(data, columns=list("ABC"), index=pd.bdate_range("2019-01-01", periods=700))


def test_min_variance_two_assets_by_hand():
    # Uncorrelated variances 1 and 4: weights proportional to 1/1 and 1/4 -> 0.8, 0.2.
    np.testing.assert_allclose(min_variance_weights(np.diag([1.0, 4.0])), [0.8, 0.2])


def test_riskmetrics_weights_by_hand():
    past = pd.DataFrame([[0.01, 0.0], [0.02, 0.01]])
    # Newest row weight 1, previous 0.94, normalised by 1.94.
    expected = (np.outer([0.02, 0.01], [0.02, 0.01]) + 0.94 * np.outer([0.01, 0.0], [0.01, 0.0])) / 1.94
    np.testing.assert_allclose(riskmetrics_covariance(past), expected)


def test_sample_method_by_hand_and_no_look_ahead(returns):
    held = compare_covariance_forecasts(returns, ("sample", "riskmetrics"), window=250, min_train=500)
    w = min_variance_weights(covariance(returns.iloc[250:500], "sample").to_numpy())
    np.testing.assert_allclose(held["sample"].iloc[:21], returns.iloc[500:521] @ w)
    altered = returns.copy()
    altered.iloc[521:] *= 2.0
    moved = compare_covariance_forecasts(altered, ("sample",), window=250, min_train=500)
    np.testing.assert_allclose(held["sample"].iloc[:21], moved["sample"].iloc[:21])


def test_ccc_garch_runs_and_beats_equal_weight(returns):
    held = compare_covariance_forecasts(
        returns, ("ccc_garch", "ledoit_wolf"), min_train=500, rebalance_every=50
    )
    equal = returns.iloc[500:].mean(axis=1)
    assert (held.var() < equal.var()).all()
