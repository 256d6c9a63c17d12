"""The login hook: who owns what is saved.

``current_owner()`` returns the signed-in user's name (Flask-Login's ``current_user.get_id()``),
or ``None`` when the desk has no login (a single team's desk: everyone sees every saved item)
or outside a request. The store and the API call only this function.
"""

from __future__ import annotations

import flask
import flask_login

__all__ = ["current_owner"]


def current_owner() -> str | None:
    """The owner to stamp on saved items and filter lists by; ``None`` without login."""
    if not flask.has_request_context() or getattr(flask.current_app, "login_manager", None) is None:
        return None
    user = flask_login.current_user
    return user.get_id() if user.is_authenticated else None
