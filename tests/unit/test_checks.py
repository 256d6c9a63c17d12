"""finance_core._checks: the generic input checks, their exact messages and codes, and their edge values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from finance_core._checks import (
    MUST_BE_A_NUMBER,
    check_count,
    check_finite,
    check_level,
    check_positive,
    check_positive_int,
    is_blank,
    to_number,
)
from finance_core.errors import DataError


def refusal(check, *args, **kwargs) -> DataError:
    with pytest.raises(DataError) as err:
        check(*args, **kwargs)
    return err.value


# --------------------------------------------------------------------------- is_blank, to_number
@pytest.mark.parametrize("value", [None, "", "   ", "\t\n"])
def test_blank_cells(value):
    assert is_blank(value)


@pytest.mark.parametrize("value", [0, 0.0, "0", "x", False, math.nan, []])
def test_values_that_are_not_blank(value):
    assert not is_blank(value)


@pytest.mark.parametrize(("value", "expected"), [("2.5", 2.5), (" 7 ", 7.0), (np.int64(3), 3.0), (True, 1.0)])
def test_to_number_reads_what_float_reads(value, expected):
    out = to_number(value, "The size")
    assert out == expected and type(out) is float


def test_to_number_message_and_template():
    err = refusal(to_number, "abc", "The size")
    assert str(err) == "The size 'abc' is not a number." and err.code == "bad_number"
    err = refusal(to_number, [1], "Capital", code="bad_capital", message=MUST_BE_A_NUMBER)
    assert str(err) == "Capital must be a number; got [1]." and err.code == "bad_capital"


# --------------------------------------------------------------------------- check_finite
@pytest.mark.parametrize(("value", "expected"), [(-1.5, -1.5), (0, 0.0), ("1e3", 1000.0), (np.float32(0.5), 0.5)])
def test_finite_accepts_any_finite_number(value, expected):
    assert check_finite(value, "budget") == expected


@pytest.mark.parametrize(
    ("value", "shown"), [(math.nan, "nan"), (math.inf, "inf"), (-np.inf, "-inf"), (None, "None"), ("nan", "'nan'")]
)
def test_finite_refuses_missing_and_infinite(value, shown):
    err = refusal(check_finite, value, "bounds lower", code="bad_constraint", hint=": use a leverage cap")
    assert str(err) == f"bounds lower must be a finite number, got {shown}: use a leverage cap."
    assert err.code == "bad_constraint"


def test_finite_refuses_text():
    err = refusal(check_finite, "ten", "budget")
    assert str(err) == "budget must be a number, got 'ten'." and err.code == "bad_number"


# --------------------------------------------------------------------------- check_positive
@pytest.mark.parametrize(("value", "expected"), [(0.25, 0.25), ("3", 3.0), (np.float64(1e-12), 1e-12), (True, 1.0)])
def test_positive_accepts_positive_numbers(value, expected):
    assert check_positive(value, "The spread") == expected


@pytest.mark.parametrize("value", [0, -0.0, -1, math.nan, math.inf, np.float64(-2.0), False])
def test_positive_refuses_zero_negative_and_non_finite(value):
    err = refusal(check_positive, value, "The spread")
    assert str(err) == f"The spread must be greater than zero; got {value!r}."
    assert err.code == "not_positive"


def test_positive_allow_zero():
    assert check_positive(0, "The volatility", allow_zero=True) == 0.0
    err = refusal(check_positive, -0.1, "The volatility", allow_zero=True)
    assert str(err) == "The volatility must be zero or more; got -0.1." and err.code == "not_positive"
    err = refusal(check_positive, math.inf, "The volatility", allow_zero=True)
    assert str(err) == "The volatility must be zero or more; got inf."


@pytest.mark.parametrize("value", [None, "", "  "])
def test_positive_blank_cell_is_empty(value):
    err = refusal(check_positive, value, "The daily volume")
    assert str(err) == "The daily volume is empty. Enter a number greater than zero." and err.code == "missing_value"
    err = refusal(check_positive, value, "The daily volume", allow_zero=True)
    assert str(err) == "The daily volume is empty. Enter a number zero or more."


def test_positive_text_is_not_a_number():
    err = refusal(check_positive, "12 shares", "The daily volume")
    assert str(err) == "The daily volume '12 shares' is not a number." and err.code == "bad_number"


def test_positive_without_blank_handling_refuses_none_as_not_a_number():
    err = refusal(check_positive, None, "The initial value", allow_zero=True, blank=False, code="bad_parameter")
    assert str(err) == "The initial value None is not a number." and err.code == "bad_parameter"
    err = refusal(check_positive, -5, "The initial value", allow_zero=True, blank=False, code="bad_parameter")
    assert str(err) == "The initial value must be zero or more; got -5." and err.code == "bad_parameter"


def test_positive_with_the_allocation_wording():
    kwargs = dict(blank=False, need="positive", hint=" Typical values are 1 to 5.", not_number=MUST_BE_A_NUMBER)
    err = refusal(check_positive, 0, "risk_aversion", code="bad_risk_aversion", **kwargs)
    assert str(err) == "risk_aversion must be positive; got 0. Typical values are 1 to 5."
    assert err.code == "bad_risk_aversion"
    err = refusal(check_positive, "high", "risk_aversion", code="bad_risk_aversion", **kwargs)
    assert str(err) == "risk_aversion must be a number; got 'high'."


# --------------------------------------------------------------------------- check_count
@pytest.mark.parametrize(("value", "expected"), [(1, 1), (12.0, 12), ("30", 30), (np.int64(5), 5), (3.0000000001, 3)])
def test_count_accepts_whole_numbers_of_one_or_more(value, expected):
    out = check_count(value, "The number of intervals")
    assert out == expected and type(out) is int


@pytest.mark.parametrize("value", [0, -3, 2.5, math.nan, math.inf, "0.5"])
def test_count_refuses_fractions_zero_and_non_finite(value):
    err = refusal(check_count, value, "The number of intervals")
    assert str(err) == f"The number of intervals must be a whole number of 1 or more; got {value!r}."
    assert err.code == "not_positive"


def test_count_blank_and_text():
    err = refusal(check_count, None, "The lot size")
    assert str(err) == "The lot size is empty. Enter a whole number of 1 or more." and err.code == "missing_value"
    err = refusal(check_count, "ten", "The lot size")
    assert str(err) == "The lot size 'ten' is not a number. Enter a whole number of 1 or more."
    assert err.code == "bad_count"


# --------------------------------------------------------------------------- check_positive_int
@pytest.mark.parametrize(("value", "expected"), [(1, 1), (250.0, 250), (np.int64(10), 10), (np.float64(4.0), 4)])
def test_positive_int_accepts_integral_values(value, expected):
    out = check_positive_int(value, "window")
    assert out == expected and type(out) is int


def test_positive_int_minimum():
    assert check_positive_int(0, "number of exceptions", 0) == 0
    err = refusal(check_positive_int, 0, "window")
    assert str(err) == "The window must be at least 1; got 0." and err.code == "bad_parameter"
    err = refusal(check_positive_int, -2, "number of exceptions", 0)
    assert str(err) == "The number of exceptions must be at least 0; got -2."


@pytest.mark.parametrize(("value", "message"), [(2.5, "must be a whole number"), ("5", "must be a whole number")])
def test_positive_int_refuses_fractions_and_text(value, message):
    err = refusal(check_positive_int, value, "horizon")
    assert str(err) == f"The horizon {value!r} {message}." and err.code == "bad_parameter"


@pytest.mark.parametrize("value", [None, "five", math.nan, math.inf, -math.inf])
def test_positive_int_refuses_what_is_not_a_whole_number(value):
    # inf used to escape as a bare OverflowError from int(); it now gets the message too
    err = refusal(check_positive_int, value, "horizon")
    assert str(err) == f"The horizon {value!r} is not a whole number." and err.code == "bad_parameter"


# --------------------------------------------------------------------------- check_level
@pytest.mark.parametrize(("value", "expected"), [(0.95, 0.95), ("0.99", 0.99), (np.float64(0.5001), 0.5001)])
def test_level_accepts_fractions_in_range(value, expected):
    assert check_level(value) == expected


@pytest.mark.parametrize(("value", "shown"), [(0.5, "0.5"), (0.9999, "0.9999"), (1, "1"), (-0.1, "-0.1"), (math.nan, "nan")])
def test_level_refuses_the_bounds_and_outside(value, shown):
    err = refusal(check_level, value)
    assert str(err) == (
        f"The confidence level {shown} is outside the sensible range: it must lie strictly between "
        "0.5 and 0.9999 (for example 0.95 or 0.99)."
    )
    assert err.code == "bad_level"


def test_level_percent_gets_a_hint_and_a_name():
    err = refusal(check_level, 95, "VaR level")
    assert str(err).startswith("The VaR level 95 is outside the sensible range")
    assert str(err).endswith("(for example 0.95 or 0.99). Did you mean 0.95?")


def test_level_text():
    err = refusal(check_level, "high")
    assert str(err) == "The confidence level 'high' is not a number. Give a fraction such as 0.95."
    assert err.code == "bad_level"
