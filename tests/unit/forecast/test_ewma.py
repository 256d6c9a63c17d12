"""EWMA forecasts: a hand-checked recursion, the horizon scaling, no look-ahead, bad input."""

import numpy as np
import pandas as pd
import pytest

from finance_core.errors import FinanceError
from finance_core.forecast import ewma_forecast, ewma_variance


def test_recursion_by_hand():
    r = pd.Series([0.01, -0.02, 0.03])
    # s2[0] = 0.01**2 = 1e-4; s2[1] = 0.94e-4 + 0.06 * 4e-4 = 1.18e-4;
    # s2[2] = 0.94 * 1.18e-4 + 0.06 * 9e-4 = 1.1092e-4 + 0.54e-4 = 1.6492e-4
    np.testing.assert_allclose(ewma_variance(r).to_numpy(), [1e-4, 1.18e-4, 1.6492e-4], rtol=1e-12)
    np.testing.assert_allclose(ewma_forecast(r, horizon=5).iloc[-1], 5 * 1.6492e-4, rtol=1e-12)


def test_matches_pandas_ewm_after_seed():
    # pandas' adjust=False ewm with alpha = 1 - lambda is the same recursion on r**2.
    r = pd.Series(np.random.default_rng(3).normal(0, 0.01, 300))
    oracle = (r**2).ewm(alpha=0.06, adjust=False).mean()
    np.testing.assert_allclose(ewma_variance(r).to_numpy(), oracle.to_numpy(), rtol=1e-12)


def test_no_look_ahead():
    r = pd.Series(np.random.default_rng(4).normal(0, 0.01, 200))
    altered = r.copy()
    altered.iloc[120:] *= 5.0
    np.testing.assert_array_equal(ewma_variance(r).iloc[:120], ewma_variance(altered).iloc[:120])
    assert ewma_variance(r).iloc[120] != ewma_variance(altered).iloc[120]


@pytest.mark.parametrize("lam", [0.0, 1.0, 1.5, "x"])
def test_bad_decay(lam):
    with pytest.raises(FinanceError):
        ewma_variance(pd.Series([0.01, 0.02]), lam)


def test_missing_values_refused():
    with pytest.raises(FinanceError, match="missing or infinite"):
        ewma_variance(pd.Series([0.01, np.nan, 0.02]))
