"""finance_core.risk against published numbers.

Sources:
- empyrical's own test suite: stefan-jansen/empyrical-reloaded, ``tests/test_stats.py``
  (expected values) and ``tests/conftest.py`` (the input series), the same values as
  quantopian/empyrical ``empyrical/tests/test_stats.py`` where unchanged;
- Basel Committee on Banking Supervision (1996), "Supervisory framework for the use of
  'backtesting' in conjunction with the internal models approach to market risk
  capital requirements", Table 2 (zones, cumulative probabilities, plus factors);
- Jorion, P. (2007), *Value at Risk*, 3rd ed., Table 6-2 "Model backtesting, 95%
  nonrejection test confidence regions" (after Kupiec 1995);
- S&P 500 index closes (S&P Dow Jones Indices): 3,386.15 on 2020-02-19 and 2,237.40 on
  2020-03-23 (-33.9%); 1,565.15 on 2007-10-09 and 676.53 on 2009-03-09 (-56.8%);
- Maillard, D. (2012), "A User's Guide to the Cornish Fisher Expansion", SSRN 1997178:
  the Cornish-Fisher CVaR as the tail mean of the expansion and its domain of validity;
- Boudt, K., Peterson, B. & Croux, C. (2008), "Estimation and decomposition of downside
  risk for portfolios with non-normal returns", Journal of Risk 11(2), Appendix, as coded
  in R PerformanceAnalytics ``ES(method="modified")`` (``operES.CornishFisher`` in
  ``R/PortfolioRisk.R``, braverock/PerformanceAnalytics).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from finance_core import risk
from finance_core.data import load_dataset, to_returns

IDX9 = pd.date_range("2000-1-30", periods=9, freq="D")
# empyrical-reloaded tests/conftest.py fixtures
MIXED = pd.Series(np.array([np.nan, 1.0, 10.0, -4.0, 2.0, 3.0, 2.0, 1.0, -10.0]) / 100, index=IDX9)
NEGATIVE = pd.Series(np.array([0.0, -6.0, -7.0, -1.0, -9.0, -2.0, -6.0, -8.0, -5.0]) / 100, index=IDX9)
ALL_NEGATIVE = pd.Series(np.array([-2.0, -6.0, -7.0, -1.0, -9.0, -2.0, -6.0, -8.0, -5.0]) / 100, index=IDX9)
POSITIVE = pd.Series(np.array([1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]) / 100, index=IDX9)
FLAT_1 = pd.Series(np.full(9, 0.01), index=IDX9)
UDU = pd.Series(np.array([10, -10, 10]) / 100, index=pd.date_range("2000-1-30", periods=3, freq="D"))


def test_empyrical_published_mixed_returns():
    s = risk.performance_summary(MIXED)
    # empyrical-reloaded tests/test_stats.py: test_annual_ret, test_annual_volatility,
    # test_sharpe_ratio, test_sortino, test_calmar, test_max_drawdown, test_downside_risk
    assert s["cagr"] == pytest.approx(1.9135925373194231, abs=1e-8)
    assert s["volatility"] == pytest.approx(0.9136465399704637, abs=1e-8)
    assert s["sharpe"] == pytest.approx(1.7238613961706866, abs=1e-8)
    assert s["sortino"] == pytest.approx(2.605531251673693, abs=1e-8)
    assert s["calmar"] == pytest.approx(19.135925373194233, abs=1e-8)
    assert s["max_drawdown"] == pytest.approx(-0.1, abs=1e-8)
    assert s["downside_deviation"] == pytest.approx(0.60448325038829653, abs=1e-8)


@pytest.mark.parametrize(
    "series, expected",
    [
        (NEGATIVE, -0.36590730),  # test_max_drawdown "negative_returns"
        (ALL_NEGATIVE, -0.378589157),  # "all_negative_returns"
        (UDU, -0.10),  # "udu_returns"
        (POSITIVE, 0.0),  # "positive_returns"
    ],
)
def test_empyrical_published_max_drawdown(series, expected):
    assert risk.drawdowns(series).max_drawdown == pytest.approx(expected, abs=1e-8)
    assert risk.performance_summary(series)["max_drawdown"] == pytest.approx(expected, abs=1e-8)


def test_empyrical_published_sharpe_sortino():
    # test_sharpe_ratio: positive_returns 52.915026221291804, negative_returns -24.406808633910085
    assert risk.performance_summary(POSITIVE)["sharpe"] == pytest.approx(52.915026221291804, abs=1e-8)
    assert risk.performance_summary(NEGATIVE)["sharpe"] == pytest.approx(-24.406808633910085, abs=1e-8)
    # test_sortino: negative_returns -13.532743075043401, positive_returns inf
    assert risk.performance_summary(NEGATIVE)["sortino"] == pytest.approx(-13.532743075043401, abs=1e-8)
    assert risk.performance_summary(POSITIVE)["sortino"] == np.inf


def test_empyrical_published_sharpe_and_omega_with_risk_free():
    # test_sharpe_ratio: mixed_returns with risk_free = simple_benchmark -> 0.34111411441060574
    simple_benchmark = pd.Series(np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]) / 100, index=IDX9)
    s = risk.performance_summary(MIXED, risk_free_rate=simple_benchmark)
    assert s["sharpe"] == pytest.approx(0.34111411441060574, abs=1e-8)
    # test_omega: mixed_returns, risk_free = flat_line_1, required_return 0 -> 0.8125
    assert risk.performance_summary(MIXED, risk_free_rate=FLAT_1)["omega"] == pytest.approx(0.8125, abs=1e-8)
    # test_omega: positive_returns, risk_free 0.011 per period -> 1.125; 0.02 -> 0.0
    rf = pd.Series(0.011, index=IDX9)
    assert risk.performance_summary(POSITIVE, risk_free_rate=rf)["omega"] == pytest.approx(1.125, abs=1e-8)
    rf = pd.Series(0.02, index=IDX9)
    assert risk.performance_summary(POSITIVE, risk_free_rate=rf)["omega"] == pytest.approx(0.0, abs=1e-8)


def test_empyrical_published_alpha_beta_and_information_ratio():
    # test_alpha_beta: mixed_returns vs negative_returns[1:] -> (-0.9997853834885004, -0.71296296296296313)
    s = risk.performance_summary(MIXED, benchmark=NEGATIVE.iloc[1:])
    assert s["alpha"] == pytest.approx(-0.9997853834885004, abs=1e-8)
    assert s["beta"] == pytest.approx(-0.71296296296296313, abs=1e-8)
    # test_excess_sharpe: mixed vs 0.0 -> 0.10859306069076737; vs flat_line_1 -> -0.06515583641446039.
    # excess_sharpe is the per-period information ratio: ours annualises by sqrt(P), so P = 1 here.
    zero = pd.Series(0.0, index=IDX9)
    assert risk.performance_summary(MIXED, benchmark=zero, periods_per_year=1)[
        "information_ratio"
    ] == pytest.approx(0.10859306069076737, abs=1e-8)
    assert risk.performance_summary(MIXED, benchmark=FLAT_1, periods_per_year=1)[
        "information_ratio"
    ] == pytest.approx(-0.06515583641446039, abs=1e-8)


# Basel Committee (1996), Table 2: 250 observations at 99% coverage.
BASEL_TABLE = [
    # exceptions, zone, cumulative probability (%), plus factor
    (0, "green", 8.11, 0.00),
    (1, "green", 28.58, 0.00),
    (2, "green", 54.32, 0.00),
    (3, "green", 75.81, 0.00),
    (4, "green", 89.22, 0.00),
    (5, "yellow", 95.88, 0.40),
    (6, "yellow", 98.63, 0.50),
    (7, "yellow", 99.60, 0.65),
    (8, "yellow", 99.89, 0.75),
    (9, "yellow", 99.97, 0.85),
    (10, "red", 99.99, 1.00),
]


@pytest.mark.parametrize("exceptions, zone, cum_pct, plus", BASEL_TABLE)
def test_basel_traffic_light_table(exceptions, zone, cum_pct, plus):
    assert risk.traffic_light(exceptions, 250, 0.99) == zone
    table = risk.basel_zones(250, 0.99, max_exceptions=12)
    assert table.loc[exceptions, "zone"] == zone
    assert 100 * table.loc[exceptions, "cumulative_probability"] == pytest.approx(cum_pct, abs=0.005)
    assert table.loc[exceptions, "plus_factor"] == pytest.approx(plus)


def test_basel_red_beyond_ten():
    assert risk.traffic_light(14, 250, 0.99) == "red"
    assert risk.basel_zones(250, 0.99, max_exceptions=15).loc[15, "zone"] == "red"


# Jorion (2007), Table 6-2: 95% non-rejection regions of Kupiec's POF test
# (probability p, then (T, lower bound exclusive, upper bound exclusive)).
JORION_6_2 = [
    (0.01, 510, 1, 11),
    (0.01, 1000, 4, 17),
    (0.025, 252, 2, 12),
    (0.025, 510, 6, 21),
    (0.025, 1000, 15, 36),
    (0.05, 252, 6, 20),
    (0.05, 510, 16, 36),
    (0.05, 1000, 37, 65),
    (0.075, 252, 11, 28),
    (0.075, 510, 27, 51),
    (0.075, 1000, 59, 92),
    (0.10, 252, 16, 36),
    (0.10, 510, 38, 65),
    (0.10, 1000, 81, 120),
]


@pytest.mark.parametrize("p, T, low, high", JORION_6_2)
def test_kupiec_jorion_nonrejection_regions(p, T, low, high):
    level = 1 - p
    assert risk.kupiec_test(low, T, level).reject
    assert not risk.kupiec_test(low + 1, T, level).reject
    assert not risk.kupiec_test(high - 1, T, level).reject
    assert risk.kupiec_test(high, T, level).reject


def test_kupiec_jorion_99_252_upper_bound():
    # Jorion Table 6-2, p = 0.01, T = 252: "N < 7" (only an upper bound is printed).
    assert not risk.kupiec_test(6, 252, 0.99).reject
    assert risk.kupiec_test(7, 252, 0.99).reject


def test_stress_scenarios_match_published_index_moves():
    w = pd.Series({"AAPL": 1.0})
    table = risk.stress_test(w)
    # COVID crash: S&P 500 3,386.15 -> 2,237.40 (S&P Dow Jones Indices closes)
    assert table.loc["COVID-19 crash", "benchmark_return"] == pytest.approx(2237.40 / 3386.15 - 1, abs=2e-4)
    # Global financial crisis: 1,565.15 -> 676.53
    assert table.loc["Global financial crisis", "benchmark_return"] == pytest.approx(
        676.53 / 1565.15 - 1, abs=2e-4
    )


# --------------------------------------------------------------------------- Cornish-Fisher CVaR
def _maillard_cvar(x: np.ndarray, level: float) -> float:
    """Maillard (2012): integrating the Cornish-Fisher quantile over the tail gives
    CVaR = -mu + sigma phi(z) / p [1 + z S/6 + (z^2 - 1) K/24 - (2 z^2 - 1) S^2/36],
    z = Phi^-1(p), p = 1 - level, S and K the sample's adjusted skewness and excess kurtosis."""
    p = 1 - level
    z = stats.norm.ppf(p)
    S, K = stats.skew(x, bias=False), stats.kurtosis(x, bias=False)
    bracket = 1 + z * S / 6 + (z**2 - 1) * K / 24 - (2 * z**2 - 1) * S**2 / 36
    return -x.mean() + x.std(ddof=1) * stats.norm.pdf(z) / p * bracket


