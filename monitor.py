"""The workspace's limits watched on its book: current breaches (for the navbar badge) and their history.

What is watched (:func:`monitored`): the uploaded holdings when the workspace has any, else its
portfolio (the construction target, else equal weight); drift compares that book with the target;
the part a target leaves uninvested counts as cash (uploaded holdings are rescaled to be fully
invested, so they hold none); risk limits use the last 252 days
of returns with today's weights. :func:`current_breaches` is cached per workspace data key, limits
and target, so every page's badge costs one dictionary look-up after the first.

This module knows no Dash: app.py and the pages call it with the workspace dict.
"""

from __future__ import annotations

import json
from functools import lru_cache

import pandas as pd

import workspace
from finance_core import limits
from finance_core.errors import FinanceError

__all__ = ["CASH", "breach_history", "breach_lines", "current_breaches", "monitored"]

CASH = "CASH"
#: History is evaluated every HISTORY_STEP dates (about weekly), so ``since`` is dated to within a week.
HISTORY_STEP = 5


def monitored(ws: dict | None, wd: workspace.WorkspaceData | None = None) -> limits.Monitored:
    """The workspace's book as :class:`finance_core.limits.Monitored` (see the module)."""
    wd = wd or workspace.resolve(ws)
    held = workspace.portfolio(dict(ws or {}, target=None), wd)
    book = held if held.kind == "holdings" else workspace.portfolio(ws, wd)
    weights = book.weights
    uninvested = 1.0 - float(weights.sum())
    if uninvested > 1e-9:
        weights = pd.concat([weights, pd.Series({CASH: uninvested})])
    target = ((ws or {}).get("target") or {}).get("weights")
    return limits.Monitored(weights=weights, returns=wd.returns, benchmark_returns=wd.benchmark_returns,
                            sectors=wd.sectors.to_dict(), target=pd.Series(target, dtype=float) if target else None,
                            cash=CASH)


def _key(ws: dict | None) -> str:
    ws = ws or {}
    return json.dumps({"data": workspace.data_key(ws), "limits": ws.get("limits") or [],
                       "target": (ws.get("target") or {}).get("weights")}, sort_keys=True, default=str)


def _workspace_of(key: str) -> dict:
    parts = json.loads(key)
    target = {"weights": parts["target"]} if parts["target"] else None
    return dict(workspace.DEFAULT, **json.loads(parts["data"]), limits=parts["limits"], target=target)


@lru_cache(maxsize=64)
def _checked(key: str) -> tuple[tuple[limits.Breach, ...], pd.DataFrame] | FinanceError:
    """The current breaches (with ``since``) and the breach history of the workspace behind ``key``, or the error."""
    ws = _workspace_of(key)
    try:
        rules = workspace.limit_rules(ws)
        if not rules:
            return (), pd.DataFrame()
        book = monitored(ws)
        past = limits.history(book, rules, step=HISTORY_STEP)
        return tuple(limits.check(book, rules, past=past)), limits.breach_history(book, rules, past=past)
    except FinanceError as err:
        return err


def _result(ws: dict | None) -> tuple[tuple[limits.Breach, ...], pd.DataFrame]:
    found = _checked(_key(ws))
    if isinstance(found, FinanceError):  # a fresh copy, so the cached one gathers no tracebacks
        raise type(found)(found.message, code=found.code, details=found.details)
    return found


def current_breaches(ws: dict | None) -> list[limits.Breach]:
    """The workspace's breached limits now; raises the FinanceError that stopped the check (cached either way)."""
    return list(_result(ws)[0])


def breach_history(ws: dict | None) -> pd.DataFrame:
    """Dates x the workspace's limits: True where the limit would have been breached on that date (cached).

    The cached frame is shared: copy it before changing it.
    """
    return _result(ws)[1]


def breach_lines(ws: dict | None) -> list[str]:
    """The workspace's limits in plain sentences for the presentation view and its reports (never raises)."""
    rules = (ws or {}).get("limits") or []
    if not rules:
        return ["No limits set: set them on the Performance page."]
    try:
        breaches = current_breaches(ws)
    except FinanceError as err:
        return [f"Limits not checked: {err.message}"]
    if not breaches:
        return [f"All {len(rules)} limits are within bounds."]
    return [f"{len(breaches)} of {len(rules)} limits breached:", *(f"{b.text}." for b in breaches)]
