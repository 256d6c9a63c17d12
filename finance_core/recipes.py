"""Recipes: a construction method with its estimators and constraints, as plain data.

A :class:`Recipe` names everything needed to rebuild a portfolio from returns: the
method, the expected-return and covariance estimators and the constraints. It turns
into a URL query and back (so a link reproduces a portfolio), into an
:class:`~finance_core.optimize.Allocation` with :func:`allocate`, and into a
walk-forward strategy with :func:`strategy` for :mod:`finance_core.backtest`.

Black-Litterman here takes as the market portfolio the equal-weighted universe (the
bundled data carry no market capitalisations) or, with ``bl_market="holdings"``, the
current holdings (for example an uploaded benchmark or cap-weighted book), the risk
aversion implied by the
benchmark (Black and Litterman 1992; clipped to [1, 10]) unless given, and optimises
max Sharpe on the posterior returns with the prior covariance under the recipe's
constraints.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from . import estimators, optimize
from .errors import DataError, FinanceError
from .optimize.black_litterman import black_litterman, implied_risk_aversion, views_to_matrices
from .optimize.results import Allocation

__all__ = [
    "METHODS",
    "MU_METHODS",
    "COV_METHODS",
    "METHOD_FIELDS",
    "Recipe",
    "Estimates",
    "estimate",
    "allocate",
    "constraints_for",
    "strategy",
    "BL_MARKETS",
    "market_portfolio",
    "bl_risk_aversion",
    "black_litterman_posterior",
    "Comparison",
    "compare",
]

METHODS = {
    "max_sharpe": "Max Sharpe",
    "min_variance": "Min variance",
    "target_return": "Target return",
    "target_volatility": "Target volatility",
    "max_utility": "Max utility (risk aversion)",
    "risk_parity": "Equal risk contribution",
    "hrp": "Hierarchical risk parity",
    "max_diversification": "Max diversification",
    "min_cvar": "Min CVaR",
    "kelly": "Fractional Kelly",
    "black_litterman": "Black-Litterman",
    "equal_weight": "Equal weight",
    "inverse_volatility": "Inverse volatility",
}
MU_METHODS = {"mean": "Historical mean", "cagr": "CAGR", "ewma": "EWMA", "capm": "CAPM (equilibrium)"}
COV_METHODS = {"sample": "Sample", "ledoit_wolf": "Ledoit-Wolf", "oas": "OAS", "ewma": "EWMA"}
BL_MARKETS = {"equal": "Equal weight", "holdings": "Current holdings"}
_MEAN_VARIANCE = ("max_sharpe", "min_variance", "target_return", "target_volatility", "max_utility")
_CONSTRAINED = (*_MEAN_VARIANCE, "risk_parity", "max_diversification", "min_cvar", "kelly", "black_litterman")
_BL = ("black_litterman",)
#: Recipe settings that only some methods read, with those methods (every other setting is read by all).
#: HRP holds the weight bounds only; equal weight and inverse volatility take no constraint; the
#: max-utility risk aversion is Black-Litterman's fallback when no benchmark implies one.
METHOD_FIELDS = {
    "risk_aversion": ("max_utility", "black_litterman"),
    "target": ("target_return", "target_volatility"),
    "lower": (*_CONSTRAINED, "hrp"),
    "upper": (*_CONSTRAINED, "hrp"),
    "max_turnover": _CONSTRAINED,
    "transaction_cost": _CONSTRAINED,
    "sector_bounds": _CONSTRAINED,
    "linkage": ("hrp",),
    "kelly_fraction": ("kelly",),
    "cvar_alpha": ("min_cvar",),
    "tau": _BL,
    "views": _BL,
    "bl_market": _BL,
    "bl_risk_aversion": _BL,
    "risk_budgets": ("risk_parity",),
}


@dataclass(frozen=True)
class Recipe:
    """Everything that defines a portfolio construction, as JSON-friendly values.

    ``target`` is the annual target return or volatility (fractions) of the
    ``target_*`` methods; ``lower``/``upper`` bound every weight; ``sector_bounds``
    maps a sector to ``(min, max)``; ``views`` are rows of a Black-Litterman views
    grid (asset, versus, value, confidence); ``bl_market`` is Black-Litterman's market
    portfolio, ``"equal"`` or ``"holdings"`` (the current weights), and
    ``bl_risk_aversion`` its risk aversion (None: implied by the benchmark).
    ``risk_budgets`` maps tickers to relative risk budgets for ``risk_parity``
    (tickers not listed get 1; normalised to sum to 1).
    HRP takes ``lower``/``upper`` but not sector limits, turnover or costs.
    """

    method: str = "max_sharpe"
    mu_method: str = "mean"
    cov_method: str = "ledoit_wolf"
    half_life: float | None = None
    risk_free_rate: float = 0.0
    risk_aversion: float = 2.0
    target: float | None = None
    lower: float = 0.0
    upper: float = 1.0
    max_turnover: float | None = None
    transaction_cost: float = 0.0
    sector_bounds: Mapping[str, tuple[float, float]] | None = None
    linkage: str = "single"
    kelly_fraction: float = 0.5
    cvar_alpha: float = 0.95
    tau: float = 0.05
    views: tuple[Mapping, ...] = field(default_factory=tuple)
    bl_market: str = "equal"
    bl_risk_aversion: float | None = None
    risk_budgets: Mapping[str, float] | None = None

    def __post_init__(self):
        if self.method not in METHODS:
            raise DataError(
                f"Unknown method {self.method!r}: choose one of {', '.join(METHODS)}.", code="bad_method"
            )
        if self.mu_method not in MU_METHODS:
            raise DataError(f"Unknown expected-return estimator {self.mu_method!r}.", code="bad_method")
        if self.cov_method not in COV_METHODS:
            raise DataError(f"Unknown covariance estimator {self.cov_method!r}.", code="bad_method")
        if self.bl_market not in BL_MARKETS:
            raise DataError(
                f"Unknown Black-Litterman prior {self.bl_market!r}: choose one of {', '.join(BL_MARKETS)}.",
                code="bad_method",
            )
        if self.bl_risk_aversion is not None and not 0 < self.bl_risk_aversion <= 100:
            raise DataError(
                f"Black-Litterman's risk aversion must be above 0 and at most 100 (2.5 is common), "
                f"got {self.bl_risk_aversion}.",
                code="bad_risk_aversion",
            )
        bad = [t for t, b in (self.risk_budgets or {}).items() if not (np.isfinite(b) and b > 0)]
        if bad:
            raise DataError(
                f"Risk budgets must be positive numbers: check {', '.join(map(str, bad[:5]))} "
                "(leave a ticker blank for a budget of 1).",
                code="bad_budget",
            )
        if self.lower > self.upper:
            raise DataError(
                f"The minimum weight {self.lower:.0%} is above the maximum {self.upper:.0%}.",
                code="bad_bounds",
            )

    @property
    def label(self) -> str:
        return METHODS[self.method]

    def used(self) -> Recipe:
        """The same recipe with the settings its method does not read back at their defaults.

        It builds the same portfolio; a link carries only what the method uses.
        """
        default = Recipe()
        return replace(self, **{name: getattr(default, name) for name, methods in METHOD_FIELDS.items()
                                if self.method not in methods})

    def to_query(self) -> dict[str, str]:
        """The settings the method uses that differ from their defaults, as URL query parameters."""
        default, used = Recipe(), self.used()
        out = {}
        for f in fields(self):
            value = getattr(used, f.name)
            if value == getattr(default, f.name):
                continue
            out[f.name] = json.dumps(value) if isinstance(value, (dict, tuple, list)) else str(value)
        return out

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Recipe:
        """A recipe from URL query parameters (unknown keys are ignored)."""
        kwargs: dict[str, Any] = {}  # field name -> value of that field's type
        types = {f.name: f.type for f in fields(cls)}
        for name, raw in query.items():
            if name not in types or raw in (None, "", "None"):
                continue
            try:
                if name in ("sector_bounds", "views", "risk_budgets"):
                    value = json.loads(raw) if isinstance(raw, str) else raw
                    if name == "views":
                        kwargs[name] = tuple(value)
                    elif name == "risk_budgets":
                        kwargs[name] = {str(k): float(v) for k, v in value.items()}
                    else:
                        kwargs[name] = {k: tuple(v) for k, v in value.items()}
                elif name in ("method", "mu_method", "cov_method", "linkage", "bl_market"):
                    kwargs[name] = str(raw)
                else:
                    kwargs[name] = float(raw)
            except (TypeError, ValueError, AttributeError, json.JSONDecodeError):
                raise DataError(
                    f"The setting {name}={raw!r} cannot be read; fix or remove it from the link.",
                    code="bad_query",
                ) from None
        return cls(**kwargs)

    def with_(self, **changes) -> Recipe:
        return replace(self, **changes)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Estimates:
    mu: pd.Series
    cov: pd.DataFrame
    notes: tuple[str, ...] = ()


def estimate(returns: pd.DataFrame, recipe: Recipe, *, benchmark: pd.Series | None = None) -> Estimates:
    """Annualised expected returns and covariance by the recipe's estimators."""
    kw = {"half_life": recipe.half_life} if recipe.half_life else {}
    mu = estimators.expected_returns(
        returns, recipe.mu_method, benchmark=benchmark, risk_free_rate=recipe.risk_free_rate, **kw
    )
    cov_est = estimators.covariance_estimate(returns, recipe.cov_method, **kw)
    return Estimates(mu, cov_est.cov, cov_est.notes)


