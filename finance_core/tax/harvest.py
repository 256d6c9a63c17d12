"""Tax-loss harvesting: which lots to sell, what blocks them, and what to buy instead.

A lot is a candidate when its unrealised loss exceeds both a percentage of its
adjusted basis and a money amount. Selling it saves ``loss x rate`` where the rate is
the short- or long-term rate of the lot at the harvest date. The sale would be a wash
sale (IRS Publication 550, "Wash Sales") if substantially identical shares were bought
in the 30 days before it, or will be bought in the 30 days after it (a pending
order), in any account of the same person including IRAs (Rev. Rul. 2008-5): those
lots are flagged with the reason. The replacement proposed keeps the market exposure
without being substantially identical: the most correlated other ticker, preferring
the same sector, with the expected tracking error of the swap
``TE = std(r_sold - r_replacement) * sqrt(252)`` over the trailing window. The
original may be bought back 31 days after the sale.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._types import DateLike, PricesLike
from ..errors import DataError
from ._dates import anniversary_days, to_days
from .lots import price_at
from .rates import TaxRates
from .wash_sales import WASH_WINDOW_DAYS

__all__ = ["CANDIDATE_COLUMNS", "harvest_candidates", "harvest_trades", "HarvestPlan", "replacement_for"]

#: Columns of :func:`harvest_candidates`, in order.
CANDIDATE_COLUMNS = [
    "lot_id",
    "account",
    "ticker",
    "acquired",
    "shares",
    "adjusted_basis",
    "price",
    "market_value",
    "unrealized_gain",
    "loss_pct",
    "term",
    "rate",
    "tax_saved",
    "blocked",
    "blocked_reason",
    "replacement",
    "replacement_correlation",
    "tracking_error",
    "buy_back_date",
]


def _prices_as_of(prices: PricesLike, as_of: DateLike | None) -> tuple[pd.Timestamp, pd.Series]:
    """The harvest date (default: the last price date, or today with a Series of prices) and prices on it."""
    if as_of is None:
        as_of = prices.index[-1] if isinstance(prices, pd.DataFrame) else pd.Timestamp.today().normalize()
    as_of = pd.Timestamp(as_of).normalize()
    return as_of, price_at(prices, as_of)


def _groups_of(tickers: Iterable[str] | pd.Index, substantially_identical: dict | None) -> np.ndarray:
    m = {str(k).upper(): str(v).upper() for k, v in (substantially_identical or {}).items()}
    codes, uniq = pd.factorize(pd.Series(np.asarray(tickers, dtype=object)), use_na_sentinel=False)
    return np.array([m.get(t, t) for t in uniq], dtype=object)[codes]


def replacement_for(
    tickers: Iterable[str] | pd.Index,
    universe_returns: pd.DataFrame,
    as_of: DateLike | None = None,
    *,
    sectors: pd.Series | None = None,
    substantially_identical: dict | None = None,
    lookback: int = 252,
    periods_per_year: int = 252,
    exclude: Iterable[str] = (),
) -> pd.DataFrame:
    """Best non-identical replacement for each ticker: same sector first, then highest correlation.

    Returns a frame indexed by ticker with ``replacement``, ``correlation`` and
    ``tracking_error`` (annualised standard deviation of the return difference,
    ``sqrt(periods_per_year) * std(r_i - r_j)``). Tickers in the same
    substantially-identical group as the one sold, and those in ``exclude``, are
    never proposed.
    """
    rets = universe_returns
    if as_of is not None:
        rets = rets.loc[: pd.Timestamp(as_of)]
    rets = rets.iloc[-lookback:]
    if len(rets) < 20:
        raise DataError(
            f"Only {len(rets)} return dates up to {as_of}; at least 20 are needed to pick replacements. "
            "Choose a later harvest date or load more history.",
            code="short_history",
        )
    cols = list(rets.columns)
    x = rets.to_numpy(float)
    x = np.where(np.isfinite(x), x, 0.0)
    corr = np.corrcoef(x, rowvar=False)
    var = x.var(axis=0, ddof=1)
    cov = np.cov(x, rowvar=False, ddof=1)
    groups = _groups_of(cols, substantially_identical)
    sec = sectors.reindex(cols).to_numpy(object) if sectors is not None else np.full(len(cols), None)
    excl = {str(e).upper() for e in exclude}
    out = []
    pos = {c: i for i, c in enumerate(cols)}
    for t in tickers:
        i = pos.get(t)
        if i is None:
            out.append((t, None, np.nan, np.nan))
            continue
        ok = np.array([groups[j] != groups[i] and cols[j] not in excl for j in range(len(cols))])
        if not ok.any():
            out.append((t, None, np.nan, np.nan))
            continue
        score = np.where(ok, corr[i], -np.inf)
        if sec[i] is not None:
            same = ok & (sec == sec[i])
            if same.any():
                score = np.where(same, corr[i] + 2.0, score)  # same sector ranks first
        j = int(np.argmax(score))
        te = np.sqrt(max(var[i] + var[j] - 2 * cov[i, j], 0.0) * periods_per_year)
        out.append((t, cols[j], float(corr[i, j]), float(te)))
    return pd.DataFrame(out, columns=["ticker", "replacement", "correlation", "tracking_error"]).set_index(
        "ticker"
    )


def harvest_candidates(
    lots: pd.DataFrame,
    prices: PricesLike,
    as_of: DateLike | None = None,
    *,
    min_loss_pct: float = 0.05,
    min_loss_amount: float = 100.0,
    rates: TaxRates | None = None,
    trades: pd.DataFrame | None = None,
    universe_returns: pd.DataFrame | None = None,
    sectors: pd.Series | None = None,
    substantially_identical: dict | None = None,
    include_blocked: bool = True,
) -> pd.DataFrame:
    """Lots worth selling for the loss, with the tax saved, blockers and a replacement.

    Parameters
    ----------
    lots : DataFrame
        Open lots (``TaxResult.open_lots`` or :func:`finance_core.data.read_lots_csv`):
        ``account``, ``ticker``, ``acquired``, ``shares``, ``cost_basis``; optional
        ``adjusted_basis``, ``holding_start``, ``account_type``, ``lot_id``. Only
        taxable lots are considered (losses in an IRA have no tax value).
    prices : Series or DataFrame
        Ticker -> price, or a dates x tickers history (the row on or before ``as_of``).
    as_of : date-like
        The harvest date (default: the last price date, or today).
    min_loss_pct, min_loss_amount : float
        A lot qualifies when ``-unrealised / adjusted_basis >= min_loss_pct`` and
        ``-unrealised >= min_loss_amount``.
    rates : TaxRates
        ``tax_saved = -unrealised x rate(term)``; default ``TaxRates()``.
    trades : DataFrame, optional
        Trade history with ``date``, ``ticker``, ``side`` (and ``account``): a buy of a
        substantially identical ticker within 30 days before ``as_of`` blocks the
        harvest ("bought on ..."); a buy dated after ``as_of`` within 30 days is a
        pending order and blocks it too. Without trades, the lots' own acquisition
        dates are used for the first test.
    universe_returns : DataFrame, optional
        Daily returns of the universe for the replacement search (see
        :func:`replacement_for`).

    Returns
    -------
    DataFrame
        One row per qualifying lot, largest tax saving first, with the columns
        ``lot_id, account, ticker, acquired, shares, adjusted_basis, price,
        market_value, unrealized_gain, loss_pct, term, rate, tax_saved, blocked,
        blocked_reason, replacement, replacement_correlation, tracking_error,
        buy_back_date``.

    References
    ----------
    IRS Publication 550 (2025), "Wash Sales"; Rev. Rul. 2008-5.
    """
    rates = rates or TaxRates()
    _check_harvest_inputs(lots, min_loss_pct, min_loss_amount)
    when, px = _prices_as_of(prices, as_of)
    v = _value_lots(lots, px, when)
    keep = (v.atype == "taxable") & (v.gain < 0) & (v.loss_pct >= min_loss_pct) & (-v.gain >= min_loss_amount)
    idx = np.flatnonzero(keep)
    sub = lots.iloc[idx]
    hs_src = sub["holding_start"] if "holding_start" in sub.columns else sub["acquired"]
    asof_day = int(np.datetime64(when.date(), "D").astype("int64"))
    long = asof_day > anniversary_days(to_days(hs_src))
    rate = np.where(long, rates.long_term_total, rates.short_term_total)

    groups_all = _groups_of(v.tickers, substantially_identical)
    recent_days, recent_groups, pending = _group_purchases(lots, trades, groups_all, asof_day, substantially_identical)
    reason = _blocked_reasons(groups_all[idx], to_days(sub["acquired"]), recent_days, recent_groups, pending)
    out = pd.DataFrame(
        {
            "lot_id": sub["lot_id"].to_numpy() if "lot_id" in sub.columns else sub.index.to_numpy(),
            "account": sub["account"].to_numpy(),
            "ticker": v.tickers[idx],
            "acquired": pd.to_datetime(sub["acquired"]).to_numpy(),
            "shares": v.shares[idx],
            "adjusted_basis": v.basis[idx],
            "price": v.price[idx],
            "market_value": v.market_value[idx],
            "unrealized_gain": v.gain[idx],
            "loss_pct": v.loss_pct[idx],
            "term": np.where(long, "long", "short"),
            "rate": rate,
            "tax_saved": -v.gain[idx] * rate,
            "blocked": reason != "",
            "blocked_reason": reason,
        }
    )
    _add_replacements(out, universe_returns, when, sectors, substantially_identical)
    out["buy_back_date"] = when + pd.Timedelta(days=WASH_WINDOW_DAYS + 1)
    if not include_blocked:
        out = out[~out["blocked"]]
    return out.sort_values("tax_saved", ascending=False, kind="stable").reset_index(drop=True)[
        CANDIDATE_COLUMNS
    ]


def _check_harvest_inputs(lots: pd.DataFrame, min_loss_pct: float, min_loss_amount: float) -> None:
    if not 0 <= float(min_loss_pct) < 1:
        raise DataError(
            f"min_loss_pct={min_loss_pct} must be a fraction between 0 and 1 (5 % is 0.05).",
            code="bad_threshold",
        )
    if float(min_loss_amount) < 0:
        raise DataError(f"min_loss_amount={min_loss_amount} must be zero or more.", code="bad_threshold")
    need = [c for c in ("account", "ticker", "acquired", "shares") if c not in lots.columns]
    if not ({"cost_basis", "adjusted_basis"} & set(lots.columns)):
        need.append("cost_basis")
    if need:
        raise DataError(
            f"The lots are missing the column(s) {', '.join(need)}. "
            "Expected account, ticker, acquired, shares, cost_basis.",
            code="missing_column",
        )


@dataclass(frozen=True)
class _Valued:
    """Every lot (one entry per row of ``lots``) at the harvest date's price."""

    atype: np.ndarray
    tickers: np.ndarray
    shares: np.ndarray
    basis: np.ndarray  # adjusted basis when given, else cost basis
    price: np.ndarray
    market_value: np.ndarray
    gain: np.ndarray  # unrealised gain, market value - basis
    loss_pct: np.ndarray  # -gain / basis (0 where the basis is not positive)


