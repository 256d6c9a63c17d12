"""Portfolio construction: the mean-variance family and its relatives.

Two paths answer every problem, and :attr:`Allocation.solver` says which one did:

- **exact fast paths** for problems whose only constraints are weight bounds and the budget
  (``Constraints`` with nothing but ``bounds``):

  * ``"nnls"``: long-only min variance, max Sharpe and max diversification without binding
    upper bounds, as a non-negative least-squares problem in the Gram form
    ``min_y 1/2 y'Σy - a'y, y >= 0`` solved by the Lawson-Hanson active-set method, then
    ``w = y / 1'y`` (Lawson and Hanson 1974, ch. 23; the KKT conditions of this problem and of
    ``min y'Σy s.t. a'y = 1, y >= 0`` coincide up to that scaling);
  * ``"active_set"``: min variance, max utility and target return under general box bounds,
    a primal active-set method for box-constrained QPs (Nocedal and Wright 2006, §16.5);
  * ``"cla"``: the critical line algorithm (Markowitz 1956; Niedermayer and Niedermayer 2007),
    which traces the whole efficient frontier under box bounds as a sequence of corner
    portfolios; frontier points, max Sharpe (closed form on each segment) and target
    volatility are then exact interpolations.

- **the general path**, cvxpy compiled once per problem structure with parameters (DPP) and
  re-solved, with the solver chain Clarabel -> OSQP -> SCS: sector limits, turnover, transaction
  costs, leverage. A solver that fails hands over to the next one and the result notes it.

Infeasible constraint sets raise :class:`~finance_core.errors.InfeasibleError` whose message
names the conflict (bounds that cannot sum to the budget, sector minimums above 100%, a target
return above the best attainable, turnover too tight to reach the bounds, ...).

Conventions: ``mu`` annualised expected returns (Series by ticker), ``cov`` annualised
covariance (DataFrame, tickers x tickers), weights are fractions summing to the budget (1).
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .allocation import DiscreteAllocation, discrete_allocation, rebalance_trades
from .black_litterman import BlackLittermanResult, black_litterman, implied_risk_aversion
from .errors import DataError, InfeasibleError, SolverError
from .estimators import nearest_psd
from .hierarchical import hrp
from .portfolio import Allocation
from .risk_parity import risk_parity

__all__ = [
    "Allocation",
    "Constraints",
    "Frontier",
    "OBJECTIVES",
    "SOLVER_CHAIN",
    "mean_variance",
    "efficient_frontier",
    "kelly",
    "max_diversification",
    "min_cvar",
    "equal_weight",
    "inverse_volatility",
    # re-exported from the sibling modules so `optimize.<name>` follows DESIGN.md
    "risk_parity",
    "hrp",
    "black_litterman",
    "implied_risk_aversion",
    "BlackLittermanResult",
    "discrete_allocation",
    "DiscreteAllocation",
    "rebalance_trades",
]

#: Objectives accepted by :func:`mean_variance`.
OBJECTIVES = ("max_sharpe", "min_variance", "target_return", "target_volatility", "max_utility")
#: The general path tries these cvxpy solvers in order.
SOLVER_CHAIN = ("CLARABEL", "OSQP", "SCS")

_SOLVER_OPTIONS = {
    "CLARABEL": {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10},
    "OSQP": {"eps_abs": 1e-9, "eps_rel": 1e-9, "max_iter": 200_000, "polishing": True},
    "SCS": {"eps_abs": 1e-9, "eps_rel": 1e-9, "max_iters": 200_000},
    "HIGHS": {},
}
_PCT = "{:.2%}"


# =========================================================================== BLAS threads
_CONTROLLER = None


def _single_thread_blas(func):
    """Run ``func`` with one BLAS thread.

    The fast paths make hundreds of small dense calls (triangular solves, matrix-vector products);
    multi-threaded OpenBLAS only adds synchronisation to those, and on a busy machine it can be
    tens of times slower. threadpoolctl ships with scikit-learn; without it this is a no-op.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        global _CONTROLLER
        if _CONTROLLER is None:
            try:
                import scipy.linalg.lapack  # noqa: F401  (load scipy's BLAS before looking)
                from threadpoolctl import ThreadpoolController

                _CONTROLLER = ThreadpoolController()
            except Exception:  # pragma: no cover - threadpoolctl missing
                _CONTROLLER = False
        if not _CONTROLLER:
            return func(*args, **kwargs)
        with _CONTROLLER.limit(limits=1, user_api="blas"):
            return func(*args, **kwargs)

    return wrapper


# =========================================================================== constraints
@dataclass(frozen=True)
class Constraints:
    """What a portfolio must satisfy.

    Parameters
    ----------
    bounds : (lo, hi) or mapping ticker -> (lo, hi) or DataFrame with ``lower``/``upper``
        Weight bounds. ``(0, 1)`` is long-only; ``(-1, 1)`` allows shorts (combine with
        ``leverage`` to cap gross exposure, e.g. 130/30 is ``bounds=(-0.3, 1), leverage=1.6``).
        Tickers missing from a mapping get ``default_bounds``.
    sector_map : mapping or Series ticker -> sector, optional
        For example ``load_dataset("sp500").sectors``.
    sector_bounds : mapping sector -> (lo, hi), optional
        Limits on the total weight of each sector.
    current_weights : mapping or Series ticker -> weight, optional
        Current holdings, for ``max_turnover`` and ``transaction_cost`` (missing tickers: 0).
    max_turnover : float, optional
        Cap on :math:`\\sum_i |w_i - w^0_i|` (two-way turnover; 1.0 = 100%).
    transaction_cost : float
        Proportional cost per unit traded, charged against expected return in the objective:
        :math:`\\mu'w - c \\sum_i |w_i - w^0_i|` (for min variance it is added as a penalty).
    budget : float
        :math:`\\sum_i w_i` (1 = fully invested).
    leverage : float, optional
        Cap on gross exposure :math:`\\sum_i |w_i|`.
    default_bounds : (lo, hi)
        Bounds for tickers missing from a ``bounds`` mapping.
    """

    bounds: tuple[float, float] | Mapping[str, tuple[float, float]] | pd.DataFrame = (0.0, 1.0)
    sector_map: Mapping[str, str] | pd.Series | None = None
    sector_bounds: Mapping[str, tuple[float, float]] | None = None
    current_weights: Mapping[str, float] | pd.Series | None = None
    max_turnover: float | None = None
    transaction_cost: float = 0.0
    budget: float = 1.0
    leverage: float | None = None
    default_bounds: tuple[float, float] = (0.0, 1.0)

    @property
    def is_box_only(self) -> bool:
        """True when only weight bounds and the budget constrain the weights."""
        return (
            not self.sector_bounds
            and self.max_turnover is None
            and not self.transaction_cost
            and self.leverage is None
        )


@dataclass
class _Resolved:
    """Constraints resolved against a ticker list as numpy arrays."""

    tickers: list[str]
    lo: np.ndarray
    hi: np.ndarray
    budget: float
    sector_names: list[str]
    sector_matrix: np.ndarray  # k x n membership
    sector_lo: np.ndarray
    sector_hi: np.ndarray
    w0: np.ndarray
    max_turnover: float | None
    tc: float
    leverage: float | None
    notes: list[str] = field(default_factory=list)

    @property
    def box_only(self) -> bool:
        lev_free = self.leverage is None or (
            np.all(self.lo >= 0) and self.leverage >= abs(self.budget) - 1e-12
        )
        return len(self.sector_names) == 0 and self.max_turnover is None and self.tc == 0 and lev_free

    @property
    def has_w0(self) -> bool:
        return self.max_turnover is not None or self.tc > 0


