"""finance_core.risk.stress: historical scenarios replayed buy-and-hold, hypothetical shocks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finance_core import risk
from finance_core.data import load_dataset
from finance_core.errors import DataError


def test_stress_test_replays_buy_and_hold(market):
    ds = load_dataset("sp500")
    w = pd.Series({"AAPL": 0.5, "XOM": 0.5})
    table = risk.stress_test(w)
    assert list(table.index) == [s.name for s in risk.SCENARIOS]
    p = ds.prices.loc["2020-02-19":"2020-03-23", ["AAPL", "XOM"]]
    expected = 0.5 * (p["AAPL"].iloc[-1] / p["AAPL"].iloc[0] - 1) + 0.5 * (
        p["XOM"].iloc[-1] / p["XOM"].iloc[0] - 1
    )
    assert table.loc["COVID-19 crash", "portfolio_return"] == pytest.approx(expected, rel=1e-12)
    assert table.loc["COVID-19 crash", "relative"] == pytest.approx(
        expected - table.loc["COVID-19 crash", "benchmark_return"]
    )
    paths = risk.scenario_paths(w, "COVID-19 crash")
    assert paths["portfolio"].iloc[-1] - 1 == pytest.approx(expected, rel=1e-12)


def test_stress_test_custom_scenarios_and_missing_history():
    prices = load_dataset("sp500").prices.loc["2015":]
    custom = [risk.Scenario("Brexit", "2016-06-23", "2016-06-27"), ("Old", "1995-01-01", "1995-12-31")]
    table = risk.stress_test(pd.Series({"JPM": 1.0}), custom, prices=prices)
    assert np.isfinite(table.loc["Brexit", "portfolio_return"])
    assert np.isnan(table.loc["Old", "portfolio_return"])
    assert "No price history" in table.loc["Old", "note"]


def test_hypothetical_shock_single_asset_uses_regression_betas(market):
    cov = market["rets"].cov() * 21
    w = market["w"]
    res = risk.hypothetical_shock(w, cov, {"XOM": -0.2})
    # conditional mean of a bivariate normal: E[r_j | r_i = s] = cov_ji / var_i * s
    expected = cov["XOM"] / cov.loc["XOM", "XOM"] * -0.2
    np.testing.assert_allclose(res.pnl["asset_return"].to_numpy(), expected.to_numpy(), rtol=1e-10)
    assert res.pnl.loc["XOM", "shocked"]
    assert res.portfolio_return == pytest.approx(float(w @ expected))


def test_hypothetical_shock_sector_and_market(market):
    cov = market["rets"].cov() * 21
    sectors = market["sectors"]
    res = risk.hypothetical_shock(market["w"], cov, {"market": -0.15, "Energy": -0.3}, sectors)
    energy = sectors[sectors == "Energy"].index
    assert res.pnl.loc[energy, "asset_return"].mean() == pytest.approx(-0.3, abs=1e-10)
    assert res.pnl["asset_return"].mean() == pytest.approx(-0.15, abs=1e-10)
    assert res.portfolio_pnl == pytest.approx(res.pnl["pnl"].sum())


def test_hypothetical_shock_errors(market):
    cov = market["rets"].cov()
    with pytest.raises(DataError, match="Unknown shock 'NOPE'"):
        risk.hypothetical_shock(market["w"], cov, {"NOPE": -0.1}, market["sectors"])
    with pytest.raises(DataError, match="contradict"):
        risk.hypothetical_shock(market["w"], cov, {"XOM": -0.1, "xom": -0.3})


def test_benchmark_shock_moves_each_asset_by_its_beta_on_the_benchmark(market):
    rets, bench, w = market["rets"], market["bench"].rename("S&P 500"), market["w"]
    res = risk.benchmark_shock(rets, bench, w, market=-0.1, sector_map=market["sectors"], portfolio_value=1e6)
    # E[r_j | b = s] = cov(r_j, b) / var(b) * s, the regression beta on the index (numpy's sample moments).
    joint = np.cov(np.column_stack([rets.to_numpy(), bench.to_numpy()]), rowvar=False)
    beta = joint[:-1, -1] / joint[-1, -1]
    assert list(res.pnl.index) == list(rets.columns)  # the index's own row is left out
    np.testing.assert_allclose(res.pnl["asset_return"].to_numpy(), beta * -0.1, rtol=1e-9)
    assert res.portfolio_pnl == pytest.approx(float(w @ (beta * -0.1)) * 1e6, rel=1e-9)


def test_benchmark_shock_on_a_stock_of_the_portfolio_shocks_that_stock(market):
    rets, w = market["rets"], market["w"]
    res = risk.benchmark_shock(rets, rets["AAPL"], w, market=-0.2, sector_shocks={"Energy": -0.1},
                               sector_map=market["sectors"])
    assert res.pnl.loc["AAPL", "asset_return"] == pytest.approx(-0.2, abs=1e-12) and res.pnl.loc["AAPL", "shocked"]
    energy = market["sectors"][market["sectors"] == "Energy"].index
    assert res.pnl.loc[energy, "asset_return"].mean() == pytest.approx(-0.1, abs=1e-10)
    with pytest.raises(DataError, match="named 'AAPL' like an asset") as err:
        risk.benchmark_shock(rets, rets["MSFT"].rename("AAPL"), w, market=-0.2)
    assert err.value.code == "benchmark_clash"


@pytest.mark.parametrize("row, message", [
    ({"name": "Mine", "start": "2016-06-23"}, "Scenario 'Mine' needs a start and an end date"),
    ({"1e309": 36499}, "Scenario 'custom' needs a start and an end date"),
    ({"name": "Mine", "start": "nan", "end": "2016-06-27"}, "Scenario 'Mine': 'nan' or '2016-06-27' is not a date"),
])
def test_a_scenario_row_without_two_dates_is_refused_by_name(row, message):
    # Grid rows from the browser: a row missing a date (or with one pandas reads as NaT) was a KeyError.
    with pytest.raises(DataError, match=message):
        risk.stress_test(pd.Series({"JPM": 1.0}), [row], prices=load_dataset("sp500").prices.loc["2015":])
