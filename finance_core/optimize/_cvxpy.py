"""The general path (private): cvxpy problems compiled once (DPP) and the solver chain with fallback."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..errors import InfeasibleError, SolverError
from ._factor import FactorRisk

if TYPE_CHECKING:
    import cvxpy as cp

    from .constraints import Resolved

#: The general path tries these cvxpy solvers in order.
SOLVER_CHAIN = ("CLARABEL", "OSQP", "SCS")

_SOLVER_OPTIONS = {
    "CLARABEL": {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10},
    "OSQP": {"eps_abs": 1e-9, "eps_rel": 1e-9, "max_iter": 200_000, "polishing": True},
    "SCS": {"eps_abs": 1e-9, "eps_rel": 1e-9, "max_iters": 200_000},
    "HIGHS": {},
}


def _parameters(n: int, k: int, has_w0: bool, turnover: bool, leverage: bool, cost: bool) -> dict[str, Any]:
    """The cvxpy parameters of a structure: returns, bounds, budget, and the optional limits' values."""
    import cvxpy as cp

    p = {
        "mu": cp.Parameter(n, name="mu"),
        "lo": cp.Parameter(n, name="lo"),
        "hi": cp.Parameter(n, name="hi"),
        "budget": cp.Parameter(name="budget"),
    }
    if k:
        p["A"] = cp.Parameter((k, n), name="A")
        p["slo"] = cp.Parameter(k, name="slo")
        p["shi"] = cp.Parameter(k, name="shi")
    if has_w0:
        p["w0"] = cp.Parameter(n, name="w0")
    if turnover:
        p["T"] = cp.Parameter(nonneg=True, name="T")
    if leverage:
        p["L"] = cp.Parameter(nonneg=True, name="L")
    if cost:
        p["tc"] = cp.Parameter(nonneg=True, name="tc")
    return p


def _feasible_set(p: dict[str, Any], w: Any, kappa: Any, n: int, k: int, has_w0: bool, turnover: bool,
                  leverage: bool) -> tuple[list[Any], Any]:
    """Budget, bounds, sector limits, trades from ``w0`` (returned, or None), turnover and leverage.

    With ``kappa`` (the homogenised max-ratio problem) every right-hand side scales by it.
    """
    import cvxpy as cp

    homog = kappa is not None
    scale = kappa if homog else 1.0
    cons = [
        cp.sum(w) == (p["budget"] * kappa if homog else p["budget"]),
        w >= (cp.multiply(p["lo"], kappa) if homog else p["lo"]),
        w <= (cp.multiply(p["hi"], kappa) if homog else p["hi"]),
    ]
    if k:
        cons += [
            p["A"] @ w >= (p["slo"] * kappa if homog else p["slo"]),
            p["A"] @ w <= (p["shi"] * kappa if homog else p["shi"]),
        ]
    z = None
    if has_w0:
        z = cp.Variable(n, nonneg=True, name="trade")
        ref = p["w0"] * kappa if homog else p["w0"]
        cons += [z >= w - ref, z >= ref - w]
        if turnover:
            cons.append(cp.sum(z) <= (p["T"] * scale))
    if leverage:
        cons.append(cp.norm1(w) <= (p["L"] * scale))
    return cons, z


def _objective(kind: str, p: dict[str, Any], w: Any, cons: list[Any], risk: Any, risk_parts: Any,
               cost_expr: Any) -> Any:
    """The objective of ``kind``; a target return or volatility adds its parameter and constraint."""
    import cvxpy as cp

    objective: cp.Minimize | cp.Maximize
    if kind == "max_ratio":
        cons.append(p["mu"] @ w - cost_expr >= 1)
        objective = cp.Minimize(risk)
    elif kind == "min_variance":
        objective = cp.Minimize(risk + cost_expr)
    elif kind == "max_utility":  # mu holds mu/delta, tc holds tc/delta
        objective = cp.Minimize(0.5 * risk - p["mu"] @ w + cost_expr)
    elif kind == "target_return":
        p["target"] = cp.Parameter(name="target")
        cons.append(p["mu"] @ w - cost_expr >= p["target"])
        objective = cp.Minimize(risk)
    elif kind == "target_volatility":
        p["target"] = cp.Parameter(nonneg=True, name="target")
        cons.append(cp.norm(risk_parts, 2) <= p["target"])
        objective = cp.Maximize(p["mu"] @ w - cost_expr)
    elif kind == "max_return":
        objective = cp.Maximize(p["mu"] @ w - cost_expr)
    else:  # pragma: no cover - internal
        raise ValueError(kind)
    return objective


