"""Bailey and Lopez de Prado (2013), "An Open-Source Implementation of the Critical-Line Algorithm
for Portfolio Optimization", Algorithms 6(1):169-196: the ten-asset worked example.

Inputs are the paper's data file CLA_Data.csv (row 1 expected returns, rows 2-3 lower bounds 0 and
upper bounds 1, then the 10 x 10 covariance), read exactly from the authors' code as published at
github.com/mdengler/cla, path ``CLA_Data.csv`` (commit 0ec99b1a). The expected numbers are the
example's turning points (return, risk, lambda and the ten weights, printed to 3 decimals), its
maximum-Sharpe portfolio (risk-free rate 0, weights to 4 decimals, risk 22.74%, Sharpe 4.45) and its
minimum-variance portfolio (weights to 4 decimals, risk 20.52%), transcribed from the rendered run
of the authors' CLA class on that file in the same repository, ``notebooks/CLA_demo.md`` (commit
e2ca6718; the paper's Snippet 16 run). The paper's PDF was not readable offline, so the numbers were
checked against that run's printed output, not against the PDF's own table.

Every upper bound in the paper's example is 1, which never binds in a fully invested long-only
portfolio, and the paper gives no bounded variant, so this file has no published capped example;
the capped and sector-limited paths are checked in tests/unit/optimize against cvxpy and
PyPortfolioOpt instead. The sector-limit routes below use limits that cannot bind, so the paper's
numbers still apply while the point sweep runs its constrained code path.
"""

import numpy as np
import pandas as pd
import pytest

from finance_core.optimize import Constraints, efficient_frontier, mean_variance
from finance_core.optimize._cla import critical_line

TICKERS = [f"X{i}" for i in range(1, 11)]
# CLA_Data.csv row 1: expected returns
MU = np.array([1.175, 1.19, 0.396, 1.12, 0.346, 0.679, 0.089, 0.73, 0.481, 1.08])
# CLA_Data.csv rows 4-13: covariance
COV = np.array(
    [
        [0.40755159, 0.03175842, 0.05183923, 0.05663904, 0.0330226, 0.00827775, 0.02165938, 0.01332419, 0.0343476, 0.02249903],
        [0.03175842, 0.9063047, 0.03136385, 0.02687256, 0.01917172, 0.00934384, 0.02495043, 0.00761036, 0.02874874, 0.01336866],
        [0.05183923, 0.03136385, 0.19490901, 0.04408485, 0.03006772, 0.01322738, 0.03525971, 0.0115493, 0.0427563, 0.02057303],
        [0.05663904, 0.02687256, 0.04408485, 0.19528471, 0.02777345, 0.00526665, 0.01375808, 0.00780878, 0.02914176, 0.01640377],
        [0.0330226, 0.01917172, 0.03006772, 0.02777345, 0.34059105, 0.00777055, 0.02067844, 0.00736409, 0.02542657, 0.01284075],
        [0.00827775, 0.00934384, 0.01322738, 0.00526665, 0.00777055, 0.15983874, 0.02105575, 0.00518686, 0.01723737, 0.00723779],
        [0.02165938, 0.02495043, 0.03525971, 0.01375808, 0.02067844, 0.02105575, 0.68056711, 0.01377882, 0.04627027, 0.01926088],
        [0.01332419, 0.00761036, 0.0115493, 0.00780878, 0.00736409, 0.00518686, 0.01377882, 0.95526918, 0.0106553, 0.00760955],
        [0.0343476, 0.02874874, 0.0427563, 0.02914176, 0.02542657, 0.01723737, 0.04627027, 0.0106553, 0.31681584, 0.01854318],
        [0.02249903, 0.01336866, 0.02057303, 0.01640377, 0.01284075, 0.00723779, 0.01926088, 0.00760955, 0.01854318, 0.11079287],
    ]
)  # fmt: skip
# CLA_Data.csv rows 2-3: lower and upper bounds
LOWER, UPPER = np.zeros(10), np.ones(10)