def _value_lots(lots: pd.DataFrame, px: pd.Series, as_of: pd.Timestamp) -> _Valued:
    if "account_type" in lots.columns:
        atype = lots["account_type"].to_numpy(object)
    else:
        low = lots["account"].astype(str).str.lower().to_numpy(object)
        atype = np.where(np.isin(low, ["ira", "roth"]), low, "taxable")
    tickers = lots["ticker"].to_numpy(object)
    missing = sorted(set(tickers) - set(px.dropna().index))
    if missing:
        raise DataError(
            f"No price for {', '.join(missing)} on {as_of.date()}. Load prices that include them.",
            code="no_price",
        )
    shares = lots["shares"].to_numpy(float)
    basis = (lots["adjusted_basis"] if "adjusted_basis" in lots.columns else lots["cost_basis"]).to_numpy(
        float
    )
    price = px.reindex(tickers).to_numpy(float)
    mv = shares * price
    gain = mv - basis
    with np.errstate(divide="ignore", invalid="ignore"):
        loss_pct = np.where(basis > 0, -gain / basis, 0.0)
    return _Valued(atype, tickers, shares, basis, price, mv, gain, loss_pct)


def _group_purchases(
    lots: pd.DataFrame, trades: pd.DataFrame | None, groups_all: np.ndarray, asof_day: int,
    substantially_identical: dict | None,
) -> tuple[np.ndarray, np.ndarray, pd.Series | None]:
    """Buys in [as_of - 30, as_of] (days and groups) and the first pending buy per group within 30 days after.

    Without trades, the lots' own purchase dates stand in for the trade history (and
    nothing is pending).
    """
    lo, hi = asof_day - WASH_WINDOW_DAYS, asof_day + WASH_WINDOW_DAYS
    if trades is not None and len(trades):
        td = to_days(trades["date"])
        is_buy = trades["side"].astype(str).str.lower().to_numpy(object) == "buy"
        tg = _groups_of(trades["ticker"].astype(str).str.upper().to_numpy(object), substantially_identical)
        recent = is_buy & (td >= lo) & (td <= asof_day)
        pending = is_buy & (td > asof_day) & (td <= hi)
        pend = pd.Series(td[pending], index=tg[pending]).groupby(level=0).min() if pending.any() else None
        return td[recent], tg[recent], pend
    all_acq = to_days(lots["acquired"])
    recent = (all_acq >= lo) & (all_acq <= asof_day)
    return all_acq[recent], groups_all[recent], None


