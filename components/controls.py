"""Form controls with the desk's shared settings."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

__all__ = ["slider", "field", "choice", "number"]


def slider(id_, lo: float, hi: float, step: float, value: float, marks: dict, *, fmt: str | None = None) -> dcc.Slider:
    """A slider that recomputes on release (not on every pixel) with a tooltip while dragging."""
    tooltip = {"placement": "bottom", "always_visible": False}
    if fmt:
        tooltip["template"] = fmt
    return dcc.Slider(id=id_, min=lo, max=hi, step=step, value=value, marks=marks, updatemode="mouseup",
                      tooltip=tooltip)


def field(label: str, control, *, md: int | None = None, hint: str | None = None, small: bool = False):
    """A labelled control with an optional hint below; a grid column of width ``md`` when given.

    ``small``: the compact label of a side panel.
    """
    children = [
        dbc.Label(label, className="mb-0 small fw-semibold" if small else "mb-1"),
        control,
        html.Small(hint, className="text-body-secondary d-block") if hint else None,
    ]
    return dbc.Col(children, md=md) if md else html.Div(children, className="mb-2")


def choice(id_, options, value, **kwargs) -> dcc.Dropdown:
    """A dropdown that always holds a value; ``options`` is ``{value: label}`` or a list of values."""
    if isinstance(options, dict):
        opts = [{"label": label, "value": key} for key, label in options.items()]
    else:
        opts = [{"label": str(o), "value": o} for o in options]
    return dcc.Dropdown(id=id_, options=opts, value=value, clearable=False, **kwargs)


def number(id_, value=None, **kwargs) -> dbc.Input:
    """A number box that reports on Enter or leaving the box, not on every keystroke.

    Pass ``debounce=False`` for a box read only when a button is pressed (a State).
    """
    return dbc.Input(id=id_, type="number", value=value, **{"debounce": True, **kwargs})
