"""Contribution to return by asset and by sector over a window, adding to the portfolio return.

Each period's contribution is ``w_i,t * r_i,t`` (weights at the start of the period); the
periods are linked with Carino's logarithmic factor ``k_t / k``, ``k_t = ln(1 + R_t) / R_t``
and ``k = ln(1 + R) / R`` (``1`` where the return is zero), so the contributions over the
window add to the compounded portfolio return ``R = prod(1 + R_t) - 1``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import DataError
from .linking import carino_factors

__all__ = ["contribution"]


def _frames(weights: pd.DataFrame, returns: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    if not isinstance(weights, pd.DataFrame) or not isinstance(returns, pd.DataFrame):
        raise DataError("Weights and returns must be tables: one row per date, one column per asset.", code="bad_input")
    missing = weights.columns.difference(returns.columns)
    if len(missing):
        raise DataError(
            f"No returns for {', '.join(map(str, missing[:5]))}. Upload prices for every held name.",
            code="missing_returns",
        )
    dates = weights.index.intersection(returns.index)
    if len(dates) == 0:
        raise DataError("The weights and the returns share no dates. Choose a window both cover.", code="empty_window")
    w = weights.loc[dates].astype(float)
    r = returns.loc[dates, weights.columns].astype(float)
    held_blank = (w != 0) & r.isna()
    if held_blank.to_numpy().any():
        first = r.index[held_blank.any(axis=1)][0]
        raise DataError(f"A held name has no return on {first}. Fill the gap or drop the date.", code="missing_returns")
    if w.isna().to_numpy().any():
        raise DataError("Some weights are blank. Enter 0 for a name not held.", code="missing_value")
    return w, r.fillna(0.0)


def contribution(weights: pd.DataFrame, returns: pd.DataFrame, *, sectors: Mapping | None = None) -> pd.DataFrame:
    """Linked contribution of each asset (or sector, with ``sectors``) over the window.

    ``weights``: date x asset, the weights held over each period (rows sum to 1 with cash as a
    column); ``returns``: date x asset, that period's returns. Returns a frame indexed by asset
    (or sector) with columns ``weight`` (average), ``return`` (compounded, assets only: NaN for
    sectors) and ``contribution``; the contributions add to the portfolio's compounded return.
    """
    w, r = _frames(weights, returns)
    per_period = w * r
    portfolio = per_period.sum(axis=1).to_numpy()
    if np.any(portfolio <= -1):
        raise DataError("A period's portfolio return is -100% or worse; check the returns are decimals.", code="bad_returns")
    scale = carino_factors(portfolio, np.zeros_like(portfolio))
    linked = per_period.mul(scale, axis=0).sum()
    table = pd.DataFrame(
        {"weight": w.mean(), "return": (1 + r).prod() - 1, "contribution": linked}
    )
    if sectors is not None:
        unmapped = [name for name in table.index if name not in sectors]
        if unmapped:
            raise DataError(
                f"{', '.join(map(str, unmapped[:5]))} have no sector. Add them to the sector mapping.",
                code="missing_sector",
            )
        grouped = table[["weight", "contribution"]].groupby([sectors[n] for n in table.index]).sum()
        grouped.insert(1, "return", np.nan)
        table = grouped
    return table
