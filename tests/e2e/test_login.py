"""Login in headless Chromium: the form, the Data page behind it, and Log out."""

import json

import pytest
from werkzeug.security import generate_password_hash

import app
import auth
from tests.e2e.conftest import click, console_errors


@pytest.fixture
def desk_with_login(desk, tmp_path):
    """The running desk with login switched on after start-up (dash_duo waits for the app page first):
    the start page is left first, so none of its callbacks meets the login."""
    desk.driver.get("about:blank")
    console_errors(desk)  # drain the start page's log
    users = tmp_path / "users.json"
    users.write_text(json.dumps({"ada": generate_password_hash("analytical engine", method="pbkdf2:sha256:1000")}))
    auth.configure(app.server, auth.settings_from_env({auth.USERS_ENV: str(users), auth.SECRET_ENV: "s" * 64}))
    yield desk
    auth.configure(app.server, None)


@pytest.mark.e2e
def test_log_in_through_the_form_see_the_data_page_and_log_out(desk_with_login):
    duo = desk_with_login
    duo.driver.get(duo.server_url + "/")
    duo.wait_for_element("#login-form", timeout=20)  # redirected to /login
    duo.find_element("#login-user").send_keys("ada")
    duo.find_element("#login-password").send_keys("wrong password")
    duo.find_element("#login-submit").click()
    duo.wait_for_contains_text("#login-message", "Wrong user name or password.", timeout=20)
    duo.find_element("#login-password").send_keys("analytical engine")
    duo.find_element("#login-submit").click()
    duo.wait_for_contains_text("#data-summary-text", "20 assets", timeout=30)
    duo.wait_for_text_to_equal("#nav-user-name", "ada", timeout=20)
    errors = [e for e in console_errors(duo) if "/login" not in e.get("message", "")]  # the refused attempt's 401
    assert errors == []
    click(duo, "#nav-logout")
    duo.wait_for_element("#login-form", timeout=20)
    duo.driver.get(duo.server_url + "/risk")
    duo.wait_for_element("#login-form", timeout=20)  # the session has ended
    assert duo.driver.execute_script("return window.sessionStorage.length") == 0  # the workspace went too


@pytest.mark.e2e
def test_a_page_whose_session_ended_opens_the_login_form(desk_with_login):
    duo = desk_with_login
    duo.driver.get(duo.server_url + "/login?next=/")
    duo.find_element("#login-user").send_keys("ada")
    duo.find_element("#login-password").send_keys("analytical engine")
    duo.find_element("#login-submit").click()
    duo.wait_for_contains_text("#data-summary-text", "20 assets", timeout=30)
    duo.driver.delete_cookie("session")  # as if logged out in another tab
    click(duo, "#nav-risk")  # the page's callback is refused (401): the tab goes to the form, not a spinner
    duo.wait_for_element("#login-form", timeout=20)
    assert duo.driver.current_url.endswith("/login?next=%2Frisk")