def constraints_for(
    recipe: Recipe, sectors: pd.Series | None, current: pd.Series | None
) -> optimize.Constraints:
    """The recipe's bounds, sector limits, turnover cap and costs as ``optimize.Constraints``."""
    sector_bounds = dict(recipe.sector_bounds or {}) or None  # Constraints reads and checks each pair
    return optimize.Constraints(
        bounds=(recipe.lower, recipe.upper),
        sector_map=sectors if sector_bounds else None,
        sector_bounds=sector_bounds,
        current_weights=current,
        max_turnover=recipe.max_turnover,
        transaction_cost=recipe.transaction_cost,
    )


def allocate(
    returns: pd.DataFrame,
    recipe: Recipe,
    *,
    benchmark: pd.Series | None = None,
    sectors: pd.Series | None = None,
    current_weights: pd.Series | None = None,
    estimates: Estimates | None = None,
) -> Allocation:
    """The recipe's portfolio for these returns (dates x tickers, simple daily)."""
    est = estimates or estimate(returns, recipe, benchmark=benchmark)
    mu, cov = est.mu, est.cov
    cons = constraints_for(recipe, sectors, current_weights)
    m = recipe.method
    if m in _MEAN_VARIANCE:
        if m.startswith("target_") and recipe.target is None:
            raise DataError(
                f"{METHODS[m]} needs a target: set it with the target slider.", code="missing_target"
            )
        alloc = optimize.mean_variance(
            mu,
            cov,
            m,
            risk_free_rate=recipe.risk_free_rate,
            target=recipe.target,
            risk_aversion=recipe.risk_aversion,
            constraints=cons,
        )
    elif m == "risk_parity":
        budgets = None
        if recipe.risk_budgets:
            unknown = sorted(set(recipe.risk_budgets) - set(returns.columns))
            if unknown:
                raise DataError(
                    f"Risk budgets are given for {', '.join(unknown[:5])}, not in the universe: remove them.",
                    code="bad_budget",
                )
            budgets = pd.Series(1.0, index=returns.columns)
            budgets.update(pd.Series(recipe.risk_budgets, dtype=float))
        alloc = optimize.risk_parity(cov, budgets=budgets, constraints=cons, mu=mu,
                                     risk_free_rate=recipe.risk_free_rate)
    elif m == "hrp":
        alloc = _hrp(returns, recipe, cov, cons)
    elif m == "max_diversification":
        alloc = optimize.max_diversification(cov, cons, mu=mu)
    elif m == "min_cvar":
        alloc = optimize.min_cvar(returns, recipe.cvar_alpha, cons)
    elif m == "kelly":
        alloc = optimize.kelly(
            mu, cov, recipe.kelly_fraction, risk_free_rate=recipe.risk_free_rate, constraints=cons
        )
    elif m == "black_litterman":
        alloc = _black_litterman(returns, recipe, cov, cons, benchmark, current_weights)
    elif m == "equal_weight":
        alloc = optimize.equal_weight(returns.columns, mu=mu, cov=cov)
    else:
        alloc = optimize.inverse_volatility(cov, mu=mu, risk_free_rate=recipe.risk_free_rate)
    # Report every method's statistics under the same estimates, for comparability.
    return Allocation.from_weights(
        alloc.weights.reindex(returns.columns).fillna(0.0),
        mu=mu,
        cov=cov,
        risk_free_rate=recipe.risk_free_rate,
        method=m,
        solver=alloc.solver,
        solve_seconds=alloc.solve_seconds,
        notes=(*est.notes, *alloc.notes),
    )


