"""finance_core.risk.monte_carlo against the closed forms of geometric Brownian motion
and the annuity future value.
"""

from __future__ import annotations

import empyrical
import numpy as np
import pytest
from scipy import stats

from finance_core import risk


def test_monte_carlo_matches_gbm_closed_form():
    m, s, T, w0 = 0.07, 0.18, 10, 100.0
    res = risk.monte_carlo_paths(w0, T, expected_return=m, volatility=s, n_paths=40_000, goal=200.0, seed=11)
    mu = np.log1p(m)
    loc, scale = np.log(w0) + (mu - s**2 / 2) * T, s * np.sqrt(T)
    # lognormal terminal wealth of geometric Brownian motion (Hull, ch. 15)
    for p in (5, 50, 95):
        expected = np.exp(loc + scale * stats.norm.ppf(p / 100))
        assert res.percentiles.loc[T, f"p{p}"] == pytest.approx(expected, rel=0.02)
    assert res.percentiles.loc[T, "mean"] == pytest.approx(w0 * (1 + m) ** T, rel=0.02)
    expected_goal = stats.norm.sf((np.log(200.0) - loc) / scale)
    assert res.goal_probability == pytest.approx(expected_goal, abs=0.01)


def test_monte_carlo_deterministic_contributions_match_annuity_formula():
    # zero volatility: wealth follows the future value of an annuity with monthly compounding
    m, years, c, w0 = 0.05, 20, 12_000.0, 50_000.0
    res = risk.monte_carlo_paths(w0, years, expected_return=m, volatility=0.0, contribution=c, n_paths=200)
    i = (1 + m) ** (1 / 12) - 1
    n = 12 * years
    fv = w0 * (1 + i) ** n + (c / 12) * ((1 + i) ** n - 1) / i
    assert res.percentiles.loc[years, "p50"] == pytest.approx(fv, rel=1e-10)


def test_monte_carlo_withdrawals_deplete_and_progress_is_reported():
    calls = []
    res = risk.monte_carlo_paths(
        100_000, 30, expected_return=0.03, volatility=0.15, contribution=-12_000, n_paths=3_000,
        chunk_size=1_000, progress=lambda done, total: calls.append((done, total)),
    )  # fmt: skip
    assert calls == [(1000, 3000), (2000, 3000), (3000, 3000)]
    assert res.depletion_probability > 0.5
    assert (res.percentiles.loc[30, "p5"]) == 0.0


def test_estimated_projection_compounds_at_the_historical_cagr(market):
    port = market["port"]
    res = risk.monte_carlo_paths(1.0, 20, returns=port, n_paths=20_000, seed=5)
    assert (res.return_source, res.volatility_source) == ("estimated", "estimated")
    # m = (1 + mean daily)^252 - 1 = E[annual gross] - 1 for i.i.d. days; sigma = daily sd x sqrt(252)
    assert res.expected_return == pytest.approx((1 + port.mean()) ** 252 - 1, rel=1e-12)
    assert res.volatility == pytest.approx(empyrical.annual_volatility(port), rel=1e-12)
    # so the median path grows at the sample's CAGR (empyrical), not sigma^2 / 2 a year below it
    growth = res.percentiles.loc[20, "p50"] ** (1 / 20) - 1
    assert growth == pytest.approx(empyrical.cagr(port), abs=0.003)
    given = risk.monte_carlo_paths(1.0, 5, returns=port, expected_return=0.07, n_paths=200)
    assert (given.expected_return, given.return_source, given.volatility_source) == (0.07, "input", "estimated")


def test_monte_carlo_bootstrap_from_history(market):
    res = risk.monte_carlo_paths(1.0, 5, returns=market["port"], method="bootstrap", n_paths=2_000, goal=1.5)
    assert 0 <= res.goal_probability <= 1
    assert res.method == "bootstrap"


def test_more_paths_than_the_server_simulates_are_refused_with_a_message():
    from finance_core.errors import DataError

    with pytest.raises(DataError, match="2,000,000 paths is more than this server simulates") as err:
        risk.monte_carlo_paths(1e6, 10, expected_return=0.05, volatility=0.15, n_paths=2_000_000)
    assert err.value.code == "too_large"
    with pytest.raises(DataError, match="steps a year is more than daily"):
        risk.monte_carlo_paths(1e6, 10, expected_return=0.05, volatility=0.15, n_paths=1000, steps_per_year=10_000)
    assert risk.MAX_PATHS == 200_000
