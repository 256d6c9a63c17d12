"""finance_core.execution.basket: baskets of parent orders and their errors.

Oracles: hand-worked cash imbalance from the per-name schedules.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finance_core import execution as ex
from finance_core.errors import DataError, InfeasibleError


def test_basket_schedule_cash_imbalance():
    trades = pd.DataFrame(
        {
            "ticker": ["AAA", "BBB", "CCC"],
            "side": ["buy", "sell", "buy"],
            "shares": [10_000, 8_000, 3_000],
            "price": [50.0, 25.0, 100.0],
        }
    )
    b = ex.basket_schedule(
        trades, 4, daily_volume=pd.Series({"AAA": 5e6, "BBB": 2e6, "CCC": 1e6}), strategy="twap"
    )
    # TWAP in 4 intervals: AAA +2,500 a step, BBB -2,000, CCC +700/800
    assert b.child_orders["AAA"].tolist() == [2_500] * 4 and b.child_orders["BBB"].tolist() == [-2_000] * 4
    assert b.child_orders["CCC"].sum() == 3_000
    # buys per interval: 2,500 * 50 + CCC * 100; sells 2,000 * 25 = 50,000
    np.testing.assert_allclose(b.sells.to_numpy(), 50_000.0)
    np.testing.assert_allclose(b.buys.to_numpy(), 125_000 + b.child_orders["CCC"].to_numpy() * 100.0)
    # final imbalance: 500,000 + 300,000 bought - 200,000 sold = 600,000
    assert b.cash_imbalance.iloc[-1] == pytest.approx(600_000.0)
    assert b.expected_cost == pytest.approx(b.costs["expected_cost"].sum())
    assert b.timing_risk == pytest.approx(np.sqrt(b.costs["variance"].sum()))
    # the Almgren-Chriss rules of thumb: spread 10 bps of 50 = 0.05; AAA's half spread cost 0.025 * 10,000
    assert b.costs.loc["AAA", "spread"] == pytest.approx(250.0)
    for strat in ("vwap", "almgren_chriss", "optimal"):
        other = ex.basket_schedule(
            trades, 4, daily_volume=2e6, strategy=strat, risk_aversion=1e-6, max_participation=0.2
        )
        assert (other.child_orders.abs().sum() == [10_000, 8_000, 3_000]).all()


def test_basket_errors():
    trades = pd.DataFrame({"ticker": ["AAA", "BBB"], "shares": [100, -200], "price": [10.0, 20.0]})
    with pytest.raises(DataError, match="missing for BBB"):
        ex.basket_schedule(trades, 4, daily_volume=pd.Series({"AAA": 1e6}))
    with pytest.raises(DataError, match="BBB: price"):
        ex.basket_schedule(trades.assign(price=[10.0, 0.0]), 4, daily_volume=1e6)
    with pytest.raises(InfeasibleError, match="Ticker BBB"):
        ex.basket_schedule(
            trades,
            4,
            daily_volume=pd.Series({"AAA": 1e6, "BBB": 100.0}),
            strategy="optimal",
            max_participation=0.1,
        )
