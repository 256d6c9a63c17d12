"""components.inputs, the range readers of Execute, Risk and Tax: the value a page needs or a DataError naming the control."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from components.inputs import choice_input, date_input, list_input, number_input, rows_input, whole_input
from finance_core.errors import DataError


@pytest.mark.parametrize("raw, expected", [(5, 5.0), ("2.5", 2.5), (0, 0.0), (1e3, 1000.0)])
def test_a_number_in_range_is_read(raw, expected):
    assert number_input(raw, "The value", lo=0, hi=1000) == expected


@pytest.mark.parametrize("raw, fragment", [
    (None, "The value is empty. Enter a number from 0 to 10"),
    ("abc", "The value 'abc' is not a number"),
    ([1, 2], "must be a single number from 0 to 10; got [1, 2]"),
    ({"a": 1}, "must be a single number"),
    (True, "must be a single number"),
    (math.nan, "must be a finite number"),
    (math.inf, "must be a finite number"),
    ("1e309", "must be a finite number"),
    (-1, "must be a number from 0 to 10; got -1"),
    (11, "must be a number from 0 to 10; got 11"),
])
def test_a_bad_number_names_the_control_and_the_range(raw, fragment):
    with pytest.raises(DataError) as err:
        number_input(raw, "The value", lo=0, hi=10)
    assert fragment in err.value.message


def test_a_blank_number_takes_the_default_and_above_excludes_the_bound():
    assert number_input("", "The value", default=3.0) == 3.0
    with pytest.raises(DataError, match="greater than 0; got 0"):
        number_input(0, "The value", lo=0, above=True)


def test_a_whole_number_accepts_an_integral_float_and_refuses_a_fraction():
    assert whole_input(5.0, "The horizon", lo=1, hi=20) == 5
    assert whole_input(None, "The horizon", lo=1, hi=20, default=1) == 1
    with pytest.raises(DataError, match="must be a whole number from 1 to 20; got 2.5"):
        whole_input(2.5, "The horizon", lo=1, hi=20)
    with pytest.raises(DataError, match="The horizon 'M' is not a number"):
        whole_input("M", "The horizon", lo=1, hi=20)


def test_a_choice_matches_by_value_and_lists_the_options():
    assert choice_input(250.0, (125, 250, 500), "The window") == 250
    assert choice_input("vwap", {"twap": "TWAP", "vwap": "VWAP"}, "The strategy") == "vwap"
    with pytest.raises(DataError, match=r"The window \[250\] is not one of the choices: pick one of 125, 250, 500"):
        choice_input([250], (125, 250, 500), "The window")
    with pytest.raises(DataError, match="not one of the choices"):
        choice_input(True, (1, 0), "The flag")  # True == 1 in Python, but a switch is not a number


def test_rows_and_lists_refuse_anything_but_their_shape():
    assert rows_input(None, "The table") == []
    assert rows_input([{"a": 1}], "The table") == [{"a": 1}]
    with pytest.raises(DataError, match="The table could not be read"):
        rows_input([{"a": 1}, "x"], "The table")
    with pytest.raises(DataError, match="The table could not be read"):
        rows_input({"a": 1}, "The table")
    assert list_input(None, "The moves") == [] and list_input([1], "The moves") == [1]
    with pytest.raises(DataError, match="The moves could not be read"):
        list_input("x", "The moves")


def test_a_date_is_read_or_refused_with_the_format():
    assert date_input("2020-01-31", "The as-of date") == pd.Timestamp("2020-01-31")
    assert date_input("", "The as-of date") is None
    for raw in ("2024-13-45", "<script>", 5, "nan"):
        with pytest.raises(DataError, match=r"The as-of date .* is not a date. Pick a date \(YYYY-MM-DD\)"):
            date_input(raw, "The as-of date")
