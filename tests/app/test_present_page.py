"""Presentation page and report as plain functions."""

import base64
import html

import pandas as pd
import pytest

import workspace
from finance_core import data, recipes, report, risk
from pages import present as page

WS = workspace.DEFAULT


def test_view_from_the_workspace_builds_a_shareable_query_and_the_right_numbers():
    out = page.render({}, "Acme Capital", None, WS)
    title, subtitle, kpis = out[:3]
    share = out[-4]
    assert title == "Acme Capital: Equal weight (20 assets)"
    assert share["method"] == "equal_weight" and share["firm"] == "Acme Capital"
    wd = workspace.resolve(WS)
    port = risk.portfolio_returns(wd.returns, pd.Series(1 / 20, index=wd.prices.columns))
    cagr = risk.performance_summary(port)["cagr"]
    assert f"{cagr:.1%}" in str(kpis)


def test_a_shared_link_rebuilds_the_same_portfolio_without_the_workspace():
    ws = workspace.select(WS, universe=["AAPL", "MSFT", "KO", "XOM", "JPM"])
    recipe = recipes.Recipe(method="min_variance")
    wd = workspace.resolve(ws)
    weights = recipes.allocate(wd.returns, recipe).weights
    ws = workspace.with_target(ws, weights, recipe.label, recipe=recipe.to_query() | {"method": "min_variance"})
    here = page.render({}, None, None, ws)
    link = page.render(here[-4], None, None, {})  # a fresh browser: empty workspace, the query only
    assert here[0] == "Portfolio Desk: Target portfolio (Min variance)" and link[0] == "Portfolio Desk: Min variance"
    assert str(here[2]) == str(link[2])  # identical KPI cards


def test_uploaded_prices_say_they_cannot_travel():
    from finance_core import data

    ws, _ = workspace.with_upload(WS, "prices", data.sample_csv("prices").encode(), "mine.csv")
    out = page.render({}, None, None, ws)
    assert "cannot travel in a link" in str(out[-2])


def test_presentation_numbers_match_risk_functions():
    wd = workspace.resolve(WS)
    w = pd.Series(1 / 20, index=wd.prices.columns)
    pres = report.presentation(wd.prices, w, wd.benchmark, sectors=wd.sectors, benchmark_name="S&P 500")
    assert pres.growth.iloc[0].tolist() == [10_000.0, 10_000.0]
    # Growth of 10,000 ends at 10,000 x the compounded daily portfolio return.
    port = risk.portfolio_returns(wd.returns, w)
    assert pres.growth["Portfolio"].iloc[-1] == pytest.approx(10_000 * (1 + port).prod())
    assert pres.sector_weights.sum() == pytest.approx(1.0)
    assert pres.contributions["component"].sum() == pytest.approx(pres.contributions["component"].sum())


@pytest.mark.parametrize("button,magic", [("present-report-html", b"<!DOCTYPE html>"), ("present-report-pdf", b"%PDF-")])
def test_report_downloads(call_with_trigger, button, magic):
    download, status = call_with_trigger(f"{button}.n_clicks", page.download_report, 1, 1, {}, "Acme", None, WS)
    payload = base64.b64decode(download["content"])
    assert payload.startswith(magic) and len(payload) > 10_000
    if magic.startswith(b"<!"):
        assert b"Acme: Equal weight" in payload  # the plotly.js bundle is inline: no external script
        assert b"<script src=" not in payload and b"<script type='text/javascript'>" in payload


def test_report_carries_the_execution_and_tax_results(call_with_trigger):
    ws = dict(WS, execution_summary={"text": "Execution cost saved: $1,234 against TWAP (0.5 bps)."},
              tax_summary={"text": "Tax saved: $5,678 by harvesting 3 lots."})
    download, _ = call_with_trigger("present-report-html.n_clicks", page.download_report, 1, 0, {}, "Acme", None, ws)
    payload = base64.b64decode(download["content"]).decode("utf-8")
    assert "<h2>Execution and tax</h2>" in payload
    assert "Execution cost saved: $1,234 against TWAP" in payload and "Tax saved: $5,678 by harvesting" in payload
    # Without stored results the report says where to get them, as the page does.
    download, _ = call_with_trigger("present-report-html.n_clicks", page.download_report, 1, 0, {}, "Acme", None, WS)
    assert "Schedule the target&#x27;s trade list on the Execute page" in base64.b64decode(download["content"]).decode()


