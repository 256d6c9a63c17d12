"""finance_core.universe against empyrical (oracle) and scipy."""

import empyrical
import numpy as np
import pandas as pd
import pytest
from scipy.cluster import hierarchy

from finance_core import data, universe
from finance_core.errors import DataError


@pytest.fixture(scope="module")
def prices():
    return data.load_dataset("sp500").prices.loc["2015":"2022", ["AAPL", "JPM", "KO", "XOM", "MSFT"]]


def test_asset_statistics_match_empyrical(prices):
    stats = universe.asset_statistics(prices).set_index("ticker")
    rets = data.to_returns(prices)
    for t in prices.columns:
        # empyrical.annual_return is the CAGR over n/252 years; annual_volatility uses ddof=1;
        # sharpe_ratio = mean/std * sqrt(252); max_drawdown from cumulative returns.
        assert stats.loc[t, "annual_return"] == pytest.approx(empyrical.annual_return(rets[t]), rel=1e-10)
        assert stats.loc[t, "volatility"] == pytest.approx(empyrical.annual_volatility(rets[t]), rel=1e-10)
        assert stats.loc[t, "sharpe"] == pytest.approx(empyrical.sharpe_ratio(rets[t]), rel=1e-10)
        assert stats.loc[t, "max_drawdown"] == pytest.approx(empyrical.max_drawdown(rets[t]), rel=1e-10)


def test_normalised_prices_start_at_base(prices):
    norm = universe.normalised_prices(prices)
    assert np.allclose(norm.iloc[0], 100.0)
    assert norm["AAPL"].iloc[-1] == pytest.approx(100 * prices["AAPL"].iloc[-1] / prices["AAPL"].iloc[0])


def test_clustered_correlation_is_a_permutation_grouping_similar_assets(prices):
    rets = data.to_returns(prices)
    cc = universe.clustered_correlation(rets)
    assert sorted(cc.order) == sorted(prices.columns)
    pd.testing.assert_frame_equal(cc.matrix, rets.corr().loc[cc.order, cc.order])
    # The linkage is scipy's average linkage on the Mantegna distance sqrt((1 - rho) / 2).
    dist = np.sqrt((1 - rets.corr().to_numpy()) / 2)
    np.fill_diagonal(dist, 0)
    from scipy.spatial.distance import squareform

    expected = hierarchy.linkage(squareform(dist, checks=False), "average")
    np.testing.assert_allclose(cc.linkage[:, 2], expected[:, 2])


def test_rolling_volatility_matches_pandas(prices):
    rets = data.to_returns(prices)
    rv = universe.rolling_volatility(rets, window=21)
    expected = rets["KO"].iloc[-21:].std() * np.sqrt(252)
    assert rv["KO"].iloc[-1] == pytest.approx(expected)


def test_analyse_universe_reports_progress_and_refuses_short_history(prices):
    rets = data.to_returns(prices)
    bench = data.to_returns(data.load_dataset("sp500").benchmark.loc[prices.index])
    seen = []
    result = universe.analyse_universe(rets, bench, progress=lambda f, t: seen.append(f))
    assert seen[-1] == pytest.approx(1.0) and len(seen) == 1 + len(prices.columns)
    assert set(result.rolling_correlation.columns) == set(prices.columns)
    with pytest.raises(DataError, match="more than 126 days"):
        universe.analyse_universe(rets.iloc[:100], bench.iloc[:100])