class Model:
    """A cvxpy problem compiled once for a structure; parameters are set before each solve."""

    def __init__(
        self, kind: str, n: int, k: int, has_w0: bool, turnover: bool, leverage: bool, cost: bool,
        factors: int = 0, cov: np.ndarray | None = None,
    ):
        import cvxpy as cp

        self.kind = kind
        self.lock = threading.Lock()
        p = _parameters(n, k, has_w0, turnover, leverage, cost)
        homog = kind == "max_ratio"
        w = cp.Variable(n, name="w")
        kappa = cp.Variable(nonneg=True, name="kappa") if homog else None
        cons, z = _feasible_set(p, w, kappa, n, k, has_w0, turnover, leverage)
        cost_expr = p["tc"] * cp.sum(z) if cost else 0.0
        if cov is not None:  # the covariance as the QP's P, fixed in this model (see quad_model)
            risk, risk_parts = cp.quad_form(w, cp.psd_wrap(cov)), None
        else:
            risk, risk_parts = _risk_terms(p, w, cons, n, factors)
        objective = _objective(kind, p, w, cons, risk, risk_parts, cost_expr)
        self.params = p
        self.w = w
        self.kappa = kappa
        self.problem = cp.Problem(objective, cons)

    def set(self, **values: Any) -> None:
        for name, value in values.items():
            if name in self.params:
                self.params[name].value = value


def _risk_terms(p: dict, w: Any, cons: list, n: int, factors: int) -> tuple[Any, Any]:
    """``w'Σw`` and a vector whose norm is the volatility; adds the risk parameters to ``p``.

    Dense: ``||F w||^2`` with ``F'F = Σ`` (N x N). Factor form (``factors`` = k > 0): the extra
    variable ``y = B'w`` (k) and ``||U y||^2 + ||s * w||^2`` with ``U'U`` the factor covariance and
    ``s`` the specific volatilities, so the solve never holds an N x N matrix.
    """
    import cvxpy as cp

    if not factors:
        p["F"] = cp.Parameter((n, n), name="F")
        part = p["F"] @ w
        return cp.sum_squares(part), part
    p["B"] = cp.Parameter((n, factors), name="B")
    p["U"] = cp.Parameter((factors, factors), name="U")
    p["sd"] = cp.Parameter(n, nonneg=True, name="sd")
    y = cp.Variable(factors, name="exposure")
    cons.append(y == p["B"].T @ w)
    systematic, specific = p["U"] @ y, cp.multiply(p["sd"], w)
    return cp.sum_squares(systematic) + cp.sum_squares(specific), cp.hstack([systematic, specific])


@dataclass(frozen=True)
class OneOff:
    """A problem built for one solve (min CVaR), with the fields of :class:`Model` the solver chain reads."""

    problem: cp.Problem
    w: cp.Variable
    kappa: cp.Variable | None = None


MODELS: OrderedDict = OrderedDict()
_MODELS_LOCK = threading.Lock()
_MAX_MODELS = 24


def cached_model(kind: str, res: Resolved, factors: int = 0) -> Model:
    """The compiled model for this structure; ``factors`` > 0 for the factor form with k factors."""
    key = (
        kind,
        len(res.tickers),
        len(res.sector_names),
        res.has_w0,
        res.max_turnover is not None,
        res.leverage is not None,
        res.tc > 0,
        factors,
    )
    return _kept(MODELS, _MAX_MODELS, key, lambda: Model(kind, *key[1:7], factors))


def _kept(store: OrderedDict, limit: int, key: tuple, build: Any) -> Model:
    """The model under ``key`` in ``store`` (a least-recently-used map of at most ``limit``), built if absent."""
    with _MODELS_LOCK:
        model = store.get(key)
        if model is not None:
            store.move_to_end(key)
            return model
    model = build()
    with _MODELS_LOCK:
        store[key] = model
        while len(store) > limit:
            store.popitem(last=False)
    return model


QUAD_MODELS: OrderedDict = OrderedDict()
#: Dense QP models hold their N x N covariance (2 MB at N = 500, 32 MB at N = 2000): only a few are kept.
_MAX_QUAD_MODELS = 6


