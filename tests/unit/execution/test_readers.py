"""finance_core.execution.readers: order-book and intraday volume files.

Oracles: hand-written files (and their European exports) read back to known books.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finance_core import execution as ex
from finance_core.errors import DataError


def test_read_order_book_csv_and_round_trip(book, book_csv):
    ob = ex.read_order_book_csv(book_csv, name="book.csv")
    assert ob.n_snapshots == 2 and ob.n_levels == 3
    # snapshot 09:31 has one level per side: missing levels have size 0
    assert ob.ask_size[1].tolist() == [400, 0, 0]
    assert ob.mid.iloc[0] == pytest.approx((9.99 + 10.01) / 2)
    back = ex.read_order_book_csv(book.to_frame().to_csv(index=False))
    np.testing.assert_allclose(back.ask_price, book.ask_price)
    np.testing.assert_allclose(back.bid_size, book.bid_size)


@pytest.mark.parametrize(
    "edit, words",
    [
        (
            ("2024-01-02 09:30,bid,1,9.99,100", "2024-01-02 09:30,bid,1,10.01,100"),
            ["crossed", "09:30", "level 1"],
        ),
        (
            ("2024-01-02 09:30,ask,3,10.05,300", "2024-01-02 09:30,ask,3,10.015,300"),
            ["09:30", "ask level 3", "rise"],
        ),
        (
            ("2024-01-02 09:30,bid,2,9.98,200", "2024-01-02 09:30,bid,2,9.995,200"),
            ["09:30", "bid level 2", "fall"],
        ),
        (
            ("2024-01-02 09:30,ask,2,10.02,200", "2024-01-02 09:30,ask,1,10.02,200"),
            ["appears twice", "ask level 1"],
        ),
        (
            ("2024-01-02 09:30,ask,2,10.02,200", "2024-01-02 09:30,middle,2,10.02,200"),
            ["row 5", "not a side"],
        ),
        (("2024-01-02 09:30,ask,2,10.02,200", "2024-01-02 09:30,ask,2,abc,200"), ["row 5", "not a number"]),
        (("2024-01-02 09:30,ask,2,10.02,200", "2024-01-02 09:30,ask,2,10.02,-5"), ["row 5", "zero or more"]),
    ],
)
def test_bad_books_name_the_snapshot_and_level(edit, words, book_csv):
    with pytest.raises(DataError) as err:
        ex.read_order_book_csv(book_csv.replace(*edit), name="book.csv")
    msg = str(err.value)
    assert "book.csv" in msg
    for w in words:
        assert w in msg


def test_order_book_with_decimal_commas_reads_like_the_same_book_with_points(book_csv):
    # The European export of book_csv: semicolons between columns, decimal commas.
    eu = book_csv.replace(",", ";").replace(".", ",")
    eu = eu.replace("9,99;100", "9,99;1.000")  # and a thousands separator: 1.000 shares at 9.99
    ob = ex.read_order_book_csv(eu, name="book-eu.csv")
    ref = ex.read_order_book_csv(book_csv.replace("9.99,100", "9.99,1000"), name="book.csv")
    np.testing.assert_array_equal(ob.bid_price, ref.bid_price)
    np.testing.assert_array_equal(ob.ask_price, ref.ask_price)
    np.testing.assert_array_equal(ob.bid_size, ref.bid_size)
    assert ob.bid_price[0, 0] == 9.99 and ob.bid_size[0, 0] == 1000  # not 999 and 1


def test_order_book_with_mixed_decimal_marks_is_refused():
    text = "time;side;level;price;size\n09:30;bid;1;9,99;100\n09:30;ask;1;10.01;100\n"
    with pytest.raises(DataError, match=r"b\.csv: column 'price' uses a decimal comma \(row 2: '9,99'\) but row 3 "
                                        r"has '10\.01'"):
        ex.read_order_book_csv(text, name="b.csv")


def test_order_book_snapshot_dates_are_never_silently_month_first():
    # 02.01.2024 and 03.01.2024 could be 2 and 3 January or February 1 and March 1: nothing decides.
    text = ("time;side;level;price;size\n02.01.2024 09:30;bid;1;9,99;100\n02.01.2024 09:30;ask;1;10,01;100\n"
            "03.01.2024 09:30;bid;1;9,98;100\n03.01.2024 09:30;ask;1;10,02;100\n")
    with pytest.raises(DataError, match=r"b\.csv, row 2, column 'time': '02\.01\.2024 09:30' could be day 2 of month 1 "
                                        r"or month 2 day 1.*ISO"):
        ex.read_order_book_csv(text, name="b.csv")
    ob = ex.read_order_book_csv(text.replace("03.01.2024", "13.01.2024"), name="b.csv")
    assert list(ob.times) == [pd.Timestamp("2024-01-02 09:30"), pd.Timestamp("2024-01-13 09:30")]


def test_volume_file_with_thousands_separators_and_day_first_times():
    # 09:30 and 09:35 bars of 2 and 13 January 2024; 1.234.567 is 1,234,567 shares in a German export.
    text = ("time;volume\n02.01.2024 09:30;1.234.567\n02.01.2024 09:35;765.433\n"
            "13.01.2024 09:30;2.000.000\n")
    loaded = ex.load_volume_csv(text, name="bars.csv")
    vol = loaded.frame
    assert ex.read_volume_csv(text, name="bars.csv").equals(vol)  # the notebook form: the same volumes
    assert vol.tolist() == [1_234_567.0, 765_433.0, 2_000_000.0]
    assert vol.index[0] == pd.Timestamp("2024-01-02 09:30") and vol.index[2] == pd.Timestamp("2024-01-13 09:30")
    # by hand: day 1 = 1,234,567 + 765,433 = 2,000,000; day 2 = 2,000,000; mean 2,000,000
    assert ex.daily_volume_estimate(vol) == 2_000_000.0
    assert "'.' separating thousands" in loaded.notes[0] and "day first" in loaded.notes[1]


def test_book_csv_missing_column():
    with pytest.raises(DataError, match="missing the column"):
        ex.read_order_book_csv("time,side,price,size\n09:30,bid,1,2\n", name="b.csv")
