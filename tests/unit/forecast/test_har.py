"""HAR forecasts: coefficients against statsmodels OLS, no look-ahead."""

import numpy as np
import pandas as pd
import pytest

from finance_core.forecast.har import har_features, har_forecast


@pytest.fixture(scope="module")
def returns():
    rng = np.random.default_rng(21)
    vol = 0.01 * np.exp(np.cumsum(rng.normal(0, 0.05, 700)) * 0.3)
    return pd.Series(rng.normal(0, 1, 700) * vol, index=pd.bdate_range("2019-01-01", periods=700))


def test_first_forecast_equals_statsmodels_ols(returns):
    sm = pytest.importorskip("statsmodels.api")
    h, train = 5, 600
    x = har_features(returns)
    y = (returns**2).rolling(h).sum().shift(-h) / h
    rows = slice(21, train - h)  # targets known by the origin date (position 599)
    oracle = sm.OLS(y.iloc[rows], sm.add_constant(x.iloc[rows])).fit()
    expected = h * float(oracle.params @ np.r_[1.0, x.iloc[train - 1].to_numpy()])
    forecast = har_forecast(returns, h, min_train=train, refit_every=30)
    assert forecast.index[0] == returns.index[train - 1]
    assert forecast.iloc[0] == pytest.approx(expected, rel=1e-9)


def test_no_look_ahead(returns):
    altered = returns.copy()
    altered.iloc[630:] *= 3.0
    base = har_forecast(returns, 5, min_train=600, refit_every=10)
    moved = har_forecast(altered, 5, min_train=600, refit_every=10)
    np.testing.assert_allclose(base.iloc[:31].to_numpy(), moved.iloc[:31].to_numpy(), rtol=1e-12)
    assert not np.isclose(base.iloc[31], moved.iloc[31])