def test_current_breaches_are_listed_on_the_page_and_in_the_report(call_with_trigger):
    ws = workspace.with_limits(WS, [{"kind": "single_name_weight", "threshold": 0.04},
                                    {"kind": "volatility", "threshold": 0.5}])
    head, items = page.breaches({}, ws)
    # equal weight over 20 names: 5% each, 1 point over a 4% cap; the volatility is well under 50%
    assert head.children == "1 of 2 limits breached:"
    assert [li.children for li in items.children] == [
        "Single-name weight 5.00% above the 4.00% limit by 1.00% (since 2014-01-07)."]
    download, _ = call_with_trigger("present-report-html.n_clicks", page.download_report, 1, 0, {}, "Acme", None, ws)
    payload = base64.b64decode(download["content"]).decode("utf-8")
    assert "<h2>Limits</h2>" in payload and "Single-name weight 5.00% above the 4.00% limit" in payload
    assert page.breaches({}, WS)[0].children == "No limits set: set them on the Performance page."
    assert "do not travel in a link" in page.breaches({"source": "sp500"}, ws)[0].children
    drift = workspace.with_limits(WS, [{"kind": "drift", "threshold": 0.1}])  # no target to drift from
    assert page.breaches({}, drift)[0].children.startswith("Limits not checked: A drift limit needs target weights")


# ----------------------------------------------------------------------------- the as-of date
def _min_variance_target(ws):
    recipe = recipes.Recipe(method="min_variance")
    weights = recipes.allocate(workspace.resolve(ws).returns, recipe).weights  # built on data to 2022-12-28
    return recipe, workspace.with_target(ws, weights, recipe.label, recipe=recipe.to_query() | {"method": "min_variance"})


def _shown_weights(out) -> pd.Series:
    pie = out[3 + page.FIGURES.index("present-allocation")].data[0]
    return pd.Series(pie.values, index=pie.labels)


def test_an_earlier_as_of_date_solves_the_recipe_again_on_data_to_that_date():
    ws = workspace.select(WS, universe=["AAPL", "MSFT", "KO", "XOM", "JPM"])
    recipe, ws = _min_variance_target(ws)
    out = page.render({}, None, "2018-06-29", ws)
    # Oracle: the same recipe solved directly on prices that stop at the as-of date.
    truncated = workspace.resolve(workspace.select(ws, end="2018-06-29"))
    assert truncated.prices.index[-1] == pd.Timestamp("2018-06-29")
    expected = recipes.allocate(truncated.returns, recipe).weights
    shown = _shown_weights(out)
    assert shown.to_dict() == pytest.approx(expected[expected.abs() > 1e-6].to_dict(), abs=1e-9)
    full = ws["target"]["weights"]
    assert max(abs(shown.get(t, 0) - w) for t, w in full.items()) > 0.01  # not the weights built on later data
    assert "Data as of 2018-06-29. Weights optimised on data to 2018-06-29." in out[1]
    cagr = risk.performance_summary(risk.portfolio_returns(truncated.returns, expected.reindex(truncated.returns.columns,
                                                                                             fill_value=0)))["cagr"]
    assert f"{cagr:.1%}" in str(out[2])


def test_a_shared_link_with_an_as_of_date_solves_on_data_to_that_date():
    ws = workspace.select(WS, universe=["AAPL", "MSFT", "KO", "XOM", "JPM"])
    recipe, ws = _min_variance_target(ws)
    share = page.render({}, None, "2016-12-30", ws)[-4]
    link = page.render(share, None, "2016-12-30", {})  # a fresh browser: the link only
    expected = recipes.allocate(workspace.resolve(workspace.select(ws, end="2016-12-30")).returns, recipe).weights
    assert _shown_weights(link).to_dict() == pytest.approx(expected[expected.abs() > 1e-6].to_dict(), abs=1e-9)
    assert "Weights optimised on data to 2016-12-30." in link[1]


def test_a_target_without_recipe_says_its_weights_come_from_later_data():
    ws = workspace.with_target(WS, pd.Series({"AAPL": 0.5, "KO": 0.5}), "typed by hand")
    out = page.render({}, None, "2018-06-29", ws)
    assert _shown_weights(out).to_dict() == pytest.approx({"AAPL": 0.5, "KO": 0.5})
    assert ("Weights are those of the stored target, built on data to 2022-12-28: it has no recipe to solve again "
            "on data to 2018-06-29") in out[1]
    # Without an as-of date there is nothing to say.
    assert "stored target" not in page.render({}, None, None, ws)[1]


def test_an_as_of_date_before_the_start_is_refused_with_a_message():
    out = page.render({}, None, "2001-01-02", WS)
    assert "The as-of date 2001-01-02 is not after the start of the data (2013-01-02)" in str(out[-1])


# ----------------------------------------------------------------------------- the benchmark
def test_a_blended_benchmark_travels_in_the_link_with_its_name():
    ws = workspace.with_blend(WS, "60 SP500TR, 40 KO", "M")
    here = page.render({}, None, None, ws)
    share = here[-4]
    assert share["benchmark"] == "blend:M:SP500TR=60,KO=40"
    link = page.render(share, None, None, {})
    name = "Blend: 60% S&P 500 total return (dividends reinvested) + 40% KO (rebalanced monthly)"
    assert f"against the {name}" in here[1] and f"against the {name}" in link[1]
    assert str(here[2]) == str(link[2])
    growth = here[3 + page.FIGURES.index("present-growth")]
    bench = next(t for t in growth.data if t.name == html.escape(name))  # plotly draws "&amp;" as "&"
    wd = workspace.resolve(ws)
    # Growth of 10,000 in the blend: 10,000 x its level at the end over its level at the start.
    assert bench.y[-1] == pytest.approx(10_000 * wd.benchmark.iloc[-1] / wd.benchmark.iloc[0], rel=1e-9)


