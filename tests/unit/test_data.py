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


# ----------------------------------------------------------------------------- number and date formats
# Every reader reads numbers in the one format the file's own cells decide (finance_core/formats.py).


def test_semicolon_trades_with_decimal_commas_give_the_true_gain():
    from finance_core import tax

    # The issue's numbers: 50 shares bought at 150,07 and sold at 224,76. By hand:
    # 50 * 224.76 - 50 * 150.07 = 11,238.00 - 7,503.50 = 3,734.50 (stripping the commas gave 373,450).
    text = ("date;account;ticker;side;shares;price\n"
            "2022-01-03;brokerage;AAPL;buy;50;150,07\n"
            "2022-03-01;brokerage;AAPL;sell;50;224,76\n")
    trades = data.read_trades_csv(text.encode(), name="trades.csv")
    assert trades["price"].tolist() == [150.07, 224.76]
    assert trades.attrs["notes"][0].startswith("Read as semicolon-separated text with decimal commas")
    gain = tax.process_trades(trades, "fifo").realized["gain"].sum()
    assert gain == pytest.approx(3734.50, abs=1e-9)


def _issue_prices(n=60):
    """AAPL's last n bundled closes, as floats with four decimals."""
    return data.load_dataset("sp500").prices["AAPL"].iloc[-n:].round(4)


def test_decimal_comma_prices_give_the_same_returns_and_volatility_as_decimal_points():
    closes = _issue_prices()
    dots = "date,AAPL\n" + "".join(f"{d.date()},{p:.4f}\n" for d, p in closes.items())
    commas = "date;AAPL\n" + "".join(f"{d.date()};{p:.4f}\n".replace(".", ",") for d, p in closes.items())
    a = data.read_prices_csv(dots.encode(), name="dots.csv")
    b = data.read_prices_csv(commas.encode(), name="commas.csv")
    pd.testing.assert_frame_equal(data.to_returns(a), data.to_returns(b))
    # Independent volatility: numpy on the bundled closes, sample std of simple returns * sqrt(252).
    p = closes.to_numpy()
    expected = np.std(p[1:] / p[:-1] - 1, ddof=1) * np.sqrt(252)
    assert data.to_returns(b)["AAPL"].std() * np.sqrt(252) == pytest.approx(expected, rel=1e-12)
    assert 0.05 < expected < 1.0  # a stock's volatility, not the 17,000% of the issue
    assert b.attrs["notes"] == ["Read as semicolon-separated text with decimal commas (row 2, column 'AAPL': "
                                f"{f'{closes.iloc[0]:.4f}'.replace('.', ',')!r})."]


@pytest.mark.parametrize(
    ("text", "sep"),
    [
        ('date,AAA\n2024-01-02,"1,234.56"\n2024-01-03,"1,300.00"\n', ","),  # US, quoted in a comma file
        ("date;AAA\n2024-01-02;1.234,56\n2024-01-03;1.300,00\n", ";"),  # German
        ("date;AAA\n2024-01-02;1 234,56\n2024-01-03;1\u00a0300,00\n", ";"),  # French, with a no-break space
        ("date\tAAA\n2024-01-02\t1'234.56\n2024-01-03\t1'300.00\n", "\t"),  # Swiss
    ],
)
def test_thousands_separators_both_ways(text, sep):
    prices = data.read_prices_csv(text.encode(), name="p.csv", min_rows=2)
    assert prices["AAA"].tolist() == [1234.56, 1300.0]
    assert "separating thousands" in prices.attrs["notes"][0]


def test_an_ambiguous_value_is_decided_by_the_rest_of_the_file():
    # '1,234' alone could be 1234 or 1.234; '2,5' on the next row can only be a decimal comma.
    prices = data.read_prices_csv(b"date;AAA\n2024-01-02;1,234\n2024-01-03;2,5\n", name="p.csv", min_rows=2)
    assert prices["AAA"].tolist() == [1.234, 2.5]


@pytest.mark.parametrize("cell", ["1,234", "1.234"])
def test_an_ambiguous_value_nothing_decides_is_refused(cell):
    text = f"date;AAA;BBB\n2024-01-02;{cell};10\n2024-01-03;20;30\n"
    err = _bad(text, rf"prices\.csv, row 2, column 'AAA': '{cell}' could be 1234 .* or 1\.234 .*no other number")
    assert err.code == "ambiguous_number" and "upload it again" in err.message


