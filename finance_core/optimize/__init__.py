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
    a primal active-set method for box-constrained QPs (Nocedal and Wright 2006, §16.5); and
    max Sharpe under caps (and sector limits), a primal-dual active set on the tangency
    conditions: the working set's frontier line ``a + t d`` and its tangency ``t = a'Σa / e'a``;
    the critical line answers (``"cla"``) if its sets ever cycle;
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

The contract every allocation method keeps:

- the data come first and positionally, always in the order ``mu, cov``:
  ``mean_variance(mu, cov)``, ``kelly(mu, cov)``, ``efficient_frontier(mu, cov)``; a method that
  needs only the covariance takes ``cov`` first and ``mu`` keyword-only, for the reported
  statistics (``risk_parity(cov)``, ``max_diversification(cov)``, ``inverse_volatility(cov)``);
  a method built on return scenarios takes ``returns`` first and ``cov``/``mu`` keyword-only
  (``min_cvar(returns)``, ``hrp(returns, cov=...)``); ``equal_weight`` takes the tickers;
- everything else is keyword-only: the method's own parameters (``objective``, ``fraction``,
  ``alpha``, ``budgets``, ``linkage``, ``n_points``), ``risk_free_rate``, ``solver`` and
  ``constraints: Constraints | None = None`` (long-only and fully invested when None; anything
  but a ``Constraints`` is refused). A method that cannot hold some constraint says so in its
  notes (HRP keeps the weight bounds only, risk parity drops turnover and costs); the naive
  methods take none;
- every method returns an :class:`Allocation` (the frontier a :class:`Frontier`);
- method names are ``Literal`` types (``Objective``, ``Linkage``) and every default is written
  once, in ``defaults`` (``DEFAULT_RISK_AVERSION`` = 2.0, ``DEFAULT_RISK_FREE_RATE``,
  ``DEFAULT_CVAR_ALPHA``, ``DEFAULT_KELLY_FRACTION``, ``DEFAULT_LINKAGE``, ``DEFAULT_TAU``).

Modules:

- ``defaults``: the method-name types and the shared defaults;
- ``results``: the result types ``Allocation`` and ``Frontier``;
- ``constraints``: ``Constraints``, their resolution to arrays and the feasibility messages;
- ``mean_variance``: the mean-variance objectives (``mean_variance``);
- ``frontier``: the efficient frontier (``efficient_frontier``);
- ``alternatives``: fractional Kelly, max diversification and min CVaR;
- ``naive``: equal weight and inverse volatility;
- ``risk_parity``: risk budgeting (equal risk contributions);
- ``hierarchical``: hierarchical risk parity and its cluster tree;
- ``black_litterman``: the Black-Litterman posterior and market-implied inputs;
- ``allocation``: discrete share allocation and rebalance trades;
- ``_box`` (private): the exact box paths (primal-dual and primal active set, NNLS);
- ``_cla`` (private): the critical line algorithm and its interpolations;
- ``_cvxpy`` (private): the compiled cvxpy problems and the solver chain with fallback;
- ``_checks`` (private): covariance, expected-return and constraint-number checks;
- ``_common`` (private): BLAS threads, the Allocation builder.
"""

from ._cvxpy import SOLVER_CHAIN
from .allocation import (
    TRADE_COLUMNS,
    DiscreteAllocation,
    RebalanceTrades,
    discrete_allocation,
    rebalance_trades,
)
from .alternatives import kelly, max_diversification, min_cvar
from .black_litterman import BlackLittermanResult, black_litterman, implied_risk_aversion
from .constraints import Constraints
from .defaults import (
    DEFAULT_CVAR_ALPHA,
    DEFAULT_KELLY_FRACTION,
    DEFAULT_LINKAGE,
    DEFAULT_RISK_AVERSION,
    DEFAULT_RISK_FREE_RATE,
    DEFAULT_TAU,
    Linkage,
    Objective,
)
from .frontier import efficient_frontier
from .hierarchical import LINKAGE_METHODS, HierarchicalTree, hrp, hrp_tree
from .mean_variance import OBJECTIVES, mean_variance
from .naive import equal_weight, inverse_volatility
from .results import Allocation, Frontier
from .risk_parity import risk_budget_shares, risk_parity

__all__ = [
    "Allocation",
    "Constraints",
    "Frontier",
    "OBJECTIVES",
    "Objective",
    "Linkage",
    "DEFAULT_RISK_AVERSION",
    "DEFAULT_RISK_FREE_RATE",
    "DEFAULT_CVAR_ALPHA",
    "DEFAULT_KELLY_FRACTION",
    "DEFAULT_LINKAGE",
    "DEFAULT_TAU",
    "SOLVER_CHAIN",
    "mean_variance",
    "efficient_frontier",
    "kelly",
    "max_diversification",
    "min_cvar",
    "equal_weight",
    "inverse_volatility",
    "risk_parity",
    "risk_budget_shares",
    "hrp",
    "hrp_tree",
    "HierarchicalTree",
    "LINKAGE_METHODS",
    "black_litterman",
    "implied_risk_aversion",
    "BlackLittermanResult",
    "discrete_allocation",
    "DiscreteAllocation",
    "RebalanceTrades",
    "rebalance_trades",
    "TRADE_COLUMNS",
]