def _performance_analytics_mes(x: np.ndarray, level: float) -> float:
    """PerformanceAnalytics ES(method="modified"), operES.CornishFisher (Boudt, Peterson & Croux 2008):
    population moments m2, m3, m4; h the Cornish-Fisher quantile; the Edgeworth tail mean
    E_G = -phi(h) [1 + h^3 S/6 + (h^6 - 9h^4 + 9h^2 + 3) S^2/72 + (h^4 - 2h^2 - 1) K/24] / p;
    mES = -mean - sqrt(m2) min(E_G, h)."""
    p = 1 - level
    z = stats.norm.ppf(p)
    d = x - x.mean()
    m2, m3, m4 = (d**2).mean(), (d**3).mean(), (d**4).mean()
    S, K = m3 / m2**1.5, m4 / m2**2 - 3
    h = z + (z**2 - 1) * S / 6 + (z**3 - 3 * z) * K / 24 - (2 * z**3 - 5 * z) * S**2 / 36
    e_g = -stats.norm.pdf(h) * (1 + h**3 * S / 6 + (h**6 - 9 * h**4 + 9 * h**2 + 3) * S**2 / 72
                                + (h**4 - 2 * h**2 - 1) * K / 24) / p
    return -x.mean() - np.sqrt(m2) * min(e_g, h)


