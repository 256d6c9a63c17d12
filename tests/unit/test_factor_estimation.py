"""finance_core.factor_estimation / estimators.factor_model against scikit-learn's PCA,
statsmodels OLS and numpy least squares; the eigenvalue-ratio rule on a synthetic 3-factor panel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from sklearn.decomposition import PCA

from finance_core import estimators
from finance_core.errors import DataError
from finance_core.factor_estimation import factor_model

PPY = 252


def _panel(
    n_assets: int = 30, n_obs: int = 500, k: int = 3, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Returns of n_assets driven by k factors (loadings N(0,1), factor vol 1%, noise vol 0.5%)."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2020-01-01", periods=n_obs)
    f = rng.normal(0.0, 0.01, size=(n_obs, k))
    b = rng.normal(0.0, 1.0, size=(n_assets, k))
    r = f @ b.T + rng.normal(0.0, 0.005, size=(n_obs, n_assets))
    tickers = [f"A{i:02d}" for i in range(n_assets)]
    return (
        pd.DataFrame(r, index=dates, columns=tickers),
        pd.DataFrame(f, index=dates, columns=[f"F{j}" for j in range(k)]),
    )


def test_eigenvalue_ratio_picks_three_factors_on_a_three_factor_panel() -> None:
    returns, _ = _panel()
    model = factor_model(returns)
    assert model.n_factors == 3
    assert "eigenvalue ratio" in model.notes[0]


def test_pca_loadings_and_eigenvalues_match_sklearn() -> None:
    returns, _ = _panel(seed=1)
    model = factor_model(returns, n_factors=4)
    pca = PCA(n_components=4).fit(returns.to_numpy())
    np.testing.assert_allclose(
        np.diag(model.factor_covariance.to_numpy()) / PPY, pca.explained_variance_, rtol=1e-10
    )
    loadings = model.loadings.to_numpy()
    for j in range(4):  # eigenvectors agree up to sign
        sign = np.sign(loadings[:, j] @ pca.components_[j])
        np.testing.assert_allclose(loadings[:, j] * sign, pca.components_[j], atol=1e-10)
    # residual variance: what the 4 components leave, per asset (ddof 1, as the sample covariance)
    resid = returns.to_numpy() - pca.inverse_transform(pca.transform(returns.to_numpy()))
    np.testing.assert_allclose(model.specific_variance.to_numpy() / PPY, resid.var(axis=0, ddof=1), rtol=1e-8)


def test_etf_betas_and_residual_variances_match_statsmodels_ols() -> None:
    returns, factors = _panel(n_assets=8, n_obs=300, k=2, seed=2)
    model = factor_model(returns, factors=factors)
    for ticker in returns.columns[:4]:
        fit = sm.OLS(returns[ticker], sm.add_constant(factors)).fit()
        np.testing.assert_allclose(
            model.loadings.loc[ticker].to_numpy(), fit.params[factors.columns].to_numpy(), rtol=1e-9
        )
        assert model.specific_variance[ticker] == pytest.approx(fit.mse_resid * PPY, rel=1e-9)
    np.testing.assert_allclose(model.factor_covariance.to_numpy(), factors.cov().to_numpy() * PPY, rtol=1e-12)


def test_etf_betas_match_lstsq_on_the_bundled_factor_etfs() -> None:
    from finance_core.data.bundled import load_dataset, to_returns

    stocks = to_returns(load_dataset("sp500").prices).iloc[-500:, :6]
    etfs = estimators.bundled_factor_returns()
    model = factor_model(stocks, factors=etfs)
    common = stocks.index.intersection(etfs.index)
    design = np.column_stack([np.ones(len(common)), etfs.loc[common].to_numpy()])
    coef, *_ = np.linalg.lstsq(design, stocks.loc[common].to_numpy(), rcond=None)
    np.testing.assert_allclose(model.loadings.to_numpy(), coef[1:].T, rtol=1e-9, atol=1e-12)
    assert list(model.loadings.columns) == ["MTUM", "QUAL", "SIZE", "USMV", "VLUE"]


def test_covariance_is_b_f_bt_plus_d() -> None:
    returns, _ = _panel(n_assets=10, seed=3)
    model = factor_model(returns, n_factors=3)
    b, f = model.loadings.to_numpy(), model.factor_covariance.to_numpy()
    expected = b @ f @ b.T + np.diag(model.specific_variance.to_numpy())
    np.testing.assert_allclose(model.covariance().to_numpy(), expected, rtol=1e-12)


def test_covariance_estimate_offers_both_factor_models() -> None:
    returns, factors = _panel(n_assets=10, seed=4)
    pca = estimators.covariance_estimate(returns, "factor_pca")
    assert pca.factor_model is not None and pca.factor_model.n_factors == 3
    np.testing.assert_allclose(pca.cov.to_numpy(), pca.factor_model.covariance().to_numpy())
    assert "3 statistical factor(s)" in pca.notes[0]
    etf = estimators.covariance_estimate(returns, "factor_etf", factors=factors)
    assert etf.factor_model is not None and etf.factor_model.method == "factors"
    assert {"factor_pca", "factor_etf"} <= set(estimators.COVARIANCE_METHODS)


@pytest.mark.parametrize(
    ("kwargs", "code", "words"),
    [
        ({"n_factors": 10}, "bad_n_factors", "fewer than the 10 assets"),
        ({"n_factors": 0}, "bad_n_factors", "from 1 to 9"),
    ],
)
def test_bad_n_factors(kwargs: dict, code: str, words: str) -> None:
    returns, _ = _panel(n_assets=10, seed=5)
    with pytest.raises(DataError, match=words) as info:
        factor_model(returns, **kwargs)
    assert info.value.code == code


def test_too_few_rows_for_k_factors() -> None:
    returns, factors = _panel(n_assets=10, n_obs=4, seed=6)
    with pytest.raises(DataError, match="too few for 3 factors") as info:
        factor_model(returns, n_factors=3)
    assert info.value.code == "too_few_observations"
    with pytest.raises(DataError, match="too few to regress on 3 factors"):
        factor_model(returns, factors=factors)


def test_factors_not_aligned_by_date() -> None:
    returns, factors = _panel(n_assets=5, n_obs=50, seed=7)
    shifted = factors.set_axis(factors.index + pd.Timedelta(days=1000))
    with pytest.raises(DataError, match="share fewer than 2 dates") as info:
        factor_model(returns, factors=shifted)
    assert info.value.code == "factors_not_aligned"
