"""HRP against PyPortfolioOpt, skfolio and Riskfolio-Lib on the bundled S&P 500 data."""

import warnings

import numpy as np
import pandas as pd
import pytest

from finance_core.data import load_dataset, to_returns
from finance_core.errors import DataError
from finance_core.optimize import Constraints
from finance_core.optimize.hierarchical import LINKAGE_METHODS, hrp, hrp_tree

warnings.filterwarnings("ignore", category=FutureWarning)


@pytest.fixture(scope="module")
def returns():
    return to_returns(load_dataset("sp500").prices).iloc[-1000:]


@pytest.mark.parametrize("linkage", LINKAGE_METHODS)
def test_hrp_matches_pypfopt(returns, linkage):
    from pypfopt import HRPOpt

    ours = hrp(returns, linkage=linkage).weights
    # oracle: PyPortfolioOpt HRPOpt.optimize (sample cov/corr of the same returns)
    theirs = pd.Series(HRPOpt(returns).optimize(linkage)).reindex(ours.index)
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), atol=1e-4)
    assert ours.sum() == pytest.approx(1.0, abs=1e-12)
    assert (ours > 0).all()


@pytest.mark.parametrize("linkage", LINKAGE_METHODS)
def test_hrp_matches_skfolio(returns, linkage):
    from skfolio.cluster import HierarchicalClustering, LinkageMethod
    from skfolio.optimization import HierarchicalRiskParity
    from skfolio.seriation import HierarchicalSeriation

    for optimal in (False, True):
        ours = hrp(returns, linkage=linkage, optimal_ordering=optimal).weights
        # oracle: skfolio HierarchicalRiskParity (variance risk measure, Pearson distance)
        model = HierarchicalRiskParity(
            seriation_estimator=HierarchicalSeriation(
                hierarchical_clustering_estimator=HierarchicalClustering(
                    linkage_method=LinkageMethod(linkage)
                ),
                optimal_ordering=optimal,
            )
        ).fit(returns)
        np.testing.assert_allclose(ours.to_numpy(), model.weights_, atol=1e-4)


@pytest.mark.parametrize("linkage", ["single", "ward"])
def test_hrp_matches_riskfolio(returns, linkage):
    import riskfolio as rp

    ours = hrp(returns, linkage=linkage).weights
    # oracle: Riskfolio-Lib HCPortfolio(model="HRP", rm="MV", codependence="pearson")
    port = rp.HCPortfolio(returns=returns)
    w = port.optimization(
        model="HRP", codependence="pearson", rm="MV", rf=0, linkage=linkage, leaf_order=False
    )
    np.testing.assert_allclose(ours.to_numpy(), w["weights"].reindex(ours.index).to_numpy(), atol=1e-4)


def test_hrp_with_given_covariance_matches_pypfopt(returns):
    from pypfopt import HRPOpt

    cov = returns.cov() * 252
    ours = hrp(cov=cov).weights
    # oracle: PyPortfolioOpt with cov_matrix only (it rounds the correlation to 6 decimals)
    theirs = pd.Series(HRPOpt(cov_matrix=cov).optimize("single")).reindex(ours.index)
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), atol=1e-4)


def test_tree_matches_pypfopt_linkage_and_order(returns):
    from pypfopt import HRPOpt

    tree = hrp_tree(returns, linkage="average")
    opt = HRPOpt(returns)
    opt.optimize("average")
    # oracle: PyPortfolioOpt keeps its scipy linkage matrix in `clusters`
    np.testing.assert_allclose(tree.linkage, opt.clusters, atol=1e-12)
    assert tree.tickers == tuple(returns.columns)
    assert sorted(tree.order) == sorted(returns.columns)
    seg = tree.dendrogram()
    assert list(seg.columns) == ["link", "x", "y"]
    assert len(seg) == 4 * (len(returns.columns) - 1)
    # the top merge sits at the largest linkage distance
    assert seg["y"].max() == pytest.approx(tree.linkage[:, 2].max())
    pos = tree.leaf_positions()
    assert list(pos.index) == list(tree.order)


def test_allocation_reports_annualised_stats(returns):
    alloc = hrp(returns)
    w = alloc.weights
    vol = np.sqrt(w @ (returns.cov() * 252) @ w)
    assert alloc.volatility == pytest.approx(vol)
    assert alloc.expected_return == pytest.approx(float(w @ returns.mean() * 252))
    assert alloc.solver == "recursive_bisection"


def test_unknown_linkage_is_named(returns):
    with pytest.raises(DataError, match="Unknown linkage 'centroid'.*single, average, complete, ward"):
        hrp(returns, linkage="centroid")


