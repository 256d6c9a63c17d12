"""finance_core.formats: the column-at-once fast path reads exactly what the per-cell path reads.

The per-cell path (``_Cells._each``) is the reference: each file is read twice, once as shipped and once
with the fast path switched off, and the frames, notes and messages must be identical. The values are
also checked against Python's ``float`` of the texts (an independent, correctly rounded reader).
"""

import numpy as np
import pandas as pd
import pytest

from finance_core import formats

from .helpers import read_or_message, same_reading

DATES = pd.bdate_range("2024-01-02", periods=40)


def _read_both(text: str, monkeypatch: pytest.MonkeyPatch, name: str = "p.csv"):
    """(fast, per-cell) results of reading ``text``: a Loaded, or the DataError message; and the fast columns."""
    taken: list[int] = []
    plain_column = formats._Cells._plain_column.__func__  # type: ignore[attr-defined]

    def spy(cls, texts):
        cells = plain_column(cls, texts)
        taken.append(cells is not None)
        return cells

    with monkeypatch.context() as m:
        m.setattr(formats._Cells, "_plain_column", classmethod(spy))
        fast = read_or_message(text, name)
    with monkeypatch.context() as m:
        m.setattr(formats._Cells, "_plain_column", classmethod(lambda cls, texts: None))
        slow = read_or_message(text, name)
    return fast, slow, sum(taken)


_same = same_reading


def test_eu_file_with_blanks_integers_and_ambiguous_cells_reads_the_same(monkeypatch):
    aaa = [f"{100 + i * 0.25:.4f}".replace(".", ",") for i in range(40)]
    aaa[5] = ""  # a gap, forward-filled
    bbb = [str(50 + i) for i in range(40)]  # integers
    bbb[7] = "1,234"  # ambiguous alone, decided by AAA's decimal commas: 1.234
    ccc = [f"{10 + i:d},{i % 10}" for i in range(40)]
    ccc[3] = "1.234,5"  # thousands separator: per-cell path for this column only
    rows = ["date;AAA;BBB;CCC"] + [f"{d.date()};{a};{b};{c}" for d, a, b, c in zip(DATES, aaa, bbb, ccc, strict=True)]
    fast, slow, taken = _read_both("\n".join(rows), monkeypatch)
    _same(fast, slow)
    assert taken == 2  # AAA and BBB took the fast path, CCC did not
    frame = fast.frame
    # independent reference: Python's float of the texts written with a decimal point
    assert frame["AAA"].iloc[4] == float("101.0000") and frame["AAA"].iloc[5] == frame["AAA"].iloc[4]
    assert frame["AAA"].iloc[6] == float("101.5000")
    assert frame["BBB"].iloc[7] == 1.234 and frame["BBB"].iloc[8] == 58.0
    assert frame["CCC"].iloc[3] == 1234.5 and frame["CCC"].iloc[4] == float("14.4")
    assert any("decimal commas" in note for note in fast.notes)


def test_a_bad_cell_gets_the_same_message(monkeypatch):
    rows = ["date,AAA,BBB"] + [f"{d.date()},{100 + i / 7:.5f},{20 + i / 3:.6f}" for i, d in enumerate(DATES)]
    rows[12] = rows[12].rsplit(",", 1)[0] + ",12.5x"
    fast, slow, taken = _read_both("\n".join(rows), monkeypatch)
    _same(fast, slow)
    assert fast == "p.csv, row 13, column 'BBB': '12.5x' is not a number. Fix or delete that cell."
    assert taken == 1  # AAA only


def test_mixed_decimal_marks_get_the_same_message(monkeypatch):
    rows = ["date;AAA;BBB"] + [f"{d.date()};{100 + i / 7:.5f};{20 + i / 3:.6f}" for i, d in enumerate(DATES)]
    rows[9] = rows[9].replace(".", ",", 1)  # AAA of row 10 with a decimal comma, the rest with points
    fast, slow, taken = _read_both("\n".join(rows), monkeypatch)
    _same(fast, slow)
    assert "uses a decimal point (row 2" in fast and "row 10 has '101,14286', with a decimal comma" in fast  # 100 + 8/7
    assert taken == 1  # BBB only


def test_plain_decimals_match_python_float():
    rng = np.random.default_rng(7)
    texts = [f"{v:.{p}f}" for v, p in zip(rng.lognormal(4, 1, 2000), rng.integers(4, 7, 2000), strict=True)]
    texts[10], texts[11] = "-0.000", ".5"
    nums, missing = formats.parse_numbers(pd.Series(texts, dtype=object), formats.NumberFormat())
    assert formats._Cells._plain_column(pd.Series(texts, dtype=object)) is not None
    assert not missing.any()
    assert nums.tolist() == [float(t) for t in texts]
    assert np.signbit(nums.iloc[10])  # -0.000 stays -0.0, as pd.to_numeric reads it


@pytest.mark.parametrize("odd", ["١٢", "5.", "+", "-", "5\x00", "\x005", "1.2.3", "1e5", " 7", "$5", "NA"])
def test_columns_the_fast_path_declines_are_sorted_cell_by_cell(odd):
    texts = pd.Series(["1.5", "-2.25", odd, "", "3"], dtype=object)
    assert formats._Cells._plain_column(texts) is None
    assert formats._Cells.of(texts).kinds.tolist() == formats._Cells._each(texts).kinds.tolist()


def test_fast_kinds_follow_the_regex_alternatives():
    texts = pd.Series(["12", "+1.234", "0.234", "1234.567", ".123", "-999.123", "", "1.2345"], dtype=object)
    cells = formats._Cells._plain_column(texts)
    assert cells is not None
    # _PLAIN: integer, then ambiguous ([1-9] and 1-3 digits, the mark, 3 digits), then one mark
    assert cells.kinds.tolist() == ["int", "amb.", "one.", "one.", "one.", "amb.", "missing", "one."]
    assert cells.kinds.tolist() == formats._Cells._each(texts).kinds.tolist()
