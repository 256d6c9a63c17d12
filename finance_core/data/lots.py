"""Tax-lot files (account, ticker, acquired, shares, cost_basis) and the account columns lots and trades share."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .decoder import (
    MAX_UPLOAD_BYTES,
    Source,
    Text,
    find_column,
    format_notes,
    parse_numbers,
    past_dates,
    positive,
    read_table,
    refuse_cells,
    required_cells,
)
from .loaded import Loaded, frame_only

__all__ = ["ACCOUNT_TYPES", "holder_columns", "load_lots_csv", "read_lots_csv"]

ACCOUNT_TYPES = ("taxable", "ira", "roth")


def _account_types(doc: Text, frame: pd.DataFrame, header: list[str], accounts: pd.Series) -> pd.Series:
    col = find_column(header, "account_type", "type")
    if col is None:
        low = accounts.str.lower()
        return low.where(low.isin(["ira", "roth"]), "taxable")
    types = frame[col].str.lower()
    refuse_cells(
        doc,
        frame[col],
        ~types.isin(ACCOUNT_TYPES),
        col,
        f"is not an account type. Use one of {', '.join(ACCOUNT_TYPES)}.",
        "bad_account_type",
    )
    return types


def holder_columns(doc: Text, frame: pd.DataFrame, header: list[str], cols: dict[str, str]) -> dict:
    """The account, account_type and (upper-case) ticker columns of a lot or trade file, as arrays."""
    accounts = frame[cols["account"]]
    return {
        "account": accounts.values,
        "account_type": _account_types(doc, frame, header, accounts).values,
        "ticker": frame[cols["ticker"]].str.upper().values,
    }


def load_lots_csv(
    source: Source, *, name: str | None = None, max_bytes: int = MAX_UPLOAD_BYTES
) -> Loaded[pd.DataFrame]:
    """Read tax lots: account, ticker, acquired (date), shares, cost_basis (total, in money).

    Optional ``account_type`` (taxable, ira, roth). Rows are returned in file order
    with a ``lot_id`` column (1, 2, ...).
    """
    doc, header, frame, cols = read_table(
        source,
        name,
        max_bytes,
        {
            "account": ("account_id",),
            "ticker": ("symbol",),
            "acquired": ("date", "acquired_date", "purchase_date"),
            "shares": ("quantity", "qty"),
            "cost_basis": ("cost", "basis"),
        },
        required=("account", "ticker"),
    )
    acquired = past_dates(doc, frame, cols["acquired"])
    nums = parse_numbers(doc, frame, [cols["shares"], cols["cost_basis"]])
    for key in ("shares", "cost_basis"):
        required_cells(doc, nums, cols[key])
    positive(doc, nums[cols["shares"]], cols["shares"])
    positive(doc, nums[cols["cost_basis"]], cols["cost_basis"], allow_zero=True)
    out = pd.DataFrame(
        {
            "lot_id": np.arange(1, len(frame) + 1),
            **holder_columns(doc, frame, header, cols),
            "acquired": acquired.values,
            "shares": nums[cols["shares"]].values,
            "cost_basis": nums[cols["cost_basis"]].values,
        }
    )
    return Loaded(out, tuple(format_notes(doc)))


read_lots_csv = frame_only(load_lots_csv)


