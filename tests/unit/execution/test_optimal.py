"""finance_core.execution.optimal: impact-optimal schedules by the three solvers.

Oracles: hand-worked water filling, cvxpy with Clarabel and scipy as independent solvers.
"""

from __future__ import annotations

import numpy as np
import pytest

from finance_core import execution as ex
from finance_core.errors import DataError, InfeasibleError


def test_water_filling_hand_worked_two_intervals():
    # cost b1 x1^2 + b2 x2^2 with b = (1e-6, 3e-6): equal marginal cost 2 b1 x1 = 2 b2 x2
    # -> x1 / x2 = 3, x1 = 7,500 and x2 = 2,500 for 10,000 shares
    imp = ex.ImpactModel.from_coefficients(0.0, [1e-6, 3e-6])
    s = ex.optimal_schedule(imp, 10_000, lot_size=100)
    assert s.trades.tolist() == [7_500, 2_500]
    # cost 1e-6 * 7500^2 + 3e-6 * 2500^2 = 56.25 + 18.75 = 75; TWAP: (1e-6 + 3e-6) * 5000^2 = 100
    assert s.expected_cost == pytest.approx(75.0)
    assert s.twap_cost == pytest.approx(100.0) and s.saving_vs_twap == pytest.approx(25.0)
    # with a cap of 6,000 in interval 1 the rest goes to interval 2
    capped = ex.optimal_schedule(imp, 10_000, max_participation=0.5, volumes=[12_000, 1e6])
    assert capped.trades.tolist() == [6_000, 4_000]


@pytest.mark.parametrize("quadratic", [False, True])
def test_three_solvers_agree_on_390_intervals(impact_390, quadratic):
    imp = (
        impact_390
        if quadratic
        else ex.ImpactModel.from_coefficients(impact_390.half_spread, impact_390.linear)
    )
    vols = ex.intraday_volume_profile(390).to_numpy() * 4_000_000
    kw = dict(max_participation=0.1, volumes=vols, no_trade=range(0, 15), sigma=0.02)
    res = {s: ex.optimal_schedule(imp, 300_000, 390, solver=s, **kw) for s in ex.SOLVERS}
    ref = res["cvxpy"].exact_cost  # Clarabel through cvxpy: an independent interior-point solver
    assert res["cvxpy"].solver == "CLARABEL"
    for s in ("analytical", "scipy"):
        assert res[s].exact_cost == pytest.approx(ref, rel=1e-6)
    # the analytical solution is at least as good as both numerical ones
    assert res["analytical"].exact_cost <= min(ref, res["scipy"].exact_cost) * (1 + 1e-12)
    x = res["analytical"].exact_trades.to_numpy()
    assert x.sum() == pytest.approx(300_000) and (x[:15] == 0).all() and (x <= 0.1 * vols + 1e-6).all()
    # KKT: every interval strictly between 0 and its cap has the same marginal cost
    c, b, a = imp.coefficients(390)
    mc = c + 2 * b * x + 3 * a * x**2
    inner = (x > 1e-6) & (x < 0.1 * vols - 1e-6)
    assert inner.sum() > 10 and np.ptp(mc[inner]) < 1e-9 * mc[inner].mean()
    # without caps the optimum beats TWAP under the same (time-varying) impact
    assert ex.optimal_schedule(imp, 300_000, 390).saving_vs_twap > 0


def test_water_filling_matches_cvxpy_on_random_problems():
    rng = np.random.default_rng(3)
    for trial in range(6):
        n = int(rng.integers(3, 40))
        c = rng.uniform(0, 0.05, n)
        b = rng.uniform(1e-7, 1e-5, n)
        a = rng.uniform(0, 1e-9, n) if trial % 2 else np.zeros(n)
        vols = rng.uniform(1e3, 1e5, n)
        total = int(0.1 * vols.sum() * rng.uniform(0.2, 0.95))
        imp = ex.ImpactModel.from_coefficients(c, b, a)
        got = ex.optimal_schedule(
            imp, total, solver="analytical", max_participation=0.1, volumes=vols, permanent=1e-8
        )
        ref = ex.optimal_schedule(
            imp, total, solver="cvxpy", max_participation=0.1, volumes=vols, permanent=1e-8
        )
        assert got.exact_cost == pytest.approx(ref.exact_cost, rel=1e-7)


def test_constant_impact_without_caps_is_twap():
    # Almgren and Chriss (2000), section 2.2: with lambda = 0 the optimal strategy is linear
    imp = ex.ImpactModel.from_coefficients(0.01, 2e-6, n_intervals=8)
    s = ex.optimal_schedule(imp, 80_000, permanent=1e-7)
    assert s.trades.tolist() == [10_000] * 8


def test_order_larger_than_caps_says_largest_size_and_horizon():
    imp = ex.ImpactModel.from_coefficients(0.01, 1e-6, n_intervals=10)
    vols = np.full(10, 10_000.0)
    with pytest.raises(InfeasibleError) as err:
        # 10% of 10 x 10,000 = 10,000 shares executable; 25,000 needs 25 intervals
        ex.optimal_schedule(
            imp, 25_000, max_participation=0.1, volumes=vols, start="2024-01-02 09:30", interval="1min"
        )
    msg = str(err.value)
    assert "10,000 shares" in msg and "25 intervals" in msg and "0 days 00:25:00" in msg
    assert err.value.code == "order_too_large" and err.value.details["largest_executable"] == 10_000
    with pytest.raises(InfeasibleError, match="largest executable size is 9,000"):
        ex.pov(25_000, 0.1, vols[:9])


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda imp: ex.optimal_schedule(imp, 0, 5), "positive number of shares"),
        (lambda imp: ex.optimal_schedule(imp, -100, 5), "positive number of shares"),
        (lambda imp: ex.optimal_schedule(imp, 100.5, 5), "whole number"),
        (lambda imp: ex.optimal_schedule(imp, 100, 0), "1 or more"),
        (lambda imp: ex.optimal_schedule(imp, 100, 5, solver="gurobi"), "analytical, cvxpy, scipy"),
        (
            lambda imp: ex.optimal_schedule(imp, 100, 5, max_participation=20, volumes=[1] * 5),
            "For 20% enter 0.2",
        ),
        (
            lambda imp: ex.optimal_schedule(imp, 100, 5, max_participation=0.2),
            "needs the expected market volume",
        ),
        (lambda imp: ex.optimal_schedule(imp, 100, 5, side="short"), "'buy' or 'sell'"),
        (lambda imp: ex.optimal_schedule(imp, 100, 5, permanent=1.0), "must exceed half the permanent"),
    ],
)
def test_bad_input_is_refused_with_a_reason(call, words):
    imp = ex.ImpactModel.from_coefficients(0.01, 1e-6, n_intervals=5)
    with pytest.raises(DataError, match=None) as err:
        call(imp)
    assert words in str(err.value)
