"""The figures the server drew for each browser, so server-side export renders only those.

Server-side export runs kaleido's Chromium on the server: a figure posted by the client
could point an image at ``file:///etc/passwd`` or an internal URL. So the export never
takes a figure from the request. :func:`install` records, after every Dash callback
response, each chart figure the server sent (by chart name, under a random per-browser
cookie); the export callback looks the chart up here and refuses a name it never drew.

The registry is a diskcache folder, shared by every worker process on one machine.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from pathlib import Path
from typing import Any

import flask

from . import ids

__all__ = ["COOKIE", "FigureRegistry", "install", "current_figure"]

#: The cookie naming one browser's registry entries (random, HttpOnly; no user data in it).
COOKIE = "pd_figures"
_GRAPH_TYPES = (ids.GRAPH_TYPE, ids.GRAPH_FIXED_TYPE)
_ENDPOINT = "_dash-update-component"


class FigureRegistry:
    """Figures by ``(browser, chart name)``: the last one the server sent wins."""

    ttl_seconds = 24 * 3600

    def __init__(self, directory: Path):
        import diskcache

        self._disk = diskcache.Cache(str(directory), size_limit=2**28)

    def put(self, browser: str, name: str, figure: dict) -> None:
        self._disk.set(f"{browser}:{name}", json.dumps(figure), expire=self.ttl_seconds)

    def get(self, browser: str, name: str) -> dict | None:
        blob = self._disk.get(f"{browser}:{name}")
        return None if blob is None else json.loads(blob)

    def record_response(self, browser: str, payload: Any) -> int:
        """Store every chart figure in a Dash callback response; returns how many."""
        found: list[tuple[str, dict]] = []
        _collect(payload, found)
        for name, figure in found:
            self.put(browser, name, figure)
        return len(found)


def _graph_name(component_id: Any) -> str | None:
    if isinstance(component_id, str) and component_id.startswith("{"):
        try:
            component_id = json.loads(component_id.split("@")[0])
        except ValueError:
            return None
    if isinstance(component_id, dict) and component_id.get("type") in _GRAPH_TYPES:
        name = component_id.get("name")
        return name if isinstance(name, str) else None
    return None


def _collect(node: Any, found: list[tuple[str, dict]]) -> None:
    """Chart figures in a response: direct ``figure`` outputs and graphs inside new layout."""
    if isinstance(node, list):
        for item in node:
            _collect(item, found)
        return
    if not isinstance(node, dict):
        return
    response = node.get("response")
    if isinstance(response, dict):
        for component_id, props in response.items():
            name = _graph_name(component_id)
            if name and isinstance(props, dict) and isinstance(props.get("figure"), dict):
                found.append((name, props["figure"]))
    props = node.get("props")
    if node.get("type") == "Graph" and isinstance(props, dict):
        name = _graph_name(props.get("id"))
        if name and isinstance(props.get("figure"), dict):
            found.append((name, props["figure"]))
    for value in node.values():
        if isinstance(value, dict | list):
            _collect(value, found)


_registry: FigureRegistry | None = None


def install(server: flask.Flask, directory: Path) -> FigureRegistry:
    """Record the figures of every callback response of ``server`` in a registry at ``directory``."""
    global _registry
    registry = _registry = FigureRegistry(directory)

    @server.after_request
    def _record_figures(response: flask.Response) -> flask.Response:
        browser = flask.request.cookies.get(COOKIE)
        if browser is None:
            browser = secrets.token_urlsafe(24)
            response.set_cookie(COOKIE, browser, httponly=True, samesite="Strict",
                                secure=flask.request.is_secure)
        if (flask.request.path.endswith(_ENDPOINT) and response.status_code == 200
                and response.mimetype == "application/json" and not response.direct_passthrough):
            with contextlib.suppress(ValueError):  # not JSON after all: nothing to record
                registry.record_response(browser, json.loads(response.get_data()))
        return response

    return registry


def current_figure(name: str) -> dict | None:
    """The figure of chart ``name`` the server last sent to the browser of this request."""
    if _registry is None or not flask.has_request_context():
        return None
    browser = flask.request.cookies.get(COOKIE)
    return None if browser is None else _registry.get(browser, name)