def test_an_uploaded_benchmark_says_it_cannot_travel():
    ws, _ = workspace.with_upload(workspace.select(WS, start="2022-01-03"), "benchmark",
                                  data.sample_csv("benchmark").encode(), "house.csv")
    out = page.render({}, None, None, ws)
    assert "against the Uploaded benchmark (house.csv)" in out[1]
    assert out[-4]["benchmark"] == "SP500TR"
    assert "benchmark uses an uploaded series, which cannot travel in a link" in str(out[-2])


def test_stress_tests_compare_with_the_chosen_benchmark():
    out = page.render({}, None, None, WS)
    covid = next(r for r in out[3 + len(page.FIGURES)] if "COVID" in r["scenario"])
    ds = data.load_dataset("sp500")
    tr, price = ds.total_return_benchmark, ds.benchmark
    # The default benchmark is the total-return index: 19 Feb to 23 Mar 2020 it lost a little less than the
    # price index (2,237.40 / 3,386.15 - 1 = -33.9%, published closes), by the dividends of those 23 days.
    assert covid["benchmark_return"] == pytest.approx(tr["2020-03-23"] / tr["2020-02-19"] - 1, abs=1e-12)
    assert price["2020-03-23"] / price["2020-02-19"] - 1 == pytest.approx(2237.40 / 3386.15 - 1, abs=5e-4)
    assert 0 < covid["benchmark_return"] - (price["2020-03-23"] / price["2020-02-19"] - 1) < 0.003


def test_share_link_carries_only_the_settings_of_the_chosen_method():
    from urllib.parse import urlencode

    from pypfopt import EfficientFrontier

    from finance_core import estimators
    from pages import construct

    # The Construct page as a new user leaves it: max Sharpe, max weight 10%, and the untouched
    # controls of other methods (Black-Litterman's sample views, the 15% target, Kelly 1/2, tau).
    controls = dict(method="max_sharpe", mu="mean", cov="sample", rf=0, ra=2, target=0.15, kelly=0.5, linkage="single",
                    lower=0, upper=10, turnover=None, cost=0, sectors=[], views=construct.DEFAULT_VIEWS, tau=0.05,
                    prior="equal", delta=None, budgets=[])
    stored = construct.allocation(controls, WS, "light")[5]
    ws = workspace.with_target(WS, pd.Series(stored["weights"]), stored["method"], recipe=stored["recipe"])
    query, problems = workspace.to_query(ws)
    recipe_keys = set(query) - {"source", "universe", "start", "end", "benchmark"}
    assert {k: query[k] for k in recipe_keys} == {"method": "max_sharpe", "cov_method": "sample", "upper": "0.1"}
    assert not problems and len(urlencode(query)) < 250  # the 20 tickers of the universe are most of it
    # The link alone rebuilds the same portfolio; oracle: PyPortfolioOpt's max Sharpe with 10% caps.
    wd = workspace.resolve(WS)
    _ws, weights, label, _p, _share, _note = page._view(query, {}, None, None)  # noqa: SLF001
    ef = EfficientFrontier(estimators.expected_returns(wd.returns, "mean"), estimators.covariance(wd.returns, "sample"),
                           weight_bounds=(0, 0.1), solver="CLARABEL")
    expected = pd.Series(ef.max_sharpe(risk_free_rate=0.0))
    assert label == "Max Sharpe"
    for ticker, w in expected.items():
        assert weights[ticker] == pytest.approx(w, abs=1e-4)
        assert stored["weights"][ticker] == pytest.approx(w, abs=1e-4)


def test_episodes_outside_the_dates_are_left_off_the_chart_and_say_why_in_the_table_and_report(call_with_trigger):
    # Uploaded prices from Dec 2021: five of the six episodes had empty rows and "nan%" cells in the report.
    ws, _ = workspace.with_upload(WS, "prices", data.sample_csv("prices").encode(), "mine.csv")
    out = page.render({}, None, None, ws)
    chart = out[3 + page.FIGURES.index("present-stress")]
    assert list(chart["data"][0]["x"]) == ["2022 rate shock"]
    rows = {r["scenario"]: r for r in out[3 + len(page.FIGURES)]}
    assert "No price history between 2000-03-24 and 2002-10-09" in rows["Dot-com bust"]["note"]
    download, _ = call_with_trigger("present-report-html.n_clicks", page.download_report, 1, 0, {}, "Acme", None, ws)
    payload = base64.b64decode(download["content"]).decode("utf-8")
    assert "nan%" not in payload and "No price history between 2007-10-09 and 2009-03-09" in payload