# The published turning points, from the max-return portfolio down to min variance: return, risk,
# lambda (None for the first, where lambda is infinite), then the weights of X1..X10. The first
# two rows are the same portfolio: the authors' code records the start and the first corner.
TURNING_POINTS = [
    (1.190, 0.952, None, [0.000, 1.000, 0.000, 0.000, 0.000, 0.000, 0.000, 0.000, 0.000, 0.000]),
    (1.190, 0.952, 58.303, [0.000, 1.000, 0.000, 0.000, 0.000, 0.000, 0.000, 0.000, 0.000, 0.000]),
    (1.180, 0.546, 4.174, [0.649, 0.351, 0.000, 0.000, 0.000, 0.000, 0.000, 0.000, 0.000, 0.000]),
    (1.160, 0.417, 1.946, [0.434, 0.231, 0.000, 0.335, 0.000, 0.000, 0.000, 0.000, 0.000, 0.000]),
    (1.111, 0.267, 0.165, [0.127, 0.072, 0.000, 0.281, 0.000, 0.000, 0.000, 0.000, 0.000, 0.520]),
    (1.108, 0.265, 0.147, [0.123, 0.070, 0.000, 0.279, 0.000, 0.000, 0.000, 0.006, 0.000, 0.521]),
    (1.022, 0.230, 0.056, [0.087, 0.050, 0.000, 0.224, 0.000, 0.174, 0.000, 0.030, 0.000, 0.435]),
    (1.015, 0.228, 0.052, [0.085, 0.049, 0.000, 0.220, 0.000, 0.180, 0.000, 0.031, 0.006, 0.429]),
    (0.973, 0.220, 0.037, [0.074, 0.044, 0.000, 0.199, 0.026, 0.198, 0.000, 0.033, 0.028, 0.398]),
    (0.950, 0.216, 0.031, [0.068, 0.041, 0.015, 0.188, 0.034, 0.202, 0.000, 0.034, 0.034, 0.383]),
    (0.803, 0.205, 0.000, [0.037, 0.027, 0.095, 0.126, 0.077, 0.219, 0.030, 0.036, 0.061, 0.292]),
]
TP_RETURN = np.array([tp[0] for tp in TURNING_POINTS])
TP_RISK = np.array([tp[1] for tp in TURNING_POINTS])
TP_WEIGHTS = np.array([tp[3] for tp in TURNING_POINTS])
# the max-Sharpe portfolio (risk-free rate 0) and the min-variance portfolio, weights to 4 decimals
MAX_SHARPE_WEIGHTS = np.array([0.0840, 0.0489, 0.0000, 0.2183, 0.0017, 0.1812, 0.0000, 0.0312, 0.0079, 0.4269])
MAX_SHARPE_RISK, MAX_SHARPE_RATIO = 0.2274, 4.45
MIN_VARIANCE_WEIGHTS = np.array([0.0370, 0.0269, 0.0949, 0.1258, 0.0767, 0.2194, 0.0300, 0.0360, 0.0613, 0.2920])
MIN_VARIANCE_RISK = 0.2052

# half a unit in the last printed decimal, plus float slack
PRINTED_3DP = 5e-4 + 1e-9
PRINTED_4DP = 5e-5 + 1e-9
PRINTED_2DP = 5e-3 + 1e-9

MU_S = pd.Series(MU, index=TICKERS)
COV_DF = pd.DataFrame(COV, index=TICKERS, columns=TICKERS)

# One sector holding every asset with limits it can never reach (the budget is 1): the paper's
# optimum is unchanged, but the problem leaves the bounds-only critical-line path, so the frontier is
# the warm-started constrained sweep (primal-dual active set, each point from the last).
SWEEP = Constraints(sector_map=dict.fromkeys(TICKERS, "All"), sector_bounds={"All": (0.0, 1.5)})
# Two sectors capped at exactly 100%: still not binding, but above the 4th turning point all the
# weight sits in sector A, so its cap is active and parallel to the budget (a singular KKT system);
# those sweep points fall back to the compiled cold problem and must land on the paper too.
DEGENERATE = Constraints(
    sector_map={t: ("A" if i < 5 else "B") for i, t in enumerate(TICKERS)},
    sector_bounds={"A": (0.0, 1.0), "B": (0.0, 1.0)},
)
# (constraints, solver, the frontier's solver name)
ROUTES = {
    "critical_line": (None, "auto", "cla"),
    "warm_sweep": (SWEEP, "auto", "active_set"),
    "sweep_with_cold_fallback": (DEGENERATE, "auto", "active_set"),
    "cold_compiled": (None, "cvxpy", "CLARABEL"),
}


@pytest.fixture(scope="module")
def corners():
    return critical_line(MU, COV, LOWER, UPPER, 1.0)


def test_critical_line_reproduces_the_published_turning_points(corners):
    assert corners.weights.shape == (len(TURNING_POINTS), 10)
    np.testing.assert_allclose(corners.weights, TP_WEIGHTS, atol=PRINTED_3DP)
    np.testing.assert_allclose(corners.returns, TP_RETURN, atol=PRINTED_3DP)
    np.testing.assert_allclose(np.sqrt(corners.variances), TP_RISK, atol=PRINTED_3DP)
    assert np.isinf(corners.lambdas[0])
    published_lambdas = np.array([tp[2] for tp in TURNING_POINTS[1:]], dtype=float)
    np.testing.assert_allclose(corners.lambdas[1:], published_lambdas, atol=PRINTED_3DP)


