"""Max Sharpe under caps and sector limits from the tangency active set (issue 12).

The oracle is an independent cvxpy model of the homogenised program (Cornuejols and Tutuncu 2007,
*Optimization Methods in Finance*, section 8.2: min y'Sy s.t. (mu - rf)'y = 1, 1'y = kappa,
lo kappa <= y <= hi kappa, sector rows scaled by kappa, kappa >= 0; w = y / kappa) solved by
Clarabel at tight tolerances, on seeded random problems; the critical line algorithm is the
second oracle for box-only problems.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest

from finance_core import optimize as opt
from finance_core.errors import InfeasibleError
from finance_core.optimize import _box
from finance_core.optimize._cla import cla_max_ratio, critical_line
from finance_core.optimize.constraints import resolve_checked
from tests.unit.optimize.test_linear_qp import _problem  # the same seeded problems, four sectors


def _clarabel_tangency(mu: pd.Series, cov: pd.DataFrame, lo: float, hi: float, rf: float,
                       sectors: pd.Series | None, sector_bounds: dict[str, tuple[float, float]]) -> np.ndarray:
    """The homogenised max-Sharpe program in plain cvxpy, Clarabel at 1e-10 tolerances."""
    n = len(mu)
    y, kappa = cp.Variable(n), cp.Variable(nonneg=True)
    cons = [(mu.to_numpy() - rf) @ y == 1, cp.sum(y) == kappa, y >= lo * kappa, y <= hi * kappa]
    if sectors is not None:
        for name, (s_lo, s_hi) in sector_bounds.items():
            member = (sectors == name).to_numpy().astype(float)
            cons += [member @ y >= s_lo * kappa, member @ y <= s_hi * kappa]
    prob = cp.Problem(cp.Minimize(cp.quad_form(y, cp.psd_wrap(cov.to_numpy()))), cons)
    prob.solve(solver="CLARABEL", tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11)
    assert prob.status == "optimal"
    return np.asarray(y.value) / float(kappa.value)


def _sharpe(w: np.ndarray, mu: pd.Series, cov: pd.DataFrame, rf: float) -> float:
    return float((mu.to_numpy() - rf) @ w / np.sqrt(w @ cov.to_numpy() @ w))


# (n, lower, cap, rf, sector bounds or None): long-only caps, floors, a short box, a risk-free rate
CASES = [
    (30, 0.0, 0.06, 0.0, None),
    (60, 0.0, 0.03, 0.02, None),
    (25, 0.01, 0.10, 0.0, None),
    (40, -0.05, 0.08, 0.01, None),
    (40, 0.0, 0.08, 0.0, (0.0, 0.30)),
    (80, 0.0, 0.04, 0.02, (0.10, 0.28)),
    (30, 0.0, 0.10, 0.0, (0.20, 0.26)),
]


@pytest.mark.parametrize("seed", [11, 12, 13])
@pytest.mark.parametrize(("n", "lower", "cap", "rf", "sector_range"), CASES)
def test_tangency_matches_clarabel(seed: int, n: int, lower: float, cap: float, rf: float,
                                   sector_range: tuple[float, float] | None) -> None:
    mu, cov, sectors = _problem(n, seed)
    bounds = {s: sector_range for s in sorted(set(sectors))} if sector_range else {}
    cons = opt.Constraints(bounds=(lower, cap), sector_map=sectors if bounds else None,
                           sector_bounds=bounds or None)
    got = opt.mean_variance(mu, cov, objective="max_sharpe", risk_free_rate=rf, constraints=cons)
    assert got.solver == "active_set"
    oracle = _clarabel_tangency(mu, cov, lower, cap, rf, sectors if bounds else None, bounds)
    w = got.weights.to_numpy()
    np.testing.assert_allclose(w, oracle, atol=1e-6)
    assert _sharpe(w, mu, cov, rf) >= _sharpe(oracle, mu, cov, rf) - 1e-10  # never a worse Sharpe
    assert abs(w.sum() - 1) < 1e-10 and w.min() >= lower - 1e-12 and w.max() <= cap + 1e-12
    if bounds:
        sums = got.weights.groupby(sectors).sum()
        assert sums.min() >= sector_range[0] - 1e-10 and sums.max() <= sector_range[1] + 1e-10


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_box_tangency_equals_the_critical_line(seed: int) -> None:
    """Both exact methods give the same corner-set optimum, to rounding."""
    mu, cov, _ = _problem(50, seed)
    res = resolve_checked(opt.Constraints(bounds=(0.0, 0.05)), list(mu.index), [])
    excess = mu.to_numpy() - 0.01
    fast = _box.max_sharpe_box(cov.to_numpy(), excess, res)
    corners = critical_line(mu.to_numpy(), cov.to_numpy(), res.lo, res.hi, res.budget)
    np.testing.assert_allclose(fast, cla_max_ratio(corners, cov.to_numpy(), excess), atol=1e-9)


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_safeguarded_search_when_the_sets_cycle(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the primal-dual sets cycle, the bracketed frontier search still lands on the optimum."""
    mu, cov, _ = _problem(40, seed)

    def cycled(*_args: object, **_kw: object) -> np.ndarray:
        raise _box.FastPathFailed("primal-dual active set cycled")

    monkeypatch.setattr(_box, "pdas_sharpe", cycled)
    res = resolve_checked(opt.Constraints(bounds=(0.0, 0.07)), list(mu.index), [])
    got = _box.max_sharpe_box(cov.to_numpy(), mu.to_numpy(), res)
    np.testing.assert_allclose(got, _clarabel_tangency(mu, cov, 0.0, 0.07, 0.0, None, {}), atol=1e-6)


