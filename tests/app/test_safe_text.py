"""User names reach every figure and the HTML report as text, never as markup (issue 16, point 6).

Plotly renders ``<a href>``, ``<b>``, ``<br>``, ``<img>``-free HTML subsets in any text it draws, so a
ticker or account name must arrive escaped; the desk's own templates keep their markup.
"""

import html

import numpy as np
import pandas as pd
import pytest

from components.construct_figures import dendrogram_figure, prior_posterior_figure
from components.construct_figures import frontier_figure as efficient_frontier_figure
from components.figures import bar_figure, heatmap_figure, line_figure
from components.present_figures import presentation_figures
from components.report import report_html
from components.tax_figures import wash_timeline_figure
from finance_core import optimize, tax
from finance_core.data import load_dataset
from finance_core.optimize.hierarchical import hrp_tree
from finance_core.report import presentation

LINK = '<a href="http://x">X</a>'
IMG = "<img src=x onerror=alert(1)>"
HOSTILE = [LINK, IMG, "<b>BOLD</b>"]
_TEMPLATES = {"hovertemplate", "texttemplate", "template"}


def _shown_strings(node, key=None):
    """Every (key, string) of a figure's JSON that plotly draws as text, templates apart."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k not in _TEMPLATES:
                yield from _shown_strings(v, k)
    elif isinstance(node, list | tuple | np.ndarray):
        for v in node:
            yield from _shown_strings(v, key)
    elif isinstance(node, str):
        yield key, node


def assert_names_are_text(fig, names=HOSTILE):
    as_json = fig.to_plotly_json()
    shown = [s for _k, s in _shown_strings(as_json)]
    markup = [s for s in shown if "<" in s or ">" in s]
    assert not markup, f"live markup in the figure: {markup}"
    for name in names:  # each name is there, escaped once (not dropped, not escaped twice)
        assert any(html.escape(name) in s for s in shown), name
        assert not any(html.escape(html.escape(name)) in s for s in shown), name
    templates = [t.get("hovertemplate") or "" for t in as_json["data"]]
    assert not any(name in t for t in templates for name in names)


@pytest.fixture(scope="module")
def returns():
    prices = load_dataset("sp500").prices.iloc[-300:, :5]
    prices.columns = [*HOSTILE, "MSFT", "AAPL"]
    return prices.pct_change().dropna()


def test_escape_text_escapes_the_five_characters_once():
    from components.safe_text import escape_text

    assert escape_text(LINK) == "&lt;a href=&quot;http://x&quot;&gt;X&lt;/a&gt;"
    assert escape_text("O'Neil & Co") == "O&#x27;Neil &amp; Co"


def test_line_bar_and_heatmap_figures_show_names_as_text(returns):
    assert_names_are_text(line_figure((1 + returns).cumprod(), None, highlight=LINK))
    assert_names_are_text(bar_figure(returns.mean(), None, yformat=".2%"))
    assert_names_are_text(bar_figure(returns.iloc[:3].T, None, horizontal=True), names=HOSTILE)
    assert_names_are_text(heatmap_figure(returns.corr(), None))


def test_bar_hover_keeps_the_desks_markup_and_escapes_the_series_name():
    fig = bar_figure(pd.DataFrame({IMG: [0.1, 0.2]}, index=["a", "b"]), None)
    assert fig.data[0].hovertemplate == "%{x}: %{y:.3f}<extra>" + html.escape(IMG) + "</extra>"


def test_construction_figures_show_tickers_as_text(returns):
    mu, cov = returns.mean() * 252, returns.cov() * 252
    assert_names_are_text(efficient_frontier_figure(optimize.efficient_frontier(mu, cov, n_points=10), None))
    fig = dendrogram_figure(hrp_tree(cov=cov), None)
    assert "<" not in "".join(fig.layout.xaxis.ticktext)
    assert set(fig.layout.xaxis.ticktext) >= {html.escape(n) for n in HOSTILE}
    assert_names_are_text(prior_posterior_figure(mu, mu * 1.1, None))


def test_wash_sale_timeline_shows_tickers_and_accounts_as_text():
    trades = pd.DataFrame(
        [("2024-01-02", IMG, LINK, "buy", 100, 50.0),
         ("2024-03-01", IMG, LINK, "sell", 100, 40.0),
         ("2024-03-15", IMG, LINK, "buy", 100, 41.0)],
        columns=["date", "account", "ticker", "side", "shares", "price"])
    result = tax.process_trades(trades, "fifo")
    fig = wash_timeline_figure(result.loss_windows, result.wash_sales, None)
    ticker, account = result.loss_windows[["ticker", "account"]].iloc[0]  # the reader upper-cases tickers
    assert ticker == LINK.upper()
    assert_names_are_text(fig, names=[ticker, account])
    hover = fig.data[0].hovertemplate  # the desk's <br> still breaks the line; the label is text
    assert hover.startswith(f"{html.escape(ticker)} 2024-03-01 ({html.escape(account)})<br>window ")


@pytest.fixture(scope="module")
def hostile_presentation():
    data = load_dataset("sp500")
    prices = data.prices.iloc[-400:, :4].copy()
    prices.columns = [LINK, IMG, "<b>BOLD</b>", "MSFT"]
    weights = pd.Series(0.25, index=prices.columns)
    sectors = pd.Series(["<script>alert(2)</script>", "Tech", "Tech", "Tech"], index=prices.columns)
    return presentation(prices, weights, data.benchmark.iloc[-400:], sectors=sectors,
                        benchmark_name="<i>Bench</i>")


def test_presentation_figures_show_names_as_text(hostile_presentation):
    figures = presentation_figures(hostile_presentation)
    for name in ("present-allocation", "present-contributions"):
        assert_names_are_text(figures[name][1], names=[LINK, IMG])
    assert_names_are_text(figures["present-growth"][1], names=["<i>Bench</i>"])
    assert_names_are_text(figures["present-sectors"][1], names=["<script>alert(2)</script>"])
    assert_names_are_text(figures["present-stress"][1], names=["<i>Bench</i>"])


def test_the_report_html_has_no_live_tag_from_a_name(hostile_presentation):
    document = report_html(f"{LINK} Capital", IMG, [("Sharpe", "1.00")], presentation_figures(hostile_presentation),
                           [("Weights", hostile_presentation.weights.rename_axis(IMG).reset_index())],
                           [f"note on {IMG}"], texts=[("Desks", [LINK])])
    # The figures' JSON writes < > & / as \\u escapes, which plotly.js reads back: decode them to see what it draws.
    drawn = document
    for code, char in (("\\u003c", "<"), ("\\u003e", ">"), ("\\u0026", "&"), ("\\u002f", "/")):
        drawn = drawn.replace(code, char)
    for name in [LINK, IMG, "<b>BOLD</b>", "<script>alert(2)</script>", "<i>Bench</i>"]:
        assert name not in drawn
        assert html.escape(name) in drawn  # shown, as text


def test_escape_figure_leaves_numbers_dates_and_templates_alone():
    from components.safe_text import escape_figure

    fig = line_figure(pd.DataFrame({"A&B": [1.0, 2.0]}, index=pd.to_datetime(["2024-01-02", "2024-01-03"])), None)
    assert fig.data[0].name == "A&amp;B" and list(fig.data[0].y) == [1.0, 2.0]
    assert fig.data[0].hovertemplate == "%{y:.3f}"
    assert escape_figure(fig).data[0].name == "A&amp;amp;B"  # a second pass would escape again: builders do it once