def _bundled_equal_weight() -> np.ndarray:
    prices = load_dataset("sp500").prices.loc["2013":"2022"]
    return to_returns(prices).mean(axis=1).to_numpy()


@pytest.mark.parametrize("level", [0.95, 0.975, 0.99])
def test_cornish_fisher_cvar_is_maillards_closed_form(level):
    rng = np.random.default_rng(4)
    for x in (_bundled_equal_weight(), 0.01 * stats.skewnorm.rvs(-2, size=50_000, random_state=rng)):
        got = risk.conditional_value_at_risk(pd.Series(x), level, "cornish_fisher")
        assert got == pytest.approx(_maillard_cvar(x, level), rel=1e-9)
        assert got >= risk.value_at_risk(pd.Series(x), level, "cornish_fisher")


def test_cornish_fisher_cvar_agrees_with_performance_analytics_for_near_normal_returns():
    # 80% N(0.05%, 0.8%) and 20% N(-0.3%, 1.3%) daily: S = -0.23, K = 0.77 (inside the domain of validity)
    rng = np.random.default_rng(5)
    crash = rng.random(200_000) < 0.2
    x = np.where(crash, rng.normal(-0.003, 0.013, 200_000), rng.normal(0.0005, 0.008, 200_000))
    check = risk.cornish_fisher_check(pd.Series(x))
    assert check.valid and check.skew == pytest.approx(-0.23, abs=0.01) and check.kurtosis == pytest.approx(0.77, abs=0.02)
    for level in (0.95, 0.99):
        desk = risk.conditional_value_at_risk(pd.Series(x), level, "cornish_fisher")
        assert desk == pytest.approx(_performance_analytics_mes(x, level), rel=0.02)
        # and both are close to the sample's own tail mean here
        assert desk == pytest.approx(risk.conditional_value_at_risk(pd.Series(x), level), rel=0.05)


