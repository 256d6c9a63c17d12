"""risk.factor_risk_decomposition: the parts add up to the dense w' Sigma w."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finance_core import risk
from finance_core.errors import DataError
from finance_core.factor_estimation import factor_model


def _returns(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.normal(0, 0.01, size=(400, 2))
    r = f @ rng.normal(0, 1, size=(12, 2)).T + rng.normal(0, 0.004, size=(400, 12))
    return pd.DataFrame(r, columns=[f"T{i}" for i in range(12)])


def test_decomposition_adds_up_to_total_variance() -> None:
    model = factor_model(_returns(), n_factors=2)
    w = pd.Series(np.linspace(1, 2, 12) / np.linspace(1, 2, 12).sum(), index=model.tickers)
    out = risk.factor_risk_decomposition(w, model)
    dense = float(w.to_numpy() @ model.covariance().to_numpy() @ w.to_numpy())
    assert out.total_variance == pytest.approx(dense, rel=1e-12)
    assert out.contributions.sum() == pytest.approx(out.factor_variance, rel=1e-12)
    assert out.factor_variance == pytest.approx(model.factor_variance(w), rel=1e-12)
    assert out.specific_variance == pytest.approx(model.specific_variance_of(w), rel=1e-12)
    assert out.factor_share + out.specific_share == pytest.approx(1.0)
    table = out.table()
    assert list(table["component"]) == ["PC1", "PC2", "Specific", "Total"]
    assert table["share"].iloc[:3].sum() == pytest.approx(1.0)


def test_unknown_ticker_is_refused_by_name() -> None:
    model = factor_model(_returns(1), n_factors=2)
    with pytest.raises(DataError, match="ZZZ"):
        risk.factor_risk_decomposition(pd.Series({"ZZZ": 1.0}), model)
