"""The presentation view and its report with a comparison against saved portfolios (issue 13, point 3)."""

import base64
import html
import re

import pytest

import store
import workspace
from finance_core.compare_portfolios import compare_portfolios
from pages import present as page

WS = workspace.DEFAULT
CORE = {"AAPL": 0.5, "MSFT": 0.3, "KO": 0.2}
VALUE = {"XOM": 0.6, "JPM": 0.4}
GOLD = {"GLD": 0.7, "SLV": 0.3}  # tickers the bundled data do not have


@pytest.fixture
def saved(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'desk.sqlite'}")
    store.shared_store.cache_clear()
    repo = store.shared_store().portfolios
    ids = {name: f"saved:{repo.create(name, {'weights': w})['id']}"
           for name, w in (("Core", CORE), ("Value", VALUE), ("Gold", GOLD))}
    yield ids
    store.shared_store().engine.dispose()
    store.shared_store.cache_clear()


def _expected():
    """The Compare view's finance_core result for the presented portfolio (equal weight) and Core, Value."""
    wd = workspace.resolve(WS)
    return compare_portfolios(wd.prices, {"Portfolio": workspace.portfolio(WS, wd).weights, "Core": CORE,
                                          "Value": VALUE}, wd.benchmark, sectors=wd.sectors,
                              benchmark_name=wd.benchmark_name)


def test_the_options_list_the_saved_portfolios(saved):
    options, alert = page.compare_options(["on"])
    assert alert is None and {o["label"]: o["value"] for o in options} == saved


def test_the_section_shows_the_comparison_of_the_presented_portfolio_with_saved_ones(saved):
    rows, defs, growth, notes, style, alert = page.comparison({}, None, None, ["on"], [saved["Core"], saved["Value"]],
                                                              WS)
    assert alert is None and notes is None and style == {}
    want = _expected()
    wd = workspace.resolve(WS)
    assert [d["field"] for d in defs] == ["metric", "Portfolio", "Core", "Value", wd.benchmark_name]
    by_metric = {r["metric"]: r for r in rows}
    assert by_metric["Volatility"]["Core"] == f"{want.metrics.loc['volatility', 'Core']:.2%}"
    assert by_metric["Sharpe ratio"]["Portfolio"] == f"{want.metrics.loc['sharpe', 'Portfolio']:.2f}"
    assert [t.name for t in growth.data] == ["Portfolio", "Core", "Value", html.escape(wd.benchmark_name)]
    assert growth.data[2].y[-1] == pytest.approx(want.growth["Value"].iloc[-1], rel=1e-12)


def test_no_comparison_unless_asked_and_a_count_of_one_to_four(saved):
    out = page.comparison({}, None, None, [], [saved["Core"]], WS)
    assert out[4] == {"display": "none"} and out[-1] is None
    out = page.comparison({}, None, None, ["on"], [], WS)
    assert out[4] == {"display": "none"} and "pick 1 to 4 saved portfolios" in str(out[-1])
    out = page.comparison({}, None, None, ["on"], [saved["Core"]] * 5, WS)
    assert "(picked 5)" in str(out[-1])


def test_a_saved_portfolio_outside_the_data_is_named_and_the_section_left_out(saved, call_with_trigger):
    out = page.comparison({}, None, None, ["on"], [saved["Core"], saved["Gold"]], WS)
    assert out[4] == {"display": "none"}
    assert "Comparison left out: None of the holdings of portfolio 'Gold' are in the current prices" in str(out[-1])
    download, status = call_with_trigger("present-report-html.n_clicks", page.download_report, 1, 0, {}, "Acme", None,
                                         WS, ["on"], [saved["Core"], saved["Gold"]])
    document = base64.b64decode(download["content"]).decode("utf-8")
    assert "Downloaded" in str(status)
    assert "<li>Comparison left out: None of the holdings of portfolio &#x27;Gold&#x27; are in" in document
    assert f"<h2>{page.COMPARE_TITLE}</h2>" not in document and "<h2>Historical stress tests</h2>" in document


def test_the_html_report_carries_the_comparison_table_and_chart(saved, call_with_trigger):
    download, _ = call_with_trigger("present-report-html.n_clicks", page.download_report, 1, 0, {}, "Acme", None, WS,
                                    ["on"], [saved["Core"], saved["Value"]])
    document = base64.b64decode(download["content"]).decode("utf-8")
    want = _expected()
    section = document.split(f"<h2>{page.COMPARE_TITLE}</h2>")[1].split("</section>")[0]
    assert "<th>Metric</th><th>Portfolio</th><th>Core</th><th>Value</th>" in section
    volatility = section.split("<td>Volatility</td>")[1].split("</tr>")[0]
    assert volatility.startswith("".join(f"<td>{want.metrics.loc['volatility', c]:.2%}</td>"
                                         for c in ("Portfolio", "Core", "Value")))
    assert f"<td>Max drawdown</td><td>{want.metrics.loc['max_drawdown', 'Portfolio']:.1%}</td>" in section
    assert f"<h2>{page.COMPARE_GROWTH_TITLE}</h2>" in document and f"id=\"{page.COMPARE_GROWTH}\"" in document


def test_the_pdf_report_prints_with_the_comparison(saved, call_with_trigger):
    def pdf(*compare):
        download, _ = call_with_trigger("present-report-pdf.n_clicks", page.download_report, 0, 1, {}, "Acme", None,
                                        WS, *compare)
        payload = base64.b64decode(download["content"])
        assert payload.startswith(b"%PDF-")
        return len(re.findall(rb"/Type\s*/Page[^s]", payload))

    # The comparison's growth chart and its table (a section that starts a page) add pages to the PDF.
    assert pdf(["on"], [saved["Core"]]) > pdf([], [])
