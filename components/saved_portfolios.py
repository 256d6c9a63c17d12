"""Saved portfolios as a page picks them: dropdown options and their weights by option value.

The Compare page and the presentation view list the saved-work store's portfolios the same way
(``saved:<id>`` option values, the owner's items only) and read the weights of the picked ones.
"""

from __future__ import annotations

import pandas as pd

import store
from finance_core.errors import DataError

__all__ = ["PREFIX", "saved_portfolios", "portfolio_options", "picked_weights"]

PREFIX = "saved:"


def saved_portfolios() -> list[dict]:
    """The saved portfolios the current user sees, newest save first (raises :class:`store.StoreError`)."""
    return store.shared_store().portfolios.list(owner=store.current_owner())


def portfolio_options() -> list[dict]:
    """Dropdown options ``{"label": name, "value": "saved:<id>"}`` of the saved portfolios."""
    return [{"label": item["name"], "value": f"{PREFIX}{item['id']}"} for item in saved_portfolios()]


def picked_weights(values: list[str]) -> list[tuple[str, pd.Series]]:
    """(name, weights) of each picked ``saved:<id>`` value, in the order picked (the store is not read when
    nothing is picked); a value no longer saved is refused with a message saying how to pick again."""
    if not values:
        return []
    items = {f"{PREFIX}{i['id']}": i for i in saved_portfolios()}
    out = []
    for value in values:
        item = items.get(value)
        if item is None:
            raise DataError("A picked portfolio is no longer saved (deleted or renamed elsewhere). Pick it "
                            "again from the list (press 'Refresh list' on the Compare page).", code="not_found")
        out.append((str(item["name"]), pd.Series(item["body"].get("weights") or {}, dtype=float)))
    return out