def _number(value, what: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        out = float("nan") if value is None else None
        if out is None:
            raise DataError(f"{what} must be a number, got {value!r}.", code="bad_constraint") from None
    if not math.isfinite(out):
        raise DataError(
            f"{what} must be a finite number, got {value!r}: for a long-short book use bounds such as "
            "(-1, 1) together with a leverage cap.",
            code="bad_constraint",
        )
    return out


def _pair(value, what: str) -> tuple[float, float]:
    if isinstance(value, Mapping):
        value = (value.get("lower", value.get("lo")), value.get("upper", value.get("hi")))
    try:
        lo, hi = value
    except (TypeError, ValueError):
        raise DataError(
            f"{what} must be a (lower, upper) pair, got {value!r}.", code="bad_constraint"
        ) from None
    return _number(lo, f"{what} lower"), _number(hi, f"{what} upper")


def _resolve(constraints: Constraints | None, tickers: list[str]) -> _Resolved:
    c = constraints if constraints is not None else Constraints()
    if not isinstance(c, Constraints):
        raise DataError(
            f"constraints must be an optimize.Constraints, got {type(c).__name__}.", code="bad_constraint"
        )
    n = len(tickers)
    notes: list[str] = []
    lo = np.empty(n)
    hi = np.empty(n)
    b = c.bounds
    if isinstance(b, pd.DataFrame):
        cols = {str(col).lower(): col for col in b.columns}
        if not {"lower", "upper"} <= set(cols):
            raise DataError("A bounds table needs columns 'lower' and 'upper'.", code="bad_constraint")
        b = {t: (b.loc[t, cols["lower"]], b.loc[t, cols["upper"]]) for t in b.index}
    if isinstance(b, Mapping | pd.Series):
        default = _pair(c.default_bounds, "default_bounds")
        unknown = [str(t) for t in b if t not in set(tickers)]
        if unknown:
            notes.append(f"Bounds given for tickers outside the universe were ignored: {', '.join(unknown)}.")
        for i, t in enumerate(tickers):
            lo[i], hi[i] = _pair(b[t], f"bounds for {t}") if t in b else default
    else:
        lo[:], hi[:] = _pair(b, "bounds")
    budget = _number(c.budget, "budget")
    # sectors
    names: list[str] = []
    rows: list[np.ndarray] = []
    slo: list[float] = []
    shi: list[float] = []
    if c.sector_bounds:
        if c.sector_map is None:
            raise DataError(
                "sector_bounds need a sector_map (ticker -> sector), e.g. load_dataset('sp500').sectors.",
                code="bad_constraint",
            )
        smap = (
            pd.Series(c.sector_map, dtype=object) if not isinstance(c.sector_map, pd.Series) else c.sector_map
        )
        labels = np.array([smap.get(t, None) for t in tickers], dtype=object)
        unmapped = [t for t, s in zip(tickers, labels, strict=True) if s is None or s != s]
        if unmapped:
            notes.append(
                f"No sector for {', '.join(unmapped)}: these tickers are outside every sector limit."
            )
        known = {s for s in labels if s is not None and s == s}
        for sector, pair in c.sector_bounds.items():
            if sector not in known:
                raise DataError(
                    f"Sector {sector!r} has no ticker in the universe (known sectors: "
                    f"{', '.join(sorted(map(str, known)))}): remove its limit or fix the sector map.",
                    code="unknown_sector",
                )
            s_lo, s_hi = _pair(pair, f"sector bounds for {sector}")
            names.append(str(sector))
            rows.append((labels == sector).astype(float))
            slo.append(s_lo)
            shi.append(s_hi)
    matrix = np.vstack(rows) if rows else np.zeros((0, n))
    # current holdings
    w0 = np.zeros(n)
    if c.current_weights is not None:
        cw = pd.Series(c.current_weights, dtype=float)
        if cw.isna().any():
            bad = ", ".join(str(t) for t in cw.index[cw.isna()])
            raise DataError(
                f"current_weights are missing for {bad}: give 0 for no holding.", code="bad_constraint"
            )
        outside = [str(t) for t in cw.index if t not in set(tickers) and cw[t] != 0]
        if outside:
            notes.append(
                f"Current holdings outside the universe ({', '.join(outside)}) are not part of the optimisation."
            )
        w0 = cw.reindex(tickers).fillna(0.0).to_numpy(dtype=float)
    turnover = None if c.max_turnover is None else _number(c.max_turnover, "max_turnover")
    if turnover is not None and turnover < 0:
        raise DataError(f"max_turnover must be >= 0, got {turnover}.", code="bad_constraint")
    if (turnover is not None or c.transaction_cost) and c.current_weights is None:
        notes.append("No current_weights given: turnover and costs are measured from an all-cash start.")
    tc = _number(c.transaction_cost, "transaction_cost")
    if tc < 0:
        raise DataError(f"transaction_cost must be >= 0, got {tc}.", code="bad_constraint")
    leverage = None if c.leverage is None else _number(c.leverage, "leverage")
    if leverage is not None and leverage <= 0:
        raise DataError(
            f"leverage (gross exposure cap) must be positive, got {leverage}.", code="bad_constraint"
        )
    return _Resolved(
        tickers=list(tickers),
        lo=lo,
        hi=hi,
        budget=budget,
        sector_names=names,
        sector_matrix=matrix,
        sector_lo=np.array(slo, dtype=float),
        sector_hi=np.array(shi, dtype=float),
        w0=w0,
        max_turnover=turnover,
        tc=tc,
        leverage=leverage,
        notes=notes,
    )


def _check_static(res: _Resolved) -> None:
    """Cheap conflicts between bounds, budget and sector limits: raise InfeasibleError naming them."""
    t = res.tickers
    bad = [f"{t[i]} ({res.lo[i]:.2%} > {res.hi[i]:.2%})" for i in np.flatnonzero(res.lo > res.hi + 1e-12)]
    if bad:
        raise InfeasibleError(
            f"Lower bound above upper bound for {', '.join(bad)}: fix these bounds.",
            code="bounds_crossed",
            details={"tickers": [t[i] for i in np.flatnonzero(res.lo > res.hi + 1e-12)]},
        )
    n = len(t)
    tol = 1e-9
    if res.hi.sum() < res.budget - tol:
        cap = float(res.hi.max())
        need = math.ceil(res.budget / cap - 1e-9) if cap > 0 else None
        hint = (
            f" With a cap of {cap:.2%} per asset at least {need} assets are needed; there are {n}."
            if need and np.allclose(res.hi, cap)
            else ""
        )
        raise InfeasibleError(
            f"Weight bounds cannot sum to {res.budget:.0%}: the upper bounds add up to only "
            f"{res.hi.sum():.2%}.{hint} Raise the upper bounds or add assets.",
            code="bounds_below_budget",
            details={"sum_upper": float(res.hi.sum()), "budget": res.budget},
        )
    if res.lo.sum() > res.budget + tol:
        raise InfeasibleError(
            f"Weight bounds cannot sum to {res.budget:.0%}: the lower bounds (minimum weights) add up to "
            f"{res.lo.sum():.2%}. Lower some minimum weights.",
            code="bounds_above_budget",
            details={"sum_lower": float(res.lo.sum()), "budget": res.budget},
        )
    if len(res.sector_names):
        a = res.sector_matrix
        cap_in = a @ res.hi
        floor_in = a @ res.lo
        for j, s in enumerate(res.sector_names):
            if res.sector_lo[j] > res.sector_hi[j] + tol:
                raise InfeasibleError(
                    f"Sector {s}: minimum {res.sector_lo[j]:.2%} is above its maximum {res.sector_hi[j]:.2%}.",
                    code="sector_bounds_crossed",
                    details={"sector": s},
                )
            if res.sector_lo[j] > cap_in[j] + tol:
                raise InfeasibleError(
                    f"Sector {s}: its minimum {res.sector_lo[j]:.2%} is more than its assets may hold "
                    f"(their upper bounds add up to {cap_in[j]:.2%}). Lower the sector minimum or raise "
                    "those assets' upper bounds.",
                    code="sector_min_unreachable",
                    details={"sector": s},
                )
            if res.sector_hi[j] < floor_in[j] - tol:
                raise InfeasibleError(
                    f"Sector {s}: its maximum {res.sector_hi[j]:.2%} is below the minimum weights of its "
                    f"assets ({floor_in[j]:.2%}). Raise the sector maximum or lower those minimums.",
                    code="sector_max_unreachable",
                    details={"sector": s},
                )
        # each ticker in at most one limited sector (a partition), others free within their bounds
        outside = a.sum(axis=0) == 0
        eff_lo = np.maximum(res.sector_lo, floor_in)
        eff_hi = np.minimum(res.sector_hi, cap_in)
        if np.all(a.sum(axis=0) <= 1):
            total_min = eff_lo.sum() + res.lo[outside].sum()
            if total_min > res.budget + tol:
                parts = ", ".join(
                    f"{s} {v:.0%}" for s, v in zip(res.sector_names, res.sector_lo, strict=True) if v > 0
                )
                raise InfeasibleError(
                    f"Sector minimums add up to {total_min:.2%}, above the {res.budget:.0%} budget ({parts}). "
                    "Lower some sector minimums.",
                    code="sector_minimums_above_budget",
                    details={"sum_sector_min": float(total_min)},
                )
            total_max = eff_hi.sum() + res.hi[outside].sum()
            if total_max < res.budget - tol:
                raise InfeasibleError(
                    f"Sector maximums (with the assets outside the limited sectors) add up to only "
                    f"{total_max:.2%}, below the {res.budget:.0%} budget. Raise some sector maximums.",
                    code="sector_maximums_below_budget",
                    details={"sum_sector_max": float(total_max)},
                )


# =========================================================================== input checks
def _prepare_cov(cov, what: str = "cov") -> tuple[list[str], np.ndarray, list[str]]:
    if isinstance(cov, np.ndarray):
        raise DataError(
            f"{what} must be a DataFrame labelled by ticker (use estimators.covariance(returns)).",
            code="bad_covariance",
        )
    if not isinstance(cov, pd.DataFrame):
        raise DataError(
            f"{what} must be a pandas DataFrame (tickers x tickers), got {type(cov).__name__}.",
            code="bad_covariance",
        )
    if cov.shape[0] == 0:
        raise DataError(f"{what} is empty: select at least one asset.", code="no_assets")
    if cov.shape[0] != cov.shape[1] or set(cov.index) != set(cov.columns):
        raise DataError(
            f"{what} must be square with the same tickers on both axes (got {cov.shape[0]} rows, "
            f"{cov.shape[1]} columns).",
            code="bad_covariance",
        )
    if cov.index.duplicated().any():
        dup = ", ".join(map(str, cov.index[cov.index.duplicated()]))
        raise DataError(f"{what} has duplicate tickers: {dup}.", code="bad_covariance")
    tickers = [str(t) for t in cov.index]
    mat = cov.reindex(columns=cov.index).to_numpy(dtype=float)
    if not np.isfinite(mat).all():
        bad = [tickers[i] for i in np.flatnonzero(~np.isfinite(mat).all(axis=1))]
        raise DataError(
            f"{what} has missing or infinite entries for {', '.join(bad)}: re-estimate it or drop these tickers.",
            code="bad_covariance",
        )
    notes = list(cov.attrs.get("notes", ()))
    if np.any(np.diag(mat) < 0):
        bad = [tickers[i] for i in np.flatnonzero(np.diag(mat) < 0)]
        raise DataError(f"{what} has negative variances for {', '.join(bad)}.", code="bad_covariance")
    if np.max(np.abs(mat - mat.T)) > 1e-8 * max(1.0, np.max(np.abs(mat))):
        notes.append("The covariance matrix was not symmetric: it was symmetrised.")
    mat, repaired = nearest_psd(mat)
    if repaired:
        notes.append(
            "The covariance matrix was not positive semi-definite: repaired to the nearest PSD matrix."
        )
    return tickers, mat, notes


def _prepare_mu(mu, tickers: list[str]) -> np.ndarray:
    if isinstance(mu, pd.DataFrame) and mu.shape[1] == 1:
        mu = mu.iloc[:, 0]
    if not isinstance(mu, pd.Series):
        raise DataError(
            f"mu must be a pandas Series of expected returns by ticker, got {type(mu).__name__} "
            "(use estimators.expected_returns(returns)).",
            code="bad_expected_returns",
        )
    missing = [t for t in tickers if t not in mu.index]
    if missing:
        raise DataError(
            f"Expected returns are missing for {', '.join(missing)}: mu and cov must cover the same tickers.",
            code="bad_expected_returns",
        )
    values = pd.to_numeric(mu.reindex(tickers), errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(values).all():
        bad = [tickers[i] for i in np.flatnonzero(~np.isfinite(values))]
        raise DataError(f"Expected returns are not finite for {', '.join(bad)}.", code="bad_expected_returns")
    return values


def _series(w: np.ndarray, tickers: list[str]) -> pd.Series:
    w = np.where(np.abs(w) < 1e-14, 0.0, w)
    return pd.Series(w, index=pd.Index(tickers, name="ticker"), name="weight", dtype=float)


def _alloc(
    w: np.ndarray,
    tickers: list[str],
    mu: np.ndarray | None,
    cov: np.ndarray,
    *,
    rf: float,
    method: str,
    solver: str,
    started: float,
    notes: Iterable[str],
) -> Allocation:
    s = _series(w, tickers)
    mu_s = pd.Series(mu, index=s.index) if mu is not None else None
    cov_df = pd.DataFrame(cov, index=s.index, columns=s.index)
    return Allocation.from_weights(
        s,
        mu=mu_s,
        cov=cov_df,
        risk_free_rate=rf,
        method=method,
        solver=solver,
        solve_seconds=time.perf_counter() - started,
        notes=tuple(dict.fromkeys(notes)),
    )


# =========================================================================== fast paths
class _FastPathFailed(Exception):
    """Numerical trouble in a fast path (singular system): the general path takes over."""


class _FreeSet:
    """Ordered free variables with an upper-triangular ``R`` (``R'R = Q[F, F]``) kept up to date.

    Adding a variable appends a column to ``R`` (one triangular solve, O(k^2)); removing one
    deletes its column and re-triangularises with Givens rotations (``scipy.linalg.qr_delete``;
    Golub and Van Loan 2013, §6.5), so an active-set step costs O(k^2 + kn) instead of a fresh
    O(k^3) factorisation.
    """

    def __init__(self, q: np.ndarray, e_mat: np.ndarray, idx: Iterable[int] = ()):
        self.q = q
        self.e = e_mat
        self.idx = [int(i) for i in idx]
        if self.idx:
            try:
                self.r = np.asfortranarray(np.linalg.cholesky(q[np.ix_(self.idx, self.idx)]).T)
            except np.linalg.LinAlgError:
                raise _FastPathFailed("singular covariance block") from None
        else:
            self.r = np.zeros((0, 0), order="F")

    def add(self, j: int) -> None:
        from scipy.linalg.lapack import dtrtrs

        k = len(self.idx)
        qjj = self.q[j, j]
        new = np.zeros((k + 1, k + 1), order="F")
        if k:
            col, info = dtrtrs(self.r, self.q[self.idx, j], lower=0, trans=1)
            if info:
                raise _FastPathFailed("singular covariance block")
            d2 = qjj - col @ col
            new[:k, :k] = self.r
            new[:k, k] = col
        else:
            d2 = qjj
        if not d2 > 1e-12 * max(qjj, 1e-300):
            raise _FastPathFailed("singular covariance block")
        new[k, k] = math.sqrt(d2)
        self.r = new
        self.idx.append(int(j))

    def remove(self, j: int) -> None:
        from scipy.linalg import qr_delete

        pos = self.idx.index(int(j))
        k = len(self.idx)
        if pos == k - 1:
            self.r = np.asfortranarray(self.r[: k - 1, : k - 1])
        else:
            _, r_new = qr_delete(np.eye(k), self.r, pos, 1, which="col", check_finite=False)
            self.r = np.asfortranarray(r_new[: k - 1, :])
        self.idx.pop(pos)

    def solve(self, rhs_x: np.ndarray, rhs_e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Solve ``[Q_FF -E_F'; E_F 0] [x; nu] = [rhs_x; rhs_e]`` through the Schur complement."""
        from scipy.linalg.lapack import dtrtrs

        k = len(self.idx)
        e_f = self.e[:, self.idx]
        m = e_f.shape[0]
        rhs_x = rhs_x.reshape(k, -1)
        p = rhs_x.shape[1]
        block = np.asfortranarray(np.hstack([rhs_x, e_f.T]))
        y, info = dtrtrs(self.r, block, lower=0, trans=1, overwrite_b=1)
        y, info2 = dtrtrs(self.r, y, lower=0, trans=0, overwrite_b=1)
        if info or info2:
            raise _FastPathFailed("singular covariance block")
        if m == 0:
            return y, np.zeros((0, p))
        yx, ye = y[:, :p], y[:, p:]
        try:
            nu = np.linalg.solve(e_f @ ye, rhs_e.reshape(m, -1) - e_f @ yx)
        except np.linalg.LinAlgError:
            raise _FastPathFailed("singular KKT system") from None
        x = yx + ye @ nu
        if not (np.isfinite(x).all() and np.isfinite(nu).all()):
            raise _FastPathFailed("non-finite KKT solution")
        return x, nu


def _pdas_qp(
    q: np.ndarray,
    c: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    e_mat: np.ndarray,
    e_rhs: np.ndarray,
    max_iter: int = 40,
) -> np.ndarray:
    r"""Primal-dual active-set (semismooth Newton) method for the same box QP as :func:`_active_set_qp`.

    Starts with every variable free; each iteration solves the KKT system on the free set, then
    fixes the free variables that violate a bound and frees the bounded ones whose multiplier
    has the wrong sign, changing many indices at once (Hintermueller, Ito and Kunisch 2002,
    "The primal-dual active set strategy as a semismooth Newton method", SIAM J. Optim. 13(3)).
    It stops when the sets repeat, which is exactly the KKT conditions; it can cycle on some
    problems, in which case it gives up and the primal active-set method takes over.
    """
    n = c.size
    m = e_mat.shape[0]
    state = np.zeros(n, dtype=np.int8)
    scale = max(1.0, float(np.max(np.abs(c))) if c.size else 1.0, float(np.max(np.abs(np.diag(q)))))
    tol_g = 1e-11 * scale
    seen: set[bytes] = set()
    for _ in range(max_iter):
        fi = np.flatnonzero(state == 0)
        if fi.size < max(m, 1) and m:
            raise _FastPathFailed("too few free variables")
        x = np.where(state == -1, lo, np.where(state == 1, hi, 0.0))
        if fi.size:
            fs = _FreeSet(q, e_mat, fi)
            x_f, nu = fs.solve(-(c[fi] + q[fi] @ x), e_rhs - e_mat @ x)
            x[fi] = x_f[:, 0]
            nu = nu[:, 0]
        else:
            nu = np.zeros(m)
        g = q @ x + c - e_mat.T @ nu
        span = 1e-12 * (1.0 + np.abs(x))
        free = state == 0
        below = free & (x < lo - span)
        above = free & (x > hi + span)
        wrong_lo = (state == -1) & (g < -tol_g)
        wrong_hi = (state == 1) & (g > tol_g)
        if not (below.any() or above.any() or wrong_lo.any() or wrong_hi.any()):
            return np.clip(x, lo, hi)  # primal and dual feasible: the KKT point
        new = state.copy()
        new[below] = -1
        new[above] = 1
        new[wrong_lo | wrong_hi] = 0
        short = max(m, 1) - int(np.sum(new == 0)) if m else 0
        if short > 0:
            # keep enough free variables for the equality rows: those closest to their bounds
            dist = np.where(x < lo, lo - x, np.where(x > hi, x - hi, 0.0))
            dist = np.where(state == 0, dist, np.inf)
            dist[new == 0] = np.inf
            keep = np.argsort(dist, kind="stable")[:short]
            new[keep[np.isfinite(dist[keep])]] = 0
        if np.array_equal(new, state):
            raise _FastPathFailed("primal-dual active set stalled")
        key = new.tobytes()
        if key in seen:
            raise _FastPathFailed("primal-dual active set cycled")
        seen.add(key)
        state = new
    raise _FastPathFailed("primal-dual active set did not converge")


def _box_qp(q, c, lo, hi, e_mat, e_rhs, start) -> np.ndarray:
    """Box QP: primal-dual active set first, primal active set (from ``start()``) if it cycles."""
    try:
        x = _pdas_qp(q, c, lo, hi, e_mat, e_rhs)
        if e_mat.shape[0] == 0 or np.max(np.abs(e_mat @ x - e_rhs)) <= 1e-9 * (1.0 + np.max(np.abs(e_rhs))):
            return x
    except _FastPathFailed:
        pass
    x0, free0 = start()
    return _active_set_qp(q, c, lo, hi, e_mat, e_rhs, x0, free0)


def _active_set_qp(
    q: np.ndarray,
    c: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    e_mat: np.ndarray,
    e_rhs: np.ndarray,
    x0: np.ndarray,
    free0: np.ndarray | None = None,
) -> np.ndarray:
    r"""Primal active-set method for :math:`\min \tfrac12 x'Qx + c'x` s.t. :math:`Ex = e`, :math:`l \le x \le u`.

    ``x0`` must be feasible. Variables are either free or fixed at a bound (the working set);
    each iteration solves the equality-constrained QP on the free variables (a KKT system, with
    an updated Cholesky factor), steps towards it until a bound blocks (the blocking variable
    joins the working set), and at a subspace optimum releases the bound whose multiplier has
    the wrong sign (Nocedal and Wright 2006, *Numerical Optimization*, Algorithm 16.3; with
    ``E`` empty, ``l = 0`` and ``u = inf`` it is the Lawson-Hanson NNLS algorithm).
    """
    n = c.size
    m = e_mat.shape[0]
    x = x0.astype(float).copy()
    state = np.zeros(n, dtype=np.int8)  # 0 free, -1 at lower, +1 at upper
    if free0 is None:
        state[x <= lo] = -1
        state[x >= hi] = 1
    else:
        state[:] = np.where(x <= lo, -1, 1)
        state[free0] = 0
    x = np.where(state == -1, lo, np.where(state == 1, hi, x))
    fs = _FreeSet(q, e_mat)
    for j in np.flatnonzero(state == 0):
        fs.add(j)
    xb = np.where(state != 0, x, 0.0)
    qxb = q @ xb  # Q times the bounded part of x, updated one column at a time
    exb = e_mat @ xb
    scale_g = max(1.0, float(np.max(np.abs(c))) if c.size else 1.0, float(np.max(np.abs(np.diag(q)))))
    tol_g = 1e-11 * scale_g
    for _ in range(20 * n + 50):
        fi = np.array(fs.idx, dtype=int)
        nu = None
        if fi.size:
            rhs_x = -(c[fi] + qxb[fi])
            rhs_e = e_rhs - exb
            if fi.size < m:
                x_f, nu = x[fi], None
            else:
                x_f, nu = fs.solve(rhs_x, rhs_e)
                x_f = x_f[:, 0]
                nu = nu[:, 0]
            p = x_f - x[fi]
        else:
            p = np.zeros(0)
        if fi.size and np.max(np.abs(p)) > 1e-13 * (1.0 + np.max(np.abs(x))):
            with np.errstate(divide="ignore", invalid="ignore"):
                to_lo = np.where(p < 0, (lo[fi] - x[fi]) / p, np.inf)
                to_hi = np.where(p > 0, (hi[fi] - x[fi]) / p, np.inf)
            alpha, block, block_state = 1.0, -1, 0
            j_lo = int(np.argmin(to_lo))
            j_hi = int(np.argmin(to_hi))
            if to_lo[j_lo] < alpha:
                alpha, block, block_state = float(to_lo[j_lo]), int(fi[j_lo]), -1
            if to_hi[j_hi] < alpha:
                alpha, block, block_state = float(to_hi[j_hi]), int(fi[j_hi]), 1
            x[fi] = x[fi] + max(alpha, 0.0) * p
            if block >= 0:
                state[block] = block_state
                x[block] = lo[block] if block_state == -1 else hi[block]
                fs.remove(block)
                qxb += q[:, block] * x[block]
                exb += e_mat[:, block] * x[block]
                continue
        elif fi.size:
            x[fi] = x_f
        # subspace optimum: check the multipliers of the bounds
        if nu is None:
            nu = _equality_multipliers(q, c, x, e_mat, state)
        g = q @ x + c - e_mat.T @ np.atleast_1d(nu).ravel()
        viol = np.where(state == -1, -g, np.where(state == 1, g, 0.0))
        j = int(np.argmax(viol))
        if viol[j] <= tol_g:
            return x
        state[j] = 0
        fs.add(j)
        qxb -= q[:, j] * x[j]
        exb -= e_mat[:, j] * x[j]
    raise _FastPathFailed("active-set iteration limit")


def _equality_multipliers(q, c, x, e_mat, state) -> np.ndarray:
    """Multipliers of ``Ex = e`` when every variable sits at a bound: least violation of the signs."""
    m = e_mat.shape[0]
    if m == 0:
        return np.zeros(0)
    grad = q @ x + c
    from scipy.optimize import linprog

    # find nu minimising the total sign violation of g = grad - E'nu (an LP with slacks)
    n = x.size
    sgn = np.where(state == -1, 1.0, -1.0)  # want sgn * g >= 0
    # variables: nu (m, free), s (n, >= 0):  sgn*(grad - E'nu) + s >= 0  -> -sgn*E'nu... as A_ub
    a_ub = np.hstack([(sgn[:, None] * e_mat.T), -np.eye(n)])
    b_ub = sgn * grad
    cost = np.concatenate([np.zeros(m), np.ones(n)])
    out = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=[(None, None)] * m + [(0, None)] * n, method="highs")
    if not out.success:
        raise _FastPathFailed("multiplier LP failed")
    return out.x[:m]


def _greedy_fill(order: np.ndarray, lo: np.ndarray, hi: np.ndarray, budget: float) -> tuple[np.ndarray, int]:
    """Start at the lower bounds and raise assets in ``order`` to their upper bounds until the budget is met.

    Returns the weights and the index of the asset that took the remainder (the one free asset).
    """
    w = lo.copy()
    rem = budget - lo.sum()
    last = int(order[0])
    for i in order:
        room = hi[i] - lo[i]
        last = int(i)
        if room >= rem:
            w[i] += rem
            return w, last
        w[i] = hi[i]
        rem -= room
    return w, last


def _max_linear(a: np.ndarray, lo: np.ndarray, hi: np.ndarray, budget: float) -> tuple[float, np.ndarray]:
    """``max a'w`` s.t. ``1'w = budget``, box: greedy fill by decreasing ``a`` (an LP solved exactly)."""
    w, _ = _greedy_fill(np.argsort(-a, kind="stable"), lo, hi, budget)
    return float(a @ w), w


def _is_long_only_unit(res: _Resolved) -> bool:
    """Lower bounds zero and upper bounds never binding (each at least the budget)."""
    return res.budget > 0 and np.all(res.lo == 0) and np.all(res.hi >= res.budget)


def _nnls_ratio(cov: np.ndarray, a: np.ndarray, budget: float) -> np.ndarray:
    r"""``max a'w / sqrt(w'Σw)`` over ``w >= 0, 1'w = budget`` via NNLS in Gram form.

    Solve :math:`\min_{y \ge 0} \tfrac12 y'\Sigma y - a'y` (equivalently
    :math:`\min_{y\ge0} \lVert R y - R^{-T} a \rVert^2` with :math:`\Sigma = R'R`); the KKT
    conditions give :math:`y'\Sigma y = a'y`, so :math:`w = b\,y / 1'y` minimises
    :math:`y'\Sigma y` on :math:`a'y = 1, y \ge 0` after scaling, i.e. maximises the ratio.
    """
    n = a.size
    zeros = np.zeros(n)
    y = _box_qp(cov, -a, zeros, np.full(n, np.inf), np.zeros((0, n)), np.zeros(0), lambda: (zeros, None))
    total = y.sum()
    if not total > 0:
        raise _FastPathFailed("zero NNLS solution")
    return budget * y / total


def _budget_start(order: np.ndarray, res: _Resolved):
    def start():
        x0, last = _greedy_fill(order, res.lo, res.hi, res.budget)
        free0 = np.zeros(x0.size, dtype=bool)
        free0[last] = True
        return x0, free0

    return start


def _min_variance_box(cov: np.ndarray, res: _Resolved) -> tuple[np.ndarray, str]:
    if _is_long_only_unit(res):
        return _nnls_ratio(cov, np.ones(len(res.lo)), res.budget), "nnls"
    n = len(res.lo)
    start = _budget_start(np.argsort(np.diag(cov), kind="stable"), res)
    x = _box_qp(cov, np.zeros(n), res.lo, res.hi, np.ones((1, n)), np.array([res.budget]), start)
    return x, "active_set"


def _utility_box(mu: np.ndarray, cov: np.ndarray, res: _Resolved, delta: float) -> np.ndarray:
    """``max mu'w - delta/2 w'Σw`` under box bounds and the budget."""
    n = len(res.lo)
    start = _budget_start(np.argsort(-mu, kind="stable"), res)
    return _box_qp(delta * cov, -mu, res.lo, res.hi, np.ones((1, n)), np.array([res.budget]), start)


def _target_return_box(
    mu: np.ndarray, cov: np.ndarray, res: _Resolved, target: float
) -> tuple[np.ndarray, str]:
    w_mv, _ = _min_variance_box(cov, res)
    r_mv = float(mu @ w_mv)
    if r_mv >= target:
        return w_mv, "active_set"

    def start():
        r_max, w_max = _max_linear(mu, res.lo, res.hi, res.budget)
        t = (target - r_mv) / (r_max - r_mv)
        x0 = np.clip(w_mv + t * (w_max - w_mv), res.lo, res.hi)
        free0 = (x0 > res.lo + 1e-14) & (x0 < res.hi - 1e-14)
        if free0.sum() < 2:
            raise _FastPathFailed("degenerate start")
        return x0, free0

    e = np.vstack([np.ones(mu.size), mu])
    x = _box_qp(cov, np.zeros(mu.size), res.lo, res.hi, e, np.array([res.budget, target]), start)
    return x, "active_set"


@dataclass(frozen=True)
class _Corners:
    """Corner portfolios of the critical line algorithm, from max return to min variance."""

    weights: np.ndarray  # K x n
    returns: np.ndarray  # K
    variances: np.ndarray  # K
    lambdas: np.ndarray  # K (risk tolerance at each corner; the first is where the corner stops)


def _cla(mu: np.ndarray, cov: np.ndarray, lo: np.ndarray, hi: np.ndarray, budget: float) -> _Corners:
    r"""Critical line algorithm: all corner portfolios of the box-constrained frontier.

    Parametric in the risk tolerance :math:`\lambda`: :math:`\min \tfrac12 w'\Sigma w - \lambda \mu'w`,
    :math:`1'w = b`, :math:`l \le w \le u`. Between corners the free weights are affine in
    :math:`\lambda` (one KKT solve gives both coefficient vectors); a corner is where a free
    weight reaches a bound or a bound's multiplier changes sign. Starts at the max-return
    portfolio (:math:`\lambda = \infty`) and ends at min variance (:math:`\lambda = 0`).
    Markowitz (1956), Naval Research Logistics Quarterly 3; Niedermayer and Niedermayer (2007),
    "Applying Markowitz's critical line algorithm", Univ. Bern discussion paper 06-02.
    """
    n = mu.size
    w, first = _greedy_fill(np.argsort(-mu, kind="stable"), lo, hi, budget)
    state = np.where(w <= lo, -1, 1).astype(np.int8)
    state[first] = 0
    lam = np.inf
    corners = [w.copy()]
    lambdas = [np.inf]
    last_changed = first
    fs = _FreeSet(cov, np.ones((1, n)))
    fs.add(first)
    for _ in range(10 * n + 20):
        fi = np.array(fs.idx, dtype=int)
        bi = np.flatnonzero(state != 0)
        wb = np.where(state != 0, w, 0.0)
        rhs_x = np.column_stack([-(cov @ wb)[fi], mu[fi]])
        rhs_e = np.array([[budget - wb.sum(), 0.0]])
        sol_x, sol_g = fs.solve(rhs_x, rhs_e)
        a_w, b_w = sol_x[:, 0], sol_x[:, 1]
        a_g, b_g = sol_g[0, 0], sol_g[0, 1]
        # multipliers of the bounded weights: g(λ) = C + λ D
        w_a = wb.copy()
        w_a[fi] = a_w
        w_b = np.zeros(n)
        w_b[fi] = b_w
        cc = (cov @ w_a)[bi] - a_g
        dd = (cov @ w_b)[bi] - mu[bi] - b_g
        best = 0.0
        event = None
        near = lam * (1 - 1e-9) if np.isfinite(lam) else np.inf
        bscale = 1e-12 * max(1.0, float(np.max(np.abs(b_w))) if b_w.size else 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            hit_lo = np.where(b_w > bscale, (lo[fi] - a_w) / b_w, -np.inf)
            hit_hi = np.where(b_w < -bscale, (hi[fi] - a_w) / b_w, -np.inf)
        for arr, kind in ((hit_lo, -1), (hit_hi, 1)):
            if arr.size:
                # a weight already at or past its bound and moving outwards hits it now (λ = current)
                arr = np.minimum(arr, lam)
                arr = np.where((fi == last_changed) & (arr >= near), -np.inf, arr)
                j = int(np.argmax(arr))
                if arr[j] > best:
                    best, event = float(arr[j]), ("bound", fi[j], kind)
        if bi.size:
            dscale = 1e-12 * max(1.0, float(np.max(np.abs(dd))))
            with np.errstate(divide="ignore", invalid="ignore"):
                lam_b = np.minimum(-cc / dd, lam)
            ok = ((state[bi] == -1) & (dd > dscale)) | ((state[bi] == 1) & (dd < -dscale))
            ok &= ~((bi == last_changed) & (lam_b >= near))
            lam_b = np.where(ok, lam_b, -np.inf)
            j = int(np.argmax(lam_b))
            if lam_b[j] > best:
                best, event = float(lam_b[j]), ("free", bi[j], 0)
        if event is None:
            w = w.copy()
            w[fi] = a_w
            corners.append(w)
            lambdas.append(0.0)
            break
        lam = best
        w = w.copy()
        w[fi] = a_w + lam * b_w
        _, idx, kind = event
        if kind:
            state[idx] = kind
            w[idx] = lo[idx] if kind == -1 else hi[idx]
            fs.remove(idx)
        else:
            state[idx] = 0
            fs.add(idx)
        last_changed = idx
        corners.append(w)
        lambdas.append(lam)
    else:
        raise _FastPathFailed("critical line algorithm did not finish")
    mat = np.array(corners)
    lam_arr = np.array(lambdas)
    # the first recorded corner equals the second when no weight moves before the first event
    rets = mat @ mu
    var = _quad_rows(mat, cov, mat)
    return _Corners(weights=mat, returns=rets, variances=var, lambdas=lam_arr)


def _quad_rows(a: np.ndarray, cov: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise ``a_i' Σ b_i`` with one matrix product."""
    return ((a @ cov) * b).sum(axis=1)


def _segments(c: _Corners, cov: np.ndarray):
    """Per segment j (corner j -> j+1): start weights, direction, v0, cross term, dv."""
    w0 = c.weights[:-1]
    d = c.weights[1:] - w0
    v0 = c.variances[:-1]
    cross = _quad_rows(w0, cov, d)
    dv = _quad_rows(d, cov, d)
    return w0, d, v0, cross, dv


def _cla_max_ratio(c: _Corners, cov: np.ndarray, excess: np.ndarray) -> np.ndarray:
    """Max of ``excess'w / sqrt(w'Σw)`` along the corner path, exact on each segment."""
    e_c = c.weights @ excess
    best_val = -np.inf
    best_w = None
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = e_c / np.sqrt(np.maximum(c.variances, 0))
    k = int(np.nanargmax(np.where(np.isfinite(ratio), ratio, -np.inf)))
    best_val, best_w = ratio[k], c.weights[k]
    if len(c.weights) > 1:
        w0, d, v0, cross, dv = _segments(c, cov)
        e0 = e_c[:-1]
        de = e_c[1:] - e_c[:-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (e0 * cross - de * v0) / (de * cross - e0 * dv)
        ok = np.isfinite(t) & (t > 0) & (t < 1)
        for j in np.flatnonzero(ok):
            tj = t[j]
            v = v0[j] + 2 * tj * cross[j] + tj * tj * dv[j]
            val = (e0[j] + tj * de[j]) / math.sqrt(max(v, 1e-300))
            if val > best_val:
                best_val, best_w = val, w0[j] + tj * d[j]
    return np.asarray(best_w, dtype=float)


def _cla_at_returns(c: _Corners, targets: np.ndarray) -> np.ndarray:
    """Frontier weights at target returns (between min-variance and max return) by interpolation."""
    r = c.returns  # decreasing from max return to min variance
    out = np.empty((targets.size, c.weights.shape[1]))
    for k, tr in enumerate(targets):
        j = int(np.searchsorted(-r, -tr, side="left"))  # first corner with return <= tr
        j = min(max(j, 1), len(r) - 1)
        r_hi, r_lo = r[j - 1], r[j]
        t = 0.0 if r_hi == r_lo else (r_hi - tr) / (r_hi - r_lo)
        t = min(max(t, 0.0), 1.0)
        out[k] = c.weights[j - 1] + t * (c.weights[j] - c.weights[j - 1])
    return out


def _cla_at_volatility(c: _Corners, cov: np.ndarray, target_vol: float) -> np.ndarray:
    v_target = target_vol**2
    if v_target >= c.variances[0]:
        return c.weights[0]
    w0, d, v0, cross, dv = _segments(c, cov)
    for j in range(len(w0)):
        v_end = c.variances[j + 1]
        if v_end <= v_target <= v0[j] or j == len(w0) - 1:
            # v0 + 2 t cross + t^2 dv = v_target, t in [0, 1]
            a, b, cc = dv[j], 2 * cross[j], v0[j] - v_target
            if abs(a) < 1e-18:
                t = -cc / b if b else 0.0
            else:
                disc = max(b * b - 4 * a * cc, 0.0)
                roots = [(-b - math.sqrt(disc)) / (2 * a), (-b + math.sqrt(disc)) / (2 * a)]
                inside = [r for r in roots if -1e-9 <= r <= 1 + 1e-9]
                t = min(inside) if inside else min(roots, key=lambda r: abs(r - 0.5))
            t = min(max(t, 0.0), 1.0)
            return w0[j] + t * d[j]
    return c.weights[-1]


# =========================================================================== general path (cvxpy, DPP)
class _Model:
    """A cvxpy problem compiled once for a structure; parameters are set before each solve."""

    def __init__(self, kind: str, n: int, k: int, has_w0: bool, turnover: bool, leverage: bool, cost: bool):
        import cvxpy as cp

        self.kind = kind
        self.lock = threading.Lock()
        p = {
            "F": cp.Parameter((n, n), name="F"),
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
        homog = kind == "max_ratio"
        w = cp.Variable(n, name="w")
        kappa = cp.Variable(nonneg=True, name="kappa") if homog else None
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
        cost_expr = p["tc"] * cp.sum(z) if cost else 0.0
        risk = cp.sum_squares(p["F"] @ w)
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
            cons.append(cp.norm(p["F"] @ w, 2) <= p["target"])
            objective = cp.Maximize(p["mu"] @ w - cost_expr)
        elif kind == "max_return":
            objective = cp.Maximize(p["mu"] @ w - cost_expr)
        else:  # pragma: no cover - internal
            raise ValueError(kind)
        self.params = p
        self.w = w
        self.kappa = kappa
        self.problem = cp.Problem(objective, cons)

    def set(self, **values) -> None:
        for name, value in values.items():
            if name in self.params:
                self.params[name].value = value


_MODELS: OrderedDict = OrderedDict()
_MODELS_LOCK = threading.Lock()
_MAX_MODELS = 24


def _model(kind: str, res: _Resolved) -> _Model:
    key = (
        kind,
        len(res.tickers),
        len(res.sector_names),
        res.has_w0,
        res.max_turnover is not None,
        res.leverage is not None,
        res.tc > 0,
    )
    with _MODELS_LOCK:
        model = _MODELS.get(key)
        if model is not None:
            _MODELS.move_to_end(key)
            return model
    model = _Model(kind, key[1], key[2], key[3], key[4], key[5], key[6])
    with _MODELS_LOCK:
        _MODELS[key] = model
        while len(_MODELS) > _MAX_MODELS:
            _MODELS.popitem(last=False)
    return model


def _factor(cov: np.ndarray) -> np.ndarray:
    """``F`` with ``F'F = Σ`` (upper Cholesky; eigen-factor when Σ is singular)."""
    try:
        return np.linalg.cholesky(cov).T
    except np.linalg.LinAlgError:
        vals, vecs = np.linalg.eigh(cov)
        return (vecs * np.sqrt(np.maximum(vals, 0))).T


def _fill(model: _Model, res: _Resolved, cov_f: np.ndarray, mu: np.ndarray) -> None:
    model.set(F=cov_f, mu=mu, lo=res.lo, hi=res.hi, budget=res.budget)
    if len(res.sector_names):
        model.set(A=res.sector_matrix, slo=res.sector_lo, shi=res.sector_hi)
    model.set(w0=res.w0, T=res.max_turnover, L=res.leverage, tc=res.tc)


def _solve_with(problem, solver: str) -> None:
    """One solve attempt (kept separate so tests can simulate a failing solver)."""
    problem.solve(solver=solver, **_SOLVER_OPTIONS.get(solver, {}))


def _run_chain(model: _Model, first: str | None = None) -> tuple[str, dict, list[str]]:
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
            _solve_with(model.problem, solver)
        except (cp.error.SolverError, ValueError, ArithmeticError) as exc:
            failures.append(f"{solver} failed ({str(exc).splitlines()[0][:120]})")
            continue
        status = model.problem.status
        if status == cp.OPTIMAL:
            values = {"w": np.array(model.w.value, dtype=float), "solver": solver}
            if model.kappa is not None:
                values["kappa"] = float(model.kappa.value)
            if failures:
                notes.append("; ".join(failures) + f"; answered by {solver}.")
            return "optimal", values, notes
        if status in (cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE):
            return "infeasible", {"solver": solver}, notes
        if status in (cp.UNBOUNDED, cp.UNBOUNDED_INACCURATE):
            return "unbounded", {"solver": solver}, notes
        if status == cp.OPTIMAL_INACCURATE and model.w.value is not None and inaccurate is None:
            inaccurate = {"w": np.array(model.w.value, dtype=float), "solver": solver}
            if model.kappa is not None:
                inaccurate["kappa"] = float(model.kappa.value)
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


def _solve_general(
    kind: str, mu: np.ndarray, cov: np.ndarray, res: _Resolved, *, first: str | None = None, **extra
) -> tuple[np.ndarray | None, str, list[str]]:
    """Solve on the general path. Returns (weights or None if infeasible, solver, notes)."""
    model = _model(kind, res)
    with model.lock:
        _fill(model, res, _factor(cov), mu)
        model.set(**extra)
        status, values, notes = _run_chain(model, first)
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


def _lp_extreme(res: _Resolved, objective: np.ndarray | None, groups: set[str], sense: str = "max"):
    """Solve a small LP over the selected constraint groups; None when infeasible."""
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


def _diagnose(
    res: _Resolved, mu: np.ndarray | None, cov: np.ndarray, objective: str, target
) -> InfeasibleError:
    """Name the conflict after a solver reported infeasibility."""
    _check_static(res)
    if _lp_extreme(res, None, {"sectors"}) is None:
        return InfeasibleError(
            "The weight bounds and sector limits conflict (no portfolio satisfies both): loosen the "
            "sector limits or the per-asset bounds.",
            code="bounds_sectors_conflict",
        )
    if res.leverage is not None and _lp_extreme(res, None, {"sectors", "leverage"}) is None:
        need = _lp_extreme(res, "gross", {"sectors"}, sense="min")
        return InfeasibleError(
            f"The leverage cap {res.leverage:.2f} is below the smallest gross exposure the bounds allow "
            f"({need:.2f}): raise the leverage cap or tighten the short bounds.",
            code="leverage_too_tight",
            details={"min_gross": need},
        )
    if res.max_turnover is not None and _lp_extreme(res, None, {"sectors", "leverage", "turnover"}) is None:
        need = _lp_extreme(res, "turnover", {"sectors", "leverage"}, sense="min")
        return InfeasibleError(
            f"Max turnover {res.max_turnover:.2%} is too tight: reaching the bounds and sector limits from "
            f"the current holdings needs at least {need:.2%} turnover. Raise max turnover to at least "
            f"{need:.2%} or loosen the bounds.",
            code="turnover_too_tight",
            details={"min_turnover": need},
        )
    groups = {"sectors", "leverage", "turnover", "costs"}
    if objective == "target_return" and mu is not None:
        best = _lp_extreme(res, mu, groups)
        return _target_error(target, best, res.tc > 0)
    if objective in ("max_sharpe", "max_diversification") and mu is not None:
        best = _lp_extreme(res, mu, groups)
        if best is not None and best <= 1e-12:
            return _no_excess_error(objective, best)
    if objective == "target_volatility":
        return InfeasibleError(
            f"Target volatility {target:.2%} is below the lowest volatility these constraints allow: "
            "choose a higher target (see the min-variance portfolio).",
            code="target_volatility_too_low",
        )
    return InfeasibleError(
        "The constraints admit no portfolio (the solver reported infeasibility): loosen the bounds, "
        "sector limits, turnover or leverage.",
        code="infeasible",
    )


def _target_error(target: float, best: float | None, net: bool) -> InfeasibleError:
    what = "net of transaction costs " if net else ""
    return InfeasibleError(
        f"Target return {target:.2%} is above the best attainable {what}{best:.2%} under these constraints: "
        f"choose a target of at most {best:.2%}, or loosen the bounds.",
        code="target_return_unattainable",
        details={"max_attainable": best, "target": target},
    )


def _no_excess_error(objective: str, best: float, rf: float | None = None) -> InfeasibleError:
    if objective == "max_diversification":
        return InfeasibleError(
            "No feasible portfolio has positive weighted volatility.", code="no_excess_return"
        )
    rf_txt = f" ({rf:.2%})" if rf is not None else ""
    return InfeasibleError(
        f"No portfolio under these constraints beats the risk-free rate{rf_txt}: the best attainable excess "
        f"return is {best:.2%}, so the max Sharpe portfolio is undefined. Use objective='min_variance' "
        "instead, or lower the risk-free rate.",
        code="no_excess_return",
        details={"best_excess_return": best, "suggest": "min_variance"},
    )


# =========================================================================== public API
def _inputs(mu, cov, risk_free_rate) -> tuple[list[str], np.ndarray, list[str], np.ndarray, float]:
    """Checked ``tickers, cov, notes, mu, rf`` of a method on expected returns and a covariance."""
    tickers, cov_m, notes = _prepare_cov(cov)
    return tickers, cov_m, notes, _prepare_mu(mu, tickers), _number(risk_free_rate, "risk_free_rate")


def _resolve_checked(constraints: Constraints | None, tickers: list[str], notes: list[str]) -> _Resolved:
    """:func:`_resolve` then :func:`_check_static`; the resolution's notes are added to ``notes``."""
    res = _resolve(constraints, tickers)
    notes += res.notes
    _check_static(res)
    return res


def _use_fast(res: _Resolved, solver: str) -> bool:
    if solver not in ("auto", "fast"):
        return False
    return res.box_only


@_single_thread_blas
def mean_variance(
    mu: pd.Series,
    cov: pd.DataFrame,
    objective: str = "max_sharpe",
    *,
    risk_free_rate: float = 0.0,
    target: float | None = None,
    risk_aversion: float = 1.0,
    constraints: Constraints | None = None,
    solver: str = "auto",
) -> Allocation:
    r"""Mean-variance optimal portfolio under constraints.

    Parameters
    ----------
    mu : Series
        Annualised expected returns by ticker.
    cov : DataFrame
        Annualised covariance, tickers x tickers (``estimators.covariance``). A matrix that is not
        PSD is repaired to the nearest PSD one (noted).
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
        Proportional transaction costs :math:`c\,\lVert w - w^0 \rVert_1` are subtracted from the
        expected return wherever it appears.
    risk_free_rate : float
        Annual rate used by max Sharpe and for the reported Sharpe ratio.
    target : float
        Annual target return or volatility, for the two target objectives.
    constraints : Constraints, optional
        Defaults to long-only, fully invested.
    solver : str
        ``"auto"`` (exact fast path when only bounds constrain, otherwise cvxpy), ``"cvxpy"``
        (force the general path) or a cvxpy solver name to try first (``"CLARABEL"``, ``"OSQP"``,
        ``"SCS"``).

    Returns
    -------
    Allocation
        ``solver`` is ``"nnls"``, ``"active_set"``, ``"cla"`` or the cvxpy solver that answered.

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
    tickers, cov_m, notes, mu_v, rf = _inputs(mu, cov, risk_free_rate)
    res = _resolve_checked(constraints, tickers, notes)
    if objective in ("target_return", "target_volatility"):
        if target is None:
            raise DataError(
                f"objective={objective!r} needs target= (an annual {objective.split('_')[1]}, e.g. 0.10).",
                code="missing_target",
            )
        target = _number(target, "target")
        if objective == "target_volatility" and target <= 0:
            raise DataError(f"Target volatility must be positive, got {target}.", code="bad_target")
    delta = _number(risk_aversion, "risk_aversion")
    if objective == "max_utility" and delta <= 0:
        raise DataError(f"risk_aversion must be positive, got {risk_aversion}.", code="bad_risk_aversion")
    w, used = _mean_variance_arrays(
        mu_v, cov_m, res, objective, rf=rf, target=target, delta=delta, solver=solver
    )
    used_name, used_notes = used
    return _alloc(
        w,
        tickers,
        mu_v,
        cov_m,
        rf=rf,
        method=objective,
        solver=used_name,
        started=started,
        notes=notes + used_notes + _cost_notes(w, res),
    )


def _cost_notes(w: np.ndarray, res: _Resolved) -> list[str]:
    if not res.has_w0:
        return []
    turnover = float(np.abs(w - res.w0).sum())
    out = [f"Turnover from current holdings: {turnover:.2%}."]
    if res.tc > 0:
        out.append(f"Transaction costs: {res.tc * turnover:.4%} of capital.")
    return out


def _mean_variance_arrays(
    mu: np.ndarray,
    cov: np.ndarray,
    res: _Resolved,
    objective: str,
    *,
    rf: float,
    target: float | None,
    delta: float,
    solver: str,
) -> tuple[np.ndarray, tuple[str, list[str]]]:
    notes: list[str] = []
    excess = mu - rf
    if _use_fast(res, solver):
        try:
            if objective == "min_variance":
                w, name = _min_variance_box(cov, res)
                return w, (name, notes)
            if objective == "max_utility":
                return _utility_box(mu, cov, res, delta), ("active_set", notes)
            if objective == "max_sharpe":
                best, _ = _max_linear(excess, res.lo, res.hi, res.budget)
                if best <= 1e-12:
                    raise _no_excess_error("max_sharpe", best, rf)
                if _is_long_only_unit(res):
                    return _nnls_ratio(cov, excess, res.budget), ("nnls", notes)
                corners = _cla(mu, cov, res.lo, res.hi, res.budget)
                return _cla_max_ratio(corners, cov, excess), ("cla", notes)
            if objective == "target_return":
                best, _ = _max_linear(mu, res.lo, res.hi, res.budget)
                if target > best + 1e-12:
                    raise _target_error(target, best, False)
                w, name = _target_return_box(mu, cov, res, target)
                return w, (name, notes)
            if objective == "target_volatility":
                corners = _cla(mu, cov, res.lo, res.hi, res.budget)
                if target**2 < corners.variances[-1] * (1 - 1e-12):
                    raise _target_vol_error(target, math.sqrt(corners.variances[-1]))
                return _cla_at_volatility(corners, cov, target), ("cla", notes)
        except _FastPathFailed as exc:
            notes.append(f"The exact fast path stopped ({exc}); the general solver answered.")
    kind = {"max_sharpe": "max_ratio"}.get(objective, objective)
    extra: dict = {}
    vec = mu
    if objective == "max_sharpe":
        vec = excess
    elif objective == "max_utility":
        vec = mu / delta
        extra["tc"] = res.tc / delta
    if objective in ("target_return", "target_volatility"):
        extra["target"] = target
    first = None if solver in ("auto", "fast", "cvxpy") else solver
    w, name, more = _solve_general(kind, vec, cov, res, first=first, **extra)
    notes += more
    if w is None:
        if objective == "max_sharpe":
            best = _lp_extreme(res, excess, {"sectors", "leverage", "turnover", "costs"})
            if best is not None and best <= 1e-12:
                raise _no_excess_error("max_sharpe", best, rf)
        if objective == "target_volatility":
            err = _diagnose(res, mu, cov, "min_variance", None)
            if err.code != "infeasible":
                raise err
            floor = _min_vol_general(cov, res)
            raise _target_vol_error(target, floor)
        raise _diagnose(res, mu, cov, objective, target)
    return w, (name, notes)


def _target_vol_error(target: float, floor: float) -> InfeasibleError:
    return InfeasibleError(
        f"Target volatility {target:.2%} is below the lowest attainable {floor:.2%} (the min-variance "
        f"portfolio) under these constraints: choose a target of at least {floor:.2%}.",
        code="target_volatility_too_low",
        details={"min_volatility": floor, "target": target},
    )


def _min_vol_general(cov: np.ndarray, res: _Resolved) -> float:
    w, _, _ = _solve_general("min_variance", np.zeros(len(res.tickers)), cov, res)
    return float(math.sqrt(max(w @ cov @ w, 0.0))) if w is not None else float("nan")


# --------------------------------------------------------------------------- frontier
@dataclass(frozen=True)
class Frontier:
    """Efficient frontier points and its landmarks.

    ``returns``, ``volatilities`` and ``sharpes`` are Series indexed by point (0..n-1, increasing
    return); ``weights`` is a DataFrame (points x tickers). ``min_variance`` and ``max_sharpe``
    are Allocations (``max_sharpe`` is None when no portfolio beats the risk-free rate; the
    notes say so). ``asset_returns`` and ``asset_volatilities`` (by ticker) place each asset on
    the same chart; the capital market line is ``risk_free_rate + max_sharpe.sharpe * vol``.
    ``solver`` is ``"cla"`` (exact corner portfolios) or the cvxpy solver of the DPP loop.
    """

    returns: pd.Series
    volatilities: pd.Series
    sharpes: pd.Series
    weights: pd.DataFrame
    min_variance: Allocation
    max_sharpe: Allocation | None
    asset_returns: pd.Series
    asset_volatilities: pd.Series
    risk_free_rate: float = 0.0
    solver: str = ""
    solve_seconds: float = 0.0
    notes: tuple[str, ...] = ()

    def capital_market_line(self, volatilities: np.ndarray | Iterable[float]) -> pd.Series:
        """Returns on the capital market line at the given volatilities (NaN without max Sharpe)."""
        vols = np.asarray(list(volatilities), dtype=float)
        slope = self.max_sharpe.sharpe if self.max_sharpe is not None else float("nan")
        return pd.Series(self.risk_free_rate + slope * vols, index=vols, name="cml_return")


@_single_thread_blas
def efficient_frontier(
    mu: pd.Series,
    cov: pd.DataFrame,
    n_points: int = 50,
    *,
    risk_free_rate: float = 0.0,
    constraints: Constraints | None = None,
    solver: str = "auto",
) -> Frontier:
    r"""The efficient frontier from the min-variance portfolio to the max-return portfolio.

    ``n_points`` target returns evenly spaced between the two ends; each point is
    :math:`\min w'\Sigma w` s.t. :math:`\mu'w \ge r_k` and the constraints. Under bounds only,
    the critical line algorithm (Markowitz 1956; Niedermayer and Niedermayer 2007) gives the
    corner portfolios and every point is an exact interpolation between two corners (weights
    are piecewise linear in the target return). Otherwise one parametrised cvxpy problem is
    compiled once and re-solved for each target (DPP).
    """
    started = time.perf_counter()
    if not isinstance(n_points, int | np.integer) or n_points < 2:
        raise DataError(f"n_points must be an integer of at least 2, got {n_points!r}.", code="bad_n_points")
    tickers, cov_m, notes, mu_v, rf = _inputs(mu, cov, risk_free_rate)
    res = _resolve_checked(constraints, tickers, notes)
    n_points = int(n_points)
    weights = None
    used = ""
    if _use_fast(res, solver):
        try:
            corners = _cla(mu_v, cov_m, res.lo, res.hi, res.budget)
            r_lo, r_hi = corners.returns[-1], corners.returns[0]
            targets = np.linspace(r_lo, r_hi, n_points)
            weights = _cla_at_returns(corners, targets)
            w_mv = corners.weights[-1]
            excess = mu_v - rf
            w_ms = (
                _cla_max_ratio(corners, cov_m, excess) if (corners.weights @ excess).max() > 1e-12 else None
            )
            used = "cla"
        except _FastPathFailed as exc:
            notes.append(
                f"The critical line algorithm stopped ({exc}); the general solver traced the frontier."
            )
            weights = None
    if weights is None:
        w_mv, used, more = _solve_general("min_variance", np.zeros(len(tickers)), cov_m, res)
        notes += more
        if w_mv is None:
            raise _diagnose(res, mu_v, cov_m, "min_variance", None)
        r_lo = float(mu_v @ w_mv) - (res.tc * np.abs(w_mv - res.w0).sum() if res.tc else 0.0)
        r_hi = _lp_extreme(res, mu_v, {"sectors", "leverage", "turnover", "costs"})
        targets = np.linspace(r_lo, r_hi, n_points)
        model = _model("target_return", res)
        rows = []
        with model.lock:
            _fill(model, res, _factor(cov_m), mu_v)
            for k, tr in enumerate(targets):
                # the last point sits on the boundary: back off a hair so the solver keeps it feasible
                model.set(target=tr - (1e-9 * max(1.0, abs(tr)) if k == n_points - 1 else 0.0))
                status, values, more = _run_chain(
                    model, None if solver in ("auto", "fast", "cvxpy") else solver
                )
                notes += more
                if status != "optimal":
                    rows.append(np.full(len(tickers), np.nan))
                    notes.append(f"Frontier point {k} ({tr:.2%}) could not be solved ({status}).")
                    continue
                rows.append(values["w"])
                used = values["solver"]
        weights = np.array(rows)
        try:
            w_ms = _mean_variance_arrays(
                mu_v, cov_m, res, "max_sharpe", rf=rf, target=None, delta=1.0, solver="cvxpy"
            )[0]
        except InfeasibleError:
            w_ms = None
    rets = weights @ mu_v
    vols = np.sqrt(np.maximum(_quad_rows(weights, cov_m, weights), 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        sharpes = (rets - rf) / vols
    idx = pd.RangeIndex(n_points, name="point")
    min_var = _alloc(
        w_mv, tickers, mu_v, cov_m, rf=rf, method="min_variance", solver=used, started=started, notes=()
    )
    if w_ms is None:
        max_sh = None
        notes.append(
            "No portfolio beats the risk-free rate: there is no max Sharpe point (use min variance)."
        )
    else:
        max_sh = _alloc(
            w_ms, tickers, mu_v, cov_m, rf=rf, method="max_sharpe", solver=used, started=started, notes=()
        )
    asset_vol = np.sqrt(np.diag(cov_m))
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


# --------------------------------------------------------------------------- other methods
@_single_thread_blas
def kelly(
    mu: pd.Series,
    cov: pd.DataFrame,
    fraction: float = 1.0,
    *,
    risk_free_rate: float = 0.0,
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
    """
    started = time.perf_counter()
    f = _number(fraction, "fraction")
    if f <= 0:
        raise DataError(
            f"Kelly fraction must be positive (e.g. 0.5 for half Kelly), got {fraction}.", code="bad_fraction"
        )
    tickers, cov_m, notes, mu_v, rf = _inputs(mu, cov, risk_free_rate)
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
        return _alloc(
            w, tickers, mu_v, cov_m, rf=rf, method="kelly", solver="closed_form", started=started, notes=notes
        )
    res = _resolve_checked(constraints, tickers, notes)
    w, (name, more) = _mean_variance_arrays(
        mu_v - rf, cov_m, res, "max_utility", rf=0.0, target=None, delta=1.0 / f, solver=solver
    )
    return _alloc(
        w, tickers, mu_v, cov_m, rf=rf, method="kelly", solver=name, started=started, notes=notes + more
    )


@_single_thread_blas
def max_diversification(
    cov: pd.DataFrame,
    constraints: Constraints | None = None,
    *,
    mu: pd.Series | None = None,
    risk_free_rate: float = 0.0,
    solver: str = "auto",
) -> Allocation:
    r"""Most diversified portfolio: maximise :math:`D(w) = \sigma'w / \sqrt{w'\Sigma w}`.

    The diversification ratio is a Sharpe ratio with the asset volatilities :math:`\sigma` in
    place of excess returns, so the same convex reformulation and fast paths apply
    (Choueifaty and Coignard 2008, "Toward maximum diversification", J. Portfolio Management
    35(1)). ``mu`` is only used to report the expected return. The ratio is in ``notes``.
    """
    started = time.perf_counter()
    tickers, cov_m, notes = _prepare_cov(cov)
    res = _resolve_checked(constraints, tickers, notes)
    sigma = np.sqrt(np.diag(cov_m))
    if np.any(sigma <= 0):
        bad = [tickers[i] for i in np.flatnonzero(sigma <= 0)]
        raise DataError(f"Zero volatility for {', '.join(bad)}: drop these tickers.", code="zero_volatility")
    mu_v = _prepare_mu(mu, tickers) if mu is not None else None
    w = None
    name = ""
    if _use_fast(res, solver):
        try:
            if _is_long_only_unit(res):
                w, name = _nnls_ratio(cov_m, sigma, res.budget), "nnls"
            else:
                w, name = _cla_max_ratio(_cla(sigma, cov_m, res.lo, res.hi, res.budget), cov_m, sigma), "cla"
        except _FastPathFailed as exc:
            notes.append(f"The exact fast path stopped ({exc}); the general solver answered.")
    if w is None:
        first = None if solver in ("auto", "fast", "cvxpy") else solver
        w, name, more = _solve_general("max_ratio", sigma, cov_m, res, first=first)
        notes += more
        if w is None:
            raise _diagnose(res, sigma, cov_m, "max_diversification", None)
    ratio = float(sigma @ w / math.sqrt(max(w @ cov_m @ w, 1e-300)))
    notes.append(f"Diversification ratio: {ratio:.4f}.")
    return _alloc(
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


def min_cvar(
    returns: pd.DataFrame,
    alpha: float = 0.95,
    constraints: Constraints | None = None,
    *,
    periods_per_year: float = 252,
    risk_free_rate: float = 0.0,
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
    import cvxpy as cp

    from .estimators import _clean_returns

    started = time.perf_counter()
    frame = _clean_returns(returns)
    a = _number(alpha, "alpha")
    if not 0.5 <= a < 1:
        raise DataError(
            f"alpha is the confidence level, between 0.5 and 1 (e.g. 0.95); got {alpha}.", code="bad_alpha"
        )
    notes: list[str] = []
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
    tickers = [str(c) for c in complete.columns]
    res = _resolve_checked(constraints, tickers, notes)
    scen = complete.to_numpy(dtype=float)
    n = len(tickers)
    w = cp.Variable(n)
    zeta = cp.Variable()
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

    class _Wrap:  # give the chain the same interface as a cached model
        pass

    model = _Wrap()
    model.problem = cp.Problem(cp.Minimize(objective), cons)
    model.w = w
    model.kappa = None
    status, values, more = _run_chain(model, None if solver in ("auto", "fast", "cvxpy") else solver)
    notes += more
    if status != "optimal":
        raise _diagnose(res, None, np.eye(n), "min_cvar", None)
    weights = values["w"]
    port = scen @ weights
    var_level = -np.quantile(port, 1 - a)
    tail = -port[-port >= var_level - 1e-15]
    cvar_value = float(cvar.value) if cvar.value is not None else float(tail.mean())
    notes.append(f"CVaR {a:.0%} (per period, positive loss): {cvar_value:.4%}.")
    ppy = float(periods_per_year)
    mu_v = complete.mean().to_numpy() * ppy
    cov_m = np.cov(scen, rowvar=False).reshape(n, n) * ppy
    return _alloc(
        weights,
        tickers,
        mu_v,
        cov_m,
        rf=risk_free_rate,
        method="min_cvar",
        solver=values["solver"],
        started=started,
        notes=notes + _cost_notes(weights, res),
    )


def equal_weight(
    tickers: Iterable[str] | pd.Index | pd.DataFrame | pd.Series,
    *,
    mu: pd.Series | None = None,
    cov: pd.DataFrame | None = None,
    risk_free_rate: float = 0.0,
) -> Allocation:
    r"""Equal weights :math:`w_i = 1/N` (DeMiguel, Garlappi and Uppal 2009, "Optimal versus naive
    diversification", Review of Financial Studies 22(5)). ``tickers`` may be a list, an Index, or
    a frame/Series whose columns/index are the tickers; ``mu``/``cov`` only feed the statistics."""
    started = time.perf_counter()
    if isinstance(tickers, pd.DataFrame):
        names = list(tickers.columns)
    elif isinstance(tickers, pd.Series):
        names = list(tickers.index)
    elif isinstance(tickers, str):
        names = [tickers]
    else:
        names = list(tickers)
    names = [str(t) for t in names]
    if not names:
        raise DataError("equal_weight needs at least one ticker.", code="no_assets")
    if len(set(names)) != len(names):
        dup = sorted({t for t in names if names.count(t) > 1})
        raise DataError(f"Duplicate tickers: {', '.join(dup)}.", code="duplicate_tickers")
    w = np.full(len(names), 1.0 / len(names))
    cov_m = None
    if cov is not None:
        t_cov, cov_m, _ = _prepare_cov(cov)
        cov_m = pd.DataFrame(cov_m, index=t_cov, columns=t_cov).reindex(index=names, columns=names).to_numpy()
    mu_v = _prepare_mu(mu, names) if mu is not None else None
    s = _series(w, names)
    return Allocation.from_weights(
        s,
        mu=pd.Series(mu_v, index=s.index) if mu_v is not None else None,
        cov=pd.DataFrame(cov_m, index=s.index, columns=s.index) if cov_m is not None else None,
        risk_free_rate=risk_free_rate,
        method="equal_weight",
        solver="closed_form",
        solve_seconds=time.perf_counter() - started,
    )


@_single_thread_blas
def inverse_volatility(
    cov: pd.DataFrame, *, mu: pd.Series | None = None, risk_free_rate: float = 0.0
) -> Allocation:
    r"""Inverse-volatility weights :math:`w_i = \sigma_i^{-1} / \sum_j \sigma_j^{-1}` (the naive
    risk-parity portfolio, exact when correlations are equal; Maillard, Roncalli and Teiletche
    2010, "The properties of equally weighted risk contribution portfolios", J. Portfolio
    Management 36(4), §2.3)."""
    started = time.perf_counter()
    tickers, cov_m, notes = _prepare_cov(cov)
    sigma = np.sqrt(np.diag(cov_m))
    if np.any(sigma <= 0):
        bad = [tickers[i] for i in np.flatnonzero(sigma <= 0)]
        raise DataError(
            f"Zero volatility for {', '.join(bad)}: inverse-volatility weights are undefined; drop these tickers.",
            code="zero_volatility",
        )
    w = (1.0 / sigma) / (1.0 / sigma).sum()
    mu_v = _prepare_mu(mu, tickers) if mu is not None else None
    return _alloc(
        w,
        tickers,
        mu_v,
        cov_m,
        rf=risk_free_rate,
        method="inverse_volatility",
        solver="closed_form",
        started=started,
        notes=notes,
    )
