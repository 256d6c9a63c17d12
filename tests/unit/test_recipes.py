"""Recipes: HRP under the recipe's bounds and covariance, and Black-Litterman's market portfolio."""

import warnings

import numpy as np
import pandas as pd
import pytest

from finance_core import estimators, recipes
from finance_core.data import load_dataset, to_returns
from finance_core.errors import DataError
from finance_core.optimize import Constraints
from finance_core.optimize.hierarchical import hrp

warnings.filterwarnings("ignore", category=FutureWarning)


@pytest.fixture(scope="module")
def returns():
    return to_returns(load_dataset("sp500").prices).iloc[-1000:]


def test_hrp_recipe_keeps_the_weight_bounds_on_the_recipe_covariance(returns):
    recipe = recipes.Recipe(method="hrp", cov_method="ledoit_wolf", lower=0.02, upper=0.08)
    alloc = recipes.allocate(returns, recipe)
    w = alloc.weights
    assert w.min() >= 0.02 - 1e-12 and w.max() <= 0.08 + 1e-12 and w.sum() == pytest.approx(1.0)
    cov = estimators.covariance(returns, "ledoit_wolf")
    expected = hrp(returns, linkage="single", cov=cov, constraints=Constraints(bounds=(0.02, 0.08))).weights
    pd.testing.assert_series_equal(w, expected, check_names=False, atol=1e-12)
    # On the sample covariance the same recipe is skfolio's bounded HRP (single linkage, no reordering).
    from skfolio.cluster import HierarchicalClustering, LinkageMethod
    from skfolio.optimization import HierarchicalRiskParity
    from skfolio.seriation import HierarchicalSeriation

    sample = recipes.allocate(returns, recipe.with_(cov_method="sample")).weights
    oracle = HierarchicalRiskParity(
        min_weights=0.02,
        max_weights=0.08,
        seriation_estimator=HierarchicalSeriation(
            hierarchical_clustering_estimator=HierarchicalClustering(linkage_method=LinkageMethod("single")),
            optimal_ordering=False,
        ),
    ).fit(returns)
    np.testing.assert_allclose(sample.to_numpy(), oracle.weights_, atol=1e-9)


def test_hrp_recipe_says_which_constraints_it_cannot_hold(returns):
    sectors = load_dataset("sp500").sectors
    recipe = recipes.Recipe(method="hrp", sector_bounds={"Energy": (0.0, 0.05)}, transaction_cost=0.001)
    alloc = recipes.allocate(returns, recipe, sectors=sectors)
    assert any("not sector limits or transaction costs" in n for n in alloc.notes)


def test_black_litterman_without_views_holds_the_market_portfolio(returns):
    # He and Litterman (1999), section 3: with no views the posterior returns are the equilibrium
    # returns pi = delta Sigma w_mkt, whose tangency portfolio (rf = 0) is w_mkt itself.
    holdings = pd.Series(np.linspace(1, 3, returns.shape[1]), index=returns.columns)
    holdings /= holdings.sum()
    recipe = recipes.Recipe(method="black_litterman", bl_market="holdings", cov_method="sample")
    alloc = recipes.allocate(returns, recipe, current_weights=holdings * 2)  # any scale: normalised
    np.testing.assert_allclose(alloc.weights.to_numpy(), holdings.to_numpy(), atol=1e-5)
    assert any("current holdings as the market portfolio" in n for n in alloc.notes)
    equal = recipes.allocate(returns, recipe.with_(bl_market="equal"))
    np.testing.assert_allclose(equal.weights.to_numpy(), 1 / returns.shape[1], atol=1e-5)


def test_holdings_prior_without_holdings_says_what_to_do(returns):
    recipe = recipes.Recipe(method="black_litterman", bl_market="holdings")
    with pytest.raises(DataError, match="upload holdings on the Data page") as err:
        recipes.allocate(returns, recipe)
    assert err.value.code == "no_holdings"
    with pytest.raises(DataError, match="Unknown Black-Litterman prior 'caps'"):
        recipes.Recipe(bl_market="caps")


