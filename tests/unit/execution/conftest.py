"""Fixtures shared by the finance_core.execution tests: books, an impact model, an order model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finance_core import execution as ex

_BOOK_CSV = """time,side,level,price,size
2024-01-02 09:30,bid,1,9.99,100
2024-01-02 09:30,bid,2,9.98,200
2024-01-02 09:30,ask,1,10.01,100
2024-01-02 09:30,ask,2,10.02,200
2024-01-02 09:30,ask,3,10.05,300
2024-01-02 09:31,bid,1,10.00,50
2024-01-02 09:31,ask,1,10.02,400
"""


@pytest.fixture(scope="module")
def book():
    return ex.synthetic_order_book(120, 10, depth=1_000, seed=7)


@pytest.fixture(scope="module")
def impact_390():
    rng = np.random.default_rng(42)
    n = 390
    return ex.ImpactModel.from_coefficients(
        rng.uniform(0.005, 0.02, n), rng.uniform(1e-6, 5e-6, n), rng.uniform(1e-11, 1e-10, n)
    )


@pytest.fixture(scope="module")
def order():
    rng = np.random.default_rng(5)
    prices = pd.Series(50 * np.exp(np.cumsum(rng.normal(0, 0.01, 300))), name="XYZ")
    return ex.order_model(prices, 100_000, n_intervals=13, daily_volume=5_000_000, seed=1)


@pytest.fixture(scope="module")
def book_csv():
    """A two-snapshot book file written by hand (the second snapshot has one level a side)."""
    return _BOOK_CSV
