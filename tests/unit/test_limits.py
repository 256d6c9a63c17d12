"""Limits: hand-computed weight limits, risk limits against numpy formulas, breach history."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from finance_core.errors import DataError
from finance_core.limits import Monitored, check, history, limit_from_dict


def _monitored(**extra):
    rng = np.random.default_rng(0)
    dates = pd.bdate_range("2022-01-03", periods=300)
    calm = rng.normal(0.0, 0.005, size=(200, 3))
    wild = rng.normal(0.0, 0.03, size=(100, 3))
    returns = pd.DataFrame(np.vstack([calm, wild]), index=dates, columns=["A", "B", "C"])
    weights = pd.Series({"A": 0.5, "B": 0.3, "C": 0.15, "CASH": 0.05})
    return Monitored(weights=weights, returns=returns, window=60, **extra)


def _limits(*rows):
    return [limit_from_dict(row) for row in rows]


def test_weight_limits_hand_computed():
    monitored = _monitored(
        sectors={"A": "Tech", "B": "Tech", "C": "Energy"},
        target=pd.Series({"A": 0.4, "B": 0.3, "C": 0.25, "CASH": 0.05}),
    )
    limits = _limits(
        {"kind": "single_name_weight", "threshold": 0.4},
        {"kind": "sector_weight", "threshold": 0.7},
        {"kind": "number_of_names", "threshold": 5},
        {"kind": "min_cash", "threshold": 0.10},
        {"kind": "drift", "threshold": 0.05},
        {"kind": "drift", "threshold": 0.30, "band": "relative"},
    )
    found = {b.what: b for b in check(monitored, limits)}
    assert found["Single-name weight"].excess == pytest.approx(0.10)
    assert found["Sector weight"].value == pytest.approx(0.80)
    assert found["Number of names"].value == 3 and found["Number of names"].excess == 2
    assert found["Cash"].excess == pytest.approx(0.05)
    assert found["Drift from target (absolute)"].value == pytest.approx(0.10)
    assert found["Drift from target (relative)"].value == pytest.approx(0.10 / 0.25)
    assert len(found) == 6


def test_risk_limits_match_numpy_formulas():
    monitored = _monitored()
    series = (monitored.returns[["A", "B", "C"]] * monitored.weights[["A", "B", "C"]]).sum(axis=1).iloc[-60:]
    vol = series.std(ddof=1) * math.sqrt(252)
    ordered = np.sort(series.to_numpy())
    var_95 = -ordered[int(math.floor(60 * 0.05))]  # -x_(floor(n(1-a)) + 1), 1-based
    wealth = np.cumprod(1 + series.to_numpy())
    mdd = -(wealth / np.maximum.accumulate(np.concatenate([[1.0], wealth]))[1:] - 1).min()
    limits = _limits(
        {"kind": "volatility", "threshold": 0.0},
        {"kind": "var", "threshold": 0.0, "level": 0.95},
        {"kind": "max_drawdown", "threshold": 0.0},
    )
    found = {b.what: b.value for b in check(monitored, limits)}
    assert found["Volatility"] == pytest.approx(vol)
    assert found["VaR 95% 1d"] == pytest.approx(var_95)
    assert found["Max drawdown"] == pytest.approx(mdd)


def test_history_dates_the_start_of_a_breach():
    monitored = _monitored()
    limits = _limits({"kind": "volatility", "threshold": 0.20})
    past = history(monitored, limits, step=1)
    assert past.index[-1] == monitored.returns.index[-1]
    (breach,) = check(monitored, limits, past=past)
    # the calm regime (0.5% daily, ~6% a year on this mix) is under 20%; the wild one (3%) is far over
    assert past["Volatility"].iloc[0] < 0.20 < past["Volatility"].iloc[-1]
    assert monitored.returns.index[200] <= breach.since <= monitored.returns.index[230]
    assert (past.loc[breach.since:, "Volatility"] > 0.20).all()


def test_bad_limits_are_refused():
    with pytest.raises(DataError, match="zero or more"):
        limit_from_dict({"kind": "var", "threshold": -0.02})
    with pytest.raises(DataError, match="VaR level"):
        limit_from_dict({"kind": "var", "threshold": 0.02, "level": 95})
    with pytest.raises(DataError, match="Unknown limit"):
        limit_from_dict({"kind": "leverage", "threshold": 1})
    with pytest.raises(DataError, match="needs a benchmark"):
        check(_monitored(), _limits({"kind": "tracking_error", "threshold": 0.02}))
    with pytest.raises(DataError, match="needs target weights"):
        check(_monitored(), _limits({"kind": "drift", "threshold": 0.02}))


def test_tracking_error_against_numpy():
    base = _monitored()
    monitored = Monitored(base.weights, base.returns, benchmark_returns=base.returns["A"], window=60)
    series = (base.returns[["A", "B", "C"]] * base.weights[["A", "B", "C"]]).sum(axis=1).iloc[-60:]
    expected = float(np.std((series - base.returns["A"].iloc[-60:]).to_numpy(), ddof=1) * math.sqrt(252))
    (breach,) = check(monitored, _limits({"kind": "tracking_error", "threshold": 0.01}))
    assert breach.value == pytest.approx(expected)
    assert breach.excess == pytest.approx(expected - 0.01)
