"""Portfolio Desk's computational core: pure pandas/numpy/scipy/cvxpy, no dash.

Modules: ``data`` (datasets, CSV readers, returns), ``estimators``, ``optimize``,
``backtest``, ``execution``, ``risk``, ``tax``, ``report`` and ``errors``.
"""

from .errors import DataError, FinanceError, InfeasibleError, SolverError

__all__ = ["FinanceError", "DataError", "InfeasibleError", "SolverError"]
__version__ = "0.1.0"