def test_sector_tangency_falls_back_to_piqp_when_the_sets_cycle(monkeypatch: pytest.MonkeyPatch) -> None:
    from finance_core.optimize import _linear_qp

    def cycled(*_args: object, **_kw: object) -> np.ndarray:
        raise _box.FastPathFailed("primal-dual active set cycled")

    monkeypatch.setattr(_linear_qp, "pdas_sharpe", cycled)
    mu, cov, sectors = _problem(30, 7)
    bounds = {s: (0.0, 0.3) for s in sorted(set(sectors))}
    got = opt.mean_variance(mu, cov, constraints=opt.Constraints(bounds=(0.0, 0.08), sector_map=sectors,
                                                                 sector_bounds=bounds))
    assert got.solver == "piqp"
    oracle = _clarabel_tangency(mu, cov, 0.0, 0.08, 0.0, sectors, bounds)
    np.testing.assert_allclose(got.weights.to_numpy(), oracle, atol=1e-6)


@pytest.mark.parametrize(
    ("cap", "sector_bounds", "code", "named"),
    [
        (0.03, None, "bounds_below_budget", "cap of 3.00%"),  # 20 assets x 3% cannot reach 100%
        (0.2, {f"S{i}": (0.0, 0.2) for i in range(4)}, "sector_maximums_below_budget", "Sector maximums"),
        (0.2, {f"S{i}": (0.3, 0.6) for i in range(4)}, "sector_minimums_above_budget", "S0 30%"),
        (0.08, {"S0": (0.45, 1.0)}, "sector_min_unreachable", "Sector S0"),  # 5 assets x 8% < 45%
    ],
)
def test_infeasible_problems_name_the_conflict(cap: float, sector_bounds: dict[str, tuple[float, float]] | None,
                                               code: str, named: str) -> None:
    mu, cov, sectors = _problem(20, 9)
    cons = opt.Constraints(bounds=(0.0, cap), sector_map=sectors if sector_bounds else None,
                           sector_bounds=sector_bounds)
    with pytest.raises(InfeasibleError, match=named) as err:
        opt.mean_variance(mu, cov, objective="max_sharpe", constraints=cons)
    assert err.value.code == code


def _clarabel_min_variance_turnover(cov: pd.DataFrame, lower: float, cap: float, h: np.ndarray, budget: float,
                                    sectors: pd.Series | None, sector_cap: float) -> np.ndarray:
    """min w'Sw under the bounds, sector caps and sum |w - h| <= budget, in plain cvxpy (Clarabel, 1e-11)."""
    w = cp.Variable(len(h))
    cons = [cp.sum(w) == 1, w >= lower, w <= cap, cp.norm1(w - h) <= budget]
    if sectors is not None:
        cons += [(sectors == s).to_numpy().astype(float) @ w <= sector_cap for s in sorted(set(sectors))]
    prob = cp.Problem(cp.Minimize(cp.quad_form(w, cp.psd_wrap(cov.to_numpy()))), cons)
    prob.solve(solver="CLARABEL", tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11)
    assert prob.status == "optimal"
    return np.asarray(w.value)


