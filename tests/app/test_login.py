"""Optional login (auth/): Flask's test client on the app's own server, login switched on per test."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from werkzeug.security import check_password_hash, generate_password_hash

import app
import auth
from scripts import add_user as add_user_script

SECRET = "k" * 64
#: RFC 7617 section 2's worked example: user "Aladdin", password "open sesame" travel as this header.
ALADDIN = {"Authorization": "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="}
BOB = ("bob", "bob's long password")
UPDATE = "/_dash-update-component"
#: The navbar's user callback as the Dash renderer posts it on a page load.
NAV_USER_CALL = {"output": "nav-user.children", "outputs": {"id": "nav-user", "property": "children"},
                 "inputs": [{"id": "nav-user", "property": "id", "value": "nav-user"}],
                 "changedPropIds": [], "state": []}


def _fast_hash(password: str) -> str:
    return generate_password_hash(password, method="pbkdf2:sha256:1000")  # a werkzeug hash, quick to check


@pytest.fixture
def client(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'desk.sqlite'}")
    app.saved_store.cache_clear()
    yield app.server.test_client()
    app.saved_store().engine.dispose()
    app.saved_store.cache_clear()


@pytest.fixture
def users_file(tmp_path) -> Path:
    path = tmp_path / "users.json"
    path.write_text(json.dumps({"Aladdin": _fast_hash("open sesame"), BOB[0]: _fast_hash(BOB[1])}))
    return path


@pytest.fixture
def login_on(users_file):
    auth.configure(app.server, auth.settings_from_env({auth.USERS_ENV: str(users_file),
                                                       auth.SECRET_ENV: SECRET}))
    yield users_file
    auth.configure(app.server, None)


def _texts(node) -> set[str]:
    """Every string value in a callback response (what the navbar would show and link to)."""
    if isinstance(node, dict):
        return set().union(*(_texts(v) for k, v in node.items() if k not in ("type", "namespace", "id")))
    if isinstance(node, list):
        return set().union(*(_texts(v) for v in node))
    return {node} if isinstance(node, str) else set()


def _session_cookie(reply) -> str:
    return next(c for c in reply.headers.getlist("Set-Cookie") if c.startswith("session="))


def _log_in(client, name: str, password: str, next_page: str = "/"):
    return client.post("/login", data={"username": name, "password": password, "next": next_page})


def test_login_off_changes_nothing(client):
    for path in ("/", "/risk", "/api/v1/portfolios", "/healthz"):
        assert client.get(path).status_code == 200, path
    assert client.post(UPDATE, json=NAV_USER_CALL).status_code == 200
    assert _texts(client.post(UPDATE, json=NAV_USER_CALL).get_json()) == set()  # no user, no link
    assert client.get("/login").headers["Location"] == "/"  # nothing to sign in to
    assert app.server.secret_key is None


def test_pages_redirect_to_login_and_healthz_stays_open(client, login_on):
    reply = client.get("/risk?level=0.99")
    assert reply.status_code == 302 and reply.headers["Location"] == "/login?next=/risk?level%3D0.99"
    assert client.get("/").headers["Location"] == "/login?next=/"
    assert client.get("/healthz").get_json() == {"status": "ok"}
    form = client.get("/login?next=/risk")
    page = form.get_data(as_text=True)
    assert form.status_code == 200 and 'name="next" value="/risk"' in page
    assert 'href="/assets/00_bootstrap.min.css"' in page and "cdn" not in page.lower()
    assert client.get("/assets/00_bootstrap.min.css").status_code == 200  # the form's only stylesheet
    assert form.headers["X-Frame-Options"] == "DENY"  # the app's security headers apply


def test_callbacks_layout_and_assets_get_401_json(client, login_on):
    for reply in (client.post(UPDATE, json=NAV_USER_CALL), client.get("/_dash-layout"),
                  client.get("/_dash-dependencies"), client.get("/assets/app.css")):
        assert reply.status_code == 401 and "Log in first" in reply.get_json()["error"]
        assert "WWW-Authenticate" not in reply.headers  # no browser password prompt inside the page


def test_api_needs_credentials_and_takes_http_basic(client, login_on):
    bare = client.get("/api/v1/portfolios")
    assert bare.status_code == 401 and "HTTP Basic" in bare.get_json()["error"]
    assert bare.headers["WWW-Authenticate"] == 'Basic realm="Portfolio Desk"'
    assert client.get("/api/v1/portfolios", headers=ALADDIN).status_code == 200
    risk = client.post("/api/v1/risk", headers=ALADDIN, json={"weights": {"AAPL": 1.0}})
    assert risk.status_code == 200
    assert client.post("/api/v1/optimize", json={"tickers": ["AAPL"]}).status_code == 401


@pytest.mark.parametrize("name, password", [("Aladdin", "open sesamE"), ("Aladdin", ""),
                                            ("aladdin", "open sesame"), ("nobody", "open sesame")])
def test_a_wrong_name_or_password_is_refused(client, login_on, name, password):
    reply = _log_in(client, name, password, "/risk")
    assert reply.status_code == 401 and "Wrong user name or password." in reply.get_data(as_text=True)
    assert client.get("/risk").status_code == 302  # still not signed in
    basic = client.get("/api/v1/portfolios", auth=(name, password))
    assert basic.status_code == 401


def test_log_in_through_the_form_then_log_out(client, login_on):
    reply = _log_in(client, "Aladdin", "open sesame", "/risk?level=0.99")
    assert reply.status_code == 302 and reply.headers["Location"] == "/risk?level=0.99"
    cookie = _session_cookie(reply)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert client.get("/risk").status_code == 200 and client.get("/api/v1/portfolios").status_code == 200
    navbar = _texts(client.post(UPDATE, json=NAV_USER_CALL).get_json())
    assert {"Aladdin", "Log out", "/logout"} <= navbar
    out = client.get("/logout")
    assert out.status_code == 302 and out.headers["Location"] == "/login"
    assert out.headers["Clear-Site-Data"] == '"storage"'  # the tab's workspace and its upload secret
    assert client.get("/risk").status_code == 302
    assert client.post(UPDATE, json=NAV_USER_CALL).status_code == 401


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "risk"])
def test_login_never_redirects_off_the_desk(client, login_on, target):
    assert _log_in(client, *BOB, target).headers["Location"] == "/"


def test_the_session_cookie_is_secure_behind_https(client, users_file, monkeypatch):
    monkeypatch.setenv("PORTFOLIO_DESK_SECURE_COOKIE", "1")
    auth.configure(app.server, auth.Settings(users_file, SECRET))
    try:
        assert "; Secure" in _session_cookie(_log_in(client, *BOB))
    finally:
        monkeypatch.delenv("PORTFOLIO_DESK_SECURE_COOKIE")
        auth.configure(app.server, None)
    assert app.server.config["SESSION_COOKIE_SECURE"] is False


def test_a_new_password_ends_the_sessions_made_with_the_old_one(client, login_on):
    _log_in(client, *BOB)
    assert client.get("/risk").status_code == 200
    login_on.write_text(json.dumps({"Aladdin": _fast_hash("open sesame"), BOB[0]: _fast_hash("a new password")}))
    os.utime(login_on, ns=(0, 10**18))  # a changed modification time even on a coarse clock
    assert client.get("/risk").status_code == 302


def test_two_users_saved_items_are_not_visible_to_each_other(client, login_on):
    made = client.post("/api/v1/portfolios", headers=ALADDIN, json={"name": "Core", "weights": {"AAPL": 1.0}})
    assert made.status_code == 201 and made.get_json()["owner"] == "Aladdin"
    item = made.get_json()["id"]
    assert client.get("/api/v1/portfolios", auth=BOB).get_json() == []
    assert client.get(f"/api/v1/portfolios/{item}", auth=BOB).status_code == 404
    assert client.delete(f"/api/v1/portfolios/{item}", auth=BOB).status_code == 404
    assert client.post("/api/v1/risk", auth=BOB, json={"portfolio_id": item}).status_code == 404
    # bob may use the same name: names are unique per owner
    assert client.post("/api/v1/portfolios", auth=BOB, json={"name": "Core", "weights": {"MSFT": 1.0}}).status_code == 201
    _log_in(client, "Aladdin", "open sesame")  # the session cookie scopes the same way as Basic
    assert [(i["name"], i["weights"]) for i in client.get("/api/v1/portfolios").get_json()] == [("Core", {"AAPL": 1.0})]


def test_settings_from_env_refuses_a_half_configured_login(tmp_path, users_file):
    assert auth.settings_from_env({}) is None
    with pytest.raises(auth.LoginConfigError, match="PORTFOLIO_DESK_SECRET_KEY is not set") as err:
        auth.settings_from_env({auth.USERS_ENV: str(users_file)})
    assert err.value.code == "no_secret_key"
    with pytest.raises(auth.LoginConfigError, match="has 5 characters: set it to a random string of at least 32"):
        auth.settings_from_env({auth.USERS_ENV: str(users_file), auth.SECRET_ENV: "short"})
    with pytest.raises(auth.LoginConfigError, match="does not exist: create it with python -m scripts.add_user"):
        auth.settings_from_env({auth.USERS_ENV: str(tmp_path / "none.json"), auth.SECRET_ENV: SECRET})
    plain = tmp_path / "plain.json"
    plain.write_text('{"alice": "hunter2hunter2"}')
    with pytest.raises(auth.LoginConfigError, match="no password hash for user 'alice' \\(a plain password"):
        auth.settings_from_env({auth.USERS_ENV: str(plain), auth.SECRET_ENV: SECRET})
    plain.write_text("[1, 2")
    with pytest.raises(auth.LoginConfigError, match="is not valid JSON \\(line 1"):
        auth.settings_from_env({auth.USERS_ENV: str(plain), auth.SECRET_ENV: SECRET})


def test_the_app_refuses_to_start_without_a_secret_key(users_file, tmp_path):
    env = {**os.environ, auth.USERS_ENV: str(users_file), "PORTFOLIO_DESK_CACHE": str(tmp_path / "cache")}
    env.pop(auth.SECRET_ENV, None)
    run = subprocess.run([sys.executable, "-c", "import app"], cwd=Path(app.__file__).parent, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "Portfolio Desk will not start: Login is on" in run.stderr and auth.SECRET_ENV in run.stderr


def test_add_user_writes_a_werkzeug_hash_never_the_password(tmp_path, monkeypatch, capsys):
    path = tmp_path / "desk" / "users.json"
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse\n"))
    assert add_user_script.main(["alice", "--file", str(path), "--password-stdin"]) == 0
    assert "Added 'alice'" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("second password"))
    monkeypatch.setenv(auth.USERS_ENV, str(path))
    assert add_user_script.main(["bob", "--password-stdin"]) == 0  # the file from the environment
    users = json.loads(path.read_text())
    assert "correct horse" not in path.read_text() and users["alice"].startswith("scrypt:")
    assert check_password_hash(users["alice"], "correct horse")  # werkzeug's own check, newline dropped
    assert check_password_hash(users["bob"], "second password")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    monkeypatch.setattr("sys.stdin", io.StringIO("short"))
    assert add_user_script.main(["carol", "--password-stdin"]) == 1
    assert "at least 8 characters" in capsys.readouterr().err
    assert add_user_script.main(["a:b", "--password-stdin"]) == 1
    assert sorted(json.loads(path.read_text())) == ["alice", "bob"]
