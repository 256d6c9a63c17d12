"""Risk analytics: VaR and CVaR, performance ratios, drawdowns, risk decomposition,
stress tests, VaR backtests, market regimes and Monte Carlo wealth projection.

Conventions (see ``DESIGN.md``): returns are simple periodic (daily) returns, a
Series for one portfolio or a dates x tickers DataFrame; weights are fractions
indexed by ticker; annualisation uses ``periods_per_year=252``; **VaR and CVaR are
positive loss fractions** (a 2% one-day VaR is ``0.02``); drawdowns are negative
fractions, as in empyrical and QuantStats.

Everything here is pure numpy/pandas/scipy/scikit-learn: no dash, plotly or flask.

Modules:

- ``returns``: portfolio returns, growth of one unit, overlapping horizon returns.
- ``tail``: VaR and CVaR four ways, the Cornish-Fisher check, the VaR table.
- ``performance``: performance summary, rolling statistics, drawdowns.
- ``contributions``: volatility and VaR/CVaR contributions, sums by sector.
- ``stress``: historical stress scenarios and hypothetical shocks.
- ``backtests``: Kupiec and Christoffersen tests, Basel traffic light, VaR backtest.
- ``regimes``: walk-forward market regimes.
- ``monte_carlo``: Monte Carlo wealth projection.
- ``factor_risk``: variance split into factor and specific parts under a ``FactorModel``.
- ``_checks``: VaR methods, weights, return and covariance frames (private); confidence levels
  and whole numbers are checked by ``finance_core._checks``.

References are listed in the module that uses them (Jorion 2007, McNeil et al. 2015,
Acerbi-Tasche 2002, Zangari 1996, Boudt et al. 2008 and Maillard 2012 in ``tail``;
Tasche 1999 in ``contributions``; Kupiec 1995, Christoffersen 1998 and Basel 1996 in
``backtests``).
"""

from __future__ import annotations

from ._checks import Simulation, VaRMethod
from .backtests import (
    TestResult,
    VaRBacktest,
    basel_zones,
    christoffersen_test,
    kupiec_test,
    score_var_forecasts,
    traffic_light,
    var_backtest,
)
from .contributions import RiskContributions, aggregate_by_sector, risk_contributions, tail_risk_contributions
from .factor_risk import (
    FACTOR_RISK_COLUMNS,
    FACTOR_RISK_MODELS,
    FactorRiskDecomposition,
    factor_risk_decomposition,
    portfolio_factor_risk,
)
from .fhs import (
    FHS_BACKTEST_COLUMNS,
    FHSComparison,
    FHSRisk,
    compare_fhs_with_historical,
    desk_variance_forecast,
    fhs_value_at_risk,
    fhs_var_backtest,
    portfolio_fhs_comparison,
    portfolio_fhs_risk,
)
from .forecast_review import DESK_REFIT_EVERY, ForecastReview, review_forecasts
from .monte_carlo import (
    MAX_PATHS,
    MAX_STEPS_PER_YEAR,
    MonteCarloResult,
    monte_carlo_paths,
    projection_assumptions,
)
from .performance import (
    DrawdownResult,
    drawdowns,
    performance_summary,
    rolling_statistics,
    underwater_curve,
)
from .regimes import RegimeResult, detect_regimes
from .returns import growth, horizon_returns, portfolio_returns
from .stress import (
    SCENARIOS,
    Scenario,
    ShockResult,
    benchmark_shock,
    hypothetical_shock,
    scenario_paths,
    stress_test,
)
from .tail import (
    METHODS,
    CornishFisherCheck,
    conditional_value_at_risk,
    cornish_fisher_check,
    empirical_cvar,
    empirical_var,
    sample_moments,
    value_at_risk,
    var_table,
)

__all__ = [
    "DESK_REFIT_EVERY",
    "ForecastReview",
    "review_forecasts",
    "FHSComparison",
    "FHSRisk",
    "FHS_BACKTEST_COLUMNS",
    "compare_fhs_with_historical",
    "desk_variance_forecast",
    "fhs_value_at_risk",
    "fhs_var_backtest",
    "portfolio_fhs_comparison",
    "portfolio_fhs_risk",
    "score_var_forecasts",
    "METHODS",
    "Simulation",
    "VaRMethod",
    "SCENARIOS",
    "Scenario",
    "DrawdownResult",
    "ShockResult",
    "TestResult",
    "VaRBacktest",
    "RegimeResult",
    "MonteCarloResult",
    "portfolio_returns",
    "growth",
    "horizon_returns",
    "value_at_risk",
    "conditional_value_at_risk",
    "CornishFisherCheck",
    "cornish_fisher_check",
    "var_table",
    "empirical_var",
    "empirical_cvar",
    "sample_moments",
    "drawdowns",
    "underwater_curve",
    "performance_summary",
    "rolling_statistics",
    "RiskContributions",
    "risk_contributions",
    "tail_risk_contributions",
    "aggregate_by_sector",
    "stress_test",
    "scenario_paths",
    "hypothetical_shock",
    "benchmark_shock",
    "kupiec_test",
    "christoffersen_test",
    "traffic_light",
    "basel_zones",
    "var_backtest",
    "detect_regimes",
    "monte_carlo_paths",
    "MAX_PATHS",
    "MAX_STEPS_PER_YEAR",
    "projection_assumptions",
    "FactorRiskDecomposition",
    "factor_risk_decomposition",
    "FACTOR_RISK_COLUMNS",
    "FACTOR_RISK_MODELS",
    "portfolio_factor_risk",
]