def _published_path(returns: np.ndarray, corners) -> np.ndarray:
    """The published weights at the given returns: weights are affine in the return between two
    adjacent turning points, so each point interpolates the paper's two neighbouring weight rows.
    The knots are the exact corner returns (the printed ones are rounded to 3 decimals, too coarse
    on the steep top segment), which the test above checks against the paper's."""
    knots = corners.returns[1:][::-1]  # increasing, the duplicated first corner dropped
    rows = TP_WEIGHTS[1:][::-1]
    return np.column_stack([np.interp(returns, knots, rows[:, j]) for j in range(rows.shape[1])])


@pytest.mark.parametrize("route", list(ROUTES))
def test_efficient_frontier_passes_through_the_turning_points(route, corners):
    constraints, solver, solver_name = ROUTES[route]
    front = efficient_frontier(MU_S, COV_DF, n_points=50, risk_free_rate=0.0, constraints=constraints, solver=solver)
    assert front.solver == solver_name
    if route == "warm_sweep":  # every point came from the sweep, none from the cold fallback
        assert not [n for n in front.notes if "solved cold" in n]
    if route == "sweep_with_cold_fallback":
        assert [n for n in front.notes if "solved cold" in n]
    # the frontier runs from the paper's min-variance turning point to its max-return one
    np.testing.assert_allclose(front.weights.iloc[0], TP_WEIGHTS[-1], atol=PRINTED_3DP)
    np.testing.assert_allclose(front.weights.iloc[-1], TP_WEIGHTS[0], atol=PRINTED_3DP)
    np.testing.assert_allclose(front.returns.iloc[[0, -1]], TP_RETURN[[-1, 0]], atol=PRINTED_3DP)
    np.testing.assert_allclose(front.volatilities.iloc[[0, -1]], TP_RISK[[-1, 0]], atol=PRINTED_3DP)
    # and every point in between lies on the paper's piecewise-linear path of turning points
    expected = _published_path(front.returns.to_numpy(), corners)
    np.testing.assert_allclose(front.weights.to_numpy(), expected, atol=PRINTED_3DP)


@pytest.mark.parametrize("route", list(ROUTES))
def test_min_variance_at_each_turning_point_return_is_the_published_portfolio(route, corners):
    constraints, solver, _ = ROUTES[route]
    for k in range(1, len(TURNING_POINTS)):
        alloc = mean_variance(
            MU_S, COV_DF, objective="target_return", target=float(corners.returns[k]),
            risk_free_rate=0.0, constraints=constraints, solver=solver,
        )
        np.testing.assert_allclose(alloc.weights.to_numpy(), TP_WEIGHTS[k], atol=PRINTED_3DP, err_msg=f"turning point {k + 1}")
        assert alloc.expected_return == pytest.approx(TP_RETURN[k], abs=PRINTED_3DP)
        assert alloc.volatility == pytest.approx(TP_RISK[k], abs=PRINTED_3DP)


@pytest.mark.parametrize("route", list(ROUTES))
def test_max_sharpe_and_min_variance_are_the_published_portfolios(route):
    constraints, solver, _ = ROUTES[route]
    front = efficient_frontier(MU_S, COV_DF, n_points=10, risk_free_rate=0.0, constraints=constraints, solver=solver)
    assert front.max_sharpe is not None
    direct = {
        objective: mean_variance(MU_S, COV_DF, objective=objective, risk_free_rate=0.0, constraints=constraints, solver=solver)
        for objective in ("max_sharpe", "min_variance")
    }
    for ms in (front.max_sharpe, direct["max_sharpe"]):
        np.testing.assert_allclose(ms.weights.to_numpy(), MAX_SHARPE_WEIGHTS, atol=PRINTED_4DP)
        assert ms.volatility == pytest.approx(MAX_SHARPE_RISK, abs=PRINTED_4DP)
        assert ms.sharpe == pytest.approx(MAX_SHARPE_RATIO, abs=PRINTED_2DP)
    for mv in (front.min_variance, direct["min_variance"]):
        np.testing.assert_allclose(mv.weights.to_numpy(), MIN_VARIANCE_WEIGHTS, atol=PRINTED_4DP)
        assert mv.volatility == pytest.approx(MIN_VARIANCE_RISK, abs=PRINTED_4DP)
