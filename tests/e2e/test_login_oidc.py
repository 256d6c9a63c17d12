"""OpenID Connect login in headless Chromium: the desk sends the browser to a real provider on loopback
(tests/integration/oidc_provider.py), its sign-in form answers, and the desk opens signed in."""

import pytest

import app
import auth
from auth.oidc import CLIENT_ID_ENV, CLIENT_SECRET_ENV, ISSUER_ENV
from tests.e2e.conftest import click, console_errors
from tests.integration.oidc_provider import Provider

pytestmark = pytest.mark.e2e


@pytest.fixture
def desk_with_provider(desk):
    """The running desk with OpenID Connect login switched on after start-up (see test_login.py)."""
    desk.driver.get("about:blank")
    console_errors(desk)
    provider = Provider([desk.server_url + "/login/callback"],
                        {"alice": {"email": "alice@example.com", "email_verified": True}}).start()
    auth.configure(app.server, auth.settings_from_env({
        ISSUER_ENV: provider.issuer, CLIENT_ID_ENV: "desk", CLIENT_SECRET_ENV: "desk-client-secret",
        auth.SECRET_ENV: "s" * 64}))
    yield desk, provider
    auth.configure(app.server, None)
    provider.stop()


def test_sign_in_at_the_provider_see_the_data_page_and_log_out(desk_with_provider):
    duo, provider = desk_with_provider
    duo.driver.get(duo.server_url + "/risk")
    duo.wait_for_element("#op-user", timeout=20)  # the provider's own sign-in page
    assert duo.driver.current_url.startswith(provider.issuer + "/authorize?")
    duo.find_element("#op-user").send_keys("alice")
    duo.find_element("#op-submit").click()
    duo.wait_for_contains_text("#risk-portfolio-label", "Equal weight", timeout=60)  # back where it started
    assert duo.driver.current_url == duo.server_url + "/risk"
    duo.wait_for_text_to_equal("#nav-user-name", "alice@example.com", timeout=20)
    assert [e for e in console_errors(duo) if "favicon" not in e.get("message", "")] == []
    click(duo, "#nav-logout")
    duo.wait_for_contains_text("#login-message", "You are logged out of Portfolio Desk.", timeout=20)
    link = duo.find_element("#login-provider-logout").get_attribute("href")
    assert link.startswith(provider.issuer + "/logout?client_id=desk&post_logout_redirect_uri=")
    duo.driver.get(duo.server_url + "/construct")
    duo.wait_for_element("#op-user", timeout=20)  # the desk's session has ended: signed in again at the provider
    assert provider.logins == ["alice"]
