"""Compare page in headless Chromium: portfolios saved through the API, compared with the current one."""

import pytest

import store
from tests.e2e.conftest import console_errors, pick, show

pytestmark = pytest.mark.e2e


def _pick(desk, label: str) -> None:
    """Open the multi-select of portfolios by its arrow, as a person does, and click ``label`` in the list."""
    from selenium.webdriver.common.by import By

    pick(desk, "#compare-pick", label)
    desk.driver.find_element(By.TAG_NAME, "body").send_keys("\ue00c")  # Escape closes the list


def test_compare_saved_portfolios_with_the_current_one(desk, tmp_path, monkeypatch):
    import requests

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'desk.sqlite'}")
    store.shared_store.cache_clear()
    try:
        for name, weights in (("Core", {"AAPL": 0.5, "MSFT": 0.5}), ("Energy tilt", {"XOM": 0.7, "CVX": 0.3})):
            made = requests.post(desk.server_url + "/api/v1/portfolios", json={"name": name, "weights": weights},
                                 timeout=30)
            assert made.status_code == 201, made.text
        desk.driver.get(desk.server_url + "/compare")
        desk.wait_for_contains_text("#compare-status", "Compared 1 portfolio", timeout=60)
        _pick(desk, "Core")
        desk.wait_for_contains_text("#compare-status", "Compared 2 portfolios", timeout=30)
        _pick(desk, "Energy tilt")
        desk.wait_for_contains_text("#compare-status", "Compared 3 portfolios", timeout=30)
        show(desk, "#compare-metrics-grid")
        desk.wait_for_contains_text("#compare-metrics-grid", "Energy tilt", timeout=30)
        desk.wait_for_contains_text("#compare-metrics-grid", "Max drawdown", timeout=30)
        traces = desk.driver.execute_script(
            "return document.querySelector('#compare-growth-chart .js-plotly-plot').data.map(t => t.name);")
        assert traces[:3] == ["Current portfolio", "Core", "Energy tilt"] and len(traces) == 4
        # Trades from the current portfolio (equal weight) to Core: sells of what Core does not hold.
        show(desk, "#compare-trades-grid")
        desk.wait_for_contains_text("#compare-trades-grid", "sell", timeout=30)
        assert console_errors(desk) == []
    finally:
        store.shared_store().engine.dispose()
        store.shared_store.cache_clear()


def _rows(desk, grid_id: str) -> dict:
    """Row label -> {column: text} as the grid shows it (cells joined by row index; pinned and body parts)."""
    return desk.driver.execute_script(
        "const rows = {};"
        f"document.querySelectorAll('#{grid_id} .ag-row').forEach(r => {{"
        "  const i = r.getAttribute('row-index'); rows[i] = rows[i] || {};"
        "  r.querySelectorAll('.ag-cell').forEach(c => { rows[i][c.getAttribute('col-id')] = c.textContent.trim(); });"
        "});"
        "const out = {}; Object.values(rows).forEach(o => { if (o.row) { out[o.row] = o; } }); return out;")


def test_execution_cost_cell_matches_finance_core(desk, tmp_path, monkeypatch):
    """The cost of moving from the current portfolio (no holdings in the bundled workspace) to a saved one."""
    import requests

    import workspace
    from components.layout import money
    from finance_core.compare_portfolios import transition_cost

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'desk.sqlite'}")
    store.shared_store.cache_clear()
    tilt = {"XOM": 0.7, "CVX": 0.3}
    try:
        made = requests.post(desk.server_url + "/api/v1/portfolios", json={"name": "Energy tilt", "weights": tilt},
                             timeout=30)
        assert made.status_code == 201, made.text
        desk.driver.get(desk.server_url + "/compare")
        desk.wait_for_contains_text("#compare-status", "Compared 1 portfolio", timeout=60)
        _pick(desk, "Energy tilt")
        desk.wait_for_contains_text("#compare-status", "Compared 2 portfolios", timeout=30)
        show(desk, "#compare-cost-grid")
        desk.wait_for_contains_text("#compare-cost-note", "Current portfolio held with 1,000,000", timeout=60)
        desk.wait_for_contains_text("#compare-cost-grid", "Expected cost (bps)", timeout=30)
        wd = workspace.resolve(workspace.DEFAULT)
        want = transition_cost({"Current portfolio": workspace.portfolio(workspace.DEFAULT, wd).weights,
                                "Energy tilt": tilt}, wd.prices, capital=1_000_000).table["Energy tilt"]
        rows = _rows(desk, "compare-cost-grid")
        assert rows["Expected cost"]["Energy tilt"] == money(want["expected_cost"])
        assert rows["Orders"]["Energy tilt"] == f"{want['orders']:,.0f}" and rows["Orders"]["Current portfolio"] == "0"
        assert float(rows["Expected cost (bps)"]["Energy tilt"]) == pytest.approx(want["cost_bps"], abs=0.006)
        assert console_errors(desk) == []
    finally:
        store.shared_store().engine.dispose()
        store.shared_store.cache_clear()
