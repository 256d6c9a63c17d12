"""Construction page callbacks as plain functions."""

import pandas as pd
import pytest
from dash import no_update
from pypfopt import EfficientFrontier

import workspace
from finance_core import estimators, recipes
from pages import construct as page

WS = workspace.DEFAULT
# method, mu, cov, rf, ra, target, kelly, linkage, lower, upper, turnover, cost, sectors, views, tau, prior, delta,
# budgets
BASE = ["max_sharpe", "mean", "sample", 0, 2, 0.15, 0.5, "single", 0, 100, None, 0, [], [], 0.05, "equal", None, []]


def _controls(**changes):
    names = ["method", "mu", "cov", "rf", "ra", "target", "kelly", "linkage", "lower", "upper", "turnover", "cost",
             "sectors", "views", "tau", "prior", "delta", "budgets"]
    values = dict(zip(names, BASE, strict=True))
    values.update(changes)
    return [values[n] for n in names]


@pytest.fixture(scope="module")
def wd():
    return workspace.resolve(WS)


def test_min_variance_matches_pypfopt_on_the_same_covariance(wd):
    out = page.allocation(*_controls(method="min_variance"), WS, "light")
    grid_rows = {r["ticker"]: r["weight"] for r in out[2]}
    cov = estimators.covariance(wd.returns, "sample")
    # Oracle: PyPortfolioOpt's min_volatility on the same annualised sample covariance (Clarabel).
    ef = EfficientFrontier(None, cov, weight_bounds=(0, 1), solver="CLARABEL")
    expected = pd.Series(ef.min_volatility())
    for t, w in expected.items():
        assert grid_rows[t] == pytest.approx(w, abs=1e-4)
    assert out[-1] is None or "About" in str(out[-1])


def test_kpis_show_the_allocation_and_chosen_point(wd):
    out = page.allocation(*_controls(method="max_utility", ra=5), WS, "light")
    chosen = out[4]
    alloc = recipes.allocate(wd.returns, recipes.Recipe(method="max_utility", cov_method="sample", risk_aversion=5),
                             benchmark=wd.benchmark_returns, sectors=wd.sectors)
    assert chosen["volatility"] == pytest.approx(alloc.volatility, rel=1e-8)
    assert f"{alloc.expected_return:.2%}" in str(out[0])


def test_infeasible_bounds_keep_the_previous_result_and_say_why():
    out = page.allocation(*_controls(lower=10, upper=100), WS, "light")
    assert out[:6] == (no_update,) * 6
    assert "lower bounds (minimum weights) add up to 200.00%" in str(out[6])


def test_sector_minimums_above_one_are_named():
    sectors = [{"sector": "Energy", "min": 60, "max": None}, {"sector": "Financials", "min": 60, "max": None}]
    out = page.allocation(*_controls(method="min_variance", sectors=sectors), WS, "light")
    assert out[0] is no_update and "sector" in str(out[6]).lower()


def test_target_return_above_the_best_attainable_says_the_maximum():
    out = page.allocation(*_controls(method="target_return", target=0.5), WS, "light")
    assert out[0] is no_update and "attainable" in str(out[6])


def test_compare_lists_every_method_and_reports_failures():
    rows, fig, alert = page.compare(1, ["max_sharpe", "hrp", "target_return"], *_controls(target=0.9), WS, "light")
    assert [r["method"] for r in rows] == ["Max Sharpe", "Hierarchical risk parity"]
    assert "Target return" in str(alert)


def test_trades_and_use_as_target_write_the_workspace():
    out = page.allocation(*_controls(method="equal_weight"), WS, "light")
    shares, trade_rows, leftover, stored = page.trades(out[5], 100_000, "greedy", 1, WS)
    assert len(trade_rows) == 20 and all(r["side"] == "buy" for r in trade_rows)
    assert "Leftover cash" in str(leftover)
    new_ws, msg = page.use_as_target(1, out[5], stored, WS)
    assert new_ws["target"]["method"] == "Equal weight" and len(new_ws["target"]["trades"]) == 20
    assert new_ws["target"]["recipe"]["method"] == "equal_weight"
    assert workspace.portfolio(new_ws).kind == "target"


def test_capital_must_be_positive():
    out = page.allocation(*_controls(method="equal_weight"), WS, "light")
    res = page.trades(out[5], -5, "greedy", 1, WS)
    assert res[0] is no_update and "Capital must be a positive amount" in str(res[2])


def test_recipe_round_trips_through_the_url():
    recipe = recipes.Recipe(method="max_sharpe", upper=0.3, sector_bounds={"Energy": (0.0, 0.1)})
    assert recipes.Recipe.from_query(recipe.to_query()) == recipe
    # HRP holds the weight bounds but not sector limits: the link carries only what HRP reads.
    hrp = recipes.Recipe(method="hrp", linkage="ward", upper=0.3, sector_bounds={"Energy": (0.0, 0.1)}, target=0.2)
    assert hrp.to_query() == {"method": "hrp", "upper": "0.3", "linkage": "ward"}
    assert recipes.Recipe.from_query(hrp.to_query()) == hrp.used()


def test_sector_limits_and_views_come_back_from_a_link():
    rows = [{"sector": "Energy", "min": None, "max": 5}]
    views = [{"asset": "KO", "versus": "PEP", "value": 0.01, "confidence": 0.4}]
    import json

    values, problems = page.URL.read({"sectors": json.dumps(rows), "views": json.dumps(views), "method": "hrp"})
    assert values["sectors"] == rows and values["views"] == views and values["method"] == "hrp" and not problems
    values, problems = page.URL.read({"views": "not json"})
    assert values["views"] == page.DEFAULT_VIEWS and "cannot be read" in problems[0]


def test_risk_budget_grid_reaches_equal_risk_contribution(wd):
    rows = page.budget_rows(WS, [{"ticker": "AAPL", "budget": 4}])
    assert [r["ticker"] for r in rows] == list(wd.prices.columns) and rows[0] == {"ticker": "AAPL", "budget": 4}
    out = page.allocation(*_controls(method="risk_parity", budgets=rows), WS, "light")
    share = {r["ticker"]: r["risk_share"] for r in out[2]}
    # AAPL carries 4 units of risk, the 19 others 1 each: 4/23 of the portfolio's variance.
    assert share["AAPL"] == pytest.approx(4 / 23, abs=1e-6) and share["KO"] == pytest.approx(1 / 23, abs=1e-6)
    bad = page.allocation(*_controls(method="risk_parity", budgets=[{"ticker": "KO", "budget": "lots"}]), WS, "light")
    assert bad[0] is no_update and "The risk budget of KO must be a number" in str(bad[-1])


def test_reopened_page_says_whether_it_shows_the_workspace_target():
    made = page.allocation(*_controls(upper=10), WS, "light")[5]
    ws = workspace.with_target(WS, pd.Series(made["weights"]), made["method"], recipe=made["recipe"])
    again = page.allocation(*_controls(upper=10), ws, "light")[5]  # the page reopened with the same settings
    assert str(page.target_note(again, ws)).count("This is the workspace target (Max Sharpe stored 20") == 1
    other = page.allocation(*_controls(upper=20), ws, "light")[5]  # max weight 20%: another portfolio
    note = str(page.target_note(other, ws))
    assert "The workspace target is the Max Sharpe portfolio stored 20" in note and "press Use as target" in note
    assert page.target_note(other, WS) is None  # no target: nothing to say
