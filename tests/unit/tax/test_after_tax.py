"""Unit tests of finance_core.tax.after_tax: after-tax returns and the tax drag."""

import empyrical
import pandas as pd
import pytest

from finance_core import tax
from finance_core.errors import DataError


# --------------------------------------------------------------------------- after-tax returns
def _constant_yearly(r=0.10, years=(2015, 2016, 2017, 2018)):
    parts = []
    for y in years:
        idx = pd.bdate_range(f"{y}-01-01", f"{y}-12-31")
        parts.append(pd.Series((1 + r) ** (1 / len(idx)) - 1, index=idx))
    return pd.concat(parts)


def test_after_tax_return_matches_r_times_one_minus_tau():
    rets = _constant_yearly(0.10)
    out = tax.after_tax_return(rets, rates=tax.TaxRates(short_term=0.3, long_term=0.2), term="long")
    # Jeffrey and Arnott (1993): gains realised yearly at tau -> after-tax growth r (1 - tau) = 8 % a year
    assert out.wealth["after_tax"].iloc[-1] == pytest.approx(1.08**4)
    assert out.wealth["pre_tax"].iloc[-1] == pytest.approx(1.10**4)
    # pre-tax annualised return against empyrical's CAGR (252 periods a year)
    assert out.pre_tax_return == pytest.approx(empyrical.cagr(rets.to_numpy(), annualization=252))
    assert out.tax_drag > 0
    zero = tax.after_tax_return(rets, rates=tax.TaxRates(short_term=0.0, long_term=0.0))
    assert zero.tax_drag == pytest.approx(0.0)


def test_after_tax_return_from_realized_gains():
    rets = _constant_yearly(0.10, years=(2021, 2022))
    realized = pd.DataFrame(
        {
            "sold": pd.to_datetime(["2021-06-01"]),
            "term": ["long"],
            "allowed_gain": [100.0],
            "account_type": "taxable",
        }
    )
    out = tax.after_tax_return(
        rets, rates=tax.TaxRates(long_term=0.2), realized=realized, portfolio_value=1000.0
    )
    # hand: 1,000 grows to 1,100 in 2021; tax 0.2 x 100 = 20 paid at year end -> 1,080, then 10 % in 2022
    assert out.wealth["after_tax"].iloc[-1] == pytest.approx(1.08 * 1.10)
    with pytest.raises(DataError, match="portfolio_value"):
        tax.after_tax_return(rets, realized=realized)
