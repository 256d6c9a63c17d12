"""Regime switching: a regime detector fitted on the window picks between two strategies.

At date t the window's equal-weighted portfolio returns (up to t) feed
:func:`finance_core.risk.detect_regimes` (a two-state Gaussian mixture on the trailing
``feature_window``-day return and volatility), fitted once on every feature row but the
last and applied to the last: the state of t uses returns up to t only. State 0 (the calmer
mixture component, by its mean volatility feature) picks the ``calm`` strategy, state 1 the
``turbulent`` one; both see the same window.
"""

from __future__ import annotations

import pandas as pd

from .._checks import check_positive_int
from ..risk.regimes import detect_regimes
from ._checks import DynamicWeights, WeightsFunction, as_weights, check_history

__all__ = ["regime_state", "regime_switching"]

_MIN_FIT = 50  # detect_regimes' smallest training length


def regime_state(returns: pd.DataFrame, *, feature_window: int = 21) -> int:
    """The regime of the window's last day: 0 calm, 1 turbulent (fitted on the window only)."""
    window = check_positive_int(feature_window, "regime feature window", minimum=2)
    frame = check_history(returns, window + _MIN_FIT + 1, "Regime switching")
    portfolio = frame.mean(axis=1)
    rows = len(frame) - window + 1  # feature rows
    result = detect_regimes(portfolio, window=window, n_regimes=2, min_train=rows - 1, refit_every=rows)
    states = result.states
    return int(states.iloc[-1]) if states is not None else 0


def regime_switching(
    returns: pd.DataFrame,
    calm: WeightsFunction,
    turbulent: WeightsFunction,
    *,
    feature_window: int = 21,
    names: tuple[str, str] = ("calm", "turbulent"),
) -> DynamicWeights:
    """The ``calm`` strategy's weights in the calm regime, the ``turbulent`` one's otherwise."""
    state = regime_state(returns, feature_window=feature_window)
    chosen = turbulent if state == 1 else calm
    weights = as_weights(chosen(returns), returns.columns, "Regime switching")
    regime = "turbulent" if state == 1 else "calm"
    return DynamicWeights(weights, (f"Regime on the last day: {regime}; holding {names[state]}.",))
