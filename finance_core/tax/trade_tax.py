"""The tax cost of a proposed trade list (the construction desk's target trades), before trading.

:func:`trade_list_tax` dates the proposed trades at ``as_of``, places each in an
account, appends them to the trade history and replays everything with
:func:`finance_core.tax.wash_sales.process_trades`, the replay the rest of the tax desk
shows. What the proposed trades add to that replay is their tax cost: the lots their
sells relieve (by the chosen method), the short- and long-term gains, and the wash
sales they take part in, both ways:

- a proposed sell at a loss is washed by a purchase of the same (or a substantially
  identical) ticker in the 30 days before it that is still held, or by a buy of one
  in the same trade list;
- a proposed buy washes the loss of an earlier sale in the 30 days before it (in the
  history), so that loss, already taken, is disallowed.

Placement of the trades (the trade list names tickers, not accounts; a row may name
its ``account`` to override these rules):

- a sell comes out of the account that holds the most shares of the ticker at
  ``as_of``, then the next largest, and so on (a household rebalance: the target
  says nothing about accounts, and selling the largest position first touches the
  fewest accounts). Selling more than all accounts hold together is refused;
- a buy goes to ``buy_account``, by default the household's main taxable account
  (the taxable account with the largest cost basis): new money sits there, and a
  purchase in an IRA or Roth would make a washed loss permanent, which should be a
  deliberate choice (name the account on the trade).

Tax is counted as the desk counts it: on the allowed gains of taxable accounts
(IRA and Roth sales realise nothing taxable), at :class:`TaxRates`, with Schedule D
netting of short and long terms within each calendar year of sale.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from .._types import PricesLike
from ..errors import DataError
from ._text import usd
from .lots import LOT_METHODS, LotMethod, price_at
from .rates import TaxRates
from .result import TaxResult
from .wash_sales import WASH_WINDOW_DAYS, process_trades

__all__ = ["TradeListTax", "trade_list_tax", "TRADE_TAX_COLUMNS", "yearly_tax"]

#: Columns of :attr:`TradeListTax.trades`, one row per proposed trade.
TRADE_TAX_COLUMNS = [
    "trade",
    "ticker",
    "side",
    "shares",
    "price",
    "account",
    "proceeds",
    "cost_basis",
    "gain",
    "short_term_gain",
    "long_term_gain",
    "disallowed",
    "tax",
    "wash",
]
_ROW = "target {}"
_ROW_RE = re.compile(r"^target (\d+)(?:\.\d+)*$")
SPECIFIC_NOTE = (
    "Specific identification needs the lots named on each sell, and a trade list names none: the history and "
    "the proposed sells are relieved first in, first out (FIFO) for this estimate."
)


@dataclass(frozen=True)
class TradeListTax:
    """What a proposed trade list costs in tax at ``as_of``.

    Attributes
    ----------
    trades : DataFrame
        One row per proposed trade (:data:`TRADE_TAX_COLUMNS`): ``trade`` (its
        1-based position in the list), ``ticker``, ``side``, ``shares``, ``price``
        (at ``as_of``), ``account`` (where it was placed; several separated by
        ", "), and for sells ``proceeds``, ``cost_basis`` (adjusted basis of the
        lots relieved) and ``gain`` (before wash sales, all accounts);
        ``short_term_gain`` and ``long_term_gain``: the allowed gains in taxable
        accounts (Form 8949 column h); ``disallowed``: for a sell, its loss
        disallowed as a wash sale; for a buy, the loss of earlier sales it
        disallows (a loss washed by a buy of the same list counts on the sell only);
        ``tax``: the gains at the short- and long-term rates, before netting (for a
        buy, the tax of the losses it disallows); ``wash``: what the wash-sale
        exposure is, in words.
    realized : DataFrame
        The lots the proposed sells close, as :attr:`TaxResult.realized` rows, with
        the ``trade`` they belong to.
    wash_sales : DataFrame
        The wash-sale matches the proposed trades take part in (either side), as
        :attr:`TaxResult.wash_sales` rows.
    short_term_gain, long_term_gain : float
        Allowed short- and long-term gains of the proposed sells (taxable accounts).
    loss_disallowed : float
        Losses disallowed because of the trades: the sells' own washed losses plus
        earlier losses washed by the buys (positive); ``wash_permanent`` is the part
        lost for good (replacement bought in an IRA or Roth).
    tax : float
        Change of the federal tax on realised gains that the trades cause: per
        calendar year, ``rates.tax(short, long)`` on the taxable allowed gains with
        the trades minus without them, summed. Negative when the trades save tax.
    tax_before_netting : float
        The sum of the rows' ``tax``; differs from ``tax`` when netting with the
        other term (or the year's other sales) changes the rate a gain or loss counts at.
    """

    trades: pd.DataFrame
    realized: pd.DataFrame
    wash_sales: pd.DataFrame
    short_term_gain: float
    long_term_gain: float
    loss_disallowed: float
    wash_permanent: float
    tax: float
    tax_before_netting: float
    as_of: pd.Timestamp
    method: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    def summary(self) -> pd.Series:
        """The totals as a Series (``proceeds``, gains by term, disallowed losses, ``tax``, counts)."""
        sells = self.trades["side"] == "sell"
        return pd.Series(
            {
                "trades": int(len(self.trades)),
                "sells": int(sells.sum()),
                "proceeds": float(self.trades.loc[sells, "proceeds"].sum()),
                "short_term_gain": self.short_term_gain,
                "long_term_gain": self.long_term_gain,
                "loss_disallowed": self.loss_disallowed,
                "wash_permanent": self.wash_permanent,
                "tax": self.tax,
                "tax_before_netting": self.tax_before_netting,
            }
        )


# --------------------------------------------------------------------------- inputs
def _trade_frame(trade_list: Iterable[Mapping[str, object]] | pd.DataFrame) -> pd.DataFrame:
    """The proposed trades as ``trade, ticker, side, shares, price, account`` (checked, one row each)."""
    frame = pd.DataFrame(list(trade_list) if not isinstance(trade_list, pd.DataFrame) else trade_list)
    if not len(frame):
        return pd.DataFrame(columns=["trade", "ticker", "side", "shares", "price", "account"])
    missing = [c for c in ("ticker", "side", "shares") if c not in frame.columns]
    if missing:
        raise DataError(
            f"The trade list is missing the column(s) {', '.join(missing)}: expected ticker, side, shares "
            "and price (as the Construct page's trade list has them).",
            code="missing_column",
        )
    out = pd.DataFrame(
        {
            "trade": np.arange(1, len(frame) + 1),
            "ticker": frame["ticker"].astype(str).str.strip().str.upper().to_numpy(),
            "side": frame["side"].astype(str).str.strip().str.lower().to_numpy(),
            "shares": pd.to_numeric(frame["shares"], errors="coerce").to_numpy(float),
            "price": pd.to_numeric(frame.get("price"), errors="coerce").to_numpy(float)
            if "price" in frame
            else np.nan,
            "account": frame["account"].to_numpy(object) if "account" in frame else None,
        }
    )

    def raw(col: str, i: int) -> object:
        v = frame[col].iloc[i]
        return v.item() if hasattr(v, "item") else v

    for i, r in out.iterrows():
        label = f"Target trade {r['trade']} ({r['ticker']})"
        if r["ticker"] in ("", "NAN", "NONE"):
            raise DataError(f"Target trade {r['trade']} has no ticker.", code="missing_value")
        if r["side"] not in ("buy", "sell"):
            raise DataError(f"{label}: side {raw('side', i)!r} is not buy or sell.", code="bad_side")
        if not r["shares"] > 0:
            raise DataError(
                f"{label}: shares {raw('shares', i)!r} must be a number greater than zero.",
                code="not_positive",
            )
    acct = out["account"].map(lambda v: None if v is None or v != v or not str(v).strip() else str(v).strip())
    return out.assign(account=acct)


def _reprice(trades: pd.DataFrame, prices: PricesLike | None, as_of: pd.Timestamp) -> tuple[pd.DataFrame, list[str]]:
    """Prices at ``as_of`` from ``prices`` where it has them, else the trade list's own price."""
    notes: list[str] = []
    if prices is not None and len(trades):
        px = price_at(prices, as_of).reindex(trades["ticker"]).to_numpy(float)
        have = np.isfinite(px) & (px > 0)
        kept = trades.loc[~have, "ticker"].tolist()
        if kept:
            notes.append(
                f"No price at {as_of.date()} for {', '.join(kept[:5])}: the trade list's price is used."
            )
        trades = trades.assign(price=np.where(have, px, trades["price"].to_numpy(float)))
    bad = ~(trades["price"].to_numpy(float) > 0)
    if bad.any():
        r = trades[bad].iloc[0]
        raise DataError(
            f"Target trade {r['trade']} ({r['ticker']}) has no price: give the trade a price or load prices "
            f"that include {r['ticker']}.",
            code="no_price",
        )
    return trades, notes


def _holdings(open_lots: pd.DataFrame) -> pd.DataFrame:
    """Shares and adjusted basis per account and ticker, with the account type."""
    if not len(open_lots):
        return pd.DataFrame(columns=["account", "ticker", "account_type", "shares", "basis"])
    return (
        open_lots.groupby(["account", "ticker"], sort=True)
        .agg(
            account_type=("account_type", "first"), shares=("shares", "sum"), basis=("adjusted_basis", "sum")
        )
        .reset_index()
    )


def _default_buy_account(held: pd.DataFrame, types: dict[str, str]) -> tuple[str, str]:
    """Where buys go by default, and why (for the note)."""
    by_acct = held.groupby("account").agg(account_type=("account_type", "first"), basis=("basis", "sum"))
    taxable = by_acct[by_acct["account_type"] == "taxable"].sort_values(
        "basis", ascending=False, kind="stable"
    )
    if len(taxable):
        return str(taxable.index[0]), "the taxable account with the largest cost basis"
    named = [a for a, t in types.items() if t == "taxable"]
    if named:
        return named[0], "the first taxable account on file"
    if len(by_acct):
        return str(
            by_acct.sort_values("basis", ascending=False).index[0]
        ), "the account with the largest cost basis"
    return "taxable", "a new taxable account (no accounts on file)"


def _place(trades: pd.DataFrame, held: pd.DataFrame, buy_account: str, as_of: pd.Timestamp) -> pd.DataFrame:
    """One row per (trade, account) piece: sells from the largest holdings first, buys to ``buy_account``."""
    left = {(a, t): float(s) for a, t, s in held[["account", "ticker", "shares"]].itertuples(index=False)}
    pieces = []
    for r in trades.itertuples(index=False):
        if r.side == "buy":
            acct = r.account or buy_account
            left[(acct, r.ticker)] = left.get((acct, r.ticker), 0.0) + r.shares
            pieces.append((r.trade, acct, r.ticker, "buy", r.shares, r.price))
            continue
        here = sorted(
            ((a, s) for (a, t), s in left.items() if t == r.ticker and s > 1e-9),
            key=lambda x: (-x[1], x[0]),
        )
        if r.account:
            here = [(a, s) for a, s in here if a == r.account]
        total = sum(s for _a, s in here)
        if r.shares > total + 1e-7:
            where = f" in account {r.account!r}" if r.account else ""
            split = ", ".join(f"{a} {s:g}" for a, s in here)
            raise DataError(
                f"Target trade {r.trade} sells {r.shares:g} {r.ticker}{where} but only {total:g} shares are "
                f"held at {as_of.date()}{f' ({split})' if split else ''}. Short sales are not supported: "
                "build the target from these holdings, or reduce the sell.",
                code="oversell",
                details={"trade": int(r.trade), "ticker": r.ticker, "held": total},
            )
        rem = r.shares
        for acct, s in here:
            q = min(rem, s)
            left[(acct, r.ticker)] = s - q
            pieces.append((r.trade, acct, r.ticker, "sell", q, r.price))
            rem -= q
            if rem <= 1e-9:
                break
    return pd.DataFrame(pieces, columns=["trade", "account", "ticker", "side", "shares", "price"])


def _account_types(base: TaxResult, history: pd.DataFrame, accounts: dict | None) -> dict[str, str]:
    types: dict[str, str] = {}
    for frame in (base.realized, base.open_lots):
        types.update(zip(frame["account"], frame["account_type"], strict=True))
    if "account_type" in history.columns:
        types.update(zip(history["account"].astype(str).str.strip(), history["account_type"], strict=True))
    types.update({str(k): str(v).strip().lower() for k, v in (accounts or {}).items()})
    return types


def yearly_tax(result: TaxResult, rates: TaxRates) -> dict[int, float]:
    """Tax per calendar year of sale on the taxable allowed gains, each year netted on its own."""
    r = result.taxable_realized
    if not len(r):
        return {}
    by = r.assign(year=r["sold"].dt.year).pivot_table(
        index="year", columns="term", values="allowed_gain", aggfunc="sum"
    )
    return {
        int(y): rates.tax(float(row.get("short", 0.0) or 0.0), float(row.get("long", 0.0) or 0.0))
        for y, row in by.fillna(0.0).iterrows()
    }


# --------------------------------------------------------------------------- the function
def trade_list_tax(
    trade_list: list[dict] | pd.DataFrame,
    as_of: date | str,
    *,
    history: pd.DataFrame | None = None,
    lots: pd.DataFrame | None = None,
    method: LotMethod = "fifo",
    rates: TaxRates | None = None,
    substantially_identical: dict[str, str] | None = None,
    accounts: dict[str, str] | None = None,
    prices: pd.Series | pd.DataFrame | None = None,
    buy_account: str | None = None,
    today: date | str | None = None,
) -> TradeListTax:
    """Tax of a proposed trade list traded at ``as_of``, with its wash-sale exposure.

    Parameters
    ----------
    trade_list : list of dict or DataFrame
        ``ticker``, ``side`` (buy/sell), ``shares`` (> 0), ``price``; optional
        ``account`` to place a trade by hand. The Construct page's trade list
        (``workspace["target"]["trades"]``) has this shape.
    as_of : date-like
        The day the trades are assumed to be made: sale date for holding periods
        and the 61-day wash-sale window. Not before the last trade or opening lot.
    history, lots, method, rates, substantially_identical, accounts, today :
        As for :func:`finance_core.tax.wash_sales.process_trades` (``history`` is its
        ``trades``): the book the trades are made against. ``method="specific"``
        falls back to FIFO (a trade list names no lots) and says so in ``notes``.
    prices : Series or DataFrame, optional
        Ticker -> price, or dates x tickers (the last row on or before ``as_of``):
        the trades are priced there. Without it, or for a ticker it lacks, the
        trade list's own price is used.
    buy_account : str, optional
        Where buys go unless the trade names an account (default: the taxable
        account with the largest cost basis).

    Returns
    -------
    TradeListTax

    Raises
    ------
    DataError
        A sell of more shares than all accounts hold (naming the ticker, the shares
        held and where), a trade without a price, an ``as_of`` before the last
        trade, and everything :func:`process_trades` refuses in the history.

    The result is the difference between two replays of the book, without and with
    the trades, so it agrees with the desk's realised report and wash-sale matches.
    See the module docstring for how trades are placed in accounts.
    """
    method, relief, notes = _lot_relief(method)
    rates = rates or TaxRates()
    when = pd.Timestamp(as_of).normalize()
    hist = _history_frame(history)
    replay = functools.partial(
        process_trades, rates=rates, substantially_identical=substantially_identical, lots=lots, accounts=accounts
    )
    base = replay(hist, relief, today=today)
    _check_as_of(when, hist, lots)
    proposed, price_notes = _reprice(_trade_frame(trade_list), prices, when)
    notes += price_notes
    if not len(proposed):
        return _empty_result(when, method, (*notes, "The trade list is empty: nothing to tax."))
    held = _holdings(base.open_lots)
    types = _account_types(base, hist, accounts)
    default, why = (buy_account, "the account chosen") if buy_account else _default_buy_account(held, types)
    pieces = _place(proposed, held, default, when)
    combined = _combined(hist, pieces, when, types)
    today_ts = max(pd.Timestamp(today if today is not None else date.today()).normalize(), when)
    after = replay(combined, relief, today=today_ts)
    notes += _placement_notes(pieces, types, default, why)
    return _result(proposed, pieces, base, after, rates, when, method, notes)


def _lot_relief(method: str) -> tuple[LotMethod, LotMethod, list[str]]:
    """The lot method (lower case), the one the replay uses (FIFO for ``specific``) and its note."""
    name = str(method).lower()
    if name not in LOT_METHODS:
        raise DataError(
            f"Unknown lot method {name!r}: choose one of {', '.join(LOT_METHODS)}.", code="bad_method"
        )
    if name == "specific":
        return name, "fifo", [SPECIFIC_NOTE]
    return name, name, []


def _history_frame(history: pd.DataFrame | None) -> pd.DataFrame:
    """The trade history with a fresh index and a 1-based ``row`` number (empty when none is given)."""
    hist = (
        history
        if history is not None
        else pd.DataFrame(columns=["date", "account", "ticker", "side", "shares", "price"])
    )
    hist = hist.reset_index(drop=True)
    if "row" not in hist.columns:
        hist = hist.assign(row=np.arange(1, len(hist) + 1))
    return hist


def _placement_notes(pieces: pd.DataFrame, types: Mapping[str, str], default: str, why: str) -> list[str]:
    """Where the trades were placed, and a warning when sells fall in sheltered accounts."""
    notes = [
        f"Sells come out of the account holding the most shares of the ticker (then the next); buys go to "
        f"{default} ({why})."
    ]
    sells = pieces["side"] == "sell"
    if sells.any() and (pieces.loc[sells, "account"].map(types).fillna("taxable") != "taxable").any():
        notes.append("Sells in IRA and Roth accounts realise no taxable gain.")
    return notes


def _check_as_of(when: pd.Timestamp, hist: pd.DataFrame, lots: pd.DataFrame | None) -> None:
    last = pd.to_datetime(hist["date"]).max() if len(hist) else None
    what = "trade"
    if lots is not None and len(lots):
        last_lot = pd.to_datetime(lots["acquired"]).max()
        if last is None or last_lot > last:
            last, what = last_lot, "opening lot"
    if last is not None and when < pd.Timestamp(last).normalize():
        raise DataError(
            f"The as-of date {when.date()} is before the last {what} ({pd.Timestamp(last).date()}): the "
            "proposed trades are made at the as-of date, after the history. Pick a later date.",
            code="bad_date",
        )


def _combined(hist: pd.DataFrame, pieces: pd.DataFrame, when: pd.Timestamp, types: dict) -> pd.DataFrame:
    """The history followed by the placed trades, dated ``when`` (rows "target <n>")."""
    add = pd.DataFrame(
        {
            "date": when,
            "account": pieces["account"].to_numpy(object),
            "ticker": pieces["ticker"].to_numpy(object),
            "side": pieces["side"].to_numpy(object),
            "shares": pieces["shares"].to_numpy(float),
            "price": pieces["price"].to_numpy(float),
            "row": [_ROW.format(t) for t in pieces["trade"]],
        }
    )
    if "account_type" in hist.columns:
        add["account_type"] = add["account"].map(types).fillna("taxable")
    if "lot_id" in hist.columns:
        add["lot_id"] = None
    cols = list(dict.fromkeys([*hist.columns, *add.columns]))
    both = pd.concat([hist.reindex(columns=cols), add.reindex(columns=cols)], ignore_index=True)
    both["date"] = pd.to_datetime(both["date"])
    return both


def _trade_of(labels: Iterable[object]) -> np.ndarray:
    """The trade number of replay rows / lot ids named "target <n>" (child lots "target <n>.<k>"), else 0."""
    out = []
    for v in labels:
        m = _ROW_RE.match(str(v))
        out.append(int(m.group(1)) if m else 0)
    return np.asarray(out, dtype=int)


def _result(
    proposed: pd.DataFrame,
    pieces: pd.DataFrame,
    base: TaxResult,
    after: TaxResult,
    rates: TaxRates,
    when: pd.Timestamp,
    method: str,
    notes: list[str],
) -> TradeListTax:
    """The :class:`TradeListTax` of the proposed trades: the replay ``after`` them minus the ``base`` one."""
    n0 = len(base.realized)
    rz, ws = after.realized, after.wash_sales
    new = rz.iloc[n0:].assign(trade=_trade_of(rz["row"].iloc[n0:]))
    by_buy = _trade_of(ws["replacement_lot_id"]) if len(ws) else np.zeros(0, dtype=int)
    on_new = ws["realized_index"].to_numpy(int) >= n0 if len(ws) else np.zeros(0, dtype=bool)
    caused = _caused_by_buys(ws, rz, by_buy, on_new, rates)
    table = _trade_rows(proposed, pieces, new, caused, after, rates, when)
    tax, before_netting = _netted_tax(base, after, rates, table, notes)
    involved = ws[on_new | (by_buy > 0)] if len(ws) else ws
    perm = float(new["wash_permanent"].sum()) + float(caused.loc[caused["permanent"], "disallowed"].sum())
    return TradeListTax(
        trades=table,
        realized=new.reset_index(drop=True),
        wash_sales=involved.reset_index(drop=True),
        short_term_gain=float(table["short_term_gain"].sum()),
        long_term_gain=float(table["long_term_gain"].sum()),
        loss_disallowed=float(table["disallowed"].sum()),
        wash_permanent=perm,
        tax=tax,
        tax_before_netting=before_netting,
        as_of=when,
        method=method,
        notes=tuple(dict.fromkeys([*notes, *after.notes])),
    )


def _caused_by_buys(
    ws: pd.DataFrame, rz: pd.DataFrame, by_buy: np.ndarray, on_new: np.ndarray, rates: TaxRates
) -> pd.DataFrame:
    """Earlier (history) losses washed by a proposed buy, each with its tax: charged to that buy."""
    st_rate, lt_rate = rates.short_term_total, rates.long_term_total
    caused = ws[(by_buy > 0) & ~on_new].assign(trade=by_buy[(by_buy > 0) & ~on_new])
    caused_term = rz["term"].to_numpy(object)[caused["realized_index"].to_numpy(int)]
    return caused.assign(tax=caused["disallowed"] * np.where(caused_term == "long", lt_rate, st_rate))


def _trade_rows(
    proposed: pd.DataFrame,
    pieces: pd.DataFrame,
    new: pd.DataFrame,
    caused: pd.DataFrame,
    after: TaxResult,
    rates: TaxRates,
    when: pd.Timestamp,
) -> pd.DataFrame:
    """One :data:`TRADE_TAX_COLUMNS` row per proposed trade: gains by term, disallowed loss, tax, wash text."""
    st_rate, lt_rate = rates.short_term_total, rates.long_term_total
    taxable = new["account_type"] == "taxable"
    short = new["term"] == "short"
    ws, rz = after.wash_sales, after.realized
    rows = []
    for r in proposed.itertuples(index=False):
        mine = new[new["trade"] == r.trade]
        t_mask = taxable[mine.index]
        st = float(mine.loc[t_mask & short[mine.index], "allowed_gain"].sum())
        lt = float(mine.loc[t_mask & ~short[mine.index], "allowed_gain"].sum())
        accts = ", ".join(dict.fromkeys(pieces.loc[pieces["trade"] == r.trade, "account"]))
        sell = r.side == "sell"
        c = caused[caused["trade"] == r.trade]
        rows.append(
            {
                "trade": int(r.trade),
                "ticker": r.ticker,
                "side": r.side,
                "shares": float(r.shares),
                "price": float(r.price),
                "account": accts,
                "proceeds": float(mine["proceeds"].sum()) if sell else np.nan,
                "cost_basis": float(mine["cost_basis"].sum()) if sell else np.nan,
                "gain": float(mine["gain"].sum()) if sell else np.nan,
                "short_term_gain": st,
                "long_term_gain": lt,
                "disallowed": float(mine["wash_disallowed"].sum()) if sell else float(c["disallowed"].sum()),
                "tax": st * st_rate + lt * lt_rate if sell else float(c["tax"].sum()),
                "wash": _wash_text(r, mine, ws, c, rz, when),
            }
        )
    return pd.DataFrame(rows, columns=TRADE_TAX_COLUMNS)


def _netted_tax(
    base: TaxResult, after: TaxResult, rates: TaxRates, table: pd.DataFrame, notes: list[str]
) -> tuple[float, float]:
    """The trades' tax netted within each year (with and without them) and the trade-by-trade sum.

    A note joins ``notes`` when netting moves the tax by more than 50 cents.
    """
    yb, ya = yearly_tax(base, rates), yearly_tax(after, rates)
    tax = float(sum(ya.get(y, 0.0) - yb.get(y, 0.0) for y in set(ya) | set(yb)))
    before_netting = float(table["tax"].sum())
    if abs(tax - before_netting) > 0.5:
        notes.append(
            f"Netting short- and long-term gains and losses within the year (with the other sales of the "
            f"year) makes the tax {usd(tax)} rather than {usd(before_netting)}, the trade-by-trade sum."
        )
    return tax, before_netting


def _wash_text(
    r: Any, mine: pd.DataFrame, ws: pd.DataFrame, caused: pd.DataFrame, rz: pd.DataFrame, when: pd.Timestamp
) -> str:
    """The wash-sale exposure of one proposed trade, in words."""
    if r.side == "buy":
        if not len(caused):
            return ""
        sold = rz.iloc[caused["realized_index"].to_numpy(int)]
        what = ", ".join(
            dict.fromkeys(
                f"{t} sold {pd.Timestamp(d).date()}"
                for t, d in zip(sold["ticker"], sold["sold"], strict=True)
            )
        )
        lost = " (lost for good: bought in an IRA/Roth)" if caused["permanent"].any() else ""
        return f"Disallows {usd(caused['disallowed'].sum())} of the loss on {what}{lost}"
    washed = float(mine["wash_disallowed"].sum())
    if washed > 1e-9:
        m = ws[ws["realized_index"].isin(mine.index)]
        repl = ", ".join(
            dict.fromkeys(
                f"{t} bought {pd.Timestamp(d).date()} ({a})"
                for t, d, a in zip(
                    m["replacement_ticker"], m["replacement_date"], m["replacement_account"], strict=True
                )
            )
        )
        lost = "; lost for good (IRA/Roth purchase)" if m["permanent"].any() else ""
        return f"Wash sale: {usd(washed)} of loss disallowed, replacement {repl}{lost}"
    if (mine.loc[mine["account_type"] == "taxable", "allowed_gain"] < -1e-9).any():
        back = (when + pd.Timedelta(days=WASH_WINDOW_DAYS + 1)).date()
        return f"Loss: buying {r.ticker} (or an identical ticker) before {back} would make it a wash sale"
    return ""


def _empty_result(when: pd.Timestamp, method: str, notes: Iterable[str]) -> TradeListTax:
    return TradeListTax(
        trades=pd.DataFrame(columns=TRADE_TAX_COLUMNS),
        realized=pd.DataFrame(),
        wash_sales=pd.DataFrame(),
        short_term_gain=0.0,
        long_term_gain=0.0,
        loss_disallowed=0.0,
        wash_permanent=0.0,
        tax=0.0,
        tax_before_netting=0.0,
        as_of=when,
        method=method,
        notes=tuple(notes),
    )
