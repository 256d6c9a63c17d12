"""Tax lots and the events replayed: relief methods, input checks, valuation at prices, samples.

:func:`trade_events` checks trades and opening lots and turns them into the date-ordered
event frame the wash-sale replay (:mod:`finance_core.tax.wash_sales`) walks through;
:func:`lots_at_prices` values open lots with their unrealised short- and long-term gains.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .._types import DateLike, PricesLike
from ..errors import DataError
from ._dates import anniversary_days, to_days

__all__ = [
    "LOT_METHODS",
    "ACCOUNT_TYPES",
    "is_long_term",
    "first_true",
    "trade_events",
    "price_at",
    "lots_at_prices",
    "unrealized_summary",
    "known_accounts",
    "sample_trades",
    "sample_lots",
]

#: Lot relief methods understood by :func:`process_trades`.
LotMethod = Literal["fifo", "lifo", "hifo", "specific", "min_tax", "average"]
LOT_METHODS: tuple[LotMethod, ...] = ("fifo", "lifo", "hifo", "specific", "min_tax", "average")
ACCOUNT_TYPES = ("taxable", "ira", "roth")

_DATA = Path(__file__).resolve().parents[1] / "data"


def is_long_term(holding_start: ArrayLike, sold: ArrayLike) -> np.ndarray:
    """True where a sale on ``sold`` of shares held from ``holding_start`` is long term.

    Held "more than 1 year", counting from the day after acquisition and including
    the day of sale (IRS Publication 550, "Holding Period"): shares bought on
    5 February 2024 and sold on 5 February 2025 are short term, sold on 6 February
    2025 they are long term. So the sale is long term when it falls after the first
    anniversary of the acquisition date.
    """
    return to_days(np.atleast_1d(sold)) > anniversary_days(to_days(np.atleast_1d(holding_start)))


# --------------------------------------------------------------------------- input checks
def _norm_str(values: ArrayLike | pd.Series, *, upper: bool = False) -> pd.Series:
    """Strip (and upper-case) strings, working on the distinct values only (fast for long columns)."""
    ser = pd.Series(values)
    codes, uniq = pd.factorize(ser, use_na_sentinel=False)
    clean = np.array([(str(u).strip().upper() if upper else str(u).strip()) for u in uniq], dtype=object)
    return pd.Series(clean[codes], index=ser.index, dtype=object)


def _label(rows: list, i: int) -> str:
    return f"row {rows[i]}"


def first_true(bad: ArrayLike | pd.Series) -> int | None:
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


def _refuse_unknown_accounts(
    account: pd.Series, known: dict, where: Callable[[int], str], advice: str = ""
) -> None:
    """Refuse the first account not in ``known``; ``where(i)`` names the row (a trade or an opening lot)."""
    if (i := first_true(~account.isin(list(known)).to_numpy())) is not None:
        raise DataError(
            f"{where(i)}: account {account.iloc[i]!r} is unknown; known accounts are "
            f"{', '.join(sorted(known))}.{advice}",
            code="unknown_account",
        )


def trade_events(
    trades: pd.DataFrame,
    lots: pd.DataFrame | None,
    accounts: dict | None,
    method: str,
    today: pd.Timestamp,
) -> pd.DataFrame:
    """The checked trades (and opening lots first) as replay events, sorted by day, file order within a day."""
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
    dates, side = _checked_dates_sides_amounts(t, rows, today)
    account = _norm_str(t["account"])
    ticker = _norm_str(t["ticker"], upper=True)
    for name, col in (("account", account), ("ticker", ticker)):
        if (i := first_true((col == "") | (col.str.lower() == "nan"))) is not None:
            raise DataError(
                f"Trade {_label(rows, i)}: the {name} is empty. Fill it in.", code="missing_value"
            )
    atype, known = _account_types(t, rows, account, accounts)
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
            "account": account.tolist(),
            "atype": atype.tolist(),
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


def _checked_dates_sides_amounts(t: pd.DataFrame, rows: list, today: pd.Timestamp) -> tuple[pd.Series, pd.Series]:
    """Trade dates (normalised, none in the future) and sides (buy/sell); shares and prices above zero."""
    dates = pd.to_datetime(t["date"], errors="coerce")
    if (i := first_true(dates.isna())) is not None:
        raise DataError(
            f"Trade {_label(rows, i)}: date {t['date'].iloc[i]!r} is not a date. Use ISO dates such as 2024-01-31.",
            code="bad_date",
        )
    dates = dates.dt.normalize()
    if (i := first_true(dates > today)) is not None:
        raise DataError(
            f"Trade {_label(rows, i)}: {dates.iloc[i].date()} is in the future (today is {today.date()}). "
            "Correct the date; pending orders belong in harvest_candidates(trades=...).",
            code="future_date",
        )
    side = _map_unique(_norm_str(t["side"]), _SIDES)
    if (i := first_true(~side.isin(["buy", "sell"]))) is not None:
        raise DataError(
            f"Trade {_label(rows, i)}: side {t['side'].iloc[i]!r} is not buy or sell.", code="bad_side"
        )
    for col in ("shares", "price"):
        vals = pd.to_numeric(t[col], errors="coerce").to_numpy(dtype=float)
        if (i := first_true(~(vals > 0))) is not None:
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
    return dates, side


def _account_types(
    t: pd.DataFrame, rows: list, account: pd.Series, accounts: dict | None
) -> tuple[pd.Series, dict[str, str]]:
    """Each trade's account type (column, account list, or the account's name) and the account list by name;
    an account with two types is refused."""
    if "account_type" in t.columns:
        atype = _map_unique(_norm_str(t["account_type"]), {})
    else:
        atype = _map_unique(account, {"ira": "ira", "roth": "roth"}, default="taxable")
    if (i := first_true(~atype.isin(ACCOUNT_TYPES))) is not None:
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
    _refuse_type_clash(rows, account.tolist(), atype.tolist(), known)
    return atype, known


def _refuse_type_clash(rows: list, acc_l: list, typ_l: list, known: dict[str, str]) -> None:
    """One type per account, across the trades and the account list."""
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


_SIDES = {"b": "buy", "s": "sell", "bought": "buy", "sold": "sell", "buy": "buy", "sell": "sell"}


def _map_unique(values: pd.Series, mapping: dict, default: str | None = None) -> pd.Series:
    """Lower-case and map each distinct value once (unmapped values stay, or become ``default``)."""
    codes, uniq = pd.factorize(values, use_na_sentinel=False)
    out = []
    for u in uniq:
        low = str(u).lower()
        out.append(mapping.get(low, low if default is None else default))
    return pd.Series(np.array(out, dtype=object)[codes], index=values.index, dtype=object)


def _norm_type(account: str, value: object) -> str:
    ty = str(value).strip().lower()
    if ty not in ACCOUNT_TYPES:
        raise DataError(
            f"Account {account!r}: type {value!r} is not one of {', '.join(ACCOUNT_TYPES)}.",
            code="bad_account_type",
        )
    return ty


def _lot_events(lots: pd.DataFrame, known: dict, today: pd.Timestamp) -> pd.DataFrame:
    """The opening lots as buy events of the replay (checked; basis, adjusted basis and holding start kept)."""
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
        if (i := first_true(bad)) is not None:
            lab = f"Opening lot {i + 1} ({lt['ticker'].iloc[i]} in {lt['account'].iloc[i]})"
            raise DataError(f"{lab}: " + text.format(v=lt[col].iloc[i]) + ". Correct the lot.", code=code)
    account = _norm_str(lt["account"])
    atype = _lot_account_types(lt, account, known)
    adj = (
        pd.to_numeric(lt["adjusted_basis"], errors="coerce").to_numpy(float)
        if "adjusted_basis" in lt
        else cost
    )
    adj = np.where(np.isnan(adj), cost, adj)
    days = acq.dt.normalize().to_numpy("datetime64[D]").astype("int64")
    hs = _holding_starts(lt, days)
    ids = _lot_ids(lt)
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


def _lot_account_types(lt: pd.DataFrame, account: pd.Series, known: dict) -> pd.Series:
    """Each opening lot's account type: its ``account_type`` column, else the known accounts' types, else
    ira/roth by name and taxable otherwise; an account outside ``known`` (when given) is refused."""
    if "account_type" in lt.columns:
        atype = _map_unique(_norm_str(lt["account_type"]), {})
    elif known:
        atype = account.map(known).fillna("taxable")
    else:
        atype = _map_unique(account, {"ira": "ira", "roth": "roth"}, default="taxable")
    if known:
        _refuse_unknown_accounts(account, known, lambda i: f"Opening lot {i + 1}")
    return atype


def _holding_starts(lt: pd.DataFrame, days: np.ndarray) -> np.ndarray:
    """The holding start of each lot in days: its ``holding_start`` where given and a date, else acquisition."""
    hs = days.copy()
    if "holding_start" in lt.columns:
        h = pd.to_datetime(lt["holding_start"], errors="coerce")
        ok = h.notna().to_numpy()
        hs[ok] = h[ok].dt.normalize().to_numpy("datetime64[D]").astype("int64")
    return hs


def _lot_ids(lt: pd.DataFrame) -> list[str]:
    """The lots' ids (1, 2, ... without a ``lot_id`` column); numeric ids (read_lots_csv numbers them
    1, 2, ...) get an "L" so they never clash with trade rows."""
    raw_ids = lt["lot_id"].tolist() if "lot_id" in lt.columns else list(range(1, len(lt) + 1))
    return [f"L{v}" if isinstance(v, (int, np.integer)) or str(v).isdigit() else str(v) for v in raw_ids]


# --------------------------------------------------------------------------- valuation
def price_at(prices: PricesLike | Mapping[str, float], as_of: DateLike | None) -> pd.Series:
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


def lots_at_prices(
    lots: pd.DataFrame, prices: PricesLike | Mapping[str, float], as_of: DateLike | None = None
) -> pd.DataFrame:
    """Open lots valued at prices, with unrealised short- and long-term gains.

    ``prices`` is a Series (ticker -> price) or a dates x tickers frame (the last row
    on or before ``as_of`` is used). Adds ``price``, ``market_value``,
    ``unrealized_gain`` (market value - adjusted basis), ``unrealized_pct``,
    ``term`` at ``as_of``, ``short_term_gain``, ``long_term_gain`` and
    ``days_to_long_term`` (0 once long term).
    """
    px = price_at(prices, as_of)
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
    hs = to_days(out["holding_start"])
    anniv = anniversary_days(hs)
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


def unrealized_summary(valued: pd.DataFrame) -> pd.Series:
    """Totals of valued lots (:func:`lots_at_prices`) in taxable accounts, and of all accounts.

    ``market_value`` (all accounts), ``taxable_value``, ``short_term_gain``,
    ``long_term_gain``, ``unrealized_loss`` (sum of the losing taxable lots, negative)
    and ``losing_lots`` (their count).
    """
    taxable = (
        valued["account_type"] == "taxable"
        if "account_type" in valued.columns
        else pd.Series(True, index=valued.index)
    )
    t = valued[taxable]
    losing = t["unrealized_gain"] < 0
    return pd.Series(
        {
            "market_value": float(valued["market_value"].sum()),
            "taxable_value": float(t["market_value"].sum()),
            "short_term_gain": float(t["short_term_gain"].sum()),
            "long_term_gain": float(t["long_term_gain"].sum()),
            "unrealized_loss": float(t.loc[losing, "unrealized_gain"].sum()),
            "losing_lots": int(losing.sum()),
        }
    )


# --------------------------------------------------------------------------- samples and accounts
def sample_trades() -> pd.DataFrame:
    """The bundled sample trade history (S&P 500 tickers, 2021-2022, priced from the bundled closes).

    Contains a full wash sale, a partial wash sale, a replacement bought in an IRA
    (loss disallowed for good) and ordinary gains; parsed by
    :func:`finance_core.data.read_trades_csv`.
    """
    from ..data import read_trades_csv

    return read_trades_csv(_DATA / "sample_trades.csv")


def sample_lots() -> pd.DataFrame:
    """The bundled sample opening lots (taxable, IRA and Roth accounts), via ``read_lots_csv``."""
    from ..data import read_lots_csv

    return read_lots_csv(_DATA / "sample_lots.csv")


def known_accounts(lots: pd.DataFrame | None, trades: pd.DataFrame | None = None) -> dict[str, str]:
    """Account name -> type (taxable, ira, roth) declared by the opening lots, else by the trades.

    The lots say which accounts a person has; passed as ``accounts=`` to
    :func:`process_trades`, a trade in any other account (a typo, an account not on
    file) is refused with its row. Without lots the trades' own accounts are used.
    """
    source = lots if lots is not None and len(lots) else trades
    if source is None or not len(source):
        return {}
    names = source["account"].astype(str).str.strip()
    if "account_type" in source.columns:
        types = source["account_type"].astype(str).str.strip().str.lower()
    else:
        low = names.str.lower()
        types = low.where(low.isin(["ira", "roth"]), "taxable")
    pairs = pd.DataFrame({"account": names, "type": types}).drop_duplicates("account")
    return dict(zip(pairs["account"], pairs["type"], strict=True))