def test_missing_returns_name_the_ticker(returns):
    bad = returns.copy()
    bad.iloc[5, 2] = np.nan
    with pytest.raises(DataError, match=str(returns.columns[2])):
        hrp(bad)


def test_constant_price_is_named(returns):
    bad = returns.copy()
    bad[returns.columns[0]] = 0.0
    with pytest.raises(DataError, match=f"{returns.columns[0]} has zero variance"):
        hrp(bad)


def test_needs_input():
    with pytest.raises(DataError, match="returns"):
        hrp()


def _skfolio_hrp(returns, linkage, **kwargs):
    from skfolio.cluster import HierarchicalClustering, LinkageMethod
    from skfolio.optimization import HierarchicalRiskParity
    from skfolio.seriation import HierarchicalSeriation

    return HierarchicalRiskParity(
        seriation_estimator=HierarchicalSeriation(
            hierarchical_clustering_estimator=HierarchicalClustering(linkage_method=LinkageMethod(linkage)),
            optimal_ordering=False,
        ),
        **kwargs,
    ).fit(returns)


@pytest.mark.parametrize("linkage", LINKAGE_METHODS)
@pytest.mark.parametrize("lower, upper", [(0.0, 0.08), (0.02, 0.10), (0.03, 0.06)])
def test_bounded_hrp_matches_skfolio(returns, linkage, lower, upper):
    ours = hrp(returns, linkage=linkage, constraints=Constraints(bounds=(lower, upper))).weights
    # oracle: skfolio HierarchicalRiskParity(min_weights, max_weights), the same split-factor clipping
    model = _skfolio_hrp(returns, linkage, min_weights=lower, max_weights=upper)
    np.testing.assert_allclose(ours.to_numpy(), model.weights_, atol=1e-9)
    assert ours.min() >= lower - 1e-12 and ours.max() <= upper + 1e-12
    assert ours.sum() == pytest.approx(1.0)
    free = hrp(returns, linkage=linkage).weights
    assert free.max() > upper or free.min() < lower  # the bounds bind on this data


def test_per_ticker_bounds_match_skfolio(returns):
    caps = pd.Series(0.15, index=returns.columns)
    caps[["JNJ", "PG", "WMT"]] = 0.05
    floors = {"AAPL": 0.04}
    ours = hrp(returns, linkage="single", constraints=Constraints(bounds={t: (floors.get(t, 0.0), caps[t]) for t in caps.index})).weights
    model = _skfolio_hrp(returns, "single", min_weights=floors, max_weights=caps.to_dict())
    np.testing.assert_allclose(ours.to_numpy(), model.weights_, atol=1e-9)
    assert ours[["JNJ", "PG", "WMT"]].max() <= 0.05 + 1e-12 and ours["AAPL"] >= 0.04 - 1e-12


def test_bounds_that_cannot_sum_to_one_are_refused(returns):
    from finance_core.errors import InfeasibleError

    with pytest.raises(InfeasibleError, match="maximums to 40.00%") as err:
        hrp(returns, constraints=Constraints(bounds=(0.0, 0.02)))
    assert err.value.code == "infeasible_bounds"
    with pytest.raises(DataError, match="long-only"):
        hrp(returns, constraints=Constraints(bounds=(-0.1, 0.5)))
    with pytest.raises(DataError, match="above the maximum for AAPL"):
        hrp(returns, constraints=Constraints(bounds={"AAPL": (0.3, 0.2)}))


def test_hrp_says_which_constraints_bisection_cannot_hold(returns):
    sectors = load_dataset("sp500").sectors
    cons = Constraints(bounds=(0.0, 0.1), sector_map=sectors, sector_bounds={"Energy": (0.0, 0.05)},
                       max_turnover=0.5)
    alloc = hrp(returns, constraints=cons)
    bounded = hrp(returns, constraints=Constraints(bounds=(0.0, 0.1)))
    pd.testing.assert_series_equal(alloc.weights, bounded.weights)  # the bounds are kept, nothing else
    assert any("not sector limits or the turnover cap" in n for n in alloc.notes)
    assert not any("HRP keeps" in n for n in bounded.notes)


def test_hrp_refuses_bounds_outside_constraints(returns):
    with pytest.raises(TypeError):
        hrp(returns, bounds=(0.0, 0.1))  # the bounds travel in constraints=Constraints(bounds=...)
    with pytest.raises(DataError, match="must be an optimize.Constraints, got tuple") as err:
        hrp(returns, constraints=(0.0, 0.1))
    assert err.value.code == "bad_constraint"
