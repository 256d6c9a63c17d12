"""Trade files: date, account, ticker, side, shares, price (the input of the wash-sale replay)."""

from __future__ import annotations

import pandas as pd

from .decoder import (
    MAX_UPLOAD_BYTES,
    Source,
    format_notes,
    parse_numbers,
    past_dates,
    positive,
    read_table,
    refuse_cells,
    required_cells,
)
from .loaded import Loaded, frame_only
from .lots import holder_columns

__all__ = ["load_trades_csv", "read_trades_csv"]


def load_trades_csv(
    source: Source, *, name: str | None = None, max_bytes: int = MAX_UPLOAD_BYTES
) -> Loaded[pd.DataFrame]:
    """Read trades: date, account, ticker, side (buy/sell), shares (> 0), price (> 0).

    Optional ``account_type``; when absent an account named ``ira`` or ``roth`` has
    that type and any other is taxable. Sorted by date, keeping file order within a day.
    """
    doc, header, frame, cols = read_table(
        source,
        name,
        max_bytes,
        {
            "date": ("trade_date",),
            "account": ("account_id",),
            "ticker": ("symbol",),
            "side": ("action", "direction"),
            "shares": ("quantity", "qty"),
            "price": ("px",),
        },
        required=("account", "ticker", "side"),
    )
    dates = past_dates(doc, frame, cols["date"])
    side = frame[cols["side"]].str.lower().replace({"b": "buy", "s": "sell", "bought": "buy", "sold": "sell"})
    refuse_cells(
        doc,
        frame[cols["side"]],
        ~side.isin(["buy", "sell"]),
        cols["side"],
        "is not a side. Use buy or sell (shares are always positive).",
        "bad_side",
    )
    nums = parse_numbers(doc, frame, [cols["shares"], cols["price"]])
    for key in ("shares", "price"):
        c = cols[key]
        required_cells(doc, nums, c)
        positive(doc, nums[c], c)
    out = pd.DataFrame(
        {
            "date": dates.values,
            **holder_columns(doc, frame, header, cols),
            "side": side.values,
            "shares": nums[cols["shares"]].values,
            "price": nums[cols["price"]].values,
            "row": frame.index.values,
        }
    )
    out = out.sort_values(["date", "row"], kind="stable").reset_index(drop=True)
    return Loaded(out, tuple(format_notes(doc)))


read_trades_csv = frame_only(load_trades_csv)