def _hrp(returns, recipe, cov, cons) -> Allocation:
    """HRP on the recipe's covariance, within its weight bounds (the only constraints bisection can hold)."""
    alloc = optimize.hrp(returns, recipe.linkage, cov=cov, bounds=(recipe.lower, recipe.upper),
                         risk_free_rate=recipe.risk_free_rate)
    ignored = [name for name, on in (("sector limits", bool(cons.sector_bounds)),
                                     ("the turnover cap", cons.max_turnover is not None),
                                     ("transaction costs", bool(cons.transaction_cost))) if on]
    if ignored:
        alloc = replace(alloc, notes=(*alloc.notes, f"HRP keeps the weight bounds but not {' or '.join(ignored)}: "
                                      "recursive bisection has no place for them; use an optimiser for those."))
    return alloc


def market_portfolio(recipe: Recipe, tickers: list[str], current_weights: pd.Series | None) -> pd.Series:
    """Black-Litterman's reference (market) weights: equal, or the current holdings when asked for."""
    if recipe.bl_market == "equal":
        return pd.Series(1.0 / len(tickers), index=tickers)
    held = None if current_weights is None else pd.Series(current_weights, dtype=float).reindex(tickers).fillna(0.0)
    if held is None or held.sum() <= 0:
        raise DataError(
            "The Black-Litterman prior is set to the current holdings, but the workspace has none in this "
            "universe: upload holdings on the Data page or choose the equal-weight prior.",
            code="no_holdings",
        )
    if (held < 0).any():
        raise DataError(
            "The current holdings have short positions; Black-Litterman's market portfolio must be long-only. "
            "Choose the equal-weight prior.",
            code="bad_market_weights",
        )
    return held / held.sum()