def quad_model(kind: str, res: Resolved, cov: np.ndarray) -> Model:
    """The model of this structure with ``cov`` as the quadratic form's matrix (``quad_form`` of a
    ``psd_wrap``: Clarabel gets it as the QP's P, as PyPortfolioOpt passes it), compiled once per covariance.

    ``||F w||^2`` with a parametrised N x N ``F`` (the DPP form that any covariance can re-use) made Clarabel's
    problem twice as large and its re-solves 2-2.5x slower than PyPortfolioOpt's fresh problems at N = 500
    (benchmarks/bench_constrained.py ``--general``). A covariance changes when the data or the estimator
    does; a slider move, a frontier point or another objective on the same estimates only sets parameters.
    """
    import hashlib

    digest = hashlib.blake2b(np.ascontiguousarray(cov, dtype=float).tobytes(), digest_size=16).hexdigest()
    key = (kind, len(res.tickers), len(res.sector_names), res.has_w0, res.max_turnover is not None,
           res.leverage is not None, res.tc > 0, digest)
    return _kept(QUAD_MODELS, _MAX_QUAD_MODELS, key, lambda: Model(kind, *key[1:7], cov=np.array(cov, dtype=float)))


def cov_factor(cov: np.ndarray) -> np.ndarray:
    """``F`` with ``F'F = Σ`` (upper Cholesky; eigen-factor when Σ is singular)."""
    try:
        return np.linalg.cholesky(cov).T
    except np.linalg.LinAlgError:
        vals, vecs = np.linalg.eigh(cov)
        return (vecs * np.sqrt(np.maximum(vals, 0))).T


def risk_values(cov: np.ndarray | FactorRisk, model: Model) -> dict[str, np.ndarray]:
    """The risk parameters ``model`` takes: ``F`` for the parametrised dense form, ``B, U, sd`` for a factor
    form, none for a model holding its covariance (``quad_model``)."""
    if isinstance(cov, FactorRisk):
        return cov.cvxpy_values()
    return {"F": cov_factor(cov)} if "F" in model.params else {}


def model_for(kind: str, res: Resolved, cov: np.ndarray | FactorRisk, *, dense_qp: bool = True) -> Model:
    """The cached model matching ``cov``'s form: a dense covariance as the QP's matrix (``quad_model``; a
    target volatility keeps ``||F w||``, its norm), or the factor form; ``dense_qp=False``: the parametrised
    ``||F w||^2`` (what the chain falls back to when a QP on the covariance itself fails)."""
    if isinstance(cov, FactorRisk):
        return cached_model(kind, res, cov.loadings.shape[1])
    if dense_qp and kind != "target_volatility":
        return quad_model(kind, res, cov)
    return cached_model(kind, res, 0)


def fill_model(model: Model, res: Resolved, risk: dict[str, np.ndarray], mu: np.ndarray) -> None:
    model.set(mu=mu, lo=res.lo, hi=res.hi, budget=res.budget, **risk)
    if len(res.sector_names):
        model.set(A=res.sector_matrix, slo=res.sector_lo, shi=res.sector_hi)
    model.set(w0=res.w0, T=res.max_turnover, L=res.leverage, tc=res.tc)


def solve_with(problem: Any, solver: str) -> None:
    """One solve attempt (kept separate so tests can simulate a failing solver)."""
    problem.solve(solver=solver, **_SOLVER_OPTIONS.get(solver, {}))


def _solution(model: Model | OneOff, solver: str) -> dict | None:
    """The solved weights (and the homogenising ``kappa``) as numbers; None when a value is missing."""
    w = model.w.value
    kappa = None if model.kappa is None else model.kappa.value
    if w is None or (model.kappa is not None and kappa is None):
        return None
    values = {"w": np.array(w, dtype=float), "solver": solver}
    if kappa is not None:
        values["kappa"] = float(kappa)
    return values


def run_chain(model: Model | OneOff, first: str | None = None) -> tuple[str, dict, list[str]]:
    """Solve ``model`` with the solver chain; returns (status, values, notes)."""
    import cvxpy as cp

    chain = list(SOLVER_CHAIN)
    if first and first not in ("auto", "cvxpy"):
        first = first.upper()
        chain = [first] + [s for s in chain if s != first]
    installed = set(cp.installed_solvers())
    notes: list[str] = []
    failures: list[str] = []
    inaccurate = None
    for solver in chain:
        if solver not in installed:
            failures.append(f"{solver} is not installed")
            continue
        try:
            solve_with(model.problem, solver)
        except (cp.error.SolverError, ValueError, ArithmeticError) as exc:
            failures.append(f"{solver} failed ({str(exc).splitlines()[0][:120]})")
            continue
        status = model.problem.status
        values = _solution(model, solver)
        if status == cp.OPTIMAL and values is not None:
            if failures:
                notes.append("; ".join(failures) + f"; answered by {solver}.")
            return "optimal", values, notes
        if status in (cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE):
            return "infeasible", {"solver": solver}, notes
        if status in (cp.UNBOUNDED, cp.UNBOUNDED_INACCURATE):
            return "unbounded", {"solver": solver}, notes
        if status == cp.OPTIMAL_INACCURATE and values is not None and inaccurate is None:
            inaccurate = values
        failures.append(f"{solver} returned status {status}")
    if inaccurate is not None:
        notes.append("; ".join(failures) + f"; using the inaccurate answer of {inaccurate['solver']}.")
        return "optimal", inaccurate, notes
    raise SolverError(
        "Every solver failed: " + "; ".join(failures) + ". Loosen the constraints or rescale the inputs "
        "(annualised returns and covariance), then try again.",
        code="all_solvers_failed",
        details={"failures": failures},
    )


