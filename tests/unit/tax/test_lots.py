"""Unit tests of finance_core.tax.lots: lots valued at prices (moved from test_harvest.py, unchanged)."""

import pandas as pd
import pytest

from finance_core import tax


def test_lots_at_prices_split_short_long():
    lots = pd.DataFrame(
        {
            "account": ["b", "b"],
            "ticker": ["X", "X"],
            "acquired": ["2020-01-02", "2020-11-02"],
            "shares": [10.0, 10.0],
            "cost_basis": [100.0, 300.0],
        }
    )
    v = tax.lots_at_prices(lots, pd.Series({"X": 20.0}), as_of="2021-01-04")
    assert list(v["term"]) == ["long", "short"]
    assert v["long_term_gain"].sum() == pytest.approx(100.0) and v["short_term_gain"].sum() == pytest.approx(
        -100.0
    )
