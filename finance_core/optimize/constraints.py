"""Constraints on a portfolio, resolved to arrays, and the messages that name a conflict."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, InfeasibleError
from ._checks import checked_number
from ._cvxpy import lp_extreme

__all__ = [
    "Constraints",
    "Resolved",
    "resolve_checked",
    "checked_constraints",
    "weight_bounds",
    "diagnose",
    "target_return_error",
    "target_volatility_error",
    "no_excess_error",
]


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
class Resolved:
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
            bool(np.all(self.lo >= 0)) and self.leverage >= abs(self.budget) - 1e-12
        )
        return bool(len(self.sector_names) == 0 and self.max_turnover is None and self.tc == 0 and lev_free)

    @property
    def has_w0(self) -> bool:
        return self.max_turnover is not None or self.tc > 0


def _pair(value: Any, what: str) -> tuple[float, float]:
    if isinstance(value, Mapping):
        value = (value.get("lower", value.get("lo")), value.get("upper", value.get("hi")))
    try:
        lo, hi = value
    except (TypeError, ValueError):
        raise DataError(
            f"{what} must be a (lower, upper) pair, got {value!r}.", code="bad_constraint"
        ) from None
    return checked_number(lo, f"{what} lower"), checked_number(hi, f"{what} upper")


def checked_constraints(constraints: Constraints | None) -> Constraints:
    """``constraints`` (long-only, fully invested when None); anything but a Constraints is refused."""
    if constraints is None:
        return Constraints()
    if not isinstance(constraints, Constraints):
        hint = (
            " For weight bounds alone write constraints=Constraints(bounds=(lower, upper))."
            if isinstance(constraints, tuple | list)
            else ""
        )
        raise DataError(
            f"constraints must be an optimize.Constraints, got {type(constraints).__name__}.{hint}",
            code="bad_constraint",
        )
    return constraints


def weight_bounds(constraints: Constraints, tickers: list[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per-ticker lower and upper weight bounds of ``constraints``, in ``tickers`` order, and notes.

    Reads every form ``Constraints.bounds`` takes (a pair, a mapping ticker -> pair with
    ``default_bounds`` for the others, a frame with ``lower``/``upper``); checks nothing beyond
    the numbers themselves, so each method can say what its own bounds must satisfy.
    """
    n = len(tickers)
    notes: list[str] = []
    lo = np.empty(n)
    hi = np.empty(n)
    b = constraints.bounds
    if isinstance(b, pd.DataFrame):
        cols = {str(col).lower(): col for col in b.columns}
        if not {"lower", "upper"} <= set(cols):
            raise DataError("A bounds table needs columns 'lower' and 'upper'.", code="bad_constraint")
        b = {t: (b.loc[t, cols["lower"]], b.loc[t, cols["upper"]]) for t in b.index}
    if isinstance(b, Mapping | pd.Series):
        default = _pair(constraints.default_bounds, "default_bounds")
        unknown = [str(t) for t in b if t not in set(tickers)]
        if unknown:
            notes.append(f"Bounds given for tickers outside the universe were ignored: {', '.join(unknown)}.")
        for i, t in enumerate(tickers):
            lo[i], hi[i] = _pair(b[t], f"bounds for {t}") if t in b else default
    else:
        lo[:], hi[:] = _pair(b, "bounds")
    return lo, hi, notes


def _sector_limits(c: Constraints, tickers: list[str],
                   notes: list[str]) -> tuple[list[str], np.ndarray, list[float], list[float]]:
    """Sector names, their membership rows (sectors x tickers) and their (min, max); unmapped tickers noted."""
    n = len(tickers)
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
    return names, matrix, slo, shi


def _current_weights(c: Constraints, tickers: list[str], notes: list[str]) -> np.ndarray:
    """The current holdings as weights in ``tickers`` order (zeros without them); holdings outside noted."""
    w0 = np.zeros(len(tickers))
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
    return w0


