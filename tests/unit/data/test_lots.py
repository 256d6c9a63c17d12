"""finance_core.data.lots: tax lots with account types, refusals naming the row.
"""

import pandas as pd
import pytest

from finance_core import data
from finance_core.errors import DataError


def test_lots_parse_with_account_types():
    lots = data.read_lots_csv(data.sample_csv("lots").encode(), name="lots.csv")
    assert lots["account_type"].tolist() == ["taxable", "taxable", "taxable", "ira"]
    assert lots["lot_id"].tolist() == [1, 2, 3, 4]
    assert lots["acquired"].iloc[0] == pd.Timestamp("2019-03-15")


def test_lots_missing_column_lists_expected():
    with pytest.raises(DataError, match="missing the column\\(s\\) cost_basis"):
        data.read_lots_csv(b"account,ticker,acquired,shares\na,AAPL,2020-01-01,5\n", name="lots.csv")


def test_lots_future_date_names_row():
    with pytest.raises(DataError, match="row 2, column 'acquired'.*in the future"):
        data.read_lots_csv(b"account,ticker,acquired,shares,cost_basis\na,AAPL,2999-01-01,5,100\n", name="l.csv")