def _blocked_reasons(
    grp: np.ndarray, acq: np.ndarray, recent_days: np.ndarray, recent_groups: np.ndarray,
    pending: pd.Series | None,
) -> np.ndarray:
    """Why each candidate (group ``grp``, bought on day ``acq``) would be a wash sale; "" when it would not."""
    reason = np.full(len(grp), "", dtype=object)
    if len(recent_days):
        stats = pd.Series(recent_days, index=recent_groups).groupby(level=0).agg(["size", "max"])
        cnt = stats["size"].reindex(grp).fillna(0).to_numpy()
        last = stats["max"].reindex(grp).to_numpy(float)
        # a lot's own purchase is not a replacement for itself: one recent buy on its own day does not block
        hit = (cnt > 1) | ((cnt == 1) & (last != acq))
        for j in np.flatnonzero(hit):
            reason[j] = f"bought {grp[j]} on {np.datetime64(int(last[j]), 'D')} (within 30 days)"
    if pending is not None:
        d = pending.reindex(grp).to_numpy(float)
        for j in np.flatnonzero(np.isfinite(d)):
            extra = f"pending buy of {grp[j]} on {np.datetime64(int(d[j]), 'D')}"
            reason[j] = f"{reason[j]}; {extra}" if reason[j] else extra
    return reason


