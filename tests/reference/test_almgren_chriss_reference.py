"""Almgren and Chriss (2000), "Optimal execution of portfolio transactions", Journal of Risk
3(2), 5-39: the paper's numerical example (Table 1) reproduced.

Table 1 (printed): initial price S0 = 50 $/share; initial holdings X = 10^6 shares;
liquidation time T = 5 days; N = 5 periods; 30% annual volatility -> sigma = 0.95
($/share)/day^(1/2); 10% annual growth -> alpha = 0.02 (not used: the example trades
without drift); bid-ask spread 1/8 -> epsilon = 0.0625 $/share; daily volume 5 million
shares -> eta = 2.5e-6 ($/share)/(share/day) (one spread for 1% of daily volume) and
gamma = 2.5e-7 $/share^2 (one spread for 10% of daily volume); lambda = 10^-6 /$.

Expected numbers come from
* the paper's closed forms: the linear (minimum-impact) strategy
  E = gamma X^2/2 + epsilon X + eta_tilde X^2 / T and V = sigma^2 X^2 T (1 - 1/N)(1 - 1/(2N)) / 3,
  the minimum-variance strategy E = epsilon X + eta X^2 / tau, V = 0 (section 2.2), and
  E(lambda), V(lambda) of the optimal strategy (section 2.2, closed forms in kappa);
* the DROP library's reproduction of the same example (lakshmiDRIP/DROP,
  drop/org/drip/sample/almgrenchriss/OptimalTrajectoryNoDrift.drop and
  TrajectoryComparisonNoDrift.drop, commit 577d5bd6): with sigma = 0.3 * 50 / sqrt(250)
  = 0.9487 and lambda = 1e-6 it prints kappa = 0.6063, kappa_tilde = 0.6156,
  half-life 1.6495 days, holdings 542380.7, 290295.1, 148216.1, 62303.2, expected cost
  910477.8 and variance 363868.0e6; for lambda = 2e-6 (the paper's Figure 2, curve A)
  holdings 42.907%, 18.333%, 7.654%, 2.775% of X.
"""

from __future__ import annotations

import numpy as np
import pytest

from finance_core import execution as ex

X, T, N = 1_000_000, 5.0, 5
S0 = 50.0
SIGMA = 0.3 * S0 / np.sqrt(250)  # 0.9487, printed as 0.95 in Table 1
ETA, GAMMA, EPS = 2.5e-6, 2.5e-7, 0.0625
LAM = 1e-6
TAU = T / N
ETA_TILDE = ETA - 0.5 * GAMMA * TAU


def test_table1_parameters_from_the_papers_rules_of_thumb():
    # Table 1: sigma = 0.95, eta = 2.5e-6, gamma = 2.5e-7, epsilon = 0.0625 from S0 = 50,
    # 30% volatility, spread 1/8 and 5 million shares a day (250-day year).
    p = ex.almgren_chriss_parameters(S0, 5_000_000, 0.30, spread=0.125, periods_per_year=250)
    assert p.sigma == pytest.approx(0.95, abs=0.005)
    assert p.eta == pytest.approx(2.5e-6, rel=1e-12)
    assert p.gamma == pytest.approx(2.5e-7, rel=1e-12)
    assert p.epsilon == pytest.approx(0.0625, rel=1e-12)


def test_optimal_trajectory_kappa_cost_and_variance_lambda_1e6():
    s = ex.almgren_chriss(X, T, N, SIGMA, ETA, GAMMA, EPS, LAM, lot_size=1)
    exact_hold = X - np.concatenate([[0.0], np.cumsum(s.exact_trades.to_numpy())])
    # DROP OptimalTrajectoryNoDrift.drop: holdings after each day
    np.testing.assert_allclose(exact_hold, [1e6, 542380.7, 290295.1, 148216.1, 62303.2, 0.0], atol=0.1)
    # whole-share child orders stay within one share of the exact trajectory and sum to X
    np.testing.assert_allclose(s.holdings.to_numpy(), exact_hold, atol=1.0)
    assert s.trades.sum() == X
    # DROP: transaction cost expectation 910477.8, variance 363868.0 x 10^6
    assert s.exact_cost == pytest.approx(910_477.8, abs=0.1)
    f = ex.almgren_chriss_frontier(X, T, N, SIGMA, ETA, GAMMA, EPS, [LAM])
    assert f["expected_cost"].iloc[0] == pytest.approx(910_477.8, abs=0.1)
    assert f["variance"].iloc[0] == pytest.approx(363_868.0e6, rel=1e-6)
    # DROP: kappa 0.6063 /day, half-life 1.6495 days
    assert f["kappa"].iloc[0] == pytest.approx(0.6063, abs=5e-5)
    assert f["half_life"].iloc[0] == pytest.approx(1.6495, abs=5e-4)
    # DROP: kappa_tilde = sqrt(lambda sigma^2 / eta_tilde) = 0.6156 (paper, section 2.2)
    assert np.sqrt(LAM * SIGMA**2 / ETA_TILDE) == pytest.approx(0.6156, abs=5e-5)


