"""Realised variance over the horizon and the QLIKE/MSE losses, by hand."""

import numpy as np
import pandas as pd
import pytest

from finance_core.errors import FinanceError
from finance_core.forecast import mse_loss, qlike_loss, realised_variance


def test_realised_variance_looks_forward():
    r = pd.Series([0.01, 0.02, -0.03, 0.04])
    rv = realised_variance(r, horizon=2)
    np.testing.assert_allclose(rv.iloc[:2].to_numpy(), [4e-4 + 9e-4, 9e-4 + 16e-4])
    assert rv.iloc[2:].isna().all()


def test_losses_by_hand():
    f = pd.Series([1.0, 2.0])
    rv = pd.Series([2.0, 2.0])
    assert mse_loss(f, rv) == pytest.approx(0.5)
    # (log 1 + 2/1 + log 2 + 2/2) / 2
    assert qlike_loss(f, rv) == pytest.approx((2.0 + np.log(2.0) + 1.0) / 2)


def test_qlike_is_minimised_by_the_truth():
    rv = pd.Series([1.0, 3.0, 2.0])
    assert qlike_loss(rv, rv) < qlike_loss(rv * 1.2, rv) and qlike_loss(rv, rv) < qlike_loss(rv * 0.8, rv)


def test_no_overlap_refused():
    with pytest.raises(FinanceError, match="share no dates"):
        mse_loss(pd.Series([1.0], index=[0]), pd.Series([1.0], index=[5]))
