"""Optional login on the app's Flask server, with Flask-Login.

Off unless ``PORTFOLIO_DESK_USERS`` names a users file (:mod:`auth.users`) or
``PORTFOLIO_DESK_OIDC_ISSUER`` names an OpenID Connect provider (:mod:`auth.oidc`). On, every request but
``/healthz``, ``/login``, ``/login/callback`` and the login page's stylesheet needs a signed-in user: pages
redirect to ``/login``, Dash callbacks, assets and the API answer 401 JSON. With a users file the API also
takes the same credentials as HTTP Basic. The session is Flask's signed cookie, keyed by
``PORTFOLIO_DESK_SECRET_KEY``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import flask
import flask_login

from auth.oidc import ISSUER_ENV, OidcLogin, OidcSettings, oidc_settings_from_env
from auth.throttle import LoginThrottle, throttled_message
from auth.users import LoginConfigError, User, UsersFile

__all__ = ["Settings", "settings_from_env", "install", "configure", "user_name", "USERS_ENV", "SECRET_ENV"]

USERS_ENV = "PORTFOLIO_DESK_USERS"
SECRET_ENV = "PORTFOLIO_DESK_SECRET_KEY"
SECURE_COOKIE_ENV = "PORTFOLIO_DESK_SECURE_COOKIE"  # "1" behind HTTPS: the session cookie is Secure
MIN_SECRET_LENGTH = 32
_EXTENSION = "portfolio_desk_login"
_OIDC = "portfolio_desk_oidc"
_NEXT = "desk_login_next"  # the session field holding where to go after the provider's sign-in
_THROTTLE = "portfolio_desk_login_throttle"
_FINGERPRINT = "desk_login"  # the session field holding the password hash's fingerprint
#: Open with login on: the health check, the login form and the one stylesheet it uses.
OPEN_PATHS = frozenset({"/healthz", "/login", "/login/callback", "/logout", "/assets/00_bootstrap.min.css"})
#: Requests under these prefixes are made by scripts, not people: 401 JSON instead of a redirect.
JSON_PREFIXES = ("/api/", "/_dash-", "/_desk-upload", "/_reload-hash", "/assets/", "/_favicon", "/favicon.ico")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settings:
    """Login on: the users file and the key that signs session cookies."""

    users_file: Path
    secret_key: str


def settings_from_env(environ: Mapping[str, str]) -> Settings | OidcSettings | None:
    """None (login off) without ``PORTFOLIO_DESK_USERS`` or ``PORTFOLIO_DESK_OIDC_ISSUER``; otherwise the
    settings, once the users file reads (or the provider's client is configured) and the secret key is long
    enough (LoginConfigError says what to set)."""
    users, issuer = environ.get(USERS_ENV, "").strip(), environ.get(ISSUER_ENV, "").strip()
    if not users and not issuer:
        return None
    if users and issuer:
        raise LoginConfigError(f"Both {USERS_ENV} and {ISSUER_ENV} are set: the desk logs in one way. Unset one.",
                               code="two_logins")
    secret = environ.get(SECRET_ENV, "")
    if len(secret) < MIN_SECRET_LENGTH:
        state = "is not set" if not secret else f"has {len(secret)} characters"
        raise LoginConfigError(
            f"Login is on ({USERS_ENV + '=' + users if users else ISSUER_ENV + '=' + issuer}) but {SECRET_ENV} "
            f"{state}: set it to a random string of at "
            f"least {MIN_SECRET_LENGTH} characters, the same for every worker, e.g. "
            "python -c 'import secrets; print(secrets.token_hex(32))'.", code="no_secret_key")
    if issuer:
        return oidc_settings_from_env(environ, secret)
    settings = Settings(Path(users).expanduser().resolve(), secret)
    UsersFile(settings.users_file, secret).hashes()  # a missing or bad file stops the start here
    return settings


def _users() -> UsersFile | None:
    return flask.current_app.extensions.get(_EXTENSION)


def _oidc() -> OidcLogin | None:
    return flask.current_app.extensions.get(_OIDC)


def _login_on() -> bool:
    return _users() is not None or _oidc() is not None


def user_name() -> str | None:
    """The signed-in user's name, None when login is off or outside a request."""
    if not flask.has_request_context() or not _login_on():
        return None
    user = flask_login.current_user
    return user.get_id() if user.is_authenticated else None


def _load_session_user(name: str) -> User | None:
    oidc, users = _oidc(), _users()
    if oidc is not None:  # signed in through this provider (a session from another issuer or mode is not)
        fingerprint = oidc.settings.fingerprint
        return User(name, fingerprint) if flask.session.get(_FINGERPRINT) == fingerprint else None
    if users is None:
        return None
    try:
        user = users.user(name)
    except LoginConfigError as err:
        log.error("%s", err)
        return None
    return user if user is not None and flask.session.get(_FINGERPRINT) == user.fingerprint else None


def _attempt_keys(name: str) -> tuple[str, str]:
    """The throttle's keys of a login attempt: the user name tried and the client's address."""
    return f"user:{name}", f"address:{flask.request.remote_addr or ''}"


def _verify(users: UsersFile, name: str, password: str) -> User | None:
    """``users.verify`` with every failure counted against the name and the address."""
    user = users.verify(name, password)
    if user is None:
        flask.current_app.extensions[_THROTTLE].failed(_attempt_keys(name))
    return user


def _load_basic_user(request: flask.Request) -> User | None:
    users, auth = _users(), request.authorization
    if users is None or auth is None or auth.type != "basic" or not auth.username:
        return None
    if flask.current_app.extensions[_THROTTLE].retry_after(_attempt_keys(auth.username)) is not None:
        return None  # refused without checking the password: the 401 says to log in
    try:
        return _verify(users, auth.username, auth.password or "")
    except LoginConfigError as err:
        log.error("%s", err)
        return None


def _gate() -> Any:
    if not _login_on() or flask.request.path in OPEN_PATHS or flask_login.current_user.is_authenticated:
        return None
    path = flask.request.path
    if path.startswith(JSON_PREFIXES):
        basic = _users() is not None
        reply = flask.jsonify({"error": "Log in first: open /login in the browser" + (
            ", or send the desk's user name and password as HTTP Basic credentials." if basic else
            " (the desk signs you in through your organisation's identity provider).")})
        headers = {"WWW-Authenticate": 'Basic realm="Portfolio Desk"'} if basic and path.startswith("/api/") else {}
        return reply, 401, headers
    return flask.redirect(flask.url_for("desk_login.login", next=flask.request.full_path.rstrip("?")))


def _local(target: str | None) -> str:
    """``target`` when it is a path on this server (never another host), else the Data page."""
    parts = urlsplit(target or "")
    if not target or parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return "/"
    return target


_FORM = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in - Portfolio Desk</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/assets/00_bootstrap.min.css"></head>
<body class="bg-body-tertiary"><main class="container" style="max-width: 24rem; margin-top: 12vh">
<h1 class="h4 mb-3">Portfolio Desk</h1>
{% if message %}<div class="alert alert-{{ level }}" role="alert" id="login-message">{{ message }}</div>{% endif %}
{% if oidc %}<a class="btn btn-primary w-100" href="/login?next={{ next | urlencode }}" id="login-oidc">Log in with
your organisation's account</a>
{% if provider_logout %}<a class="btn btn-link w-100 mt-2" href="{{ provider_logout }}" id="login-provider-logout">Log
out of the identity provider too</a>{% endif %}
{% else %}<form method="post" action="/login" id="login-form">
<input type="hidden" name="next" value="{{ next }}">
<div class="mb-3"><label class="form-label" for="login-user">User name</label>
<input class="form-control" id="login-user" name="username" autocomplete="username" required autofocus
 value="{{ username }}"></div>
<div class="mb-3"><label class="form-label" for="login-password">Password</label>
<input class="form-control" id="login-password" name="password" type="password"
 autocomplete="current-password" required></div>
<button class="btn btn-primary w-100" type="submit" id="login-submit">Log in</button>
</form>{% endif %}</main></body></html>"""


def _form(status: int = 200, **values: str) -> tuple[str, int]:
    fields = {"message": "", "level": "danger", "next": "/", "username": "", "oidc": "", "provider_logout": "",
              **values}
    return flask.render_template_string(_FORM, **fields), status


def _sign_in(user: User, target: str) -> Any:
    """A fresh session for ``user`` (nothing of the one before it is kept), then ``target``."""
    flask.session.clear()
    flask_login.login_user(user)
    flask.session[_FINGERPRINT] = user.fingerprint
    return flask.redirect(target)


def _login() -> Any:
    users, oidc = _users(), _oidc()
    target = _local(flask.request.values.get("next"))
    if oidc is not None:  # off to the provider's sign-in; it comes back to /login/callback
        flask.session[_NEXT] = target
        try:
            return oidc.redirect(flask.url_for("desk_login.callback", _external=True))
        except Exception as err:  # its metadata could not be read: say so instead of a 500
            log.warning("OpenID Connect provider unavailable: %r", err)
            return _form(503, message=f"The login provider {oidc.settings.issuer} cannot be reached "
                                      f"({type(err).__name__}). Try again in a minute, or ask the desk's "
                                      "administrator.", oidc="1")
    if users is None:
        return flask.redirect("/")  # login is off: nothing to sign in to
    if flask.request.method == "GET":
        return _form(next=target)
    name = flask.request.form.get("username", "").strip()
    wait = flask.current_app.extensions[_THROTTLE].retry_after(_attempt_keys(name))
    if wait is not None:
        page, status = _form(429, message=throttled_message(wait), next=target, username=name)
        return page, status, {"Retry-After": str(max(1, round(wait)))}
    try:
        user = _verify(users, name, flask.request.form.get("password", ""))
    except LoginConfigError as err:
        log.error("%s", err)
        return _form(503, message=f"Login is unavailable: {err} Ask the desk's administrator.",
                     next=target, username=name)
    if user is None:
        return _form(401, message="Wrong user name or password.", next=target, username=name)
    return _sign_in(user, target)


def _callback() -> Any:
    """The provider's redirect back: the desk user from its validated ID token, or the reason it failed."""
    oidc = _oidc()
    if oidc is None:
        return flask.redirect("/")
    target = _local(flask.session.get(_NEXT))
    try:
        name = oidc.user_name()
    except LoginConfigError as err:
        return _form(401, message=str(err), oidc="1")
    return _sign_in(User(name, oidc.settings.fingerprint), target)


def _logout() -> Any:
    flask_login.logout_user()
    flask.session.clear()
    oidc = _oidc()
    reply: Any
    if oidc is not None:  # /login would sign straight back in at the provider: say it is done, offer both
        reply = flask.make_response(_form(200, message="You are logged out of Portfolio Desk.", level="success",
                                          oidc="1", provider_logout=oidc.logout_url(flask.url_for(
                                              "desk_login.login", _external=True)) or "")[0])
    else:
        reply = flask.redirect("/login" if _users() is not None else "/")
    # the tab's workspace (session storage, with its upload secret) goes too: the next person starts clean
    reply.headers["Clear-Site-Data"] = '"storage"'
    return reply


def install(server: flask.Flask, settings: Settings | OidcSettings | None) -> None:
    """Add the login routes, Flask-Login and the request gate to ``server`` (at start-up, before any
    request), with login on when ``settings`` is given."""
    manager = flask_login.LoginManager()
    manager.init_app(server, add_context_processor=False)
    manager.user_loader(_load_session_user)
    manager.request_loader(_load_basic_user)
    blueprint = flask.Blueprint("desk_login", __name__)
    blueprint.add_url_rule("/login", "login", _login, methods=["GET", "POST"])
    blueprint.add_url_rule("/login/callback", "callback", _callback, methods=["GET"])
    blueprint.add_url_rule("/logout", "logout", _logout, methods=["GET", "POST"])
    server.register_blueprint(blueprint)
    server.before_request(_gate)
    server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    configure(server, settings)


def configure(server: flask.Flask, settings: Settings | OidcSettings | None) -> None:
    """Turn login on (``settings``: a users file or a provider) or off on a server :func:`install` prepared
    (tests switch it)."""
    server.config["SESSION_COOKIE_SECURE"] = os.environ.get(SECURE_COOKIE_ENV, "0") == "1"
    server.extensions.pop(_EXTENSION, None)
    server.extensions.pop(_OIDC, None)
    if settings is None:
        server.secret_key = None
        return
    server.secret_key = settings.secret_key
    if isinstance(settings, OidcSettings):
        server.extensions[_OIDC] = OidcLogin(server, settings)
        return
    server.extensions[_EXTENSION] = UsersFile(settings.users_file, settings.secret_key)
    server.extensions[_THROTTLE] = LoginThrottle()
