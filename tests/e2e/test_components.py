"""Shared components in headless Chromium: slider boxes, modebar icons, axis ticks, grid widths."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.keys import Keys

from tests.e2e.conftest import console_errors, show, text_of, wait_for_change

pytestmark = pytest.mark.e2e


def _open_risk(desk):
    desk.driver.get(desk.server_url + "/risk")
    desk.wait_for_contains_text("#risk-portfolio-label", "Equal weight (20 assets)", timeout=40)
    desk.wait_for_element("#risk-kpi-var", timeout=40)


def test_typed_slider_value_applies_on_enter_without_leaving_the_box(desk):
    _open_risk(desk)
    var95 = text_of(desk, "#risk-kpi-var")
    box = show(desk, "#risk-level input.dash-range-slider-input")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("0.99" + Keys.ENTER)
    var99 = wait_for_change(desk, "#risk-kpi-var", var95, timeout=40)
    assert float(var99.rstrip("%")) > float(var95.rstrip("%"))  # a higher confidence has a larger VaR
    assert desk.wait_for_element("#risk-level [role=slider]").get_attribute("aria-valuenow") == "0.99"
    assert desk.driver.execute_script("return document.activeElement === arguments[0];", box)  # still typing there
    assert console_errors(desk) == []


def test_one_camera_per_chart_and_a_different_svg_icon(desk):
    _open_risk(desk)
    desk.wait_for_element("#risk-distribution-chart .modebar-btn", timeout=40)
    counts = desk.driver.execute_script("""
        const camera = window.Plotly.Icons.camera.path;
        return Array.from(document.querySelectorAll('.js-plotly-plot')).filter(p => p.querySelector('.modebar'))
            .map(p => {
                const paths = Array.from(p.querySelectorAll('.modebar-btn')).map(b => {
                    const path = b.querySelector('path'); return path ? path.getAttribute('d') : '';
                });
                const svg = p.querySelector('.modebar-btn[data-title="Download plot as SVG"] path');
                return [paths.filter(d => d === camera).length, svg ? svg.getAttribute('d') !== camera : null];
            });
    """)
    assert len(counts) >= 5
    assert all(c == [1, True] for c in counts), counts  # one camera (PNG), and an SVG button with its own icon
    assert console_errors(desk) == []


def test_axis_ticks_never_repeat_a_label_on_a_flat_chart(desk):
    _open_risk(desk)
    desk.wait_for_contains_text("#risk-shock-total", "Portfolio: +0.00% ($0)", timeout=40)
    show(desk, "#risk-shock-chart")
    desk.wait_for_element("#risk-shock-chart .ytick text", timeout=30)
    labels = desk.driver.execute_script(
        "return Array.from(document.querySelectorAll('#risk-shock-chart .ytick text')).map(t => t.textContent);")
    # No shock: every P&L is 0, plotly spans -1..1 in steps of 0.5; ",.0f" labelled them "-1,-1,0,1,1".
    assert len(labels) >= 3 and len(set(labels)) == len(labels), labels
    assert console_errors(desk) == []


_CUT = """
    const root = document.querySelector(arguments[0]);
    // Headers and text cells wrap between words only (assets/app.css), so a column too narrow for a word shows
    // up here as an overflowing element instead of as "Volatili / ty".
    const cut = el => el.scrollWidth > el.clientWidth + 1;
    const heads = Array.from(root.querySelectorAll('.ag-header-cell-text')).filter(cut).map(e => e.textContent);
    const cells = Array.from(root.querySelectorAll('.ag-cell')).filter(cut).map(e => e.textContent);
    return [root.querySelectorAll('.ag-cell').length, heads, cells];
"""


@pytest.mark.parametrize("path,grid,ready", [
    ("/", "#data-stats-grid", "#data-summary-text"),  # sectors such as "Information Technology" in a narrow column
    ("/construct", "#construct-trades-grid", "#construct-leftover-text"),
    ("/construct", "#construct-weights-grid", "#construct-kpi-vol"),
    ("/execute", "#exec-compare-grid", "#exec-kpi-cost"),
    ("/execute", "#exec-basket-grid", "#exec-basket-kpis"),
    ("/risk", "#risk-var-grid", "#risk-kpi-var"),
])
def test_grids_show_whole_headers_and_values(desk, path, grid, ready):
    desk.driver.set_window_size(1100, 900)  # a laptop screen
    desk.driver.get(desk.server_url + path)
    desk.wait_for_element(ready, timeout=60)
    show(desk, grid)
    desk.wait_for_element(f"{grid} .ag-cell", timeout=40)
    desk.wait_for_element(f"{grid} .ag-row[row-index='1'] .ag-cell", timeout=40)
    cells, heads, values = desk.driver.execute_script(_CUT, grid)
    assert cells > 0
    assert heads == [] and values == [], (heads, values)
    assert console_errors(desk) == []
