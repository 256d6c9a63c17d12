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
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import chain

import numpy as np
import pandas as pd

from ..errors import DataError
from ._dates import EPOCH, anniversary_day, anniversary_days, from_days
from .lots import LOT_METHODS, first_true, trade_events
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
@dataclass
class _State:
    """Everything the replay leaves behind, in flat Python lists (fast scalar access)."""

    key_info: list  # per key: (account, account_type, ticker)
    klots: list  # per key: open lot numbers in relief (acquisition) order
    acq: list
    hs: list
    sh: list
    cost: list
    adj: list
    lid: list
    lkey: list
    recs: list  # realised chunks, flat, 9 fields each: row, key, lot_id, acquired, holding_start, sold, ...
    wash_amt: dict
    wash_perm: dict
    matches: list
    losses: list


def _replay(ev: pd.DataFrame, method: str, rates: TaxRates, groups: dict[str, str]) -> _State:
    """Chronological replay of buy/sell events with lot relief and wash-sale matching."""
    acct_s = ev["account"]
    tick_s = ev["ticker"]
    a_codes, _a_uniq = pd.factorize(acct_s)
    t_codes, t_uniq = pd.factorize(tick_s)
    key_codes, key_uniques = pd.factorize(a_codes.astype("int64") * max(len(t_uniq), 1) + t_codes)
    first = pd.Series(np.arange(len(ev))).groupby(key_codes).first().to_numpy()
    key_info = [(acct_s.iat[i], ev["atype"].iat[i], tick_s.iat[i]) for i in first]
    grp_of_ticker, _ = pd.factorize(pd.Series([groups.get(t, t) for t in t_uniq], dtype=object))
    grp_codes = grp_of_ticker[t_codes] if len(t_codes) else t_codes
    nk = len(key_uniques)
    ng = int(grp_codes.max()) + 1 if len(grp_codes) else 0

    klots: list[list[int]] = [[] for _ in range(nk)]
    held = [0.0] * nk
    # every buy event opens lot number = its rank among buys; splits are appended after them
    buy = ev["buy"].to_numpy(bool)
    opening_a = ev["opening"].to_numpy(bool)[buy]
    day_a = ev["day"].to_numpy("int64")[buy]
    sh_a = ev["shares"].to_numpy(float)[buy]
    paid = sh_a * ev["price"].to_numpy(float)[buy]
    acq: list[int] = day_a.tolist()
    hs: list[int] = np.where(opening_a, ev["hs"].to_numpy("int64")[buy], day_a).tolist()
    sh: list[float] = sh_a.tolist()
    cost: list[float] = np.where(opening_a, ev["cost"].to_numpy(float)[buy], paid).tolist()
    adj: list[float] = np.where(opening_a, ev["adj"].to_numpy(float)[buy], paid).tolist()
    refs = ev["lot_ref"].to_numpy(object)[buy]
    rows_b = ev["row"].to_numpy(object)[buy]
    no_ref = pd.isna(refs)
    lid: list = np.where(no_ref, rows_b, refs).tolist()
    nb = len(sh)
    used: list[bool] = [False] * nb
    purch: list[int] = list(range(nb))
    lkey: list[int] = key_codes[buy].tolist()
    lot_by_id: dict = {}
    if method == "specific":
        if (j := first_true(pd.Series(lid, dtype=object).duplicated())) is not None:
            raise DataError(
                f"Trade {rows_b[j]}: lot_id {lid[j]!r} is already used by another purchase. "
                "Give each buy its own lot_id.",
                code="duplicate_lot",
            )
        lot_by_id = {name: j for j, name in enumerate(lid)}
    recent: list[deque[int]] = [deque() for _ in range(ng)]  # per group: lot numbers bought lately
    pending: list[deque[list]] = [deque() for _ in range(ng)]  # per group: loss entries awaiting a buy
    recs: list = []  # flat: 9 fields per realised chunk
    recs_extend = recs.extend
    wash_amt: dict[int, float] = {}
    wash_perm: dict[int, float] = {}
    matches: list[tuple] = []
    losses: list[list] = []
    ktype = [ki[1] for ki in key_info]
    W = WASH_WINDOW_DAYS
    eps = _EPS
    st_rate, lt_rate = rates.short_term_total, rates.long_term_total

    def new_lot(k, a, h, s, c, ad, p, name):
        i = len(sh)
        acq.append(a)
        hs.append(h)
        sh.append(s)
        cost.append(c)
        adj.append(ad)
        used.append(False)
        purch.append(p)
        lid.append(name)
        lkey.append(k)
        return i

    def split(lot, m):
        s = sh[lot]
        if m >= s - eps:
            return lot
        f = m / s
        c = new_lot(
            lkey[lot], acq[lot], hs[lot], m, cost[lot] * f, adj[lot] * f, purch[lot], f"{lid[lot]}.{len(sh)}"
        )
        sh[lot] = s - m
        cost[lot] -= cost[c]
        adj[lot] -= adj[c]
        lst = klots[lkey[lot]]
        lst.insert(lst.index(lot), c)
        return c

    def wash(entry, target, m):
        ridx, _left, loss_ps, _day, held_days = entry
        entry[1] -= m
        amount = m * loss_ps
        tk = lkey[target]
        permanent = ktype[tk] != "taxable"
        if not permanent:
            adj[target] += amount
            hs[target] = acq[target] - held_days
        used[target] = True
        wash_amt[ridx] = wash_amt.get(ridx, 0.0) + amount
        if permanent:
            wash_perm[ridx] = wash_perm.get(ridx, 0.0) + amount
        matches.append((ridx, m, amount, lid[target], tk, acq[target], permanent))

    def order_lots(lst, price, day, ref, row):
        if method == "hifo":
            return sorted(lst, key=lambda i: -adj[i] / sh[i])
        if method == "min_tax":
            return sorted(
                lst,
                key=lambda i: (price - adj[i] / sh[i]) * (lt_rate if day > anniversary_day(hs[i]) else st_rate),
            )
        if ref is None or (isinstance(ref, float) and np.isnan(ref)) or str(ref).strip() == "":
            raise DataError(
                f"Trade {row}: specific identification needs the lot_id of the lot(s) sold on this sell.",
                code="missing_lot",
            )
        chosen: list[int] = []
        for nm in (s.strip() for s in str(ref).split(";") if s.strip()):
            lot = lot_by_id.get(nm)
            if lot is None:
                try:
                    lot = lot_by_id.get(int(float(nm)))
                except ValueError:
                    lot = None
            same = [] if lot is None else [c for c in lst if purch[c] == purch[lot]]
            if not same:
                raise DataError(
                    f"Trade {row}: lot {nm!r} is not an open lot of this ticker in this account. "
                    "Name a lot that is still held (see the open lots table).",
                    code="unknown_lot",
                )
            chosen.extend(c for c in same if c not in chosen)
        return chosen

    cols = [ev[c].tolist() for c in ("day", "buy", "shares", "price", "row", "lot_ref")]
    specific = method == "specific"
    key_l, grp_l = key_codes.tolist(), grp_codes.tolist()
    next_lot = 0
    for i, (day, is_buy, s, px, row, ref) in enumerate(zip(*cols, strict=True)):
        k = key_l[i]
        g = grp_l[i]
        if is_buy:
            lot = next_lot
            next_lot += 1
            klots[k].append(lot)
            held[k] += s
            pend = pending[g]
            if pend:
                while pend and (pend[0][3] + W < day or pend[0][1] <= eps):
                    pend.popleft()
                for entry in pend:
                    if entry[1] <= eps:
                        continue
                    m = entry[1] if entry[1] < sh[lot] else sh[lot]
                    target = split(lot, m)
                    wash(entry, target, m)
                    if target == lot:
                        break
            recent[g].append(lot)
            continue
        # ---- sell
        h = held[k]
        if s > h + 1e-7:
            later = np.flatnonzero((key_codes[i + 1 :] == k) & ev["buy"].to_numpy()[i + 1 :])
            nxt = (cols[0][i + 1 + later[0]], cols[4][i + 1 + later[0]]) if len(later) else None
            before = np.flatnonzero((key_codes[:i] == k) & ev["buy"].to_numpy()[:i])
            fb = (cols[0][before[0]], cols[4][before[0]]) if len(before) else None
            _oversell(row, day, s, key_info[k], h, fb, nxt)
        lst = klots[k]
        taxable = ktype[k] == "taxable"
        if method == "fifo" or method == "average" or method == "lifo":
            if method == "average" and len(lst) > 1:
                tsh = sum(sh[j] for j in lst)
                tadj = sum(adj[j] for j in lst) / tsh
                tcost = sum(cost[j] for j in lst) / tsh
                for j in lst:
                    adj[j], cost[j] = tadj * sh[j], tcost * sh[j]
            seq = lst if method != "lifo" else lst[::-1]
        else:
            seq = order_lots(lst, px, day, ref, row)
            if specific:
                avail = sum(sh[j] for j in seq)
                if s > avail + 1e-7:
                    raise DataError(
                        f"Trade {row}: the lots named ({ref}) hold {avail:g} shares but {s:g} are sold. "
                        "Name more lots or sell fewer shares.",
                        code="oversell",
                    )
        rem = s
        loss_here = None
        closed_full = 0
        for lot in seq:
            if rem <= eps:
                break
            q = sh[lot]
            if q <= rem + eps:
                basis = adj[lot]
                sh[lot] = 0.0
                closed_full += 1
                rem -= q
            else:
                f = rem / q
                basis = adj[lot] * f
                adj[lot] -= basis
                cost[lot] -= cost[lot] * f
                sh[lot] = q - rem
                q = rem
                rem = 0.0
            proceeds = q * px
            gain = proceeds - basis
            ridx = len(recs) // 9
            recs_extend((row, k, lid[lot], acq[lot], hs[lot], day, q, proceeds, basis))
            if taxable and gain < -1e-9:
                if loss_here is None:
                    loss_here = []
                loss_here.append([ridx, q, -gain / q, day, day - hs[lot], purch[lot]])
        held[k] = h - s if h - s > eps else 0.0
        if closed_full:
            if method in ("fifo", "average"):
                del lst[:closed_full]
            else:
                klots[k] = [j for j in lst if sh[j] > eps]
        if loss_here is None:
            continue
        rec = recent[g]
        lo = day - W
        while rec and (acq[rec[0]] < lo or sh[rec[0]] <= eps or used[rec[0]]):
            rec.popleft()
        for entry in loss_here:
            p = entry.pop()
            losses.append(entry)
            if rec:
                for cand in rec:
                    if entry[1] <= eps:
                        break
                    if used[cand] or sh[cand] <= eps or purch[cand] == p:
                        continue
                    m = entry[1] if entry[1] < sh[cand] else sh[cand]
                    wash(entry, split(cand, m), m)
            if entry[1] > eps:
                pending[g].append(entry)
    return _State(
        key_info, klots, acq, hs, sh, cost, adj, lid, lkey, recs, wash_amt, wash_perm, matches, losses
    )


