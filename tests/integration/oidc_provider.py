"""A real OpenID Connect provider on loopback for the login tests, built on Authlib's server side.

Authlib's ``AuthorizationServer`` with its authorization-code grant and ``OpenIDCode`` extension does the
protocol (checks the client, its secret and redirect URI, issues single-use codes, signs RS256 ID tokens
with the nonce, ``iss``, ``aud`` and ``exp``); this module only keeps clients and codes in memory and shows
a sign-in form (a user name, no password: the desk never sees what the provider asks). Discovery
(``/.well-known/openid-configuration``), the JWKS and userinfo endpoints are served as a provider must.

``Provider(...).start()`` serves it on a free port in a thread; ``.issuer`` is its address. Test knobs:
``users`` (name -> claims), ``sign_with`` (a different key signs ID tokens: their signature fails).
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import flask
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oidc.core import UserInfo
from authlib.oidc.core import grants as oidc_grants
from authlib.oidc.core.models import AuthorizationCodeMixin
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str]

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope):
        return " ".join(s for s in (scope or "").split() if s in {"openid", "email", "profile"})

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return client_secret == self.client_secret

    def check_endpoint_auth_method(self, method, endpoint):
        return method in {"client_secret_basic", "client_secret_post"}

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: str
    nonce: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time


class Provider:
    """An OpenID Connect provider for one client, ``desk``, with the given users."""

    def __init__(self, redirect_uris: list[str], users: dict[str, dict[str, Any]], *,
                 client_secret: str = "desk-client-secret") -> None:
        self.users = users
        self.client = Client("desk", client_secret, list(redirect_uris))
        self.key = RSAKey.generate_key(2048, parameters={"kid": "provider-key", "use": "sig", "alg": "RS256"})
        self.sign_with = self.key  # a test sets another key: the desk must refuse what it signs
        self.codes: dict[str, Code] = {}
        self.logins: list[str] = []
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.app = self._app()
        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> Provider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def stop_listening(self) -> None:
        """Close the socket of a provider never started (its port then refuses connections)."""
        self._server.server_close()

    def _app(self) -> flask.Flask:
        app = flask.Flask("test_oidc_provider")
        app.config.update(OAUTH2_TOKEN_EXPIRES_IN={"authorization_code": 600})
        server = AuthorizationServer(app, query_client=lambda cid: self.client if cid == "desk" else None,
                                     save_token=lambda token, request: None)
        provider = self

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code, request):
                provider.codes[code] = Code(code, request.client.get_client_id(), request.payload.redirect_uri,
                                            request.scope, request.user, request.payload.data.get("nonce"))

            def query_authorization_code(self, code, client):
                item = provider.codes.get(code)
                return item if item and item.client_id == client.get_client_id() else None

            def delete_authorization_code(self, authorization_code):
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code):
                return authorization_code.user

        class OpenIDCode(oidc_grants.OpenIDCode):
            def resolve_client_private_key(self, client):
                return provider.sign_with

            def get_client_claims(self, client):
                return {"iss": provider.issuer, "aud": [client.get_client_id()]}  # exp: Authlib's, an hour

            def get_client_algorithm(self, client):
                return "RS256"

            def get_encode_header(self, client):
                return {"alg": "RS256", "kid": "provider-key"}

            def exists_nonce(self, nonce, request):
                return any(c.nonce == nonce for c in provider.codes.values())

            def generate_user_info(self, user, scope):
                return UserInfo(sub=f"sub-{user}", **provider.users[user])

        server.register_grant(CodeGrant, [OpenIDCode(require_nonce=True)])

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return {"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                    "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                    "end_session_endpoint": f"{self.issuer}/logout",
                    "response_types_supported": ["code"], "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"], "scopes_supported": ["openid", "email"],
                    "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"]}

        @app.get("/jwks")
        def jwks():
            return KeySet([self.key]).as_dict(private=False)

        @app.route("/authorize", methods=["GET", "POST"])
        def authorize():
            if flask.request.method == "GET":  # the provider's own sign-in page
                return ('<!doctype html><title>Test provider</title><form method="post">'
                        '<input id="op-user" name="username"><button id="op-submit">Sign in</button></form>')
            name = flask.request.form.get("username", "")
            if name not in self.users:
                return server.create_authorization_response(grant_user=None)  # access_denied back to the desk
            self.logins.append(name)
            return server.create_authorization_response(grant_user=name)

        @app.post("/token")
        def token():
            return server.create_token_response()

        @app.get("/logout")
        def logout():
            return "Signed out at the provider"

        return app