def test_bundled_returns_are_outside_the_cornish_fisher_domain_so_the_formulas_part():
    """The issue's 4.9% CF CVaR against 2.6% historical at 95%: K = 16.9 is outside Maillard's domain."""
    x = _bundled_equal_weight()
    check = risk.cornish_fisher_check(pd.Series(x))
    assert check.kurtosis == pytest.approx(stats.kurtosis(x, bias=False), rel=1e-12) and check.kurtosis > 8
    assert not check.valid
    # the polynomial really decreases somewhere: not a quantile function
    z = np.linspace(-4, 4, 8001)
    S, K = check.skew, check.kurtosis
    g = z + (z**2 - 1) * S / 6 + (z**3 - 3 * z) * K / 24 - (2 * z**3 - 5 * z) * S**2 / 36
    assert (np.diff(g) < 0).any()
    desk = risk.conditional_value_at_risk(pd.Series(x), 0.95, "cornish_fisher")
    hist = risk.conditional_value_at_risk(pd.Series(x), 0.95)
    assert desk == pytest.approx(0.0494, abs=5e-4) and hist == pytest.approx(0.0257, abs=5e-4)
    assert _performance_analytics_mes(x, 0.95) < hist < desk  # the two published forms bracket history
    # over 20 days (S / sqrt(20), K / 20) the expansion is valid again
    assert risk.cornish_fisher_check(pd.Series(x), horizon=20).valid


@pytest.mark.parametrize("horizon", [1, 2, 3, 5, 20])
def test_cornish_fisher_validity_matches_a_dense_grid(horizon):
    # bundled daily K = 16.9: over h days K/h = 16.9, 8.5, 5.6, 3.4, 0.8 (the boundary is near 8 for S near 0)
    check = risk.cornish_fisher_check(pd.Series(_bundled_equal_weight()), horizon=horizon)
    z = np.linspace(-30, 30, 600_001)
    S, K = check.skew, check.kurtosis
    g = z + (z**2 - 1) * S / 6 + (z**3 - 3 * z) * K / 24 - (2 * z**3 - 5 * z) * S**2 / 36
    assert check.valid == bool((np.diff(g) >= 0).all())
    assert check.valid == (horizon >= 3)