def _add_replacements(
    out: pd.DataFrame, universe_returns: pd.DataFrame | None, as_of: pd.Timestamp, sectors: pd.Series | None,
    substantially_identical: dict | None,
) -> None:
    """The replacement columns, filled from :func:`replacement_for` when universe returns are given."""
    if universe_returns is not None and len(out):
        uniq = list(dict.fromkeys(out["ticker"]))
        rep = replacement_for(
            uniq, universe_returns, as_of, sectors=sectors, substantially_identical=substantially_identical
        )
        out["replacement"] = out["ticker"].map(rep["replacement"])
        out["replacement_correlation"] = out["ticker"].map(rep["correlation"]).astype(float)
        out["tracking_error"] = out["ticker"].map(rep["tracking_error"]).astype(float)
    else:
        out["replacement"] = None
        out["replacement_correlation"] = np.nan
        out["tracking_error"] = np.nan


@dataclass(frozen=True)
class HarvestPlan:
    """Trades that harvest the chosen lots.

    ``trades``: sells of the lots (``lot_id`` set, for specific identification) and
    buys of the replacements, in the columns :func:`process_trades` reads;
    ``buy_back``: per ticker sold, the first day the original may be bought back
    without a wash sale (31 days after the sale); ``tax_saved`` and ``loss``: totals.
    """

    trades: pd.DataFrame
    buy_back: pd.Series
    tax_saved: float
    loss: float


def harvest_trades(
    candidates: pd.DataFrame, prices: PricesLike, as_of: DateLike | None = None, *, whole_shares: bool = True
) -> HarvestPlan:
    """Sell and buy trades for harvest candidates (pass the rows you chose).

    Each candidate lot is sold in full at its price; the proceeds buy its
    ``replacement`` (whole shares by default) on the same day. Blocked candidates are
    refused with the reason: selling them would be a wash sale.
    """
    if len(candidates) == 0:
        raise DataError("No lots were chosen to harvest. Select at least one candidate.", code="empty")
    blocked = candidates[candidates["blocked"].astype(bool)]
    if len(blocked):
        r = blocked.iloc[0]
        raise DataError(
            f"Lot {r['lot_id']} ({r['ticker']} in {r['account']}) cannot be harvested now: {r['blocked_reason']}. "
            "Selling it would be a wash sale; wait until 31 days after that purchase or cancel the order.",
            code="wash_sale_blocked",
        )
    when, px = _prices_as_of(prices, as_of)
    rows = []
    for _, c in candidates.iterrows():
        rows.append(
            dict(
                date=when,
                account=c["account"],
                ticker=c["ticker"],
                side="sell",
                shares=float(c["shares"]),
                price=float(c["price"]),
                lot_id=c["lot_id"],
            )
        )
        rep = c.get("replacement")
        if rep is not None and isinstance(rep, str) and rep:
            if rep not in px.index or not np.isfinite(px[rep]):
                raise DataError(f"No price for the replacement {rep} on {when.date()}.", code="no_price")
            amount = float(c["shares"]) * float(c["price"])
            n = np.floor(amount / px[rep]) if whole_shares else amount / px[rep]
            if n > 0:
                rows.append(
                    dict(
                        date=when,
                        account=c["account"],
                        ticker=rep,
                        side="buy",
                        shares=float(n),
                        price=float(px[rep]),
                        lot_id=None,
                    )
                )
    trades = pd.DataFrame(rows)
    back = when + pd.Timedelta(days=WASH_WINDOW_DAYS + 1)
    buy_back = pd.Series(
        back, index=pd.Index(sorted(set(candidates["ticker"])), name="ticker"), name="buy_back_date"
    )
    return HarvestPlan(
        trades=trades,
        buy_back=buy_back,
        tax_saved=float(candidates["tax_saved"].sum()),
        loss=float(-candidates["unrealized_gain"].sum()),
    )