def solve_general(
    kind: str,
    mu: np.ndarray,
    cov: np.ndarray | FactorRisk,
    res: Resolved,
    *,
    first: str | None = None,
    **extra: Any,
) -> tuple[np.ndarray | None, str, list[str]]:
    """Solve on the general path (dense or factor form). Returns (weights or None if infeasible, solver, notes)."""
    model = model_for(kind, res, cov)
    try:
        status, values, notes = _filled_run(model, kind, mu, cov, res, first, extra)
    except SolverError:
        if "F" in model.params or isinstance(cov, FactorRisk):
            raise
        # A covariance a hair short of PSD can stop the QP on it; the factor F (eigen-clipped) cannot.
        status, values, notes = _filled_run(model_for(kind, res, cov, dense_qp=False), kind, mu, cov, res, first,
                                            extra)
    if status == "infeasible":
        return None, values["solver"], notes
    if status == "unbounded":
        raise InfeasibleError(
            "The problem is unbounded: add weight bounds or a leverage cap.", code="unbounded"
        )
    w = values["w"]
    if kind == "max_ratio":
        kappa = values["kappa"]
        if not kappa > 1e-12:
            return None, values["solver"], notes
        w = w / kappa
    return w, values["solver"], notes


def _filled_run(model: Model, kind: str, mu: np.ndarray, cov: np.ndarray | FactorRisk, res: Resolved,
                first: str | None, extra: dict[str, Any]) -> tuple[str, dict, list[str]]:
    with model.lock:
        fill_model(model, res, risk_values(cov, model), mu)
        model.set(**extra)
        return run_chain(model, first)


def lp_extreme(
    res: Resolved,
    objective: np.ndarray | Literal["gross", "turnover"] | None,
    groups: set[str],
    sense: Literal["max", "min"] = "max",
) -> float | None:
    """Solve a small LP over the selected constraint groups; None when infeasible.

    ``objective``: a vector ``c`` for ``c'w`` (less costs when ``"costs"`` is a group), ``"gross"``
    for the gross exposure, ``"turnover"`` for the distance from the current weights, or None
    for feasibility only (0.0 when feasible).
    """
    import cvxpy as cp

    n = len(res.tickers)
    w = cp.Variable(n)
    cons = [cp.sum(w) == res.budget, w >= res.lo, w <= res.hi]
    if "sectors" in groups and len(res.sector_names):
        cons += [res.sector_matrix @ w >= res.sector_lo, res.sector_matrix @ w <= res.sector_hi]
    if "leverage" in groups and res.leverage is not None:
        cons.append(cp.norm1(w) <= res.leverage)
    if "turnover" in groups and res.max_turnover is not None:
        cons.append(cp.norm1(w - res.w0) <= res.max_turnover)
    expr: cp.Expression | int
    if objective is None:
        expr = 0
    elif isinstance(objective, str) and objective == "gross":
        expr = cp.norm1(w)
    elif isinstance(objective, str) and objective == "turnover":
        expr = cp.norm1(w - res.w0)
    else:
        expr = objective @ w
        if "costs" in groups and res.tc > 0:
            expr = expr - res.tc * cp.norm1(w - res.w0)
    prob = cp.Problem(cp.Maximize(expr) if sense == "max" else cp.Minimize(expr), cons)
    for solver in ("CLARABEL", "HIGHS", "SCS"):
        try:
            prob.solve(solver=solver)
        except (cp.error.SolverError, ValueError):
            continue
        if prob.status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
            return float(prob.value) if objective is not None else 0.0
        if prob.status in (cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE):
            return None
    return None
