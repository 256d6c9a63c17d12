"""User text in figures is shown as text, never as markup.

Plotly renders a subset of HTML in any text it draws (``<a href>``, ``<b>``, ``<i>``,
``<br>``, ``<sup>``, ``<span style>``): a ticker, account, sector or firm name holding
``<a href="javascript:...">`` would become a live link in a legend, a tick label or a
hover box. :func:`escape_text` escapes ``< > & " '`` once; :func:`escape_figure` applies
it to the data a finished figure shows (trace names, category values, text, hover text,
string custom data, pie labels, tick text, annotations and titles) and never to the
templates (``hovertemplate``, ``texttemplate``) where the desk writes its own ``<br>`` and
``<extra>``; a builder that puts a name inside a template escapes it there with
:func:`escape_text`. Every figure builder in ``components`` is wrapped in :func:`escaped`,
which escapes the figure it returns once (a builder called by another builder leaves it
to the outer one). Dash components (``html.Div`` children) are text already.
"""

from __future__ import annotations

import functools
import html
import threading
from collections.abc import Callable
from typing import Any, ParamSpec

import numpy as np
import plotly.graph_objects as go

__all__ = ["escape_text", "escape_figure", "escaped"]

#: Trace properties whose strings plotly draws (as legend entries, ticks, labels or hover text).
_TRACE_TEXT = ("name", "text", "hovertext", "x", "y", "labels", "parents", "customdata", "legendgroup")


def escape_text(value: str) -> str:
    """``value`` with ``< > & " '`` escaped, so plotly and HTML show it literally."""
    return html.escape(value, quote=True)


def _escape_values(value: Any) -> Any:
    """Strings escaped in a scalar, list, tuple or array; everything else as it was."""
    if isinstance(value, str):
        return escape_text(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "UO" or not value.size:
            return value
        return np.vectorize(_escape_values, otypes=[object])(value)
    if isinstance(value, list | tuple):
        return [_escape_values(v) for v in value]
    return value


def _escape_title(owner: Any) -> None:
    title = getattr(owner, "title", None)
    if title is not None and isinstance(title.text, str):
        title.text = escape_text(title.text)


def escape_figure(fig: go.Figure) -> go.Figure:
    """Escape, in place, every piece of data text ``fig`` shows; returns ``fig``."""
    for trace in fig.data:
        for prop in _TRACE_TEXT:
            if prop in trace and trace[prop] is not None:
                trace[prop] = _escape_values(trace[prop])
    layout = fig.layout
    _escape_title(layout)
    _escape_title(layout.legend)
    for annotation in layout.annotations:
        if isinstance(annotation.text, str):
            annotation.text = escape_text(annotation.text)
    fig.for_each_xaxis(_escape_axis)
    fig.for_each_yaxis(_escape_axis)
    return fig


def _escape_axis(axis: Any) -> None:
    _escape_title(axis)
    if axis.ticktext is not None:
        axis.ticktext = _escape_values(axis.ticktext)


P = ParamSpec("P")
_depth = threading.local()


def escaped(builder: Callable[P, go.Figure]) -> Callable[P, go.Figure]:
    """Decorate a figure builder: the figure it returns has its data text escaped, once."""

    @functools.wraps(builder)
    def build(*args: P.args, **kwargs: P.kwargs) -> go.Figure:
        outer = getattr(_depth, "level", 0) == 0
        _depth.level = getattr(_depth, "level", 0) + 1
        try:
            fig = builder(*args, **kwargs)
        finally:
            _depth.level -= 1
        return escape_figure(fig) if outer else fig

    return build
