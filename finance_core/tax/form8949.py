"""Taxable sales laid out as IRS Form 8949."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .result import TaxResult

__all__ = ["FORM_8949_COLUMNS", "form_8949"]

#: The columns of :func:`form_8949`, in the order the report and its CSV show them.
FORM_8949_COLUMNS = [
    "part",
    "description",
    "date_acquired",
    "date_sold",
    "proceeds",
    "cost_basis",
    "code",
    "adjustment",
    "gain",
    "term",
    "account",
]


def form_8949(result: TaxResult) -> pd.DataFrame:
    """Taxable sales in the shape of IRS Form 8949 (Sales and Other Dispositions of Capital Assets).

    Columns follow the form: ``description`` (a), ``date_acquired`` (b), ``date_sold``
    (c), ``proceeds`` (d), ``cost_basis`` (e), ``code`` (f: "W" for a wash sale),
    ``adjustment`` (g: the disallowed loss, positive), ``gain`` (h = d - e + g), plus
    ``term`` and ``part`` (I short-term, II long-term). Save with ``.to_csv(index=False)``.

    References
    ----------
    IRS Instructions for Form 8949 (2025), columns (a)-(h) and code W.
    """
    r = result.taxable_realized
    desc = [f"{s:g} sh {t}" for s, t in zip(r["shares"], r["ticker"], strict=True)]
    out = pd.DataFrame(
        {
            "part": np.where(r["term"] == "short", "I", "II"),
            "description": desc,
            "date_acquired": r["acquired"].dt.strftime("%m/%d/%Y").to_numpy(),
            "date_sold": r["sold"].dt.strftime("%m/%d/%Y").to_numpy(),
            "proceeds": r["proceeds"].round(2).to_numpy(),
            "cost_basis": r["cost_basis"].round(2).to_numpy(),
            "code": r["code"].to_numpy(),
            "adjustment": r["wash_disallowed"].round(2).to_numpy(),
            "gain": r["allowed_gain"].round(2).to_numpy(),
            "term": r["term"].to_numpy(),
            "account": r["account"].to_numpy(),
        },
        columns=FORM_8949_COLUMNS,
    )
    return out.sort_values(["part", "date_sold"], kind="stable").reset_index(drop=True)
