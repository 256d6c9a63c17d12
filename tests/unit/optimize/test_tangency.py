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

N_SECTORS = 4


def _problem(n: int, seed: int) -> tuple[pd.Series, pd.DataFrame, pd.Series]:
    """Seeded 3-factor covariance, vols 15-60%, per-asset Sharpe 0-1, four sectors round-robin."""
    rng = np.random.default_rng(seed)
    tickers = [f"T{i:02d}" for i in range(n)]
    vol = rng.uniform(0.15, 0.60, n)
    b = rng.normal(size=(n, 3)) * vol[:, None] * 0.4
    cov = b @ b.T + np.diag((0.6 * vol) ** 2)
    mu = rng.uniform(0.0, 1.0, n) * np.sqrt(np.diag(cov))
    sectors = pd.Series([f"S{i % N_SECTORS}" for i in range(n)], index=tickers)
    return pd.Series(mu, index=tickers), pd.DataFrame(cov, index=tickers, columns=tickers), sectors


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
