"""finance_core.data.holdings: shares and weights, percent weights, refusals naming the row.
"""

import pytest

from finance_core import data
from finance_core.errors import DataError


def test_holdings_weights_in_percent_are_converted():
    h_loaded = data.load_holdings_csv(b"ticker,weight\naapl,60\nMSFT,40\n", name="h.csv")
    h = h_loaded.frame
    assert h.loc["AAPL", "weight"] == pytest.approx(0.6)
    assert "percent" in h_loaded.notes[0]


def test_holdings_unknown_tickers_are_named_with_rows():
    with pytest.raises(DataError, match=r"ZZZ \(row 3\) not in the price data"):
        data.read_holdings_csv(b"ticker,shares\nAAPL,10\nZZZ,5\n", name="h.csv", tickers=["AAPL", "MSFT"])


def test_holdings_duplicate_ticker():
    with pytest.raises(DataError, match=r"AAPL appears twice \(rows 2 and 3\)"):
        data.read_holdings_csv(b"ticker,shares\nAAPL,10\naapl,5\n", name="h.csv")


def test_holdings_need_shares_or_weight():
    with pytest.raises(DataError, match="'shares' or a 'weight'"):
        data.read_holdings_csv(b"ticker,price\nAAPL,10\n", name="h.csv")


def test_holdings_negative_shares():
    with pytest.raises(DataError, match="row 2, column 'shares'"):
        data.read_holdings_csv(b"ticker,shares\nAAPL,-10\n", name="h.csv")


def test_holdings_weights_with_percent_signs_are_fractions():
    h_loaded = data.load_holdings_csv(b"ticker,weight\nAAPL,40%\nMSFT,35 %\nKO,25%\n", name="h.csv")
    h = h_loaded.frame
    assert h["weight"].tolist() == pytest.approx([0.40, 0.35, 0.25])  # 40 / 100, 35 / 100, 25 / 100
    assert any("'weight' read as percentages" in n for n in h_loaded.notes)
    eu = data.read_holdings_csv(b"ticker;weight\nAAPL;62,5%\nMSFT;37,5%\n", name="h.csv")
    assert eu["weight"].tolist() == pytest.approx([0.625, 0.375])


def test_holdings_mixing_percent_and_fractions_is_refused_naming_the_row():
    with pytest.raises(DataError, match=r"h\.csv, row 3, column 'weight': '0\.4' has no '%' but row 2 has '40%'") as err:
        data.read_holdings_csv(b"ticker,weight\nAAPL,40%\nMSFT,0.4\nKO,20%\n", name="h.csv")
    assert err.value.code == "mixed_percent"
