"""Limits: hand-computed weight limits, risk limits against numpy formulas, breach history."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from finance_core.errors import DataError
from finance_core.limits import Monitored, breach_history, check, history, limit_from_dict


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


def _hand_built():
    """60 dates: A flat, then down 1% a day on dates 30-39, then flat; B always flat.

    Today 70% A / 30% B; held 50/50 until date 44 and 70/30 from date 45 (``weights_history``).
    """
    dates = pd.bdate_range("2023-01-02", periods=60)
    a = np.zeros(60)
    a[30:40] = -0.01
    returns = pd.DataFrame({"A": a, "B": 0.0}, index=dates)
    held = pd.DataFrame({"A": 0.5, "B": 0.5}, index=dates)
    held.iloc[45:] = [0.7, 0.3]
    return Monitored(weights=pd.Series({"A": 0.7, "B": 0.3}), returns=returns, window=20, weights_history=held)


def test_breach_history_on_a_hand_built_series():
    monitored = _hand_built()
    rules = _limits(
        {"kind": "max_drawdown", "threshold": 0.05},
        {"kind": "single_name_weight", "threshold": 0.6},
        {"kind": "number_of_names", "threshold": 3},
    )
    breached = breach_history(monitored, rules, step=1)
    dates = monitored.returns.index
    assert list(breached.columns) == ["Max drawdown", "Single-name weight", "Number of names"]
    assert list(breached.index) == list(dates[19:])  # one row per full 20-date window
    # today's book loses 0.7% a day on A's down days: 1 - 0.993**7 = 4.80% < 5% < 1 - 0.993**8 = 5.47%, so
    # a 20-date window is in breach while it holds 8 or more of dates 30-39: windows ending on dates 37..51
    assert list(breached.index[breached["Max drawdown"]]) == list(dates[37:52])
    # the weights held: 50% in A until date 44, 70% from date 45
    assert list(breached.index[breached["Single-name weight"]]) == list(dates[45:])
    assert breached["Number of names"].all()  # two names, three required
    found = {b.what: b for b in check(monitored, rules, past=history(monitored, rules, step=1))}
    assert set(found) == {"Single-name weight", "Number of names"}  # the drawdown has left the window
    assert found["Single-name weight"].since == dates[45]
    assert found["Number of names"].since == dates[19]
    assert found["Single-name weight"].text == ("Single-name weight 70.00% above the 60.00% limit by 10.00% "
                                                f"(since {dates[45].date()})")
    assert found["Number of names"].text.startswith("Number of names 2 below the 3 limit by 1")


@pytest.mark.parametrize(("row", "message"), [
    ({"kind": "var", "threshold": 0.02, "level": -0.95}, "The VaR level -0.95 is outside the sensible range"),
    ({"kind": "cvar", "threshold": 0.02, "level": 1.0}, "The CVaR level 1 is outside the sensible range"),
    ({"kind": "single_name_weight", "threshold": -0.1}, "The Single-name weight limit must be zero or more"),
    ({"kind": "single_name_weight", "threshold": 5}, "Single-name weight limit 5 is above 1 .* Did you mean 0.05"),
    ({"kind": "var", "threshold": 0.02, "horizon": 0}, "The VaR horizon must be at least 1"),
])
def test_senseless_limits_name_the_field(row, message):
    with pytest.raises(DataError, match=message):
        limit_from_dict(row)


def test_two_limits_with_one_label_are_refused():
    with pytest.raises(DataError, match="Two limits are both 'Volatility'"):
        check(_monitored(), _limits({"kind": "volatility", "threshold": 0.1}, {"kind": "volatility", "threshold": 0.2}))
