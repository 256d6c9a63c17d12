"""Execution scheduling: order-book impact models, child-order schedules and their costs.

The cost model (Almgren and Chriss (2000), section 1) is described in :mod:`.costs`.

Modules:

* ``book`` -- order books (:class:`OrderBook`), a synthetic book, slippage of market orders;
* ``impact`` -- the temporary-impact model per interval (:class:`ImpactModel`) and its fit;
* ``clock`` -- the session clock: volume profiles, interval times, the session window;
* ``costs`` -- the cost model of a schedule, its breakdown and the CostSetup carrying model and clock;
* ``schedule`` -- the :class:`Schedule` result, lot rounding, TWAP, VWAP and POV;
* ``optimal`` -- impact-optimal schedules (analytical, cvxpy, scipy solvers);
* ``almgren_chriss`` -- Almgren-Chriss parameters, trajectory and efficient frontier;
* ``order_model`` -- the desk's order model (:class:`OrderModel`) and the strategy comparison;
* ``basket`` -- schedules of several parent orders (:class:`BasketSchedule`);
* ``readers`` -- CSV readers of order-book snapshots and intraday volumes;
* ``_checks`` -- side, order size in shares, per-interval vectors (private); numbers, counts and
  blank cells are checked by ``finance_core._checks``.
"""

from __future__ import annotations

from .almgren_chriss import (
    AlmgrenChrissParameters,
    almgren_chriss,
    almgren_chriss_frontier,
    almgren_chriss_parameters,
    annual_volatility,
)
from .basket import BasketSchedule, BasketStrategy, basket_schedule, order_basket, sample_basket
from .book import OrderBook, estimate_slippage, synthetic_order_book
from .clock import (
    CLOSE_AUCTION_SHARE,
    SESSION_MINUTES,
    SessionWindow,
    intraday_volume_profile,
    session_window,
)
from .costs import COST_ROWS, CostSetup
from .impact import ImpactForm, ImpactModel, fit_impact
from .optimal import SOLVERS, Solver, optimal_schedule
from .order_model import OrderModel, Strategy, compare_strategies, order_model
from .readers import (
    daily_volume_estimate,
    load_volume_csv,
    read_order_book_csv,
    read_volume_csv,
    sample_volume_csv,
)
from .schedule import CHILD_ORDER_COLUMNS, Schedule, pov, twap, vwap

__all__ = [
    "OrderBook",
    "BasketStrategy",
    "ImpactForm",
    "ImpactModel",
    "Schedule",
    "CHILD_ORDER_COLUMNS",
    "CostSetup",
    "COST_ROWS",
    "BasketSchedule",
    "AlmgrenChrissParameters",
    "synthetic_order_book",
    "read_order_book_csv",
    "estimate_slippage",
    "fit_impact",
    "intraday_volume_profile",
    "optimal_schedule",
    "twap",
    "vwap",
    "pov",
    "almgren_chriss",
    "almgren_chriss_frontier",
    "almgren_chriss_parameters",
    "compare_strategies",
    "basket_schedule",
    "order_basket",
    "CLOSE_AUCTION_SHARE",
    "SOLVERS",
    "Solver",
    "Strategy",
    "SESSION_MINUTES",
    "SessionWindow",
    "session_window",
    "OrderModel",
    "order_model",
    "read_volume_csv",
    "load_volume_csv",
    "daily_volume_estimate",
    "sample_volume_csv",
    "annual_volatility",
    "sample_basket",
]
