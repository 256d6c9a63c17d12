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
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import chain

import numpy as np
import pandas as pd

from .errors import DataError
from .tax_rates import TaxRates

__all__ = [
    "LOT_METHODS",
    "ACCOUNT_TYPES",
    "WASH_WINDOW_DAYS",
    "TaxResult",
    "process_trades",
    "form_8949",
    "lots_at_prices",
    "is_long_term",
]

#: Lot relief methods understood by :func:`process_trades`.
LOT_METHODS = ("fifo", "lifo", "hifo", "specific", "min_tax", "average")
AVERAGE_COST_NOTE = (
    "Average basis is allowed only for shares of a regulated investment company (a mutual fund or an ETF "
    "organised as one) and for dividend-reinvestment-plan stock (Treas. Reg. section 1.1012-1(e)); for "
    "other stocks report the sales by lot (FIFO unless you identified the lots)."
)
ACCOUNT_TYPES = ("taxable", "ira", "roth")
#: Days before and after a loss sale in which a purchase makes it a wash sale.
WASH_WINDOW_DAYS = 30

_EPOCH = date(1970, 1, 1)
_EPS = 1e-9

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


# --------------------------------------------------------------------------- dates
def _anniversary_days(days: np.ndarray) -> np.ndarray:
    """Same calendar day one year later (29 February -> 28 February), as epoch days."""
    d = np.asarray(days, dtype="int64").astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    dom = (d - month.astype("datetime64[D]")).astype("int64")  # 0-based day of month
    nxt = month + np.timedelta64(12, "M")
    month_len = ((nxt + np.timedelta64(1, "M")).astype("datetime64[D]") - nxt.astype("datetime64[D]")).astype(
        "int64"
    )
    return (nxt.astype("datetime64[D]") + np.minimum(dom, month_len - 1)).astype("int64")


def is_long_term(holding_start, sold) -> np.ndarray:
    """True where a sale on ``sold`` of shares held from ``holding_start`` is long term.

    Held "more than 1 year", counting from the day after acquisition and including
    the day of sale (IRS Publication 550, "Holding Period"): shares bought on
    5 February 2024 and sold on 5 February 2025 are short term, sold on 6 February
    2025 they are long term. So the sale is long term when it falls after the first
    anniversary of the acquisition date.
    """
    hs = pd.to_datetime(pd.Series(np.atleast_1d(holding_start))).to_numpy("datetime64[D]").astype("int64")
    sd = pd.to_datetime(pd.Series(np.atleast_1d(sold))).to_numpy("datetime64[D]").astype("int64")
    return sd > _anniversary_days(hs)


def _to_days(values) -> np.ndarray:
    return pd.to_datetime(pd.Series(values)).to_numpy("datetime64[D]").astype("int64")


def _from_days(days) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(np.asarray(days, dtype="int64").astype("datetime64[D]").astype("datetime64[ns]"))


def _anniv_scalar(day: int) -> int:
    d = _EPOCH + timedelta(days=int(day))
    try:
        a = d.replace(year=d.year + 1)
    except ValueError:  # 29 February
        a = d.replace(year=d.year + 1, day=28)
    return (a - _EPOCH).days


# --------------------------------------------------------------------------- result
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


# --------------------------------------------------------------------------- input checks
def _norm_str(values, *, upper: bool = False) -> pd.Series:
    """Strip (and upper-case) strings, working on the distinct values only (fast for long columns)."""
    ser = pd.Series(values)
    codes, uniq = pd.factorize(ser, use_na_sentinel=False)
    clean = np.array([(str(u).strip().upper() if upper else str(u).strip()) for u in uniq], dtype=object)
    return pd.Series(clean[codes], index=ser.index, dtype=object)


def _label(rows: list, i: int) -> str:
    return f"row {rows[i]}"


def _first(bad) -> int | None:
    """Position of the first True in a boolean mask (array or Series), None when there is none."""
    bad = np.asarray(bad)
    return int(np.argmax(bad)) if bad.any() else None


