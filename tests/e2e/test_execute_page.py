"""Execution page in headless Chromium: numbers, sliders, bad input, uploads, CSV export, the solver job."""

from __future__ import annotations

import os
import time
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest

from finance_core import execution
from tests.e2e.conftest import (
    click,
    console_errors,
    drag_slider,
    pick,
    show,
    text_of,
    use_as_target,
    wait_for_change,
    wait_for_file,
)

pytestmark = pytest.mark.e2e


def _open(desk, query=""):
    desk.driver.get(desk.server_url + "/execute" + query)
    desk.wait_for_element("#exec-kpi-cost", timeout=40)
    desk.wait_for_contains_text("#exec-fit-quality", "Held-out R2", timeout=40)


def _type(desk, selector, value):
    el = desk.wait_for_element(selector)
    el.clear()
    el.send_keys(str(value) + "\n")


def _retype(desk, selector, value):
    """Select the box's text and type over it, as a person does (clear() would first submit an empty box)."""
    from selenium.webdriver.common.keys import Keys

    el = desk.wait_for_element(selector)
    el.send_keys(Keys.CONTROL, "a")
    el.send_keys(str(value) + "\n")


def test_order_schedule_sliders_export_and_bad_input(desk):
    _open(desk, "?strategy=pov")
    assert text_of(desk, "#exec-kpi-price").startswith("$")
    show(desk, "#exec-compare-grid")  # the grid lays its rows out once it is on screen
    desk.wait_for_contains_text("#exec-compare-grid", "Almgren-Chriss", timeout=30)
    cost = text_of(desk, "#exec-kpi-cost")
    # POV trades at the cap: a higher participation rate finishes sooner and costs more.
    drag_slider(desk, "exec-cap", 40)
    dearer = wait_for_change(desk, "#exec-kpi-cost", cost)
    assert float(dearer.strip("$").replace(",", "")) > float(cost.strip("$").replace(",", ""))
    # Almgren-Chriss: urgency moves the risk aversion, which moves the timing risk.
    pick(desk, "#exec-strategy", "Almgren-Chriss (risk aversion)")
    desk.wait_for_contains_text("#exec-schedule-alert", "kappa", timeout=30)
    risk = text_of(desk, "#exec-kpi-risk")
    drag_slider(desk, "exec-urgency", 150)
    lower = wait_for_change(desk, "#exec-kpi-risk", risk)
    assert float(lower.strip("$").replace(",", "")) < float(risk.strip("$").replace(",", ""))
    # CSV export of the child orders.
    click(desk, "#exec-export-csv")
    path = os.path.join(desk.download_path, "child-orders-AAPL-buy-almgren_chriss.csv")
    wait_for_file(path)
    assert pd.read_csv(path)["shares"].sum() == 200_000
    # Bad input: a negative size is refused and the previous result stays.
    _type(desk, "#exec-shares", -100)
    desk.wait_for_contains_text("#exec-schedule-alert", "must be a positive number of shares", timeout=30)
    assert text_of(desk, "#exec-kpi-cost").startswith("$")
    # Too large for the cap: the largest executable size and the horizon needed.
    desk.driver.get(desk.server_url + "/execute?strategy=optimal&shares=3000000")
    desk.wait_for_contains_text("#exec-schedule-alert", "largest executable size is", timeout=30)
    assert "extend the horizon to about" in text_of(desk, "#exec-schedule-alert")
    assert console_errors(desk) == []


