"""The covariance forecasts offered as construction-desk estimators, against direct computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from arch import arch_model

from finance_core import recipes
from finance_core.errors import DataError
from finance_core.estimators import COVARIANCE_METHODS, covariance_estimate


@pytest.fixture(scope="module")
def returns():
    rng = np.random.default_rng(11)
    n, s2, out = 600, np.array([1e-4, 2e-4, 1.5e-4]), []
    chol = np.linalg.cholesky(np.array([[1.0, 0.5, 0.2], [0.5, 1.0, 0.3], [0.2, 0.3, 1.0]]))
    for e in rng.standard_normal((n, 3)) @ chol.T:
        r = np.sqrt(s2) * e
        out.append(r)
        s2 = 2e-6 + 0.08 * r**2 + 0.9 * s2
    return pd.DataFrame(out, columns=["A", "B", "C"], index=pd.bdate_range("2021-01-04", periods=n))


def test_the_forecasts_are_estimators_and_construct_choices():
    for method in ("riskmetrics", "ccc_garch"):
        assert method in COVARIANCE_METHODS and recipes.COV_METHODS[method].startswith("Forecast:")
        recipes.Recipe(cov_method=method)  # accepted by the recipe check


def test_riskmetrics_estimator_by_hand(returns):
    # RiskMetrics Technical Document (1996), eq. 5.4: sum_j (1 - l) l^j r[T-j] r[T-j]' normalised by the
    # weights, uncentred, l = 0.94; annualised by 252 like every estimator.
    values = returns.to_numpy()
    expected = np.zeros((3, 3))
    weight = 0.0
    for j in range(len(values)):
        w = 0.06 * 0.94**j
        expected += w * np.outer(values[-1 - j], values[-1 - j])
        weight += w
    est = covariance_estimate(returns, "riskmetrics")
    np.testing.assert_allclose(est.cov.to_numpy(), 252 * expected / weight, rtol=1e-10)
    assert est.method == "riskmetrics" and est.observations == 600
    assert "one-day-ahead covariance forecast" in est.notes[-1]


def test_ccc_garch_estimator_against_arch(returns):
    # Oracle: arch's own GARCH(1,1)-t fit per asset (returns in percent, as arch recommends) and its one-step
    # forecast, with numpy's correlation of the last 250 days (Bollerslev 1990 constant correlation).
    vols = []
    for c in returns:
        fit = arch_model(returns[c] * 100, mean="Constant", vol="GARCH", p=1, q=1, dist="t").fit(disp="off")
        vols.append(np.sqrt(fit.forecast(horizon=1, reindex=False).variance.iloc[-1, 0]) / 100)
    corr = np.corrcoef(returns.iloc[-250:].to_numpy(), rowvar=False)
    expected = 252 * corr * np.outer(vols, vols)
    est = covariance_estimate(returns, "ccc_garch")
    np.testing.assert_allclose(est.cov.to_numpy(), expected, rtol=1e-6)
    assert list(est.cov.columns) == ["A", "B", "C"]


def test_missing_rows_are_dropped_and_short_histories_refused(returns):
    gappy = returns.copy()
    gappy.iloc[5, 1] = np.nan
    est = covariance_estimate(gappy, "riskmetrics")
    assert est.observations == 599 and "1 dates with a missing return were dropped" in est.notes[0]
    with pytest.raises(DataError, match="needs at least 100 dates with a return for every ticker; got 60"):
        covariance_estimate(returns.iloc[:60], "ccc_garch")