def _oversell(row, day, shares, info, held, first_buy, next_buy) -> None:
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
    method: str = "fifo",
    *,
    rates: TaxRates | None = None,
    substantially_identical: dict[str, str] | None = None,
    lots: pd.DataFrame | None = None,
    accounts: dict[str, str] | None = None,
    today=None,
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
    method = str(method).lower()
    if method not in LOT_METHODS:
        raise DataError(
            f"Unknown lot method {method!r}: choose one of {', '.join(LOT_METHODS)}.", code="bad_method"
        )
    today_ts = pd.Timestamp(today if today is not None else date.today()).normalize()
    groups = {str(k).upper(): str(v).upper() for k, v in (substantially_identical or {}).items()}
    ev = trade_events(trades, lots, accounts, method, today_ts)
    state = _replay(ev, method, rates or TaxRates(), groups)
    return _result(state, method)


def _result(st: _State, method: str) -> TaxResult:
    names = ["row", "key", "lot_id", "acquired", "holding_start", "sold", "shares", "proceeds", "cost_basis"]
    flat = st.recs
    rec = {}
    for j, c in enumerate(names):
        if c in ("row", "lot_id"):
            rec[c] = np.array(flat[j::9], dtype=object)
        elif c in ("shares", "proceeds", "cost_basis"):
            rec[c] = np.array(flat[j::9], dtype=float)
        else:
            rec[c] = np.array(flat[j::9], dtype=np.int64)
    n = len(rec["row"])
    keys = rec["key"].astype(int)
    info = np.array(st.key_info, dtype=object).reshape(-1, 3)
    wd = np.zeros(n)
    wp = np.zeros(n)
    if st.wash_amt:
        wd[list(st.wash_amt)] = list(st.wash_amt.values())
    if st.wash_perm:
        wp[list(st.wash_perm)] = list(st.wash_perm.values())
    hs_days = rec["holding_start"].astype("int64")
    sold_days = rec["sold"].astype("int64")
    gain = rec["proceeds"].astype(float) - rec["cost_basis"].astype(float)
    realized = pd.DataFrame(
        {
            "row": rec["row"],
            "account": info[keys, 0] if n else np.array([], dtype=object),
            "account_type": info[keys, 1] if n else np.array([], dtype=object),
            "ticker": info[keys, 2] if n else np.array([], dtype=object),
            "lot_id": rec["lot_id"],
            "acquired": from_days(rec["acquired"].astype("int64")),
            "holding_start": from_days(hs_days),
            "sold": from_days(sold_days),
            "shares": rec["shares"].astype(float),
            "proceeds": rec["proceeds"].astype(float),
            "cost_basis": rec["cost_basis"].astype(float),
            "gain": gain,
            "wash_disallowed": wd,
            "allowed_gain": gain + wd,
            "wash_permanent": wp,
            "code": np.where(wd > 1e-9, "W", ""),
            "term": np.where(sold_days > anniversary_days(hs_days), "long", "short")
            if n
            else np.array([], dtype=object),
        }
    )

    open_idx = np.fromiter(chain.from_iterable(st.klots), dtype=np.int64)
    shv = np.asarray(st.sh, dtype=float)
    open_idx = open_idx[shv[open_idx] > _EPS]
    oi = np.asarray(st.lkey, dtype=np.int64)[open_idx]
    open_lots = pd.DataFrame(
        {
            "lot_id": np.asarray(st.lid, dtype=object)[open_idx],
            "account": info[oi, 0] if len(oi) else np.array([], dtype=object),
            "account_type": info[oi, 1] if len(oi) else np.array([], dtype=object),
            "ticker": info[oi, 2] if len(oi) else np.array([], dtype=object),
            "acquired": from_days(np.asarray(st.acq, dtype=np.int64)[open_idx]),
            "holding_start": from_days(np.asarray(st.hs, dtype=np.int64)[open_idx]),
            "shares": shv[open_idx],
            "cost_basis": np.asarray(st.cost, dtype=float)[open_idx],
            "adjusted_basis": np.asarray(st.adj, dtype=float)[open_idx],
        }
    )
    open_lots["wash_adjustment"] = open_lots["adjusted_basis"] - open_lots["cost_basis"]

    m = pd.DataFrame.from_records(
        st.matches,
        columns=[
            "realized_index",
            "shares",
            "disallowed",
            "replacement_lot_id",
            "rkey",
            "rdate",
            "permanent",
        ],
    )
    ri = m["realized_index"].to_numpy(dtype=int)
    rk = m["rkey"].to_numpy(dtype=int)
    sold = realized["sold"].to_numpy()[ri]
    wash = pd.DataFrame(
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
            "replacement_ticker": info[rk, 2] if len(rk) else np.array([], dtype=object),
            "replacement_account": info[rk, 0] if len(rk) else np.array([], dtype=object),
            "replacement_account_type": info[rk, 1] if len(rk) else np.array([], dtype=object),
            "replacement_date": from_days(m["rdate"].to_numpy(dtype="int64")),
            "permanent": m["permanent"].to_numpy(bool),
        }
    )

    li = np.array([e[0] for e in st.losses], dtype=int)
    left = np.array([e[1] for e in st.losses], dtype=float)
    loss = realized.iloc[li]
    lsold = loss["sold"].to_numpy()
    loss_windows = pd.DataFrame(
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
    return TaxResult(
        realized=realized, open_lots=open_lots, wash_sales=wash, loss_windows=loss_windows, method=method,
        notes=(AVERAGE_COST_NOTE,) if method == "average" else (),
    )


def identical_map(rows) -> dict[str, str]:
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
