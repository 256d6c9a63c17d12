"""An ensemble of strategies, each weighted by its trailing out-of-sample Sharpe ratio.

At date t each member k chose weights ``w_k(t - E)`` on the window ending ``E`` days before t
(``E = evaluation``); held (rebalanced daily) over the last ``E`` days up to t, they earned
``r_k``, whose annualised Sharpe ratio is ``S_k = mean(r_k) / std(r_k, ddof=1) * sqrt(252)``.
The members' shares are ``a_k = max(S_k, 0) / sum_j max(S_j, 0)`` (equal when none is
positive), and the ensemble holds ``sum_k a_k w_k(t)``, each member's weights on the whole
window. Every number read lies at or before t; the shares are judged on days the member's
weights had not seen.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._checks import check_positive_int
from ..errors import DataError
from ._checks import DynamicWeights, WeightsFunction, as_weights, check_history

__all__ = ["DEFAULT_EVALUATION", "ensemble", "ensemble_shares"]

#: Three months of trading days judge the members.
DEFAULT_EVALUATION = 63


def _trailing_sharpe(returns: pd.DataFrame, weights: pd.Series) -> float:
    held = returns.to_numpy() @ weights.to_numpy()
    sd = float(np.std(held, ddof=1))
    return float(np.mean(held) / sd * np.sqrt(252)) if sd > 0 else 0.0


def ensemble_shares(
    returns: pd.DataFrame, members: Mapping[str, WeightsFunction], *, evaluation: int = DEFAULT_EVALUATION
) -> pd.Series:
    """Each member's share ``a_k`` from its Sharpe ratio over the last ``evaluation`` days."""
    days = check_positive_int(evaluation, "ensemble evaluation window", minimum=5)
    if len(members) < 2:
        raise DataError("An ensemble needs at least two member methods.", code="bad_parameter")
    frame = check_history(returns, days + 21, "The ensemble")
    past, recent = frame.iloc[:-days], frame.iloc[-days:]
    sharpe = pd.Series(
        {name: _trailing_sharpe(recent, as_weights(fn(past), frame.columns, "The ensemble"))
         for name, fn in members.items()}
    )
    positive = sharpe.clip(lower=0.0)
    if positive.sum() <= 0:
        return pd.Series(1.0 / len(members), index=sharpe.index)
    return positive / positive.sum()


def ensemble(
    returns: pd.DataFrame, members: Mapping[str, WeightsFunction], *, evaluation: int = DEFAULT_EVALUATION
) -> DynamicWeights:
    """The members' current weights averaged with their trailing-Sharpe shares."""
    shares = ensemble_shares(returns, members, evaluation=evaluation)
    total = pd.Series(0.0, index=returns.columns)
    for name, share in shares.items():
        if share > 0:
            total += share * as_weights(members[str(name)](returns), returns.columns, "The ensemble")
    note = "Ensemble shares (trailing Sharpe): " + ", ".join(f"{k} {v:.0%}" for k, v in shares.items()) + "."
    return DynamicWeights(total, (note,))
