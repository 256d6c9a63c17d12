"""The result of a trade replay: realised lots, open lots, wash-sale matches, loss windows."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .rates import TaxRates

__all__ = ["TaxResult"]

_REALIZED_COLUMNS = [
    "row",
    "account",
    "account_type",
    "ticker",
    "lot_id",
    "acquired",
    "holding_start",
    "sold",
    "shares",
    "proceeds",
    "cost_basis",
    "gain",
    "wash_disallowed",
    "allowed_gain",
    "wash_permanent",
    "code",
    "term",
]


@dataclass(frozen=True)
class TaxResult:
    """What a replay of trades produced.

    Attributes
    ----------
    realized : DataFrame
        One row per lot (or part of a lot) closed: ``row`` (the trade), ``account``,
        ``account_type``, ``ticker``, ``lot_id``, ``acquired``, ``holding_start``,
        ``sold``, ``shares``, ``proceeds``, ``cost_basis`` (adjusted basis of the
        shares sold, Form 8949 column e), ``gain`` (proceeds - cost_basis, before the
        wash-sale adjustment), ``wash_disallowed`` (positive, column g),
        ``allowed_gain`` (gain + wash_disallowed, column h), ``wash_permanent``
        (part of the disallowed loss lost for good through an IRA purchase),
        ``code`` ("W" or ""), ``term`` ("short"/"long").
    open_lots : DataFrame
        Lots still held: ``lot_id``, ``account``, ``account_type``, ``ticker``,
        ``acquired``, ``holding_start`` (after wash-sale tacking), ``shares``,
        ``cost_basis`` (what was paid), ``adjusted_basis`` (plus wash-sale additions),
        ``wash_adjustment``.
    wash_sales : DataFrame
        One row per match of loss shares to replacement shares: ``ticker``,
        ``account``, ``sold``, ``window_start``, ``window_end`` (the 61-day window),
        ``shares``, ``disallowed``, ``replacement_lot_id``, ``replacement_ticker``,
        ``replacement_account``, ``replacement_account_type``, ``replacement_date``,
        ``permanent``, ``realized_index`` (row of ``realized``).
    loss_windows : DataFrame
        One row per taxable loss (a lot closed at a loss): its window and how much
        of it was washed (``matched_shares``, ``disallowed``), for a timeline.
    """

    realized: pd.DataFrame
    open_lots: pd.DataFrame
    wash_sales: pd.DataFrame
    loss_windows: pd.DataFrame
    method: str = "fifo"
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def taxable_realized(self) -> pd.DataFrame:
        """Realised rows of taxable accounts only (what goes on Form 8949)."""
        return self.realized[self.realized["account_type"] == "taxable"]

    def summary(self) -> pd.Series:
        """Totals of taxable sales: proceeds, basis, gains by term, disallowed losses."""
        r = self.taxable_realized
        short = r["term"] == "short"
        return pd.Series(
            {
                "proceeds": float(r["proceeds"].sum()),
                "cost_basis": float(r["cost_basis"].sum()),
                "gain": float(r["gain"].sum()),
                "wash_disallowed": float(r["wash_disallowed"].sum()),
                "wash_permanent": float(r["wash_permanent"].sum()),
                "short_term_gain": float(r.loc[short, "allowed_gain"].sum()),
                "long_term_gain": float(r.loc[~short, "allowed_gain"].sum()),
                "allowed_gain": float(r["allowed_gain"].sum()),
            }
        )

    def tax(self, rates: TaxRates | None = None) -> float:
        """Federal tax on the allowed gains after short/long netting (see :meth:`TaxRates.tax`)."""
        s = self.summary()
        return (rates or TaxRates()).tax(s["short_term_gain"], s["long_term_gain"])
