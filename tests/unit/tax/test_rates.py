"""Unit tests of finance_core.tax.rates: 2026 brackets, netting and errors."""

import pytest

from finance_core import tax
from finance_core.errors import DataError


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