def _trading_limits(c: Constraints, notes: list[str]) -> tuple[float | None, float, float | None]:
    """The turnover cap, the transaction cost and the leverage cap, checked."""
    turnover = None if c.max_turnover is None else checked_number(c.max_turnover, "max_turnover")
    if turnover is not None and turnover < 0:
        raise DataError(f"max_turnover must be >= 0, got {turnover}.", code="bad_constraint")
    if (turnover is not None or c.transaction_cost) and c.current_weights is None:
        notes.append("No current_weights given: turnover and costs are measured from an all-cash start.")
    tc = checked_number(c.transaction_cost, "transaction_cost")
    if tc < 0:
        raise DataError(f"transaction_cost must be >= 0, got {tc}.", code="bad_constraint")
    leverage = None if c.leverage is None else checked_number(c.leverage, "leverage")
    if leverage is not None and leverage <= 0:
        raise DataError(
            f"leverage (gross exposure cap) must be positive, got {leverage}.", code="bad_constraint"
        )
    return turnover, tc, leverage


def _resolve(constraints: Constraints | None, tickers: list[str]) -> Resolved:
    c = checked_constraints(constraints)
    lo, hi, notes = weight_bounds(c, tickers)
    budget = checked_number(c.budget, "budget")
    names, matrix, slo, shi = _sector_limits(c, tickers, notes)
    w0 = _current_weights(c, tickers, notes)
    turnover, tc, leverage = _trading_limits(c, notes)
    return Resolved(
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


#: Slack of the static feasibility checks (sums of bounds against the budget and sector limits).
_STATIC_TOL = 1e-9


def _check_static(res: Resolved) -> None:
    """Cheap conflicts between bounds, budget and sector limits: raise InfeasibleError naming them."""
    _check_weight_bounds(res)
    if len(res.sector_names):
        cap_in = res.sector_matrix @ res.hi
        floor_in = res.sector_matrix @ res.lo
        _check_each_sector(res, cap_in, floor_in)
        _check_sector_totals(res, cap_in, floor_in)


def _check_weight_bounds(res: Resolved) -> None:
    """Crossed bounds, and bounds whose sum cannot reach the budget."""
    t = res.tickers
    bad = [f"{t[i]} ({res.lo[i]:.2%} > {res.hi[i]:.2%})" for i in np.flatnonzero(res.lo > res.hi + 1e-12)]
    if bad:
        raise InfeasibleError(
            f"Lower bound above upper bound for {', '.join(bad)}: fix these bounds.",
            code="bounds_crossed",
            details={"tickers": [t[i] for i in np.flatnonzero(res.lo > res.hi + 1e-12)]},
        )
    n = len(t)
    if res.hi.sum() < res.budget - _STATIC_TOL:
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
    if res.lo.sum() > res.budget + _STATIC_TOL:
        raise InfeasibleError(
            f"Weight bounds cannot sum to {res.budget:.0%}: the lower bounds (minimum weights) add up to "
            f"{res.lo.sum():.2%}. Lower some minimum weights.",
            code="bounds_above_budget",
            details={"sum_lower": float(res.lo.sum()), "budget": res.budget},
        )


def _check_each_sector(res: Resolved, cap_in: np.ndarray, floor_in: np.ndarray) -> None:
    """A sector's own limits: crossed, or out of reach of its assets' bounds (``cap_in``, ``floor_in``)."""
    for j, s in enumerate(res.sector_names):
        if res.sector_lo[j] > res.sector_hi[j] + _STATIC_TOL:
            raise InfeasibleError(
                f"Sector {s}: minimum {res.sector_lo[j]:.2%} is above its maximum {res.sector_hi[j]:.2%}.",
                code="sector_bounds_crossed",
                details={"sector": s},
            )
        if res.sector_lo[j] > cap_in[j] + _STATIC_TOL:
            raise InfeasibleError(
                f"Sector {s}: its minimum {res.sector_lo[j]:.2%} is more than its assets may hold "
                f"(their upper bounds add up to {cap_in[j]:.2%}). Lower the sector minimum or raise "
                "those assets' upper bounds.",
                code="sector_min_unreachable",
                details={"sector": s},
            )
        if res.sector_hi[j] < floor_in[j] - _STATIC_TOL:
            raise InfeasibleError(
                f"Sector {s}: its maximum {res.sector_hi[j]:.2%} is below the minimum weights of its "
                f"assets ({floor_in[j]:.2%}). Raise the sector maximum or lower those minimums.",
                code="sector_max_unreachable",
                details={"sector": s},
            )


def _check_sector_totals(res: Resolved, cap_in: np.ndarray, floor_in: np.ndarray) -> None:
    """When the limited sectors partition the tickers: their minimums and maximums against the budget."""
    a = res.sector_matrix
    # each ticker in at most one limited sector (a partition), others free within their bounds
    outside = a.sum(axis=0) == 0
    eff_lo = np.maximum(res.sector_lo, floor_in)
    eff_hi = np.minimum(res.sector_hi, cap_in)
    if np.all(a.sum(axis=0) <= 1):
        total_min = eff_lo.sum() + res.lo[outside].sum()
        if total_min > res.budget + _STATIC_TOL:
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
        if total_max < res.budget - _STATIC_TOL:
            raise InfeasibleError(
                f"Sector maximums (with the assets outside the limited sectors) add up to only "
                f"{total_max:.2%}, below the {res.budget:.0%} budget. Raise some sector maximums.",
                code="sector_maximums_below_budget",
                details={"sum_sector_max": float(total_max)},
            )


def resolve_checked(constraints: Constraints | None, tickers: list[str], notes: list[str]) -> Resolved:
    """:func:`_resolve` then :func:`_check_static`; the resolution's notes are added to ``notes``."""
    res = _resolve(constraints, tickers)
    notes += res.notes
    _check_static(res)
    return res


def diagnose(
    res: Resolved, mu: np.ndarray | None, cov: Any, objective: str, target: Any
) -> InfeasibleError:
    """Name the conflict after a solver reported infeasibility."""
    _check_static(res)
    if lp_extreme(res, None, {"sectors"}) is None:
        return InfeasibleError(
            "The weight bounds and sector limits conflict (no portfolio satisfies both): loosen the "
            "sector limits or the per-asset bounds.",
            code="bounds_sectors_conflict",
        )
    if res.leverage is not None and lp_extreme(res, None, {"sectors", "leverage"}) is None:
        need = lp_extreme(res, "gross", {"sectors"}, sense="min")
        return InfeasibleError(
            f"The leverage cap {res.leverage:.2f} is below the smallest gross exposure the bounds allow "
            f"({need:.2f}): raise the leverage cap or tighten the short bounds.",
            code="leverage_too_tight",
            details={"min_gross": need},
        )
    if res.max_turnover is not None and lp_extreme(res, None, {"sectors", "leverage", "turnover"}) is None:
        need = lp_extreme(res, "turnover", {"sectors", "leverage"}, sense="min")
        return InfeasibleError(
            f"Max turnover {res.max_turnover:.2%} is too tight: reaching the bounds and sector limits from "
            f"the current holdings needs at least {need:.2%} turnover. Raise max turnover to at least "
            f"{need:.2%} or loosen the bounds.",
            code="turnover_too_tight",
            details={"min_turnover": need},
        )
    groups = {"sectors", "leverage", "turnover", "costs"}
    if objective == "target_return" and mu is not None:
        best = lp_extreme(res, mu, groups)
        return target_return_error(target, best, res.tc > 0)
    if objective in ("max_sharpe", "max_diversification") and mu is not None:
        best = lp_extreme(res, mu, groups)
        if best is not None and best <= 1e-12:
            return no_excess_error(objective, best)
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


def target_return_error(target: float, best: float | None, net: bool) -> InfeasibleError:
    what = "net of transaction costs " if net else ""
    return InfeasibleError(
        f"Target return {target:.2%} is above the best attainable {what}{best:.2%} under these constraints: "
        f"choose a target of at most {best:.2%}, or loosen the bounds.",
        code="target_return_unattainable",
        details={"max_attainable": best, "target": target},
    )


def no_excess_error(objective: str, best: float, rf: float | None = None) -> InfeasibleError:
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


def target_volatility_error(target: float, floor: float) -> InfeasibleError:
    return InfeasibleError(
        f"Target volatility {target:.2%} is below the lowest attainable {floor:.2%} (the min-variance "
        f"portfolio) under these constraints: choose a target of at least {floor:.2%}.",
        code="target_volatility_too_low",
        details={"min_volatility": floor, "target": target},
    )
