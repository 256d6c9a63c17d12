"""Presentation page and report as plain functions."""

import base64

import pandas as pd
import pytest

import workspace
from finance_core import recipes, report, risk
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


def test_share_link_carries_only_the_settings_of_the_chosen_method():
    from urllib.parse import urlencode

    from pypfopt import EfficientFrontier

    from finance_core import estimators
    from pages import construct

    # The Construct page as a new user leaves it: max Sharpe, max weight 10%, and the untouched
    # controls of other methods (Black-Litterman's sample views, the 15% target, Kelly 1/2, tau).
    controls = ["max_sharpe", "mean", "sample", 0, 2, 0.15, 0.5, "single", 0, 10, None, 0, [],
                construct.DEFAULT_VIEWS, 0.05, "equal", None, []]
    stored = construct.allocation(*controls, WS, "light")[5]
    ws = workspace.with_target(WS, pd.Series(stored["weights"]), stored["method"], recipe=stored["recipe"])
    query, problems = workspace.to_query(ws)
    recipe_keys = set(query) - {"source", "universe", "start", "end", "benchmark"}
    assert {k: query[k] for k in recipe_keys} == {"method": "max_sharpe", "cov_method": "sample", "upper": "0.1"}
    assert not problems and len(urlencode(query)) < 250  # the 20 tickers of the universe are most of it
    # The link alone rebuilds the same portfolio; oracle: PyPortfolioOpt's max Sharpe with 10% caps.
    wd = workspace.resolve(WS)
    _ws, weights, label, _p, _share = page._view(query, {}, None, None)  # noqa: SLF001
    ef = EfficientFrontier(estimators.expected_returns(wd.returns, "mean"), estimators.covariance(wd.returns, "sample"),
                           weight_bounds=(0, 0.1), solver="CLARABEL")
    expected = pd.Series(ef.max_sharpe(risk_free_rate=0.0))
    assert label == "Max Sharpe"
    for ticker, w in expected.items():
        assert weights[ticker] == pytest.approx(w, abs=1e-4)
        assert stored["weights"][ticker] == pytest.approx(w, abs=1e-4)
