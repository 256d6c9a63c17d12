"""data.benchmark_weights: ticker,weight files read to fractions summing to 1, bad files refused by row."""

from __future__ import annotations

import pytest

from finance_core import data
from finance_core.errors import DataError


def _read(text: str, **kwargs):
    return data.load_benchmark_weights_csv(text.encode(), name="bench.csv", **kwargs)


def test_decimal_weights_read_as_given():
    loaded = _read("ticker,weight\naapl,0.6\nMSFT,0.4\n")
    assert loaded.frame.to_dict() == {"AAPL": 0.6, "MSFT": 0.4} and loaded.notes == ()


def test_percent_sums_and_percent_signs_become_fractions():
    loaded = _read("symbol,weight\nAAPL,60\nMSFT,40\n")
    assert loaded.frame.to_dict() == pytest.approx({"AAPL": 0.6, "MSFT": 0.4})
    assert "percentages" in loaded.notes[0]
    assert _read("ticker,weight\nAAPL,60%\nMSFT,40%\n").frame["AAPL"] == pytest.approx(0.6)


def test_weights_off_one_are_rescaled_with_a_note():
    loaded = _read("ticker,weight\nAAPL,0.3\nMSFT,0.3\n")
    assert loaded.frame.to_dict() == pytest.approx({"AAPL": 0.5, "MSFT": 0.5})
    assert loaded.notes == ("Benchmark weights summed to 0.6000; rescaled to sum to 1.",)


@pytest.mark.parametrize(("text", "message", "code"), [
    ("ticker,weight\nAAPL,0.6\nMSFT,-0.1\n", "row 3, column 'weight': -0.1 is not allowed", "not_positive"),
    ("ticker,weight\nAAPL,0.6\nAAPL,0.4\n", "ticker AAPL appears twice", "duplicate_ticker"),
    ("ticker,weight\nAAPL,\nMSFT,0.4\n", "row 2: column 'weight' is empty", "missing_value"),
    ("ticker,weight\nAAPL,0\nMSFT,0\n", "the weights add up to zero", "not_positive"),
    ("ticker,shares\nAAPL,10\n", "weight", "missing_column"),
])
def test_bad_files_are_refused_with_the_row(text, message, code):
    with pytest.raises(DataError, match=message) as err:
        _read(text)
    assert err.value.code == code


def test_tickers_outside_the_universe_are_named():
    with pytest.raises(DataError, match=r"ZZZ \(row 3\) not in the workspace's prices") as err:
        _read("ticker,weight\nAAPL,0.5\nZZZ,0.5\n", tickers=["AAPL", "MSFT"])
    assert err.value.code == "unknown_ticker"
