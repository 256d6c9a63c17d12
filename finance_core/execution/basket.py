"""Baskets: schedules for several parent orders at once and their combined costs."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._checks import check_count, check_positive
from .._types import DateLike, IntervalLike, VectorLike
from ..errors import DataError, FinanceError, InfeasibleError
from ._checks import check_vector
from .almgren_chriss import (
    AlmgrenChrissParameters,
    almgren_chriss,
    almgren_chriss_parameters,
    recost_almgren_chriss,
)
from .book import OrderBook
from .clock import interval_times, intraday_volume_profile
from .costs import CostSetup
from .impact import ImpactModel
from .optimal import optimal_with
from .order_model import order_model
from .schedule import Schedule, twap_with, vwap_with, with_volumes

#: The strategies :func:`basket_schedule` runs on every name.
BasketStrategy = Literal["twap", "vwap", "almgren_chriss", "optimal"]


@dataclass(frozen=True)
class BasketSchedule:
    """A basket of parent orders scheduled on one clock.

    ``child_orders``: intervals x tickers, signed shares (+ buy, - sell). ``buys`` and
    ``sells``: notional per interval (positive amounts); ``cash_imbalance``: running
    ``cumulative buys - cumulative sells`` (positive = the desk has spent more than it has
    raised so far). ``costs``: one row per ticker (side, shares, price, notional, spread,
    temporary, permanent, expected_cost, timing_risk, cost_bps). ``expected_cost``: the
    basket total; ``timing_risk``: sqrt of the summed variances (orders treated as
    uncorrelated). ``schedules`` maps ticker -> :class:`Schedule`.
    """

    child_orders: pd.DataFrame
    buys: pd.Series
    sells: pd.Series
    cash_imbalance: pd.Series
    costs: pd.DataFrame
    expected_cost: float
    timing_risk: float
    strategy: str
    schedules: Mapping[str, Schedule]
    notes: tuple[str, ...] = field(default_factory=tuple)


def _basket_orders(trades: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(trades, pd.DataFrame) or trades.empty:
        raise DataError(
            "The basket is empty: give a trade list with ticker, shares (and side) and price.", code="empty"
        )
    df = trades.copy()
    cols = {c.lower(): c for c in df.columns}
    if "ticker" in cols:
        tick = df[cols["ticker"]].astype(str).str.upper()
    else:
        tick = pd.Series(df.index.astype(str).str.upper(), index=df.index)
    if "shares" not in cols or "price" not in cols:
        raise DataError(
            f"The trade list needs columns shares and price (and side or signed shares); found {', '.join(map(str, df.columns))}.",
            code="missing_column",
        )
    sh = pd.to_numeric(df[cols["shares"]], errors="coerce").astype(float)
    px = pd.to_numeric(df[cols["price"]], errors="coerce").astype(float)
    if "side" in cols:
        side = df[cols["side"]].astype(str).str.strip().str.lower()
        bad = ~side.isin(["buy", "sell"])
        if bad.any():
            i = int(np.argmax(bad.to_numpy()))
            raise DataError(
                f"Trade list, ticker {tick.iloc[i]}: side {df[cols['side']].iloc[i]!r} must be buy or sell.",
                code="bad_side",
            )
        sign = np.where(side == "sell", -1.0, 1.0)  # the side decides; shares may be given signed or not
    else:
        sign = np.sign(sh.to_numpy())
    for i in range(len(df)):
        if not np.isfinite(sh.iloc[i]) or sh.iloc[i] == 0 or abs(sh.iloc[i] - round(sh.iloc[i])) > 1e-9:
            raise DataError(
                f"Trade list, ticker {tick.iloc[i]}: shares {df[cols['shares']].iloc[i]!r} must be a non-zero whole number.",
                code="bad_size",
            )
        if not np.isfinite(px.iloc[i]) or px.iloc[i] <= 0:
            raise DataError(
                f"Trade list, ticker {tick.iloc[i]}: price {df[cols['price']].iloc[i]!r} must be greater than zero.",
                code="not_positive",
            )
    out = pd.DataFrame(
        {
            "shares": np.abs(sh.to_numpy()).round().astype(np.int64),
            "side": np.where(sign < 0, "sell", "buy"),
            "price": px.to_numpy(),
        },
        index=pd.Index(tick.to_numpy(), name="ticker"),
    )
    return _net_duplicates(out) if out.index.duplicated().any() else out


def _net_duplicates(out: pd.DataFrame) -> pd.DataFrame:
    """Orders of a ticker listed more than once netted into one (average price of the shares; zero nets dropped)."""
    out = out.assign(
        signed=np.where(out["side"] == "buy", 1, -1) * out["shares"],
        notional=out["shares"] * out["price"],
    )
    g = out.groupby(level=0, sort=False).agg(
        signed=("signed", "sum"), notional=("notional", "sum"), shares=("shares", "sum")
    )
    g = g[g["signed"] != 0]
    return pd.DataFrame(
        {
            "shares": g["signed"].abs(),
            "side": np.where(g["signed"] < 0, "sell", "buy"),
            "price": g["notional"] / g["shares"],
        },
        index=g.index,
    )


def basket_schedule(
    trades: pd.DataFrame,
    n_intervals: int,
    *,
    daily_volume: float | pd.Series,
    annual_volatility: float | pd.Series = 0.25,
    strategy: BasketStrategy = "vwap",
    risk_aversion: float = 0.0,
    max_participation: float | None = None,
    spread_bps: float = 10.0,
    horizon_days: float = 1.0,
    profile: VectorLike | None = None,
    start: DateLike | None = None,
    interval: IntervalLike = "1min",
    lot_size: int = 100,
    periods_per_year: int = 252,
) -> BasketSchedule:
    """Schedule a trade list (ticker, shares, side or signed shares, price) as a basket.

    Each order gets the Almgren-Chriss linear cost model of
    :func:`almgren_chriss_parameters` (``daily_volume`` and ``annual_volatility``:
    scalars or Series by ticker); per interval of ``tau = horizon_days / N`` days,
    ``c = epsilon``, ``b = eta / tau``, ``sigma^2 tau`` per interval. ``strategy``:
    ``"twap"``, ``"vwap"`` (default profile or ``profile``), ``"almgren_chriss"`` (at
    ``risk_aversion``, 1/currency) or ``"optimal"`` (impact-optimal under
    ``max_participation`` of the expected volume ``daily_volume * profile``).
    """
    orders = _basket_orders(trades)
    n = check_count(n_intervals, "The number of intervals")
    strat = str(strategy).lower()
    if strat not in ("twap", "vwap", "almgren_chriss", "optimal"):
        raise DataError(
            f"Basket strategy {strategy!r} is not known. Use twap, vwap, almgren_chriss or optimal.",
            code="bad_option",
        )
    days = check_positive(horizon_days, "The horizon (days)")
    prof = (
        intraday_volume_profile(n).to_numpy()
        if profile is None
        else check_vector(profile, n, "The volume profile")
    )
    prof = prof / prof.sum()
    adv = _per_ticker(daily_volume, "The daily volume", orders.index)
    avol = _per_ticker(annual_volatility, "The annual volatility", orders.index)
    interval_times(n, start, interval)  # a bad start or interval is refused once, before any name
    clock = CostSetup(start=start, interval=interval, lot_size=lot_size)
    scheds: dict[str, Schedule] = {}
    for tkr, o in orders.iterrows():
        try:
            p = almgren_chriss_parameters(
                o["price"], adv[tkr], avol[tkr], spread_bps=spread_bps, periods_per_year=periods_per_year
            )
        except DataError as err:
            raise DataError(f"Ticker {tkr}: {err}", code=err.code) from None
        setup = _name_setup(clock, p, o["side"], n, days / n)
        vols = adv[tkr] * days * prof
        try:
            scheds[tkr] = _name_schedule(
                strat, int(o["shares"]), p, setup, n, days, prof, vols, risk_aversion, max_participation
            )
        except (DataError, InfeasibleError) as err:
            raise type(err)(
                f"Ticker {tkr} ({o['side']} {int(o['shares']):,}): {err}", code=err.code, details=err.details
            ) from None
    return _basket(orders, scheds, strat)


def _per_ticker(v: float | pd.Series, what: str, tickers: pd.Index) -> pd.Series:
    """``v`` for every ticker: a scalar checked positive, or a Series by ticker with no name missing."""
    if isinstance(v, pd.Series):
        v = v.rename(index=lambda s: str(s).upper())
        missing = [t for t in tickers if t not in v.index or not np.isfinite(v.get(t, np.nan))]
        if missing:
            raise DataError(
                f"{what} is missing for {', '.join(missing)}. Give a value for every ticker in the basket.",
                code="missing_value",
            )
        return v.reindex(tickers).astype(float)
    return pd.Series(check_positive(v, what), index=tickers)


def _name_setup(clock: CostSetup, p: AlmgrenChrissParameters, side: str, n: int, tau: float) -> CostSetup:
    """One name's cost model per interval of ``tau`` days on the basket's clock.

    ``c = epsilon``, ``b = eta / tau``, permanent ``gamma``, ``sigma sqrt(tau)`` per interval.
    """
    impact = ImpactModel.from_coefficients(p.epsilon, p.eta / tau, 0.0, n_intervals=n)
    return replace(clock, side=side, impact=impact, permanent=p.gamma, sigma=p.sigma * math.sqrt(tau))


def _name_schedule(
    strat: str,
    shares: int,
    p: AlmgrenChrissParameters,
    setup: CostSetup,
    n: int,
    days: float,
    prof: np.ndarray,
    vols: np.ndarray,
    risk_aversion: float,
    max_participation: float | None,
) -> Schedule:
    """One name's schedule by ``strat`` under ``setup`` (Almgren-Chriss in days, then costed per interval)."""
    if strat == "twap":
        return with_volumes(twap_with(setup, shares, n), vols)
    if strat == "vwap":
        return with_volumes(vwap_with(setup, shares, n, profile=prof), vols)
    if strat == "optimal":
        return optimal_with(setup, shares, n, max_participation=max_participation, volumes=vols)
    ac = almgren_chriss(
        shares, days, n, p.sigma, p.eta, p.gamma, p.epsilon, risk_aversion, side=setup.side, lot_size=setup.lot_size
    )
    return recost_almgren_chriss(ac, shares, setup, volumes=vols)


