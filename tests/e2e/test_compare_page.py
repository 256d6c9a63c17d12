"""Compare page in headless Chromium: portfolios saved through the API, compared with the current one."""

import pytest

import store
from tests.e2e.conftest import console_errors, show

pytestmark = pytest.mark.e2e


def _pick(desk, label: str) -> None:
    """Open the multi-select of portfolios by its arrow, as a person does, and click ``label`` in the list."""
    from selenium.webdriver.common.by import By

    show(desk, "#compare-pick")
    desk.find_element("#compare-pick .dash-dropdown-trigger-icon").click()
    menu = desk.wait_for_element(".dash-dropdown-options", timeout=20)
    desk.wait_for_contains_text(".dash-dropdown-options", label, timeout=20)
    [option] = [o for o in menu.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option") if o.text == label]
    option.click()
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