def bl_risk_aversion(recipe: Recipe, benchmark: pd.Series | None) -> tuple[float, str]:
    """Black-Litterman's risk aversion and how it was chosen.

    ``recipe.bl_risk_aversion`` when given; else the benchmark's implied
    ``(E[r_m] - r_f) / sigma_m^2`` clipped to [1, 10] (a window where the benchmark lost
    money raises DataError asking for a value by hand); else ``recipe.risk_aversion``.
    """
    if recipe.bl_risk_aversion is not None:
        return recipe.bl_risk_aversion, "set by hand"
    if benchmark is None or len(benchmark) <= 20:
        return recipe.risk_aversion, "no benchmark to imply one: the max-utility risk aversion"
    implied = implied_risk_aversion(benchmark, recipe.risk_free_rate)
    delta = float(np.clip(implied, 1.0, 10.0))
    if delta != implied:
        return delta, f"implied by the benchmark ({implied:.2f}), clipped to [1, 10]"
    return delta, "implied by the benchmark"


def black_litterman_posterior(
    returns: pd.DataFrame,
    recipe: Recipe,
    cov: pd.DataFrame,
    benchmark: pd.Series | None,
    current_weights: pd.Series | None = None,
):
    """Prior and posterior returns of the recipe's views (see the module docstring)."""
    tickers = list(returns.columns)
    market = market_portfolio(recipe, tickers, current_weights)
    delta, _how = bl_risk_aversion(recipe, benchmark)
    if recipe.views:
        views = views_to_matrices(pd.DataFrame(list(recipe.views)), tickers, market_weights=market)
        confidences = views.confidences if views.confidences is not None and len(views.confidences) else None
        return black_litterman(
            cov,
            market,
            risk_aversion=delta,
            tau=recipe.tau,
            P=views.P,
            Q=views.Q,
            view_confidences=confidences,
        )
    return black_litterman(cov, market, risk_aversion=delta, tau=recipe.tau)


