"""finance_core.risk input checks (finance_core.risk._checks): bad input is refused by name."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finance_core import risk
from finance_core.errors import DataError


@pytest.mark.parametrize("level", [0.4, 1.0, 95, -0.1, float("nan")])
def test_level_out_of_range_is_named(market, level):
    with pytest.raises(DataError, match="confidence level") as err:
        risk.value_at_risk(market["port"], level)
    assert err.value.code == "bad_level"
    if level == 95:
        assert "0.95" in str(err.value)


def test_window_longer_than_history(market):
    short = market["port"].iloc[:100]
    with pytest.raises(DataError, match="window of 250 days.*100 days of history"):
        risk.var_backtest(short, window=250)
    with pytest.raises(DataError, match="rolling window of 126 days is longer than the 100 days"):
        risk.rolling_statistics(short)
    with pytest.raises(DataError, match="horizon of 200 days"):
        risk.value_at_risk(short, 0.95, horizon=200)


def test_weights_outside_universe_are_named(market):
    w = pd.Series({"AAPL": 0.5, "TSLA": 0.3, "NFLX": 0.2})
    with pytest.raises(DataError, match="TSLA, NFLX") as err:
        risk.value_at_risk(market["rets"], 0.95, weights=w)
    assert err.value.code == "unknown_ticker"
    with pytest.raises(DataError, match="TSLA"):
        risk.stress_test(w)
    with pytest.raises(DataError, match="TSLA"):
        risk.risk_contributions(w, market["rets"].cov())


def test_other_bad_inputs(market):
    with pytest.raises(DataError, match="Unknown VaR method 'magic'"):
        risk.value_at_risk(market["port"], 0.95, "magic")
    with pytest.raises(DataError, match="3 weights were given for 20 assets"):
        risk.value_at_risk(market["rets"], 0.95, weights=[0.2, 0.3, 0.5])
    with pytest.raises(DataError, match="missing or not a number"):
        risk.value_at_risk(market["rets"], 0.95, weights=pd.Series({"AAPL": np.nan}))
    with pytest.raises(DataError, match="cannot exceed"):
        risk.kupiec_test(300, 250, 0.99)
    with pytest.raises(DataError, match="Give expected_return and volatility"):
        risk.monte_carlo_paths(1.0, 10)
    with pytest.raises(DataError, match="ends .* before it starts"):
        risk.stress_test(pd.Series({"AAPL": 1.0}), [("Backwards", "2020-03-01", "2020-01-01")])
