"""finance_core.data.decoder: file-level refusals (not a CSV, empty, too large, not UTF-8, ragged), and the
number and date formats every reader reads through it.

Row numbers in messages follow spreadsheet numbering (the header is row 1), so a
problem on the third data line is "row 4".
"""

import re

import numpy as np
import pandas as pd
import pytest

from finance_core import data
from finance_core.errors import DataError

from .helpers import refused, wide_rows


def test_excel_workbook_is_not_a_csv():
    err = refused(b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 50, "Excel workbook")
    assert err.code == "not_csv" and "Save As" in err.message


def test_binary_file_is_not_a_csv():
    refused(bytes(range(256)) * 4, "binary file")


def test_empty_file():
    assert refused(b"", "is empty").code == "empty"
    refused(b"   \n\n", "is empty")


def test_header_without_rows():
    refused("date,AAA,BBB\n", "no data rows")


def test_file_over_the_size_limit():
    err = refused("\n".join(wide_rows()), "limit is", max_bytes=100)
    assert err.code == "too_large"


def test_non_utf8_text_names_the_row():
    rows = wide_rows()
    raw = "\n".join(rows).encode("utf-8")
    raw = raw.replace(b"AAA", "ÄAA".encode("latin-1"), 1)
    err = refused(raw, "not UTF-8")
    assert "row 1" in err.message and "CSV UTF-8" in err.message


def test_ragged_row_names_the_row():
    rows = wide_rows()
    rows[6] += ",999"
    refused("\n".join(rows), "row 7: 4 cells but the header has 3")


def test_csv_text_passed_as_a_long_string_is_read_not_taken_for_a_path():
    text = "\n".join(wide_rows(400))  # far longer than any file name the OS accepts
    assert data.read_prices_csv(text, name="inline.csv").shape == (400, 2)
    with pytest.raises(DataError, match="no such file"):
        data.read_prices_csv("missing-file.csv")


def test_interleaved_duplicates_name_two_rows_of_the_same_key():
    # Keys A, B, A, B: the message names A's rows (2 and 4), not the first two flagged rows (2 and 3).
    text = "date,ticker,price\n2024-01-02,AAA,10\n2024-01-02,BBB,20\n2024-01-02,AAA,11\n2024-01-02,BBB,21\n"
    refused(text, r"AAA has two prices for 2024-01-02 \(rows 2 and 4\)")
    with pytest.raises(DataError, match=r"ticker KO appears twice \(rows 2 and 4\)"):
        data.read_holdings_csv(b"ticker,shares\nKO,10\nPEP,5\nko,3\nPEP,1\n", name="h.csv")


@pytest.mark.parametrize(("encode", "endian"), [
    (lambda t: t.encode("utf-16"), "little"),  # Python writes the BOM and little-endian, as Excel does
    (lambda t: b"\xfe\xff" + t.encode("utf-16-be"), "big"),
])
def test_utf16_unicode_text_is_read_as_utf16(encode, endian):
    rows = wide_rows()
    tabbed = "\n".join(r.replace(",", "\t") for r in rows)  # Excel's "Unicode Text" is tab-separated UTF-16
    prices_loaded = data.load_prices_csv(encode(tabbed), name="unicode.txt")
    prices = prices_loaded.frame
    pd.testing.assert_frame_equal(prices, data.read_prices_csv("\n".join(rows).encode(), name="p.csv"),
                                  check_freq=False)
    assert list(prices_loaded.notes) == ["Read as UTF-16 tab-separated text with decimal points."]


def test_decimal_commas_in_a_comma_separated_file_are_explained():
    # 150,07 unquoted in a comma file splits into two cells: the row has 3 cells for 2 columns.
    err = refused("date,AAPL\n2021-01-04,150,07\n", r"row 2: 3 cells but the header has 2 columns\. .*decimal commas "
                                                 r"\(150,07\), separate the columns with semicolons")
    assert err.code == "ragged"
    refused("date;AAA;BBB\n2021-01-04;1;2\n2021-01-05;1;2\n2021-01-06;1;2;3\n",
         r"row 4: 4 cells .* missing semicolons on that row\.$")


