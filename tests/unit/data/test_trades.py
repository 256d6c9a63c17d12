"""finance_core.data.trades: trades sorted by date, account types inferred, refusals naming the row.
"""

import pytest

from finance_core import data
from finance_core.errors import DataError


def test_trades_infer_account_type_from_name_and_sort():
    text = (b"date,account,ticker,side,shares,price\n2022-02-01,roth,KO,BUY,5,60\n"
            b"2022-01-03,brokerage,AAPL,sell,1,100\n2022-01-03,IRA,AAPL,b,2,100\n")
    t = data.read_trades_csv(text, name="t.csv")
    assert t["date"].is_monotonic_increasing
    assert t["account_type"].tolist() == ["taxable", "ira", "roth"]
    assert t["side"].tolist() == ["sell", "buy", "buy"]


def test_trades_bad_side():
    with pytest.raises(DataError, match="row 2, column 'side': 'short' is not a side"):
        data.read_trades_csv(b"date,account,ticker,side,shares,price\n2022-01-03,a,AAPL,short,1,100\n", name="t.csv")


def test_trades_negative_shares():
    with pytest.raises(DataError, match="row 2, column 'shares'"):
        data.read_trades_csv(b"date,account,ticker,side,shares,price\n2022-01-03,a,AAPL,buy,-1,100\n", name="t.csv")


def test_trades_unknown_account_type():
    with pytest.raises(DataError, match="'401k' is not an account type"):
        data.read_trades_csv(
            b"date,account,ticker,side,shares,price,account_type\n2022-01-03,a,AAPL,buy,1,100,401k\n", name="t.csv")
