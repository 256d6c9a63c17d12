"""What the browser and load benchmarks share: the desk's environment in a temporary folder, headless Chromium
(with Chrome's performance log), the machine's load and latency percentiles.

The servers themselves start through tests/integration/services.py (``start_app``, ``start_gunicorn``), as the
integration tests start them.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.integration.services import app_env  # noqa: E402

#: Dash's callback endpoint: every server callback a page fires is a POST to it.
CALLBACK_PATH = "/_dash-update-component"


def desk_env(tmp: Path, **extra: str) -> dict:
    """The app's environment with its cache and saved-work folders in ``tmp`` (diskcache jobs, no Redis)."""
    return app_env(None, tmp / "cache", PORTFOLIO_DESK_DATA=str(tmp / "data"), **extra)


def chrome(*, performance_log: bool = False, width: int = 1400, height: int = 1000):
    """Headless Chromium through chromedriver (on PATH), as the e2e tests run it; ``performance_log``: with
    Chrome's network events readable through ``driver.get_log("performance")``."""
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    for flag in ("--headless", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 f"--window-size={width},{height}"):
        options.add_argument(flag)
    if performance_log:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(options=options)


def network_events(driver) -> list[dict]:
    """The Network.* events of Chrome's performance log since the last call (each read empties the log)."""
    out = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method", "").startswith("Network."):
            out.append(message)
    return out


def wait_for(condition: Callable[[], object], what: str, timeout: float, poll: float = 0.05):
    """Poll ``condition`` until it returns something truthy (returned), or fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(poll)
    raise TimeoutError(f"{what} after {timeout:.0f} s")


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min, {os.cpu_count()} cores)"


def percentiles(values: Iterable[float], points: tuple[float, ...] = (50, 95, 99)) -> tuple[float, ...]:
    """The given percentiles of ``values`` (NaN for none)."""
    arr = np.asarray(list(values), dtype=float)
    if arr.size == 0:
        return tuple(float("nan") for _ in points)
    return tuple(float(v) for v in np.percentile(arr, points))


class Page:
    """A driver with the two calls tests/e2e/conftest.py's browser steps use (``drag_slider``, ``show``),
    so the benchmarks move a slider exactly as the browser tests do."""

    def __init__(self, driver, server_url: str):
        self.driver, self.server_url = driver, server_url

    def wait_for_element(self, selector: str, timeout: float = 10):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, timeout).until(EC.presence_of_element_located((By.CSS_SELECTOR, selector)))

    def wait_for_text(self, selector: str, text: str, timeout: float = 60) -> str:
        """Wait until ``selector``'s text contains ``text``; returns the text."""
        from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

        def shows() -> str | None:
            try:
                now = self.driver.find_element("css selector", selector).text
            except (NoSuchElementException, StaleElementReferenceException):
                return None
            return now if text in now else None

        return wait_for(shows, f"{selector} does not show {text!r}", timeout)
