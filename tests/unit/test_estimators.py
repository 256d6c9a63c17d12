"""Estimators against PyPortfolioOpt, scikit-learn and pandas as independent oracles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pypfopt import expected_returns as pf_mu
from pypfopt import risk_models as pf_risk
from sklearn.covariance import OAS, LedoitWolf

from finance_core.data import load_dataset, to_returns
from finance_core.errors import DataError
from finance_core.estimators import covariance, covariance_estimate, expected_returns, nearest_psd


@pytest.fixture(scope="module")
def returns() -> pd.DataFrame:
    prices = load_dataset("sp500").prices.iloc[-757:]
    return to_returns(prices)


@pytest.fixture(scope="module")
def benchmark_returns(returns) -> pd.Series:
    bench = load_dataset("sp500").benchmark
    return to_returns(bench).reindex(returns.index)


# --------------------------------------------------------------------------- expected returns
def test_mean_matches_pypfopt(returns):
    # oracle: PyPortfolioOpt mean_historical_return(compounding=False)
    expected = pf_mu.mean_historical_return(returns, returns_data=True, compounding=False)
    got = expected_returns(returns, "mean")
    pd.testing.assert_series_equal(got, expected, check_names=False, rtol=1e-12)


def test_cagr_matches_pypfopt(returns):
    # oracle: PyPortfolioOpt mean_historical_return(compounding=True) is the CAGR
    expected = pf_mu.mean_historical_return(returns, returns_data=True, compounding=True)
    got = expected_returns(returns, "cagr")
    np.testing.assert_allclose(got.to_numpy(), expected.reindex(got.index).to_numpy(), rtol=1e-12)


def test_ewma_span_matches_pypfopt(returns):
    # oracle: PyPortfolioOpt ema_historical_return(span=60, compounding=False)
    expected = pf_mu.ema_historical_return(returns, returns_data=True, compounding=False, span=60)
    got = expected_returns(returns, "ewma", span=60)
    np.testing.assert_allclose(got.to_numpy(), expected.reindex(got.index).to_numpy(), rtol=1e-12)


def test_ewma_half_life_matches_pandas(returns):
    # oracle: pandas' own ewm(halflife=...) mean, annualised by 252
    expected = returns.ewm(halflife=30).mean().iloc[-1] * 252
    got = expected_returns(returns, "ewma", half_life=30)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-10)


def test_capm_matches_pypfopt(returns, benchmark_returns):
    # oracle: PyPortfolioOpt capm_return with market returns (compounded market return)
    expected = pf_mu.capm_return(
        returns,
        market_prices=benchmark_returns.to_frame("mkt"),
        returns_data=True,
        risk_free_rate=0.02,
    )
    got = expected_returns(returns, "capm", benchmark=benchmark_returns, risk_free_rate=0.02)
    np.testing.assert_allclose(got.to_numpy(), expected.reindex(got.index).to_numpy(), rtol=1e-10)


def test_capm_without_benchmark_uses_equal_weight_market(returns):
    # oracle: PyPortfolioOpt capm_return with no market: equal-weighted proxy
    expected = pf_mu.capm_return(returns.copy(), returns_data=True)
    got = expected_returns(returns, "capm")
    np.testing.assert_allclose(got.to_numpy(), expected.reindex(got.index).to_numpy(), rtol=1e-10)


# --------------------------------------------------------------------------- covariance
def test_sample_cov_matches_pypfopt(returns):
    # oracle: PyPortfolioOpt sample_cov (pandas cov x 252)
    expected = pf_risk.sample_cov(returns, returns_data=True)
    est = covariance_estimate(returns, "sample")
    np.testing.assert_allclose(est.cov.to_numpy(), expected.to_numpy(), rtol=1e-12)
    assert est.notes == ()
    assert est.method == "sample"
    assert est.observations == len(returns.dropna(how="all"))
    assert np.isnan(est.shrinkage)
    assert covariance(returns, "sample").equals(est.cov)  # the notebook function is its matrix


def test_ledoit_wolf_matches_sklearn_and_pypfopt(returns):
    # oracles: scikit-learn LedoitWolf, and PyPortfolioOpt CovarianceShrinkage.ledoit_wolf
    model = LedoitWolf().fit(returns.to_numpy())
    est = covariance_estimate(returns, "ledoit_wolf")
    got = est.cov
    np.testing.assert_allclose(got.to_numpy(), model.covariance_ * 252, rtol=1e-12)
    assert est.shrinkage == pytest.approx(model.shrinkage_)
    pf = pf_risk.CovarianceShrinkage(returns, returns_data=True).ledoit_wolf()
    np.testing.assert_allclose(got.to_numpy(), pf.to_numpy(), rtol=1e-10)


def test_oas_matches_sklearn(returns):
    # oracle: scikit-learn OAS
    model = OAS().fit(returns.to_numpy())
    got = covariance(returns, "oas")
    np.testing.assert_allclose(got.to_numpy(), model.covariance_ * 252, rtol=1e-12)


def test_ewma_cov_matches_pypfopt(returns):
    # oracle: PyPortfolioOpt exp_cov (pairwise EWM of demeaned cross products)
    sub = returns.iloc[:, :6]
    expected = pf_risk.exp_cov(sub, returns_data=True, span=90)
    got = covariance(sub, "ewma", span=90)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-10)


def test_non_psd_estimate_is_repaired_and_noted(returns):
    # pairwise-complete sample covariance of staggered histories is not PSD
    # A~B and B~C move together on their common dates while A~C move oppositely: no valid matrix
    rng = np.random.default_rng(3)
    x, y, z = (rng.normal(0, 0.01, size=10) for _ in range(3))
    nan = np.full(10, np.nan)
    frame = pd.DataFrame(
        {
            "A": np.concatenate([x, nan, z]),
            "B": np.concatenate([x + rng.normal(0, 1e-3, 10), y, nan]),
            "C": np.concatenate([nan, y + rng.normal(0, 1e-3, 10), -z]),
        }
    )
    raw = frame.cov().to_numpy()
    assert np.linalg.eigvalsh(raw).min() < 0  # the input really is not PSD
    est = covariance_estimate(frame, "sample")
    got = est.cov
    assert any("nearest PSD" in n for n in est.notes)
    assert np.linalg.eigvalsh(got.to_numpy()).min() > -1e-12
    # oracle: PyPortfolioOpt fix_nonpositive_semidefinite(spectral) clips eigenvalues at zero
    with pytest.warns(UserWarning):
        expected = pf_risk.fix_nonpositive_semidefinite(pd.DataFrame(raw), fix_method="spectral")
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy() * 252, atol=1e-14)


def test_nearest_psd_leaves_psd_alone():
    a = np.array([[2.0, 0.5], [0.5, 1.0]])
    fixed, repaired = nearest_psd(a)
    assert not repaired
    np.testing.assert_array_equal(fixed, a)


def test_fewer_observations_than_assets_recommends_shrinkage(returns):
    short = returns.iloc[-15:]
    got = covariance_estimate(short, "sample")
    assert any("shrinkage" in n and "15 observations for 20 assets" in n for n in got.notes)


# --------------------------------------------------------------------------- errors
def test_unknown_methods_are_named(returns):
    with pytest.raises(DataError, match="Unknown expected-return method 'median'"):
        expected_returns(returns, "median")
    with pytest.raises(DataError, match="Unknown covariance method 'robust'.*sample, ledoit_wolf, oas, ewma"):
        covariance(returns, "robust")


def test_non_numeric_column_is_named():
    frame = pd.DataFrame({"A": [0.01, 0.02, 0.0], "B": ["x", "y", "z"]})
    with pytest.raises(DataError, match="column\\(s\\) B are not numeric"):
        covariance(frame)


def test_too_few_rows_and_empty_columns():
    with pytest.raises(DataError, match="at least 2 dates"):
        expected_returns(pd.DataFrame({"A": [0.01]}))
    with pytest.raises(DataError, match="for B are all missing"):
        covariance(pd.DataFrame({"A": [0.01, 0.02, 0.03], "B": [np.nan] * 3}))
    with pytest.raises(DataError, match="DataFrame"):
        covariance([[0.1, 0.2]])


def test_cagr_undefined_after_total_loss():
    frame = pd.DataFrame({"A": [0.01, -1.0, 0.02], "B": [0.01, 0.0, 0.01]})
    with pytest.raises(DataError, match="CAGR is undefined for A"):
        expected_returns(frame, "cagr")


def test_ewma_parameters_validated(returns):
    with pytest.raises(DataError, match="either span or half_life"):
        expected_returns(returns, "ewma", span=10, half_life=5)
    with pytest.raises(DataError, match="half_life must be positive"):
        covariance(returns, "ewma", half_life=0)
