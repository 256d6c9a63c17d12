"""CSV downloads that a spreadsheet opens as data, never as formulas.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets (``=CMD|' /C calc'!A0``). Following the
OWASP guidance on CSV injection, such text cells get a leading single quote; numbers
(negative ones too) stay numbers. Every CSV download of user data goes through :func:`send_csv`.
"""

from __future__ import annotations

import pandas as pd
from dash import dcc

__all__ = ["FORMULA_STARTS", "escape_cell", "escape_frame", "send_csv"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value):
    """``value`` with a leading ``'`` when it is text a spreadsheet would run; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names cannot start a formula."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(escape_cell)
    out.columns = [escape_cell(c) for c in out.columns]
    return out


def send_csv(frame: pd.DataFrame, filename: str, **to_csv) -> dict:
    """``dcc.send_data_frame`` of the escaped frame (``to_csv`` keywords pass through)."""
    return dcc.send_data_frame(escape_frame(frame).to_csv, filename, **to_csv)
