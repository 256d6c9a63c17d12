"""Mean-variance optimisation: max Sharpe, min variance, target return or volatility, max utility."""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd

from ..errors import DataError, InfeasibleError
from ..factor_model import FactorModel
from ._box import (
    FastPathFailed,
    is_long_only_unit,
    max_linear,
    max_sharpe_box,
    min_variance_box,
    nnls_ratio,
    target_return_box,
    utility_box,
)
from ._checks import checked_inputs, checked_number
from ._cla import cla_at_volatility, cla_max_ratio, critical_line
from ._common import make_allocation, single_thread_blas, use_fast_path, variance_of
from ._cvxpy import lp_extreme, solve_general
from ._factor import FactorRisk, checked_factor_inputs, dense_or_factor, is_factor_model
from ._linear_qp import linear_applicable, solve_linear
from .constraints import (
    Constraints,
    Resolved,
    diagnose,
    no_excess_error,
    resolve_checked,
    target_return_error,
    target_volatility_error,
)
from .defaults import DEFAULT_RISK_AVERSION, DEFAULT_RISK_FREE_RATE, OBJECTIVES, Objective
from .results import Allocation

__all__ = ["OBJECTIVES", "Objective", "mean_variance", "mean_variance_arrays", "cost_notes", "risk_inputs"]


@single_thread_blas
def mean_variance(
    mu: pd.Series,
    cov: pd.DataFrame | FactorModel,
    *,
    objective: Objective = "max_sharpe",
    risk_free_rate: float = DEFAULT_RISK_FREE_RATE,
    target: float | None = None,
    risk_aversion: float = DEFAULT_RISK_AVERSION,
    constraints: Constraints | None = None,
    solver: str = "auto",
) -> Allocation:
    r"""Mean-variance optimal portfolio under constraints.

    Parameters
    ----------
    mu : Series
        Annualised expected returns by ticker.
    cov : DataFrame or FactorModel
        Annualised covariance, tickers x tickers (``estimators.covariance``). A matrix that is not
        PSD is repaired to the nearest PSD one (noted). A :class:`~finance_core.FactorModel`
        (``estimators.factor_model``) is solved in factor form on the cvxpy path (never forming
        N x N) above ``DENSE_MAX_N`` = 300 assets or with ``solver="cvxpy"``; at or below it the
        dense fast paths on the covariance it implies are faster (see ``_factor``).
    objective : {"max_sharpe", "min_variance", "target_return", "target_volatility", "max_utility"}
        - ``"max_sharpe"``: :math:`\max (\mu - r_f)'w / \sqrt{w'\Sigma w}` through the convex
          reformulation :math:`\min y'\Sigma y` s.t. :math:`(\mu - r_f)'y = 1`, constraints scaled
          by :math:`\kappa = 1'y / b \ge 0`, :math:`w = y / \kappa` (Cornuejols and Tutuncu 2007,
          *Optimization Methods in Finance*, §8.2);
        - ``"min_variance"``: :math:`\min w'\Sigma w`;
        - ``"target_return"``: :math:`\min w'\Sigma w` s.t. :math:`\mu'w \ge` ``target``;
        - ``"target_volatility"``: :math:`\max \mu'w` s.t. :math:`\sqrt{w'\Sigma w} \le` ``target``;
        - ``"max_utility"``: :math:`\max \mu'w - \tfrac{\delta}{2} w'\Sigma w`, :math:`\delta` =
          ``risk_aversion`` (Markowitz 1952, "Portfolio selection", J. Finance 7(1)).
        Keyword-only, like every setting after the data (see the package docstring).
        Proportional transaction costs :math:`c\,\lVert w - w^0 \rVert_1` are subtracted from the
        expected return wherever it appears.
    risk_free_rate : float
        Annual rate used by max Sharpe and for the reported Sharpe ratio.
    target : float
        Annual target return or volatility, for the two target objectives.
    risk_aversion : float
        :math:`\delta` of max utility; default :data:`~finance_core.optimize.DEFAULT_RISK_AVERSION`
        (2.0, the desk's default).
    constraints : Constraints, optional
        Defaults to long-only, fully invested.
    solver : str
        ``"auto"`` (exact fast path when only bounds constrain, otherwise cvxpy), ``"cvxpy"``
        (force the general path) or a cvxpy solver name to try first (``"CLARABEL"``, ``"OSQP"``,
        ``"SCS"``).

    Returns
    -------
    Allocation
        ``solver`` is ``"nnls"``, ``"active_set"`` (max Sharpe under caps, sector limits and turnover too),
        ``"cla"``, ``"piqp"`` or the cvxpy solver that answered.

    Raises
    ------
    InfeasibleError
        When the constraints conflict; the message names them.
    """
    started = time.perf_counter()
    if objective not in OBJECTIVES:
        raise DataError(
            f"Unknown objective {objective!r}: choose one of {', '.join(OBJECTIVES)}.",
            code="unknown_objective",
        )
    tickers, cov_m, notes, mu_v, rf = risk_inputs(mu, cov, risk_free_rate, solver)
    res = resolve_checked(constraints, tickers, notes)
    if objective in ("target_return", "target_volatility"):
        target = checked_number(_required_target(target, objective), "target")
        if objective == "target_volatility" and target <= 0:
            raise DataError(f"Target volatility must be positive, got {target}.", code="bad_target")
    delta = checked_number(risk_aversion, "risk_aversion")
    if objective == "max_utility" and delta <= 0:
        raise DataError(f"risk_aversion must be positive, got {risk_aversion}.", code="bad_risk_aversion")
    w, used = mean_variance_arrays(
        mu_v, cov_m, res, objective, rf=rf, target=target, delta=delta, solver=solver
    )
    used_name, used_notes = used
    return make_allocation(
        w,
        tickers,
        mu_v,
        cov_m,
        rf=rf,
        method=objective,
        solver=used_name,
        started=started,
        notes=notes + used_notes + cost_notes(w, res),
    )


