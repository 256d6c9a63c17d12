"""Issue 13 in a real browser: a stress set saved as a named scenario on the Risk page loads back into its
controls, and a workspace loaded from the Saved menu shows in the open Data page's pickers."""

import os
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

import app
import saved_work
import workspace
from tests.e2e.conftest import click, console_errors, pick, show

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("PORTFOLIO_DESK_SHOTS")  # a folder: save screenshots there to look at


@pytest.fixture
def fresh_database(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'desk.sqlite'}")
    app.saved_store.cache_clear()
    yield app.saved_store()  # migrated before the server's threads use it (as app start-up does)
    app.saved_store().engine.dispose()
    app.saved_store.cache_clear()


def _shot(desk, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        desk.driver.save_screenshot(str(Path(SHOTS) / f"{name}.png"))


def _shock(desk) -> str:
    return desk.find_element("#risk-shock-market [role=slider]").get_attribute("aria-valuenow")


def test_a_stress_set_saved_on_the_risk_page_loads_back(fresh_database, desk):
    desk.driver.get(desk.server_url + "/risk?shock=-0.2")
    desk.wait_for_contains_text("#risk-portfolio-label", "Equal weight", timeout=60)
    show(desk, "#risk-scenario-name").send_keys("Deep crash")
    click(desk, "#risk-scenario-save")
    desk.wait_for_contains_text("#risk-scenario-alert", "Saved stress test 'Deep crash' (version 1)", timeout=30)
    assert fresh_database.scenarios.find("Deep crash")["body"]["settings"]["shock"] == -0.2
    _shot(desk, "risk-scenario-saved")

    desk.driver.get(desk.server_url + "/risk?shock=0.1")
    desk.wait_for_contains_text("#risk-portfolio-label", "Equal weight", timeout=60)
    show(desk, "#risk-shock-market")
    assert _shock(desk) == "0.1"
    pick(desk, "#risk-scenario-load", "Deep crash (v1)")
    desk.wait_for_contains_text("#risk-scenario-alert", "Loaded stress test 'Deep crash'", timeout=30)
    desk.wait_for_element("#risk-shock-market [role=slider][aria-valuenow='-0.2']", timeout=20)
    # Saving again under the loaded name asks first.
    click(desk, "#risk-scenario-save")
    desk.wait_for_contains_text("#risk-scenario-confirm", "already called 'Deep crash' (version 1). Overwrite it?",
                                timeout=30)
    _shot(desk, "risk-scenario-confirm")
    click(desk, "#risk-scenario-cancel")
    errors = [e["message"] for e in console_errors(desk) if "favicon" not in e["message"]]
    assert errors == [], "\n".join(errors)


def test_a_workspace_loaded_from_the_menu_shows_in_the_open_data_pages_pickers(fresh_database, desk):
    kept = workspace.select(workspace.DEFAULT, universe=["AAPL", "KO", "MSFT"], start="2021-01-04",
                            end="2022-06-30")
    fresh_database.workspaces.create("Three names", saved_work.workspace_body(kept, {}, fresh_database))
    desk.driver.get(desk.server_url + "/")
    desk.wait_for_contains_text("#data-summary-text", "20 assets", timeout=60)
    click(desk, "#saved-open")
    desk.wait_for_contains_text("#saved-list", "Three names", timeout=20)
    load = desk.driver.find_element(By.XPATH, "//div[contains(@class,'pd-saved-item')]//button[text()='Load']")
    desk.driver.execute_script("arguments[0].click();", load)
    desk.wait_for_contains_text("#saved-alert", "Loaded 'Three names'", timeout=20)
    desk.wait_for_contains_text("#data-summary-text", "3 assets", timeout=30)
    click(desk, ".modal .btn-close")
    # The pickers show the loaded universe and dates without a reload.
    universe = desk.wait_for_element("#data-universe", timeout=10)
    holder = "//*[@id='data-dates']/ancestor-or-self::div[contains(@class, 'col')][1]//input"
    dates = lambda: [e.get_attribute("value") for e in desk.driver.find_elements(By.XPATH, holder)]  # noqa: E731
    WebDriverWait(desk.driver, 20).until(lambda _d: dates() == ["2021-01-04", "2022-06-30"])
    chosen = universe.text
    assert all(t in chosen for t in ("AAPL", "KO", "MSFT")) and "JPM" not in chosen
    _shot(desk, "data-after-load")
    errors = [e["message"] for e in console_errors(desk) if "favicon" not in e["message"]]
    assert errors == [], "\n".join(errors)
