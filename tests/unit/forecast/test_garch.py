"""GARCH forecasts against arch's own fit and forecast, and no look-ahead."""

import numpy as np
import pandas as pd
import pytest
from arch import arch_model

from finance_core.errors import FinanceError
from finance_core.forecast import fit_garch, garch_forecast


@pytest.fixture(scope="module")
def returns():
    rng = np.random.default_rng(11)
    # A GARCH(1,1)-t path: omega 2e-6, alpha 0.08, beta 0.9.
    n, s2, out = 700, 1e-4, []
    for z in rng.standard_t(6, n) / np.sqrt(1.5):
        r = np.sqrt(s2) * z
        out.append(r)
        s2 = 2e-6 + 0.08 * r**2 + 0.9 * s2
    return pd.Series(out, index=pd.bdate_range("2020-01-01", periods=n))


@pytest.mark.parametrize("kind,o", [("garch", 0), ("gjr", 1)])
def test_forecast_equals_arch(returns, kind, o):
    forecast = garch_forecast(returns, horizon=5, kind=kind, min_train=600, refit_every=50)
    oracle = arch_model(returns * 100, vol="GARCH", p=1, o=o, q=1, dist="t").fit(last_obs=600, disp="off")
    expected = oracle.forecast(horizon=5, start=599, reindex=False).variance.iloc[:50].sum(axis=1) / 1e4
    np.testing.assert_allclose(forecast.iloc[:50].to_numpy(), expected.to_numpy(), rtol=1e-10)
    assert forecast.index[0] == returns.index[599]
    assert len(forecast) == len(returns) - 599


def test_fit_params_equal_arch(returns):
    params = fit_garch(returns, "gjr", last_obs=650).params
    oracle = arch_model(returns * 100, vol="GARCH", p=1, o=1, q=1, dist="t").fit(last_obs=650, disp="off")
    np.testing.assert_allclose(params.to_numpy(), oracle.params.to_numpy(), rtol=1e-8)
    assert list(params.index) == ["mu", "omega", "alpha[1]", "gamma[1]", "beta[1]", "nu"]


def test_no_look_ahead(returns):
    altered = returns.copy()
    altered.iloc[640:] *= 4.0
    base = garch_forecast(returns, horizon=1, min_train=600, refit_every=20)
    moved = garch_forecast(altered, horizon=1, min_train=600, refit_every=20)
    # Forecasts made up to position 639 read only returns up to 639.
    np.testing.assert_allclose(base.iloc[:40].to_numpy(), moved.iloc[:40].to_numpy(), rtol=1e-12)
    assert not np.isclose(base.iloc[41], moved.iloc[41])


def test_too_short_refused(returns):
    with pytest.raises(FinanceError, match="at least 501"):
        garch_forecast(returns.iloc[:300])