def _require_columns(frame: pd.DataFrame, need: tuple[str, ...], what: str, expected: str) -> None:
    """Refuse ``frame`` (``what``: "trades", "opening lots") without the columns ``need``."""
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise DataError(
            f"The {what} are missing the column(s) {', '.join(missing)}. {expected}", code="missing_column"
        )


def _refuse_unknown_accounts(account: pd.Series, known: dict, where, advice: str = "") -> None:
    """Refuse the first account not in ``known``; ``where(i)`` names the row (a trade or an opening lot)."""
    if (i := _first(~account.isin(list(known)).to_numpy())) is not None:
        raise DataError(
            f"{where(i)}: account {account.iloc[i]!r} is unknown; known accounts are "
            f"{', '.join(sorted(known))}.{advice}",
            code="unknown_account",
        )


def _prepare(
    trades: pd.DataFrame,
    lots: pd.DataFrame | None,
    accounts: dict | None,
    method: str,
    today: pd.Timestamp,
) -> dict:
    if not isinstance(trades, pd.DataFrame):
        raise DataError(
            "trades must be a DataFrame (read an upload with data.read_trades_csv).", code="bad_type"
        )
    required = ("date", "account", "ticker", "side", "shares", "price")
    _require_columns(
        trades, required, "trades", f"Expected columns: {', '.join(required)} (optional: account_type, lot_id)."
    )
    n = len(trades)
    t = trades.reset_index(drop=True)
    rows = t["row"].tolist() if "row" in t.columns else list(range(1, n + 1))
    dates = pd.to_datetime(t["date"], errors="coerce")
    if (i := _first(dates.isna())) is not None:
        raise DataError(
            f"Trade {_label(rows, i)}: date {t['date'].iloc[i]!r} is not a date. Use ISO dates such as 2024-01-31.",
            code="bad_date",
        )
    dates = dates.dt.normalize()
    if (i := _first(dates > today)) is not None:
        raise DataError(
            f"Trade {_label(rows, i)}: {dates.iloc[i].date()} is in the future (today is {today.date()}). "
            "Correct the date; pending orders belong in harvest_candidates(trades=...).",
            code="future_date",
        )
    side = _map_unique(_norm_str(t["side"]), _SIDES)
    if (i := _first(~side.isin(["buy", "sell"]))) is not None:
        raise DataError(
            f"Trade {_label(rows, i)}: side {t['side'].iloc[i]!r} is not buy or sell.", code="bad_side"
        )
    for col in ("shares", "price"):
        vals = pd.to_numeric(t[col], errors="coerce").to_numpy(dtype=float)
        if (i := _first(~(vals > 0))) is not None:
            hint = (
                " Shares are always positive: record a sale as side=sell with positive shares."
                if col == "shares"
                else " Enter the trade price per share."
            )
            raise DataError(
                f"Trade {_label(rows, i)} ({t['ticker'].iloc[i]} on {dates.iloc[i].date()}): {col} "
                f"{t[col].iloc[i]!r} must be a number greater than zero.{hint}",
                code="not_positive",
            )
    account = _norm_str(t["account"])
    ticker = _norm_str(t["ticker"], upper=True)
    for name, col in (("account", account), ("ticker", ticker)):
        if (i := _first((col == "") | (col.str.lower() == "nan"))) is not None:
            raise DataError(
                f"Trade {_label(rows, i)}: the {name} is empty. Fill it in.", code="missing_value"
            )
    if "account_type" in t.columns:
        atype = _map_unique(_norm_str(t["account_type"]), {})
    else:
        atype = _map_unique(account, {"ira": "ira", "roth": "roth"}, default="taxable")
    if (i := _first(~atype.isin(ACCOUNT_TYPES))) is not None:
        raise DataError(
            f"Trade {_label(rows, i)}: account type {t['account_type'].iloc[i]!r} is not one of "
            f"{', '.join(ACCOUNT_TYPES)}.",
            code="bad_account_type",
        )
    known: dict[str, str] = {}
    if accounts is not None:
        known = {str(k): _norm_type(str(k), v) for k, v in dict(accounts).items()}
        _refuse_unknown_accounts(
            account, known, lambda i: f"Trade {_label(rows, i)}", " Fix the account name or add the account."
        )
        if "account_type" not in t.columns:
            atype = account.map(known)
    # one type per account
    acc_l, typ_l = account.tolist(), atype.tolist()
    pairs = pd.DataFrame({"a": acc_l, "t": typ_l})
    firsts = pairs.drop_duplicates()
    clash = firsts["a"].duplicated(keep="first").to_numpy()
    if known:
        clash = clash | (firsts["a"].map(known).fillna(firsts["t"]).to_numpy() != firsts["t"].to_numpy())
    if clash.any():
        i = int(firsts.index[np.flatnonzero(clash)[0]])
        a, ty = acc_l[i], typ_l[i]
        if a in known and known[a] != ty:
            where, prev_ty = "the account list", known[a]
        else:
            j = int(firsts.index[(firsts["a"] == a).to_numpy()][0])
            where, prev_ty = _label(rows, j), typ_l[j]
        raise DataError(
            f"Trade {_label(rows, i)}: account {a!r} is marked {ty!r} but {where} says {prev_ty!r}. "
            "An account has one type: correct the account_type column.",
            code="inconsistent_account_type",
        )
    lot_ref = None
    if "lot_id" in t.columns:
        lot_ref = t["lot_id"].tolist()
    if method == "specific" and lot_ref is None:
        raise DataError(
            "Specific identification needs a lot_id column naming, on each sell, the lot(s) sold "
            "(several separated by ';'); each buy's lot_id names the lot it opens.",
            code="missing_column",
        )
    ev = pd.DataFrame(
        {
            "day": dates.to_numpy("datetime64[D]").astype("int64"),
            "account": acc_l,
            "atype": typ_l,
            "ticker": ticker.tolist(),
            "buy": (side == "buy").to_numpy(),
            "shares": pd.to_numeric(t["shares"]).to_numpy(float),
            "price": pd.to_numeric(t["price"]).to_numpy(float),
            "row": rows,
            "lot_ref": lot_ref if lot_ref is not None else [None] * n,
            "opening": np.zeros(n, dtype=bool),
            "cost": np.full(n, np.nan),
            "adj": np.full(n, np.nan),
            "hs": np.zeros(n, dtype="int64"),
        }
    )
    if lots is not None and len(lots):
        ev = pd.concat([_lot_events(lots, known, today), ev], ignore_index=True)
    order = np.lexsort((np.arange(len(ev)), ~ev["opening"].to_numpy(), ev["day"].to_numpy()))
    return ev.iloc[order].reset_index(drop=True)


