"""Login through OpenID Connect (auth/oidc.py) against a real provider on loopback (Authlib's server side).

The desk runs in Flask's test client; the provider (tests/integration/oidc_provider.py) runs on a real port,
so discovery, the code exchange and the key set travel over HTTP as in production. The browser's part (the
redirect to the provider, its sign-in form, the redirect back) is done here with ``requests``.
"""

from __future__ import annotations

from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from joserfc.jwk import RSAKey

import app
import auth
from auth.oidc import CLIENT_ID_ENV, CLIENT_SECRET_ENV, ISSUER_ENV, USER_CLAIM_ENV
from tests.app.test_login import NAV_USER_CALL, UPDATE, _texts
from tests.integration.oidc_provider import Provider

SECRET = "s" * 64
CALLBACK = "http://localhost/login/callback"  # Flask's test client serves the desk as http://localhost
USERS = {"alice": {"email": "alice@example.com", "email_verified": True, "name": "Alice"},
         "bob": {"email": "bob@example.com", "email_verified": True},
         "eve": {"email": "eve@example.com", "email_verified": False},
         "nomail": {"name": "No Mail"}}


@pytest.fixture
def provider():
    served = Provider([CALLBACK], USERS).start()
    yield served
    served.stop()


def _env(provider: Provider, **extra: str) -> dict[str, str]:
    return {ISSUER_ENV: provider.issuer, CLIENT_ID_ENV: "desk", CLIENT_SECRET_ENV: "desk-client-secret",
            auth.SECRET_ENV: SECRET, **extra}


@pytest.fixture
def client(tmp_path, monkeypatch, provider):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'desk.sqlite'}")
    app.saved_store.cache_clear()
    auth.configure(app.server, auth.settings_from_env(_env(provider)))
    yield app.server.test_client()
    auth.configure(app.server, None)
    app.saved_store().engine.dispose()
    app.saved_store.cache_clear()


def _to_provider(client, provider: Provider, next_page: str = "/") -> str:
    """GET /login on the desk: it must send the browser to the provider's authorization endpoint."""
    reply = client.get(f"/login?next={next_page}")
    assert reply.status_code == 302
    where = reply.headers["Location"]
    query = parse_qs(urlsplit(where).query)
    assert where.startswith(f"{provider.issuer}/authorize?")
    assert query["client_id"] == ["desk"] and query["response_type"] == ["code"]
    assert query["redirect_uri"] == [CALLBACK] and "openid" in query["scope"][0].split()
    assert query["state"][0] and query["nonce"][0]  # kept in the desk's signed session
    return where


def _sign_in_at(provider_url: str, user: str) -> str:
    """The provider's sign-in form, answered as ``user``: its redirect back to the desk."""
    assert 'id="op-user"' in requests.get(provider_url, timeout=10).text
    back = requests.post(provider_url, data={"username": user}, allow_redirects=False, timeout=10)
    assert back.status_code == 302, back.text
    return back.headers["Location"]


def _log_in(client, provider: Provider, user: str, next_page: str = "/"):
    back = _sign_in_at(_to_provider(client, provider, next_page), user)
    assert back.startswith(CALLBACK + "?")
    return client.get(back[len("http://localhost"):])


def test_sign_in_at_the_provider_use_the_desk_then_log_out(client, provider):
    assert client.get("/risk").status_code == 302  # login on: pages send you to /login
    reply = _log_in(client, provider, "alice", "/risk?level=0.99")
    assert reply.status_code == 302 and reply.headers["Location"] == "/risk?level=0.99"
    assert provider.logins == ["alice"]
    assert client.get("/risk").status_code == 200 and client.get("/api/v1/portfolios").status_code == 200
    assert {"alice@example.com", "Log out"} <= _texts(client.post(UPDATE, json=NAV_USER_CALL).get_json())
    out = client.get("/logout")
    assert out.status_code == 200 and "You are logged out of Portfolio Desk." in unescape(out.text)
    assert f'href="{provider.issuer}/logout?client_id=desk&post_logout_redirect_uri=http%3A%2F%2Flocalhost%2Flogin"' in unescape(out.text)
    assert out.headers["Clear-Site-Data"] == '"storage"'
    assert client.get("/risk").status_code == 302 and client.post(UPDATE, json=NAV_USER_CALL).status_code == 401


def test_scripts_get_401_json_that_points_to_the_browser(client):
    reply = client.get("/api/v1/portfolios")
    assert reply.status_code == 401 and "WWW-Authenticate" not in reply.headers
    assert "identity provider" in reply.get_json()["error"]
    assert client.get("/api/v1/portfolios", auth=("alice", "anything")).status_code == 401  # no passwords here


