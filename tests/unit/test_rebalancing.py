"""Rebalancing policies: a hand-computed three-day case, the daily-calendar identity, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finance_core.data.bundled import load_dataset, to_returns
from finance_core.errors import DataError
from finance_core.rebalancing import RebalancePolicy, compare_policies, simulate_policy

DATES = pd.bdate_range("2024-01-01", periods=3)
RETURNS = pd.DataFrame({"A": [0.10, 0.0, 0.0], "B": [0.0, 0.0, 0.0]}, index=DATES)
TARGET = {"A": 0.5, "B": 0.5}


def test_band_trade_hand_computed():
    run = simulate_policy(RETURNS, TARGET, RebalancePolicy(band=0.02), cost_bps=10)
    # day 1: A grows to 0.55 of 1.05, weight 0.55/1.05 = 0.523810; drift 0.023810 > 2%
    turnover = 2 * (0.55 / 1.05 - 0.5)
    assert run.turnover.tolist() == pytest.approx([turnover])
    assert run.costs.iloc[0] == pytest.approx(0.001 * turnover)
    assert run.equity.iloc[-1] == pytest.approx(1.05 * (1 - 0.001 * turnover))
    wide = simulate_policy(RETURNS, TARGET, RebalancePolicy(band=0.03), cost_bps=10)
    assert wide.turnover.empty and wide.equity.iloc[-1] == pytest.approx(1.05)
    relative = simulate_policy(RETURNS, TARGET, RebalancePolicy(band=0.05, band_type="relative"))
    assert len(relative.turnover) == 0  # 0.02381 / 0.5 = 4.8% < 5%


def test_policies_on_bundled_data():
    returns = to_returns(load_dataset("factors").prices).iloc[-504:]
    target = pd.Series(0.2, index=returns.columns)
    table = compare_policies(
        returns,
        target,
        {
            "daily": RebalancePolicy(calendar="D"),
            "monthly": RebalancePolicy(calendar="M"),
            "band 1%": RebalancePolicy(band=0.01),
            "quarterly + band 1%": RebalancePolicy(calendar="Q", band=0.01),
            "band 50%": RebalancePolicy(band=0.5),
        },
        cost_bps=0.0,
    )
    ideal = float(np.prod(1 + returns.to_numpy() @ target.to_numpy()) ** (252 / 504) - 1)
    assert table.loc["daily", "tracking_error"] == pytest.approx(0.0, abs=1e-12)
    assert table.loc["daily", "annual_return"] == pytest.approx(ideal)
    assert table.loc["band 50%", "rebalances"] == 0
    assert table.loc["quarterly + band 1%", "rebalances"] <= 8
    # one trade per month end; the last month's end is the last date, which never trades
    assert table.loc["monthly", "rebalances"] == returns.index.to_period("M").nunique() - 1
    assert table.loc["daily", "annual_turnover"] > table.loc["monthly", "annual_turnover"] > 0


def test_bad_input_is_refused():
    with pytest.raises(DataError, match="calendar, a band or both"):
        RebalancePolicy()
    with pytest.raises(DataError, match="drift band must be greater than zero"):
        RebalancePolicy(band=-0.01)
    with pytest.raises(DataError, match="No returns for C"):
        simulate_policy(RETURNS, {"C": 1.0}, RebalancePolicy(band=0.1))
    with pytest.raises(DataError, match="sum to 1"):
        simulate_policy(RETURNS, {"A": 0.5, "B": 0.4}, RebalancePolicy(band=0.1))
    with pytest.raises(DataError, match="Unknown rebalance frequency"):
        simulate_policy(RETURNS, TARGET, RebalancePolicy(calendar="fortnightly"))
