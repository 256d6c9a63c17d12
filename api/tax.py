"""``POST /api/v1/tax/trade-list``: the tax cost of a proposed trade list, computed by
``finance_core.tax.trade_list_tax`` against posted tax lots and trade history.

Lots and history are rows as the desk's CSV files have them (``account, ticker, acquired,
shares, cost_basis`` and ``date, account, ticker, side, shares, price``) and are read by the
same readers as an upload, so a bad row gets the upload's message, naming the row.
"""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import flask
import pandas as pd

from api.saved import BadRequest, json_body
from finance_core import tax
from finance_core.data import load_lots_csv, load_trades_csv
from finance_core.errors import FinanceError

__all__ = ["trade_list_reply"]

METHODS = ("fifo", "lifo", "hifo", "specific")


def _rows(body: dict[str, Any], field: str, *, required: bool = False) -> list[dict] | None:
    rows = body.get(field)
    if rows is None and not required:
        return None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows) or (required and not rows):
        raise BadRequest(f'"{field}" must be a {"non-empty " if required else ""}list of objects, one per row.')
    return rows


def _csv(rows: list[dict], reader, field: str) -> pd.DataFrame:
    """Rows read by the upload reader ``reader`` (its checks and messages), named after ``field``."""
    text = io.StringIO()
    pd.DataFrame(rows).to_csv(text, index=False)
    try:
        return reader(text.getvalue().encode(), name=field).frame
    except FinanceError as err:
        raise BadRequest(f'"{field}": {err}') from err


def trade_list_reply() -> flask.Response:
    """``trades`` (ticker, side, shares, price; optional account), ``as_of`` (YYYY-MM-DD), optional
    ``lots``, ``history``, ``method`` (fifo, lifo, hifo, specific) and ``buy_account``."""
    body = json_body()
    trades = _rows(body, "trades", required=True)
    try:
        as_of = date.fromisoformat(str(body.get("as_of")))
    except ValueError:
        raise BadRequest(f'"as_of" is required: the trade date as YYYY-MM-DD, not {body.get("as_of")!r}.') from None
    method = body.get("method", "fifo")
    if method not in METHODS:
        raise BadRequest(f'"method" must be one of {", ".join(METHODS)}, not {method!r}.')
    lots_rows, history_rows = _rows(body, "lots"), _rows(body, "history")
    lots = _csv(lots_rows, load_lots_csv, "lots") if lots_rows else None
    history = _csv(history_rows, load_trades_csv, "history") if history_rows else None
    buy_account = body.get("buy_account")
    if buy_account is not None and not isinstance(buy_account, str):
        raise BadRequest('"buy_account" must be an account name (a string).')
    try:
        result = tax.trade_list_tax(trades, as_of, history=history, lots=lots, method=method,
                                    buy_account=buy_account)
    except FinanceError as err:
        raise BadRequest(f'"trades": {err}') from err
    except (KeyError, TypeError, ValueError) as err:
        raise BadRequest(f'"trades": each row needs ticker, side (buy/sell), shares > 0 and price > 0 ({err}).') from err
    rows = json.loads(result.trades.to_json(orient="records", date_format="iso"))  # NaN -> null, numpy -> JSON
    return flask.jsonify({
        "as_of": result.as_of.date().isoformat(), "method": result.method, "notes": list(result.notes),
        **{k: float(v) for k, v in result.summary().items()},
        "trades": rows,
    })