def risk_inputs(
    mu: pd.Series, cov: pd.DataFrame | FactorModel, risk_free_rate: float, solver: str
) -> tuple[list[str], np.ndarray | FactorRisk, list[str], np.ndarray, float]:
    """Checked ``tickers, cov, notes, mu, rf``; ``cov`` is a FactorRisk for a large FactorModel."""
    if not is_factor_model(cov):
        return checked_inputs(mu, cov, risk_free_rate)
    tickers, risk, notes, mu_v, rf = checked_factor_inputs(cov, mu, risk_free_rate)
    form = dense_or_factor(risk, solver)
    if isinstance(form, FactorRisk):
        k = risk.loadings.shape[1]
        notes.append(
            f"Risk in factor form ({k} factor{'' if k == 1 else 's'} plus specific risk); "
            "the N x N covariance was never formed."
        )
    return tickers, form, notes, mu_v, rf


def cost_notes(w: np.ndarray, res: Resolved) -> list[str]:
    if not res.has_w0:
        return []
    turnover = float(np.abs(w - res.w0).sum())
    out = [f"Turnover from current holdings: {turnover:.2%}."]
    if res.tc > 0:
        out.append(f"Transaction costs: {res.tc * turnover:.4%} of capital.")
    return out


def mean_variance_arrays(
    mu: np.ndarray,
    cov: np.ndarray | FactorRisk,
    res: Resolved,
    objective: Objective,
    *,
    rf: float,
    target: float | None,
    delta: float,
    solver: str,
) -> tuple[np.ndarray, tuple[str, list[str]]]:
    notes: list[str] = []
    excess = mu - rf
    w: np.ndarray | None
    if use_fast_path(res, solver, cov):
        assert isinstance(cov, np.ndarray)
        try:
            exact = _exact_box(mu, excess, cov, res, objective, rf=rf, target=target, delta=delta)
            if exact is not None:
                return exact[0], (exact[1], notes)
        except FastPathFailed as exc:
            notes.append(f"The exact fast path stopped ({exc}); the general solver answered.")
    elif isinstance(cov, np.ndarray) and solver in ("auto", "fast") and linear_applicable(res, objective):
        w, name = solve_linear(objective, excess, cov, res)
        if w is not None:
            return w, (name, notes)
    kind = {"max_sharpe": "max_ratio"}.get(objective, objective)
    extra: dict = {}
    vec = mu
    if objective == "max_sharpe":
        vec = excess
    elif objective == "max_utility":
        vec = mu / delta
        extra["tc"] = res.tc / delta
    if objective in ("target_return", "target_volatility"):
        extra["target"] = _required_target(target, objective)
    first = None if solver in ("auto", "fast", "cvxpy") else solver
    w, name, more = solve_general(kind, vec, cov, res, first=first, **extra)
    notes += more
    if w is None:
        raise _general_failure(mu, excess, cov, res, objective, rf=rf, target=target)
    return w, (name, notes)


