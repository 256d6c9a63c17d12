"""Construction page callbacks as plain functions."""

import numpy as np
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
    return values


@pytest.fixture(scope="module")
def wd():
    return workspace.resolve(WS)


def test_min_variance_matches_pypfopt_on_the_same_covariance(wd):
    out = page.allocation(_controls(method="min_variance"), WS, "light")
    grid_rows = {r["ticker"]: r["weight"] for r in out[2]}
    cov = estimators.covariance(wd.returns, "sample")
    # Oracle: PyPortfolioOpt's min_volatility on the same annualised sample covariance (Clarabel).
    ef = EfficientFrontier(None, cov, weight_bounds=(0, 1), solver="CLARABEL")
    expected = pd.Series(ef.min_volatility())
    for t, w in expected.items():
        assert grid_rows[t] == pytest.approx(w, abs=1e-4)
    assert out[-1] is None or "About" in str(out[-1])


def test_kpis_show_the_allocation_and_chosen_point(wd):
    out = page.allocation(_controls(method="max_utility", ra=5), WS, "light")
    chosen = out[4]
    alloc = recipes.allocate(wd.returns, recipes.Recipe(method="max_utility", cov_method="sample", risk_aversion=5),
                             benchmark=wd.benchmark_returns, sectors=wd.sectors)
    assert chosen["volatility"] == pytest.approx(alloc.volatility, rel=1e-8)
    assert f"{alloc.expected_return:.2%}" in str(out[0])


def test_infeasible_bounds_keep_the_previous_result_and_say_why():
    out = page.allocation(_controls(lower=10, upper=100), WS, "light")
    assert out[:6] == (no_update,) * 6
    assert "lower bounds (minimum weights) add up to 200.00%" in str(out[6])


def test_sector_minimums_above_one_are_named():
    sectors = [{"sector": "Energy", "min": 60, "max": None}, {"sector": "Financials", "min": 60, "max": None}]
    out = page.allocation(_controls(method="min_variance", sectors=sectors), WS, "light")
    assert out[0] is no_update and "sector" in str(out[6]).lower()


def test_target_return_above_the_best_attainable_says_the_maximum():
    out = page.allocation(_controls(method="target_return", target=0.5), WS, "light")
    assert out[0] is no_update and "attainable" in str(out[6])


def test_compare_lists_every_method_and_reports_failures():
    rows, fig, alert = page.compare(1, ["max_sharpe", "hrp", "target_return"], _controls(target=0.9), WS, "light")
    assert [r["method"] for r in rows] == ["Max Sharpe", "Hierarchical risk parity"]
    assert "Target return" in str(alert)


def test_trades_and_use_as_target_write_the_workspace():
    out = page.allocation(_controls(method="equal_weight"), WS, "light")
    shares, trade_rows, leftover, stored = page.trades(out[5], 100_000, "greedy", 1, WS)
    assert len(trade_rows) == 20 and all(r["side"] == "buy" for r in trade_rows)
    assert "Leftover cash" in str(leftover)
    new_ws, msg = page.use_as_target(1, out[5], stored, WS)
    assert new_ws["target"]["method"] == "Equal weight" and len(new_ws["target"]["trades"]) == 20
    assert new_ws["target"]["recipe"]["method"] == "equal_weight"
    assert workspace.portfolio(new_ws).kind == "target"


def test_capital_must_be_positive():
    out = page.allocation(_controls(method="equal_weight"), WS, "light")
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
    out = page.allocation(_controls(method="risk_parity", budgets=rows), WS, "light")
    share = {r["ticker"]: r["risk_share"] for r in out[2]}
    # AAPL carries 4 units of risk, the 19 others 1 each: 4/23 of the portfolio's variance.
    assert share["AAPL"] == pytest.approx(4 / 23, abs=1e-6) and share["KO"] == pytest.approx(1 / 23, abs=1e-6)
    bad = page.allocation(_controls(method="risk_parity", budgets=[{"ticker": "KO", "budget": "lots"}]), WS, "light")
    assert bad[0] is no_update and "The risk budget of KO must be a number" in str(bad[-1])