def test_semicolon_trades_with_decimal_commas_give_the_true_gain():
    from finance_core import tax

    # The issue's numbers: 50 shares bought at 150,07 and sold at 224,76. By hand:
    # 50 * 224.76 - 50 * 150.07 = 11,238.00 - 7,503.50 = 3,734.50 (stripping the commas gave 373,450).
    text = ("date;account;ticker;side;shares;price\n"
            "2022-01-03;brokerage;AAPL;buy;50;150,07\n"
            "2022-03-01;brokerage;AAPL;sell;50;224,76\n")
    trades_loaded = data.load_trades_csv(text.encode(), name="trades.csv")
    trades = trades_loaded.frame
    assert trades["price"].tolist() == [150.07, 224.76]
    assert trades_loaded.notes[0].startswith("Read as semicolon-separated text with decimal commas")
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
    b_loaded = data.load_prices_csv(commas.encode(), name="commas.csv")
    b = b_loaded.frame
    pd.testing.assert_frame_equal(data.to_returns(a), data.to_returns(b))
    # Independent volatility: numpy on the bundled closes, sample std of simple returns * sqrt(252).
    p = closes.to_numpy()
    expected = np.std(p[1:] / p[:-1] - 1, ddof=1) * np.sqrt(252)
    assert data.to_returns(b)["AAPL"].std() * np.sqrt(252) == pytest.approx(expected, rel=1e-12)
    assert 0.05 < expected < 1.0  # a stock's volatility, not the 17,000% of the issue
    assert list(b_loaded.notes) == ["Read as semicolon-separated text with decimal commas (row 2, column 'AAPL': "
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
    prices_loaded = data.load_prices_csv(text.encode(), name="p.csv", min_rows=2)
    prices = prices_loaded.frame
    assert prices["AAA"].tolist() == [1234.56, 1300.0]
    assert "separating thousands" in prices_loaded.notes[0]


def test_an_ambiguous_value_is_decided_by_the_rest_of_the_file():
    # '1,234' alone could be 1234 or 1.234; '2,5' on the next row can only be a decimal comma.
    prices = data.read_prices_csv(b"date;AAA\n2024-01-02;1,234\n2024-01-03;2,5\n", name="p.csv", min_rows=2)
    assert prices["AAA"].tolist() == [1.234, 2.5]


@pytest.mark.parametrize("cell", ["1,234", "1.234"])
def test_an_ambiguous_value_nothing_decides_is_refused(cell):
    text = f"date;AAA;BBB\n2024-01-02;{cell};10\n2024-01-03;20;30\n"
    err = refused(text, rf"prices\.csv, row 2, column 'AAA': '{cell}' could be 1234 .* or 1\.234 .*no other number")
    assert err.code == "ambiguous_number" and "upload it again" in err.message


def test_comma_separated_files_use_decimal_points():
    # In a comma-separated file a quoted "1,234" is 1234: the commas of the file separate columns.
    prices = data.read_prices_csv(b'date,AAA\n2024-01-02,"1,234"\n2024-01-03,1240\n', name="p.csv", min_rows=2)
    assert prices["AAA"].tolist() == [1234.0, 1240.0]


def test_contradicting_decimal_marks_are_refused_naming_column_and_rows():
    rows = ["date;AAPL;MSFT", "2024-01-02;150,0747;220,5"] + [f"2024-01-{d:02d};151,5;221" for d in range(3, 20)]
    rows.insert(16, "2024-01-31;1,234.5;222")  # rows[16] is spreadsheet row 17
    err = refused("\n".join(rows), r"column 'AAPL' uses a decimal comma \(row 2: '150,0747'\) but row 17 has '1,234\.5'")
    assert err.code == "mixed_number_format"


def test_every_reader_reads_decimal_commas():
    h = data.read_holdings_csv(b"ticker;shares;weight\nAAPL;10,5;0,6\nMSFT;2;0,4\n", name="h.csv")
    assert h["shares"].tolist() == [10.5, 2.0] and h["weight"].tolist() == [0.6, 0.4]
    lots = data.read_lots_csv(b"account;ticker;acquired;shares;cost_basis\nb;AAPL;2020-01-02;5;1.234,56\n", name="l.csv")
    assert lots["cost_basis"].tolist() == [1234.56]
    sectors_loaded = data.load_sectors_csv(b"ticker;sector\nNVDA;Information Technology\n", name="s.csv")
    sectors = sectors_loaded.frame
    assert sectors.to_dict() == {"NVDA": "Information Technology"}
    assert list(sectors_loaded.notes) == ["Read as semicolon-separated text with decimal points."]
    long = data.read_prices_csv(b"date;ticker;price\n2024-01-02;AAA;10,25\n2024-01-03;AAA;10,5\n", name="l.csv",
                                min_rows=2)
    assert long["AAA"].tolist() == [10.25, 10.5]


def test_percent_signs_are_not_prices():
    rows = wide_rows()
    d, a, b = rows[3].split(",")
    rows[3] = f"{d},{a}%,{b}"
    refused("\n".join(rows), r"row 4, column 'AAA': '102\.00%' is not a number")


def _dated(dates, sep="."):
    return "date;AAA\n" + "".join(f"{d.day:02d}{sep}{d.month:02d}{sep}{d.year};{100 + i},5\n"
                                  for i, d in enumerate(dates))


def test_day_first_dates_are_decided_by_a_day_above_12():
    dates = pd.bdate_range("2021-01-04", periods=40)
    for sep in "./":
        prices_loaded = data.load_prices_csv(_dated(dates, sep).encode(), name="eu.csv")
        prices = prices_loaded.frame
        assert prices.index[0] == pd.Timestamp("2021-01-04")  # 04.01.2021 is 4 January, not April 1
        assert prices.index.equals(pd.DatetimeIndex(dates, name="date"))
        assert any("Dates read day first" in n and "'13" in n for n in prices_loaded.notes)


def test_month_first_dates_are_read_when_the_file_says_so():
    text = "date,AAA\n" + "".join(f"{d.month:02d}/{d.day:02d}/{d.year},{100 + i}\n"
                                  for i, d in enumerate(pd.bdate_range("2021-01-04", periods=40)))
    prices_loaded = data.load_prices_csv(text.encode(), name="us.csv")
    prices = prices_loaded.frame
    assert prices.index[0] == pd.Timestamp("2021-01-04") and prices.index[-1] == pd.Timestamp("2021-02-26")
    assert "month first" in prices_loaded.notes[0]


def test_dates_nothing_decides_are_refused():
    dates = pd.bdate_range("2021-01-04", periods=7)  # 4 to 12 January: no day above 12
    err = refused(_dated(dates), r"row 2, column 'date': '04\.01\.2021' could be day 4 of month 1 or month 4 day 1")
    assert err.code == "ambiguous_date" and "ISO" in err.message


def test_dates_written_both_ways_are_refused():
    text = "date;AAA\n13/01/2021;1\n01/14/2021;2\n"
    err = refused(text, r"row 2 has '13/01/2021' \(day first\) but row 3 has '01/14/2021' \(month first\)")
    assert err.code == "mixed_date_format"


def test_trade_dates_day_first_and_iso_always():
    text = b"date;account;ticker;side;shares;price\n04.01.2022;b;AAPL;buy;1;1,5\n15.02.2022;b;AAPL;sell;1;2\n"
    t = data.read_trades_csv(text, name="t.csv")
    assert t["date"].tolist() == [pd.Timestamp("2022-01-04"), pd.Timestamp("2022-02-15")]
    iso_loaded = data.load_trades_csv(b"date,account,ticker,side,shares,price\n2022-04-01,b,AAPL,buy,1,2\n", name="t.csv")
    iso = iso_loaded.frame
    assert iso["date"].tolist() == [pd.Timestamp("2022-04-01")] and list(iso_loaded.notes) == []


def test_dates_that_read_the_same_either_way_need_no_decision_and_impossible_ones_are_named():
    t = data.read_trades_csv(b"date;account;ticker;side;shares;price\n05.05.2022;b;AAPL;buy;1;1,5\n", name="t.csv")
    assert t["date"].tolist() == [pd.Timestamp("2022-05-05")]
    with pytest.raises(DataError, match=r"t\.csv, row 3, column 'date': '31/13/2022' is not a date"):
        data.read_trades_csv(b"date;account;ticker;side;shares;price\n13/01/2022;b;AAPL;buy;1;1,5\n"
                             b"31/13/2022;b;AAPL;buy;1;1,5\n", name="t.csv")


# ----------------------------------------------------------------------------- hostile shapes and values (issue 16)


def test_a_file_of_100000_columns_is_refused_before_parsing():
    # The issue's file: 100,000 columns x 31 rows (6.9 MB) held a worker for 120 s; the shape alone refuses it.
    header = "date," + ",".join(f"T{i}" for i in range(99_999))
    rows = [f"2024-01-{d:02d}," + ",".join(["1"] * 99_999) for d in range(1, 31)]
    err = refused("\n".join([header, *rows]), r"prices\.csv has 100,000 columns; the desk reads at most 5,000")
    assert err.code == "too_many_columns" and "fewer tickers" in err.message


def test_a_file_of_too_many_cells_is_refused_with_its_shape():
    # 600,000 rows of 10 columns: 6,000,010 cells, over the 5,000,000 the desk reads (12 MB, under the size limit).
    text = "date," + ",".join("ABCDEFGHI") + "\n" + "2024-01-02,1,1,1,1,1,1,1,1,1\n" * 600_000
    err = refused(text, r"prices\.csv has about 6,000,010 cells \(600,001 rows of 10 columns\); the desk reads at "
                        r"most 5,000,000")
    assert err.code == "too_many_cells"


def test_the_execution_readers_refuse_absurd_shapes_through_the_same_decoder():
    from finance_core.execution import read_order_book_csv, read_volume_csv

    header = "time,side,level,price,size," + ",".join(f"x{i}" for i in range(6_000))
    with pytest.raises(DataError, match=r"book\.csv has 6,005 columns; the desk reads at most 5,000"):
        read_order_book_csv(header + "\n2024-01-02 09:30,bid,1,100,5\n", name="book.csv")
    with pytest.raises(DataError, match=r"bars\.csv has 6,005 columns"):
        read_volume_csv(header.replace("side,", "volume,", 1) + "\n2024-01-02 09:30,5\n", name="bars.csv")


@pytest.mark.parametrize("cell", ["1e309", "-1e309", "inf", "-inf", "+Infinity"])
def test_infinite_prices_are_refused_naming_the_cell(cell):
    # 1e309 is beyond the largest float (about 1.8e308): it overflows to infinity.
    rows = wide_rows()
    d, a, _b = rows[5].split(",")
    rows[5] = f"{d},{a},{cell}"
    err = refused("\n".join(rows), rf"prices\.csv, row 6, column 'BBB': {re.escape(repr(cell))} is not a finite number")
    assert err.code == "not_finite"


@pytest.mark.parametrize("read", [data.read_holdings_csv, data.read_trades_csv])
def test_infinite_quantities_are_refused_by_every_reader(read):
    head, good = {data.read_holdings_csv: ("ticker,shares", "AAPL,{}"),
                  data.read_trades_csv: ("date,account,ticker,side,shares,price", "2022-01-03,b,AAPL,buy,{},100")}[read]
    with pytest.raises(DataError, match=r"f\.csv, row 2, column 'shares': '1e309' is not a finite number"):
        read(f"{head}\n{good.format('1e309')}\n".encode(), name="f.csv")


def test_nan_text_in_a_price_stays_a_gap_filled_with_a_note():
    # NaN is a missing value (formats.MISSING), as pandas writes it: the gap is forward-filled and said.
    rows = wide_rows()
    d, a, _b = rows[5].split(",")
    rows[5] = f"{d},{a},nan"
    loaded = data.load_prices_csv("\n".join(rows).encode(), name="prices.csv")
    assert np.isfinite(loaded.frame["BBB"]).all()
    assert any("BBB" in n and "fill" in n.lower() for n in loaded.notes), loaded.notes
