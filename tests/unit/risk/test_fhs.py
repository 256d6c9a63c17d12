"""FHS VaR: a hand-checked day, no look-ahead, and FHS against historical VaR on clustered losses."""

import numpy as np
import pandas as pd
import pytest

from finance_core.forecast import ewma_variance, garch_forecast
from finance_core.risk.fhs import compare_fhs_with_historical, fhs_var_backtest
from finance_core.risk.tail import empirical_var


@pytest.fixture(scope="module")
def returns():
    rng = np.random.default_rng(17)
    n, s2, out = 1400, 1e-4, []
    for z in rng.standard_normal(n):
        r = np.sqrt(s2) * z
        out.append(r)
        s2 = 2e-6 + 0.1 * r**2 + 0.88 * s2
    return pd.Series(out, index=pd.bdate_range("2019-01-01", periods=n))


def test_one_day_by_hand(returns):
    variance = ewma_variance(returns)
    result = fhs_var_backtest(returns, variance, window=100, level=0.99)
    sigma = np.sqrt(variance.shift(1))
    z = (returns / sigma).iloc[1:101].to_numpy()  # day 0 has no forecast
    day = returns.index[101]
    assert result.frame.index[0] == day
    assert result.frame.loc[day, "var"] == pytest.approx(sigma.loc[day] * empirical_var(z, 0.99), rel=1e-12)


def test_no_look_ahead(returns):
    altered = returns.copy()
    altered.iloc[800:] *= 3.0
    base = fhs_var_backtest(returns, ewma_variance(returns), 250).frame["var"]
    moved = fhs_var_backtest(altered, ewma_variance(altered), 250).frame["var"]
    before = base.index < returns.index[801]
    np.testing.assert_allclose(base[before], moved[before], rtol=1e-12)


def test_garch_fhs_beats_historical_on_garch_data(returns):
    forecast = garch_forecast(returns, 1, min_train=500, refit_every=100)
    result = compare_fhs_with_historical(returns, forecast, window=250, level=0.99)
    assert result.fhs.frame.index.equals(result.historical.frame.index)
    # Volatility clustering: plain historical exceptions bunch; FHS passes Christoffersen's test.
    assert result.fhs.conditional_coverage.statistic < result.historical.conditional_coverage.statistic
