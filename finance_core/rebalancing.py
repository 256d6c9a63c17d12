"""Rebalancing policies and a backtest that compares them on one target mix.

A :class:`RebalancePolicy` trades back to the target weights at the close of a day when it
triggers: ``calendar`` alone (the last trading day of each period, as
:func:`finance_core.backtest.rebalance_dates`: ``"M"`` monthly, ``"Q"`` quarterly, ...),
``band`` alone (any weight drifts more than ``band`` from its target: ``absolute``
``|w - w*| > band``, ``relative`` ``|w - w*| / w* > band``, checked every day), or both
(the bands are checked on the calendar dates only). Between trades the positions drift with
prices. Turnover is ``sum |w - w~|`` and costs ``cost_bps / 10^4`` of the traded value, paid
from equity as in :mod:`finance_core.backtest`; the first trade, from cash into the target,
is common to every policy and not counted. Tracking error is measured against the target
mix rebalanced every day at no cost, annualised with 252 periods a year.

With a :class:`TaxBook` the policies' trades are also turned into shares (weight x value / price,
fractional) in one taxable account and replayed through the tax lots with the wash-sale rule
(:func:`finance_core.tax.process_trades`); ``realised_tax`` is the federal tax the policy's trades
add, each calendar year netted on its own as :func:`finance_core.tax.trade_list_tax` nets it. The
first trade into the target (from the account's opening lots, or from cash) is again common to
every policy and its tax is not counted. :func:`policy_set` builds the policies a desk compares
(calendar, band and calendar-plus-band, one per band width) and :func:`band_sweep` is the
band-width table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from . import tax
from ._checks import check_positive
from .backtest import rebalance_dates
from .errors import DataError

__all__ = ["BAND_WIDTHS", "POLICY_COLUMNS", "POLICY_KINDS", "PolicyRun", "RebalancePolicy", "TaxBook",
           "band_sweep", "compare_policies", "policy_set", "policy_tax", "policy_trades", "simulate_policy"]

PERIODS_PER_YEAR = 252
POLICY_COLUMNS = ("annual_return", "tracking_error", "annual_turnover", "total_cost", "rebalances", "realised_tax")
#: The band widths of the desk's sweep (decimals: 1%, 2.5%, 5%, 10%).
BAND_WIDTHS = (0.01, 0.025, 0.05, 0.10)
#: Policy kinds a desk picks from: kind -> (label, calendar, uses a band).
POLICY_KINDS: dict[str, tuple[str, str | None, bool]] = {
    "monthly": ("Monthly", "M", False),
    "quarterly": ("Quarterly", "Q", False),
    "band": ("Band", None, True),
    "monthly_band": ("Monthly + band", "M", True),
    "quarterly_band": ("Quarterly + band", "Q", True),
}


@dataclass(frozen=True)
class RebalancePolicy:
    calendar: str | None = None
    band: float | None = None
    band_type: Literal["absolute", "relative"] = "absolute"

    def __post_init__(self) -> None:
        if self.calendar is None and self.band is None:
            raise DataError("A rebalancing policy needs a calendar, a band or both.", code="bad_policy")
        if self.band is not None:
            check_positive(self.band, "The drift band", blank=False, code="bad_policy")
        if self.band_type not in ("absolute", "relative"):
            raise DataError(f"The band type must be 'absolute' or 'relative'; got {self.band_type!r}.", code="bad_policy")


@dataclass(frozen=True)
class PolicyRun:
    """Daily equity (from 1, after costs), the turnover of each trade (indexed by its date), the costs paid
    (fractions of the equity before the trade) and the drifted weights each trade started from."""

    equity: pd.Series
    turnover: pd.Series
    costs: pd.Series
    drifted: pd.DataFrame | None = None


@dataclass(frozen=True)
class TaxBook:
    """The taxable account the policies trade in, for the ``realised_tax`` column.

    ``prices`` (dates x tickers) price every trade; they must hold the returns' dates and the date
    before the first (the day the target is bought). ``lots`` are the account's opening lots
    (``account, ticker, acquired, shares, cost_basis`` as :func:`finance_core.data.read_lots_csv`
    gives them; only ``account``'s rows, by default the taxable account with the largest cost
    basis): their value at the start is the capital. Without lots the account starts with
    ``capital`` in cash.
    """

    prices: pd.DataFrame
    lots: pd.DataFrame | None = None
    capital: float = 1_000_000.0
    method: tax.LotMethod = "fifo"
    rates: tax.TaxRates | None = None
    account: str | None = None


def _inputs(returns: pd.DataFrame, target) -> tuple[pd.DataFrame, np.ndarray]:
    target = pd.Series(target, dtype=float)
    missing = target.index.difference(returns.columns)
    if len(missing):
        raise DataError(f"No returns for {', '.join(map(str, missing[:5]))}. Upload prices for every target name.", code="missing_returns")
    frame = returns[target.index].astype(float)
    if frame.isna().to_numpy().any() or len(frame) < 2:
        raise DataError("The returns have gaps or fewer than 2 dates. Fill the gaps or choose a longer window.", code="missing_returns")
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise DataError("The returns must be indexed by date.", code="bad_input")
    w = target.to_numpy()
    if np.any(w < 0) or abs(w.sum() - 1) > 1e-6:
        raise DataError("The target weights must be zero or more and sum to 1 (add a CASH column with zero returns).", code="bad_weights")
    return frame, w


def _outside_band(weights: np.ndarray, target: np.ndarray, policy: RebalancePolicy) -> bool:
    gap = np.abs(weights - target)
    if policy.band_type == "relative":
        held = target > 0
        gap = np.where(held, gap / np.where(held, target, 1.0), np.where(gap > 0, np.inf, 0.0))
    return bool(gap.max() > (policy.band or 0.0))


def simulate_policy(returns: pd.DataFrame, target, policy: RebalancePolicy, *, cost_bps: float = 10.0) -> PolicyRun:
    """Run one policy over the dates of ``returns`` (dates x asset, decimals); see the module."""
    kappa = check_positive(cost_bps, "The cost in basis points", allow_zero=True, blank=False) / 1e4
    frame, w_star = _inputs(returns, target)
    calendar = set(rebalance_dates(frame.index, policy.calendar)) if policy.calendar else None
    weights, value = w_star.copy(), 1.0
    equity, trades, costs, drifted = np.empty(len(frame)), {}, {}, {}
    for day, (date, row) in enumerate(zip(frame.index, frame.to_numpy(), strict=True)):
        grown = weights * (1 + row)
        value *= grown.sum()
        weights = grown / grown.sum()
        on_calendar = calendar is None or date in calendar
        triggered = on_calendar and (policy.band is None or _outside_band(weights, w_star, policy))
        if triggered and day < len(frame) - 1:
            turnover = float(np.abs(w_star - weights).sum())
            if turnover > 0:
                trades[date], costs[date], drifted[date] = turnover, kappa * turnover, weights
                value *= 1 - kappa * turnover
                weights = w_star.copy()
        equity[day] = value
    return PolicyRun(pd.Series(equity, index=frame.index, name="equity"), pd.Series(trades, dtype=float),
                     pd.Series(costs, dtype=float),
                     pd.DataFrame.from_dict(drifted, orient="index", columns=frame.columns, dtype=float))


# --------------------------------------------------------------------------- trades and their tax
def _account(book: TaxBook) -> str:
    """The account the policies trade in: the one named, else the taxable account of largest basis."""
    if book.account:
        return book.account
    lots = book.lots
    if lots is None or not len(lots):
        return "taxable"
    taxable = lots if "account_type" not in lots else lots[lots["account_type"].fillna("taxable") == "taxable"]
    if not len(taxable):
        raise DataError("The tax lots hold no taxable account: name the account to trade in.", code="bad_account")
    return str(taxable.groupby("account")["cost_basis"].sum().sort_values(ascending=False, kind="stable").index[0])


def _trade_prices(book: TaxBook, dates: pd.DatetimeIndex, tickers: pd.Index) -> pd.DataFrame:
    """The book's prices on the start date (the day before the first return) and on every return date."""
    prices = book.prices
    if not isinstance(prices.index, pd.DatetimeIndex) or dates[0] not in prices.index:
        raise DataError("The tax book's prices must be dated and hold the backtest's dates.", code="missing_prices")
    at = prices.index.get_loc(dates[0])
    if not isinstance(at, int) or at == 0 or dates.difference(prices.index).size:
        raise DataError("The tax book's prices must hold every backtest date and the date before the first.",
                        code="missing_prices")
    return prices.reindex(index=dates.insert(0, prices.index[at - 1]), columns=tickers).astype(float)