def test_prior_round_trips_through_a_link():
    recipe = recipes.Recipe(method="black_litterman", bl_market="holdings")
    assert recipe.to_query()["bl_market"] == "holdings"
    assert recipes.Recipe.from_query(recipe.to_query()) == recipe


def test_black_litterman_risk_aversion_by_hand_when_the_benchmark_lost_money():
    ds = load_dataset("sp500")
    window = to_returns(ds.prices).loc["2022"]
    bench = to_returns(ds.benchmark).loc["2022"]  # the S&P 500 fell in 2022: no positive implied delta
    recipe = recipes.Recipe(method="black_litterman", cov_method="sample")
    with pytest.raises(DataError, match="set the risk aversion by hand"):
        recipes.allocate(window, recipe, benchmark=bench)
    by_hand = recipe.with_(bl_risk_aversion=2.5)
    bl = recipes.black_litterman_posterior(window, by_hand, estimators.covariance(window, "sample"), bench)
    # Black and Litterman (1992), eq. (2): pi = delta Sigma w_mkt with the equal-weight market.
    cov = estimators.covariance(window, "sample")
    np.testing.assert_allclose(bl.prior_returns.to_numpy(), 2.5 * cov.to_numpy() @ np.full(20, 1 / 20), rtol=1e-10)
    alloc = recipes.allocate(window, by_hand, benchmark=bench)
    assert any("risk aversion 2.50 (set by hand)" in n for n in alloc.notes)
    assert recipes.Recipe.from_query(by_hand.to_query()) == by_hand
    for bad in (-1.0, 0.0, 150.0):
        with pytest.raises(DataError, match="must be above 0 and at most 100"):
            recipe.with_(bl_risk_aversion=bad)


def test_implied_risk_aversion_outside_one_to_ten_is_clipped_and_said(returns):
    bench = to_returns(load_dataset("sp500").benchmark).loc[returns.index]
    delta, how = recipes.bl_risk_aversion(recipes.Recipe(), bench)
    from finance_core.optimize.black_litterman import implied_risk_aversion

    implied = implied_risk_aversion(bench)
    assert delta == pytest.approx(min(max(implied, 1.0), 10.0))
    assert ("clipped" in how) == (not 1.0 <= implied <= 10.0)


def test_risk_budgets_recipe_gives_each_asset_its_share_of_risk(returns):
    # Relative budgets: AAPL and XOM carry 3 units of risk each, every other asset 1 (23 units in all).
    recipe = recipes.Recipe(method="risk_parity", cov_method="sample", risk_budgets={"AAPL": 3.0, "XOM": 3.0})
    alloc = recipes.allocate(returns, recipe)
    cov = estimators.covariance(returns, "sample")
    w = alloc.weights
    shares = w * (cov @ w) / float(w @ cov @ w)  # Roncalli (2013), eq. 2.13: variance shares
    expected = pd.Series(1.0, index=returns.columns)
    expected[["AAPL", "XOM"]] = 3.0
    np.testing.assert_allclose(shares.to_numpy(), (expected / expected.sum()).to_numpy(), atol=1e-8)
    # oracle: skfolio RiskBudgeting with the same (normalised) budgets on the same covariance
    from skfolio import RiskMeasure
    from skfolio.optimization import RiskBudgeting

    sk = RiskBudgeting(risk_measure=RiskMeasure.VARIANCE, risk_budget=expected.to_numpy()).fit(returns)
    np.testing.assert_allclose(w.to_numpy(), sk.weights_, atol=1e-4)
    assert recipes.Recipe.from_query(recipe.to_query()) == recipe


def test_bad_risk_budgets_are_named(returns):
    with pytest.raises(DataError, match="check AAPL"):
        recipes.Recipe(method="risk_parity", risk_budgets={"AAPL": -1.0})
    with pytest.raises(DataError, match="ZZZ, not in the universe"):
        recipes.allocate(returns, recipes.Recipe(method="risk_parity", risk_budgets={"ZZZ": 2.0}))


@pytest.mark.parametrize("cov", ["factor_pca", "factor_etf"])
def test_factor_covariance_recipe_carries_the_model(returns, cov):
    est = recipes.estimate(returns, recipes.Recipe(method="min_variance", cov_method=cov))
    assert est.factor_model is not None
    np.testing.assert_allclose(est.cov.to_numpy(), est.factor_model.covariance().to_numpy(), rtol=1e-12)
    assert any("factor" in note for note in est.notes)


