"""Volatility targeting by hand (constant squared portfolio returns) and against pandas' EWMA."""

import math

import numpy as np
import pandas as pd
import pytest

from finance_core.backtest import run
from finance_core.dynamic import volatility_forecast, volatility_target
from finance_core.errors import DataError

from .conftest import alternating_prices, equal_weight


@pytest.fixture
def swinging():
    # A and B swing +-1%, C +-2%, all in phase, no drift: the equal-weight portfolio returns +-4/3%
    # every day, so r_p^2 = (0.04/3)^2 every day and the EWMA variance is exactly that constant.
    return alternating_prices({"A": (0.0, 0.01), "B": (0.0, 0.01), "C": (0.0, 0.02)})


SIGMA = 0.04 / 3 * math.sqrt(252)  # annual forecast: 0.013333 * 15.875 = 21.166%


def test_scale_and_cash_by_hand(swinging):
    r = swinging.pct_change().dropna()
    assert volatility_forecast(r, equal_weight(r)) == pytest.approx(SIGMA, rel=1e-12)
    out = volatility_target(r, equal_weight, target=0.10)
    k = 0.10 / SIGMA  # 0.10 / 0.21166 = 0.47246 of capital invested
    np.testing.assert_allclose(out.weights.to_numpy(), [k / 3] * 3, rtol=1e-12)  # 0.15749 each
    assert out.cash == pytest.approx(1 - k)  # 52.75% in cash
    assert "cash 52.8%" in out.notes[0]


def test_leverage_cap(swinging):
    r = swinging.pct_change().dropna()
    capped = volatility_target(r, equal_weight, target=0.30)  # 0.30 / 0.21166 = 1.417 > cap 1
    assert capped.weights.sum() == pytest.approx(1.0) and capped.cash == pytest.approx(0.0, abs=1e-12)
    assert "leverage cap" in capped.notes[0]
    levered = volatility_target(r, equal_weight, target=0.30, max_leverage=2.0)
    assert levered.weights.sum() == pytest.approx(0.30 / SIGMA)  # 141.7% invested, 41.7% borrowed


def test_forecast_is_pandas_ewm_of_squared_portfolio_returns():
    r = alternating_prices({"A": (0.001, 0.01), "B": (-0.002, 0.03)}).pct_change().dropna()
    rng = np.random.default_rng(3)
    r = r + rng.normal(0, 0.005, r.shape)  # no longer constant: the recursion matters
    w = pd.Series([0.7, 0.3], index=r.columns)
    rp2 = (r @ w) ** 2
    # pandas' adjust=False EWM is s2_t = 0.94 s2_{t-1} + 0.06 r_t^2 seeded with r_0^2, RiskMetrics' recursion
    expected = math.sqrt(rp2.ewm(alpha=0.06, adjust=False).mean().iloc[-1] * 252)
    assert volatility_forecast(r, w) == pytest.approx(expected, rel=1e-12)


def test_backtest_holds_the_scaled_weights(swinging):
    def strategy(window):
        return volatility_target(window, equal_weight, target=0.10).weights

    res = run(swinging, strategy, rebalance="M", lookback=252, cost_bps=0)
    k = 0.10 / SIGMA
    np.testing.assert_allclose(res.weights.to_numpy(), k / 3)
    # day after the first trade: equity moves by k times the portfolio's return, the rest is cash
    t = res.weights.index[0]
    nxt = res.equity.index[res.equity.index.get_loc(t) + 1]
    r_next = swinging.pct_change().loc[nxt].mean()
    assert res.returns.loc[nxt] == pytest.approx(k * r_next, rel=1e-10)


def test_bad_target_is_explained(swinging):
    r = swinging.pct_change().dropna()
    with pytest.raises(DataError, match="target volatility must be greater than zero"):
        volatility_target(r, equal_weight, target=0.0)
