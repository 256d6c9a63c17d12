"""Presentation in headless Chromium: shared link in a fresh browser, exports, print styles."""

from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.e2e.conftest import click, console_errors, show, text_of, use_as_target, wait_for_file

pytestmark = pytest.mark.e2e
KPIS = ["cagr", "vol", "sharpe", "mdd", "var"]




def _fresh_browser() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--window-size=1400,1000"):
        options.add_argument(arg)
    return webdriver.Chrome(options=options)


def test_shared_link_in_a_fresh_browser_shows_the_same_numbers(desk):
    # Build a target on the construction desk, then present it.
    use_as_target(desk, "?method=min_variance&cov=sample",
                  [("#construct-kpi-solver", "nnls"), ("#construct-leftover-text", "Leftover")],
                  "Target set: Min variance")
    click(desk, "#nav-present")
    desk.wait_for_contains_text("#present-title", "Target portfolio (Min variance)", timeout=40)
    numbers = {k: text_of(desk, f"#present-kpi-{k}") for k in KPIS}
    link = text_of(desk, "#present-share-link")
    assert "method=min_variance" in link and "cov_method=sample" in link
    other = _fresh_browser()  # no session storage: only the link
    try:
        other.get(link)
        WebDriverWait(other, 60).until(ec.text_to_be_present_in_element((By.ID, "present-title"), "Min variance"))
        WebDriverWait(other, 30).until(lambda d: d.find_element(By.ID, "present-kpi-var").text)
        assert {k: other.find_element(By.ID, f"present-kpi-{k}").text for k in KPIS} == numbers
    finally:
        other.quit()
    assert console_errors(desk) == []


def test_report_and_chart_exports_download_valid_files(desk):
    desk.driver.get(desk.server_url + "/present")
    desk.wait_for_element("#present-kpi-sharpe", timeout=40)
    desk.wait_for_element("#present-growth-chart .main-svg", timeout=30)
    folder = Path(desk.download_path)
    click(desk, "#present-report-html")
    html = wait_for_file(folder / "portfolio-desk-report.html")
    assert html.startswith(b"<!DOCTYPE html>") and b"Growth of 10,000" in html
    click(desk, "#present-report-pdf")
    assert wait_for_file(folder / "portfolio-desk-report.pdf", timeout=120).startswith(b"%PDF-")
    for label, ext, magic in (("PNG image", "png", b"\x89PNG"), ("SVG vector", "svg", b"<svg"),
                              ("PNG (print quality)", "png", b"\x89PNG"), ("SVG (server)", "svg", b"<svg"),
                              ("PDF", "pdf", b"%PDF-"),
                              ("Interactive HTML", "html", b"<html")):
        target = folder / f"portfolio-desk-present-growth.{ext}"
        if target.exists():
            target.unlink()
        click(desk, "#present-growth-chart .pd-export .dropdown-toggle")
        item = next(i for i in desk.driver.find_elements(By.CSS_SELECTOR, "#present-growth-chart .pd-export-item")
                    if i.text.strip() == label)
        desk.driver.execute_script("arguments[0].click();", item)
        assert magic in wait_for_file(target, timeout=60)[:400], label
    assert console_errors(desk) == []


def test_print_stylesheet_hides_navigation_and_controls(desk):
    desk.driver.get(desk.server_url + "/present")
    desk.wait_for_element("#present-kpi-sharpe", timeout=40)
    nav = desk.driver.find_element(By.CSS_SELECTOR, ".pd-navbar")
    assert nav.is_displayed()
    desk.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not nav.is_displayed()
        assert not desk.driver.find_element(By.ID, "present-report-pdf").is_displayed()
        breaks = desk.driver.execute_script(
            "return [...document.querySelectorAll('.pd-present-section')].map(s => getComputedStyle(s).breakBefore);")
        assert breaks[0] != "page" and all(b == "page" for b in breaks[1:])
        assert desk.driver.find_element(By.ID, "present-title").is_displayed()
    finally:
        desk.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_an_earlier_as_of_date_solves_the_target_again_on_data_to_it(desk):
    use_as_target(desk, "?method=min_variance&cov=sample",
                  [("#construct-kpi-solver", "nnls"), ("#construct-leftover-text", "Leftover")],
                  "Target set: Min variance")
    click(desk, "#nav-present")
    desk.wait_for_contains_text("#present-title", "Target portfolio (Min variance)", timeout=40)
    desk.wait_for_contains_text("#present-subtitle", "Data as of 2022-12-28", timeout=30)
    before = text_of(desk, "#present-kpi-cagr")
    # The browser's date field takes month, day and year key by key once it has the focus.
    desk.driver.execute_script("arguments[0].focus();", show(desk, "#present-as-of"))
    for key in [*"06292018", Keys.ENTER]:
        ActionChains(desk.driver).send_keys(key).pause(0.1).perform()
    desk.wait_for_contains_text("#present-subtitle", "Weights optimised on data to 2018-06-29", timeout=60)
    assert "Data as of 2018-06-29" in text_of(desk, "#present-subtitle")
    assert text_of(desk, "#present-kpi-cagr") != before
    assert "as_of=2018-06-29" in text_of(desk, "#present-share-link")
    assert console_errors(desk) == []
