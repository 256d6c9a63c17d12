"""finance_core.data: bundled datasets and every reader's good and bad paths.

Row numbers in messages follow spreadsheet numbering (the header is row 1), so a
problem on the third data line is "row 4".
"""

import gzip
import io

import numpy as np
import pandas as pd
import pytest

from finance_core import data
from finance_core.errors import DataError

# ----------------------------------------------------------------------------- bundled


def test_sp500_dataset_matches_the_shared_files():
    ds = data.load_dataset("sp500")
    # Shape and date span as stated in shared/data/README.md: 8,313 rows, 1990-01-02 .. 2022-12-28, 20 tickers.
    assert ds.prices.shape == (8313, 20)
    assert ds.prices.index[0] == pd.Timestamp("1990-01-02")
    assert ds.prices.index[-1] == pd.Timestamp("2022-12-28")
    assert set(ds.tickers) == set(["AAPL", "AMD", "BAC", "BBY", "CVX", "GE", "HD", "JNJ", "JPM", "KO", "LLY", "MRK", "MSFT", "PEP", "PFE", "PG", "RRC", "UNH", "WMT", "XOM"])
    assert ds.benchmark.index.equals(ds.prices.index) and ds.benchmark.notna().all()
    # sectors.csv: public GICS sectors.
    assert ds.sectors["XOM"] == "Energy" and ds.sectors["JPM"] == "Financials"
    assert ds.names["AAPL"] == "Apple Inc."
    # The raw file's first close of AAPL, read independently of our loader.
    with gzip.open(data.DATA_DIR / "sp500_dataset.csv.gz", "rt") as fh:
        raw = pd.read_csv(fh)
    assert ds.prices["AAPL"].iloc[0] == pytest.approx(raw["AAPL"].iloc[0])


def test_factor_dataset_loads_with_benchmark():
    ds = data.load_dataset("factors")
    assert list(ds.prices.columns) == ["MTUM", "QUAL", "SIZE", "USMV", "VLUE"]
    assert len(ds.prices) == 2264  # shared/data/README.md
    assert ds.benchmark.notna().all()


def test_unknown_dataset_names_the_choices():
    with pytest.raises(DataError, match="sp500, factors"):
        data.load_dataset("ftse")


def test_to_returns_is_simple_returns():
    prices = pd.DataFrame({"A": [100.0, 110.0, 99.0]}, index=pd.date_range("2024-01-01", periods=3))
    r = data.to_returns(prices)
    assert r["A"].tolist() == pytest.approx([0.10, -0.10])


@pytest.mark.parametrize("kind", data.SAMPLE_KINDS)
def test_every_sample_file_reads_back(kind):
    reader = {"prices": data.read_prices_csv, "prices_long": data.read_prices_csv,
              "holdings": data.read_holdings_csv, "lots": data.read_lots_csv,
              "trades": data.read_trades_csv, "sectors": data.read_sectors_csv,
              "benchmark": data.read_benchmark_csv}[kind]
    frame = reader(data.sample_csv(kind).encode(), name=f"sample-{kind}.csv")
    assert len(frame) > 0


# ----------------------------------------------------------------------------- prices: good paths


def _wide(n=40, tickers=("AAA", "BBB")):
    dates = pd.bdate_range("2024-01-01", periods=n)
    rows = ["date," + ",".join(tickers)]
    for i, d in enumerate(dates):
        rows.append(f"{d.date()}," + ",".join(f"{100 + i + j:.2f}" for j in range(len(tickers))))
    return rows


def test_wide_prices_parse_sorted_and_upper_cased():
    rows = _wide()
    text = "\n".join([rows[0].lower()] + rows[1:][::-1])  # reversed dates, lower-case tickers
    prices = data.read_prices_csv(text.encode(), name="p.csv")
    assert list(prices.columns) == ["AAA", "BBB"]
    assert prices.index.is_monotonic_increasing and len(prices) == 40
    assert prices["AAA"].iloc[0] == 100.0


def test_long_prices_pivot_to_wide():
    wide = data.read_prices_csv("\n".join(_wide()).encode(), name="w.csv")
    long = wide.stack().rename("price").reset_index()
    long.columns = ["date", "ticker", "price"]
    parsed = data.read_prices_csv(long.to_csv(index=False).encode(), name="long.csv")
    pd.testing.assert_frame_equal(parsed, wide, check_names=False, check_freq=False)