def _exact_box(mu: np.ndarray, excess: np.ndarray, cov: np.ndarray, res: Resolved, objective: Objective, *,
               rf: float, target: float | None, delta: float) -> tuple[np.ndarray, str] | None:
    """The exact fast paths for box constraints (weights and the path's name); raises FastPathFailed
    when a path stops, and refuses targets out of reach by how far."""
    if objective == "min_variance":
        return min_variance_box(cov, res)
    if objective == "max_utility":
        return utility_box(mu, cov, res, delta), "active_set"
    if objective == "max_sharpe":
        best, _ = max_linear(excess, res.lo, res.hi, res.budget)
        if best <= 1e-12:
            raise no_excess_error("max_sharpe", best, rf)
        if is_long_only_unit(res):
            return nnls_ratio(cov, excess, res.budget), "nnls"
        return _max_sharpe_capped(mu, excess, cov, res)
    if objective == "target_return":
        goal = _required_target(target, objective)
        best, _ = max_linear(mu, res.lo, res.hi, res.budget)
        if goal > best + 1e-12:
            raise target_return_error(goal, best, False)
        return target_return_box(mu, cov, res, goal)
    if objective == "target_volatility":
        goal = _required_target(target, objective)
        corners = critical_line(mu, cov, res.lo, res.hi, res.budget)
        if goal**2 < corners.variances[-1] * (1 - 1e-12):
            raise target_volatility_error(goal, math.sqrt(corners.variances[-1]))
        return cla_at_volatility(corners, cov, goal), "cla"
    return None


def _general_failure(mu: np.ndarray, excess: np.ndarray, cov: np.ndarray | FactorRisk, res: Resolved,
                     objective: Objective, *, rf: float, target: float | None) -> InfeasibleError:
    """Why the general solver found no portfolio: no excess return, a volatility below the floor,
    or the infeasibility :func:`diagnose` names."""
    if objective == "max_sharpe":
        top = lp_extreme(res, excess, {"sectors", "leverage", "turnover", "costs"})
        if top is not None and top <= 1e-12:
            return no_excess_error("max_sharpe", top, rf)
    if objective == "target_volatility":
        err = diagnose(res, mu, cov, "min_variance", None)
        if err.code != "infeasible":
            return err
        floor = _min_vol_general(cov, res)
        return target_volatility_error(_required_target(target, objective), floor)
    return diagnose(res, mu, cov, objective, target)


def _max_sharpe_capped(mu: np.ndarray, excess: np.ndarray, cov: np.ndarray, res: Resolved) -> tuple[np.ndarray, str]:
    """Max Sharpe under binding caps: the tangency active set (about 20 ms at N = 500 with a 5% cap,
    benchmarks/RESULTS.md), or the critical line algorithm (exact, slower) if its sets cycle."""
    try:
        return max_sharpe_box(cov, excess, res), "active_set"
    except FastPathFailed:
        corners = critical_line(mu, cov, res.lo, res.hi, res.budget)
        return cla_max_ratio(corners, cov, excess), "cla"


def _required_target(target: float | None, objective: str) -> float:
    """``target`` of a target objective; refused by name when missing."""
    if target is None:
        raise DataError(
            f"objective={objective!r} needs target= (an annual {objective.split('_')[1]}, e.g. 0.10).",
            code="missing_target",
        )
    return target


def _min_vol_general(cov: np.ndarray | FactorRisk, res: Resolved) -> float:
    w, _, _ = solve_general("min_variance", np.zeros(len(res.tickers)), cov, res)
    return float(math.sqrt(max(variance_of(w, cov), 0.0))) if w is not None else float("nan")