def _opening(book: TaxBook, account: str, start: pd.Timestamp, px: pd.Series) -> tuple[pd.DataFrame | None, pd.Series]:
    """The account's opening lots (or None) and its shares by ticker at the start."""
    if book.lots is None or not len(book.lots):
        check_positive(book.capital, "The capital of the tax book", blank=False, code="bad_value")
        return None, pd.Series(dtype=float)
    lots = book.lots[book.lots["account"].astype(str) == account]
    late = lots[pd.to_datetime(lots["acquired"]) > start]
    if len(late):
        raise DataError(f"Tax lots of {', '.join(map(str, late['ticker'].unique()[:5]))} were acquired after the "
                        f"backtest starts ({start.date()}): choose a later start date.", code="bad_dates")
    shares = lots.groupby("ticker")["shares"].sum().astype(float)
    unpriced = [t for t in shares.index if not px.get(t, np.nan) > 0]
    if unpriced:
        raise DataError(f"No price on {start.date()} for the lots of {', '.join(map(str, unpriced[:5]))}: add them "
                        "to the universe, or leave their lots out.", code="missing_prices")
    return lots, shares


_TRADE_COLUMNS = ["date", "account", "ticker", "side", "shares", "price", "initial"]


def _trade_frame(dates: pd.DatetimeIndex, tickers: pd.Index, delta: np.ndarray, px: np.ndarray, account: str,
                 initial: bool) -> pd.DataFrame:
    """Trade rows for a (dates x tickers) matrix of share changes at ``px``, sells before buys on each date."""
    day, col = np.nonzero(np.abs(delta) > 1e-9)
    change = delta[day, col]
    frame = pd.DataFrame({"date": dates[day], "account": account, "ticker": tickers[col],
                          "side": np.where(change < 0, "sell", "buy"), "shares": np.abs(change),
                          "price": px[day, col], "initial": initial})
    return frame.sort_values(["date", "side"], ascending=[True, False], kind="stable")[_TRADE_COLUMNS]


