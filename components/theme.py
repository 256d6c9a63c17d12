"""Light and dark plotly templates that match the locally served Bootstrap theme."""

from __future__ import annotations

from functools import cache

import plotly.io as pio
from dash_bootstrap_templates import load_figure_template

__all__ = ["LIGHT", "DARK", "template_name", "templates_json"]

LIGHT, DARK = "bootstrap", "bootstrap_dark"
load_figure_template([LIGHT, DARK])


def template_name(theme: str | None) -> str:
    """Plotly template name for a theme value ("light"/"dark"; anything else is light)."""
    return DARK if theme == "dark" else LIGHT


@cache
def templates_json() -> dict:
    """Both templates as plain JSON, for the clientside re-theming callback."""
    return {
        "light": pio.templates[LIGHT].to_plotly_json(),
        "dark": pio.templates[DARK].to_plotly_json(),
    }
