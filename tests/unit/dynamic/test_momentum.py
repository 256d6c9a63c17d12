"""Momentum by hand on 3 assets x 300 days, and through the walk-forward backtest."""

import numpy as np
import pandas as pd
import pytest

from finance_core.backtest import run
from finance_core.dynamic import cross_sectional_momentum, momentum_scores, time_series_momentum
from finance_core.errors import DataError

from .conftest import MOMENTUM


def test_twelve_minus_one_scores_by_hand(trending):
    r = trending.pct_change().dropna()  # 299 returns, r_t = m + s(-1)^t for t = 1..299
    scores = momentum_scores(r)
    # The score spans r[-252:-21]: positions 47..277 of the 299 returns, i.e. t = 48..278 (231 days):
    # even t (48, 50, .., 278: 116 days) earn m + s, odd t (49, .., 277: 115 days) earn m - s.
    for ticker, (m, s) in MOMENTUM.items():
        assert scores[ticker] == pytest.approx((1 + m + s) ** 116 * (1 + m - s) ** 115 - 1, rel=1e-10)
    # A: 1.012^116 * 0.992^115 - 1 = +58.4%; B: 1.009^116 * 0.989^115 - 1 = -20.8%;
    # C: 1.021^116 * 0.981^115 - 1 = +22.7%.
    assert scores["A"] == pytest.approx(0.584, abs=0.001)
    assert scores["B"] == pytest.approx(-0.208, abs=0.001)
    assert scores["C"] == pytest.approx(0.227, abs=0.001)


def test_time_series_momentum_holds_the_positive_trends(trending):
    r = trending.pct_change().dropna()
    # A and C have positive 12-1 returns, B does not: equal weights 1/2, 1/2, 0.
    equal = time_series_momentum(r).weights
    np.testing.assert_allclose(equal.to_numpy(), [0.5, 0.0, 0.5], atol=1e-15)
    # Inverse volatility: over the 252-day window (126 days of each sign) the sample standard
    # deviations are s * sqrt(252/251): 0.01 k for A and 0.02 k for C, so 1/0.01 : 1/0.02 = 2/3 : 1/3.
    inverse = time_series_momentum(r, weighting="inverse_vol").weights
    np.testing.assert_allclose(inverse.to_numpy(), [2 / 3, 0.0, 1 / 3], rtol=1e-12)


def test_cross_sectional_momentum_holds_the_top_third(trending):
    r = trending.pct_change().dropna()
    # top ceil(3 / 3) = 1 asset by score: A (+58.4%) ahead of C (+22.7%) and B (-20.8%)
    np.testing.assert_allclose(cross_sectional_momentum(r).weights.to_numpy(), [1.0, 0.0, 0.0])
    # the top two thirds: A and C, equally
    np.testing.assert_allclose(cross_sectional_momentum(r, quantile=2 / 3).weights.to_numpy(), [0.5, 0.0, 0.5])


def test_backtest_reproduces_the_hand_weights(trending):
    def strategy(window):
        return time_series_momentum(window).weights

    res = run(trending, strategy, rebalance="W", lookback=252, cost_bps=10)
    # every weekly rebalance from day 252 on sees the same signs: half in A, half in C
    assert len(res.weights) >= 8
    np.testing.assert_allclose(res.weights.to_numpy(), np.tile([0.5, 0.0, 0.5], (len(res.weights), 1)))
    # the first trade, from cash, pays 10 bp on a turnover of 1
    assert res.costs.iloc[0] == pytest.approx(0.001)


def test_all_negative_trends_hold_cash():
    falling = pd.DataFrame({"A": [-0.001] * 252, "B": [-0.002] * 252}, index=pd.bdate_range("2021-01-01", periods=252))
    out = time_series_momentum(falling)
    assert out.weights.sum() == 0.0 and out.cash == 1.0 and "cash" in out.notes[0]


def test_a_short_window_asks_for_a_longer_lookback(trending):
    r = trending.pct_change().dropna().iloc[-100:]
    with pytest.raises(DataError, match="at least 252 days.*lookback") as err:
        time_series_momentum(r)
    assert err.value.code == "too_short"
