"""The rolling-origin comparison table: its rows are the evaluation functions on common dates."""

import numpy as np
import pandas as pd
import pytest

from finance_core.errors import FinanceError
from finance_core.forecast import (
    compare_forecasts,
    ewma_forecast,
    har_forecast,
    qlike_loss,
    realised_variance,
)


@pytest.fixture(scope="module")
def returns():
    rng = np.random.default_rng(8)
    vol = 0.01 * np.exp(0.3 * np.sin(np.arange(600) / 40))
    return pd.Series(rng.standard_t(6, 600) * vol, index=pd.bdate_range("2018-01-01", periods=600))


def test_table_scores_out_of_sample_dates_only(returns):
    calls = []
    result = compare_forecasts(
        returns, 5, ("ewma", "har"), min_train=300, refit_every=50, progress=lambda d, n: calls.append((d, n))
    )
    assert calls == [(1, 2), (2, 2)]
    # First scored date: the first origin (position 299); last: 5 days before the end.
    assert result.forecasts.index[0] == returns.index[299]
    assert result.forecasts.index[-1] == returns.index[-6]
    har = har_forecast(returns, 5, min_train=300, refit_every=50).loc[result.forecasts.index]
    rv = realised_variance(returns, 5)
    assert result.table.loc["har", "qlike"] == pytest.approx(qlike_loss(har, rv))
    ewma = ewma_forecast(returns, 5).loc[result.forecasts.index]
    assert result.table.loc["ewma", "qlike"] == pytest.approx(qlike_loss(ewma, rv))
    assert result.table["best"].sum() == 1
    assert np.isnan(result.table.loc["ewma", "dm_stat"])
    assert result.notes[0].startswith("Lowest out-of-sample QLIKE")


def test_ewma_benchmark_required(returns):
    with pytest.raises(FinanceError, match="including 'ewma'"):
        compare_forecasts(returns, 1, ("har",), min_train=300)
