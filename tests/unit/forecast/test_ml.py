"""The gradient-boosting forecaster against scikit-learn fitted by hand, and no look-ahead."""

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import GradientBoostingRegressor

from finance_core.forecast import ML_SETTINGS, compare_forecasts, ml_features, ml_forecast


@pytest.fixture(scope="module")
def returns():
    rng = np.random.default_rng(13)
    vol = 0.01 * np.exp(0.4 * np.sin(np.arange(520) / 30))
    return pd.Series(rng.normal(0, 1, 520) * vol, index=pd.bdate_range("2018-01-01", periods=520))


def test_first_origin_equals_sklearn(returns):
    h, train = 5, 400
    x = ml_features(returns).to_numpy()
    y = ((returns**2).rolling(h).sum().shift(-h) / h).to_numpy()
    fit_x, fit_y = x[21 : train - h], y[21 : train - h]
    model = GradientBoostingRegressor(**ML_SETTINGS).fit(fit_x, fit_y / fit_y.mean())
    expected = h * model.predict(x[train - 1 : train])[0] * fit_y.mean()
    forecast = ml_forecast(returns, h, min_train=train, refit_every=60)
    assert forecast.index[0] == returns.index[train - 1]
    assert forecast.iloc[0] == pytest.approx(expected, rel=1e-9)


def test_no_look_ahead(returns):
    altered = returns.copy()
    altered.iloc[430:] *= 3.0
    base = ml_forecast(returns, 1, min_train=400, refit_every=20)
    moved = ml_forecast(altered, 1, min_train=400, refit_every=20)
    np.testing.assert_allclose(base.iloc[:31].to_numpy(), moved.iloc[:31].to_numpy(), rtol=1e-12)


def test_table_says_whether_ml_beats_garch(returns):
    result = compare_forecasts(returns, 1, ("ewma", "garch", "ml"), min_train=400, refit_every=60)
    ml_wins = result.table.loc["ml", "qlike"] < result.table.loc["garch", "qlike"]
    assert ("does NOT beat" in result.notes[-1]) != ml_wins
