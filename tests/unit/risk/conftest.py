"""The market fixture shared by the finance_core.risk tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finance_core.data import load_dataset, to_returns


@pytest.fixture(scope="module")
def market():
    ds = load_dataset("sp500")
    rets = to_returns(ds.prices).iloc[-2500:]
    bench = to_returns(ds.benchmark).reindex(rets.index)
    rng = np.random.default_rng(7)
    w = pd.Series(rng.dirichlet(np.ones(rets.shape[1])), index=rets.columns)
    port = pd.Series(rets.to_numpy() @ w.to_numpy(), index=rets.index, name="portfolio")
    return {"rets": rets, "bench": bench, "w": w, "port": port, "sectors": ds.sectors}

