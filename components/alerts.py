"""Error and notice alerts, and the decorator that turns exceptions into them.

Every callback that can fail on user input is wrapped in :func:`reports_errors`:
a :class:`~finance_core.errors.FinanceError` becomes a red alert with its message,
anything else a generic alert (the traceback goes to the server log, never to the
page), and every other output is left as it was (``no_update``), so the previous
valid result stays on screen.
"""

from __future__ import annotations

import functools
import logging
import warnings

import dash_bootstrap_components as dbc
from dash import ctx, html, no_update
from dash.exceptions import PreventUpdate

from finance_core.errors import FinanceError

__all__ = ["error_alert", "notes_alert", "reports_errors", "alert_area"]

log = logging.getLogger("portfolio_desk")


def alert_area(id_: str) -> html.Div:
    """An empty container that callbacks fill with alerts."""
    return html.Div(id=id_, className="pd-alerts", role="status", **{"aria-live": "polite"})


def error_alert(error: Exception | str, *, title: str = "Could not use this input") -> dbc.Alert:
    """A dismissable red alert with a specific message a person can act on."""
    if isinstance(error, FinanceError):
        message = error.message
    elif isinstance(error, str):
        message = error
    else:
        message = (
            f"Something went wrong ({type(error).__name__}). The previous result is kept; "
            "try again, and if it persists report it with the input you used."
        )
    return dbc.Alert(
        [html.Strong(title + ": "), html.Span(message, className="pd-error-message")],
        color="danger",
        dismissable=True,
        className="pd-error mb-2",
    )


def notes_alert(notes: list[str] | tuple[str, ...] | None, *, title: str = "Note") -> dbc.Alert | None:
    """An informational alert listing repairs or caveats, each once (the estimator and the optimiser may
    both say how the risk model was built); ``None`` when there are none."""
    if not notes:
        return None
    items = [html.Li(n) for n in dict.fromkeys(notes)]
    return dbc.Alert([html.Strong(title), html.Ul(items, className="mb-0")], color="info",
                     dismissable=True, className="pd-note mb-2")


def _first_call() -> bool:
    """A page's first call (nothing triggered it: the layout just drew): no earlier result to keep."""
    try:
        return not ctx.triggered_id
    except Exception:  # noqa: BLE001 - called as a plain function (tests, notebooks): no callback context
        return False


def _untouched(n_outputs: int) -> list:
    """Outputs an error leaves as they were. On a page's first call a chart still shows its
    placeholder, so a figure output gets one that points at the message instead."""
    values: list = [no_update] * n_outputs
    if not _first_call():
        return values
    from components.figures import empty_figure  # figures imports nothing of alerts; kept lazy all the same

    with warnings.catch_warnings():  # grouped (dict) outputs warn that outputs_list is deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        listed = ctx.outputs_list
    outputs = listed if isinstance(listed, list) else [listed]
    for i, spec in enumerate(outputs[:n_outputs]):
        if isinstance(spec, dict) and spec.get("property") == "figure":
            values[i] = empty_figure("Not drawn: see the message on this page for what to change.")
    return values


def reports_errors(n_outputs: int, *, alert_index: int = -1, title: str = "Could not use this input"):
    """Wrap a callback whose last output (or ``alert_index``) is an alert container.

    The wrapped function returns the values of the other outputs followed by the
    alert content (or returns all ``n_outputs`` values itself). On an exception, every
    output but the alert is ``no_update`` and the alert explains what went wrong.
    """

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except PreventUpdate:
                raise
            except FinanceError as err:
                alert = error_alert(err, title=title)
            except Exception as err:  # noqa: BLE001 - the page must never show a traceback
                log.exception("callback %s failed", func.__name__)
                alert = error_alert(err, title=title)
            values = _untouched(n_outputs)
            values[alert_index] = alert
            return tuple(values) if n_outputs > 1 else values[0]

        return wrapper

    return decorate
