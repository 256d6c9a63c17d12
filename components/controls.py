"""Form controls with the desk's shared settings."""

from __future__ import annotations

from dash import dcc

__all__ = ["slider"]


def slider(id_, lo: float, hi: float, step: float, value: float, marks: dict, *, fmt: str | None = None) -> dcc.Slider:
    """A slider that recomputes on release (not on every pixel) with a tooltip while dragging."""
    tooltip = {"placement": "bottom", "always_visible": False}
    if fmt:
        tooltip["template"] = fmt
    return dcc.Slider(id=id_, min=lo, max=hi, step=step, value=value, marks=marks, updatemode="mouseup",
                      tooltip=tooltip)
