"""Other objectives on the same inputs: fractional Kelly, max diversification and min CVaR."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..estimators import clean_returns
from ._box import FastPathFailed, is_long_only_unit, nnls_ratio
from ._checks import checked_inputs, checked_number, prepare_cov, prepare_mu
from ._cla import cla_max_ratio, critical_line
from ._common import make_allocation, single_thread_blas, use_fast_path
from ._cvxpy import OneOff, run_chain, solve_general
from .constraints import Constraints, Resolved, diagnose, resolve_checked
from .defaults import DEFAULT_CVAR_ALPHA, DEFAULT_RISK_FREE_RATE
from .mean_variance import cost_notes, mean_variance_arrays
from .results import Allocation

__all__ = ["kelly", "max_diversification", "min_cvar"]


@single_thread_blas
def kelly(
    mu: pd.Series,
    cov: pd.DataFrame,
    *,
    fraction: float = 1.0,
    risk_free_rate: float = DEFAULT_RISK_FREE_RATE,
    constraints: Constraints | None = None,
    solver: str = "auto",
) -> Allocation:
    r"""Fractional Kelly portfolio (growth-optimal under a Gaussian approximation).

    The expected log-growth :math:`g(w) \approx r_f + w'(\mu - r_f) - \tfrac12 w'\Sigma w` is maximised
    by :math:`w^* = \Sigma^{-1}(\mu - r_f)`; fractional Kelly holds :math:`f w^*` (Thorp 2006, "The
    Kelly criterion in blackjack, sports betting and the stock market", Handbook of Asset and
    Liability Management, §7; MacLean, Thorp and Ziemba 2011). Without ``constraints`` the
    weights need not sum to one: the rest is cash (or borrowing when they exceed one). With
    ``constraints`` it is :math:`\max (\mu - r_f)'w - \tfrac{1}{2f} w'\Sigma w` under them.
    ``fraction`` defaults to full Kelly (1.0); the desk's default is
    :data:`~finance_core.optimize.DEFAULT_KELLY_FRACTION` (half Kelly).
    """
    started = time.perf_counter()
    f = checked_number(fraction, "fraction")
    if f <= 0:
        raise DataError(
            f"Kelly fraction must be positive (e.g. 0.5 for half Kelly), got {fraction}.", code="bad_fraction"
        )
    tickers, cov_m, notes, mu_v, rf = checked_inputs(mu, cov, risk_free_rate)
    if f > 1:
        notes.append(f"A fraction of {f:g} bets more than full Kelly: growth falls and risk rises.")
    if constraints is None:
        try:
            w = f * np.linalg.solve(cov_m, mu_v - rf)
        except np.linalg.LinAlgError:
            raise DataError(
                "The covariance matrix is singular, so unconstrained Kelly weights are undefined: use a "
                "shrinkage covariance (ledoit_wolf/oas) or pass constraints.",
                code="singular_covariance",
            ) from None
        if np.linalg.cond(cov_m) > 1e12:
            raise DataError(
                "The covariance matrix is nearly singular: unconstrained Kelly weights would be meaningless. "
                "Use a shrinkage covariance (ledoit_wolf/oas) or pass constraints.",
                code="singular_covariance",
            )
        total = float(w.sum())
        if total <= 1:
            notes.append(f"Kelly weights sum to {total:.2%}: the remaining {1 - total:.2%} is held in cash.")
        else:
            notes.append(
                f"Kelly weights sum to {total:.2%}: {total - 1:.2%} is borrowed at the risk-free rate."
            )
        return make_allocation(
            w, tickers, mu_v, cov_m, rf=rf, method="kelly", solver="closed_form", started=started, notes=notes
        )
    res = resolve_checked(constraints, tickers, notes)
    w, (name, more) = mean_variance_arrays(
        mu_v - rf, cov_m, res, "max_utility", rf=0.0, target=None, delta=1.0 / f, solver=solver
    )
    return make_allocation(
        w, tickers, mu_v, cov_m, rf=rf, method="kelly", solver=name, started=started, notes=notes + more
    )


@single_thread_blas
def max_diversification(
    cov: pd.DataFrame,
    *,
    mu: pd.Series | None = None,
    constraints: Constraints | None = None,
    risk_free_rate: float = DEFAULT_RISK_FREE_RATE,
    solver: str = "auto",
) -> Allocation:
    r"""Most diversified portfolio: maximise :math:`D(w) = \sigma'w / \sqrt{w'\Sigma w}`.

    The diversification ratio is a Sharpe ratio with the asset volatilities :math:`\sigma` in
    place of excess returns, so the same convex reformulation and fast paths apply
    (Choueifaty and Coignard 2008, "Toward maximum diversification", J. Portfolio Management
    35(1)). ``mu`` is only used to report the expected return. The ratio is in ``notes``.
    """
    started = time.perf_counter()
    tickers, cov_m, notes = prepare_cov(cov)
    res = resolve_checked(constraints, tickers, notes)
    sigma = np.sqrt(np.diag(cov_m))
    if np.any(sigma <= 0):
        bad = [tickers[i] for i in np.flatnonzero(sigma <= 0)]
        raise DataError(f"Zero volatility for {', '.join(bad)}: drop these tickers.", code="zero_volatility")
    mu_v = prepare_mu(mu, tickers) if mu is not None else None
    w = None
    name = ""
    if use_fast_path(res, solver):
        try:
            if is_long_only_unit(res):
                w, name = nnls_ratio(cov_m, sigma, res.budget), "nnls"
            else:
                w, name = (
                    cla_max_ratio(critical_line(sigma, cov_m, res.lo, res.hi, res.budget), cov_m, sigma),
                    "cla",
                )
        except FastPathFailed as exc:
            notes.append(f"The exact fast path stopped ({exc}); the general solver answered.")
    if w is None:
        first = None if solver in ("auto", "fast", "cvxpy") else solver
        w, name, more = solve_general("max_ratio", sigma, cov_m, res, first=first)
        notes += more
        if w is None:
            raise diagnose(res, sigma, cov_m, "max_diversification", None)
    ratio = float(sigma @ w / math.sqrt(max(w @ cov_m @ w, 1e-300)))
    notes.append(f"Diversification ratio: {ratio:.4f}.")
    return make_allocation(
        w,
        tickers,
        mu_v,
        cov_m,
        rf=risk_free_rate,
        method="max_diversification",
        solver=name,
        started=started,
        notes=notes,
    )


def _cvar_scenarios(frame: pd.DataFrame, a: float, notes: list[str]) -> pd.DataFrame:
    """The complete return rows (dropped rows noted); refused when the tail holds under one scenario."""
    complete = frame.dropna(how="any")
    if len(complete) < len(frame):
        notes.append(f"{len(frame) - len(complete)} dates with a missing return were dropped.")
    t_obs = len(complete)
    if t_obs * (1 - a) < 1:
        raise DataError(
            f"{t_obs} scenarios are too few for CVaR at {a:.0%}: the tail holds less than one scenario. "
            "Use a longer history or a lower alpha.",
            code="too_few_observations",
        )
    return complete


def _cvar_problem(scen: np.ndarray, res: Resolved, a: float) -> tuple[Any, Any, Any]:
    """The Rockafellar-Uryasev program under the resolved constraints: problem, weights, CVaR expression."""
    import cvxpy as cp

    w = cp.Variable(scen.shape[1])
    zeta = cp.Variable()
    t_obs = scen.shape[0]
    u = cp.Variable(t_obs, nonneg=True)
    cons = [u >= -scen @ w - zeta, cp.sum(w) == res.budget, w >= res.lo, w <= res.hi]
    if len(res.sector_names):
        cons += [res.sector_matrix @ w >= res.sector_lo, res.sector_matrix @ w <= res.sector_hi]
    if res.max_turnover is not None:
        cons.append(cp.norm1(w - res.w0) <= res.max_turnover)
    if res.leverage is not None:
        cons.append(cp.norm1(w) <= res.leverage)
    cvar = zeta + cp.sum(u) / ((1 - a) * t_obs)
    objective = cvar + (res.tc * cp.norm1(w - res.w0) if res.tc > 0 else 0)
    return cp.Problem(cp.Minimize(objective), cons), w, cvar


def min_cvar(
    returns: pd.DataFrame,
    *,
    alpha: float = DEFAULT_CVAR_ALPHA,
    constraints: Constraints | None = None,
    periods_per_year: float = 252,
    risk_free_rate: float = DEFAULT_RISK_FREE_RATE,
    solver: str = "auto",
) -> Allocation:
    r"""Minimum conditional value-at-risk portfolio on historical scenarios.

    The Rockafellar-Uryasev linear program over the :math:`T` return scenarios :math:`r_t`:
    :math:`\min_{w, \zeta, u} \zeta + \frac{1}{(1 - \alpha) T} \sum_t u_t` s.t.
    :math:`u_t \ge -r_t'w - \zeta`, :math:`u_t \ge 0` and the constraints; the optimum is the
    portfolio's CVaR at level :math:`\alpha` as a positive loss fraction per period (Rockafellar
    and Uryasev 2000, "Optimization of conditional value-at-risk", J. Risk 2(3), theorem 2).
    The CVaR is reported in ``notes``; expected return and volatility are annualised from the
    same returns.
    """
    started = time.perf_counter()
    frame = clean_returns(returns)
    a = checked_number(alpha, "alpha")
    if not 0.5 <= a < 1:
        raise DataError(
            f"alpha is the confidence level, between 0.5 and 1 (e.g. 0.95); got {alpha}.", code="bad_alpha"
        )
    notes: list[str] = []
    complete = _cvar_scenarios(frame, a, notes)
    tickers = [str(c) for c in complete.columns]
    res = resolve_checked(constraints, tickers, notes)
    scen = complete.to_numpy(dtype=float)
    n = len(tickers)
    problem, w, cvar = _cvar_problem(scen, res, a)
    model = OneOff(problem, w)
    status, values, more = run_chain(model, None if solver in ("auto", "fast", "cvxpy") else solver)
    notes += more
    if status != "optimal":
        raise diagnose(res, None, np.eye(n), "min_cvar", None)
    weights = values["w"]
    port = scen @ weights
    var_level = -np.quantile(port, 1 - a)
    tail = -port[-port >= var_level - 1e-15]
    cvar_value = float(cvar.value) if cvar.value is not None else float(tail.mean())
    notes.append(f"CVaR {a:.0%} (per period, positive loss): {cvar_value:.4%}.")
    ppy = float(periods_per_year)
    mu_v = complete.mean().to_numpy() * ppy
    cov_m = np.cov(scen, rowvar=False).reshape(n, n) * ppy
    return make_allocation(
        weights,
        tickers,
        mu_v,
        cov_m,
        rf=risk_free_rate,
        method="min_cvar",
        solver=values["solver"],
        started=started,
        notes=notes + cost_notes(weights, res),
    )
