"""finance_core.data.prices: wide, long and one-ticker price files, their gaps and refusals, and combining.

Row numbers in messages follow spreadsheet numbering (the header is row 1).
"""

import io

import numpy as np
import pandas as pd
import pytest

from finance_core import data
from finance_core.errors import DataError

from .helpers import refused, wide_rows


def test_wide_prices_parse_sorted_and_upper_cased():
    rows = wide_rows()
    text = "\n".join([rows[0].lower()] + rows[1:][::-1])  # reversed dates, lower-case tickers
    prices = data.read_prices_csv(text.encode(), name="p.csv")
    assert list(prices.columns) == ["AAA", "BBB"]
    assert prices.index.is_monotonic_increasing and len(prices) == 40
    assert prices["AAA"].iloc[0] == 100.0


def test_long_prices_pivot_to_wide():
    wide = data.read_prices_csv("\n".join(wide_rows()).encode(), name="w.csv")
    long = wide.stack().rename("price").reset_index()
    long.columns = ["date", "ticker", "price"]
    parsed = data.read_prices_csv(long.to_csv(index=False).encode(), name="long.csv")
    pd.testing.assert_frame_equal(parsed, wide, check_names=False, check_freq=False)


def test_short_gap_is_forward_filled_and_reported():
    rows = wide_rows()
    parts = rows[5].split(",")
    rows[5] = f"{parts[0]},,{parts[2]}"  # one missing AAA price on row 6
    prices_loaded = data.load_prices_csv("\n".join(rows).encode(), name="gap.csv")
    prices = prices_loaded.frame
    assert prices["AAA"].iloc[4] == prices["AAA"].iloc[3]
    assert any("AAA (1)" in note for note in prices_loaded.notes)


def test_late_starting_ticker_trims_history_with_a_note():
    rows = wide_rows(60)
    for i in range(1, 11):
        d, a, _b = rows[i].split(",")
        rows[i] = f"{d},{a},"
    prices_loaded = data.load_prices_csv("\n".join(rows).encode(), name="late.csv")
    prices = prices_loaded.frame
    assert len(prices) == 50
    assert "trimmed" in prices_loaded.notes[0] and "BBB" in prices_loaded.notes[0]


def test_path_and_file_object_sources(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text("\n".join(wide_rows()))
    assert data.read_prices_csv(path).shape == (40, 2)
    assert data.read_prices_csv(io.BytesIO(path.read_bytes()), name="x.csv").shape == (40, 2)


def test_missing_date_column_is_named():
    rows = wide_rows()
    rows = ["ticker_a,AAA,BBB"] + [",".join(["x"] + r.split(",")[1:]) for r in rows[1:]]
    err = refused("\n".join(rows), "no date column")
    assert "ticker_a" in err.message


def test_unparseable_date_names_row_and_column():
    rows = wide_rows()
    rows[3] = "not-a-date," + rows[3].split(",", 1)[1]
    err = refused("\n".join(rows), "row 4, column 'date'")
    assert "not-a-date" in err.message


def test_duplicate_dates_name_both_rows():
    rows = wide_rows()
    rows[4] = rows[3].split(",")[0] + "," + rows[4].split(",", 1)[1]
    err = refused("\n".join(rows), "appears twice")
    assert "rows 4 and 5" in err.message


def test_duplicate_tickers_in_header():
    rows = wide_rows(tickers=("AAA", "BBB", "aaa"))
    err = refused("\n".join(rows), "'aaa' appears twice")
    assert "columns 2 and 4" in err.message


def test_non_numeric_cell_names_row_column_and_value():
    rows = wide_rows()
    d, a, b = rows[7].split(",")
    rows[7] = f"{d},{a},abc"
    err = refused("\n".join(rows), "row 8, column 'BBB'")
    assert "'abc' is not a number" in err.message


@pytest.mark.parametrize("value", ["0", "-5.5"])
def test_zero_or_negative_price(value):
    rows = wide_rows()
    d, a, b = rows[10].split(",")
    rows[10] = f"{d},{value},{b}"
    err = refused("\n".join(rows), "row 11, column 'AAA'")
    assert "greater than zero" in err.message


def test_long_gap_is_refused_with_dates():
    rows = wide_rows(60)
    for i in range(20, 30):
        d, a, b = rows[i].split(",")
        rows[i] = f"{d},{a},"
    err = refused("\n".join(rows), "column 'BBB': 10 consecutive missing prices")
    assert "row 21" in err.message and err.code == "long_gap"  # rows[20] is spreadsheet row 21


def test_too_few_rows():
    err = refused("\n".join(wide_rows(10)), "10 usable dates; at least 30")
    assert err.code == "too_short"


def test_long_format_duplicate_date_ticker():
    text = "date,ticker,price\n2024-01-02,AAA,1\n2024-01-02,AAA,2\n"
    refused(text, "AAA has two prices for 2024-01-02 \\(rows 2 and 3\\)")


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
    prices_loaded = data.load_prices_csv(text.encode(), name=filename)
    prices = prices_loaded.frame
    assert list(prices.columns) == ["AAPL"] and prices_loaded.ticker == "AAPL"
    np.testing.assert_array_equal(prices["AAPL"].to_numpy(), closes.to_numpy())  # Adj Close, not Close or Volume
    assert any("AAPL prices taken from its 'Adj Close' column" in n for n in prices_loaded.notes)


def test_export_without_adj_close_uses_close_and_ticker_argument_overrides_the_name():
    text, closes = ohlcv_csv(header="date,open,high,low,close,volume", adj=False)
    prices_loaded = data.load_prices_csv(text.encode(), name="download.csv", ticker="msft")
    prices = prices_loaded.frame
    assert list(prices.columns) == ["MSFT"]
    np.testing.assert_allclose(prices["MSFT"].to_numpy(), (closes * 1.01).round(4).to_numpy())
    assert "'close' column" in prices_loaded.notes[0]


def test_export_named_like_no_ticker_is_refused_with_a_rename_hint():
    text, _ = ohlcv_csv()
    with pytest.raises(DataError, match=r"prices\.csv is one ticker's price export .* 'prices' is not a ticker name\. "
                                        r"Rename the file to the ticker \(for example AAPL\.csv\)") as err:
        data.read_prices_csv(text.encode(), name="prices.csv")
    assert err.value.code == "unknown_ticker"


def test_volume_column_in_a_wide_file_is_refused():
    rows = wide_rows(tickers=("AAA", "Volume"))
    err = refused("\n".join(rows), r"prices\.csv: column 'Volume' holds volume, not prices")
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
