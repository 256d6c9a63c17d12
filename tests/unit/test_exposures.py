"""Factor exposures against statsmodels OLS with cov_type="HAC" (test-only oracle), on bundled data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from finance_core.data.bundled import load_dataset, to_returns
from finance_core.errors import DataError
from finance_core.exposures import (
    ALPHA,
    default_lags,
    exposures_by_holding,
    factor_attribution,
    factor_exposures,
    p_values,
    rolling_betas,
    spread_factors,
)


@pytest.fixture(scope="module")
def data():
    factors_set = load_dataset("factors")
    stocks = load_dataset("sp500")
    factors = to_returns(factors_set.prices).iloc[-500:]
    factors["MKT"] = to_returns(factors_set.benchmark).reindex(factors.index)
    holdings = to_returns(stocks.prices[["AAPL", "JPM", "XOM"]]).reindex(factors.index)
    portfolio = holdings.mean(axis=1).rename("portfolio")
    return portfolio, holdings, factors


@pytest.mark.parametrize("lags", [None, 0, 10])
def test_matches_statsmodels_hac(data, lags):
    portfolio, _, factors = data
    fit = factor_exposures(portfolio, factors, lags=lags)
    used = default_lags(len(portfolio)) if lags is None else lags
    oracle = sm.OLS(portfolio.to_numpy(), sm.add_constant(factors.to_numpy())).fit(
        cov_type="HAC", cov_kwds={"maxlags": used}
    )
    assert fit.lags == used
    np.testing.assert_allclose(fit.table["coef"], oracle.params, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fit.table["std_error"], oracle.bse, rtol=1e-9)
    np.testing.assert_allclose(fit.table["t_stat"], oracle.tvalues, rtol=1e-9)
    ci = oracle.conf_int(alpha=0.05)
    np.testing.assert_allclose(fit.table[["ci_low", "ci_high"]].to_numpy(), ci, rtol=1e-9, atol=1e-12)
    assert fit.r_squared == pytest.approx(oracle.rsquared, rel=1e-12)
    assert list(fit.table.index) == [ALPHA, *factors.columns]


def test_each_holding_matches_statsmodels(data):
    _, holdings, factors = data
    table = exposures_by_holding(holdings, factors)
    for name in holdings.columns:
        oracle = sm.OLS(holdings[name].to_numpy(), sm.add_constant(factors.to_numpy())).fit()
        np.testing.assert_allclose(table.loc[name, [ALPHA, *factors.columns]], oracle.params, rtol=1e-9, atol=1e-12)
        assert table.loc[name, "r_squared"] == pytest.approx(oracle.rsquared)


def test_rolling_betas_last_window_matches_statsmodels(data):
    portfolio, _, factors = data
    betas = rolling_betas(portfolio, factors, window=120)
    assert len(betas) == len(portfolio) - 119
    for position in (0, -1):
        end = len(portfolio) + position if position < 0 else 119
        window = slice(end - 119, end + 1)
        oracle = sm.OLS(portfolio.iloc[window].to_numpy(), sm.add_constant(factors.iloc[window].to_numpy())).fit()
        np.testing.assert_allclose(betas.iloc[position], oracle.params, rtol=1e-8, atol=1e-12)


def test_attribution_adds_to_summed_return(data):
    portfolio, _, factors = data
    parts = factor_attribution(portfolio, factors)
    assert parts.sum() == pytest.approx(portfolio.sum(), abs=1e-12)
    assert parts["residual"] == pytest.approx(0.0, abs=1e-10)  # OLS with a constant: residuals sum to 0
    fit_early = factor_exposures(portfolio.iloc[:250], factors.iloc[:250])
    later = factor_attribution(portfolio.iloc[250:], factors.iloc[250:], fit_early)
    assert later.sum() == pytest.approx(portfolio.iloc[250:].sum(), abs=1e-12)
    assert abs(later["residual"]) > 1e-6


def test_bad_input_is_refused(data):
    portfolio, _, factors = data
    with pytest.raises(DataError, match="needs at least 9"):
        factor_exposures(portfolio.iloc[:5], factors)
    collinear = factors.assign(COPY=factors["MTUM"] * 2)
    with pytest.raises(DataError, match="collinear"):
        factor_exposures(portfolio, collinear)
    with pytest.raises(DataError, match="longer than"):
        rolling_betas(portfolio.iloc[:50], factors, window=60)
    with pytest.raises(DataError, match="rolling window must be at least 9"):
        rolling_betas(portfolio, factors, window=3)
    with pytest.raises(DataError, match="return series and a table"):
        factor_exposures(portfolio, pd.DataFrame(index=portfolio.index))


def test_p_values_match_statsmodels_hac(data):
    portfolio, _, factors = data
    fit = factor_exposures(portfolio, factors)
    oracle = sm.OLS(portfolio.to_numpy(), sm.add_constant(factors.to_numpy())).fit(
        cov_type="HAC", cov_kwds={"maxlags": fit.lags}
    )
    np.testing.assert_allclose(p_values(fit.table), oracle.pvalues, rtol=1e-7, atol=1e-300)


@pytest.fixture(scope="module")
def sp500_on_spreads():
    """The equal-weight bundled S&P 500 stocks, the market and the factor ETFs' spreads over it, aligned."""
    factors_set = load_dataset("factors")
    market = to_returns(factors_set.benchmark)
    spreads = spread_factors(market, to_returns(factors_set.prices))
    portfolio = to_returns(load_dataset("sp500").prices).mean(axis=1).rename("portfolio")
    joined = pd.concat([portfolio, spreads], axis=1, join="inner").dropna()
    return joined["portfolio"], joined[spreads.columns], market.reindex(joined.index)


def test_spread_design_matches_statsmodels_hac(sp500_on_spreads):
    portfolio, spreads, _ = sp500_on_spreads
    assert list(spreads.columns) == ["Market", "MTUM-Market", "QUAL-Market", "SIZE-Market", "USMV-Market",
                                     "VLUE-Market"]
    fit = factor_exposures(portfolio, spreads)
    # statsmodels OLS with HAC errors (Bartlett, maxlags as ours) on the same spread design: test-only oracle
    oracle = sm.OLS(portfolio.to_numpy(), sm.add_constant(spreads.to_numpy())).fit(
        cov_type="HAC", cov_kwds={"maxlags": fit.lags}
    )
    np.testing.assert_allclose(fit.table["coef"], oracle.params, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fit.table["std_error"], oracle.bse, rtol=1e-9)
    assert fit.r_squared == pytest.approx(oracle.rsquared, rel=1e-12)


def test_market_beta_on_spreads_is_near_the_capm_beta(sp500_on_spreads):
    portfolio, spreads, market = sp500_on_spreads
    capm = sm.OLS(portfolio.to_numpy(), sm.add_constant(market.to_numpy())).fit().params[1]  # plain CAPM beta
    on_spreads = factor_exposures(portfolio, spreads).betas["Market"]
    raw = factor_exposures(portfolio, spreads[["Market"]].join(spreads.drop(columns="Market").add(market, axis=0)))
    assert 0.8 < capm < 1.1
    assert on_spreads == pytest.approx(capm, abs=0.1)
    # on the raw ETF returns the market coefficient is only part of the equity beta: it and the ETF
    # coefficients add up to the spread design's market beta (same fitted values, re-parameterised)
    assert raw.betas.sum() == pytest.approx(on_spreads, rel=1e-9)


def test_spread_factors_refuse_a_non_table():
    with pytest.raises(DataError, match="market return series and a table"):
        spread_factors(pd.Series([0.01]), pd.DataFrame())
