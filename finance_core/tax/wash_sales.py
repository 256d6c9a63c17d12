"""Tax lots, lot relief and the wash-sale rule: replaying a trade history.

:func:`process_trades` replays trades (and optional opening lots) in date order,
relieves lots by the chosen method, and applies the wash-sale rule of IRC section
1091 as IRS Publication 550 (2025), chapter 4, "Wash Sales", describes it:

- a loss on a sale in a taxable account is disallowed when substantially identical
  shares are bought within 30 days before or after the sale (a 61-day window);
- when fewer shares are bought than sold, only the loss on that many shares is
  disallowed (partial wash sale); replacement shares are matched to the shares sold
  in the order they were bought, beginning with the first shares bought
  ("More or less stock bought than sold"); losses are matched in the order of the
  sales (Treas. Reg. section 1.1091-1(b));
- the disallowed loss is added to the basis of the replacement shares and their
  holding period includes the holding period of the shares sold (section 1091(d);
  Pub. 550, "Holding period", "Wash sales"; Treas. Reg. section 1.1091-2);
- a purchase in the same person's traditional or Roth IRA disallows the loss for good:
  no basis is added anywhere (Rev. Rul. 2008-5; Pub. 550 "Wash Sales");
- short term means held one year or less, counting from the day after acquisition
  (Pub. 550, "Holding Period").

Modelling choices (stated because the rules leave them open): shares of the same
purchase as the shares sold are not replacement shares for them; shares bought
before the sale count only while still held at the sale; each replacement share is
used once (Treas. Reg. section 1.1091-1(e)).

The trades and opening lots are checked and turned into events by
:func:`finance_core.tax.lots.trade_events`; the replay's output is a
:class:`finance_core.tax.result.TaxResult`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from itertools import chain

import numpy as np
import pandas as pd

from .._types import DateLike
from ..errors import DataError
from ._dates import EPOCH, anniversary_day, anniversary_days, from_days
from .lots import LOT_METHODS, LotMethod, first_true, trade_events
from .rates import TaxRates
from .result import TaxResult

__all__ = ["WASH_WINDOW_DAYS", "AVERAGE_COST_NOTE", "process_trades", "identical_map"]

AVERAGE_COST_NOTE = (
    "Average basis is allowed only for shares of a regulated investment company (a mutual fund or an ETF "
    "organised as one) and for dividend-reinvestment-plan stock (Treas. Reg. section 1.1012-1(e)); for "
    "other stocks report the sales by lot (FIFO unless you identified the lots)."
)
#: Days before and after a loss sale in which a purchase makes it a wash sale.
WASH_WINDOW_DAYS = 30

_EPS = 1e-9


# --------------------------------------------------------------------------- engine
#: Fields of one realised chunk in :attr:`_Replay.realized_flat`, in order.
_REALIZED_FIELDS = (
    "row", "key", "lot_id", "acquired", "holding_start", "sold", "shares", "proceeds", "cost_basis"
)
_NF = len(_REALIZED_FIELDS)


class _Replay:
    """Chronological replay of buy/sell events with lot relief and wash-sale matching.

    Everything is held in flat Python lists (fast scalar access). A *key* is one
    (account, ticker) pair, a *group* one set of substantially identical tickers (across
    accounts), a *lot* one purchase or a piece split from it; every buy event opens lot
    number = its rank among buys, pieces split off are appended after them.

    ================  ===========  ===============================================================
    attribute         indexed by   holds
    ================  ===========  ===============================================================
    key_info          key          (account, account_type, ticker)
    key_type          key          account_type ("taxable", "ira", "roth")
    lots_of_key       key          open lot numbers in relief (acquisition) order
    held              key          shares held now
    acquired          lot          acquisition day (days since EPOCH)
    holding_start     lot          day the holding period starts (earlier after a wash sale)
    shares            lot          shares still held
    cost              lot          cost basis of those shares (money)
    adjusted          lot          adjusted basis: cost plus disallowed wash-sale losses (money)
    lot_id            lot          the lot's name (its lot_id, or the trade row; ``name.n`` for pieces)
    lot_key           lot          key of the lot
    replaced          lot          already used as replacement shares (each share once)
    purchase          lot          the buy the lot comes from (pieces keep it)
    recent_buys       group        lots bought in the last 30 days (oldest first, pruned lazily)
    pending_losses    group        loss entries still looking for shares bought later
    realized_flat     -            realised chunks, ``_NF`` fields each (see ``_REALIZED_FIELDS``)
    wash_amount       chunk        disallowed loss of a realised chunk (money)
    wash_permanent    chunk        the part of it disallowed for good (IRA/Roth replacement)
    matches           -            (chunk, shares, amount, replacement lot_id, key, acquired, permanent)
    losses            -            loss entries, in order of the sales
    ================  ===========  ===============================================================

    A loss entry is a list ``[chunk, shares_left, loss_per_share, sale_day, days_held]``;
    ``shares_left`` goes down as replacement shares are matched to it.
    """

    def __init__(self, ev: pd.DataFrame, method: str, rates: TaxRates, groups: dict[str, str]) -> None:
        self.method = method
        self.short_rate, self.long_rate = rates.short_term_total, rates.long_term_total
        self._index_keys(ev, groups)
        self._open_buy_lots(ev)
        n_keys = len(self.key_info)
        self.lots_of_key: list[list[int]] = [[] for _ in range(n_keys)]
        self.held = [0.0] * n_keys
        self.recent_buys: list[deque] = [deque() for _ in range(self.n_groups)]
        self.pending_losses: list[deque] = [deque() for _ in range(self.n_groups)]
        self.realized_flat: list = []
        self.wash_amount: dict[int, float] = {}
        self.wash_permanent: dict[int, float] = {}
        self.matches: list[tuple] = []
        self.losses: list[list] = []

    def _index_keys(self, ev: pd.DataFrame, groups: dict[str, str]) -> None:
        """Code every event by key (account, ticker) and by group of substantially identical tickers."""
        acct_s = ev["account"]
        tick_s = ev["ticker"]
        a_codes, _a_uniq = pd.factorize(acct_s)
        t_codes, t_uniq = pd.factorize(tick_s)
        key_codes, _key_uniques = pd.factorize(a_codes.astype("int64") * max(len(t_uniq), 1) + t_codes)
        first = pd.Series(np.arange(len(ev))).groupby(key_codes).first().to_numpy()
        self.key_info = [(acct_s.iat[i], ev["atype"].iat[i], tick_s.iat[i]) for i in first]
        self.key_type = [info[1] for info in self.key_info]
        group_of_ticker, _ = pd.factorize(pd.Series([groups.get(t, t) for t in t_uniq], dtype=object))
        group_codes = group_of_ticker[t_codes] if len(t_codes) else t_codes
        self.event_key = key_codes
        self.event_group = group_codes
        self.n_groups = int(group_codes.max()) + 1 if len(group_codes) else 0

    def _open_buy_lots(self, ev: pd.DataFrame) -> None:
        """One lot per buy event (opening lots keep their basis and holding start)."""
        buy = ev["buy"].to_numpy(bool)
        opening = ev["opening"].to_numpy(bool)[buy]
        day = ev["day"].to_numpy("int64")[buy]
        shares = ev["shares"].to_numpy(float)[buy]
        paid = shares * ev["price"].to_numpy(float)[buy]
        self.acquired: list[int] = day.tolist()
        self.holding_start: list[int] = np.where(opening, ev["hs"].to_numpy("int64")[buy], day).tolist()
        self.shares: list[float] = shares.tolist()
        self.cost: list[float] = np.where(opening, ev["cost"].to_numpy(float)[buy], paid).tolist()
        self.adjusted: list[float] = np.where(opening, ev["adj"].to_numpy(float)[buy], paid).tolist()
        refs = ev["lot_ref"].to_numpy(object)[buy]
        rows = ev["row"].to_numpy(object)[buy]
        self.lot_id: list = np.where(pd.isna(refs), rows, refs).tolist()
        n_buys = len(self.shares)
        self.replaced: list[bool] = [False] * n_buys
        self.purchase: list[int] = list(range(n_buys))
        self.lot_key: list[int] = self.event_key[buy].tolist()
        self.lot_by_id: dict = {}
        if self.method == "specific":
            if (j := first_true(pd.Series(self.lot_id, dtype=object).duplicated())) is not None:
                raise DataError(
                    f"Trade {rows[j]}: lot_id {self.lot_id[j]!r} is already used by another purchase. "
                    "Give each buy its own lot_id.",
                    code="duplicate_lot",
                )
            self.lot_by_id = {name: j for j, name in enumerate(self.lot_id)}

    def run(self, ev: pd.DataFrame) -> _Replay:
        """Apply the events in order (they are sorted by day, file order within a day)."""
        self.columns = [ev[c].tolist() for c in ("day", "buy", "shares", "price", "row", "lot_ref")]
        self.event_is_buy = ev["buy"].to_numpy()
        event_key, event_group = self.event_key.tolist(), self.event_group.tolist()
        buy, sell = self.buy, self.sell
        next_lot = 0
        for i, (day, is_buy, s, px, row, ref) in enumerate(zip(*self.columns, strict=True)):
            if is_buy:
                buy(next_lot, event_key[i], event_group[i], day, s)
                next_lot += 1
            else:
                sell(i, event_key[i], event_group[i], day, s, px, row, ref)
        return self

    # ---------------------------------------------------------------- lots
    def new_lot(
        self,
        k: int,
        acquired: int,
        holding_start: int,
        shares: float,
        cost: float,
        adjusted: float,
        purchase: int,
        name: object,
    ) -> int:
        i = len(self.shares)
        self.acquired.append(acquired)
        self.holding_start.append(holding_start)
        self.shares.append(shares)
        self.cost.append(cost)
        self.adjusted.append(adjusted)
        self.replaced.append(False)
        self.purchase.append(purchase)
        self.lot_id.append(name)
        self.lot_key.append(k)
        return i

    def split(self, lot: int, m: float) -> int:
        """A lot of ``m`` shares cut from ``lot`` and placed before it (``lot`` itself when it has no more)."""
        shares, cost, adjusted = self.shares, self.cost, self.adjusted
        s = shares[lot]
        if m >= s - _EPS:
            return lot
        f = m / s
        piece = self.new_lot(
            self.lot_key[lot], self.acquired[lot], self.holding_start[lot], m, cost[lot] * f,
            adjusted[lot] * f, self.purchase[lot], f"{self.lot_id[lot]}.{len(shares)}",
        )
        shares[lot] = s - m
        cost[lot] -= cost[piece]
        adjusted[lot] -= adjusted[piece]
        open_lots = self.lots_of_key[self.lot_key[lot]]
        open_lots.insert(open_lots.index(lot), piece)
        return piece

    def wash(self, entry: list, target: int, m: float) -> None:
        """Match ``m`` replacement shares of lot ``target`` to a loss entry and move the loss into their basis."""
        chunk, _left, loss_per_share, _day, days_held = entry
        entry[1] -= m
        amount = m * loss_per_share
        tk = self.lot_key[target]
        permanent = self.key_type[tk] != "taxable"
        if not permanent:
            self.adjusted[target] += amount
            self.holding_start[target] = self.acquired[target] - days_held
        self.replaced[target] = True
        self.wash_amount[chunk] = self.wash_amount.get(chunk, 0.0) + amount
        if permanent:
            self.wash_permanent[chunk] = self.wash_permanent.get(chunk, 0.0) + amount
        self.matches.append((chunk, m, amount, self.lot_id[target], tk, self.acquired[target], permanent))

    # ---------------------------------------------------------------- buys
    def buy(self, lot: int, k: int, g: int, day: int, s: float) -> None:
        self.lots_of_key[k].append(lot)
        self.held[k] += s
        pending = self.pending_losses[g]
        if pending:
            self.fill_pending(pending, lot, day)
        self.recent_buys[g].append(lot)

    def fill_pending(self, pending: deque, lot: int, day: int) -> None:
        """The new lot replaces shares of earlier loss sales still in their window, in order of the sales."""
        shares = self.shares
        while pending and (pending[0][3] + WASH_WINDOW_DAYS < day or pending[0][1] <= _EPS):
            pending.popleft()
        for entry in pending:
            if entry[1] <= _EPS:
                continue
            m = entry[1] if entry[1] < shares[lot] else shares[lot]
            target = self.split(lot, m)
            self.wash(entry, target, m)
            if target == lot:
                break

    # ---------------------------------------------------------------- sells
    def sell(self, i: int, k: int, g: int, day: int, s: float, px: float, row: object, ref: object) -> None:
        h = self.held[k]
        if s > h + 1e-7:
            self.refuse_oversell(i, k, day, s, h, row)
        open_lots = self.lots_of_key[k]
        sequence = self.relief_order(open_lots, s, px, day, ref, row)
        losses, closed_full = self.relieve(sequence, k, s, px, day, row)
        self.held[k] = h - s if h - s > _EPS else 0.0
        if closed_full:
            if self.method in ("fifo", "average"):
                del open_lots[:closed_full]
            else:
                shares = self.shares
                self.lots_of_key[k] = [j for j in open_lots if shares[j] > _EPS]
        if losses is not None:
            self.match_losses(losses, g, day)

    def refuse_oversell(self, i: int, k: int, day: int, s: float, h: float, row: object) -> None:
        days, rows = self.columns[0], self.columns[4]
        key, is_buy = self.event_key, self.event_is_buy
        later = np.flatnonzero((key[i + 1 :] == k) & is_buy[i + 1 :])
        next_buy = (days[i + 1 + later[0]], rows[i + 1 + later[0]]) if len(later) else None
        before = np.flatnonzero((key[:i] == k) & is_buy[:i])
        first_buy = (days[before[0]], rows[before[0]]) if len(before) else None
        _oversell(row, day, s, self.key_info[k], h, first_buy, next_buy)

    def relief_order(
        self, open_lots: list[int], s: float, px: float, day: int, ref: object, row: object
    ) -> list[int]:
        """The open lots of the key in the order the method sells them."""
        method = self.method
        if method == "fifo" or method == "average" or method == "lifo":
            if method == "average" and len(open_lots) > 1:
                self.average_basis(open_lots)
            return open_lots if method != "lifo" else open_lots[::-1]
        shares, adjusted, holding_start = self.shares, self.adjusted, self.holding_start
        if method == "hifo":
            return sorted(open_lots, key=lambda j: -adjusted[j] / shares[j])
        if method == "min_tax":
            price, short_rate, long_rate = px, self.short_rate, self.long_rate
            return sorted(
                open_lots,
                key=lambda j: (price - adjusted[j] / shares[j])
                * (long_rate if day > anniversary_day(holding_start[j]) else short_rate),
            )
        named = self.named_lots(open_lots, ref, row)
        available = sum(shares[j] for j in named)
        if s > available + 1e-7:
            raise DataError(
                f"Trade {row}: the lots named ({ref}) hold {available:g} shares but {s:g} are sold. "
                "Name more lots or sell fewer shares.",
                code="oversell",
            )
        return named

    def average_basis(self, open_lots: list[int]) -> None:
        """Single-category average basis: every open lot gets the average cost and adjusted basis per share."""
        shares, cost, adjusted = self.shares, self.cost, self.adjusted
        total = sum(shares[j] for j in open_lots)
        adjusted_ps = sum(adjusted[j] for j in open_lots) / total
        cost_ps = sum(cost[j] for j in open_lots) / total
        for j in open_lots:
            adjusted[j], cost[j] = adjusted_ps * shares[j], cost_ps * shares[j]

    def named_lots(self, open_lots: list[int], ref: object, row: object) -> list[int]:
        """Specific identification: the open lots (and pieces of them) named in ``ref``, ``;``-separated."""
        if ref is None or (isinstance(ref, float) and np.isnan(ref)) or str(ref).strip() == "":
            raise DataError(
                f"Trade {row}: specific identification needs the lot_id of the lot(s) sold on this sell.",
                code="missing_lot",
            )
        purchase, lot_by_id = self.purchase, self.lot_by_id
        chosen: list[int] = []
        for nm in (s.strip() for s in str(ref).split(";") if s.strip()):
            lot = lot_by_id.get(nm)
            if lot is None:
                try:
                    lot = lot_by_id.get(int(float(nm)))
                except ValueError:
                    lot = None
            same = [] if lot is None else [c for c in open_lots if purchase[c] == purchase[lot]]
            if not same:
                raise DataError(
                    f"Trade {row}: lot {nm!r} is not an open lot of this ticker in this account. "
                    "Name a lot that is still held (see the open lots table).",
                    code="unknown_lot",
                )
            chosen.extend(c for c in same if c not in chosen)
        return chosen

    def relieve(
        self, sequence: list[int], k: int, s: float, px: float, day: int, row: object
    ) -> tuple[list | None, int]:
        """Sell ``s`` shares from the lots in ``sequence``: one realised chunk per lot touched.

        Returns the loss entries of the chunks sold at a loss in a taxable account (each
        with the chunk's purchase appended, None when there is none) and the number of
        lots closed in full.
        """
        shares, cost, adjusted = self.shares, self.cost, self.adjusted
        lot_id, acquired, holding_start, purchase = self.lot_id, self.acquired, self.holding_start, self.purchase
        realized = self.realized_flat
        taxable = self.key_type[k] == "taxable"
        rem = s
        losses = None
        closed_full = 0
        for lot in sequence:
            if rem <= _EPS:
                break
            q = shares[lot]
            if q <= rem + _EPS:
                basis = adjusted[lot]
                shares[lot] = 0.0
                closed_full += 1
                rem -= q
            else:
                f = rem / q
                basis = adjusted[lot] * f
                adjusted[lot] -= basis
                cost[lot] -= cost[lot] * f
                shares[lot] = q - rem
                q = rem
                rem = 0.0
            proceeds = q * px
            gain = proceeds - basis
            chunk = len(realized) // _NF
            realized.extend((row, k, lot_id[lot], acquired[lot], holding_start[lot], day, q, proceeds, basis))
            if taxable and gain < -1e-9:
                if losses is None:
                    losses = []
                losses.append([chunk, q, -gain / q, day, day - holding_start[lot], purchase[lot]])
        return losses, closed_full

    def match_losses(self, losses: list[list], g: int, day: int) -> None:
        """Match each loss to unused shares of the group bought in the 30 days before; the rest waits."""
        shares, replaced, purchase = self.shares, self.replaced, self.purchase
        recent = self.recent_buys[g]
        window_start = day - WASH_WINDOW_DAYS
        acquired = self.acquired
        while recent and (
            acquired[recent[0]] < window_start or shares[recent[0]] <= _EPS or replaced[recent[0]]
        ):
            recent.popleft()
        for entry in losses:
            own_purchase = entry.pop()
            self.losses.append(entry)
            if recent:
                for cand in recent:
                    if entry[1] <= _EPS:
                        break
                    if replaced[cand] or shares[cand] <= _EPS or purchase[cand] == own_purchase:
                        continue
                    m = entry[1] if entry[1] < shares[cand] else shares[cand]
                    self.wash(entry, self.split(cand, m), m)
            if entry[1] > _EPS:
                self.pending_losses[g].append(entry)


def _oversell(
    row: object,
    day: int,
    shares: float,
    info: tuple[str, str, str],
    held: float,
    first_buy: tuple[int, object] | None,
    next_buy: tuple[int, object] | None,
) -> None:
    account, _atype, ticker = info
    when = EPOCH + timedelta(days=int(day))
    if held <= _EPS and first_buy is None and next_buy is not None:
        extra = (
            f" This sale comes before the first purchase of {ticker} in {account} (row {next_buy[1]}, "
            f"{EPOCH + timedelta(days=int(next_buy[0]))}): check the dates."
        )
    elif held <= _EPS:
        extra = f" No purchase of {ticker} in {account} comes before it: add the purchase or the opening lot."
    else:
        extra = " Reduce the shares sold or add the missing purchase."
    raise DataError(
        f"Trade row {row} ({when}, sell {shares:g} {ticker} in account {account!r}): only {held:g} shares "
        f"are held there at that date. Short sales are not supported.{extra}",
        code="oversell",
        details={"row": row, "ticker": ticker, "account": account, "held": held},
    )


def process_trades(
    trades: pd.DataFrame,
    method: LotMethod = "fifo",
    *,
    rates: TaxRates | None = None,
    substantially_identical: dict[str, str] | None = None,
    lots: pd.DataFrame | None = None,
    accounts: dict[str, str] | None = None,
    today: DateLike | None = None,
) -> TaxResult:
    """Replay trades through tax lots with the wash-sale rule.

    Parameters
    ----------
    trades : DataFrame
        Columns ``date``, ``account``, ``ticker``, ``side`` (buy/sell), ``shares``
        (> 0), ``price`` (> 0); optional ``account_type`` (taxable, ira, roth; when
        absent an account named ``ira`` or ``roth`` has that type, any other is
        taxable), ``row`` (the row number used in messages, as
        :func:`finance_core.data.read_trades_csv` gives it) and ``lot_id`` (on a
        buy: the lot it opens; on a sell with ``method="specific"``: the lot(s)
        sold, separated by ``;``). Trades are applied in date order, file order
        within a day.
    method : {"fifo", "lifo", "hifo", "specific", "min_tax", "average"}
        Lot relief within an account and ticker: first in first out (the IRS
        default, Pub. 550 "Identifying stock or bonds sold"), last in first out,
        highest (adjusted) cost first, specific identification, the lots with the
        least tax per share at ``rates`` first (losses first, then gains taxed at
        the lower rate), or average cost (single-category average basis for fund
        shares, Treas. Reg. section 1.1012-1(e); shares sold first-in-first-out
        for the holding period).
    rates : TaxRates, optional
        Used by ``"min_tax"``; defaults to ``TaxRates()``.
    substantially_identical : dict, optional
        Ticker -> group name: tickers of one group are substantially identical
        (for example two S&P 500 index funds). A ticker not in the map is its own group.
    lots : DataFrame, optional
        Opening lots (``account``, ``ticker``, ``acquired``, ``shares``,
        ``cost_basis``; optional ``account_type``, ``lot_id``, ``adjusted_basis``,
        ``holding_start``), as :func:`finance_core.data.read_lots_csv` returns them.
    accounts : dict, optional
        Account name -> type. When given, a trade in any other account is refused.
    today : date-like, optional
        Trades after this date are refused (default: today).

    Returns
    -------
    TaxResult

    Raises
    ------
    DataError
        Naming the trade (row, date, ticker, account) for a sale of more shares than
        are held (no short sales), a sale before the purchase, a future date,
        non-positive shares or price, an unknown side, account or account type.

    References
    ----------
    IRS Publication 550 (2025), "Wash Sales" and "Holding Period"; IRC section 1091;
    Treas. Reg. sections 1.1091-1 and 1.1091-2; Rev. Rul. 2008-5 (IRA purchases).
    """
    name = str(method).lower()
    if name not in LOT_METHODS:
        raise DataError(
            f"Unknown lot method {name!r}: choose one of {', '.join(LOT_METHODS)}.", code="bad_method"
        )
    method = name  # one of LotMethod from here on
    today_ts = pd.Timestamp(today if today is not None else date.today()).normalize()
    groups = {str(k).upper(): str(v).upper() for k, v in (substantially_identical or {}).items()}
    ev = trade_events(trades, lots, accounts, method, today_ts)
    replay = _Replay(ev, method, rates or TaxRates(), groups).run(ev)
    return _result(replay, method)


def _result(st: _Replay, method: str) -> TaxResult:
    info = np.array(st.key_info, dtype=object).reshape(-1, 3)
    realized = _realized_frame(st, info)
    return TaxResult(
        realized=realized,
        open_lots=_open_lots_frame(st, info),
        wash_sales=_wash_frame(st, info, realized),
        loss_windows=_loss_windows_frame(st, realized),
        method=method,
        notes=(AVERAGE_COST_NOTE,) if method == "average" else (),
    )


def _by_key(info: np.ndarray, keys: np.ndarray, column: int) -> np.ndarray:
    """Column of key_info (0 account, 1 account type, 2 ticker) for each key code."""
    return info[keys, column] if len(keys) else np.array([], dtype=object)


def _realized_frame(st: _Replay, info: np.ndarray) -> pd.DataFrame:
    flat = st.realized_flat
    rec = {}
    for j, c in enumerate(_REALIZED_FIELDS):
        if c in ("row", "lot_id"):
            rec[c] = np.array(flat[j::_NF], dtype=object)
        elif c in ("shares", "proceeds", "cost_basis"):
            rec[c] = np.array(flat[j::_NF], dtype=float)
        else:
            rec[c] = np.array(flat[j::_NF], dtype=np.int64)
    n = len(rec["row"])
    keys = rec["key"].astype(int)
    disallowed = np.zeros(n)
    permanent = np.zeros(n)
    if st.wash_amount:
        disallowed[list(st.wash_amount)] = list(st.wash_amount.values())
    if st.wash_permanent:
        permanent[list(st.wash_permanent)] = list(st.wash_permanent.values())
    hs_days = rec["holding_start"].astype("int64")
    sold_days = rec["sold"].astype("int64")
    gain = rec["proceeds"].astype(float) - rec["cost_basis"].astype(float)
    return pd.DataFrame(
        {
            "row": rec["row"],
            "account": _by_key(info, keys, 0),
            "account_type": _by_key(info, keys, 1),
            "ticker": _by_key(info, keys, 2),
            "lot_id": rec["lot_id"],
            "acquired": from_days(rec["acquired"].astype("int64")),
            "holding_start": from_days(hs_days),
            "sold": from_days(sold_days),
            "shares": rec["shares"].astype(float),
            "proceeds": rec["proceeds"].astype(float),
            "cost_basis": rec["cost_basis"].astype(float),
            "gain": gain,
            "wash_disallowed": disallowed,
            "allowed_gain": gain + disallowed,
            "wash_permanent": permanent,
            "code": np.where(disallowed > 1e-9, "W", ""),
            "term": np.where(sold_days > anniversary_days(hs_days), "long", "short")
            if n
            else np.array([], dtype=object),
        }
    )


def _open_lots_frame(st: _Replay, info: np.ndarray) -> pd.DataFrame:
    open_idx = np.fromiter(chain.from_iterable(st.lots_of_key), dtype=np.int64)
    shares = np.asarray(st.shares, dtype=float)
    open_idx = open_idx[shares[open_idx] > _EPS]
    keys = np.asarray(st.lot_key, dtype=np.int64)[open_idx]
    open_lots = pd.DataFrame(
        {
            "lot_id": np.asarray(st.lot_id, dtype=object)[open_idx],
            "account": _by_key(info, keys, 0),
            "account_type": _by_key(info, keys, 1),
            "ticker": _by_key(info, keys, 2),
            "acquired": from_days(np.asarray(st.acquired, dtype=np.int64)[open_idx]),
            "holding_start": from_days(np.asarray(st.holding_start, dtype=np.int64)[open_idx]),
            "shares": shares[open_idx],
            "cost_basis": np.asarray(st.cost, dtype=float)[open_idx],
            "adjusted_basis": np.asarray(st.adjusted, dtype=float)[open_idx],
        }
    )
    open_lots["wash_adjustment"] = open_lots["adjusted_basis"] - open_lots["cost_basis"]
    return open_lots


def _wash_frame(st: _Replay, info: np.ndarray, realized: pd.DataFrame) -> pd.DataFrame:
    m = pd.DataFrame.from_records(
        st.matches,
        columns=["realized_index", "shares", "disallowed", "replacement_lot_id", "rkey", "rdate", "permanent"],
    )
    ri = m["realized_index"].to_numpy(dtype=int)
    rk = m["rkey"].to_numpy(dtype=int)
    sold = realized["sold"].to_numpy()[ri]
    return pd.DataFrame(
        {
            "realized_index": ri,
            "ticker": realized["ticker"].to_numpy()[ri],
            "account": realized["account"].to_numpy()[ri],
            "sold": sold,
            "window_start": sold - np.timedelta64(WASH_WINDOW_DAYS, "D"),
            "window_end": sold + np.timedelta64(WASH_WINDOW_DAYS, "D"),
            "shares": m["shares"].to_numpy(float),
            "disallowed": m["disallowed"].to_numpy(float),
            "replacement_lot_id": m["replacement_lot_id"].to_numpy(),
            "replacement_ticker": _by_key(info, rk, 2),
            "replacement_account": _by_key(info, rk, 0),
            "replacement_account_type": _by_key(info, rk, 1),
            "replacement_date": from_days(m["rdate"].to_numpy(dtype="int64")),
            "permanent": m["permanent"].to_numpy(bool),
        }
    )


def _loss_windows_frame(st: _Replay, realized: pd.DataFrame) -> pd.DataFrame:
    li = np.array([e[0] for e in st.losses], dtype=int)
    left = np.array([e[1] for e in st.losses], dtype=float)
    loss = realized.iloc[li]
    lsold = loss["sold"].to_numpy()
    return pd.DataFrame(
        {
            "realized_index": li,
            "ticker": loss["ticker"].to_numpy(),
            "account": loss["account"].to_numpy(),
            "lot_id": loss["lot_id"].to_numpy(),
            "sold": lsold,
            "window_start": lsold - np.timedelta64(WASH_WINDOW_DAYS, "D"),
            "window_end": lsold + np.timedelta64(WASH_WINDOW_DAYS, "D"),
            "shares": loss["shares"].to_numpy(float),
            "loss": -loss["gain"].to_numpy(float),
            "matched_shares": loss["shares"].to_numpy(float) - np.maximum(left, 0.0),
            "disallowed": loss["wash_disallowed"].to_numpy(float),
        }
    )


def identical_map(rows: Iterable[Mapping[str, object]] | None) -> dict[str, str]:
    """Ticker -> group from editable rows ``{"ticker": ..., "group": ...}`` (blank rows skipped).

    Raises DataError naming the row when a ticker is listed twice with different groups
    or a row has a ticker but no group.
    """
    out: dict[str, str] = {}
    for i, row in enumerate(rows or [], start=1):
        ticker = str(row.get("ticker") or "").strip().upper()
        group = str(row.get("group") or "").strip().upper()
        if not ticker and not group:
            continue
        if not ticker or not group:
            raise DataError(
                f"Substantially identical map, row {i}: fill in both the ticker and its group "
                "(tickers with the same group are treated as the same security), or clear the row.",
                code="missing_value",
            )
        if ticker in out and out[ticker] != group:
            raise DataError(
                f"Substantially identical map, row {i}: {ticker} is already in group {out[ticker]}; "
                "a ticker belongs to one group. Remove one of the rows.",
                code="duplicate_ticker",
            )
        out[ticker] = group
    return out
