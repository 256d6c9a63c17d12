"""Issue 13, point 2, in a real browser: a workspace saved with an uploaded file loads in a fresh session."""

import pytest
from selenium.webdriver.common.by import By

import app
from finance_core import data
from tests.e2e.conftest import click, console_errors

pytestmark = pytest.mark.e2e


@pytest.fixture
def fresh_database(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'desk.sqlite'}")
    app.saved_store.cache_clear()
    app.saved_store()  # migrate before the server's threads use it (as app start-up does)
    yield
    app.saved_store().engine.dispose()
    app.saved_store.cache_clear()


def test_saved_workspace_with_an_upload_loads_in_a_fresh_session(fresh_database, desk, tmp_path):
    prices = tmp_path / "my-prices.csv"
    prices.write_text(data.sample_csv("prices"))
    desk.driver.get(desk.server_url + "/")
    desk.wait_for_element("#upload-prices input[type=file]", timeout=30).send_keys(str(prices))
    desk.wait_for_contains_text("#data-summary-text", "5 assets", timeout=30)

    click(desk, "#saved-open")
    desk.wait_for_element("#saved-name", timeout=10).send_keys("E2E book")
    click(desk, "#saved-save")
    desk.wait_for_contains_text("#saved-alert", "Saved workspace 'E2E book' (version 1)", timeout=20)

    # A fresh browser session: nothing in session storage, so the workspace is the default one again.
    desk.driver.execute_script("window.sessionStorage.clear();")
    desk.driver.get(desk.server_url + "/")
    desk.wait_for_element("#saved-open", timeout=30)
    stored = desk.driver.execute_script("return window.sessionStorage.getItem('workspace-store');")
    assert stored is None or "my-prices.csv" not in stored
    click(desk, "#saved-open")
    desk.wait_for_contains_text("#saved-list", "E2E book", timeout=20)
    load = desk.driver.find_element(By.XPATH, "//div[contains(@class,'pd-saved-item')]//button[text()='Load']")
    desk.driver.execute_script("arguments[0].click();", load)
    desk.wait_for_contains_text("#saved-alert", "Loaded 'E2E book'", timeout=20)
    # The Data page now shows the uploaded file, read back from the database into this session.
    desk.wait_for_contains_text("#data-summary-text", "Uploaded prices (my-prices.csv)", timeout=30)
    assert "5 assets" in desk.find_element("#data-summary-text").text
    assert [e for e in console_errors(desk) if "favicon" not in e["message"]] == []
