"""The dense-QP fast path for caps and sector limits (issue 12) against cvxpy/Clarabel and PyPortfolioOpt."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pypfopt import EfficientFrontier

from finance_core import optimize as opt
from finance_core.errors import InfeasibleError


def _problem(n: int, seed: int) -> tuple[pd.Series, pd.DataFrame, pd.Series]:
    """Seeded factor covariance with vols 15-60% and per-asset Sharpe 0-1, four sectors."""
    rng = np.random.default_rng(seed)
    tickers = [f"T{i:02d}" for i in range(n)]
    vol = rng.uniform(0.15, 0.60, n)
    b = rng.normal(size=(n, 3)) * vol[:, None] * 0.4
    cov = b @ b.T + np.diag((0.6 * vol) ** 2)
    mu = rng.uniform(0.0, 1.0, n) * np.sqrt(np.diag(cov))
    sectors = pd.Series([f"S{i % 4}" for i in range(n)], index=tickers)
    return pd.Series(mu, index=tickers), pd.DataFrame(cov, index=tickers, columns=tickers), sectors


def _constraints(sectors: pd.Series, cap: float, sector_cap: float) -> opt.Constraints:
    return opt.Constraints(bounds=(0.0, cap), sector_map=sectors,
                           sector_bounds={s: (0.0, sector_cap) for s in sorted(set(sectors))})


def _pypfopt(mu: pd.Series, cov: pd.DataFrame, sectors: pd.Series, cap: float, sector_cap: float,
             objective: str) -> pd.Series:
    ef = EfficientFrontier(mu, cov, weight_bounds=(0, cap), solver="CLARABEL")
    names = sorted(set(sectors))
    ef.add_sector_constraints(sectors.to_dict(), {s: 0.0 for s in names}, {s: sector_cap for s in names})
    raw = ef.max_sharpe(risk_free_rate=0.0) if objective == "max_sharpe" else ef.min_volatility()
    return pd.Series(raw).reindex(mu.index)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("objective", ["max_sharpe", "min_variance"])
def test_fast_path_matches_clarabel_and_pypfopt(seed: int, objective: str) -> None:
    mu, cov, sectors = _problem(40, seed)
    cons = _constraints(sectors, cap=0.08, sector_cap=0.30)
    fast = opt.mean_variance(mu, cov, objective=objective, constraints=cons)
    general = opt.mean_variance(mu, cov, objective=objective, constraints=cons, solver="CLARABEL")
    peer = _pypfopt(mu, cov, sectors, 0.08, 0.30, objective)
    # max Sharpe answers from the tangency active set, min variance from PIQP
    assert fast.solver == ("active_set" if objective == "max_sharpe" else "piqp")
    assert general.solver == "CLARABEL"
    np.testing.assert_allclose(fast.weights, general.weights, atol=1e-6)
    # PyPortfolioOpt's Clarabel call stops at its default tolerances (weights ~1e-4 apart on a flat
    # min-variance valley), so the peer is checked by weights at 5e-4 and by objective tightly
    np.testing.assert_allclose(fast.weights, peer, atol=5e-4)
    peer_var = float(peer @ cov @ peer)
    if objective == "min_variance":
        assert fast.volatility**2 <= peer_var + 1e-10
    else:
        assert fast.sharpe >= float(peer @ mu) / np.sqrt(peer_var) - 1e-8
    # the constraints hold, and the objective is no worse than Clarabel's beyond solver tolerance
    w = fast.weights
    assert w.min() >= -1e-9 and w.max() <= 0.08 + 1e-9 and abs(w.sum() - 1) < 1e-9
    assert w.groupby(sectors).sum().max() <= 0.30 + 1e-9
    if objective == "max_sharpe":
        assert fast.sharpe >= general.sharpe - 1e-8
    else:
        assert fast.volatility <= general.volatility + 1e-9


def test_fast_path_infeasible_sectors_name_the_conflict() -> None:
    """Four sectors capped at 20% cannot hold a fully invested book: the message says so."""
    mu, cov, sectors = _problem(20, 5)
    cons = _constraints(sectors, cap=0.2, sector_cap=0.2)
    for objective in ("max_sharpe", "min_variance"):
        with pytest.raises(InfeasibleError, match="(?i)sector"):
            opt.mean_variance(mu, cov, objective=objective, constraints=cons)


def test_turnover_takes_the_kink_active_set_and_costs_the_general_path() -> None:
    """Min variance with a turnover budget answers from ``_turnover`` (tests/unit/optimize/test_tangency.py
    checks it against Clarabel), and so does max Sharpe with turnover (test_sharpe_turnover.py)."""
    mu, cov, sectors = _problem(30, 6)
    cons = opt.Constraints(bounds=(0.0, 0.1), sector_map=sectors,
                           sector_bounds={s: (0.0, 0.4) for s in sorted(set(sectors))},
                           current_weights=pd.Series(1 / 30, index=mu.index), max_turnover=0.2)
    a = opt.mean_variance(mu, cov, objective="min_variance", constraints=cons)
    assert a.solver == "active_set"
    assert float((a.weights - 1 / 30).abs().sum()) <= 0.2 + 1e-7
    assert opt.mean_variance(mu, cov, objective="max_sharpe", constraints=cons).solver == "active_set"