# (n, cap, holdings, turnover budget, sector cap or None, answered by the kink active set)
TURNOVER_CASES = [
    (30, 0.08, "equal", 0.2, None, True),
    # tight caps, sectors and a 10% budget: the primal-dual sets can cycle here (seeds 31, 32),
    # and the general path then answers the same optimum
    (60, 0.04, "equal", 0.1, 0.3, False),
    (40, 0.10, "sparse", 0.5, None, True),  # half the names held at 0: kinks at the lower bound
    (40, 0.10, "sparse", 0.8, 0.35, True),
    (25, 0.15, "equal", 5.0, None, True),  # a budget that never binds
]


@pytest.mark.parametrize("seed", [31, 32, 33])
@pytest.mark.parametrize(("n", "cap", "held", "budget", "sector_cap", "fast"), TURNOVER_CASES)
def test_min_variance_turnover_matches_clarabel(seed: int, n: int, cap: float, held: str, budget: float,
                                                sector_cap: float | None, fast: bool) -> None:
    mu, cov, sectors = _problem(n, seed)
    h = np.full(n, 1.0 / n)
    if held == "sparse":
        h = np.where(np.arange(n) % 2 == 0, 2.0 / n, 0.0)
    bounds = {s: (0.0, sector_cap) for s in sorted(set(sectors))} if sector_cap else None
    cons = opt.Constraints(bounds=(0.0, cap), current_weights=pd.Series(h, index=mu.index), max_turnover=budget,
                           sector_map=sectors if bounds else None, sector_bounds=bounds)
    got = opt.mean_variance(mu, cov, objective="min_variance", constraints=cons)
    assert got.solver == "active_set" if fast else got.solver in ("active_set", "CLARABEL")
    oracle = _clarabel_min_variance_turnover(cov, 0.0, cap, h, budget, sectors if bounds else None,
                                             sector_cap or 1.0)
    w = got.weights.to_numpy()
    np.testing.assert_allclose(w, oracle, atol=1e-6 if got.solver == "active_set" else 1e-5)
    c = cov.to_numpy()
    assert w @ c @ w <= oracle @ c @ oracle + (1e-12 if got.solver == "active_set" else 1e-9)  # never a worse variance
    assert np.abs(w - h).sum() <= budget + 1e-10 and w.max() <= cap + 1e-12 and w.min() >= -1e-12


def test_turnover_falls_back_to_the_general_path_when_the_sets_cycle(monkeypatch: pytest.MonkeyPatch) -> None:
    from finance_core.optimize import _linear_qp

    def cycled(*_args: object, **_kw: object) -> np.ndarray:
        raise _box.FastPathFailed("primal-dual active set cycled")

    monkeypatch.setattr(_linear_qp, "min_variance_turnover", cycled)
    mu, cov, _ = _problem(30, 8)
    h = np.full(30, 1 / 30)
    cons = opt.Constraints(bounds=(0.0, 0.08), current_weights=pd.Series(h, index=mu.index), max_turnover=0.2)
    got = opt.mean_variance(mu, cov, objective="min_variance", constraints=cons)
    assert got.solver == "CLARABEL"
    np.testing.assert_allclose(got.weights.to_numpy(), _clarabel_min_variance_turnover(cov, 0.0, 0.08, h, 0.2, None, 1.0),
                               atol=1e-5)


def test_turnover_too_small_to_reach_the_caps_names_the_budget() -> None:
    """Holdings of 20% in each of five names cannot move under a 10% cap with 10% turnover."""
    mu, cov, _ = _problem(20, 10)
    h = np.where(np.arange(20) < 5, 0.2, 0.0)
    cons = opt.Constraints(bounds=(0.0, 0.1), current_weights=pd.Series(h, index=mu.index), max_turnover=0.1)
    with pytest.raises(InfeasibleError, match="(?i)turnover") as err:
        opt.mean_variance(mu, cov, objective="min_variance", constraints=cons)
    assert err.value.code == "turnover_too_tight"


def test_a_single_feasible_corner() -> None:
    """20 assets capped at 5% leave one portfolio (equal weights): one asset stays free at its cap
    (the budget row needs one), or, with none free, the critical line answers."""
    mu, cov, _ = _problem(20, 14)
    got = opt.mean_variance(mu, cov, objective="max_sharpe", constraints=opt.Constraints(bounds=(0.0, 0.05)))
    assert got.solver in ("active_set", "cla")
    np.testing.assert_allclose(got.weights.to_numpy(), np.full(20, 0.05), atol=1e-12)
