"""finance_core.risk.returns: growth of an initial value."""

from __future__ import annotations

import numpy as np
import pandas as pd

from finance_core import risk


def test_growth_compounds_returns_from_the_initial_value():
    r = pd.Series([0.10, -0.10, np.nan, 0.05])
    # 100 -> 110 -> 99 -> 99 (a missing return counts as flat) -> 103.95, by hand.
    np.testing.assert_allclose(risk.growth(r, 100.0).to_numpy(), [110.0, 99.0, 99.0, 103.95])
