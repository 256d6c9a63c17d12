"""Callback tests call page callbacks as plain functions; pages need the app first."""

import contextvars
import re

import pytest

import app  # registers the pages
from components.export import figure_bytes


@pytest.fixture
def call_with_trigger():
    """Run ``func(*args)`` as if ``prop_id`` (e.g. "upload-prices.contents") fired it."""
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    def run(prop_id, func, *args):
        def inner():
            context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop_id, "value": None}]))
            return func(*args)

        return contextvars.copy_context().run(inner)

    return run


@pytest.fixture
def tick_labels():
    """``labels(fig, "y")``: the tick labels plotly.js draws on an axis ("x", "y", "y2"), read from the SVG kaleido
    renders (plotly's own tick rules and d3 formats, not a re-implementation of them)."""

    def labels(fig, axis: str) -> list[str]:
        # through the desk's export path, which retries kaleido's start-up race under load
        svg = figure_bytes(fig, "svg", width=700, height=430).decode()
        return re.findall(rf'<g class="{axis}tick"><text[^>]*>([^<]*)</text>', svg)

    return labels


@pytest.fixture
def saved(tmp_path, monkeypatch):
    """The app's saved-work store on a fresh SQLite database (the Saved menu and the scenario bars use it)."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'desk.sqlite'}")
    app.saved_store.cache_clear()
    yield app.saved_store()
    app.saved_store().engine.dispose()
    app.saved_store.cache_clear()