def _basket(
    orders: pd.DataFrame, scheds: Mapping[str, Schedule], strategy: str, notes: Iterable[str] = ()
) -> BasketSchedule:
    """The :class:`BasketSchedule` of per-name schedules on one clock (notional at the trade list's prices)."""
    rows = []
    for tkr, o in orders.iterrows():
        s, notional = scheds[tkr], o["shares"] * o["price"]
        rows.append(
            {
                "ticker": tkr,
                "side": o["side"],
                "shares": int(o["shares"]),
                "price": float(o["price"]),
                "notional": float(notional),
                **{
                    k: float(s.costs[k])
                    for k in ("spread", "temporary", "permanent", "expected_cost", "timing_risk", "variance")
                },
                "cost_bps": float(s.expected_cost / notional * 1e4),
            }
        )
    idx = next(iter(scheds.values())).trades.index
    child = pd.DataFrame(
        {t: s.trades.to_numpy() * (1 if s.side == "buy" else -1) for t, s in scheds.items()}, index=idx
    )
    px = orders["price"].reindex(child.columns).to_numpy()
    notional = child.to_numpy(dtype=float) * px[None, :]
    buys = pd.Series(np.where(notional > 0, notional, 0).sum(axis=1), index=idx, name="buys")
    sells = pd.Series(np.where(notional < 0, -notional, 0).sum(axis=1), index=idx, name="sells")
    imbalance = (buys - sells).cumsum().rename("cash_imbalance")
    costs = pd.DataFrame(rows).set_index("ticker")
    return BasketSchedule(
        child_orders=child,
        buys=buys,
        sells=sells,
        cash_imbalance=imbalance,
        costs=costs,
        expected_cost=float(costs["expected_cost"].sum()),
        timing_risk=float(np.sqrt(costs["variance"].sum())),
        strategy=strategy,
        schedules=scheds,
        notes=tuple(notes)
        + ("Timing risk adds the orders' variances: correlations between the names are ignored.",),
    )


