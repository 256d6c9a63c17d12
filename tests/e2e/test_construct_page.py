"""Construction page in headless Chromium."""

import time
from pathlib import Path

import pytest
from selenium.webdriver.common.keys import Keys

from tests.e2e.conftest import click, console_errors, drag_slider, pick, show, text_of, wait_for_change

pytestmark = pytest.mark.e2e


def _type(desk, selector, value):
    el = show(desk, selector)
    el.send_keys(Keys.CONTROL, "a")
    el.send_keys(Keys.DELETE)
    el.send_keys(str(value))
    el.send_keys(Keys.TAB)


def test_slider_moves_the_chosen_portfolio_and_bad_bounds_explain(desk):
    desk.driver.get(desk.server_url + "/construct?method=max_utility&ra=2")
    vol = text_of(desk, "#construct-kpi-vol")
    desk.wait_for_element("#construct-frontier-chart .scatterlayer", timeout=30)
    drag_slider(desk, "construct-risk-aversion", 120)  # more risk averse: lower volatility
    new = wait_for_change(desk, "#construct-kpi-vol", vol)
    assert float(new.rstrip("%")) < float(vol.rstrip("%"))
    assert "ra=" in desk.driver.current_url and "ra=2&" not in desk.driver.current_url + "&"
    _type(desk, "#construct-lower", 10)  # 20 assets x 10% minimum = 200%: infeasible
    desk.wait_for_contains_text("#construct-alerts", "lower bounds (minimum weights) add up to 200.00%", timeout=30)
    assert desk.find_element("#construct-kpi-vol").text == new  # the previous result stays
    assert console_errors(desk) == []


def test_compare_backtest_and_use_as_target(desk):
    desk.driver.get(desk.server_url + "/construct?method=hrp")
    desk.wait_for_contains_text("#construct-kpi-solver", "recursive_bisection", timeout=40)
    desk.wait_for_contains_text("#construct-detail-title", "Cluster tree", timeout=30)
    click(desk, "#construct-compare-run")
    desk.wait_for_contains_text("#construct-compare-grid", "Equal weight", timeout=60)
    click(desk, "#construct-backtest-run")
    desk.wait_for_contains_text("#construct-backtest-status", "Backtested 4 methods", timeout=180)
    desk.wait_for_contains_text("#construct-bt-grid", "Benchmark", timeout=10)
    desk.wait_for_contains_text("#construct-leftover-text", "Leftover cash", timeout=30)
    click(desk, "#construct-trades-csv")
    target = Path(desk.download_path) / "portfolio-desk-trades.csv"
    deadline = time.time() + 20
    while time.time() < deadline and not target.exists():
        time.sleep(0.2)
    assert target.read_text().startswith("ticker,side,shares")
    click(desk, "#construct-use-target")
    desk.wait_for_contains_text("#construct-target-set", "Target set: Hierarchical risk parity", timeout=20)
    click(desk, "#nav-risk")
    desk.wait_for_contains_text("#risk-portfolio-label", "Target portfolio (Hierarchical risk parity)", timeout=40)
    assert console_errors(desk) == []


def _grid(desk, grid_id: str) -> dict:
    """Ticker -> {column: text} as the grid shows it (every row; cells joined by row index)."""
    return desk.driver.execute_script(
        "const rows = {};"
        f"document.querySelectorAll('#{grid_id} .ag-row').forEach(r => {{"
        "  const i = r.getAttribute('row-index'); rows[i] = rows[i] || {};"
        "  r.querySelectorAll('.ag-cell').forEach(c => { rows[i][c.getAttribute('col-id')] = c.textContent.trim(); });"
        "});"
        "const out = {}; Object.values(rows).forEach(o => { if (o.ticker) { out[o.ticker] = o; } }); return out;")


def _number(text: str) -> float:
    return float(text.replace("$", "").replace(",", "").replace("%", ""))


def test_no_target_clears_and_whole_shares_agree_with_trades_under_a_cap(desk):
    desk.driver.get(desk.server_url + "/construct?lower=10")  # 20 x 10% minimum: no portfolio can be built
    desk.wait_for_contains_text("#construct-alerts", "lower bounds (minimum weights) add up to 200.00%", timeout=40)
    click(desk, "#construct-use-target")
    desk.wait_for_contains_text("#construct-target-status", "No target", timeout=20)
    _type(desk, "#construct-lower", 0)
    _type(desk, "#construct-upper", 10)
    desk.wait_for_contains_text("#construct-leftover-text", "within the 0% to 10% bounds", timeout=60)
    desk.wait_for_text_to_equal("#construct-target-status", "", timeout=20)  # the portfolio is shown: no "No target"
    show(desk, "#construct-trades-grid")
    deadline = time.time() + 30
    while True:  # both grids laid out (every cell of every row), with the same names
        shares, trades = _grid(desk, "construct-shares-grid"), _grid(desk, "construct-trades-grid")
        complete = all({"shares", "weight"} <= r.keys() for r in shares.values()) and all(
            {"shares", "side", "value"} <= r.keys() for r in trades.values())
        if len(shares) >= 10 and set(shares) == set(trades) and complete or time.time() > deadline:
            break
        time.sleep(0.3)
    assert len(shares) >= 10 and set(shares) == set(trades)
    for ticker, row in shares.items():
        assert row["shares"] == trades[ticker]["shares"], ticker  # one rounding: the same share counts
        assert trades[ticker]["side"] == "buy"
        assert _number(row["weight"]) <= 10.0, ticker  # no name above the 10% maximum after rounding
    leftover = _number(desk.find_element("#construct-leftover-text").text.split("$")[1].split(" ")[0])
    invested = sum(_number(r["value"]) for r in trades.values())
    assert abs(invested + leftover - 1_000_000) < 0.05  # the cash left is what the trades leave (cents shown)
    assert "greedy rounding" in desk.find_element("#construct-leftover-text").text
    click(desk, "#construct-use-target")
    desk.wait_for_contains_text("#construct-target-set", f"Target set: Max Sharpe with {len(trades)} trades",
                                timeout=20)
    assert console_errors(desk) == []


