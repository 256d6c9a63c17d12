"""The Risk page's covariance-forecast evaluation: its background job's table, chart and bad-input messages."""

import numpy as np
import pandas as pd
import pytest
from dash import no_update

import workspace
from finance_core.forecast.covariance import COVARIANCE_FORECASTS, compare_covariance_forecasts
from pages import risk_covariance as section

#: Three assets from 2016 on (about 1,750 days): the same evaluation as the page's, in seconds rather than minutes.
WS = dict(workspace.DEFAULT, universe=["KO", "MSFT", "XOM"], start="2016-01-04")


@pytest.fixture(scope="module")
def run():
    steps = []
    out = section.run_covariance(steps.append, 1, ws=WS, theme="light")
    return out, steps


@pytest.fixture(scope="module")
def returns():
    return workspace.resolve(WS).returns


def test_table_is_compare_covariance_forecasts_on_the_same_returns(run, returns):
    (figure, rows, status, alert), steps = run
    held = compare_covariance_forecasts(returns, COVARIANCE_FORECASTS, window=250, min_train=500, rebalance_every=21)
    table = pd.DataFrame(rows)
    assert len(table) == len(COVARIANCE_FORECASTS) == 8 and alert is None
    variance = held.var(ddof=1).to_numpy() * 252
    np.testing.assert_allclose(table["variance"], variance, rtol=1e-12)
    np.testing.assert_allclose(table["volatility"], np.sqrt(variance), rtol=1e-12)
    np.testing.assert_allclose(table["mean_return"], held.mean().to_numpy() * 252, rtol=1e-12)
    assert (table["days"] == len(returns) - 500).all()
    assert table.loc[table["best"] == "★ best", "variance"].tolist() == [variance.min()]
    assert table.loc[table["label"] == "Sample", "vs_sample"].item() == 0
    # the bar chart shows the same volatilities, one bar per estimator
    np.testing.assert_allclose(figure.data[0].x, np.sqrt(variance), rtol=1e-12)
    assert f"{len(held):,} out-of-sample days" in str(status)
    assert steps[-1][0] == 100 and len(steps) == 3 + len(range(500, len(returns), 21))


def test_sample_estimator_holds_the_closed_form_minimum_variance_portfolio(run, returns):
    """By hand: at the first origin (day 500) the sample covariance of days 250-499 gives
    w = inv(S) 1 / (1' inv(S) 1) (Markowitz 1952; the scale of S cancels), held for days 500-520."""
    rows = pd.DataFrame(run[0][1]).set_index("label")
    past = returns.iloc[250:500].to_numpy()
    inv_ones = np.linalg.solve(np.cov(past, rowvar=False), np.ones(3))
    w = inv_ones / inv_ones.sum()
    held = compare_covariance_forecasts(returns, ("sample",), window=250, min_train=500, rebalance_every=21)
    np.testing.assert_allclose(held["sample"].iloc[:21], returns.iloc[500:521].to_numpy() @ w, rtol=1e-10)
    assert rows.loc["Sample", "variance"] == pytest.approx(held["sample"].var() * 252, rel=1e-12)


def test_one_asset_says_to_add_tickers():
    out = section.run_covariance(lambda _p: None, 1, ws=dict(WS, universe=["KO"]), theme="light")
    assert out[:3] == (no_update,) * 3
    assert "needs 2 or more assets; the universe holds 1. Add tickers on the Data page" in str(out[3])


def test_too_short_a_history_says_to_pick_an_earlier_start():
    out = section.run_covariance(lambda _p: None, 1, ws=dict(WS, start="2021-01-04"), theme="light")
    assert out[:3] == (no_update,) * 3
    text = str(out[3])
    assert "trains on 500 days of returns and needs more; the workspace has 500 complete days" in text, text
    assert "Pick an earlier start date on the Data page" in text