def test_reopened_page_says_whether_it_shows_the_workspace_target():
    made = page.allocation(_controls(upper=10), WS, "light")[5]
    ws = workspace.with_target(WS, pd.Series(made["weights"]), made["method"], recipe=made["recipe"])
    again = page.allocation(_controls(upper=10), ws, "light")[5]  # the page reopened with the same settings
    assert str(page.target_note(again, ws)).count("This is the workspace target (Max Sharpe stored 20") == 1
    other = page.allocation(_controls(upper=20), ws, "light")[5]  # max weight 20%: another portfolio
    note = str(page.target_note(other, ws))
    assert "The workspace target is the Max Sharpe portfolio stored 20" in note and "press Use as target" in note
    assert page.target_note(other, WS) is None  # no target: nothing to say


def test_the_note_and_the_status_agree_on_whether_the_target_is_shown():
    made = page.allocation(_controls(method="equal_weight"), WS, "light")[5]
    ws = workspace.with_target(WS, pd.Series(made["weights"]), made["method"], [{"ticker": "AAPL"}])
    # The same portfolio rebuilt: one weight off by 1e-8 (solver noise), a 1e-12 weight the workspace dropped.
    rebuilt = dict(made, weights={**made["weights"], "AAPL": made["weights"]["AAPL"] + 1e-8, "CASH": 1e-12})
    assert "This is the workspace target (Equal weight" in str(page.target_note(rebuilt, ws))
    assert "Target set: Equal weight with 1 trades" in str(page.target_status(rebuilt, ws))
    # Another portfolio: 1e-5 (a tenth of a basis point) moved from AAPL to KO.
    moved = dict(made, weights={**made["weights"], "AAPL": made["weights"]["AAPL"] - 1e-5,
                                "KO": made["weights"]["KO"] + 1e-5})
    assert "The workspace target is the Equal weight portfolio" in str(page.target_note(moved, ws))
    assert page.target_status(moved, ws) is None  # said once, by the note


def _leftover(label) -> float:
    import re

    return float(re.search(r"Leftover cash \$([\d,.]+)", str(label)).group(1).replace(",", ""))


@pytest.mark.parametrize("method", ["greedy", "integer"])
def test_whole_shares_and_trades_agree_and_hold_the_cap(method):
    # The case: max Sharpe under a 10% maximum, $1,000,000. The whole-share table and the trade list
    # (from cash) disagreed on BBY, LLY, UNH and WMT by a share and on the leftover by about $1,100, and the
    # table put LLY and UNH at 10.02%.
    out = page.allocation(_controls(cov="ledoit_wolf", upper=10), WS, "light")
    shares, trade_rows, label, _ = page.trades(out[5], 1_000_000, method, 1, WS)
    table = {r["ticker"]: r["shares"] for r in shares}
    assert {r["ticker"]: r["shares"] for r in trade_rows} == table
    assert max(r["weight"] for r in shares) <= 0.10 + 1e-12
    invested = sum(r["value"] for r in shares)
    assert sum(r["value"] for r in trade_rows) == pytest.approx(invested, abs=1e-6)
    assert invested + _leftover(label) == pytest.approx(1_000_000, abs=0.005)  # to the cent shown


def test_sector_limit_holds_in_the_whole_shares(wd):
    # Max Sharpe with Health Care at most 15%: the optimiser puts exactly 15% there, and rounding the shares
    # without the limit gave 15.02% for $1,000,000.
    sectors = [{"sector": "Health Care", "min": None, "max": 15}]
    out = page.allocation(_controls(cov="ledoit_wolf", sectors=sectors), WS, "light")
    shares, trade_rows, label, _ = page.trades(out[5], 1_000_000, "greedy", 1, WS)
    health = sum(r["weight"] for r in shares if wd.sectors[r["ticker"]] == "Health Care")
    assert 0.149 < health <= 0.15 + 1e-12 and "and the sector limits" in str(label)
    assert {r["ticker"]: r["shares"] for r in trade_rows} == {r["ticker"]: r["shares"] for r in shares}


def test_leftover_label_names_the_rounding_once():
    out = page.allocation(_controls(method="equal_weight"), WS, "light")
    greedy = str(page.trades(out[5], 100_000, "greedy", 1, WS)[2])
    assert "(greedy rounding)" in greedy and "greedy, greedy" not in greedy
    exact = str(page.trades(out[5], 100_000, "integer", 1, WS)[2])
    assert "(integer program, HIGHS)" in exact