def policy_trades(run: PolicyRun, target, book: TaxBook) -> tuple[pd.DataFrame, pd.DataFrame | None, str]:
    """The run's trades in shares in the book's account: (trades with the first trade into the target
    first, marked ``initial``; the opening lots; the account). Tickers without a price (cash) are not traded."""
    w_star = pd.Series(target, dtype=float)
    account = _account(book)
    prices = _trade_prices(book, pd.DatetimeIndex(run.equity.index), w_star.index.union(
        book.lots["ticker"].unique() if book.lots is not None and len(book.lots) else []))
    start = prices.index[0]
    lots, held = _opening(book, account, start, prices.iloc[0])
    first_px = prices.iloc[0]
    capital = float((held * first_px.reindex(held.index)).sum()) if lots is not None else float(book.capital)
    priced = w_star.index[prices[w_star.index].notna().all().to_numpy()]
    opening = held.reindex(prices.columns, fill_value=0.0)
    bought = (w_star.reindex(prices.columns, fill_value=0.0) * capital / first_px).where(
        prices.columns.isin(priced), 0.0)
    first = _trade_frame(pd.DatetimeIndex([start]), prices.columns, (bought - opening).to_numpy()[None, :],
                         first_px.to_numpy()[None, :], account, True)
    drifted = run.drifted if run.drifted is not None else pd.DataFrame(columns=w_star.index, dtype=float)
    dates = pd.DatetimeIndex(drifted.index)
    px = prices.loc[dates, priced].to_numpy()
    after = capital * run.equity.reindex(dates).to_numpy()
    before = after / (1 - run.costs.reindex(dates).to_numpy())
    delta = (w_star[priced].to_numpy()[None, :] * after[:, None] - drifted[priced].to_numpy() * before[:, None]) / px
    later = _trade_frame(dates, priced, delta, px, account, False)
    return pd.concat([first, later], ignore_index=True), lots, account


def _replayed_tax(trades: pd.DataFrame, lots: pd.DataFrame | None, book: TaxBook) -> float:
    """Tax of the trades replayed on the opening lots, each calendar year netted on its own."""
    if not len(trades):
        return 0.0
    rates = book.rates or tax.TaxRates()
    result = tax.process_trades(trades.drop(columns="initial"), book.method, rates=rates, lots=lots,
                                today=trades["date"].max())
    return float(sum(tax.yearly_tax(result, rates).values()))


def policy_tax(run: PolicyRun, target, book: TaxBook, *, initial_tax: float | None = None) -> float:
    """Federal tax the run's trades realise after the first trade into the target (see the module).

    ``initial_tax``: the tax of that first trade alone when already known (it is common to every policy)."""
    trades, lots, _account_name = policy_trades(run, target, book)
    if initial_tax is None:
        initial_tax = _replayed_tax(trades[trades["initial"]], lots, book)
    return _replayed_tax(trades, lots, book) - initial_tax


