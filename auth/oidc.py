"""Login through an OpenID Connect provider (Keycloak, Okta, Entra ID, Google, Auth0, ...), with Authlib.

On when ``PORTFOLIO_DESK_OIDC_ISSUER`` is set (with the client id and secret the provider issued for the
desk, and ``PORTFOLIO_DESK_SECRET_KEY``). ``/login`` sends the browser to the provider's authorization
endpoint (authorization code flow, ``state`` and ``nonce`` kept in the signed session); the provider
sends it back to ``/login/callback``, where Authlib exchanges the code for tokens and validates the ID
token (signature against the provider's published keys, issuer, audience, expiry, nonce). The claim named
by ``PORTFOLIO_DESK_OIDC_USER_CLAIM`` (``email`` by default; an unverified email is refused) becomes the
desk user name, which scopes uploads, jobs and saved work as a users-file login does. Nothing here
handles passwords or signs tokens: the provider and Authlib do.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import flask
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth

from auth.users import LoginConfigError, check_user_name

__all__ = ["OidcSettings", "OidcLogin", "oidc_settings_from_env", "ISSUER_ENV", "CLIENT_ID_ENV",
           "CLIENT_SECRET_ENV", "USER_CLAIM_ENV", "SCOPES_ENV"]

ISSUER_ENV = "PORTFOLIO_DESK_OIDC_ISSUER"
CLIENT_ID_ENV = "PORTFOLIO_DESK_OIDC_CLIENT_ID"
CLIENT_SECRET_ENV = "PORTFOLIO_DESK_OIDC_CLIENT_SECRET"
USER_CLAIM_ENV = "PORTFOLIO_DESK_OIDC_USER_CLAIM"
SCOPES_ENV = "PORTFOLIO_DESK_OIDC_SCOPES"
#: Seconds the desk waits for the provider (discovery, keys, the code exchange): a provider that hangs
#: gives the login page a message instead of holding a worker.
PROVIDER_TIMEOUT = 10.0
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OidcSettings:
    """Login through the provider at ``issuer``: the desk's client there and the key that signs cookies."""

    issuer: str
    client_id: str
    client_secret: str
    secret_key: str
    user_claim: str = "email"
    scopes: str = "openid email profile"

    @property
    def fingerprint(self) -> str:
        """What a session signed in through this provider carries (another issuer's sessions end)."""
        return f"oidc:{self.issuer}"


def oidc_settings_from_env(environ: Mapping[str, str], secret: str) -> OidcSettings | None:
    """None without ``PORTFOLIO_DESK_OIDC_ISSUER``; else the settings (LoginConfigError names what is missing)."""
    issuer = environ.get(ISSUER_ENV, "").strip().rstrip("/")
    if not issuer:
        return None
    missing = [name for name in (CLIENT_ID_ENV, CLIENT_SECRET_ENV) if not environ.get(name, "").strip()]
    if missing:
        raise LoginConfigError(f"OpenID Connect login is on ({ISSUER_ENV}={issuer}) but {' and '.join(missing)} "
                               f"{'is' if len(missing) == 1 else 'are'} not set: register the desk as a client at "
                               "the provider (redirect URI https://<desk>/login/callback) and set them.",
                               code="oidc_incomplete")
    if not issuer.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise LoginConfigError(f"{ISSUER_ENV} must be an https:// address (http only on loopback), not {issuer!r}.",
                               code="oidc_insecure")
    return OidcSettings(issuer, environ[CLIENT_ID_ENV].strip(), environ[CLIENT_SECRET_ENV].strip(), secret,
                        environ.get(USER_CLAIM_ENV, "").strip() or "email",
                        environ.get(SCOPES_ENV, "").strip() or "openid email profile")


class OidcLogin:
    """The desk's Authlib client of one provider, on one Flask server."""

    def __init__(self, server: flask.Flask, settings: OidcSettings) -> None:
        self.settings = settings
        oauth = OAuth(server)
        oauth.register("desk", client_id=settings.client_id, client_secret=settings.client_secret,
                       server_metadata_url=f"{settings.issuer}/.well-known/openid-configuration",
                       client_kwargs={"scope": settings.scopes, "default_timeout": PROVIDER_TIMEOUT})
        self.client: Any = oauth.create_client("desk")

    def redirect(self, redirect_uri: str) -> Any:
        """The browser's way to the provider's sign-in (state and nonce go into the session)."""
        return self.client.authorize_redirect(redirect_uri)

    def user_name(self) -> str:
        """On the provider's callback: the code exchanged, the ID token validated, its user claim as a name.

        Raises LoginConfigError with a message for the login page when anything fails: the provider's own
        error (a refused consent), a forged or replayed state, an ID token that does not validate, a missing,
        unverified or unusable claim, or a provider that cannot be reached.
        """
        try:
            token = self.client.authorize_access_token()
        except OAuthError as err:
            raise LoginConfigError(f"The sign-in at {self.settings.issuer} did not complete "
                                   f"({err.error or 'error'}: {err.description or 'no description'}). Try again.",
                                   code="oidc_failed") from None
        except Exception as err:  # requests' connection errors, joserfc's token errors: each says what failed
            log.warning("OpenID Connect callback failed: %r", err)
            raise LoginConfigError(f"The sign-in at {self.settings.issuer} could not be checked "
                                   f"({type(err).__name__}: {err}). Try again, or ask the desk's administrator.",
                                   code="oidc_failed") from None
        claims = token.get("userinfo") or {}
        claim = self.settings.user_claim
        value = claims.get(claim)
        if not isinstance(value, str) or not value.strip():
            raise LoginConfigError(f"The provider's ID token has no {claim!r} claim to name you by: ask the desk's "
                                   f"administrator to set {USER_CLAIM_ENV} or the provider's scopes.",
                                   code="oidc_no_claim")
        if claim == "email" and claims.get("email_verified") is False:
            raise LoginConfigError(f"The provider has not verified the email address {value!r}: verify it there "
                                   "first.", code="oidc_unverified")
        return check_user_name(value)

    def logout_url(self, after: str) -> str | None:
        """The provider's end-session address (RP-initiated logout), when it publishes one."""
        try:
            end = self.client.load_server_metadata().get("end_session_endpoint")
        except Exception as err:  # the provider is down: the desk's own session is still ended
            log.warning("OpenID Connect metadata unavailable at logout: %r", err)
            return None
        if not end:
            return None
        from urllib.parse import urlencode

        return f"{end}?{urlencode({'client_id': self.settings.client_id, 'post_logout_redirect_uri': after})}"
