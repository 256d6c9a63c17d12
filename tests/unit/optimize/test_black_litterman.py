"""Black-Litterman against PyPortfolioOpt's BlackLittermanModel on the bundled data."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize_scalar

from finance_core.data import load_dataset, to_returns
from finance_core.errors import DataError
from finance_core.optimize.black_litterman import (
    black_litterman,
    equilibrium_returns,
    idzorek_omega,
    implied_risk_aversion,
    views_to_matrices,
)

warnings.filterwarnings("ignore", category=FutureWarning)


@pytest.fixture(scope="module")
def setup():
    ds = load_dataset("sp500")
    rets = to_returns(ds.prices).iloc[-756:]
    cov = rets.cov() * 252
    # stand-in market weights: price level x equal share counts, normalised
    mkt = ds.prices.iloc[-1] / ds.prices.iloc[-1].sum()
    views = [
        {"asset": "AAPL", "value": 0.10, "confidence": 0.6},
        {"asset": "JPM", "versus": "BAC", "value": 0.02, "confidence": 0.3},
        {"asset": "XOM", "versus": "CVX, RRC", "value": -0.01, "confidence": 0.9},
    ]
    vm = views_to_matrices(views, cov.columns, market_weights=mkt)
    return ds, rets, cov, mkt, vm


def _pypfopt(cov, mkt, vm, **kw):
    from pypfopt import BlackLittermanModel

    return BlackLittermanModel(
        cov, pi="market", market_caps=mkt, risk_aversion=2.5, P=vm.P.to_numpy(), Q=vm.Q.to_numpy(), **kw
    )


def test_equilibrium_matches_pypfopt(setup):
    from pypfopt.black_litterman import market_implied_prior_returns

    _, _, cov, mkt, _ = setup
    # oracle: PyPortfolioOpt market_implied_prior_returns (risk_free_rate=0)
    theirs = market_implied_prior_returns(mkt, 2.5, cov, risk_free_rate=0.0)
    np.testing.assert_allclose(equilibrium_returns(cov, mkt, 2.5), theirs.reindex(cov.columns), rtol=1e-10)


def test_posterior_matches_pypfopt_default_omega(setup):
    _, _, cov, mkt, vm = setup
    ours = black_litterman(cov, mkt, risk_aversion=2.5, tau=0.05, P=vm.P, Q=vm.Q)
    bl = _pypfopt(cov, mkt, vm, tau=0.05)  # oracle: omega = diag(P tau Sigma P'), He-Litterman default
    np.testing.assert_allclose(ours.posterior_returns, bl.bl_returns().reindex(cov.columns), atol=1e-10)
    np.testing.assert_allclose(ours.posterior_cov, bl.bl_cov().loc[cov.columns, cov.columns], atol=1e-10)
    np.testing.assert_allclose(np.diag(ours.omega), np.diag(bl.omega), atol=1e-12)
    # PyPortfolioOpt's bl_weights uses the prior covariance, as our default does, and
    # rescales the raw weights to sum to 1
    theirs_w = pd.Series(bl.bl_weights(2.5)).reindex(cov.columns)
    np.testing.assert_allclose(ours.weights / ours.weights.sum(), theirs_w, atol=1e-8)


def test_idzorek_confidences_match_pypfopt(setup):
    _, _, cov, mkt, vm = setup
    ours = black_litterman(
        cov, mkt, risk_aversion=2.5, P=vm.P, Q=vm.Q, view_confidences=vm.confidences.to_numpy()
    )
    # oracle: PyPortfolioOpt omega="idzorek" with the same confidences
    bl = _pypfopt(cov, mkt, vm, omega="idzorek", view_confidences=vm.confidences.to_numpy())
    np.testing.assert_allclose(np.diag(ours.omega), np.diag(bl.omega), rtol=1e-10)
    np.testing.assert_allclose(ours.posterior_returns, bl.bl_returns().reindex(cov.columns), atol=1e-10)


def test_idzorek_closed_form_solves_idzorek_least_squares(setup):
    """Idzorek (2005) step 6: omega_k minimises the squared gap between the single-view
    weights and w_mkt + c_k (w_100% - w_mkt); solved here numerically as an independent check."""
    _, _, cov, mkt, vm = setup
    c = cov.to_numpy()
    w_mkt = mkt.reindex(cov.columns).to_numpy()
    pi = 2.5 * c @ w_mkt
    tau = 0.05
    omega = np.diag(idzorek_omega(cov, vm.P, vm.confidences, tau=tau))
    for k in range(len(vm.Q)):
        p = vm.P.to_numpy()[k : k + 1]
        q = vm.Q.to_numpy()[k : k + 1]

        def weights(om, p=p, q=q):
            a = p @ (tau * c) @ p.T + om
            mu = pi + (tau * c) @ p.T @ np.linalg.solve(a, q - p @ pi)
            return np.linalg.solve(2.5 * c, mu)

        w100 = weights(np.zeros((1, 1)))
        target = w_mkt + vm.confidences.iloc[k] * (w100 - w_mkt)
        res = minimize_scalar(
            lambda lo, target=target, weights=weights: np.sum(
                (weights(np.array([[np.exp(lo)]])) - target) ** 2
            ),
            bounds=(-30, 5),
            method="bounded",
            options={"xatol": 1e-10},
        )
        assert np.exp(res.x) == pytest.approx(omega[k], rel=1e-4)


def test_implied_risk_aversion_matches_pypfopt(setup):
    from pypfopt.black_litterman import market_implied_risk_aversion

    ds = setup[0]
    bench = ds.benchmark.iloc[-2520:]
    ours = implied_risk_aversion(to_returns(bench), 0.02)
    # oracle: PyPortfolioOpt market_implied_risk_aversion on the index prices
    theirs = market_implied_risk_aversion(bench, frequency=252, risk_free_rate=0.02)
    assert ours == pytest.approx(float(theirs), rel=1e-10)


def test_no_views_returns_prior_and_market_weights(setup):
    _, _, cov, mkt, _ = setup
    res = black_litterman(cov, mkt, risk_aversion=3.0)
    np.testing.assert_allclose(res.posterior_returns, res.prior_returns)
    np.testing.assert_allclose(res.weights, mkt.reindex(cov.columns), atol=1e-10)
    post = black_litterman(cov, mkt, risk_aversion=3.0, weights_cov="posterior")
    # He & Litterman (1999): with no views the posterior-cov weights are w_mkt / (1 + tau)
    np.testing.assert_allclose(post.weights, mkt.reindex(cov.columns) / 1.05, atol=1e-10)


def test_views_grid_builds_p_and_q(setup):
    _, _, cov, mkt, vm = setup
    assert list(vm.P.index) == ["AAPL", "JPM vs BAC", "XOM vs CVX, RRC"]
    assert vm.P.loc["JPM vs BAC", "JPM"] == 1 and vm.P.loc["JPM vs BAC", "BAC"] == -1
    # market-cap split of the short side (He & Litterman's Germany vs rest of Europe)
    split = mkt[["CVX", "RRC"]] / mkt[["CVX", "RRC"]].sum()
    np.testing.assert_allclose(-vm.P.loc["XOM vs CVX, RRC", ["CVX", "RRC"]], split)
    np.testing.assert_allclose(vm.P.sum(axis=1), [1.0, 0.0, 0.0], atol=1e-12)
    assert vm.Q.tolist() == [0.10, 0.02, -0.01]


@pytest.mark.parametrize(
    ("view", "message"),
    [
        ({"asset": "ZZZZ", "value": 0.1}, "View 1: 'ZZZZ' is not in the universe"),
        ({"asset": "AAPL", "versus": "AAPL", "value": 0.1}, "View 1: AAPL cannot outperform itself"),
        ({"asset": "AAPL", "value": "abc"}, "View 1: enter the expected return as a number"),
        ({"asset": "AAPL", "value": 5}, "enter fractions"),
        ({"asset": "AAPL", "value": 0.1, "confidence": 1.5}, "confidence 1.5 is outside"),
        ({"asset": "", "value": 0.1}, "choose the asset"),
    ],
)
def test_view_errors_name_the_view(setup, view, message):
    cov = setup[2]
    with pytest.raises(DataError, match=message):
        views_to_matrices([view], cov.columns)


def test_duplicate_certain_views_are_refused(setup):
    _, _, cov, mkt, _ = setup
    vm = views_to_matrices([{"asset": "AAPL", "value": 0.1}, {"asset": "AAPL", "value": 0.1}], cov.columns)
    with pytest.raises(DataError, match="redundant"):
        black_litterman(cov, mkt, risk_aversion=2.5, P=vm.P, Q=vm.Q, view_confidences=[1.0, 1.0])


def test_bad_inputs(setup):
    ds, _, cov, mkt, vm = setup
    with pytest.raises(DataError, match="No market weight for AAPL"):
        black_litterman(cov, mkt.drop("AAPL"), risk_aversion=2.5)
    with pytest.raises(DataError, match="risk_aversion must be positive"):
        black_litterman(cov, mkt, risk_aversion=-1)
    with pytest.raises(DataError, match="both"):
        black_litterman(cov, mkt, risk_aversion=2.5, P=vm.P)
    with pytest.raises(DataError, match="either omega or view confidences"):
        black_litterman(
            cov, mkt, risk_aversion=2.5, P=vm.P, Q=vm.Q, omega=[1, 1, 1], view_confidences=[1, 1, 1]
        )
    falling = to_returns(ds.benchmark.loc["2008-01":"2008-12"])
    with pytest.raises(DataError, match="does not beat the risk-free rate"):
        implied_risk_aversion(falling, 0.0)
