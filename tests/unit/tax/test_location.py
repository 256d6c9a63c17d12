"""Unit tests of finance_core.tax.location: asset location."""

import numpy as np
import pandas as pd
import pytest

from finance_core import tax
from finance_core.errors import InfeasibleError


# --------------------------------------------------------------------------- asset location
def test_asset_location_puts_bonds_in_ira_and_beats_grid_search():
    values = pd.Series({"stocks": 60.0, "bonds": 40.0})
    mu = pd.Series({"stocks": 0.08, "bonds": 0.04})
    y = pd.Series({"stocks": 0.015, "bonds": 0.04})
    q = pd.Series({"stocks": True, "bonds": False})
    rates = tax.TaxRates(short_term=0.32, long_term=0.15)
    loc = tax.asset_location(
        values, mu, {"taxable": 60.0, "tax_deferred": 40.0}, yields=y, qualified=q, turnover=0.1, rates=rates
    )
    assert loc.allocation.loc["bonds", "tax_deferred"] == pytest.approx(40.0)
    assert loc.allocation.loc["stocks", "taxable"] == pytest.approx(60.0)
    # brute force over how many bonds sit in the taxable account (independent of the LP)
    drag = y * np.where(q, 0.15, 0.32) + (mu - y) * 0.1 * 0.15
    grid = np.linspace(0, 40, 401)
    gains = [
        (b * (mu - drag)["bonds"] + (60 - b) * (mu - drag)["stocks"]) + (40 - b) * 0.04 + b * 0.08
        for b in grid
    ]
    assert loc.after_tax_gain == pytest.approx(max(gains), rel=1e-9)
    assert loc.improvement >= 0
    with pytest.raises(InfeasibleError, match="add up"):
        tax.asset_location(values, mu, {"taxable": 10.0})
