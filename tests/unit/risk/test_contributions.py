"""finance_core.risk.contributions against Riskfolio-Lib (risk contributions) and the
Euler identity (contributions add up to the measure).
"""

from __future__ import annotations

import numpy as np
import pytest
import riskfolio as rp
from skfolio import measures as skm

from finance_core import risk


def test_risk_contributions_match_riskfolio(market):
    rets, w = market["rets"], market["w"]
    cov = rets.cov()
    result = risk.risk_contributions(w, cov)
    table = result.table
    vol = float(np.sqrt(w @ cov @ w))
    assert result.total == pytest.approx(vol, rel=1e-12) and result.measure == "volatility"
    assert table["component"].sum() == pytest.approx(vol, rel=1e-12)
    assert table["percent"].sum() == pytest.approx(1.0, rel=1e-12)
    rc = rp.Risk_Contribution(w.to_frame(), rets, cov, rm="MV")
    np.testing.assert_allclose(table["component"].to_numpy(), np.asarray(rc).ravel(), rtol=1e-5)


@pytest.mark.parametrize("measure", ["var", "cvar"])
@pytest.mark.parametrize("method", ["gaussian", "historical"])
def test_tail_contributions_add_up_to_the_measure(market, measure, method):
    rets, w = market["rets"], market["w"]
    result = risk.tail_risk_contributions(rets, w, 0.95, measure=measure, method=method)
    table = result.table
    port = market["port"].to_numpy()
    if method == "historical":  # skfolio as the oracle of the total
        total = skm.value_at_risk(port, beta=0.95) if measure == "var" else skm.cvar(port, beta=0.95)
    else:
        fn = risk.value_at_risk if measure == "var" else risk.conditional_value_at_risk
        total = fn(rets, 0.95, "gaussian", weights=w)
        # and a finite-difference check of the Euler marginal (homogeneity of degree 1)
        i = 3
        eps = 1e-6
        bumped = w.copy()
        bumped.iloc[i] += eps
        numeric = (fn(rets, 0.95, "gaussian", weights=bumped) - total) / eps
        assert table["marginal"].iloc[i] == pytest.approx(numeric, rel=1e-4)
    assert table["component"].sum() == pytest.approx(total, rel=1e-10)
    assert result.total == pytest.approx(total, rel=1e-10) and result.measure == measure
    assert table["percent"].sum() == pytest.approx(1.0, rel=1e-10)


def test_sector_aggregation_adds_up(market):
    result = risk.risk_contributions(market["w"], market["rets"].cov())
    table = result.table
    by_sector = risk.aggregate_by_sector(result, market["sectors"])
    assert by_sector.total == result.total
    sectors = by_sector.table
    assert sectors["component"].sum() == pytest.approx(table["component"].sum(), rel=1e-12)
    assert sectors["weight"].sum() == pytest.approx(1.0)
    energy = market["sectors"][market["sectors"] == "Energy"].index
    assert sectors.loc["Energy", "component"] == pytest.approx(table.loc[energy, "component"].sum())
