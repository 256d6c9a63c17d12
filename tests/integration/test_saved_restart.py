"""Issue 13, point 8: a portfolio saved from the Saved menu survives a server restart and loads in a fresh browser.

The app's own server in a subprocess, its SQLite database under ``PORTFOLIO_DESK_DATA``: the first browser builds
a target on the Construct page and saves it from the Saved menu; the server stops; a new server starts on the same
database (and an empty upload cache); a second headless Chromium, with no session of the first, loads the portfolio
from the menu and reads back its weights.
"""

from __future__ import annotations

import json

import pytest
from dash.testing.browser import Browser
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.e2e.conftest import click, console_errors, use_as_target
from tests.integration import services

pytestmark = pytest.mark.e2e


def _target(browser) -> dict:
    """The target weights this browser session holds (what every page analyses)."""
    stored = browser.driver.execute_script("return window.sessionStorage.getItem('workspace-store');")
    return (json.loads(stored or "{}").get("target") or {}).get("weights") or {}


def _env(tmp_path, cache: str) -> dict:
    env = services.app_env(None, tmp_path / cache, PORTFOLIO_DESK_DATA=str(tmp_path / "data"))
    env.pop("DATABASE_URL", None)  # the default SQLite file under PORTFOLIO_DESK_DATA
    return env


def test_a_saved_portfolio_loads_after_a_restart_in_a_fresh_browser(dash_br, request, tmp_path):
    started: list[services.Service] = []
    try:
        server, url = services.start_app(tmp_path, _env(tmp_path, "cache-1"))
        started.append(server)
        dash_br.server_url = url
        dash_br.driver.set_window_size(1400, 1000)
        use_as_target(dash_br, "?method=equal_weight", [("#construct-leftover-text", "Leftover cash")],
                      "Target set: Equal weight with 20 trades")
        saved_weights = _target(dash_br)
        assert len(saved_weights) == 20 and all(w == pytest.approx(1 / 20) for w in saved_weights.values())
        click(dash_br, "#saved-open")
        dash_br.wait_for_element("#saved-name", timeout=10).send_keys("Restart book")
        Select(dash_br.find_element("#saved-kind")).select_by_value("portfolio")
        click(dash_br, "#saved-save")
        dash_br.wait_for_contains_text("#saved-alert", "Saved target portfolio 'Restart book' (version 1)",
                                       timeout=20)
        server.stop()
        started.remove(server)
        assert (tmp_path / "data" / "desk.sqlite").exists()

        server, url = services.start_app(tmp_path, _env(tmp_path, "cache-2"))  # same database, new cache
        started.append(server)
        with Browser(browser=request.config.getoption("webdriver"), headless=True,
                     options=request.config.hook.pytest_setup_options(),
                     download_path=str(tmp_path / "download")) as fresh:
            fresh.server_url = url
            fresh.driver.set_window_size(1400, 1000)
            fresh.driver.get(url + "/risk")
            fresh.wait_for_contains_text("#risk-portfolio-label", "Equal weight (20 assets)", timeout=60)
            assert _target(fresh) == {}  # nothing of the first browser's session
            click(fresh, "#saved-open")
            fresh.wait_for_contains_text("#saved-list", "Restart book", timeout=20)
            assert "Target portfolio" in fresh.find_element("#saved-list").text
            load = fresh.driver.find_element(By.XPATH, "//div[contains(@class,'pd-saved-item')]//button[text()='Load']")
            fresh.driver.execute_script("arguments[0].click();", load)
            fresh.wait_for_contains_text("#saved-alert", "Loaded 'Restart book'", timeout=20)
            assert _target(fresh) == saved_weights
            # The open Risk page analyses the loaded portfolio at once.
            fresh.wait_for_contains_text("#risk-portfolio-label", "Target portfolio", timeout=30)
            errors = [e["message"] for e in console_errors(fresh) if "favicon" not in e["message"]]
            assert errors == [], "\n".join(errors)
    finally:
        for service in started:
            service.stop()
