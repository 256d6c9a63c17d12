"""Render every page of the running app in headless Chromium to docs/<page>.png.

Usage: ``python scripts/screenshots.py`` (``make screenshots``). Starts the app on a
free local port, waits for each page's content, and writes the PNG files.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[1]
PAGES = {"data": "/", "construct": "/construct", "execute": "/execute", "risk": "/risk", "tax": "/tax",
         "present": "/present"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(url: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the app did not start at {url}")


def main() -> int:
    port = _free_port()
    env = dict(os.environ, PORT=str(port), PORTFOLIO_DESK_CACHE=tempfile.mkdtemp(prefix="pd-shots-"))
    server = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    out = ROOT / "docs"
    out.mkdir(exist_ok=True)
    options = webdriver.ChromeOptions()
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--window-size=1440,1800"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options)
    try:
        _wait_up(base + "/")
        for name, path in PAGES.items():
            driver.get(base + path)
            WebDriverWait(driver, 60).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".pd-page-header")))
            time.sleep(4)  # let callbacks and charts settle
            target = out / f"{name}.png"
            driver.save_screenshot(str(target))
            print(f"wrote {target.relative_to(ROOT)}")
    finally:
        driver.quit()
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