# --------------------------------------------------------------------------- dynamic methods
@pytest.mark.parametrize("method", recipes.DYNAMIC_METHODS)
def test_dynamic_methods_never_look_ahead(method):
    """Altering every price after t leaves the weights chosen at t (and before) unchanged."""
    from finance_core.backtest import run

    prices = load_dataset("sp500").prices.iloc[-620:, :5]
    cut = prices.index[500]
    rng = np.random.default_rng(11)
    shock = np.cumprod(1 + rng.normal(0, 0.03, prices.shape), axis=0)
    after = prices.index > cut
    altered = prices.copy()
    altered.loc[after] = prices.loc[after].to_numpy() * shock[after]
    strategy = recipes.strategy(recipes.Recipe(method=method))
    kw = dict(rebalance="M", lookback=252, cost_bps=10)
    full, changed = run(prices, strategy, **kw), run(altered, strategy, **kw)
    upto = full.weights.index[full.weights.index <= cut]
    assert len(upto) >= 8
    pd.testing.assert_frame_equal(full.weights.loc[upto], changed.weights.loc[upto], atol=1e-12)
    later = full.weights.index[full.weights.index > cut]
    assert not np.allclose(full.weights.loc[later], changed.weights.loc[later]) or method == "xs_momentum"


def test_dynamic_methods_are_in_the_registry_after_the_static_ones():
    assert list(recipes.METHODS)[-6:] == list(recipes.DYNAMIC_METHODS)
    assert all(recipes.METHODS[m].startswith("Dynamic: ") for m in recipes.DYNAMIC_METHODS)
    assert recipes.METHOD_FIELDS["base_method"] == ("vol_target",)
    assert "target" in recipes.REGISTRY["vol_target"].reads


def test_vol_target_recipe_reports_cash(returns):
    alloc = recipes.allocate(returns, recipes.Recipe(method="vol_target", target=0.05, base_method="equal_weight"))
    invested = float(alloc.weights.sum())
    assert 0 < invested < 1 and f"cash {1 - invested:.1%}" in " ".join(alloc.notes)
    # the same scale by hand: 5% over the EWMA forecast of the equal-weight portfolio
    from finance_core.dynamic import volatility_forecast

    ew = pd.Series(1 / returns.shape[1], index=returns.columns)
    assert invested == pytest.approx(min(1.0, 0.05 / volatility_forecast(returns, ew)))


def test_dynamic_settings_round_trip_and_are_checked():
    recipe = recipes.Recipe(method="ensemble", ensemble_methods=("hrp", "equal_weight"))
    assert recipes.Recipe.from_query(recipe.to_query()) == recipe
    with pytest.raises(DataError, match="static construction methods") as err:
        recipes.Recipe(method="ensemble", ensemble_methods=("ensemble", "equal_weight"))
    assert err.value.code == "bad_method"
    with pytest.raises(DataError, match="leverage cap"):
        recipes.Recipe(method="vol_target", max_leverage=0)


def test_covariance_notes_reach_the_allocation_once_through_the_typed_field(returns):
    """The estimate's notes travel in CovarianceEstimate.notes (not DataFrame.attrs) and appear once."""
    short = returns.iloc[-15:]  # 15 dates for 20 tickers: the sample covariance is singular
    recipe = recipes.Recipe(method="min_variance", cov_method="sample")
    est = recipes.estimate(short, recipe)
    singular = [n for n in est.notes if n.startswith(f"Only 15 observations for {short.shape[1]} assets")]
    assert len(singular) == 1
    alloc = recipes.allocate(short, recipe)
    assert alloc.notes.count(singular[0]) == 1
    # a frame's attrs are not a channel: the optimiser reads no notes off them
    tagged = est.cov.copy()
    tagged.attrs["notes"] = ("stale note",)
    from finance_core.optimize import mean_variance

    assert "stale note" not in mean_variance(est.mu, tagged, objective="min_variance").notes
