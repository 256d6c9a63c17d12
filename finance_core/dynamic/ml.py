"""ML allocation: a scikit-learn model predicts next-period returns, mean-variance allocates on them.

For every asset i and date d of the window the features are read from returns up to d: the
trailing 21- and 63-day sums of daily returns and the 21-day standard deviation; the target
is the sum of the next ``horizon`` daily returns (d+1 .. d+horizon). One gradient-boosting
model (settings :data:`ML_ALLOCATION_SETTINGS`, fixed in advance and never tuned on the
backtest) is fitted on the pooled (date, asset) rows of the window whose target ends by the
window's last day t, so training never reads a return after t. Its predictions at t,
annualised (``x 252 / horizon``), are the expected returns of a max-utility mean-variance
portfolio (:func:`finance_core.optimize.mean_variance`) under the recipe's covariance,
risk aversion and constraints.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import optimize
from .._checks import check_positive_int
from ..factor_model import FactorModel
from ..optimize.results import Allocation
from ._checks import check_history

__all__ = ["ML_ALLOCATION_SETTINGS", "ML_FEATURE_WINDOWS", "ml_allocation", "ml_expected_returns", "ml_panel"]

#: Fixed before any backtest; never tuned on the evaluation window.
ML_ALLOCATION_SETTINGS = dict(n_estimators=100, max_depth=2, learning_rate=0.1, random_state=0)
#: The feature windows: short and long trailing return sums, and the short volatility.
ML_FEATURE_WINDOWS = (21, 63)


def ml_panel(returns: pd.DataFrame, horizon: int = 21) -> tuple[pd.DataFrame, pd.Series]:
    """Pooled features (rows: date x asset) and the forward ``horizon``-day return target (NaN where
    the target would read past the window's end)."""
    short, long = ML_FEATURE_WINDOWS
    stacked = {
        "return_short": returns.rolling(short).sum(),
        "return_long": returns.rolling(long).sum(),
        "volatility_short": returns.rolling(short).std(),
    }
    features = pd.concat({k: v.stack(future_stack=True) for k, v in stacked.items()}, axis=1).dropna()
    target = returns.rolling(horizon).sum().shift(-horizon).stack(future_stack=True).reindex(features.index)
    return features, target


def ml_expected_returns(returns: pd.DataFrame, *, horizon: int = 21, periods_per_year: int = 252) -> pd.Series:
    """Annualised expected returns by asset predicted at the window's last day (see the module docstring)."""
    days = check_positive_int(horizon, "ML horizon")
    frame = check_history(returns, ML_FEATURE_WINDOWS[1] + days + 21, "ML allocation")
    from sklearn.ensemble import GradientBoostingRegressor

    features, target = ml_panel(frame, days)
    train = target.notna()
    y = target[train].to_numpy()
    scale = float(np.std(y)) or 1.0  # order-one target, so the trees' split tolerances do not bite
    model = GradientBoostingRegressor(**ML_ALLOCATION_SETTINGS)
    model.fit(features[train].to_numpy(), y / scale)
    today = features.xs(frame.index[-1], level=0).reindex(frame.columns)
    predicted = model.predict(today.to_numpy()) * scale
    return pd.Series(predicted * periods_per_year / days, index=frame.columns, name="ml")


def ml_allocation(
    returns: pd.DataFrame,
    cov: pd.DataFrame | FactorModel,
    *,
    risk_aversion: float = optimize.DEFAULT_RISK_AVERSION,
    risk_free_rate: float = optimize.DEFAULT_RISK_FREE_RATE,
    constraints: optimize.Constraints | None = None,
    horizon: int = 21,
) -> Allocation:
    """Max-utility mean-variance on the model's predicted returns."""
    mu = ml_expected_returns(returns, horizon=horizon)
    alloc = optimize.mean_variance(
        mu, cov, objective="max_utility", risk_aversion=risk_aversion, risk_free_rate=risk_free_rate,
        constraints=constraints,
    )
    top = mu.sort_values(ascending=False).index[:3]
    note = "ML predicted returns (annual): " + ", ".join(f"{t} {mu[t]:.1%}" for t in top) + " highest."
    return Allocation(alloc.weights, method="ml_allocation", solver=alloc.solver,
                      solve_seconds=alloc.solve_seconds, notes=(*alloc.notes, note))