def test_comma_separated_files_use_decimal_points():
    # In a comma-separated file a quoted "1,234" is 1234: the commas of the file separate columns.
    prices = data.read_prices_csv(b'date,AAA\n2024-01-02,"1,234"\n2024-01-03,1240\n', name="p.csv", min_rows=2)
    assert prices["AAA"].tolist() == [1234.0, 1240.0]


def test_contradicting_decimal_marks_are_refused_naming_column_and_rows():
    rows = ["date;AAPL;MSFT", "2024-01-02;150,0747;220,5"] + [f"2024-01-{d:02d};151,5;221" for d in range(3, 20)]
    rows.insert(16, "2024-01-31;1,234.5;222")  # rows[16] is spreadsheet row 17
    err = _bad("\n".join(rows), r"column 'AAPL' uses a decimal comma \(row 2: '150,0747'\) but row 17 has '1,234\.5'")
    assert err.code == "mixed_number_format"


def test_every_reader_reads_decimal_commas():
    h = data.read_holdings_csv(b"ticker;shares;weight\nAAPL;10,5;0,6\nMSFT;2;0,4\n", name="h.csv")
    assert h["shares"].tolist() == [10.5, 2.0] and h["weight"].tolist() == [0.6, 0.4]
    lots = data.read_lots_csv(b"account;ticker;acquired;shares;cost_basis\nb;AAPL;2020-01-02;5;1.234,56\n", name="l.csv")
    assert lots["cost_basis"].tolist() == [1234.56]
    sectors = data.read_sectors_csv(b"ticker;sector\nNVDA;Information Technology\n", name="s.csv")
    assert sectors.to_dict() == {"NVDA": "Information Technology"}
    assert sectors.attrs["notes"] == ["Read as semicolon-separated text with decimal points."]
    long = data.read_prices_csv(b"date;ticker;price\n2024-01-02;AAA;10,25\n2024-01-03;AAA;10,5\n", name="l.csv",
                                min_rows=2)
    assert long["AAA"].tolist() == [10.25, 10.5]


def _dated(dates, sep="."):
    return "date;AAA\n" + "".join(f"{d.day:02d}{sep}{d.month:02d}{sep}{d.year};{100 + i},5\n"
                                  for i, d in enumerate(dates))


def test_day_first_dates_are_decided_by_a_day_above_12():
    dates = pd.bdate_range("2021-01-04", periods=40)
    for sep in "./":
        prices = data.read_prices_csv(_dated(dates, sep).encode(), name="eu.csv")
        assert prices.index[0] == pd.Timestamp("2021-01-04")  # 04.01.2021 is 4 January, not April 1
        assert prices.index.equals(pd.DatetimeIndex(dates, name="date"))
        assert any("Dates read day first" in n and "'13" in n for n in prices.attrs["notes"])


def test_month_first_dates_are_read_when_the_file_says_so():
    text = "date,AAA\n" + "".join(f"{d.month:02d}/{d.day:02d}/{d.year},{100 + i}\n"
                                  for i, d in enumerate(pd.bdate_range("2021-01-04", periods=40)))
    prices = data.read_prices_csv(text.encode(), name="us.csv")
    assert prices.index[0] == pd.Timestamp("2021-01-04") and prices.index[-1] == pd.Timestamp("2021-02-26")
    assert "month first" in prices.attrs["notes"][0]


def test_dates_nothing_decides_are_refused():
    dates = pd.bdate_range("2021-01-04", periods=7)  # 4 to 12 January: no day above 12
    err = _bad(_dated(dates), r"row 2, column 'date': '04\.01\.2021' could be day 4 of month 1 or month 4 day 1")
    assert err.code == "ambiguous_date" and "ISO" in err.message


def test_dates_written_both_ways_are_refused():
    text = "date;AAA\n13/01/2021;1\n01/14/2021;2\n"
    err = _bad(text, r"row 2 has '13/01/2021' \(day first\) but row 3 has '01/14/2021' \(month first\)")
    assert err.code == "mixed_date_format"