def test_uploads_basket_solver_job_and_url(desk):
    _open(desk, "?ticker=KO&shares=50000&intervals=26&strategy=vwap")
    desk.wait_for_contains_text("#exec-kpi-cost", "$", timeout=30)
    assert "KO last close" in text_of(desk, "#exec-market-kpis")
    # Upload an intraday volume file: the daily volume is estimated from it.
    vol_file = os.path.join(desk.download_path, "bars.csv")
    os.makedirs(desk.download_path, exist_ok=True)
    with open(vol_file, "w") as fh:
        fh.write(execution.sample_volume_csv(daily_volume=3_000_000, days=2))
    desk.find_element("#upload-exec-volume input[type=file]").send_keys(vol_file)
    desk.wait_for_contains_text("#upload-status-exec-volume", "average daily volume", timeout=30)
    # A crossed order book names the snapshot.
    book = execution.synthetic_order_book(20, 3, base_price=60.0, spread=0.02, depth=500, seed=2)
    lines = book.to_frame().to_csv(index=False, date_format="%Y-%m-%d %H:%M").splitlines()
    bad = [
        ln.replace(",bid,1,", ",bid,1,9") if ln.startswith("2024-01-02 09:33,bid,1,") else ln for ln in lines
    ]
    book_file = os.path.join(desk.download_path, "crossed.csv")
    with open(book_file, "w") as fh:
        fh.write("\n".join(bad) + "\n")
    desk.find_element("#upload-exec-book input[type=file]").send_keys(book_file)
    desk.wait_for_contains_text(
        "#upload-status-exec-book", "snapshot 2024-01-02 09:33:00 is crossed at level 1", timeout=30
    )
    # Basket: the sample basket is scheduled when the workspace has no trade list.
    desk.wait_for_contains_text("#exec-basket-source", "sample basket", timeout=30)
    assert text_of(desk, "#exec-kpi-basket-cost").startswith("$")
    # The solver cross-check runs as a background job.
    click(desk, "#exec-solvers-run")
    desk.wait_for_contains_text("#exec-solvers-status", "All three solvers answered", timeout=120)
    assert "cvxpy" in desk.find_element("#exec-solver-grid").text
    # The order settings travel in the URL (rewritten when the uploaded volumes set the daily volume).
    assert "ticker=KO" in desk.driver.current_url and "intervals=26" in desk.driver.current_url
    assert console_errors(desk) == []


def test_no_trade_window_typed_into_the_order_form(desk):
    _open(desk)
    cost = text_of(desk, "#exec-kpi-cost")
    _type(desk, "#exec-no-trade", "12:00-13:00")
    dearer = wait_for_change(desk, "#exec-kpi-cost", cost)  # one more constraint: the optimum costs more
    assert float(dearer.strip("$").replace(",", "")) > float(cost.strip("$").replace(",", ""))
    desk.wait_for_contains_text("#exec-schedule-kpis", "2 intervals in no-trade windows", timeout=30)
    grid = "#exec-child-grid .ag-center-cols-container"
    show(desk, "#exec-child-grid")
    desk.wait_for_text_to_equal(f"{grid} .ag-row[row-index='5'] [col-id='shares']", "0", timeout=30)
    for i, start in ((5, "12:00"), (6, "12:30")):  # 12:00-12:30 and 12:30-13:00 get no child order
        row = f"{grid} .ag-row[row-index='{i}']"
        assert text_of(desk, f"{row} [col-id='start']") == start
        assert text_of(desk, f"{row} [col-id='shares']") == "0"
        assert text_of(desk, f"{row} [col-id='no_trade']") == "yes"
    assert text_of(desk, f"{grid} .ag-row[row-index='4'] [col-id='shares']") not in ("", "0")
    assert parse_qs(urlparse(desk.driver.current_url).query)["no_trade"] == ["12:00-13:00"]
    # A window typed backwards is refused with the range named; the schedule on screen stays.
    _retype(desk, "#exec-no-trade", "13:00-12:00")
    desk.wait_for_contains_text(
        "#exec-schedule-alert", "'13:00-12:00' ends at 12:00, before it starts", timeout=30
    )
    assert text_of(desk, "#exec-kpi-cost") == dearer
    assert console_errors(desk) == []


def test_odd_share_count_and_exact_daily_volume_are_scheduled(desk):
    _open(desk, "?strategy=twap")
    cost = text_of(desk, "#exec-kpi-cost")
    _retype(desk, "#exec-shares", 547)
    _retype(desk, "#exec-volume", 2345678)
    wait_for_change(desk, "#exec-kpi-cost", cost)
    desk.wait_for_contains_text("#exec-schedule-kpis", "5 child orders", timeout=30)
    assert "not computed" not in text_of(desk, "#exec-schedule-alert").lower()
    # 547 shares in 13 TWAP intervals: 4 round lots of 100 and one child order of 147 (the odd lot of 47).
    grid = "#exec-child-grid .ag-center-cols-container"
    show(desk, "#exec-child-grid")
    desk.wait_for_element(f"{grid} .ag-row[row-index='12']", timeout=30)
    shares = sorted(
        int(text_of(desk, f"{grid} .ag-row[row-index='{i}'] [col-id='shares']").replace(",", "")) for i in range(13)
    )
    assert shares == [0] * 8 + [100] * 4 + [147]
    query = parse_qs(urlparse(desk.driver.current_url).query)
    assert float(query["shares"][0]) == 547 and float(query["volume"][0]) == 2345678
    # A share count that is not whole is refused with its value named; the schedule above stays.
    before = text_of(desk, "#exec-kpi-cost")
    _retype(desk, "#exec-shares", 547.5)
    desk.wait_for_contains_text("#exec-schedule-alert", "must be a whole number of shares; got 547.5", timeout=30)
    assert text_of(desk, "#exec-kpi-cost") == before
    assert console_errors(desk) == []


