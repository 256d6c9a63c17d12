"""finance_core.data.sectors: sector maps, aliases and every refusal naming file, row and column.
"""

import pytest

from finance_core import data
from finance_core.errors import DataError


def test_sector_map_upper_cases_tickers_and_keeps_file_order():
    sectors = data.read_sectors_csv(b"ticker,sector,note\nnvda,Information Technology,x\nAMZN,Consumer Discretionary,\n",
                                    name="s.csv")
    assert sectors.name == "sector" and sectors.index.name == "ticker"
    assert sectors.to_dict() == {"NVDA": "Information Technology", "AMZN": "Consumer Discretionary"}


@pytest.mark.parametrize("header", ["symbol,sector", "Ticker,GICS Sector", "ticker,gics_sector", "Symbol,Industry"])
def test_sector_map_column_aliases(header):
    sectors = data.read_sectors_csv(f"{header}\nnvda,Semiconductors\n".encode(), name="s.csv")
    assert sectors.to_dict() == {"NVDA": "Semiconductors"}


def test_sector_map_sample_lists_bundled_and_outside_tickers():
    sectors = data.read_sectors_csv(data.sample_csv("sectors"), name="sample-sectors.csv")
    assert sectors["XOM"] == data.load_dataset("sp500").sectors["XOM"] == "Energy"
    assert sectors["NVDA"] == "Information Technology"


def test_sector_map_that_is_not_a_csv_names_the_file():
    with pytest.raises(DataError, match=r"sectors\.xlsx looks like an Excel workbook") as err:
        data.read_sectors_csv(b"PK\x03\x04" + b"\x00" * 50, name="sectors.xlsx")
    assert err.value.code == "not_csv"


@pytest.mark.parametrize("raw", [b"", b"ticker,sector\n"])
def test_empty_sector_map_names_the_file(raw):
    with pytest.raises(DataError, match=r"^s\.csv (is empty|has a header but no data rows)") as err:
        data.read_sectors_csv(raw, name="s.csv")
    assert err.value.code == "empty"


def test_sector_map_missing_column_names_file_and_column():
    # A header problem: the header is row 1, and the message lists what it expected and found.
    with pytest.raises(DataError, match=r"s\.csv is missing the column\(s\) sector\. Expected columns: ticker, "
                                        r"sector; found: ticker, name") as err:
        data.read_sectors_csv(b"ticker,name\nNVDA,NVIDIA Corp.\n", name="s.csv")
    assert err.value.code == "missing_column"


def test_sector_map_blank_sector_names_file_row_and_column():
    with pytest.raises(DataError, match=r"^s\.csv, row 4: column 'GICS Sector' is empty\. Fill it in\.") as err:
        data.read_sectors_csv(b"Ticker,GICS Sector\nNVDA,Information Technology\nAMZN,Consumer Discretionary\n"
                              b"TSLA,  \n", name="s.csv")
    assert err.value.code == "missing_value"


def test_sector_map_blank_ticker_names_file_row_and_column():
    with pytest.raises(DataError, match=r"^s\.csv, row 3: column 'symbol' is empty"):
        data.read_sectors_csv(b"symbol,sector\nNVDA,Information Technology\n,Energy\n", name="s.csv")


def test_sector_map_duplicate_ticker_names_both_rows_and_the_column():
    text = b"ticker,sector\nNVDA,Information Technology\nAMZN,Consumer Discretionary\nnvda,Semiconductors\n"
    with pytest.raises(DataError, match=r"^s\.csv: ticker NVDA appears twice in column 'ticker' \(rows 2 and 4\)\. "
                                        r"Keep one row") as err:
        data.read_sectors_csv(text, name="s.csv")
    assert err.value.code == "duplicate_ticker"


def test_sector_map_ragged_row_names_the_row():
    with pytest.raises(DataError, match=r"s\.csv, row 3: 3 cells but the header has 2 columns"):
        data.read_sectors_csv(b"ticker,sector\nNVDA,Tech\nAMZN,Consumer,Discretionary\n", name="s.csv")
