"""Portfolio Desk's computational core: pure pandas/numpy/scipy/cvxpy, no dash.

Packages (each re-exports its public names from ``__init__`` and lists its modules there):

- ``optimize/``: ``Allocation``/``Frontier``, ``Constraints``, mean-variance and the frontier,
  Kelly, max diversification, min CVaR, naive methods, risk parity, HRP, Black-Litterman,
  whole shares and rebalance trades; the solvers are private modules (``_box``, ``_cla``, ``_cvxpy``).
- ``risk/``: VaR and CVaR, performance and drawdowns, contributions, stress tests, VaR
  backtests, regimes, Monte Carlo, factor risk decomposition, filtered historical simulation VaR.
- ``execution/``: order books, impact model and fit, session clock, schedules and costs,
  impact-optimal solvers, Almgren-Chriss, baskets, the order model, its CSV readers.
- ``tax/``: rates, lots, the wash-sale engine, Form 8949, harvesting, trade-list tax,
  tax-aware rebalancing, after-tax returns, asset location.
- ``data/``: the house CSV decoder, one reader per upload kind (prices, holdings, lots, trades,
  sectors, benchmark) returning ``Loaded`` (frame and notes), samples, the bundled datasets and
  their files, returns.
- ``forecast/``: volatility forecasts (EWMA, GARCH-t and GJR-GARCH-t via ``arch``, HAR, a
  scikit-learn model), their rolling-origin evaluation (QLIKE, MSE, Mincer-Zarnowitz,
  Diebold-Mariano) and covariance forecasts judged by out-of-sample minimum variance.
- ``attribution/``: Brinson attribution (BHB, Brinson-Fachler, geometric), Carino and Menchero
  linking over periods, contribution to return by asset and sector.

Modules: ``formats`` (the number and date
formats of uploaded files), ``benchmark`` (total-return index, blends), ``universe``,
``estimators`` (expected returns, covariance), ``factor_model`` (the ``FactorModel`` type) and
``factor_estimation`` (PCA and factor-ETF models), ``recipes`` (a construction as settings:
estimate and allocate), ``backtest``, ``overfitting`` (deflated Sharpe ratio, PBO), ``exposures``
(factor betas with Newey-West errors), ``limits`` (limit checks and breaches), ``rebalancing``
(calendar and band policies compared), ``compare_portfolios`` (portfolios side by side, trades
between two), ``report`` and ``errors``; ``_checks`` (private): the generic
input checks every package uses. See ARCHITECTURE.md.
"""

from .errors import DataError, FinanceError, InfeasibleError, SolverError

__all__ = ["FinanceError", "DataError", "InfeasibleError", "SolverError"]
__version__ = "0.1.0"
