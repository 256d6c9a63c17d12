"""The login hook: who owns what is saved.

``current_owner()`` returns the signed-in user's id, or ``None`` when the desk has no login
(a single team's desk: everyone sees every saved item). The login work replaces the body of
this function (for example with ``flask_login.current_user``); the store and the API call only
this function, so nothing else changes when login arrives.
"""

from __future__ import annotations

__all__ = ["current_owner"]


def current_owner() -> str | None:
    """The owner to stamp on saved items and filter lists by; ``None`` without login."""
    return None