def _black_litterman(returns, recipe, cov, cons, benchmark, current_weights) -> Allocation:
    bl = black_litterman_posterior(returns, recipe, cov, benchmark, current_weights)
    alloc = optimize.mean_variance(
        bl.posterior_returns, cov, "max_sharpe", risk_free_rate=recipe.risk_free_rate, constraints=cons
    )
    return Allocation(
        alloc.weights,
        method="black_litterman",
        solver=alloc.solver,
        solve_seconds=alloc.solve_seconds,
        notes=(*alloc.notes, f"Prior: {BL_MARKETS[recipe.bl_market].lower()} as the market portfolio; "
               f"risk aversion {bl.risk_aversion:.2f} ({bl_risk_aversion(recipe, benchmark)[1]}), "
               f"tau {bl.tau:g}."),
    )


def strategy(recipe: Recipe, *, sectors: pd.Series | None = None) -> Callable[[pd.DataFrame], pd.Series]:
    """A walk-forward strategy for :func:`finance_core.backtest.run` (returns window -> weights)."""

    def choose(window: pd.DataFrame) -> pd.Series:
        return allocate(window, recipe, sectors=sectors).weights

    choose.__name__ = recipe.method
    return choose


@dataclass(frozen=True)
class Comparison:
    """Several recipes on the same data: ``table`` (one row per method) and ``weights`` (tickers x methods)."""

    table: pd.DataFrame
    weights: pd.DataFrame
    errors: dict


def compare(
    returns: pd.DataFrame,
    recipes: Mapping[str, Recipe],
    *,
    benchmark: pd.Series | None = None,
    sectors: pd.Series | None = None,
    current_weights: pd.Series | None = None,
) -> Comparison:
    """Allocate each recipe under the same estimates and tabulate return, risk and concentration.

    ``effective_n`` is the inverse Herfindahl index ``1 / sum(w_i^2)``. A recipe that
    fails (infeasible, solver failure) is listed in ``errors`` with its message.
    """
    rows, weights, errors = [], {}, {}
    for name, rec in recipes.items():
        try:
            a = allocate(returns, rec, benchmark=benchmark, sectors=sectors, current_weights=current_weights)
        except FinanceError as err:  # one failing method must not hide the others
            errors[name] = err.message
            continue
        w = a.weights
        weights[name] = w
        rows.append(
            {
                "method": name,
                "expected_return": a.expected_return,
                "volatility": a.volatility,
                "sharpe": a.sharpe,
                "max_weight": float(w.max()),
                "effective_n": float(1.0 / (w**2).sum()),
                "solver": a.solver,
            }
        )
    return Comparison(pd.DataFrame(rows), pd.DataFrame(weights), errors)