_STAR = """
const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
for (const p of plots) {
  const star = (p._fullData || []).find(t => (t.name || '').startsWith('Chosen'));
  if (star) { return [star.x[0], star.y[0], star.name]; }
}
return null;
"""


def _choose(desk, selector, label):
    """Pick ``label`` in a dropdown (conftest.pick retries while charts above it still grow) and wait for it."""
    pick(desk, selector, label)
    desk.wait_for_contains_text(selector, label, timeout=30)


def _dollars(text: str) -> float:
    return float(text.strip().replace("$", "").replace(",", ""))


def test_add_to_presentation_only_on_a_click_one_cost_model_and_the_frontier_star(desk):
    use_as_target(desk, "?method=equal_weight", [("#construct-leftover-text", "Leftover cash")],
                  "Target set: Equal weight with 20 trades")
    click(desk, "#nav-execute")
    desk.wait_for_contains_text("#exec-basket-source", "Trade list from the construction desk: 20 orders", timeout=60)
    # Opening the page stored nothing for the presentation (the button was not pressed).
    assert text_of(desk, "#exec-basket-saved") == ""
    # Restore a link with risk aversion 1e-5 and a daily volume of 2,345,678: still nothing stored.
    desk.driver.get(desk.server_url + "/execute?risk=-5&volume=2345678&strategy=almgren_chriss")
    desk.wait_for_contains_text("#exec-basket-source", "20 orders", timeout=60)
    desk.wait_for_element("#exec-kpi-basket-cost", timeout=60)
    click(desk, "#nav-present")
    desk.wait_for_contains_text("#present-execution", "not available yet", timeout=60)
    desk.driver.back()
    desk.wait_for_contains_text("#exec-basket-source", "20 orders", timeout=60)
    # The frontier's star is the schedule shown: its cost and risk are the KPI cards'.
    desk.wait_for_contains_text("#exec-schedule-alert", "kappa", timeout=30)
    show(desk, "#exec-frontier-alert")
    for _ in range(60):
        star = desk.driver.execute_script(_STAR)
        if star and "Almgren-Chriss, lambda 1.0e-05" in star[2]:
            break
        time.sleep(0.5)
    assert star and "Almgren-Chriss, lambda 1.0e-05" in star[2]
    assert f"${star[1]:,.0f}" == text_of(desk, "#exec-kpi-cost")
    assert f"${star[0]:,.0f}" == text_of(desk, "#exec-kpi-risk")
    # Add to presentation with the Almgren-Chriss basket: the sentence states the typed daily volume and
    # "more" or "less" by the sign of the two basket totals on the page.
    _choose(desk, "#exec-basket-strategy", "Almgren-Chriss (risk aversion)")
    click(desk, "#exec-basket-save")
    desk.wait_for_contains_text("#exec-basket-saved-text", "than TWAP", timeout=60)
    saved = text_of(desk, "#exec-basket-saved-text")
    cost_text = saved.split("is expected to cost ")[1].split(",")[0]
    desk.wait_for_text_to_equal("#exec-kpi-basket-cost", cost_text, timeout=60)  # the basket's own total
    chosen = _dollars(cost_text)
    _choose(desk, "#exec-basket-strategy", "TWAP")
    twap = _dollars(wait_for_change(desk, "#exec-kpi-basket-cost", f"${chosen:,.0f}", timeout=60))
    amount = float(saved.split(", $")[1].split(" ")[0].replace(",", ""))
    word = saved.split(", $")[1].split(" ")[1]
    assert word == ("more" if chosen > twap else "less") and abs(amount - abs(chosen - twap)) <= 1
    assert "daily volume 2,345,678 shares per name" in saved and "-$" not in saved
    click(desk, "#nav-present")
    desk.wait_for_contains_text("#present-execution", "than TWAP", timeout=60)
    assert text_of(desk, "#present-execution") == saved.replace("\u00d7", "").strip()
    assert console_errors(desk) == []