def test_trade_dates_day_first_and_iso_always():
    text = b"date;account;ticker;side;shares;price\n04.01.2022;b;AAPL;buy;1;1,5\n15.02.2022;b;AAPL;sell;1;2\n"
    t = data.read_trades_csv(text, name="t.csv")
    assert t["date"].tolist() == [pd.Timestamp("2022-01-04"), pd.Timestamp("2022-02-15")]
    iso = data.read_trades_csv(b"date,account,ticker,side,shares,price\n2022-04-01,b,AAPL,buy,1,2\n", name="t.csv")
    assert iso["date"].tolist() == [pd.Timestamp("2022-04-01")] and iso.attrs["notes"] == []


# ----------------------------------------------------------------------------- one-ticker price exports (OHLCV)


def ohlcv_csv(ticker="AAPL", n=40, header="Date,Open,High,Low,Close,Adj Close,Volume", adj=True, offset=0):
    """A Yahoo-Finance-style export of a bundled ticker: Adj Close = the bundled close, Close 1% above it."""
    closes = data.load_dataset("sp500").prices[ticker].iloc[-n - offset:len(data.load_dataset("sp500").prices) - offset]
    rows = [header]
    for i, (d, p) in enumerate(closes.items()):
        cells = [f"{p * 1.005:.4f}", f"{p * 1.02:.4f}", f"{p * 0.98:.4f}", f"{p * 1.01:.4f}"]
        rows.append(",".join([str(d.date()), *cells, *([f"{p:.4f}"] if adj else []), str(1_000_000 + i)]))
    return "\n".join(rows) + "\n", closes.round(4)


@pytest.mark.parametrize("filename", ["AAPL.csv", "AAPL (1).csv", "aapl_daily.csv"])
def test_yahoo_export_is_one_ticker_named_from_the_file_priced_by_adj_close(filename):
    text, closes = ohlcv_csv()
    prices = data.read_prices_csv(text.encode(), name=filename)
    assert list(prices.columns) == ["AAPL"] and prices.attrs["ticker"] == "AAPL"
    np.testing.assert_array_equal(prices["AAPL"].to_numpy(), closes.to_numpy())  # Adj Close, not Close or Volume
    assert any("AAPL prices taken from its 'Adj Close' column" in n for n in prices.attrs["notes"])


def test_export_without_adj_close_uses_close_and_ticker_argument_overrides_the_name():
    text, closes = ohlcv_csv(header="date,open,high,low,close,volume", adj=False)
    prices = data.read_prices_csv(text.encode(), name="download.csv", ticker="msft")
    assert list(prices.columns) == ["MSFT"]
    np.testing.assert_allclose(prices["MSFT"].to_numpy(), (closes * 1.01).round(4).to_numpy())
    assert "'close' column" in prices.attrs["notes"][0]


def test_export_named_like_no_ticker_is_refused_with_a_rename_hint():
    text, _ = ohlcv_csv()
    with pytest.raises(DataError, match=r"prices\.csv is one ticker's price export .* 'prices' is not a ticker name\. "
                                        r"Rename the file to the ticker \(for example AAPL\.csv\)") as err:
        data.read_prices_csv(text.encode(), name="prices.csv")
    assert err.value.code == "unknown_ticker"


def test_volume_column_in_a_wide_file_is_refused():
    rows = _wide(tickers=("AAA", "Volume"))
    err = _bad("\n".join(rows), r"prices\.csv: column 'Volume' holds volume, not prices")
    assert err.code == "not_prices"


def test_combine_prices_aligns_on_common_dates_and_replaces_a_ticker():
    a = data.read_prices_csv(ohlcv_csv("AAPL", 40)[0].encode(), name="AAPL.csv")
    m = data.read_prices_csv(ohlcv_csv("MSFT", 40, offset=5)[0].encode(), name="MSFT.csv")  # ends 5 days earlier
    both, notes = data.combine_prices(a, m, name="MSFT.csv")
    # By hand: AAPL has the last 40 dates, MSFT the 40 before the last 5, so 35 dates are common.
    assert list(both.columns) == ["AAPL", "MSFT"] and len(both) == 35
    assert both.index.equals(a.index[:35])
    assert notes[0] == "Added MSFT to the uploaded prices (now AAPL, MSFT)."
    assert "Aligned on the 35 dates" in notes[1] and "10 dates" in notes[1]
    again, notes = data.combine_prices(both, a, name="AAPL (1).csv")
    assert list(again.columns) == ["MSFT", "AAPL"] and notes[0].startswith("Replaced AAPL with the prices in AAPL (1).csv")
    with pytest.raises(DataError, match=r"shares 0 dates with the uploaded prices of AAPL"):
        data.combine_prices(a, m.set_axis(m.index - pd.Timedelta(days=400)), name="old.csv")