def test_a_forged_state_is_refused(client, provider):
    back = _sign_in_at(_to_provider(client, provider), "alice")
    query = parse_qs(urlsplit(back).query)
    reply = client.get(f"/login/callback?code={query['code'][0]}&state=forged")
    assert reply.status_code == 401 and "did not complete" in unescape(reply.text)
    assert client.get("/risk").status_code == 302


def test_a_code_is_used_once(client, provider):
    back = _sign_in_at(_to_provider(client, provider), "alice")
    assert client.get(back[len("http://localhost"):]).status_code == 302
    client.get("/logout")
    again = client.get(back[len("http://localhost"):])  # replayed: its state is gone from the session
    assert again.status_code == 401 and client.get("/risk").status_code == 302


def test_an_id_token_signed_by_another_key_is_refused(client, provider):
    provider.sign_with = RSAKey.generate_key(2048, parameters={"kid": "provider-key"})
    reply = _log_in(client, provider, "alice")
    assert reply.status_code == 401 and "could not be checked" in unescape(reply.text)
    assert client.get("/risk").status_code == 302


@pytest.mark.parametrize("user,message", [
    ("eve", "has not verified the email address 'eve@example.com'"),
    ("nomail", "has no 'email' claim to name you by"),
])
def test_an_unverified_or_missing_email_is_refused(client, provider, user, message):
    reply = _log_in(client, provider, user)
    assert reply.status_code == 401 and message in unescape(reply.text)


def test_a_refusal_at_the_provider_is_said_on_the_desk(client, provider):
    back = _sign_in_at(_to_provider(client, provider), "mallory")  # not a user there: access_denied
    assert "error=access_denied" in back
    reply = client.get(back[len("http://localhost"):])
    assert reply.status_code == 401 and "access_denied" in unescape(reply.text)


def test_another_claim_names_the_user(tmp_path, monkeypatch, provider):
    auth.configure(app.server, auth.settings_from_env(_env(provider, **{USER_CLAIM_ENV: "sub"})))
    try:
        client = app.server.test_client()
        assert _log_in(client, provider, "nomail").status_code == 302
        assert "sub-nomail" in _texts(client.post(UPDATE, json=NAV_USER_CALL).get_json())
    finally:
        auth.configure(app.server, None)


def test_two_users_saved_items_are_not_visible_to_each_other(client, provider):
    _log_in(client, provider, "alice")
    made = client.post("/api/v1/portfolios", json={"name": "Core", "weights": {"AAPL": 1.0}})
    assert made.status_code == 201 and made.get_json()["owner"] == "alice@example.com"
    other = app.server.test_client()
    _log_in(other, provider, "bob")
    assert other.get("/api/v1/portfolios").get_json() == []
    assert other.get(f"/api/v1/portfolios/{made.get_json()['id']}").status_code == 404


def test_an_unreachable_or_hung_provider_gets_a_message_not_a_500(monkeypatch):
    hung = Provider([CALLBACK], USERS)  # its socket listens but nothing answers: the desk's timeout ends the wait
    down = Provider([CALLBACK], USERS)
    down.stop_listening()  # nothing listens on its port: refused at once
    monkeypatch.setattr("auth.oidc.PROVIDER_TIMEOUT", 0.5)
    try:
        for provider, why in ((down, "ConnectionError"), (hung, "ReadTimeout")):
            auth.configure(app.server, auth.settings_from_env(_env(provider)))
            reply = app.server.test_client().get("/login")
            assert reply.status_code == 503
            assert f"The login provider {provider.issuer} cannot be reached ({why})" in unescape(reply.text)
    finally:
        auth.configure(app.server, None)
        hung.stop_listening()


def test_settings_refuse_a_half_configured_provider(provider):
    with pytest.raises(auth.LoginConfigError, match="PORTFOLIO_DESK_OIDC_CLIENT_SECRET is not set"):
        auth.settings_from_env({ISSUER_ENV: provider.issuer, CLIENT_ID_ENV: "desk", auth.SECRET_ENV: SECRET})
    with pytest.raises(auth.LoginConfigError, match="must be an https:// address"):
        auth.settings_from_env(_env(provider) | {ISSUER_ENV: "http://idp.example.com"})
    with pytest.raises(auth.LoginConfigError, match="the desk logs in one way"):
        auth.settings_from_env(_env(provider) | {auth.USERS_ENV: "/tmp/users.json"})
    with pytest.raises(auth.LoginConfigError, match="PORTFOLIO_DESK_SECRET_KEY is not set"):
        auth.settings_from_env({k: v for k, v in _env(provider).items() if k != auth.SECRET_ENV})