_SIDES = {"b": "buy", "s": "sell", "bought": "buy", "sold": "sell", "buy": "buy", "sell": "sell"}


def _map_unique(values: pd.Series, mapping: dict, default=None) -> pd.Series:
    """Lower-case and map each distinct value once (unmapped values stay, or become ``default``)."""
    codes, uniq = pd.factorize(values, use_na_sentinel=False)
    out = []
    for u in uniq:
        low = str(u).lower()
        out.append(mapping.get(low, low if default is None else default))
    return pd.Series(np.array(out, dtype=object)[codes], index=values.index, dtype=object)


def _norm_type(account: str, value) -> str:
    ty = str(value).strip().lower()
    if ty not in ACCOUNT_TYPES:
        raise DataError(
            f"Account {account!r}: type {value!r} is not one of {', '.join(ACCOUNT_TYPES)}.",
            code="bad_account_type",
        )
    return ty


def _lot_events(lots: pd.DataFrame, known: dict, today: pd.Timestamp) -> pd.DataFrame:
    need = ("account", "ticker", "acquired", "shares", "cost_basis")
    _require_columns(
        lots,
        need,
        "opening lots",
        f"Expected: {', '.join(need)} (optional: account_type, lot_id, adjusted_basis, holding_start).",
    )
    lt = lots.reset_index(drop=True)
    n = len(lt)
    acq = pd.to_datetime(lt["acquired"], errors="coerce")
    shares = pd.to_numeric(lt["shares"], errors="coerce").to_numpy(float)
    cost = pd.to_numeric(lt["cost_basis"], errors="coerce").to_numpy(float)
    checks = (
        (acq.isna().to_numpy(), "acquired date {v!r} is not a date", "acquired", "bad_date"),
        ((acq > today).to_numpy(), "acquired {v} is in the future", "acquired", "future_date"),
        (~(shares > 0), "shares {v!r} must be greater than zero", "shares", "not_positive"),
        (~(cost >= 0), "cost_basis {v!r} must be zero or more", "cost_basis", "not_positive"),
    )
    for bad, text, col, code in checks:
        if (i := _first(bad)) is not None:
            lab = f"Opening lot {i + 1} ({lt['ticker'].iloc[i]} in {lt['account'].iloc[i]})"
            raise DataError(f"{lab}: " + text.format(v=lt[col].iloc[i]) + ". Correct the lot.", code=code)
    account = _norm_str(lt["account"])
    if "account_type" in lt.columns:
        atype = _map_unique(_norm_str(lt["account_type"]), {})
    elif known:
        atype = account.map(known).fillna("taxable")
    else:
        atype = _map_unique(account, {"ira": "ira", "roth": "roth"}, default="taxable")
    if known:
        _refuse_unknown_accounts(account, known, lambda i: f"Opening lot {i + 1}")
    adj = (
        pd.to_numeric(lt["adjusted_basis"], errors="coerce").to_numpy(float)
        if "adjusted_basis" in lt
        else cost
    )
    adj = np.where(np.isnan(adj), cost, adj)
    days = acq.dt.normalize().to_numpy("datetime64[D]").astype("int64")
    hs = days.copy()
    if "holding_start" in lt.columns:
        h = pd.to_datetime(lt["holding_start"], errors="coerce")
        ok = h.notna().to_numpy()
        hs[ok] = h[ok].dt.normalize().to_numpy("datetime64[D]").astype("int64")
    raw_ids = lt["lot_id"].tolist() if "lot_id" in lt.columns else list(range(1, n + 1))
    # numeric lot ids (read_lots_csv numbers them 1, 2, ...) get an "L" so they never clash with trade rows
    ids = [f"L{v}" if isinstance(v, (int, np.integer)) or str(v).isdigit() else str(v) for v in raw_ids]
    return pd.DataFrame(
        {
            "day": days,
            "account": account.tolist(),
            "atype": atype.tolist(),
            "ticker": _norm_str(lt["ticker"], upper=True).tolist(),
            "buy": np.ones(n, dtype=bool),
            "shares": shares,
            "price": np.where(shares > 0, cost / np.where(shares > 0, shares, 1), 0.0),
            "row": [f"lot {i}" for i in ids],
            "lot_ref": ids,
            "opening": np.ones(n, dtype=bool),
            "cost": cost,
            "adj": adj,
            "hs": hs,
        }
    )


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
        if (j := _first(pd.Series(lid, dtype=object).duplicated())) is not None:
            raise DataError(
                f"Trade {rows_b[j]}: lot_id {lid[j]!r} is already used by another purchase. "
                "Give each buy its own lot_id.",
                code="duplicate_lot",
            )
        lot_by_id = {name: j for j, name in enumerate(lid)}
    recent = [deque() for _ in range(ng)]
    pending = [deque() for _ in range(ng)]
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
                key=lambda i: (price - adj[i] / sh[i]) * (lt_rate if day > _anniv_scalar(hs[i]) else st_rate),
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
    when = _EPOCH + timedelta(days=int(day))
    if held <= _EPS and first_buy is None and next_buy is not None:
        extra = (
            f" This sale comes before the first purchase of {ticker} in {account} (row {next_buy[1]}, "
            f"{_EPOCH + timedelta(days=int(next_buy[0]))}): check the dates."
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
    ev = _prepare(trades, lots, accounts, method, today_ts)
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
            "acquired": _from_days(rec["acquired"].astype("int64")),
            "holding_start": _from_days(hs_days),
            "sold": _from_days(sold_days),
            "shares": rec["shares"].astype(float),
            "proceeds": rec["proceeds"].astype(float),
            "cost_basis": rec["cost_basis"].astype(float),
            "gain": gain,
            "wash_disallowed": wd,
            "allowed_gain": gain + wd,
            "wash_permanent": wp,
            "code": np.where(wd > 1e-9, "W", ""),
            "term": np.where(sold_days > _anniversary_days(hs_days), "long", "short")
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
            "acquired": _from_days(np.asarray(st.acq, dtype=np.int64)[open_idx]),
            "holding_start": _from_days(np.asarray(st.hs, dtype=np.int64)[open_idx]),
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
            "replacement_date": _from_days(m["rdate"].to_numpy(dtype="int64")),
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


# --------------------------------------------------------------------------- reports
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
        }
    )
    return out.sort_values(["part", "date_sold"], kind="stable").reset_index(drop=True)