def test_lot_size_and_a_minimum_that_cannot_be_held_are_explained():
    # $500,000 equal weight (5% each) in 100-share lots, between a 2% minimum and a 10% maximum. UNH's last
    # close is $524.422, so one lot costs $52,442.20 = 10.49% of capital: above the maximum, so UNH cannot be
    # held at all, and its 2% minimum cannot be held either. The page must say so, with the amounts.
    out = page.allocation(_controls(method="equal_weight", lower=2, upper=10), WS, "light")
    shares, trade_rows, label, _ = page.trades(out[5], 500_000, "greedy", 100, WS)
    assert all(r["shares"] % 100 == 0 for r in shares) and all(r["shares"] % 100 == 0 for r in trade_rows)
    assert max(r["weight"] for r in shares) <= 0.10 + 1e-12 and "UNH" not in {r["ticker"] for r in shares}
    assert "One 100-share lot of UNH costs $52,442.20, more than the 10.00% maximum ($50,000.00)" in str(label)
    assert "UNH is at 0.00% of capital, 2.00% ($10,000.00) below the 2.00% minimum" in str(label)
    assert "within the 2% to 10% bounds" in str(label)
    bad = page.trades(out[5], 500_000, "greedy", 2.5, WS)
    assert bad[0] is no_update and "Lot sizes must be whole numbers" in str(bad[2])


def test_no_target_message_only_while_no_portfolio_is_shown():
    # Pressed before any portfolio exists (still building, or the settings are infeasible): say so.
    _, status = page.use_as_target(1, None, None, WS)
    assert "No target" in str(status)
    # The portfolio arrives: the status callback, wired to the portfolio store, clears that message.
    from dash._callback import GLOBAL_CALLBACK_MAP

    import app

    # Dash moves the registered callbacks into app.callback_map at the server's first request (another test's).
    wired = [v for k, v in {**GLOBAL_CALLBACK_MAP, **app.app.callback_map}.items()
             if f"{page.TARGET_STATUS}.children" in k
             and {"id": page.ALLOCATION, "property": "data"} in v["inputs"]]
    assert len(wired) == 1
    out = page.allocation(_controls(method="equal_weight"), WS, "light")
    assert page.target_status(out[5], WS) is None


def test_use_as_target_refuses_a_trade_list_of_another_portfolio():
    equal = page.allocation(_controls(method="equal_weight"), WS, "light")[5]
    stale = page.trades(equal, 100_000, "greedy", 1, WS)[3]
    sharpe = page.allocation(_controls(), WS, "light")[5]
    ws_out, status = page.use_as_target(1, sharpe, stale, WS)
    assert ws_out is no_update and "not up to date" in str(status)
    # once the target is set, a different portfolio shown says the workspace still holds the old one
    new_ws, _ = page.use_as_target(1, equal, stale, WS)
    assert page.target_status(sharpe, new_ws) is None  # said once, by the note at the top of the page:
    assert "The workspace target is the Equal weight portfolio" in str(page.target_note(sharpe, new_ws))
    assert "Target set: Equal weight with 20 trades" in str(page.target_status(equal, new_ws))


# ------------------------------------------------------------------ frontier asset labels do not collide
def _collide(a, b) -> bool:
    """Two (left, right, bottom, top) boxes share an area (touching edges do not count)."""
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


def test_declutter_labels_by_hand():
    from components.construct_figures import declutter_labels

    # Three labels on one point of a 100 x 100 px plot (data 0..1 both ways): marker half-size 3.5 + 1 = 4.5 px,
    # label height 12 + 2 = 14 px, width 0.68 * 12 * 2 + 2 = 18.32 px. "AA" takes the top (y 54.5..68.5),
    # "BB" the bottom (31.5..45.5); every side or corner box of "CC" overlaps one of them: hidden (hover only).
    # A lone point far away keeps the default, above its marker.
    got = declutter_labels([0.5, 0.5, 0.5, 0.05], [0.5, 0.5, 0.5, 0.95], ["AA", "BB", "CC", "DD"],
                           x_range=(0, 1), y_range=(0, 1), plot_px=(100, 100))
    assert got["position"].tolist() == ["top center", "bottom center", None, "top center"]
    assert got.loc[0, "bottom"] == pytest.approx(54.5) and got.loc[0, "top"] == pytest.approx(68.5)
    assert got.loc[0, "left"] == pytest.approx(50 - 18.32 / 2)
    assert got.loc[1, "bottom"] == pytest.approx(31.5) and np.isnan(got.loc[2, "left"])
    # an obstacle (say the min-variance marker, 5 px half-size) at (0.5, 0.6) = pixel (50, 60) covers the top box
    alone = declutter_labels([0.5], [0.5], ["AA"], x_range=(0, 1), y_range=(0, 1), plot_px=(100, 100),
                             obstacles=[(0.5, 0.6, 5.0)])
    assert alone["position"].tolist() == ["bottom center"]


