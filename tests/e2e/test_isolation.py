"""Issue 16, point 7, in two real browsers: the same file uploaded by each is seen only by its own session."""

import json

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from finance_core import data
from tests.e2e.conftest import console_errors

pytestmark = pytest.mark.e2e


@pytest.fixture
def second_browser():
    """Another headless Chromium with its own profile: a different person's browser."""
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options)
    yield driver
    driver.quit()


def _text(driver, selector: str, contains: str, timeout: float = 30) -> str:
    """Wait until ``selector`` holds ``contains`` (an element Dash re-renders between the find and the read is
    simply looked up again)."""
    WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)).until(
        lambda d: contains in d.find_element(By.CSS_SELECTOR, selector).text)
    return driver.find_element(By.CSS_SELECTOR, selector).text


def _upload_prices(driver, url: str, path) -> dict:
    """Open the Data page, upload ``path`` as prices, wait for it; return the workspace in session storage."""
    driver.get(url + "/")
    _text(driver, "#data-summary-text", "20 assets")
    driver.find_element(By.CSS_SELECTOR, "#upload-prices input[type=file]").send_keys(str(path))
    _text(driver, "#upload-status-prices", f"Loaded {path.name}")
    _text(driver, "#data-summary-text", "5 assets")
    return json.loads(driver.execute_script("return window.sessionStorage.getItem('workspace-store');"))


def test_two_browsers_uploading_the_same_file_each_see_only_their_own(desk, second_browser, tmp_path):
    a_file, b_file = tmp_path / "alice-prices.csv", tmp_path / "bob-prices.csv"
    a_file.write_text(data.sample_csv("prices"))
    b_file.write_text(data.sample_csv("prices"))  # the very same bytes
    alice = _upload_prices(desk.driver, desk.server_url, a_file)
    bob = _upload_prices(second_browser, desk.server_url, b_file)
    a_key, b_key = alice["uploads"]["prices"]["key"], bob["uploads"]["prices"]["key"]
    assert a_key != b_key and alice["session"] != bob["session"]

    # Bob plants Alice's key in his own workspace and reloads: the page asks him to load the file again.
    planted = dict(bob, uploads={"prices": dict(bob["uploads"]["prices"], key=a_key)})
    second_browser.execute_script("window.sessionStorage.setItem('workspace-store', arguments[0]);",
                                  json.dumps(planted))
    second_browser.get(desk.server_url + "/")
    message = _text(second_browser, "body", "Load the file again")
    assert "5 assets" not in second_browser.find_element(By.CSS_SELECTOR, "#data-summary-text").text
    assert "Load the file again on the Data page" in message

    # Alice, reloading, still reads her own upload.
    desk.driver.get(desk.server_url + "/")
    desk.wait_for_contains_text("#data-summary-text", "Uploaded prices (alice-prices.csv)", timeout=30)
    assert console_errors(desk) == []