def test_frontier_asset_labels_do_not_overlap_on_screen(desk):
    desk.driver.get(desk.server_url + "/construct")
    desk.wait_for_element("#construct-frontier-chart .scatterlayer", timeout=40)
    show(desk, "#construct-frontier-chart")
    script = (
        "const out = [];"
        "document.querySelectorAll('#construct-frontier-chart .scatterlayer .trace').forEach(t => {"
        "  t.querySelectorAll('.textpoint text').forEach(el => {"
        "    const r = el.getBoundingClientRect();"
        "    if (el.textContent.trim()) { out.push([el.textContent.trim(), r.left, r.right, r.top, r.bottom]); }"
        "  });"
        "});"
        "return out;")
    deadline = time.time() + 40
    labels = []
    while time.time() < deadline and len(labels) < 10:
        labels = desk.driver.execute_script(script)
        time.sleep(0.3)
    assert len(labels) >= 14, labels  # most of the 20 bundled assets keep a label
    clashes = [(a[0], b[0]) for i, a in enumerate(labels) for b in labels[i + 1:]
               if a[1] < b[2] and b[1] < a[2] and a[3] < b[4] and b[3] < a[4]]
    assert clashes == []  # as drawn by the browser, no two labels overlap
    assert console_errors(desk) == []


def test_factor_model_covariance_from_the_dropdown(desk):
    desk.driver.get(desk.server_url + "/construct?method=min_variance&cov=sample")
    vol = text_of(desk, "#construct-kpi-vol")
    pick(desk, "#construct-cov", "Factor model: statistical (PCA)")
    new = wait_for_change(desk, "#construct-kpi-vol", vol, timeout=60)
    assert new.endswith("%") and float(new.rstrip("%")) > 0
    assert "cov=factor_pca" in desk.driver.current_url
    show(desk, "#construct-weights-grid")
    desk.wait_for_contains_text("#construct-weights-grid", "%", timeout=30)
    assert console_errors(desk) == []


def test_dynamic_method_is_backtested_with_its_deflated_sharpe(desk):
    query = "method=vol_target&target=0.1&rebalance=A&bt_methods=%5B%22vol_target%22%2C%22equal_weight%22%5D"
    desk.driver.get(desk.server_url + "/construct?" + query)
    desk.wait_for_contains_text("#construct-notes", "Volatility target 10.0%", timeout=40)
    click(desk, "#construct-backtest-run")
    desk.wait_for_contains_text("#construct-backtest-status", "Backtested 2 methods", timeout=60)
    desk.wait_for_contains_text("#construct-bt-grid", "Deflated Sharpe", timeout=10)
    rows = desk.driver.execute_script(
        "const rows = {};"
        "document.querySelectorAll('#construct-bt-grid .ag-row').forEach(r => {"
        "  const i = r.getAttribute('row-index'); rows[i] = rows[i] || {};"
        "  r.querySelectorAll('.ag-cell').forEach(c => { rows[i][c.getAttribute('col-id')] = c.textContent.trim(); });"
        "});"
        "const out = {}; Object.values(rows).forEach(o => { if (o.metric) { out[o.metric] = o; } }); return out;")
    dynamic = "Dynamic: volatility target"
    assert rows["Sharpe ratio"][dynamic] and rows["Annual turnover"][dynamic].endswith("%")
    deflated = next(v for k, v in rows.items() if k.startswith("Deflated Sharpe"))
    assert 0 <= _number(deflated[dynamic]) <= 100
    # Next to them, the PBO of the two methods (the app-level test checks the number against CSCV).
    pbo = desk.find_element("#construct-backtest-pbo").text
    assert pbo.startswith("Probability of backtest overfitting (CSCV, Bailey et al. 2017): ") and "2 variants" in pbo
    assert "of 12,870 splits of 16 blocks" in pbo
    assert console_errors(desk) == []


def test_opened_on_an_infeasible_cap_the_charts_say_not_drawn_never_loading(desk):
    """A link with a 1% cap on 20 assets (20% in all): the alerts say why, and no chart keeps "Loading..."."""
    from components.figures import PLACEHOLDER_TEXT

    desk.driver.get(desk.server_url + "/construct?upper=1")
    desk.wait_for_contains_text("#construct-alerts", "upper bounds add up to only 20.00%", timeout=40)
    time.sleep(1.0)  # every callback of the page has answered (the alert is the last of them)
    texts = desk.driver.execute_script(
        "return Array.from(document.querySelectorAll('#construct-weights-chart .annotation-text,"
        " #construct-frontier-chart .annotation-text')).map(e => e.textContent);")
    assert texts and all(t == PLACEHOLDER_TEXT for t in texts), texts
    assert "Loading" not in desk.find_element("body").text
    assert console_errors(desk) == []
