import pytest

from tests.e2e.conftest import console_errors

PAGES = ["/", "/construct", "/execute", "/risk", "/tax", "/present", "/performance", "/compare"]


@pytest.mark.e2e
def test_every_page_loads_without_console_errors(desk):
    for path in PAGES:
        desk.driver.get(desk.server_url + path)
        desk.wait_for_element(".pd-page-header", timeout=20)
    desk.driver.get(desk.server_url + "/")
    desk.wait_for_contains_text("#data-summary-text", "20 assets", timeout=30)
    desk.driver.save_screenshot("/tmp/data-page.png")
    assert console_errors(desk) == []


@pytest.mark.e2e
def test_an_unknown_address_says_page_not_found_and_links_every_desk(desk):
    desk.driver.get(desk.server_url + "/no-such-desk")
    desk.wait_for_contains_text(".pd-page-header", "Page not found", timeout=30)
    links = [a.text for a in desk.driver.find_elements("css selector", "#not-found-links a")]
    assert links == ["Data", "Construct", "Execute", "Risk", "Tax", "Performance", "Compare", "Present"]
    navbar = [a.text for a in desk.driver.find_elements("css selector", ".pd-navbar .nav-link")]
    assert "Not found" not in navbar
    assert console_errors(desk) == []