def _price_at(prices, as_of) -> pd.Series:
    if isinstance(prices, pd.DataFrame):
        if len(prices) == 0:
            raise DataError("The price table is empty.", code="empty")
        idx = prices.index
        if as_of is None:
            row = prices.iloc[-1]
        else:
            pos = idx.searchsorted(pd.Timestamp(as_of), side="right") - 1
            if pos < 0:
                raise DataError(
                    f"No price on or before {pd.Timestamp(as_of).date()}: the prices start on "
                    f"{pd.Timestamp(idx[0]).date()}. Choose a later date.",
                    code="no_price",
                )
            row = prices.iloc[pos]
        return row.astype(float)
    return pd.Series(prices, dtype=float)


def lots_at_prices(lots: pd.DataFrame, prices, as_of=None) -> pd.DataFrame:
    """Open lots valued at prices, with unrealised short- and long-term gains.

    ``prices`` is a Series (ticker -> price) or a dates x tickers frame (the last row
    on or before ``as_of`` is used). Adds ``price``, ``market_value``,
    ``unrealized_gain`` (market value - adjusted basis), ``unrealized_pct``,
    ``term`` at ``as_of``, ``short_term_gain``, ``long_term_gain`` and
    ``days_to_long_term`` (0 once long term).
    """
    px = _price_at(prices, as_of)
    out = lots.copy()
    if "adjusted_basis" not in out.columns:
        out["adjusted_basis"] = out["cost_basis"].astype(float)
    if "holding_start" not in out.columns:
        out["holding_start"] = pd.to_datetime(out["acquired"])
    missing = sorted(set(out["ticker"]) - set(px.dropna().index))
    if missing:
        raise DataError(
            f"No price for {', '.join(missing)}. Load prices that include these tickers.", code="no_price"
        )
    when = (
        pd.Timestamp(as_of)
        if as_of is not None
        else (prices.index[-1] if isinstance(prices, pd.DataFrame) else pd.Timestamp(date.today()))
    )
    price = out["ticker"].map(px).to_numpy(float)
    shares = out["shares"].to_numpy(float)
    basis = out["adjusted_basis"].to_numpy(float)
    mv = price * shares
    gain = mv - basis
    hs = _to_days(out["holding_start"])
    anniv = _anniversary_days(hs)
    asof_day = int(np.datetime64(when.normalize().date(), "D").astype("int64"))
    long = asof_day > anniv
    out["price"] = price
    out["market_value"] = mv
    out["unrealized_gain"] = gain
    out["unrealized_pct"] = np.divide(gain, basis, out=np.full_like(gain, np.nan), where=basis > 0)
    out["term"] = np.where(long, "long", "short")
    out["short_term_gain"] = np.where(long, 0.0, gain)
    out["long_term_gain"] = np.where(long, gain, 0.0)
    out["days_to_long_term"] = np.maximum(anniv + 1 - asof_day, 0)
    return out
