"""The Risk page's Forecasts section: the evaluation its background callback shows."""

import numpy as np
import pandas as pd
import pytest
from dash import no_update

import workspace
from finance_core import risk
from finance_core.errors import DataError
from pages import risk_forecasts as section

WS = workspace.DEFAULT


@pytest.fixture(scope="module")
def review():
    return section.evaluate(WS, 5, "gjr")


@pytest.fixture(scope="module")
def portfolio():
    wd = workspace.resolve(WS)
    return wd.returns.mean(axis=1)  # the default book is equal weight over the universe


def test_realised_volatility_is_the_next_five_days_squared_returns(review, portfolio):
    vol = review.volatility()
    r2 = portfolio.to_numpy() ** 2
    pos = portfolio.index.get_indexer(vol.index[:50])
    by_hand = np.sqrt(np.array([r2[p + 1 : p + 6].sum() for p in pos]) * 252 / 5)
    np.testing.assert_allclose(vol["Realised"].iloc[:50], by_hand, rtol=1e-10)
    assert list(vol.columns) == ["GJR-GARCH-t", "EWMA (RiskMetrics 0.94)", "Realised"]


def test_table_qlike_is_the_mean_loss_and_the_lowest_is_marked(review):
    comp = review.comparison
    for name in comp.table.index:
        f, rv = comp.forecasts[name], comp.realised
        assert comp.table.loc[name, "qlike"] == pytest.approx(float(np.mean(np.log(f) + rv / f)), rel=1e-12)
    rows = section.table_rows(review)
    best = [r["label"] for r in rows if r["best"] == "★ best"]
    assert best == [comp.table["qlike"].astype(float).idxmin() and comp.table.loc[
        comp.table["qlike"].astype(float).idxmin(), "label"]]
    assert comp.refit_every == risk.DESK_REFIT_EVERY == 63 and comp.horizon == 5
    assert any("ML model" in note for note in comp.notes)


def test_fhs_backtest_counts_exceptions_of_the_one_day_forecast(review, portfolio):
    fhs, hist = review.fhs.fhs, review.fhs.historical
    assert fhs.frame.index.equals(hist.frame.index)
    assert fhs.exceptions == int((fhs.frame["return"] < -fhs.frame["var"]).sum())
    # Plain historical VaR: minus the 3rd-worst of the previous 250 returns (floor(250 x 0.01) + 1,
    # McNeil, Frey and Embrechts 2015), checked by hand on one day.
    day = hist.frame.index[100]
    pos = portfolio.index.get_loc(day)
    window = portfolio.iloc[pos - 250 : pos]
    assert hist.frame.loc[day, "var"] == pytest.approx(-np.sort(window.to_numpy())[2], rel=1e-12)
    line = review.fhs_line()
    assert f"{fhs.exceptions} exceptions in {fhs.observations} days" in line and "GJR-GARCH-t" in line


def test_too_short_a_history_is_a_specific_message():
    wd = workspace.resolve(WS)
    short = wd.returns.iloc[:300]
    with pytest.raises(DataError, match="at least 515 returns; got 300. Load a longer history"):
        risk.review_forecasts(short, pd.Series(1 / short.shape[1], index=short.columns), 5, "ewma")


def test_unknown_model_keeps_the_result_and_says_what_to_choose():
    out = section.run_forecasts(lambda _p: None, 1, horizon=1, model="prophet", ws=WS, theme="light")
    assert out[:4] == (no_update,) * 4
    assert "Unknown forecast model 'prophet'" in str(out[5]) and "gjr" in str(out[5])
