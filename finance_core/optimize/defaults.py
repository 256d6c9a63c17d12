"""The names and default settings the allocation family shares, each written once.

Every allocation method, :class:`~finance_core.recipes.Recipe` and the construction page read
their defaults from here, so a default changes in one place.
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "Objective",
    "Linkage",
    "OBJECTIVES",
    "LINKAGE_METHODS",
    "DEFAULT_RISK_AVERSION",
    "DEFAULT_RISK_FREE_RATE",
    "DEFAULT_CVAR_ALPHA",
    "DEFAULT_KELLY_FRACTION",
    "DEFAULT_LINKAGE",
    "DEFAULT_TAU",
]

#: Objectives of :func:`~finance_core.optimize.mean_variance`.
Objective = Literal["max_sharpe", "min_variance", "target_return", "target_volatility", "max_utility"]
#: Linkage methods of :func:`~finance_core.optimize.hrp` (scipy names).
Linkage = Literal["single", "average", "complete", "ward"]

OBJECTIVES: tuple[Objective, ...] = get_args(Objective)
LINKAGE_METHODS: tuple[Linkage, ...] = get_args(Linkage)

#: :math:`\delta` of max utility :math:`\mu'w - \tfrac{\delta}{2} w'\Sigma w` (and Black-Litterman's
#: fallback when no benchmark implies one).
DEFAULT_RISK_AVERSION = 2.0
#: Annual risk-free rate for max Sharpe and every reported Sharpe ratio.
DEFAULT_RISK_FREE_RATE = 0.0
#: Confidence level of min CVaR.
DEFAULT_CVAR_ALPHA = 0.95
#: The desk's Kelly fraction (half Kelly). :func:`~finance_core.optimize.kelly` itself is full
#: Kelly (``fraction=1.0``, the growth-optimal portfolio) unless told otherwise.
DEFAULT_KELLY_FRACTION = 0.5
#: HRP's linkage: single, as in López de Prado (2016).
DEFAULT_LINKAGE: Linkage = "single"
#: Black-Litterman's uncertainty scale of the prior mean.
DEFAULT_TAU = 0.05
