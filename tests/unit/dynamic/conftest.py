"""Hand-built prices for the dynamic methods: alternating daily returns whose statistics are exact."""

import numpy as np
import pandas as pd
import pytest


def alternating_prices(spec: dict[str, tuple[float, float]], days: int = 300) -> pd.DataFrame:
    """Closes from daily returns ``m + s * (-1)**t`` (t = 1 .. days-1) per ticker, starting at 100.

    Over an even number of consecutive days the mean return is exactly m and the sample standard
    deviation exactly ``s * sqrt(n / (n - 1))``.
    """
    sign = (-1.0) ** np.arange(1, days)
    dates = pd.bdate_range("2020-01-01", periods=days)
    closes = {t: 100.0 * np.concatenate([[1.0], np.cumprod(1.0 + m + s * sign)]) for t, (m, s) in spec.items()}
    return pd.DataFrame(closes, index=dates)


#: A trends up, B down, C up half as fast as A with twice A's swings.
MOMENTUM = {"A": (0.002, 0.01), "B": (-0.001, 0.01), "C": (0.001, 0.02)}


@pytest.fixture
def trending() -> pd.DataFrame:
    return alternating_prices(MOMENTUM)


def equal_weight(window: pd.DataFrame) -> pd.Series:
    return pd.Series(1.0 / window.shape[1], index=window.columns)
