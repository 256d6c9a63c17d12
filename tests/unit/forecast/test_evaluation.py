"""Realised variance over the horizon and the QLIKE/MSE losses, by hand."""

import numpy as np
import pandas as pd
import pytest

from finance_core.errors import FinanceError
from finance_core.forecast import (
    diebold_mariano,
    mincer_zarnowitz,
    mse_loss,
    qlike_loss,
    qlike_losses,
    realised_variance,
)


def test_realised_variance_looks_forward():
    r = pd.Series([0.01, 0.02, -0.03, 0.04])
    rv = realised_variance(r, horizon=2)
    np.testing.assert_allclose(rv.iloc[:2].to_numpy(), [4e-4 + 9e-4, 9e-4 + 16e-4])
    assert rv.iloc[2:].isna().all()


def test_losses_by_hand():
    f = pd.Series([1.0, 2.0])
    rv = pd.Series([2.0, 2.0])
    assert mse_loss(f, rv) == pytest.approx(0.5)
    # (log 1 + 2/1 + log 2 + 2/2) / 2
    assert qlike_loss(f, rv) == pytest.approx((2.0 + np.log(2.0) + 1.0) / 2)


def test_qlike_is_minimised_by_the_truth():
    rv = pd.Series([1.0, 3.0, 2.0])
    assert qlike_loss(rv, rv) < qlike_loss(rv * 1.2, rv) and qlike_loss(rv, rv) < qlike_loss(rv * 0.8, rv)


def test_no_overlap_refused():
    with pytest.raises(FinanceError, match="share no dates"):
        mse_loss(pd.Series([1.0], index=[0]), pd.Series([1.0], index=[5]))


@pytest.fixture(scope="module")
def forecasts():
    from finance_core.forecast import ewma_forecast

    r = pd.Series(
        np.random.default_rng(5).standard_t(5, 900) * 0.01, index=pd.bdate_range("2021-01-01", periods=900)
    )
    rv = realised_variance(r, horizon=5)
    return ewma_forecast(r, 5), ewma_forecast(r, 5, lam=0.8), rv


def test_mincer_zarnowitz_equals_statsmodels(forecasts):
    sm = pytest.importorskip("statsmodels.api")
    f, _, rv = forecasts
    both = pd.concat([f, rv], axis=1).dropna()
    oracle = sm.OLS(both.iloc[:, 1], sm.add_constant(both.iloc[:, 0])).fit()
    mz = mincer_zarnowitz(f, rv)
    np.testing.assert_allclose(
        [mz.intercept, mz.slope, mz.r_squared], [*oracle.params, oracle.rsquared], rtol=1e-9
    )
    assert mz.observations == int(oracle.nobs)


def test_diebold_mariano_equals_statsmodels_hac(forecasts):
    sm = pytest.importorskip("statsmodels.api")
    f_a, f_b, rv = forecasts
    loss_a, loss_b = qlike_losses(f_a, rv), qlike_losses(f_b, rv)
    dm = diebold_mariano(loss_b, loss_a, horizon=5)
    d = (loss_b - loss_a).to_numpy()
    # DM = t-statistic of the mean loss difference with a Bartlett HAC variance, 4 lags, no df correction.
    oracle = sm.OLS(d, np.ones_like(d)).fit(cov_type="HAC", cov_kwds={"maxlags": 4, "use_correction": False})
    assert dm.lags == 4
    assert dm.statistic == pytest.approx(float(oracle.tvalues[0]), rel=1e-9)
    assert dm.p_value == pytest.approx(float(oracle.pvalues[0]), rel=1e-9)
