"""Unit tests of finance_core.tax.rates: the 2026 brackets of Rev. Proc. 2025-32, the NIIT, netting and errors."""

import pytest

from finance_core import tax
from finance_core.errors import DataError
from finance_core.tax import rates


# --------------------------------------------------------------------------- rates
def test_tax_rates_2026_brackets():
    # IRS Rev. Proc. 2025-32 (2026): 0 % long-term rate up to $49,450 (single) / $98,900 (joint);
    # 37 % ordinary above $640,600 (single); 22 % from $50,401 to $105,700 (single).
    assert tax.TaxRates.from_income("single", 49_450).long_term == 0.0
    assert tax.TaxRates.from_income("single", 49_451).long_term == 0.15
    assert tax.TaxRates.from_income("mfj", 98_900).long_term == 0.0
    assert tax.TaxRates.from_income("single", 80_000).short_term == 0.22
    assert tax.TaxRates.from_income("single", 700_000).short_term == 0.37
    assert tax.TaxRates.from_income("single", 700_000).long_term == 0.20
    # IRC section 1411: NIIT 3.8 % above $200,000 single, $250,000 joint.
    assert tax.TaxRates.from_income("single", 200_001).niit == 0.038
    assert tax.TaxRates.from_income("married_joint", 240_000).niit == 0.0
    r = tax.TaxRates.from_income("single", 300_000)
    assert r.long_term_total == pytest.approx(0.188) and r.short_term_total == pytest.approx(0.35 + 0.038)


def test_tax_rates_netting_and_errors():
    r = tax.TaxRates(short_term=0.3, long_term=0.1)
    # Schedule D netting: a 1,000 short-term loss offsets a 3,000 long-term gain -> 2,000 long-term taxed.
    assert r.tax(-1000, 3000) == pytest.approx(200.0)
    assert r.tax(3000, -1000) == pytest.approx(600.0)
    with pytest.raises(DataError, match="filing status"):
        tax.TaxRates.from_income("married", 1)
    with pytest.raises(DataError, match="0.24"):
        tax.TaxRates(short_term=24)


# --------------------------------------------------------------------------- the module's own tables
# IRS Rev. Proc. 2025-32, section 4.01 (tax year 2026): taxable income at which each ordinary bracket ends.
REV_PROC_2025_32_ORDINARY = {
    "single": [12_400, 50_400, 105_700, 201_775, 256_225, 640_600],
    "married_joint": [24_800, 100_800, 211_400, 403_550, 512_450, 768_700],
    "married_separate": [12_400, 50_400, 105_700, 201_775, 256_225, 384_350],
    "head_of_household": [17_700, 67_450, 105_700, 201_750, 256_200, 640_600],
}
ORDINARY_RATES = [0.10, 0.12, 0.22, 0.24, 0.32, 0.35, 0.37]  # IRC section 1(j)(2), the seven rates


@pytest.mark.parametrize("status", sorted(REV_PROC_2025_32_ORDINARY))
def test_every_ordinary_bracket_edge_of_rev_proc_2025_32(status):
    # A bound belongs to the lower bracket ("not over $12,400: 10 %"; "over $12,400 but not over $50,400": 12 %).
    for upper, below, above in zip(
        REV_PROC_2025_32_ORDINARY[status], ORDINARY_RATES, ORDINARY_RATES[1:], strict=False
    ):
        assert rates.TaxRates.from_income(status, upper).short_term == below
        assert rates.TaxRates.from_income(status, upper + 1).short_term == above
    assert rates.TaxRates.from_income(status, 0).short_term == 0.10


@pytest.mark.parametrize(
    ("status", "zero_up_to", "fifteen_up_to"),
    [
        # Rev. Proc. 2025-32 (2026), "maximum zero rate amount" and "maximum 15-percent rate amount"
        # (IRC section 1(h)(1)); the module docstring says which of these were checked.
        ("single", 49_450, 545_500),
        ("married_joint", 98_900, 613_700),
        ("married_separate", 49_450, 306_850),
        ("head_of_household", 66_200, 579_600),
    ],
)
def test_long_term_rate_thresholds(status, zero_up_to, fifteen_up_to):
    assert rates.TaxRates.from_income(status, zero_up_to).long_term == 0.0
    assert rates.TaxRates.from_income(status, zero_up_to + 1).long_term == 0.15
    assert rates.TaxRates.from_income(status, fifteen_up_to).long_term == 0.15
    assert rates.TaxRates.from_income(status, fifteen_up_to + 1).long_term == 0.20


@pytest.mark.parametrize(
    ("status", "threshold"),
    # IRC section 1411(b): $250,000 joint return or surviving spouse, $125,000 married filing separately,
    # $200,000 any other case (statutory, not indexed: IRS Topic 559).
    [("single", 200_000), ("married_joint", 250_000), ("married_separate", 125_000), ("head_of_household", 200_000)],
)
def test_niit_applies_above_the_statutory_threshold_only(status, threshold):
    assert rates.TaxRates.from_income(status, threshold).niit == 0.0
    assert rates.TaxRates.from_income(status, threshold + 1).niit == rates.NIIT_RATE == 0.038
    # MAGI, not taxable income, decides it (section 1411(a)(1)(B)(ii)).
    assert rates.TaxRates.from_income(status, 10_000, magi=threshold + 1).niit == 0.038


def test_aliases_name_the_same_status_and_years_other_than_2026_are_refused():
    assert rates.TaxRates.from_income("MFJ", 1).filing_status == "married_joint"
    assert rates.TaxRates.from_income("qualifying surviving spouse", 1).filing_status == "married_joint"
    assert rates.TaxRates.from_income("hoh", 1).filing_status == "head_of_household"
    # Only the 2026 tables are bundled: 2024 (Rev. Proc. 2023-34) and 2025 (Rev. Proc. 2024-40) rates are
    # entered by hand, and asking for them says so.
    for year in (2024, 2025):
        with pytest.raises(DataError, match="Only the 2026 brackets") as err:
            rates.TaxRates.from_income("single", 50_000, year=year)
        assert err.value.code == "unsupported_year"
    with pytest.raises(DataError, match="not a number") as err:
        rates.TaxRates.from_income("single", "lots")
    assert err.value.code == "bad_income"
    with pytest.raises(DataError, match="zero or more"):
        rates.TaxRates.from_income("single", -1)


def test_schedule_d_netting_by_hand():
    r = rates.TaxRates(short_term=0.35, long_term=0.15, niit=0.038)
    # Schedule D (Form 1040) lines 7, 15 and 16: net short-term and long-term separately, then combine.
    # 5,000 short gain and 2,000 long loss: 3,000 short-term gain at 38.8 % = 1,164.
    assert r.tax(5_000, -2_000) == pytest.approx(3_000 * 0.388)
    # 2,000 short loss and 5,000 long gain: 3,000 long-term gain at 18.8 % = 564.
    assert r.tax(-2_000, 5_000) == pytest.approx(3_000 * 0.188)
    # Both gains: each at its own rate, 1,000 x 0.388 + 1,000 x 0.188 = 576.
    assert r.tax(1_000, 1_000) == pytest.approx(576.0)
    # Net loss overall: the value of the loss at the rate of its character (no 3,000 limit here).
    assert r.tax(-5_000, 2_000) == pytest.approx(-3_000 * 0.388)
    assert r.rate("short") == pytest.approx(0.388) and r.rate("long") == pytest.approx(0.188)
    with pytest.raises(DataError, match="term must be"):
        r.rate("medium")
