"""The JSON API under ``/api/v1/``: a Flask blueprint on the app's own server."""

from api.saved import API_PREFIX, make_blueprint

__all__ = ["API_PREFIX", "make_blueprint"]