# ----------------------------------------------------------------------------- percent weights, UTF-16


def test_holdings_weights_with_percent_signs_are_fractions():
    h = data.read_holdings_csv(b"ticker,weight\nAAPL,40%\nMSFT,35 %\nKO,25%\n", name="h.csv")
    assert h["weight"].tolist() == pytest.approx([0.40, 0.35, 0.25])  # 40 / 100, 35 / 100, 25 / 100
    assert any("'weight' read as percentages" in n for n in h.attrs["notes"])
    eu = data.read_holdings_csv(b"ticker;weight\nAAPL;62,5%\nMSFT;37,5%\n", name="h.csv")
    assert eu["weight"].tolist() == pytest.approx([0.625, 0.375])


def test_holdings_mixing_percent_and_fractions_is_refused_naming_the_row():
    with pytest.raises(DataError, match=r"h\.csv, row 3, column 'weight': '0\.4' has no '%' but row 2 has '40%'") as err:
        data.read_holdings_csv(b"ticker,weight\nAAPL,40%\nMSFT,0.4\nKO,20%\n", name="h.csv")
    assert err.value.code == "mixed_percent"


def test_percent_signs_are_not_prices():
    rows = _wide()
    d, a, b = rows[3].split(",")
    rows[3] = f"{d},{a}%,{b}"
    _bad("\n".join(rows), r"row 4, column 'AAA': '102\.00%' is not a number")


@pytest.mark.parametrize(("encode", "endian"), [
    (lambda t: t.encode("utf-16"), "little"),  # Python writes the BOM and little-endian, as Excel does
    (lambda t: b"\xfe\xff" + t.encode("utf-16-be"), "big"),
])
def test_utf16_unicode_text_is_read_as_utf16(encode, endian):
    rows = _wide()
    tabbed = "\n".join(r.replace(",", "\t") for r in rows)  # Excel's "Unicode Text" is tab-separated UTF-16
    prices = data.read_prices_csv(encode(tabbed), name="unicode.txt")
    pd.testing.assert_frame_equal(prices, data.read_prices_csv("\n".join(rows).encode(), name="p.csv"),
                                  check_freq=False)
    assert prices.attrs["notes"] == ["Read as UTF-16 tab-separated text with decimal points."]


def test_decimal_commas_in_a_comma_separated_file_are_explained():
    # 150,07 unquoted in a comma file splits into two cells: the row has 3 cells for 2 columns.
    err = _bad("date,AAPL\n2021-01-04,150,07\n", r"row 2: 3 cells but the header has 2 columns\. .*decimal commas "
                                                 r"\(150,07\), separate the columns with semicolons")
    assert err.code == "ragged"
    _bad("date;AAA;BBB\n2021-01-04;1;2\n2021-01-05;1;2\n2021-01-06;1;2;3\n",
         r"row 4: 4 cells .* missing semicolons on that row\.$")


def test_dates_that_read_the_same_either_way_need_no_decision_and_impossible_ones_are_named():
    t = data.read_trades_csv(b"date;account;ticker;side;shares;price\n05.05.2022;b;AAPL;buy;1;1,5\n", name="t.csv")
    assert t["date"].tolist() == [pd.Timestamp("2022-05-05")]
    with pytest.raises(DataError, match=r"t\.csv, row 3, column 'date': '31/13/2022' is not a date"):
        data.read_trades_csv(b"date;account;ticker;side;shares;price\n13/01/2022;b;AAPL;buy;1;1,5\n"
                             b"31/13/2022;b;AAPL;buy;1;1,5\n", name="t.csv")


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
