"""Input checks shared by the attribution modules (private to ``finance_core.attribution``)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import DataError

#: How far a set of weights may sum from 1 before it is refused.
WEIGHT_SUM_TOLERANCE = 1e-6


def as_series(values, what: str) -> pd.Series:
    """A float Series indexed by name, from a Series or a mapping; refuses blanks and non-numbers."""
    if isinstance(values, Mapping):
        values = pd.Series(dict(values), dtype=object)
    if not isinstance(values, pd.Series):
        raise DataError(f"The {what} must be a Series or a mapping indexed by name.", code="bad_input")
    if values.empty:
        raise DataError(f"The {what} are empty. Give at least one value.", code="missing_value")
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    bad = numbers.index[~np.isfinite(numbers.to_numpy())]
    if len(bad):
        raise DataError(
            f"The {what} for {', '.join(map(str, bad[:5]))} are missing or not numbers. "
            "Enter a finite number for each (decimals: 0.05 for 5%).",
            code="missing_value",
        )
    if numbers.index.has_duplicates:
        dup = numbers.index[numbers.index.duplicated()].unique()
        raise DataError(f"The {what} name {', '.join(map(str, dup[:5]))} more than once.", code="duplicate")
    return numbers


def check_weights_sum(weights: pd.Series, what: str) -> None:
    """Weights that sum to 1 (a cash line counts as a name)."""
    total = float(weights.sum())
    if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
        raise DataError(
            f"The {what} sum to {total:.6g}, not 1. Add a cash line or rescale the weights so they sum to 1.",
            code="bad_weights",
        )


def check_covered(names: pd.Index, returns: pd.Series, what: str) -> None:
    """Every held name has a return."""
    missing = names.difference(returns.index)
    if len(missing):
        raise DataError(
            f"No {what} for {', '.join(map(str, missing[:5]))}"
            f"{' and more' if len(missing) > 5 else ''}. Give a return for every name with a weight.",
            code="missing_returns",
        )