def test_declutter_never_overlaps_on_random_clouds():
    from components.construct_figures import declutter_labels

    rng = np.random.default_rng(7)
    for _ in range(30):
        n = int(rng.integers(5, 40))
        x, y = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
        got = declutter_labels(x, y, [f"T{i}" * int(rng.integers(1, 3)) for i in range(n)], x_range=(0, 1),
                               y_range=(0, 1), plot_px=(400, 300))
        boxes = [tuple(r) for r in got[["left", "right", "bottom", "top"]].dropna().to_numpy()]
        assert not any(_collide(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
        shown = got["position"].notna().to_numpy()
        for i, box in zip(np.flatnonzero(shown), boxes, strict=True):  # no label over another point's marker
            for j in range(n):
                mx, my = x[j] * 400, y[j] * 300
                assert j == i or not _collide(box, (mx - 4.5, mx + 4.5, my - 4.5, my + 4.5))


def test_bundled_asset_labels_do_not_overlap_on_the_frontier():
    from components.construct_figures import FRONTIER_PLOT_PX, frontier_ranges, label_box

    fig, _ = page.frontier(WS, dict(mu="mean", cov="ledoit_wolf", rf=0, lower=0, upper=100, turnover=None, cost=0,
                                     sectors=[]), "light")
    assets = next(t for t in fig.data if t.name == "assets")
    assert len(assets.hovertext) == 20  # every asset keeps its name on hover
    front = page.optimize.efficient_frontier(*_bundled_estimates(), n_points=50)
    (x0, x1), (y0, y1) = frontier_ranges(front)
    px = (np.asarray(assets.x) - x0) / (x1 - x0) * FRONTIER_PLOT_PX[0]
    py = (np.asarray(assets.y) - y0) / (y1 - y0) * FRONTIER_PLOT_PX[1]

    def boxes(positions):
        return [label_box(a, b, 0.68 * 12 * len(name) + 2, 14, pos, 4.5)
                for a, b, name, pos in zip(px, py, assets.hovertext, positions, strict=True)]

    naive = boxes(["top center"] * 20)  # the old placement: all above their markers, several collide
    assert any(_collide(a, b) for i, a in enumerate(naive) for b in naive[i + 1:])
    placed = [b for b, text in zip(boxes(assets.textposition), assets.text, strict=True) if text]
    assert len(placed) >= 14  # most names stay labelled
    assert not any(_collide(a, b) for i, a in enumerate(placed) for b in placed[i + 1:])
    for point in (front.min_variance, front.max_sharpe):  # nor over the special portfolios' markers
        mx = (point.volatility - x0) / (x1 - x0) * FRONTIER_PLOT_PX[0]
        my = (point.expected_return - y0) / (y1 - y0) * FRONTIER_PLOT_PX[1]
        assert not any(_collide(b, (mx - 7, mx + 7, my - 7, my + 7)) for b in placed)


def _bundled_estimates():
    wd = workspace.resolve(WS)
    return estimators.expected_returns(wd.returns, "mean"), estimators.covariance(wd.returns, "ledoit_wolf")


def test_a_frontier_point_left_unsolved_keeps_the_chart_ranges_and_labels():
    """A point the solver could not solve is NaN (with a note): the ranges skip it, so labels stay decluttered
    (a NaN range once placed all 500 labels of an uploaded universe on top of each other)."""
    import dataclasses

    from components.construct_figures import frontier_figure, frontier_ranges

    front = page.optimize.efficient_frontier(*_bundled_estimates(), n_points=50)
    holed = dataclasses.replace(front, returns=front.returns.where(front.returns.index != 49),
                                volatilities=front.volatilities.where(front.volatilities.index != 49))
    assert np.isfinite(np.ravel(frontier_ranges(holed))).all()

    def labels(fig):
        return [t for t in next(tr for tr in fig.data if tr.name == "assets").text if t]

    assert 0 < len(labels(frontier_figure(holed, None))) < 20
    assert set(labels(frontier_figure(holed, None))) <= set(front.asset_returns.index)


def test_the_same_note_twice_is_listed_once():
    from components.alerts import notes_alert

    alert = notes_alert(["1 factor chosen.", "Risk in factor form.", "1 factor chosen."])
    assert [li.children for li in alert.children[1].children] == ["1 factor chosen.", "Risk in factor form."]


def test_opening_the_page_sets_no_target():
    # On mount Dash runs Use as target with 0 clicks (its output, the workspace, is already in the layout): it
    # must neither store a target nor show "No target: build a portfolio first" before anyone pressed it.
    from dash.exceptions import PreventUpdate

    for clicks in (None, 0):
        with pytest.raises(PreventUpdate):
            page.use_as_target(clicks, None, None, WS)


@pytest.mark.parametrize("cov", ["factor_pca", "factor_etf"])
def test_factor_model_covariance_gives_pypfopt_min_variance(wd, cov):
    out = page.allocation(_controls(method="min_variance", cov=cov), WS, "light")
    grid_rows = {r["ticker"]: r["weight"] for r in out[2]}
    est = estimators.covariance_estimate(wd.returns, cov)
    assert est.factor_model is not None
    # Oracle: PyPortfolioOpt's min_volatility on the dense B F B' + D the factor model implies.
    ef = EfficientFrontier(None, est.cov, weight_bounds=(0, 1), solver="CLARABEL")
    for t, w in ef.min_volatility().items():
        assert grid_rows[t] == pytest.approx(w, abs=1e-4)
    assert cov in recipes.COV_METHODS and "Factor model" in recipes.COV_METHODS[cov]


@pytest.mark.parametrize("cov", ["riskmetrics", "ccc_garch"])
def test_covariance_forecast_estimators_give_pypfopt_min_variance(wd, cov):
    assert {"label": recipes.COV_METHODS[cov], "value": cov} in _options(page.layout(), page.COV)
    out = page.allocation(_controls(method="min_variance", cov=cov), WS, "light")
    grid_rows = {r["ticker"]: r["weight"] for r in out[2]}
    est = estimators.covariance_estimate(wd.returns, cov)
    # Oracle: PyPortfolioOpt's min_volatility on the forecast covariance the estimator gives (the desk shows
    # weights below a basis point as zero, so the weights agree to a few basis points and the variance closely).
    ef = EfficientFrontier(None, est.cov, weight_bounds=(0, 1), solver="CLARABEL")
    oracle = pd.Series(ef.min_volatility())
    ours = pd.Series(grid_rows).reindex(oracle.index).fillna(0.0)
    np.testing.assert_allclose(ours.to_numpy(), oracle.to_numpy(), atol=5e-4)
    assert ours @ est.cov @ ours == pytest.approx(oracle @ est.cov @ oracle, rel=1e-3)


def _options(node, id_):
    """The options of the dropdown ``id_`` anywhere in a layout."""
    if getattr(node, "id", None) == id_:
        return node.options
    children = getattr(node, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and not isinstance(child, str):
            found = _options(child, id_)
            if found is not None:
                return found
    return None


DYNAMIC_NOTE = {"vol_target": "Volatility target 10.0%", "ts_momentum": "Time-series momentum holds",
                "xs_momentum": "Cross-sectional momentum holds", "regime_switching": "Regime on the last day",
                "ensemble": "Ensemble shares", "ml_allocation": "ML predicted returns"}


@pytest.mark.parametrize("method", recipes.DYNAMIC_METHODS)
def test_dynamic_methods_build_on_the_page(method):
    assert {"label": recipes.METHODS[method], "value": method} in page.METHOD_OPTIONS
    out = page.allocation(_controls(method=method, target=0.10), WS, "light")
    assert out[0] is not no_update and "About this portfolio" in str(out[6]), out[6]
    # the method's decision is explained: the scale and cash, the assets held, the regime, the shares
    assert DYNAMIC_NOTE[method] in str(out[6])
    weights = sum(r["weight"] for r in out[2])
    assert 0 < weights <= 1 + 1e-9  # volatility targeting may leave cash


def test_backtest_compares_dynamic_and_static_methods_with_the_deflated_sharpe():
    *_figs, rows, cols, status = page.run_backtest([].append, 1, ["vol_target", "ts_momentum", "equal_weight"], "A",
                                                   252, 10, _controls(target=0.10), WS, "light")
    assert "Backtested 3 methods" in str(status)
    assert [c["field"] for c in cols][1:4] == [recipes.METHODS[m] for m in ("vol_target", "ts_momentum",
                                                                              "equal_weight")]
    labels = [r["metric"] for r in rows]
    deflated = rows[labels.index("Sharpe ratio") + 1]
    assert deflated["metric"].startswith("Deflated Sharpe")
    assert all(deflated[recipes.METHODS[m]].endswith("%") for m in ("vol_target", "ts_momentum", "equal_weight"))


def test_backtest_reports_the_probability_of_backtest_overfitting_of_the_methods():
    from finance_core.overfitting import probability_of_backtest_overfitting

    methods = ["equal_weight", "risk_parity", "inverse_volatility"]
    equity, _dd, pbo, *_rest = page.run_backtest([].append, 1, methods, "Q", 252, 10, _controls(), WS, "light")
    # The oracle: CSCV with the paper's 16 blocks on the daily returns of the equity curves the page plots.
    curves = pd.DataFrame({t.name: pd.Series(t.y, index=pd.to_datetime(t.x)) for t in equity.data})
    returns = curves[[recipes.METHODS[m] for m in methods]].pct_change().dropna()
    expected = probability_of_backtest_overfitting(returns.to_numpy(), blocks=16)
    assert f"Probability of backtest overfitting (CSCV, Bailey et al. 2017): {expected.pbo:.1%} of 12,870 splits " \
           f"of 16 blocks of {len(returns) // 16} days" in pbo
    assert "3 variants" in pbo and "bottom half" in pbo
    *_figs, alone, _rows, _cols, status = page.run_backtest([].append, 1, ["equal_weight"], "Q", 252, 10,
                                                            _controls(), WS, "light")
    assert "Backtested 1 methods" in str(status)
    assert alone == "Probability of backtest overfitting: not computed. It compares two or more variants; pick " \
                    "at least two methods."


def test_momentum_backtest_with_a_short_lookback_asks_for_a_longer_one():
    *outputs, status = page.run_backtest([].append, 1, ["ts_momentum"], "A", 60, 10, _controls(), WS, "light")
    assert outputs == [no_update] * 5  # the previous results stay
    assert "Momentum needs at least 252 days of returns, got 60" in str(status)
    assert "set the backtest lookback to 252 days or more" in str(status)


def test_dynamic_settings_reach_the_recipe_and_come_back_from_a_link(wd):
    import json

    controls = _controls(method="ensemble", members=["hrp", "equal_weight"])
    out = page.allocation(controls, WS, "light")
    assert "Ensemble shares (trailing Sharpe): Hierarchical risk parity" in str(out[6])
    # the page's ensemble is the recipe's, built from the same two members
    expected = recipes.allocate(wd.returns, recipes.Recipe(method="ensemble", cov_method="sample",
                                                           ensemble_methods=("hrp", "equal_weight")),
                                benchmark=wd.benchmark_returns, sectors=wd.sectors)
    shown = {r["ticker"]: r["weight"] for r in out[2]}
    assert all(shown[t] == pytest.approx(w, abs=1e-9) for t, w in expected.weights.items())
    values, problems = page.URL.read({"method": "regime_switching", "calm": "hrp", "turbulent": "min_cvar",
                                      "members": json.dumps(["kelly", "hrp"]), "leverage": "1.5"})
    assert (values["calm"], values["turbulent"], values["members"], values["leverage"]) == (
        "hrp", "min_cvar", ["kelly", "hrp"], 1.5) and not problems
    one = page.allocation(_controls(method="ensemble", members=["hrp"]), WS, "light")
    assert one[0] is no_update and "at least two member methods" in str(one[6])


def test_frontier_under_caps_and_a_sector_limit_is_the_warm_started_sweep():
    """The Construct frontier with a 30% cap and Information Technology at most 20% is traced by the
    sweep (issue 12): the same points as the compiled cvxpy loop within solver tolerance."""
    form = dict(mu="mean", cov="ledoit_wolf", rf=0, lower=0, upper=30, turnover=None, cost=0,
                sectors=[{"sector": "Information Technology", "min": None, "max": 20}])
    fig, _ = page.frontier(WS, form, "light")
    line = next(t for t in fig.data if len(t.x) == 50)
    mu, cov = _bundled_estimates()
    cons = page.optimize.Constraints(bounds=(0.0, 0.3), sector_map=workspace.resolve(WS).sectors,
                                     sector_bounds={"Information Technology": (0.0, 0.2)})
    fast = page.optimize.efficient_frontier(mu, cov, n_points=50, constraints=cons)
    slow = page.optimize.efficient_frontier(mu, cov, n_points=50, constraints=cons, solver="cvxpy")
    assert fast.solver == "active_set"
    np.testing.assert_allclose(fast.volatilities, slow.volatilities, atol=1e-6)
    np.testing.assert_allclose(np.asarray(line.x), fast.volatilities.to_numpy(), atol=1e-12)
