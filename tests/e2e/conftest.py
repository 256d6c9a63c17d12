"""Browser tests: dash_duo in headless Chromium against the real app."""

import os
import socket
import time
from pathlib import Path

import pytest

# Make short background jobs slow enough to watch and cancel (see components/jobs.py).
os.environ.setdefault("PORTFOLIO_DESK_JOB_THROTTLE", "0.25")


@pytest.fixture
def desk(dash_duo):
    """dash_duo with the app started; yields the runner."""
    from app import app
    from components.export import export_available, warm_up

    dash_duo.driver.set_window_size(1400, 1000)
    # Open the export browser before the server thread starts: dash_duo's teardown injects SystemExit into
    # every thread started after that, which killed the export browser's threads when a test opened it
    # (later exports then waited until they timed out: the PDF report "not downloaded").
    if export_available():
        warm_up()
    with socket.socket() as sock:  # a free port, so parallel test runs never collide
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dash_duo.start_server(app, port=port)
    yield dash_duo


def console_errors(duo) -> list:
    """SEVERE browser console entries (network failures, JS exceptions)."""
    return [entry for entry in duo.get_logs() if entry.get("level") == "SEVERE"]


def show(duo, selector: str, timeout: float = 30):
    """Scroll an element to the middle of the window, as a person does before reading it.

    Grids lay their rows out once they are on screen. Returns the element.
    """
    el = duo.wait_for_element(selector, timeout=timeout)
    duo.driver.execute_script(SCROLL_TO_MIDDLE, el)
    return el


#: Bootstrap's ``scroll-behavior: smooth`` animates a plain scrollIntoView: a click right after it landed on
#: where the element was before the page moved (ElementClickIntercepted in CI). "instant" scrolls at once.
SCROLL_TO_MIDDLE = "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});"


def click(duo, selector: str) -> None:
    """Scroll an element into view and click it (as a user would, without overlap flakiness)."""
    duo.driver.execute_script("arguments[0].click();", show(duo, selector, timeout=20))


def pick(duo, dropdown: str, label: str, timeout: float = 20) -> None:
    """Open the dcc.Dropdown ``dropdown`` and click ``label`` in its list.

    Clicked by script on the dropdown's button and then on the option, after an instant scroll: a native
    click aimed at the arrow while a late chart still moved the page (or Bootstrap's smooth scroll was still
    running) landed on another element (ElementClickIntercepted, CI failed that way three times).
    """
    from selenium.webdriver.common.by import By

    button = show(duo, dropdown, timeout=timeout)
    duo.driver.execute_script("arguments[0].closest('button, .dash-dropdown').click();", button)
    menu = duo.wait_for_element(".dash-dropdown-options", timeout=timeout)
    duo.wait_for_contains_text(".dash-dropdown-options", label, timeout=timeout)
    options = [o for o in menu.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option") if o.text == label]
    assert options, f"{label!r} is not among the options of {dropdown}"
    duo.driver.execute_script(SCROLL_TO_MIDDLE + " arguments[0].click();", options[0])


def use_as_target(duo, query: str, ready: list[tuple[str, str]], target_set: str) -> None:
    """Build a portfolio on /construct<query> and press "Use as target".

    ``ready``: (selector, text) pairs to wait for before the click (the portfolio and its
    trade list are built); ``target_set``: the confirmation expected after it.
    """
    duo.driver.get(duo.server_url + "/construct" + query)
    for selector, text in ready:
        duo.wait_for_contains_text(selector, text, timeout=60)
    click(duo, "#construct-use-target")
    duo.wait_for_contains_text("#construct-target-set", target_set, timeout=20)


def drag_slider(duo, slider_id: str, dx: int, attempts: int = 3) -> None:
    """Drag the thumb of the dcc.Slider ``slider_id`` by ``dx`` pixels, as a mouse would.

    Retries when the value did not move (the page may still be laying out below the
    slider, shifting it under the pointer).
    """
    from selenium.webdriver.common.action_chains import ActionChains

    selector = f"#{slider_id} [role=slider]"
    for _ in range(attempts):
        thumb = duo.wait_for_element(selector, timeout=20)
        before = thumb.get_attribute("aria-valuenow")
        duo.driver.execute_script(SCROLL_TO_MIDDLE, thumb)
        time.sleep(0.3)
        ActionChains(duo.driver).click_and_hold(thumb).pause(0.2).move_by_offset(dx, 0).pause(0.2).release().perform()
        time.sleep(0.3)
        if duo.wait_for_element(selector).get_attribute("aria-valuenow") != before:
            return
    raise AssertionError(f"could not move the slider {slider_id}")


def text_of(duo, selector: str) -> str:
    return duo.wait_for_element(selector, timeout=30).text


def wait_for_change(duo, selector: str, before: str, timeout: float = 30) -> str:
    """Wait until the text of ``selector`` is non-empty and differs from ``before``; return it."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            now = duo.driver.find_element("css selector", selector).text
        except (StaleElementReferenceException, NoSuchElementException):  # re-rendered between find and read
            time.sleep(0.1)
            continue
        if now and now != before:
            return now
        time.sleep(0.2)
    raise AssertionError(f"{selector} stayed at {before!r}")


def wait_for_file(path, timeout: float = 30) -> bytes:
    """Wait for a download to land (non-empty) and return its bytes."""
    path = Path(path)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if path.exists() and path.stat().st_size > 0:
            time.sleep(0.3)  # let the browser finish writing
            return path.read_bytes()
        time.sleep(0.2)
    raise AssertionError(f"{path.name} was not downloaded")