# --------------------------------------------------------------------------- comparison
def compare_policies(
    returns: pd.DataFrame, target, policies: Mapping[str, RebalancePolicy], *, cost_bps: float = 10.0,
    tax_book: TaxBook | None = None,
) -> pd.DataFrame:
    """One row per policy, columns :data:`POLICY_COLUMNS` (decimals; rebalances a count; ``realised_tax`` in
    money with a ``tax_book``, else NaN)."""
    if not policies:
        raise DataError("Choose at least one rebalancing policy to compare.", code="bad_policy")
    check_positive(cost_bps, "The cost in basis points", allow_zero=True)
    frame, w_star = _inputs(returns, target)
    ideal = pd.Series(frame.to_numpy() @ w_star, index=frame.index)
    years = len(frame) / PERIODS_PER_YEAR
    rows, initial_tax = {}, None
    for name, policy in policies.items():
        run = simulate_policy(frame, pd.Series(w_star, index=frame.columns), policy, cost_bps=cost_bps)
        if tax_book is not None and initial_tax is None:
            trades, lots, _account_name = policy_trades(run, pd.Series(w_star, index=frame.columns), tax_book)
            initial_tax = _replayed_tax(trades[trades["initial"]], lots, tax_book)
        daily = run.equity.pct_change().fillna(run.equity.iloc[0] - 1)
        rows[name] = {
            "annual_return": float(run.equity.iloc[-1] ** (1 / years) - 1),
            "tracking_error": float((daily - ideal).std(ddof=1) * math.sqrt(PERIODS_PER_YEAR)),
            "annual_turnover": float(run.turnover.sum() / years),
            "total_cost": float(run.costs.sum()),
            "rebalances": float(len(run.turnover)),
            "realised_tax": policy_tax(run, pd.Series(w_star, index=frame.columns), tax_book,
                                       initial_tax=initial_tax) if tax_book is not None else math.nan,
        }
    return pd.DataFrame.from_dict(rows, orient="index")[list(POLICY_COLUMNS)]


def _widths(widths) -> list[float]:
    """Band widths as decimals, from numbers or a text of comma-separated decimals (``"0.01, 0.05"``):
    each a number greater than zero (the message names the field)."""
    if isinstance(widths, str):
        widths = [w for w in widths.replace(";", ",").split(",") if w.strip()]
    out = [check_positive(w.strip() if isinstance(w, str) else w, "Each band width", blank=False, code="bad_policy")
           for w in widths or []]
    if not out:
        raise DataError("Band widths: enter at least one width (for example 0.01, 0.025, 0.05, 0.10).",
                        code="bad_policy")
    return out


def policy_set(kinds, widths=BAND_WIDTHS, band_type: Literal["absolute", "relative"] = "absolute"
               ) -> dict[str, RebalancePolicy]:
    """The policies of the chosen :data:`POLICY_KINDS`, one per band width for those with a band
    (``"Band 2.5%"``, ``"Quarterly + band 2.5%"``), in the order of the kinds. ``widths``: decimals, or
    a text of comma-separated decimals as a form gives them."""
    kinds = list(kinds or [])
    if not kinds:
        raise DataError("Policies: choose at least one rebalancing policy to compare.", code="bad_policy")
    unknown = [k for k in kinds if k not in POLICY_KINDS]
    if unknown:
        raise DataError(f"Policies: unknown policy {unknown[0]!r}; choose from {', '.join(POLICY_KINDS)}.",
                        code="bad_policy")
    bands = _widths(widths) if any(POLICY_KINDS[k][2] for k in kinds) else []
    out: dict[str, RebalancePolicy] = {}
    for kind in kinds:
        label, calendar, banded = POLICY_KINDS[kind]
        if not banded:
            out[label] = RebalancePolicy(calendar=calendar)
        for width in bands if banded else []:
            name = f"{label} {width * 100:g}%" + (" relative" if band_type == "relative" else "")
            out[name] = RebalancePolicy(calendar=calendar, band=width, band_type=band_type)
    return out


def band_sweep(returns: pd.DataFrame, target, widths=BAND_WIDTHS, *,
               band_type: Literal["absolute", "relative"] = "absolute", calendar: str | None = None,
               cost_bps: float = 10.0, tax_book: TaxBook | None = None) -> pd.DataFrame:
    """:func:`compare_policies` over band widths (indexed by the width, a decimal), checked daily or on
    ``calendar`` dates, so a PM can choose a width with numbers."""
    bands = _widths(widths)
    table = compare_policies(returns, target, {
        str(w): RebalancePolicy(calendar=calendar, band=w, band_type=band_type) for w in bands
    }, cost_bps=cost_bps, tax_book=tax_book)
    return table.set_axis(pd.Index(bands, name="band"))
