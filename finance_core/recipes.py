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
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from . import dynamic, estimators, optimize
from .errors import DataError, FinanceError
from .factor_model import FactorModel
from .optimize.black_litterman import (
    BlackLittermanResult,
    black_litterman,
    implied_risk_aversion,
    views_to_matrices,
)
from .optimize.results import Allocation

__all__ = [
    "Method",
    "METHODS",
    "MOMENTUM_WEIGHTINGS",
    "DYNAMIC_METHODS",
    "STATIC_METHODS",
    "MU_METHODS",
    "COV_METHODS",
    "METHOD_FIELDS",
    "OPTIONAL_FIELDS",
    "REGISTRY",
    "MethodSpec",
    "MethodInputs",
    "method_spec",
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

MU_METHODS = {"mean": "Historical mean", "cagr": "CAGR", "ewma": "EWMA", "capm": "CAPM (equilibrium)"}
COV_METHODS = {
    "sample": "Sample",
    "ledoit_wolf": "Ledoit-Wolf",
    "oas": "OAS",
    "ewma": "EWMA",
    "factor_pca": "Factor model: statistical (PCA)",
    "factor_etf": "Factor model: factor ETFs (MTUM QUAL SIZE USMV VLUE)",
    "riskmetrics": "Forecast: EWMA covariance (RiskMetrics 0.94)",
    "ccc_garch": "Forecast: constant-correlation GARCH",
}
BL_MARKETS = {"equal": "Equal weight", "holdings": "Current holdings"}

#: The construction methods a Recipe names (the keys of :data:`REGISTRY`, in the same order).
Method = Literal[
    "max_sharpe",
    "min_variance",
    "target_return",
    "target_volatility",
    "max_utility",
    "risk_parity",
    "hrp",
    "max_diversification",
    "min_cvar",
    "kelly",
    "black_litterman",
    "equal_weight",
    "inverse_volatility",
    "vol_target",
    "ts_momentum",
    "xs_momentum",
    "regime_switching",
    "ensemble",
    "ml_allocation",
]
MOMENTUM_WEIGHTINGS = {"equal": "Equal weight", "inverse_vol": "Inverse volatility"}


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

    The dynamic methods (:mod:`finance_core.dynamic`) read: ``base_method``, the static
    method ``vol_target`` scales to the annual volatility ``target`` (10% when None) with
    exposure capped at ``max_leverage``; ``momentum_weighting`` (``"equal"`` or
    ``"inverse_vol"``) for ``ts_momentum``; ``regime_methods``, the static methods held in the
    calm and the turbulent regime; ``ensemble_methods``, the static members of ``ensemble``.
    """

    method: Method = "max_sharpe"
    mu_method: str = "mean"
    cov_method: str = "ledoit_wolf"
    half_life: float | None = None
    risk_free_rate: float = optimize.DEFAULT_RISK_FREE_RATE
    risk_aversion: float = optimize.DEFAULT_RISK_AVERSION
    target: float | None = None
    lower: float = 0.0
    upper: float = 1.0
    max_turnover: float | None = None
    transaction_cost: float = 0.0
    sector_bounds: Mapping[str, tuple[float, float]] | None = None
    linkage: optimize.Linkage = optimize.DEFAULT_LINKAGE
    kelly_fraction: float = optimize.DEFAULT_KELLY_FRACTION
    cvar_alpha: float = optimize.DEFAULT_CVAR_ALPHA
    tau: float = optimize.DEFAULT_TAU
    views: tuple[Mapping, ...] = field(default_factory=tuple)
    bl_market: str = "equal"
    bl_risk_aversion: float | None = None
    risk_budgets: Mapping[str, float] | None = None
    base_method: str = "min_variance"
    max_leverage: float = 1.0
    momentum_weighting: str = "equal"
    regime_methods: tuple[str, str] = ("max_sharpe", "min_variance")
    ensemble_methods: tuple[str, ...] = ("min_variance", "risk_parity", "equal_weight")

    def __post_init__(self) -> None:
        method_spec(self.method)
        self._check_dynamic()
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

    def _check_dynamic(self) -> None:
        """The dynamic methods' settings: static methods to build on, a known weighting, a positive cap."""
        named = [("base method", (self.base_method,)), ("regime methods", self.regime_methods),
                 ("ensemble methods", self.ensemble_methods)]
        for what, methods in named:
            bad = [m for m in methods if m not in STATIC_METHODS]
            if bad:
                raise DataError(
                    f"The {what} must be static construction methods ({', '.join(STATIC_METHODS)}); "
                    f"got {', '.join(map(repr, bad))}.",
                    code="bad_method",
                )
        if len(self.regime_methods) != 2:
            raise DataError("Regime switching needs two methods: calm, then turbulent.", code="bad_method")
        if len(self.ensemble_methods) < 2:
            raise DataError("The ensemble needs at least two member methods.", code="bad_method")
        if self.momentum_weighting not in MOMENTUM_WEIGHTINGS:
            raise DataError(
                f"Unknown momentum weighting {self.momentum_weighting!r}: choose one of "
                f"{', '.join(MOMENTUM_WEIGHTINGS)}.",
                code="bad_method",
            )
        if not (np.isfinite(self.max_leverage) and 0 < self.max_leverage <= 10):
            raise DataError(
                f"The leverage cap must be above 0 and at most 10 (1: never borrow), got {self.max_leverage}.",
                code="bad_leverage",
            )

    @property
    def label(self) -> str:
        return method_spec(self.method).label

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
        kwargs: dict[str, Any] = {}
        types = {f.name: f.type for f in fields(cls)}
        for name, raw in query.items():
            if name not in types or raw in (None, "", "None"):
                continue
            try:
                if name in ("sector_bounds", "views", "risk_budgets", "regime_methods", "ensemble_methods"):
                    value = json.loads(raw) if isinstance(raw, str) else raw
                    if name in ("regime_methods", "ensemble_methods"):
                        kwargs[name] = tuple(str(v) for v in value)
                    elif name == "views":
                        kwargs[name] = tuple(value)
                    elif name == "risk_budgets":
                        kwargs[name] = {str(k): float(v) for k, v in value.items()}
                    else:
                        kwargs[name] = {k: tuple(v) for k, v in value.items()}
                elif name in ("method", "mu_method", "cov_method", "linkage", "bl_market", "base_method",
                              "momentum_weighting"):
                    kwargs[name] = str(raw)
                else:
                    kwargs[name] = float(raw)
            except (TypeError, ValueError, AttributeError, json.JSONDecodeError):
                raise DataError(
                    f"The setting {name}={raw!r} cannot be read; fix or remove it from the link.",
                    code="bad_query",
                ) from None
        return cls(**kwargs)

    def with_(self, **changes: Any) -> Recipe:
        return replace(self, **changes)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Estimates:
    mu: pd.Series
    cov: pd.DataFrame
    notes: tuple[str, ...] = ()
    factor_model: FactorModel | None = None

    @property
    def risk(self) -> pd.DataFrame | FactorModel:
        """What mean-variance and the frontier take as the covariance: the factor model when there is one."""
        return self.cov if self.factor_model is None else self.factor_model


def estimate(returns: pd.DataFrame, recipe: Recipe, *, benchmark: pd.Series | None = None) -> Estimates:
    """Annualised expected returns and covariance by the recipe's estimators."""
    kw = {"half_life": recipe.half_life} if recipe.half_life else {}
    mu = estimators.expected_returns(
        returns, recipe.mu_method, benchmark=benchmark, risk_free_rate=recipe.risk_free_rate, **kw
    )
    cov_est = estimators.covariance_estimate(returns, recipe.cov_method, **kw)
    return Estimates(mu, cov_est.cov, cov_est.notes, cov_est.factor_model)


def constraints_for(
    recipe: Recipe, sectors: pd.Series | None, current: pd.Series | None
) -> optimize.Constraints:
    """The recipe's bounds, sector limits, turnover cap and costs as ``optimize.Constraints``."""
    sector_bounds = cast(
        "dict[str, tuple[float, float]] | None",
        {k: tuple(v) for k, v in (recipe.sector_bounds or {}).items()} or None,
    )
    return optimize.Constraints(
        bounds=(recipe.lower, recipe.upper),
        sector_map=sectors if sector_bounds else None,
        sector_bounds=sector_bounds,
        current_weights=current,
        max_turnover=recipe.max_turnover,
        transaction_cost=recipe.transaction_cost,
    )


@dataclass(frozen=True)
class MethodInputs:
    """What a method's adapter in :data:`REGISTRY` receives: the data, the estimates and the constraints."""

    returns: pd.DataFrame
    recipe: Recipe
    mu: pd.Series
    cov: pd.DataFrame
    constraints: optimize.Constraints
    benchmark: pd.Series | None
    current_weights: pd.Series | None
    #: The factor model behind ``cov`` (factor_pca / factor_etf), so mean-variance can use its structure.
    factor_model: FactorModel | None = None

    @property
    def risk(self) -> pd.DataFrame | FactorModel:
        """What mean-variance takes as the covariance: the factor model when there is one."""
        return self.cov if self.factor_model is None else self.factor_model


@dataclass(frozen=True)
class MethodSpec:
    """One construction method: its label, the adapter that calls it, the recipe settings it reads.

    ``reads`` lists the settings of :data:`OPTIONAL_FIELDS` the method uses (every other
    setting is read by all); :data:`METHOD_FIELDS` is built from it.
    """

    label: str
    build: Callable[[MethodInputs], Allocation]
    reads: tuple[str, ...] = ()


def _mean_variance(objective: optimize.Objective) -> Callable[[MethodInputs], Allocation]:
    def build(x: MethodInputs) -> Allocation:
        if objective in ("target_return", "target_volatility") and x.recipe.target is None:
            raise DataError(
                f"{METHODS[objective]} needs a target: set it with the target slider.", code="missing_target"
            )
        return optimize.mean_variance(
            x.mu,
            x.risk,
            objective=objective,
            risk_free_rate=x.recipe.risk_free_rate,
            target=x.recipe.target,
            risk_aversion=x.recipe.risk_aversion,
            constraints=x.constraints,
        )

    return build


def _risk_parity(x: MethodInputs) -> Allocation:
    budgets = None
    if x.recipe.risk_budgets:
        unknown = sorted(set(x.recipe.risk_budgets) - set(x.returns.columns))
        if unknown:
            raise DataError(
                f"Risk budgets are given for {', '.join(unknown[:5])}, not in the universe: remove them.",
                code="bad_budget",
            )
        budgets = pd.Series(1.0, index=x.returns.columns)
        budgets.update(pd.Series(x.recipe.risk_budgets, dtype=float))
    return optimize.risk_parity(
        x.cov, mu=x.mu, budgets=budgets, constraints=x.constraints, risk_free_rate=x.recipe.risk_free_rate
    )


def _hrp(x: MethodInputs) -> Allocation:
    """HRP on the recipe's covariance; it keeps the weight bounds and notes what else it cannot hold."""
    return optimize.hrp(
        x.returns,
        cov=x.cov,
        linkage=x.recipe.linkage,
        constraints=x.constraints,
        risk_free_rate=x.recipe.risk_free_rate,
    )


def _max_diversification(x: MethodInputs) -> Allocation:
    return optimize.max_diversification(x.cov, mu=x.mu, constraints=x.constraints)


def _min_cvar(x: MethodInputs) -> Allocation:
    return optimize.min_cvar(x.returns, alpha=x.recipe.cvar_alpha, constraints=x.constraints)


def _kelly(x: MethodInputs) -> Allocation:
    return optimize.kelly(
        x.mu,
        x.cov,
        fraction=x.recipe.kelly_fraction,
        risk_free_rate=x.recipe.risk_free_rate,
        constraints=x.constraints,
    )


def _black_litterman(x: MethodInputs) -> Allocation:
    recipe = x.recipe
    bl = black_litterman_posterior(x.returns, recipe, x.cov, x.benchmark, x.current_weights)
    alloc = optimize.mean_variance(
        bl.posterior_returns,
        x.cov,
        objective="max_sharpe",
        risk_free_rate=recipe.risk_free_rate,
        constraints=x.constraints,
    )
    return Allocation(
        alloc.weights,
        method="black_litterman",
        solver=alloc.solver,
        solve_seconds=alloc.solve_seconds,
        notes=(*alloc.notes, f"Prior: {BL_MARKETS[recipe.bl_market].lower()} as the market portfolio; "
               f"risk aversion {bl.risk_aversion:.2f} ({bl_risk_aversion(recipe, x.benchmark)[1]}), "
               f"tau {bl.tau:g}."),
    )


def _equal_weight(x: MethodInputs) -> Allocation:
    return optimize.equal_weight(x.returns.columns, mu=x.mu, cov=x.cov)


def _inverse_volatility(x: MethodInputs) -> Allocation:
    return optimize.inverse_volatility(x.cov, mu=x.mu, risk_free_rate=x.recipe.risk_free_rate)


def _member(x: MethodInputs, method: str) -> Callable[[pd.DataFrame], pd.Series]:
    """A static method of the same recipe as a function of a returns window (for the dynamic methods)."""
    recipe = x.recipe.with_(method=method)

    def weights(window: pd.DataFrame) -> pd.Series:
        return allocate(window, recipe, benchmark=x.benchmark, sectors=x.constraints.sector_map,
                        current_weights=x.current_weights).weights

    return weights


def _dynamic(x: MethodInputs, chosen: dynamic.DynamicWeights) -> Allocation:
    """A dynamic method's weights and notes (the cash remainder is in the notes) as an Allocation."""
    return Allocation(chosen.weights, method=x.recipe.method, solver="dynamic", notes=chosen.notes)


def _vol_target(x: MethodInputs) -> Allocation:
    target = x.recipe.target if x.recipe.target is not None else dynamic.DEFAULT_TARGET_VOLATILITY
    return _dynamic(x, dynamic.volatility_target(x.returns, _member(x, x.recipe.base_method), target=target,
                                                 max_leverage=x.recipe.max_leverage))


def _ts_momentum(x: MethodInputs) -> Allocation:
    weighting = cast("dynamic.MomentumWeighting", x.recipe.momentum_weighting)
    return _dynamic(x, dynamic.time_series_momentum(x.returns, weighting=weighting))


def _xs_momentum(x: MethodInputs) -> Allocation:
    return _dynamic(x, dynamic.cross_sectional_momentum(x.returns))


def _regime_switching(x: MethodInputs) -> Allocation:
    calm, turbulent = x.recipe.regime_methods
    names = (METHODS[calm], METHODS[turbulent])
    return _dynamic(x, dynamic.regime_switching(x.returns, _member(x, calm), _member(x, turbulent), names=names))


def _ensemble(x: MethodInputs) -> Allocation:
    members = {METHODS[m]: _member(x, m) for m in x.recipe.ensemble_methods}
    return _dynamic(x, dynamic.ensemble(x.returns, members))


def _ml_allocation(x: MethodInputs) -> Allocation:
    return dynamic.ml_allocation(x.returns.iloc[-ML_TRAINING_DAYS:], x.risk, risk_aversion=x.recipe.risk_aversion,
                                 risk_free_rate=x.recipe.risk_free_rate, constraints=x.constraints)


#: The ML allocation trains on at most the last three years of the window (a backtest's lookback is shorter).
ML_TRAINING_DAYS = 756
_CONSTRAINTS = ("lower", "upper", "max_turnover", "transaction_cost", "sector_bounds")
_BL = ("risk_aversion", "tau", "views", "bl_market", "bl_risk_aversion")
#: What the members of a dynamic method may read: the static methods' own settings.
_MEMBER_READS = ("risk_aversion", "linkage", "kelly_fraction", "cvar_alpha", "risk_budgets", *_BL)

#: Every construction method, by name: a new method is one entry here (and its name in :data:`Method`).
#: HRP holds the weight bounds only; equal weight and inverse volatility take no constraint; the
#: max-utility risk aversion is Black-Litterman's fallback when no benchmark implies one.
REGISTRY: dict[str, MethodSpec] = {
    "max_sharpe": MethodSpec("Max Sharpe", _mean_variance("max_sharpe"), _CONSTRAINTS),
    "min_variance": MethodSpec("Min variance", _mean_variance("min_variance"), _CONSTRAINTS),
    "target_return": MethodSpec("Target return", _mean_variance("target_return"), (*_CONSTRAINTS, "target")),
    "target_volatility": MethodSpec(
        "Target volatility", _mean_variance("target_volatility"), (*_CONSTRAINTS, "target")
    ),
    "max_utility": MethodSpec(
        "Max utility (risk aversion)", _mean_variance("max_utility"), (*_CONSTRAINTS, "risk_aversion")
    ),
    "risk_parity": MethodSpec("Equal risk contribution", _risk_parity, (*_CONSTRAINTS, "risk_budgets")),
    "hrp": MethodSpec("Hierarchical risk parity", _hrp, ("lower", "upper", "linkage")),
    "max_diversification": MethodSpec("Max diversification", _max_diversification, _CONSTRAINTS),
    "min_cvar": MethodSpec("Min CVaR", _min_cvar, (*_CONSTRAINTS, "cvar_alpha")),
    "kelly": MethodSpec("Fractional Kelly", _kelly, (*_CONSTRAINTS, "kelly_fraction")),
    "black_litterman": MethodSpec("Black-Litterman", _black_litterman, (*_CONSTRAINTS, *_BL)),
    "equal_weight": MethodSpec("Equal weight", _equal_weight),
    "inverse_volatility": MethodSpec("Inverse volatility", _inverse_volatility),
    # Dynamic methods (finance_core.dynamic): their weights move with the data up to the rebalance date.
    "vol_target": MethodSpec(
        "Dynamic: volatility target", _vol_target,
        (*_CONSTRAINTS, "target", "base_method", "max_leverage", *_MEMBER_READS),
    ),
    "ts_momentum": MethodSpec("Dynamic: time-series momentum", _ts_momentum, ("momentum_weighting",)),
    "xs_momentum": MethodSpec("Dynamic: cross-sectional momentum", _xs_momentum),
    "regime_switching": MethodSpec(
        "Dynamic: regime switching", _regime_switching, (*_CONSTRAINTS, "regime_methods", *_MEMBER_READS)
    ),
    "ensemble": MethodSpec("Dynamic: ensemble", _ensemble, (*_CONSTRAINTS, "ensemble_methods", *_MEMBER_READS)),
    "ml_allocation": MethodSpec("Dynamic: ML allocation", _ml_allocation, (*_CONSTRAINTS, "risk_aversion")),
}
#: Method name -> label, in the registry's order.
METHODS = {name: spec.label for name, spec in REGISTRY.items()}
#: The dynamic methods (finance_core.dynamic) and the static ones they build on.
DYNAMIC_METHODS = ("vol_target", "ts_momentum", "xs_momentum", "regime_switching", "ensemble", "ml_allocation")
STATIC_METHODS = tuple(m for m in REGISTRY if m not in DYNAMIC_METHODS)
#: Recipe settings that only some methods read (every other setting is read by all).
OPTIONAL_FIELDS = (
    "risk_aversion", "target", "lower", "upper", "max_turnover", "transaction_cost", "sector_bounds", "linkage",
    "kelly_fraction", "cvar_alpha", "tau", "views", "bl_market", "bl_risk_aversion", "risk_budgets",
    "base_method", "max_leverage", "momentum_weighting", "regime_methods", "ensemble_methods",
)
#: Each optional setting with the methods that read it (from the registry's ``reads``).
METHOD_FIELDS = {f: tuple(name for name, spec in REGISTRY.items() if f in spec.reads) for f in OPTIONAL_FIELDS}


def method_spec(name: str) -> MethodSpec:
    """The registry entry of ``name``; an unknown name raises DataError listing the methods."""
    spec = REGISTRY.get(name)
    if spec is None:
        raise DataError(f"Unknown method {name!r}: choose one of {', '.join(REGISTRY)}.", code="bad_method")
    return spec


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
    alloc = method_spec(recipe.method).build(
        MethodInputs(returns, recipe, mu, cov, cons, benchmark, current_weights, est.factor_model)
    )
    # Report every method's statistics under the same estimates, for comparability.
    return Allocation.from_weights(
        alloc.weights.reindex(returns.columns).fillna(0.0),
        mu=mu,
        cov=cov,
        risk_free_rate=recipe.risk_free_rate,
        method=recipe.method,
        solver=alloc.solver,
        solve_seconds=alloc.solve_seconds,
        notes=(*est.notes, *alloc.notes),
    )


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
) -> BlackLittermanResult:
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