def test_short_gap_is_forward_filled_and_reported():
    rows = _wide()
    parts = rows[5].split(",")
    rows[5] = f"{parts[0]},,{parts[2]}"  # one missing AAA price on row 6
    prices = data.read_prices_csv("\n".join(rows).encode(), name="gap.csv")
    assert prices["AAA"].iloc[4] == prices["AAA"].iloc[3]
    assert any("AAA (1)" in note for note in prices.attrs["notes"])


def test_late_starting_ticker_trims_history_with_a_note():
    rows = _wide(60)
    for i in range(1, 11):
        d, a, _b = rows[i].split(",")
        rows[i] = f"{d},{a},"
    prices = data.read_prices_csv("\n".join(rows).encode(), name="late.csv")
    assert len(prices) == 50
    assert "trimmed" in prices.attrs["notes"][0] and "BBB" in prices.attrs["notes"][0]


def test_path_and_file_object_sources(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text("\n".join(_wide()))
    assert data.read_prices_csv(path).shape == (40, 2)
    assert data.read_prices_csv(io.BytesIO(path.read_bytes()), name="x.csv").shape == (40, 2)


# ----------------------------------------------------------------------------- prices: one test per bad case


def _bad(text_or_bytes, match, **kw):
    raw = text_or_bytes if isinstance(text_or_bytes, bytes) else text_or_bytes.encode()
    with pytest.raises(DataError, match=match) as info:
        data.read_prices_csv(raw, name="prices.csv", **kw)
    assert "prices.csv" in str(info.value)
    return info.value


def test_excel_workbook_is_not_a_csv():
    err = _bad(b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 50, "Excel workbook")
    assert err.code == "not_csv" and "Save As" in err.message


def test_binary_file_is_not_a_csv():
    _bad(bytes(range(256)) * 4, "binary file")


def test_empty_file():
    assert _bad(b"", "is empty").code == "empty"
    _bad(b"   \n\n", "is empty")


def test_header_without_rows():
    _bad("date,AAA,BBB\n", "no data rows")


def test_missing_date_column_is_named():
    rows = _wide()
    rows = ["ticker_a,AAA,BBB"] + [",".join(["x"] + r.split(",")[1:]) for r in rows[1:]]
    err = _bad("\n".join(rows), "no date column")
    assert "ticker_a" in err.message


def test_unparseable_date_names_row_and_column():
    rows = _wide()
    rows[3] = "not-a-date," + rows[3].split(",", 1)[1]
    err = _bad("\n".join(rows), "row 4, column 'date'")
    assert "not-a-date" in err.message


def test_duplicate_dates_name_both_rows():
    rows = _wide()
    rows[4] = rows[3].split(",")[0] + "," + rows[4].split(",", 1)[1]
    err = _bad("\n".join(rows), "appears twice")
    assert "rows 4 and 5" in err.message


def test_interleaved_duplicates_name_two_rows_of_the_same_key():
    # Keys A, B, A, B: the message names A's rows (2 and 4), not the first two flagged rows (2 and 3).
    text = "date,ticker,price\n2024-01-02,AAA,10\n2024-01-02,BBB,20\n2024-01-02,AAA,11\n2024-01-02,BBB,21\n"
    _bad(text, r"AAA has two prices for 2024-01-02 \(rows 2 and 4\)")
    with pytest.raises(DataError, match=r"ticker KO appears twice \(rows 2 and 4\)"):
        data.read_holdings_csv(b"ticker,shares\nKO,10\nPEP,5\nko,3\nPEP,1\n", name="h.csv")


def test_duplicate_tickers_in_header():
    rows = _wide(tickers=("AAA", "BBB", "aaa"))
    err = _bad("\n".join(rows), "'aaa' appears twice")
    assert "columns 2 and 4" in err.message


def test_non_numeric_cell_names_row_column_and_value():
    rows = _wide()
    d, a, b = rows[7].split(",")
    rows[7] = f"{d},{a},abc"
    err = _bad("\n".join(rows), "row 8, column 'BBB'")
    assert "'abc' is not a number" in err.message


@pytest.mark.parametrize("value", ["0", "-5.5"])
def test_zero_or_negative_price(value):
    rows = _wide()
    d, a, b = rows[10].split(",")
    rows[10] = f"{d},{value},{b}"
    err = _bad("\n".join(rows), "row 11, column 'AAA'")
    assert "greater than zero" in err.message


def test_long_gap_is_refused_with_dates():
    rows = _wide(60)
    for i in range(20, 30):
        d, a, b = rows[i].split(",")
        rows[i] = f"{d},{a},"
    err = _bad("\n".join(rows), "column 'BBB': 10 consecutive missing prices")
    assert "row 21" in err.message and err.code == "long_gap"  # rows[20] is spreadsheet row 21


def test_too_few_rows():
    err = _bad("\n".join(_wide(10)), "10 usable dates; at least 30")
    assert err.code == "too_short"


def test_file_over_the_size_limit():
    err = _bad("\n".join(_wide()), "limit is", max_bytes=100)
    assert err.code == "too_large"


def test_non_utf8_text_names_the_row():
    rows = _wide()
    raw = "\n".join(rows).encode("utf-8")
    raw = raw.replace(b"AAA", "ÄAA".encode("latin-1"), 1)
    err = _bad(raw, "not UTF-8")
    assert "row 1" in err.message and "CSV UTF-8" in err.message


def test_ragged_row_names_the_row():
    rows = _wide()
    rows[6] += ",999"
    _bad("\n".join(rows), "row 7: 4 cells but the header has 3")


def test_long_format_duplicate_date_ticker():
    text = "date,ticker,price\n2024-01-02,AAA,1\n2024-01-02,AAA,2\n"
    _bad(text, "AAA has two prices for 2024-01-02 \\(rows 2 and 3\\)")


# ----------------------------------------------------------------------------- holdings


def test_holdings_weights_in_percent_are_converted():
    h = data.read_holdings_csv(b"ticker,weight\naapl,60\nMSFT,40\n", name="h.csv")
    assert h.loc["AAPL", "weight"] == pytest.approx(0.6)
    assert "percent" in h.attrs["notes"][0]


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


# ----------------------------------------------------------------------------- lots and trades


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


# ----------------------------------------------------------------------------- sector maps


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


def test_bundled_prices_have_no_gaps_or_non_positive_values():
    ds = data.load_dataset("sp500")
    assert np.isfinite(ds.prices.to_numpy()).all() and (ds.prices.to_numpy() > 0).all()


def test_csv_text_passed_as_a_long_string_is_read_not_taken_for_a_path():
    text = "\n".join(_wide(400))  # far longer than any file name the OS accepts
    assert data.read_prices_csv(text, name="inline.csv").shape == (400, 2)
    with pytest.raises(DataError, match="no such file"):
        data.read_prices_csv("missing-file.csv")


# ----------------------------------------------------------------------------- benchmark series
def _series_csv(header: str, n: int = 40) -> bytes:
    dates = pd.bdate_range("2024-01-01", periods=n)
    return (header + "\n" + "".join(f"{d.date()},{100 + i}\n" for i, d in enumerate(dates))).encode()


def test_benchmark_file_date_value_is_named_after_the_file():
    series = data.read_benchmark_csv(_series_csv("date,value"), name="balanced-60-40.csv")
    assert series.name == "balanced-60-40" and len(series) == 40
    assert series.iloc[0] == 100.0 and series.index[-1] == pd.bdate_range("2024-01-01", periods=40)[-1]


def test_benchmark_file_with_one_named_column_keeps_its_name():
    assert data.read_benchmark_csv(_series_csv("Date,AGG"), name="bonds.csv").name == "AGG"


def test_benchmark_file_with_several_columns_is_refused_naming_them():
    with pytest.raises(DataError, match=r"mine.csv has 5 value columns \(AAPL, JPM, KO, MSFT, XOM\)"):
        data.read_benchmark_csv(data.sample_csv("prices").encode(), name="mine.csv")


def test_benchmark_file_is_checked_like_prices():
    bad = _series_csv("date,value").replace(b",105\n", b",-5\n")
    with pytest.raises(DataError, match="bench.csv"):
        data.read_benchmark_csv(bad, name="bench.csv")
    with pytest.raises(DataError, match="at least 30"):
        data.read_benchmark_csv(_series_csv("date,value", n=10), name="bench.csv")
