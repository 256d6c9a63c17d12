"""finance_core.execution.impact: the impact model and its honest (held-out) fit.

Oracles: scikit-learn (non-negative least squares and R^2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finance_core import execution as ex
from finance_core.errors import DataError


def test_fit_matches_sklearn_nonnegative_least_squares(book_csv):
    from sklearn.linear_model import LinearRegression
    from sklearn.metrics import r2_score

    # 40 identical snapshots: whatever the held-out split, train and test data are the same
    one = ex.read_order_book_csv(book_csv)
    rows = [
        one.to_frame()
        .query("time == time.min()")
        .assign(time=pd.Timestamp("2024-01-02 09:30") + pd.Timedelta(minutes=k))
        for k in range(40)
    ]
    ob = ex.read_order_book_csv(pd.concat(rows).to_csv(index=False))
    sizes = np.linspace(10, 590, 30)
    slip = ex.estimate_slippage(ob, sizes)
    fit = ex.fit_impact(slip, "quadratic", n_intervals=2)
    y = slip.iloc[0].to_numpy()
    ref = LinearRegression(positive=True).fit(np.column_stack([sizes, sizes**2]), y)
    assert fit.half_spread.iloc[0] == pytest.approx(ref.intercept_, rel=1e-6)
    assert fit.linear.iloc[0] == pytest.approx(ref.coef_[0], rel=1e-6)
    assert fit.quadratic.iloc[0] == pytest.approx(ref.coef_[1], rel=1e-5, abs=1e-12)
    r2 = r2_score(y, ref.predict(np.column_stack([sizes, sizes**2])))
    assert fit.r2_test == pytest.approx(r2, rel=1e-6)
    assert fit.fit_quality["r2_test"].to_numpy() == pytest.approx([r2, r2], rel=1e-6)


def test_fit_reports_held_out_quality(book):
    slip = ex.estimate_slippage(book, np.linspace(100, 5_000, 25))
    lin = ex.fit_impact(slip, "linear", n_intervals=6)
    quad = ex.fit_impact(slip, "quadratic", n_intervals=6)
    assert len(lin.linear) == 6 and (lin.quadratic == 0).all() and (lin.linear > 0).all()
    q = lin.fit_quality
    assert list(q.columns) == ["r2_train", "r2_test", "rmse_test", "n_train", "n_test"]
    # 20 snapshots per interval, 25% held out: 5 test snapshots x 25 sizes, 15 x 25 to fit
    assert (q["n_test"] == 5 * 25).all() and (q["n_train"] == 15 * 25).all()
    assert 0.5 < lin.r2_test <= 1 and quad.r2_train >= lin.r2_train - 1e-12
    curve = quad.per_share([0, 1_000])
    assert curve.shape == (2, 6)
    np.testing.assert_allclose(curve.iloc[0].to_numpy(), quad.half_spread.to_numpy())


def test_fit_records_the_side_it_is_given(book):
    # The side is an explicit argument now (slippage frames carry no attrs); same coefficients.
    sizes = np.linspace(100, 5_000, 25)
    sell = ex.estimate_slippage(book, sizes, side="sell")
    fit_sell = ex.fit_impact(sell, "linear", side="sell", n_intervals=6)
    fit_default = ex.fit_impact(sell, "linear", n_intervals=6)
    assert fit_sell.side == "sell" and fit_default.side == "buy"
    np.testing.assert_array_equal(fit_sell.linear.to_numpy(), fit_default.linear.to_numpy())
    assert not sell.attrs
    with pytest.raises(DataError, match="buy' or 'sell"):
        ex.fit_impact(sell, "linear", side="short", n_intervals=6)


def test_fit_errors(book):
    slip = ex.estimate_slippage(book, [100, 200])
    with pytest.raises(DataError, match="linear' or 'quadratic"):
        ex.fit_impact(slip, "cubic")
    with pytest.raises(DataError, match="too few"):
        ex.fit_impact(slip.iloc[:5], n_intervals=4)


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: ex.ImpactModel.from_coefficients(0.0, [1e-6, 0.0]), "interval 2"),
    ],
)
def test_bad_impact_coefficients_are_refused_with_a_reason(call, words):
    with pytest.raises(DataError) as err:
        call()
    assert words in str(err.value)