def order_basket(
    prices: pd.DataFrame,
    trades: pd.DataFrame,
    strategy: BasketStrategy = "vwap",
    *,
    risk_aversion: float = 0.0,
    max_participation: float | None = None,
    books: Mapping[str, OrderBook] | None = None,
    **market: Any,
) -> BasketSchedule:
    """A trade list scheduled with the single-order cost model: one :class:`OrderModel` per name.

    Each name's order is ``order_model(prices[ticker], shares, side=side, book=books.get(ticker),
    **market)`` scheduled by :meth:`OrderModel.schedule` (``strategy``, ``risk_aversion``,
    ``max_participation`` as its ``participation``), so an order costs in the basket exactly
    what it costs on its own. ``market``: the other keywords of :func:`order_model` (window,
    ``daily_volume``, ``intraday_volumes``, ``impact_model``, ``seed``): the same for every
    name. ``books``: order books by ticker (e.g. an uploaded one); the other names get the
    seeded synthetic book. Notional is at the trade list's prices; a price more than 0.5%
    away from the last close is noted (costs come from the close and the book).
    """
    orders = _basket_orders(trades)
    missing = [t for t in orders.index if t not in prices.columns]
    if missing:
        raise DataError(
            f"The trade list has tickers that are not in the price data: {', '.join(missing)}. Add them to the "
            "universe on the Data page or rebuild the trade list.",
            code="unknown_ticker",
        )
    books = {str(k).upper(): v for k, v in (books or {}).items()}
    scheds: dict[str, Schedule] = {}
    notes: list[str] = []
    for tkr, o in orders.iterrows():
        try:
            m = order_model(prices[tkr], o["shares"], side=o["side"], book=books.get(tkr), **market)
            scheds[tkr] = m.schedule(strategy, risk_aversion=risk_aversion, participation=max_participation)
        except FinanceError as err:
            raise type(err)(
                f"Ticker {tkr} ({o['side']} {int(o['shares']):,}): {err}", code=err.code, details=err.details
            ) from None
        if abs(o["price"] / m.price - 1) > 0.005:
            notes.append(
                f"{tkr}: the trade list's price {o['price']:,.2f} is {o['price'] / m.price - 1:+.1%} from the last "
                f"close {m.price:,.2f}; notional uses the list's price, costs the close and the book."
            )
    uploaded = [t for t in orders.index if t in books]
    book = (
        f"uploaded for {', '.join(uploaded)}, seeded synthetic around the last close for the others"
        if uploaded
        else "seeded synthetic, around its last close"
    )
    notes.insert(0, (
        f"Each name is costed exactly as the order above would be: its order book ({book}), the "
        f"{m.impact.model} impact fitted to it, its 1-year volatility and the same window ({m.start:%H:%M}, "
        f"{m.n_intervals} intervals). Daily volume: {m.daily_volume:,.0f} shares for every name (there is no "
        "per-name volume); the no-trade windows apply to the order above only."
    ))
    return _basket(orders, scheds, str(strategy).lower(), notes)


def sample_basket(
    prices: pd.DataFrame, *, n: int = 6, notional: float = 1_000_000, lot_size: int = 100
) -> pd.DataFrame:
    """A demonstration trade list from the first ``n`` tickers: alternate buys and sells of ``notional`` each.

    Shares are ``notional / last close`` rounded to round lots (at least one lot).
    """
    last = prices.ffill().iloc[-1].dropna()
    if last.empty:
        raise DataError("The universe has no prices to build a sample basket from.", code="empty")
    last = last.iloc[: check_count(n, "The number of names")]
    shares = np.maximum(lot_size, np.round(notional / last.to_numpy() / lot_size) * lot_size).astype(np.int64)
    return pd.DataFrame(
        {
            "ticker": list(last.index),
            "side": ["buy" if i % 2 == 0 else "sell" for i in range(len(last))],
            "shares": shares,
            "price": last.to_numpy(),
        }
    )
