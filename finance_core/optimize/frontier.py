"""The efficient frontier: exact corner portfolios under bounds, one compiled cvxpy problem otherwise."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from ..errors import DataError, InfeasibleError, SolverError
from ..factor_model import FactorModel
from ._box import FastPathFailed, pdas_frontier_point, working_set
from ._cla import cla_at_returns, cla_max_ratio, critical_line, quad_rows
from ._common import make_allocation, single_thread_blas, use_fast_path
from ._cvxpy import fill_model, lp_extreme, model_for, risk_values, run_chain, solve_general
from ._factor import FactorRisk
from ._linear_qp import linear_applicable, solve_linear
from .constraints import Constraints, Resolved, diagnose, resolve_checked
from .defaults import DEFAULT_RISK_FREE_RATE
from .mean_variance import mean_variance_arrays, risk_inputs
from .results import Frontier

__all__ = ["efficient_frontier"]


@single_thread_blas
def efficient_frontier(
    mu: pd.Series,
    cov: pd.DataFrame | FactorModel,
    *,
    n_points: int = 50,
    risk_free_rate: float = DEFAULT_RISK_FREE_RATE,
    constraints: Constraints | None = None,
    solver: str = "auto",
) -> Frontier:
    r"""The efficient frontier from the min-variance portfolio to the max-return portfolio.

    ``n_points`` target returns evenly spaced between the two ends; each point is
    :math:`\min w'\Sigma w` s.t. :math:`\mu'w \ge r_k` and the constraints. Under bounds only,
    the critical line algorithm (Markowitz 1956; Niedermayer and Niedermayer 2007) gives the
    corner portfolios and every point is an exact interpolation between two corners (weights
    are piecewise linear in the target return). Otherwise one parametrised cvxpy problem is
    compiled once and re-solved for each target (DPP). Under caps and sector limits (no turnover,
    costs or leverage) the points are one warm-started sweep instead: each point's primal-dual
    active set starts from the previous point's working set (``_box.pdas_frontier_point``), so a
    point costs a few factorisations of the free block; a point that cycles is solved cold on the
    compiled problem (noted). A large
    :class:`~finance_core.FactorModel` (over 300 assets, or ``solver="cvxpy"``) is traced in factor
    form on that path, statistics included, without forming the N x N covariance.
    """
    started = time.perf_counter()
    if not isinstance(n_points, int | np.integer) or n_points < 2:
        raise DataError(f"n_points must be an integer of at least 2, got {n_points!r}.", code="bad_n_points")
    tickers, cov_m, notes, mu_v, rf = risk_inputs(mu, cov, risk_free_rate, solver)
    res = resolve_checked(constraints, tickers, notes)
    n_points = int(n_points)
    traced = _cla_frontier(mu_v, cov_m, res, rf, n_points, notes) if use_fast_path(res, solver, cov_m) else None
    if traced is None:
        traced = _general_frontier(mu_v, cov_m, res, rf, n_points, solver, notes)
    weights, w_mv, w_ms, used = traced
    rets = weights @ mu_v
    if isinstance(cov_m, FactorRisk):
        vols = np.sqrt(np.maximum(cov_m.row_variances(weights), 0.0))
        asset_vol = np.sqrt(cov_m.asset_variances())
    else:
        vols = np.sqrt(np.maximum(quad_rows(weights, cov_m, weights), 0.0))
        asset_vol = np.sqrt(np.diag(cov_m))
    with np.errstate(divide="ignore", invalid="ignore"):
        sharpes = (rets - rf) / vols
    idx = pd.RangeIndex(n_points, name="point")
    min_var = make_allocation(
        w_mv, tickers, mu_v, cov_m, rf=rf, method="min_variance", solver=used, started=started, notes=()
    )
    if w_ms is None:
        max_sh = None
        notes.append(
            "No portfolio beats the risk-free rate: there is no max Sharpe point (use min variance)."
        )
    else:
        max_sh = make_allocation(
            w_ms, tickers, mu_v, cov_m, rf=rf, method="max_sharpe", solver=used, started=started, notes=()
        )
    return Frontier(
        returns=pd.Series(rets, index=idx, name="return"),
        volatilities=pd.Series(vols, index=idx, name="volatility"),
        sharpes=pd.Series(sharpes, index=idx, name="sharpe"),
        weights=pd.DataFrame(
            np.where(np.abs(weights) < 1e-14, 0.0, weights),
            index=idx,
            columns=pd.Index(tickers, name="ticker"),
        ),
        min_variance=min_var,
        max_sharpe=max_sh,
        asset_returns=pd.Series(mu_v, index=pd.Index(tickers, name="ticker"), name="return"),
        asset_volatilities=pd.Series(asset_vol, index=pd.Index(tickers, name="ticker"), name="volatility"),
        risk_free_rate=rf,
        solver=used,
        solve_seconds=time.perf_counter() - started,
        notes=tuple(dict.fromkeys(notes)),
    )


def _cla_frontier(
    mu_v: np.ndarray, cov_m: np.ndarray | FactorRisk, res: Resolved, rf: float, n_points: int, notes: list[str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str] | None:
    """Weights of every point, min variance, max Sharpe (or None) and "cla", by the critical line
    algorithm (bounds only); None, with a note, when it stops and the general solver must trace it."""
    assert isinstance(cov_m, np.ndarray)
    try:
        corners = critical_line(mu_v, cov_m, res.lo, res.hi, res.budget)
        targets = np.linspace(corners.returns[-1], corners.returns[0], n_points)
        excess = mu_v - rf
        w_ms = cla_max_ratio(corners, cov_m, excess) if (corners.weights @ excess).max() > 1e-12 else None
        return cla_at_returns(corners, targets), corners.weights[-1], w_ms, "cla"
    except FastPathFailed as exc:
        notes.append(f"The critical line algorithm stopped ({exc}); the general solver traced the frontier.")
        return None


def _general_frontier(
    mu_v: np.ndarray, cov_m: np.ndarray | FactorRisk, res: Resolved, rf: float, n_points: int,
    solver: str, notes: list[str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str]:
    """Weights of every point, min variance, max Sharpe (or None) and the solver, beyond bounds only."""
    sweep = isinstance(cov_m, np.ndarray) and solver in ("auto", "fast") and res.max_turnover is None \
        and linear_applicable(res, "min_variance")
    w_mv, start, used = None, None, ""
    if sweep:
        assert isinstance(cov_m, np.ndarray)
        w_mv, start = _swept_min_variance(cov_m, mu_v, res)
        sweep, used = w_mv is not None, "active_set"
    if w_mv is None:
        w_mv, used, more = solve_general("min_variance", np.zeros(len(res.tickers)), cov_m, res)
        notes += more
        if w_mv is None:
            raise diagnose(res, mu_v, cov_m, "min_variance", None)
    r_lo = float(mu_v @ w_mv) - (res.tc * np.abs(w_mv - res.w0).sum() if res.tc else 0.0)
    r_hi = lp_extreme(res, mu_v, {"sectors", "leverage", "turnover", "costs"})
    if r_hi is None:  # the min-variance portfolio is feasible, so only failing LP solvers get here
        raise SolverError(
            "No LP solver found the highest attainable return, where the frontier ends: "
            "loosen the constraints or rescale the expected returns, then try again.",
            code="all_solvers_failed",
        )
    targets = np.linspace(r_lo, r_hi, n_points)
    # the last point sits on the boundary: back off a hair so the solver keeps it feasible
    targets[-1] -= 1e-9 * max(1.0, abs(targets[-1]))
    weights = np.full((n_points, len(res.tickers)), np.nan)
    if sweep:
        assert isinstance(cov_m, np.ndarray)
        for k, tr in enumerate(targets):
            try:
                weights[k], start = pdas_frontier_point(cov_m, mu_v, res, float(tr), start)
            except FastPathFailed:
                start = None  # the next point starts cold; this one goes to the compiled problem
    cold = np.flatnonzero(np.isnan(weights[:, 0]))
    if cold.size:
        cold_used = _cold_points(weights, cold, targets, mu_v, cov_m, res, solver, notes)
        if sweep:
            notes.append(f"{cold.size} of {n_points} frontier points were solved cold by {cold_used}.")
        else:
            used = cold_used or used
    try:
        w_ms = mean_variance_arrays(
            mu_v, cov_m, res, "max_sharpe", rf=rf, target=None, delta=1.0,
            solver="auto" if sweep else "cvxpy",
        )[0]
    except InfeasibleError:
        w_ms = None
    return weights, w_mv, w_ms, used


def _swept_min_variance(
    cov: np.ndarray, mu: np.ndarray, res: Resolved
) -> tuple[np.ndarray | None, tuple[np.ndarray, np.ndarray] | None]:
    """The sweep's first point and working set: PIQP's min variance (``_linear_qp``; 0.2 s at N = 500
    against 1.1 s for the primal-dual active set from every weight free, which refactors the whole
    free block a few times), then the active set re-sorted from the working set it holds on, which
    makes it exact; from every weight free if PIQP fails; ``(None, None)`` when both fail."""
    w, _ = solve_linear("min_variance", np.zeros(len(res.tickers)), cov, res)
    for start in ((working_set(w, res),) if w is not None else ()) + (None,):
        try:
            return pdas_frontier_point(cov, mu, res, None, start)
        except FastPathFailed:
            continue
    return None, None


def _cold_points(
    weights: np.ndarray, points: np.ndarray, targets: np.ndarray, mu_v: np.ndarray,
    cov_m: np.ndarray | FactorRisk, res: Resolved, solver: str, notes: list[str],
) -> str:
    """Fill ``weights[points]`` from one compiled target-return problem re-solved per target (DPP)."""
    model = model_for("target_return", res, cov_m)
    used = ""
    with model.lock:
        fill_model(model, res, risk_values(cov_m, model), mu_v)
        for k in points:
            model.set(target=float(targets[k]))
            status, values, more = run_chain(model, None if solver in ("auto", "fast", "cvxpy") else solver)
            if status != "optimal" and k == len(targets) - 1:
                # The top point sits on the highest attainable return: in factor form Clarabel called it
                # infeasible at the 1e-9 back-off (a 500-asset 5% cap). 1e-6 keeps it inside the feasible set.
                targets[k] -= 1e-6 * max(1.0, abs(float(targets[k])))
                model.set(target=float(targets[k]))
                status, values, more = run_chain(model, None if solver in ("auto", "fast", "cvxpy") else solver)
            notes += more
            if status != "optimal":
                notes.append(f"Frontier point {k} ({targets[k]:.2%}) could not be solved ({status}).")
                continue
            weights[k] = values["w"]
            used = values["solver"]
    return used