def test_cost_breakdown_adds_up_to_the_papers_expected_cost():
    s = ex.almgren_chriss(X, T, N, SIGMA, ETA, GAMMA, EPS, LAM, lot_size=1)
    c = s.costs
    # paper: E = gamma X^2 / 2 + epsilon X + (eta_tilde / tau) sum n_k^2
    n = s.trades.to_numpy(dtype=float)
    paper_e = 0.5 * GAMMA * X**2 + EPS * X + ETA_TILDE / TAU * np.sum(n**2)
    assert c["expected_cost"] == pytest.approx(paper_e, rel=1e-12)
    assert c["spread"] + c["temporary"] + c["permanent"] == pytest.approx(paper_e, rel=1e-12)
    assert c["spread"] == pytest.approx(EPS * X)
    assert c["timing_risk"] == pytest.approx(np.sqrt(s.variance))


def test_figure2_trajectory_lambda_2e6():
    f = ex.almgren_chriss_frontier(X, T, N, SIGMA, ETA, GAMMA, EPS, [2e-6], holdings=True)
    got = f[[f"x_{j}" for j in range(1, N)]].to_numpy()[0] / X * 100
    # DROP TrajectoryComparisonNoDrift.drop, row LAMBDA = 2.000 (x 1e-6)
    np.testing.assert_allclose(got, [42.907, 18.333, 7.654, 2.775], atol=1e-3)


def test_linear_and_minimum_variance_strategies_closed_forms():
    f = ex.almgren_chriss_frontier(X, T, N, SIGMA, ETA, GAMMA, EPS, [0.0, 1e6])
    # paper, section 2.2, minimum impact (linear) strategy
    e_lin = 0.5 * GAMMA * X**2 + EPS * X + ETA_TILDE * X**2 / T  # = 662,500
    v_lin = SIGMA**2 * X**2 * T * (1 - 1 / N) * (1 - 1 / (2 * N)) / 3
    assert e_lin == pytest.approx(662_500.0)
    assert f["expected_cost"].iloc[0] == pytest.approx(e_lin, rel=1e-12)
    assert f["variance"].iloc[0] == pytest.approx(v_lin, rel=1e-12)
    # paper, section 2.2, minimum variance strategy: everything in the first period
    assert f["expected_cost"].iloc[1] == pytest.approx(EPS * X + ETA * X**2 / TAU, rel=1e-9)  # 2,562,500
    assert f["variance"].iloc[1] == pytest.approx(0.0, abs=1e-6)
    # the lambda = 0 schedule is TWAP
    s = ex.almgren_chriss(X, T, N, SIGMA, ETA, GAMMA, EPS, 0.0)
    assert s.trades.tolist() == [200_000] * 5


@pytest.mark.parametrize("lam", [1e-8, 3e-7, 1e-6, 2e-6, 1e-5])
def test_expected_cost_and_variance_match_the_papers_closed_forms(lam):
    f = ex.almgren_chriss_frontier(X, T, N, SIGMA, ETA, GAMMA, EPS, [lam])
    # kappa from 2 (cosh(kappa tau) - 1) / tau^2 = lambda sigma^2 / eta_tilde (section 2.2)
    k = np.arccosh(1 + 0.5 * lam * SIGMA**2 / ETA_TILDE * TAU**2) / TAU
    e = (
        0.5 * GAMMA * X**2
        + EPS * X
        + ETA_TILDE
        * X**2
        * np.tanh(0.5 * k * TAU)
        * (TAU * np.sinh(2 * k * T) + 2 * T * np.sinh(k * TAU))
        / (2 * TAU**2 * np.sinh(k * T) ** 2)
    )
    v = (
        0.5
        * SIGMA**2
        * X**2
        * (TAU * np.sinh(k * T) * np.cosh(k * (T - TAU)) - T * np.sinh(k * TAU))
        / (np.sinh(k * T) ** 2 * np.sinh(k * TAU))
    )
    assert f["kappa"].iloc[0] == pytest.approx(k, rel=1e-12)
    assert f["expected_cost"].iloc[0] == pytest.approx(e, rel=1e-10)
    assert f["variance"].iloc[0] == pytest.approx(v, rel=1e-10)


def test_frontier_is_efficient_and_convex():
    f = ex.almgren_chriss_frontier(X, T, N, SIGMA, ETA, GAMMA, EPS, n_points=200)
    assert len(f) == 200
    e, v = f["expected_cost"].to_numpy(), f["variance"].to_numpy()
    # paper, section 2.4: along the frontier E rises and V falls as lambda grows
    assert np.all(np.diff(e) >= -1e-6) and np.all(np.diff(v) <= 1e-3)
    # its ends are the linear and the minimum-variance strategies
    assert e[0] == pytest.approx(662_500.0) and e[-1] == pytest.approx(2_562_500.0, rel=1e-3)
    # each point minimises E + lambda V among the frontier's own strategies
    lam = f.index.to_numpy()
    util = e[None, :] + lam[:, None] * v[None, :]
    assert np.all(np.diag(util) <= util.min(axis=1) * (1 + 1e-9) + 1e-6)
