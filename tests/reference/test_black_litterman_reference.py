"""He and Litterman (1999), "The Intuition Behind Black-Litterman Model Portfolios",
Goldman Sachs Investment Management Research: the seven-country example.

Inputs are the paper's Table 1 (correlations and volatilities of excess returns) and
Table 2 (equilibrium weights), delta = 2.5, tau = 0.05. Expected numbers are the
paper's printed values in percent, to one decimal.
"""

import numpy as np
import pandas as pd
import pytest

from finance_core.optimize.black_litterman import black_litterman, equilibrium_returns, views_to_matrices

COUNTRIES = ["Australia", "Canada", "France", "Germany", "Japan", "UK", "USA"]
# He & Litterman (1999) Table 1: correlation matrix
CORR = np.array(
    [
        [1.000, 0.488, 0.478, 0.515, 0.439, 0.512, 0.491],
        [0.488, 1.000, 0.664, 0.655, 0.310, 0.608, 0.779],
        [0.478, 0.664, 1.000, 0.861, 0.355, 0.783, 0.668],
        [0.515, 0.655, 0.861, 1.000, 0.354, 0.777, 0.653],
        [0.439, 0.310, 0.355, 0.354, 1.000, 0.405, 0.306],
        [0.512, 0.608, 0.783, 0.777, 0.405, 1.000, 0.652],
        [0.491, 0.779, 0.668, 0.653, 0.306, 0.652, 1.000],
    ]
)
# He & Litterman (1999) Table 1: volatilities
VOL = np.array([0.160, 0.203, 0.248, 0.271, 0.210, 0.200, 0.187])
# He & Litterman (1999) Table 2: equilibrium portfolio weights
W_EQ = pd.Series([0.016, 0.022, 0.052, 0.055, 0.116, 0.124, 0.615], index=COUNTRIES)
COV = pd.DataFrame(np.outer(VOL, VOL) * CORR, index=COUNTRIES, columns=COUNTRIES)
# View 1 (Table 4): Germany outperforms the rest of Europe (France and UK, market-cap weighted) by 5%
P1 = [0.0, 0.0, -0.295, 1.0, 0.0, -0.705, 0.0]
# View 2 (Table 5): Canada outperforms the USA by 3%
P2 = [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, -1.0]


def pct(series):
    return np.round(np.asarray(series, dtype=float) * 100, 1)


def test_table2_equilibrium_returns():
    # He & Litterman (1999) Table 2, equilibrium expected returns (%)
    expected = [3.9, 6.9, 8.4, 9.0, 4.3, 6.8, 7.6]
    np.testing.assert_array_equal(pct(equilibrium_returns(COV, W_EQ, 2.5)), expected)


def test_table4_german_view():
    res = black_litterman(
        COV,
        W_EQ,
        risk_aversion=2.5,
        tau=0.05,
        P=pd.DataFrame([P1], columns=COUNTRIES),
        Q=[0.05],
        weights_cov="posterior",
    )
    # He & Litterman (1999) Table 4, "mu" column: posterior expected returns (%)
    np.testing.assert_array_equal(pct(res.posterior_returns), [4.3, 7.6, 9.3, 11.0, 4.5, 7.0, 8.1])
    # He & Litterman (1999) Table 4, "w*" column: optimal unconstrained weights (%)
    np.testing.assert_array_equal(pct(res.weights), [1.5, 2.1, -3.9, 35.4, 11.0, -9.5, 58.6])
    # He & Litterman (1999) Table 4: omega / tau = 0.021
    assert res.omega.iloc[0, 0] / 0.05 == pytest.approx(0.021, abs=5e-4)


def test_table5_two_views():
    res = black_litterman(
        COV,
        W_EQ,
        risk_aversion=2.5,
        tau=0.05,
        P=pd.DataFrame([P1, P2], columns=COUNTRIES),
        Q=[0.05, 0.03],
        weights_cov="posterior",
    )
    # He & Litterman (1999) Table 5, "mu" column (%)
    np.testing.assert_array_equal(pct(res.posterior_returns), [4.4, 8.7, 9.5, 11.2, 4.6, 7.0, 7.5])
    # He & Litterman (1999) Table 5, "w*" column (%)
    np.testing.assert_array_equal(pct(res.weights), [1.5, 41.9, -3.4, 33.6, 11.0, -8.2, 18.8])


def test_views_grid_reproduces_table4_view():
    vm = views_to_matrices(
        [{"asset": "Germany", "versus": "France, UK", "value": 0.05}], COUNTRIES, market_weights=W_EQ
    )
    # He & Litterman (1999) section 4: -29.5% France, -70.5% UK (market-cap split, printed to 0.1%)
    np.testing.assert_allclose(vm.P.iloc[0].to_numpy(), P1, atol=6e-4)
    res = black_litterman(COV, W_EQ, risk_aversion=2.5, P=vm.P, Q=vm.Q, weights_cov="posterior")
    np.testing.assert_array_equal(pct(res.posterior_returns), [4.3, 7.6, 9.3, 11.0, 4.5, 7.0, 8.1])
