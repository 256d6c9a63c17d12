"""Risk page callbacks as functions: they show finance_core's numbers and keep results on bad input."""

import pandas as pd
import pytest
from dash import no_update

import workspace
from finance_core import data, risk
from pages import risk as page

WS = workspace.DEFAULT


@pytest.fixture(scope="module")
def wd():
    return workspace.resolve(WS)


def test_var_kpi_is_the_historical_var_of_the_equal_weight_portfolio(wd):
    cards, fig, rows, tail, tail_sector, alert = page.value_at_risk(WS, 0.95, 1, "historical", 1_000_000, "light")
    w = pd.Series(1 / 20, index=wd.prices.columns)
    expected = risk.value_at_risk(wd.returns, 0.95, "historical", 1, weights=w)
    assert f"{expected:.2%}" in str(cards)
    assert f"${expected * 1_000_000:,.0f}" in str(cards)
    assert [r["method"] for r in rows][:3] == ["Historical", "Gaussian", "Cornish-Fisher"]
    assert alert is None and fig.data[0].type == "histogram"


def test_target_portfolio_is_used_when_set(wd):
    ws = workspace.with_target(WS, pd.Series({"KO": 0.5, "PG": 0.5}), "manual")
    badge, *_rest, alert = page.performance(ws, "light")
    assert "Target portfolio (manual)" in str(badge) and alert is None


def test_portfolio_outside_the_universe_is_named_and_nothing_changes():
    ws = workspace.with_target(dict(WS, universe=["AAPL", "MSFT"]), pd.Series({"KO": 1.0}), "manual")
    top = page.performance(ws, "light")
    assert top[:6] == (no_update,) * 6
    assert "KO, which are not in the chosen universe" in str(top[6])
    # Each section keeps its result and points to the message at the top instead of repeating it.
    for out in (page.value_at_risk(ws, 0.95, 1, "historical", 1e6, "light"), page.decomposition(ws, "light"),
                page.stress(ws, 1e6, None, "light"), page.backtest(ws, 0.99, 250, "historical", "light")):
        assert set(out[:-1]) == {no_update}
        assert "Not computed" in str(out[-1]) and "top of the page" in str(out[-1])


def test_shock_sums_asset_pnl_to_the_portfolio(wd):
    fig, summary = page.shock(-0.2, [-0.1], [{"sector": "Energy"}], WS, 1_000_000, "light")
    pnl = pd.Series(fig.data[0].y, index=fig.data[0].x)
    total = str(summary).split("(")[-1].split(")")[0]  # "-$170,980": the sign before the dollar sign
    assert pnl.sum() == pytest.approx(float(total.replace("$", "").replace(",", "")), abs=1.0)
    assert pnl["XOM"] < 0 and pnl["CVX"] < 0  # energy names fall with an energy shock


def test_bad_confidence_from_a_url_is_refused_with_a_message():
    out = page.value_at_risk(WS, 1.5, 1, "historical", 1e6, "light")
    assert out[0] is no_update and "confidence" in str(out[-1]).lower()


def test_stress_uses_the_full_bundled_history_even_for_a_short_window():
    ws = workspace.select(WS, start="2021-01-04", end="2022-12-28")
    fig, rows, sliders, alert = page.stress(ws, 1e6, None, "light")
    covid = next(r for r in rows if "COVID" in r["scenario"])
    sp = data.load_dataset("sp500").benchmark
    # S&P 500 close 3386.15 on 2020-02-19 and 2237.40 on 2020-03-23 (published index closes): -33.9%.
    assert covid["benchmark_return"] == pytest.approx(sp["2020-03-23"] / sp["2020-02-19"] - 1, abs=1e-9)
    assert covid["benchmark_return"] == pytest.approx(2237.40 / 3386.15 - 1, abs=5e-4)


def test_edited_scenarios_drive_the_stress_test(call_with_trigger):
    rows = call_with_trigger("risk-scenario-add.n_clicks", page.edit_scenarios, 1, 0, 0, page.SCENARIO_ROWS, [])
    assert len(rows) == len(page.SCENARIO_ROWS) + 1
    fig, table, _sliders, alert = page.stress(WS, 1e6, rows, "light")
    assert alert is None and table[-1]["scenario"] == rows[-1]["name"]
    bad = [*rows[:-1], {"name": "Backwards", "start": "2020-03-01", "end": "2020-01-01"}]
    out = page.stress(WS, 1e6, bad, "light")
    assert out[0] is no_update and "Scenario 'Backwards' ends (2020-01-01) before it starts" in str(out[3])
    kept = call_with_trigger("risk-scenario-remove.n_clicks", page.edit_scenarios, 1, 1, 0, rows, [rows[0]])
    assert rows[0]["name"] not in [r["name"] for r in kept]


def test_bootstrap_monte_carlo_is_offered_and_portfolio_value_must_be_positive():
    cards, _fig, rows, *_ = page.value_at_risk(WS, 0.95, 1, "monte_carlo_bootstrap", 1e6, "light")
    assert "Monte Carlo (bootstrap)" in [r["method"] for r in rows]
    out = page.value_at_risk(WS, 0.95, 1, "historical", -5, "light")
    assert out[0] is no_update and "portfolio value must be a positive amount" in str(out[-1])
