"""Execution scheduling: order-book impact models, child-order schedules and their costs.

A parent order of ``S`` shares is split into ``N`` child orders ``n_1 .. n_N`` (whole
shares, round lots, summing exactly to ``S``). Holdings still to execute after interval
``k`` are ``x_k = S - (n_1 + ... + n_k)`` with ``x_0 = S`` and ``x_N = 0``.

Cost model (per share, in the currency of the prices), the discrete model of
Almgren and Chriss (2000), "Optimal execution of portfolio transactions", Journal of
Risk 3(2), 5-39, section 1:

* temporary impact of trading ``n`` shares in interval ``t``:
  ``g_t(n) = c_t + b_t n + a_t n^2`` per share (``c_t`` the half spread, ``b_t`` the
  linear and ``a_t`` the quadratic coefficient), so the interval costs ``n g_t(n)``;
  with Almgren-Chriss's ``h(v) = epsilon + eta v`` and ``v = n / tau`` this is
  ``c = epsilon``, ``b = eta / tau``, ``a = 0``;
* permanent impact ``gamma`` per share traded, which costs
  ``gamma * sum_k x_k n_k = gamma / 2 * (S^2 - sum_k n_k^2)``;
* timing risk: the variance of the implementation shortfall
  ``V = sigma^2 tau sum_{k=1..N} x_k^2``.

The expected cost ``E`` is the sum of the spread, temporary and permanent parts, as in
Almgren and Chriss (2000), equation for ``E(x)`` in section 1.5.

Buys and sells are symmetric: shares are always positive and ``side`` says which way.
"""

from __future__ import annotations

import math
import re
import time
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize as _sopt

from . import formats
from .errors import DataError, FinanceError, InfeasibleError, SolverError

__all__ = [
    "OrderBook",
    "ImpactModel",
    "Schedule",
    "BasketSchedule",
    "AlmgrenChrissParameters",
    "synthetic_order_book",
    "read_order_book_csv",
    "estimate_slippage",
    "fit_impact",
    "intraday_volume_profile",
    "optimal_schedule",
    "twap",
    "vwap",
    "pov",
    "almgren_chriss",
    "almgren_chriss_frontier",
    "almgren_chriss_parameters",
    "compare_strategies",
    "basket_schedule",
    "order_basket",
    "CLOSE_AUCTION_SHARE",
    "SOLVERS",
    "SESSION_MINUTES",
    "SessionWindow",
    "session_window",
    "OrderModel",
    "order_model",
    "read_volume_csv",
    "daily_volume_estimate",
    "sample_volume_csv",
    "annual_volatility",
    "sample_basket",
]

#: Share of the day's volume printed in the US closing auction on a normal day. NYSE
#: and Nasdaq closing auctions grew to roughly 8-10% of daily volume by the late 2010s
#: (Bogousslavsky and Muravyev (2023), "Who trades at the close? Implications for price
#: discovery and liquidity", Journal of Financial Markets 66); more on index rebalance days.
CLOSE_AUCTION_SHARE = 0.09
#: Solvers of :func:`optimal_schedule`.
SOLVERS = ("analytical", "cvxpy", "scipy")
_SIDES = ("buy", "sell")
_COST_ROWS = ["spread", "temporary", "permanent", "expected_cost", "timing_risk", "variance"]


# =========================================================================== validation
def _side(side: str) -> str:
    s = str(side).strip().lower()
    s = {"b": "buy", "s": "sell", "bid": "sell", "ask": "buy"}.get(s, s)
    if s not in _SIDES:
        raise DataError(f"Side {side!r} is not known. Use 'buy' or 'sell'.", code="bad_side")
    return s


def _blank(value) -> bool:
    """An empty form field (a number box the browser could not read sends None)."""
    return value is None or (isinstance(value, str) and not value.strip())


def _shares(value, what: str = "The order size") -> int:
    if _blank(value):
        raise DataError(
            f"{what} is empty. Enter a positive whole number of shares, for example 547.", code="missing_value"
        )
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise DataError(
            f"{what} {value!r} is not a number. Enter a whole number of shares.", code="bad_size"
        ) from None
    if not np.isfinite(v) or v <= 0:
        raise DataError(
            f"{what} must be a positive number of shares; got {value!r}. Enter the shares to trade "
            "(always positive: choose buy or sell with the side).",
            code="not_positive",
        )
    if abs(v - round(v)) > 1e-9 * max(1.0, abs(v)):
        raise DataError(f"{what} must be a whole number of shares; got {v:g}. Round it.", code="bad_size")
    return int(round(v))


def _count(value, what: str) -> int:
    if _blank(value):
        raise DataError(f"{what} is empty. Enter a whole number of 1 or more.", code="missing_value")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise DataError(
            f"{what} {value!r} is not a number. Enter a whole number of 1 or more.", code="bad_count"
        ) from None
    if not np.isfinite(v) or v < 1 or abs(v - round(v)) > 1e-9:
        raise DataError(f"{what} must be a whole number of 1 or more; got {value!r}.", code="not_positive")
    return int(round(v))


def _positive(value, what: str, *, allow_zero: bool = False) -> float:
    if _blank(value):
        need = "zero or more" if allow_zero else "greater than zero"
        raise DataError(f"{what} is empty. Enter a number {need}.", code="missing_value")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{what} {value!r} is not a number.", code="bad_number") from None
    bad = (v < 0) if allow_zero else (v <= 0)
    if not np.isfinite(v) or bad:
        need = "zero or more" if allow_zero else "greater than zero"
        raise DataError(f"{what} must be {need}; got {value!r}.", code="not_positive")
    return v


def _vector(values, n: int, what: str, *, allow_zero: bool = True) -> np.ndarray:
    arr = np.asarray(values.to_numpy() if isinstance(values, (pd.Series, pd.Index)) else values, dtype=float)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise DataError(
            f"{what} has {arr.size} values but the schedule has {n} intervals. Give one value per interval.",
            code="bad_length",
        )
    bad = ~np.isfinite(arr) | ((arr < 0) if allow_zero else (arr <= 0))
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(
            f"{what}, interval {i + 1}: {arr[i]!r} is not allowed; values must be finite and "
            f"{'zero or more' if allow_zero else 'greater than zero'}.",
            code="bad_value",
        )
    return arr


# =========================================================================== order books
@dataclass(frozen=True)
class OrderBook:
    """Limit-order-book snapshots: prices and sizes by level (level 1 = best).

    ``bid_price``/``bid_size``/``ask_price``/``ask_size`` are arrays of shape
    (snapshots, levels); a missing level has size 0. ``times`` labels the snapshots.
    Bids decrease and asks increase with the level; best bid < best ask.
    """

    times: pd.Index
    bid_price: np.ndarray
    bid_size: np.ndarray
    ask_price: np.ndarray
    ask_size: np.ndarray

    @property
    def n_snapshots(self) -> int:
        return int(self.bid_price.shape[0])

    @property
    def n_levels(self) -> int:
        return int(self.bid_price.shape[1])

    @property
    def mid(self) -> pd.Series:
        """Mid price ``(best bid + best ask) / 2`` per snapshot."""
        return pd.Series((self.bid_price[:, 0] + self.ask_price[:, 0]) / 2, index=self.times, name="mid")

    @property
    def spread(self) -> pd.Series:
        """Quoted spread ``best ask - best bid`` per snapshot."""
        return pd.Series(self.ask_price[:, 0] - self.bid_price[:, 0], index=self.times, name="spread")

    def to_frame(self) -> pd.DataFrame:
        """Long format: one row per (time, side, level) with price and size (the CSV layout)."""
        n, m = self.bid_price.shape
        parts = []
        for side, px, sz in (("bid", self.bid_price, self.bid_size), ("ask", self.ask_price, self.ask_size)):
            parts.append(
                pd.DataFrame(
                    {
                        "time": np.repeat(np.asarray(self.times), m),
                        "side": side,
                        "level": np.tile(np.arange(1, m + 1), n),
                        "price": px.ravel(),
                        "size": sz.ravel(),
                    }
                )
            )
        out = pd.concat(parts, ignore_index=True)
        out = out[out["size"] > 0]  # empty levels are not rows of a snapshot file
        return out.sort_values(["time", "side", "level"], kind="stable").reset_index(drop=True)


def _stylised_u(u: np.ndarray) -> np.ndarray:
    """U-shaped intraday intensity on session fractions ``u`` in (0, 1): ``1 + 2 (2u - 1)^2``.

    Trading volume is highest after the open and before the close and lowest at midday
    (Jain and Joh (1988), "The dependence between hourly prices and trading volume",
    Journal of Financial and Quantitative Analysis 23(3); Admati and Pfleiderer (1988),
    "A theory of intraday patterns", Review of Financial Studies 1(1)). The parabola is
    a stylised shape (edges three times the midday level), not a fit.
    """
    return 1.0 + 2.0 * (2.0 * u - 1.0) ** 2


def synthetic_order_book(
    n_snapshots: int = 390,
    n_levels: int = 20,
    *,
    base_price: float = 50.0,
    spread: float = 0.02,
    tick: float = 0.01,
    depth: float = 2_000.0,
    depth_growth: float = 0.15,
    liquidity_pattern: str | None = "u",
    volatility: float = 0.0005,
    noise: float = 0.25,
    start: str | pd.Timestamp | None = "2024-01-02 09:30",
    freq: str = "1min",
    seed: int | None = 0,
) -> OrderBook:
    """A seeded synthetic limit order book.

    The mid price follows a geometric random walk (``volatility`` per snapshot). Level
    ``k`` (1-based) sits ``spread / 2 + (k - 1) * tick`` away from the mid (rounded to
    the tick; at least one tick between best bid and ask) and shows
    ``depth * (1 + depth_growth * (k - 1)) * l_t * e`` shares, where ``l_t`` is the
    intraday liquidity pattern (``"u"``: the stylised U shape of
    :func:`intraday_volume_profile`, scaled to mean 1; ``None``: flat) and ``e`` is
    log-normal noise with standard deviation ``noise``. Books that fill deeper away from
    the touch are the usual shape of equity books (Bouchaud, Mezard and Potters (2002),
    "Statistical properties of stock order books: empirical results and models",
    Quantitative Finance 2(4)).
    """
    n = _count(n_snapshots, "The number of snapshots")
    m = _count(n_levels, "The number of levels")
    base_price = _positive(base_price, "The base price")
    tick = _positive(tick, "The tick size")
    spread = _positive(spread, "The spread")
    depth = _positive(depth, "The depth")
    depth_growth = _positive(depth_growth, "The depth growth", allow_zero=True)
    volatility = _positive(volatility, "The volatility", allow_zero=True)
    noise = _positive(noise, "The noise", allow_zero=True)
    rng = np.random.default_rng(seed)
    mid = base_price * np.exp(np.cumsum(rng.normal(0.0, volatility, n)) - 0.0)
    if liquidity_pattern is None:
        liq = np.ones(n)
    elif str(liquidity_pattern).lower() == "u":
        liq = _stylised_u((np.arange(n) + 0.5) / n)
        liq = liq / liq.mean()
    else:
        raise DataError(
            f"Liquidity pattern {liquidity_pattern!r} is not known. Use 'u' or None.", code="bad_option"
        )
    half_ticks = max(1, int(round(spread / tick)))
    best_bid = np.floor((mid - half_ticks * tick / 2) / tick + 1e-9) * tick
    best_ask = best_bid + half_ticks * tick
    steps = np.arange(m) * tick
    bid_price = np.round(best_bid[:, None] - steps[None, :], 10)
    ask_price = np.round(best_ask[:, None] + steps[None, :], 10)
    shape = depth * (1.0 + depth_growth * np.arange(m))
    noise_b = np.exp(rng.normal(-0.5 * noise**2, noise, (n, m)))
    noise_a = np.exp(rng.normal(-0.5 * noise**2, noise, (n, m)))
    bid_size = np.maximum(1.0, np.round(shape[None, :] * liq[:, None] * noise_b))
    ask_size = np.maximum(1.0, np.round(shape[None, :] * liq[:, None] * noise_a))
    if start is None:
        times = pd.RangeIndex(n, name="snapshot")
    else:
        times = pd.date_range(pd.Timestamp(start), periods=n, freq=freq, name="time")
    return OrderBook(times, bid_price, bid_size, ask_price, ask_size)


def read_order_book_csv(source, *, name: str | None = None) -> OrderBook:
    """Read order-book snapshots from a CSV with columns time, side, level, price, size.

    ``side`` is ``bid``/``ask`` (``b``/``a``, ``buy``/``sell`` accepted), ``level`` a
    positive whole number (1 = best). Rows may come in any order. Refused with a
    :class:`DataError` naming the file, row, snapshot and level: missing columns,
    non-numbers, non-positive prices, negative sizes, a level given twice, a crossed
    book (best bid at or above best ask) and non-monotone books (bids must fall and asks
    rise with the level).
    """
    from .data import (  # house decoder
        MAX_UPLOAD_BYTES,
        _parse_numbers,
        _read_table,
        _refuse_cells,
        _required_cells,
    )

    if isinstance(source, str) and "\n" in source:  # CSV text: data._read_bytes would try it as a path first
        source = source.encode("utf-8")
        name = name or "the order-book file"
    doc, _header, frame, cols = _read_table(
        source,
        name,
        MAX_UPLOAD_BYTES,
        {
            "time": ("timestamp", "datetime", "snapshot"),
            "side": (),
            "level": ("depth",),
            "price": (),
            "size": ("qty", "quantity", "volume"),
        },
    )
    label = doc.name
    side = (
        frame[cols["side"]]
        .str.strip()
        .str.lower()
        .replace({"b": "bid", "buy": "bid", "a": "ask", "sell": "ask", "offer": "ask"})
    )
    side_col = cols["side"]
    bad_side = ~side.isin(["bid", "ask"])
    _refuse_cells(doc, frame[side_col], bad_side, side_col, "is not a side. Use bid or ask.", "bad_side")
    parsed = _parse_numbers(doc, frame, [cols[k] for k in ("level", "price", "size")])  # one format per file
    for key in ("level", "price", "size"):
        _required_cells(doc, parsed, cols[key])
    nums = {key: parsed[cols[key]] for key in ("level", "price", "size")}
    lvl = nums["level"]
    badl = (lvl < 1) | (lvl != np.round(lvl))
    if badl.any():
        row = badl.idxmax()
        raise DataError(
            f"{label}, row {row}: level {lvl[row]:g} must be a whole number of 1 or more (1 = best).",
            code="bad_level",
        )
    if (nums["price"] <= 0).any():
        row = (nums["price"] <= 0).idxmax()
        raise DataError(
            f"{label}, row {row}: price {nums['price'][row]:g} must be greater than zero.",
            code="not_positive",
        )
    if (nums["size"] < 0).any():
        row = (nums["size"] < 0).idxmax()
        raise DataError(
            f"{label}, row {row}: size {nums['size'][row]:g} must be zero or more.", code="not_positive"
        )
    raw_t = frame[cols["time"]]
    parsed, _order = formats.parse_dates(raw_t, label=label, column=cols["time"])  # never silently month first
    keys = parsed if not parsed.isna().any() else raw_t
    long = pd.DataFrame(
        {
            "time": keys.to_numpy(),
            "side": side.to_numpy(),
            "level": lvl.astype(int).to_numpy(),
            "price": nums["price"].to_numpy(),
            "size": nums["size"].to_numpy(),
            "row": frame.index.to_numpy(),
        }
    )
    dup = long.duplicated(["time", "side", "level"], keep="first")
    if dup.any():
        r = long[dup].iloc[0]
        raise DataError(
            f"{label}, row {r['row']}: snapshot {r['time']}, {r['side']} level {r['level']} appears twice. Keep one row per level.",
            code="duplicate_level",
        )
    times = pd.Index(pd.unique(long["time"]))
    times = times.sort_values()
    t_idx = times.get_indexer(long["time"])
    m = int(long["level"].max())
    n = len(times)
    arrays = {}
    for s in ("bid", "ask"):
        px = np.full((n, m), np.nan)
        sz = np.zeros((n, m))
        sel = (long["side"] == s).to_numpy()
        px[t_idx[sel], long["level"].to_numpy()[sel] - 1] = long["price"].to_numpy()[sel]
        sz[t_idx[sel], long["level"].to_numpy()[sel] - 1] = long["size"].to_numpy()[sel]
        if np.isnan(px[:, 0]).any():
            i = int(np.argmax(np.isnan(px[:, 0])))
            raise DataError(
                f"{label}: snapshot {times[i]} has no {s} level 1. Every snapshot needs a best bid and a best ask.",
                code="missing_level",
            )
        arrays[s] = (px, sz)
    for s, sign in (("bid", -1.0), ("ask", 1.0)):
        px, _ = arrays[s]
        # a gap in the levels: carry the last price forward (size 0, so it is never filled)
        filled = pd.DataFrame(px).ffill(axis=1).to_numpy()
        step = np.diff(filled, axis=1) * sign
        given = ~np.isnan(px[:, 1:])
        bad = (step <= 0) & given
        if bad.any():
            i, j = np.argwhere(bad)[0]
            word = "fall" if s == "bid" else "rise"
            raise DataError(
                f"{label}: snapshot {times[i]}, {s} level {j + 2} price {filled[i, j + 1]:g} does not {word} from "
                f"level {j + 1} ({filled[i, j]:g}). {s.capitalize()} prices must strictly {word} with the level: check the level numbers.",
                code="non_monotone_book",
            )
        arrays[s] = (filled, arrays[s][1])
    crossed = arrays["bid"][0][:, 0] >= arrays["ask"][0][:, 0]
    if crossed.any():
        i = int(np.argmax(crossed))
        raise DataError(
            f"{label}: snapshot {times[i]} is crossed at level 1: best bid {arrays['bid'][0][i, 0]:g} >= best ask "
            f"{arrays['ask'][0][i, 0]:g}. Remove that snapshot or fix the side of its level-1 rows.",
            code="crossed_book",
        )
    times = times.rename("time")
    return OrderBook(times, arrays["bid"][0], arrays["bid"][1], arrays["ask"][0], arrays["ask"][1])


def estimate_slippage(book: OrderBook, sizes, *, side: str = "buy") -> pd.DataFrame:
    """Slippage per share from walking the book, for every snapshot and trade size.

    For a buy of ``q`` shares against ask levels ``(p_j, s_j)`` the fill is
    ``cost(q) = sum_{j<k} p_j s_j + (q - Q_{k-1}) p_k`` with ``Q`` the cumulative depth
    and ``k`` the first level with ``Q_k >= q``; slippage is ``cost(q) / q - mid``
    (for a sell: ``mid - proceeds(q) / q``), so it includes the half spread. Sizes
    deeper than the book are NaN. Vectorised over snapshots and sizes with one
    ``searchsorted`` on the row-offset cumulative depth (Harris (2003), "Trading and
    Exchanges", ch. 14, for walking the book).

    Returns a DataFrame: snapshots x sizes (columns are the sizes, in shares).
    """
    if not isinstance(book, OrderBook):
        raise DataError(
            "estimate_slippage needs an OrderBook (from synthetic_order_book or read_order_book_csv).",
            code="bad_input",
        )
    s = _side(side)
    q = np.atleast_1d(np.asarray(sizes, dtype=float))
    if q.ndim != 1 or q.size == 0 or not np.all(np.isfinite(q)) or (q <= 0).any():
        raise DataError(
            "Trade sizes must be a non-empty list of positive numbers of shares.", code="not_positive"
        )
    px, sz = (book.ask_price, book.ask_size) if s == "buy" else (book.bid_price, book.bid_size)
    n, m = px.shape
    cum_q = np.cumsum(sz, axis=1)
    cum_c = np.cumsum(px * sz, axis=1)
    total = cum_q[:, -1]
    big = float(total.max() + q.max() + 1.0)
    offs = np.arange(n, dtype=float)[:, None] * big
    flat = (cum_q + offs).ravel()
    k = (
        np.searchsorted(flat, (q[None, :] + offs).ravel(), side="left").reshape(n, q.size)
        - np.arange(n)[:, None] * m
    )
    k = np.minimum(k, m - 1)
    rows = np.arange(n)[:, None]
    prev_q = np.where(k > 0, cum_q[rows, np.maximum(k - 1, 0)], 0.0)
    prev_c = np.where(k > 0, cum_c[rows, np.maximum(k - 1, 0)], 0.0)
    cost = prev_c + (q[None, :] - prev_q) * px[rows, k]
    avg = cost / q[None, :]
    mid = (book.bid_price[:, 0] + book.ask_price[:, 0]) / 2
    slip = avg - mid[:, None] if s == "buy" else mid[:, None] - avg
    slip[q[None, :] > total[:, None]] = np.nan
    out = pd.DataFrame(slip, index=book.times, columns=pd.Index(q, name="shares"))
    out.attrs["side"] = s
    return out


# =========================================================================== impact model
@dataclass(frozen=True)
class ImpactModel:
    """Temporary impact per share ``g_t(n) = c_t + b_t n + a_t n^2`` for each interval ``t``.

    ``half_spread`` (``c_t``, currency per share), ``linear`` (``b_t``, currency per
    share per share) and ``quadratic`` (``a_t``) are Series indexed by interval.
    ``model`` is ``"linear"`` (``a_t = 0``) or ``"quadratic"``. ``fit_quality`` has one
    row per interval (``r2_train``, ``r2_test``, ``rmse_test``, ``n_train``, ``n_test``)
    and ``r2_test``/``rmse_test`` pool the held-out snapshots of all intervals.
    """

    half_spread: pd.Series
    linear: pd.Series
    quadratic: pd.Series
    model: str = "linear"
    side: str = "buy"
    fit_quality: pd.DataFrame | None = None
    r2_train: float = float("nan")
    r2_test: float = float("nan")
    rmse_test: float = float("nan")
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n_intervals(self) -> int:
        return len(self.linear)

    @classmethod
    def from_coefficients(
        cls, half_spread=0.0, linear=None, quadratic=0.0, *, n_intervals: int = 1
    ) -> ImpactModel:
        """An impact model from given coefficients (scalars are repeated over ``n_intervals``).

        Every ``linear`` coefficient must be positive: a free interval would absorb the
        whole order.
        """
        if linear is None:
            raise DataError(
                "Give the linear impact coefficient b (currency per share per share).", code="missing_value"
            )
        n = None
        for v in (half_spread, linear, quadratic):
            if np.ndim(v) == 1:
                n = len(v)
        n = n or _count(n_intervals, "The number of intervals")
        c = _vector(half_spread, n, "The half spread")
        b = _vector(linear, n, "The linear impact coefficient", allow_zero=False)
        a = _vector(quadratic, n, "The quadratic impact coefficient")
        idx = pd.RangeIndex(1, n + 1, name="interval")
        model = "quadratic" if (a > 0).any() else "linear"
        return cls(
            pd.Series(c, idx, name="half_spread"),
            pd.Series(b, idx, name="linear"),
            pd.Series(a, idx, name="quadratic"),
            model=model,
        )

    def _coefficients(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        c, b, a = (s.to_numpy(dtype=float) for s in (self.half_spread, self.linear, self.quadratic))
        k = len(b)
        if n == k:
            return c, b, a
        pos = np.minimum((np.arange(n) + 0.5) * k / n, k - 1e-9).astype(
            int
        )  # interval i -> model interval by time
        return c[pos], b[pos], a[pos]

    def per_share(self, sizes) -> pd.DataFrame:
        """Fitted slippage per share: sizes x intervals (for the fitted-curve chart)."""
        q = np.asarray(sizes, dtype=float)
        c, b, a = (s.to_numpy(dtype=float) for s in (self.half_spread, self.linear, self.quadratic))
        vals = c[None, :] + b[None, :] * q[:, None] + a[None, :] * q[:, None] ** 2
        return pd.DataFrame(vals, index=pd.Index(q, name="shares"), columns=self.linear.index)


def fit_impact(
    slippage: pd.DataFrame,
    model: str = "linear",
    *,
    n_intervals: int | None = 13,
    holdout: float = 0.25,
    seed: int | None = 0,
) -> ImpactModel:
    """Fit ``g_t(n) = c_t + b_t n (+ a_t n^2)`` per interval to book slippage, honestly scored.

    Snapshots (rows of ``slippage``, in time order) are cut into ``n_intervals``
    consecutive intervals of equal count (``None``: one snapshot per interval is not
    allowed, so the default is 13 half-hour intervals of a 390-minute day). In each
    interval a seeded fraction ``holdout`` of the snapshots is held out; the
    coefficients are a non-negative least-squares fit (Lawson and Hanson (1974),
    "Solving Least Squares Problems", ch. 23) on the rest, so the cost ``n g_t(n)`` is
    convex. Out-of-sample quality is ``R^2 = 1 - SSE/SST`` and the RMSE on the held-out
    snapshots only. Sizes the book could not fill (NaN) are skipped.
    """
    if not isinstance(slippage, pd.DataFrame) or slippage.empty:
        raise DataError(
            "fit_impact needs the DataFrame from estimate_slippage (snapshots x sizes).", code="bad_input"
        )
    kind = str(model).lower()
    if kind not in ("linear", "quadratic"):
        raise DataError(
            f"Impact model {model!r} is not known. Use 'linear' or 'quadratic'.", code="bad_option"
        )
    if not 0 < float(holdout) < 1:
        raise DataError(f"The held-out fraction must be between 0 and 1; got {holdout!r}.", code="bad_value")
    q = np.asarray(slippage.columns, dtype=float)
    y_all = slippage.to_numpy(dtype=float)
    n_snap = y_all.shape[0]
    k = 13 if n_intervals is None else _count(n_intervals, "The number of intervals")
    per = n_snap // k
    if per < 2:
        raise DataError(
            f"{n_snap} snapshots are too few for {k} intervals: each interval needs at least 2 snapshots "
            f"(one to fit, one to test). Use at most {max(n_snap // 2, 1)} intervals or more snapshots.",
            code="too_few",
        )
    rng = np.random.default_rng(seed)
    groups = np.array_split(np.arange(n_snap), k)
    design = [np.ones_like(q), q] + ([q**2] if kind == "quadratic" else [])
    scale = np.array([1.0, q.max(), q.max() ** 2][: len(design)])
    X1 = np.column_stack(design) / scale
    coefs = np.zeros((k, 3))
    rows = []
    pooled_res, pooled_y, pooled_tr_res, pooled_tr_y = [], [], [], []
    for t, g in enumerate(groups):
        n_test = max(1, int(round(holdout * len(g))))
        perm = rng.permutation(len(g))
        test, train = g[perm[:n_test]], g[perm[n_test:]]
        if len(train) == 0:
            train, test = test, test
        y_tr = y_all[train]
        X_tr = np.tile(X1, (len(train), 1))
        ok = np.isfinite(y_tr.ravel())
        if ok.sum() < X1.shape[1]:
            raise DataError(
                f"Interval {t + 1}: too few fillable sizes to fit ({int(ok.sum())}). Use smaller trade sizes "
                "or a deeper book.",
                code="too_few",
            )
        beta, _ = _sopt.nnls(X_tr[ok], y_tr.ravel()[ok])
        beta = beta / scale
        coefs[t, : len(beta)] = beta
        fit = beta[0] + beta[1] * q + (beta[2] * q**2 if kind == "quadratic" else 0.0)
        res_te = (y_all[test] - fit[None, :]).ravel()
        y_te = y_all[test].ravel()
        res_tr = (y_tr - fit[None, :]).ravel()
        okt = np.isfinite(y_te)
        r2_te = (
            1 - np.sum(res_te[okt] ** 2) / max(np.sum((y_te[okt] - y_te[okt].mean()) ** 2), 1e-300)
            if okt.sum() > 1
            else np.nan
        )
        r2_tr = 1 - np.sum(res_tr[ok] ** 2) / max(
            np.sum((y_tr.ravel()[ok] - y_tr.ravel()[ok].mean()) ** 2), 1e-300
        )
        rows.append(
            (
                r2_tr,
                r2_te,
                float(np.sqrt(np.mean(res_te[okt] ** 2))) if okt.any() else np.nan,
                int(ok.sum()),
                int(okt.sum()),
            )
        )
        pooled_res.append(res_te[okt])
        pooled_y.append(y_te[okt])
        pooled_tr_res.append(res_tr[ok])
        pooled_tr_y.append(y_tr.ravel()[ok])
    notes = []
    floor = 1e-9 * max(float(np.nanmax(coefs[:, 1])), 1e-12)
    if (coefs[:, 1] <= 0).any():
        notes.append(
            "Some intervals fitted no linear impact; a small positive floor was used so no interval is free."
        )
        coefs[:, 1] = np.maximum(coefs[:, 1], floor)
    times = slippage.index
    labels = pd.Index([times[g[0]] for g in groups], name="interval_start")
    quality = pd.DataFrame(
        rows, index=labels, columns=["r2_train", "r2_test", "rmse_test", "n_train", "n_test"]
    )
    res, yy = np.concatenate(pooled_res), np.concatenate(pooled_y)
    rtr, ytr = np.concatenate(pooled_tr_res), np.concatenate(pooled_tr_y)
    r2_test = float(1 - np.sum(res**2) / np.sum((yy - yy.mean()) ** 2)) if yy.size > 1 else float("nan")
    r2_train = float(1 - np.sum(rtr**2) / np.sum((ytr - ytr.mean()) ** 2)) if ytr.size > 1 else float("nan")
    return ImpactModel(
        half_spread=pd.Series(coefs[:, 0], labels, name="half_spread"),
        linear=pd.Series(coefs[:, 1], labels, name="linear"),
        quadratic=pd.Series(coefs[:, 2], labels, name="quadratic"),
        model=kind,
        side=slippage.attrs.get("side", "buy"),
        fit_quality=quality,
        r2_train=r2_train,
        r2_test=r2_test,
        rmse_test=float(np.sqrt(np.mean(res**2))) if res.size else float("nan"),
        notes=tuple(notes),
    )


# =========================================================================== volume profile
def _rebin(shares: np.ndarray, n: int) -> np.ndarray:
    """Area-preserving re-binning of fractions onto ``n`` equal buckets."""
    edges = np.linspace(0, 1, len(shares) + 1)
    cum = np.concatenate([[0.0], np.cumsum(shares)])
    new = np.interp(np.linspace(0, 1, n + 1), edges, cum)
    return np.diff(new)


def intraday_volume_profile(
    n_intervals: int = 390,
    *,
    volumes: pd.DataFrame | pd.Series | None = None,
    close_auction: float = CLOSE_AUCTION_SHARE,
) -> pd.Series:
    """Expected fraction of the day's volume in each of ``n_intervals`` equal intervals.

    Default: the stylised U shape ``1 + 2 (2u - 1)^2`` over the continuous session
    (Jain and Joh (1988); Admati and Pfleiderer (1988): volume is highest near the open
    and the close), scaled to ``1 - close_auction``, with ``close_auction`` (default
    :data:`CLOSE_AUCTION_SHARE` = 9%, Bogousslavsky and Muravyev (2023)) added to the
    last interval, which contains the closing auction.

    ``volumes`` estimates the profile instead: a DataFrame of days x intraday buckets
    (in time order), or a Series of intraday bar volumes with a DatetimeIndex. Each day
    is scaled to sum to 1, the days are averaged and the result is re-binned onto
    ``n_intervals`` (area preserving). The fractions sum to 1.
    """
    n = _count(n_intervals, "The number of intervals")
    if volumes is None:
        ca = float(close_auction)
        if not 0 <= ca < 1:
            raise DataError(
                f"The closing-auction share must be in [0, 1); got {close_auction!r}.", code="bad_value"
            )
        w = _stylised_u((np.arange(n) + 0.5) / n)
        w = (1 - ca) * w / w.sum()
        w[-1] += ca
        return pd.Series(w, index=pd.RangeIndex(1, n + 1, name="interval"), name="volume_share")
    if isinstance(volumes, pd.Series):
        if not isinstance(volumes.index, pd.DatetimeIndex):
            raise DataError(
                "Intraday volumes as a Series need a DatetimeIndex (one bar per row).", code="bad_input"
            )
        day = volumes.index.normalize()
        tod = volumes.index - day
        table = pd.DataFrame({"day": day, "tod": tod, "v": volumes.to_numpy(dtype=float)}).pivot_table(
            index="day", columns="tod", values="v", aggfunc="sum"
        )
    elif isinstance(volumes, pd.DataFrame):
        table = volumes.astype(float)
    else:
        raise DataError(
            "volumes must be a DataFrame (days x intraday buckets) or a Series of intraday bars.",
            code="bad_input",
        )
    arr = table.to_numpy(dtype=float)
    if arr.size == 0:
        raise DataError("The intraday volume data is empty.", code="empty")
    if (arr < 0).any():
        i, j = np.argwhere(arr < 0)[0]
        raise DataError(
            f"Intraday volume on {table.index[i]} at {table.columns[j]} is negative. Volumes must be zero or more.",
            code="not_positive",
        )
    arr = np.nan_to_num(arr, nan=0.0)
    tot = arr.sum(axis=1)
    keep = tot > 0
    if not keep.any():
        raise DataError(
            "The intraday volume data has no day with volume. Upload bars with positive volumes.",
            code="empty",
        )
    prof = (arr[keep] / tot[keep, None]).mean(axis=0)
    w = _rebin(prof, n)
    return pd.Series(w / w.sum(), index=pd.RangeIndex(1, n + 1, name="interval"), name="volume_share")


# =========================================================================== schedules
@dataclass(frozen=True)
class Schedule:
    """Child orders of one parent order and their expected cost and risk.

    ``trades``: whole shares per interval (round lots; an odd lot at most once), summing
    exactly to the parent, indexed by the interval's end time (``times[1:]``; Almgren and
    Chriss's ``n_k`` is traded over ``(t_{k-1}, t_k]``). ``holdings``: shares still to
    execute at each of the ``N + 1`` time nodes (``S`` down to 0). ``expected_cost`` and
    ``variance`` are for the whole-share trades (currency and currency^2);
    ``costs`` breaks the cost down (spread, temporary, permanent, expected_cost,
    timing_risk = sqrt(variance), variance). ``exact_trades``/``exact_cost`` are the
    continuous solution before rounding; ``twap_cost`` is TWAP's expected cost under
    the same model. ``volumes`` is the expected market volume per interval, when known.
    """

    trades: pd.Series
    holdings: pd.Series
    expected_cost: float
    variance: float
    solver: str
    side: str
    strategy: str
    costs: pd.Series
    exact_trades: pd.Series
    exact_cost: float
    twap_cost: float
    volumes: pd.Series | None = None
    risk_aversion: float = 0.0
    solve_seconds: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def total_shares(self) -> int:
        return int(self.trades.sum())

    @property
    def start(self):
        return self.holdings.index[0]

    @property
    def end(self):
        return self.holdings.index[-1]

    @property
    def timing_risk(self) -> float:
        return float(np.sqrt(max(self.variance, 0.0)))

    @property
    def saving_vs_twap(self) -> float:
        """TWAP's expected cost minus this schedule's (positive = cheaper than TWAP)."""
        return float(self.twap_cost - self.expected_cost)

    @property
    def participation(self) -> pd.Series | None:
        """Child shares / expected market volume per interval (None without volumes)."""
        if self.volumes is None:
            return None
        v = self.volumes.to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(
                v > 0,
                self.trades.to_numpy(dtype=float) / v,
                np.where(self.trades.to_numpy() > 0, np.inf, 0.0),
            )
        return pd.Series(p, index=self.trades.index, name="participation")

    def to_frame(self) -> pd.DataFrame:
        """Child-order table for display and CSV export, one row per interval."""
        idx = self.holdings.index
        out = pd.DataFrame(
            {
                "interval": np.arange(1, len(self.trades) + 1),
                "start": idx[:-1],
                "end": idx[1:],
                "side": self.side,
                "shares": self.trades.to_numpy(),
                "cumulative": np.cumsum(self.trades.to_numpy()),
                "remaining": self.holdings.to_numpy()[1:],
            }
        )
        if self.volumes is not None:
            out["expected_volume"] = self.volumes.to_numpy()
            out["participation"] = self.participation.to_numpy()
        return out


@dataclass
class _Model:
    """Everything needed to cost a schedule of ``n`` intervals."""

    c: np.ndarray
    b: np.ndarray
    a: np.ndarray
    gamma: float
    sigma2tau: float  # sigma^2 * tau, per interval


def _model(n: int, impact: ImpactModel | None, permanent: float, sigma: float, tau: float = 1.0) -> _Model:
    if impact is None:
        z = np.zeros(n)
        return _Model(z, z, z, float(permanent), float(sigma) ** 2 * tau)
    if not isinstance(impact, ImpactModel):
        raise DataError(
            "impact must be an ImpactModel (from fit_impact or ImpactModel.from_coefficients).",
            code="bad_input",
        )
    c, b, a = impact._coefficients(n)
    return _Model(c, b, a, float(permanent), float(sigma) ** 2 * tau)


def _cost_model(n: int, impact: ImpactModel | None, permanent, sigma) -> _Model:
    """:func:`_model` after checking the permanent impact and the volatility given by the user."""
    return _model(
        n,
        impact,
        _positive(permanent, "The permanent impact", allow_zero=True),
        _positive(sigma, "The volatility", allow_zero=True),
    )


def _breakdown(x: np.ndarray, total: float, m: _Model) -> np.ndarray:
    """Spread, temporary, permanent, E, timing risk, V for trades ``x`` (may be 2-D: rows = schedules)."""
    x = np.atleast_2d(x)
    spread = x @ m.c
    temp = (x**2) @ m.b + (x**3) @ m.a
    perm = 0.5 * m.gamma * (total**2 - np.sum(x**2, axis=1))
    hold = total - np.cumsum(x, axis=1)
    var = m.sigma2tau * np.sum(hold**2, axis=1)
    e = spread + temp + perm
    return np.stack([spread, temp, perm, e, np.sqrt(np.maximum(var, 0.0)), var], axis=1)


def _times(n: int, start, interval, horizon: float | None = None) -> pd.Index:
    if start is None:
        if horizon is not None:
            return pd.Index(np.linspace(0.0, horizon, n + 1), name="t")
        return pd.RangeIndex(0, n + 1, name="interval")
    try:
        return pd.date_range(pd.Timestamp(start), periods=n + 1, freq=pd.Timedelta(interval), name="time")
    except (ValueError, TypeError) as err:
        raise DataError(
            f"Start {start!r} / interval {interval!r} are not a time and a duration ({err}). Use e.g. '2024-01-02 09:30' and '1min'.",
            code="bad_time",
        ) from None


def _round_lots(x: np.ndarray, total: int, lot: int, caps: np.ndarray | None) -> tuple[np.ndarray, list[str]]:
    """Whole shares in round lots summing exactly to ``total`` (largest-remainder rounding).

    At most one odd lot (``total % lot``): it joins the last child order with room (the
    child that completes the parent), or the last interval with room when that one has none.
    Caps are respected; if round lots cannot fit under the caps, whole shares are used.
    """
    notes: list[str] = []
    n = len(x)
    cap_sh = np.full(n, np.inf) if caps is None else np.floor(caps + 1e-9)
    for lot_try in [lot, 1] if lot > 1 else [1]:
        n_lots, odd = divmod(total, lot_try)
        q = np.maximum(x, 0.0) / lot_try
        cap_l = np.floor(cap_sh / lot_try + 1e-9)
        f = np.minimum(np.floor(q + 1e-9), cap_l)
        deficit = int(n_lots - f.sum())
        if deficit > 0 and np.sum(cap_l - f) < deficit:
            continue
        if deficit > 0:  # largest remainders get one more lot each
            room = f < cap_l
            order = np.argsort(-np.where(room, q - f, -np.inf), kind="stable")[
                : min(deficit, int(room.sum()))
            ]
            f[order] += 1
            deficit -= len(order)
        if deficit > 0:  # caps truncated some intervals: fill the rest where there is room, largest first
            left = cap_l - f
            order = np.argsort(-left, kind="stable")
            cum = np.cumsum(left[order])
            k = int(np.searchsorted(cum, deficit))
            f[order[:k]] += left[order[:k]]
            f[order[k]] += deficit - (cum[k - 1] if k > 0 else 0)
            deficit = 0
        if deficit < 0:  # cannot happen with exact inputs; guard against fp
            order = np.argsort(q - f, kind="stable")
            order = order[f[order] > 0][:-deficit]
            f[order] -= 1
        shares = f * lot_try
        if odd:
            room = cap_sh - shares >= odd
            if not room.any():
                continue
            live = room & (shares > 0)
            j = int(np.flatnonzero(live if live.any() else room)[-1])
            shares[j] += odd
        if lot_try != lot:
            notes.append(
                f"Round lots of {lot} did not fit under the participation caps; child orders use whole shares."
            )
        return shares.astype(np.int64), notes
    raise InfeasibleError(
        "The order cannot be split into whole shares under the caps. Raise the participation cap.",
        code="infeasible",
    )


def _finish(
    exact: np.ndarray,
    total: int,
    m: _Model,
    *,
    side: str,
    strategy: str,
    solver: str,
    times: pd.Index,
    lot_size: int,
    caps: np.ndarray | None = None,
    volumes: np.ndarray | None = None,
    risk_aversion: float = 0.0,
    solve_seconds: float = 0.0,
    notes: Iterable[str] = (),
) -> Schedule:
    n = len(exact)
    trades, rnotes = _round_lots(exact, total, lot_size, caps)
    twap_x = np.full(n, total / n)
    br = _breakdown(np.vstack([trades.astype(float), exact, twap_x]), float(total), m)
    idx = times[1:]
    costs = pd.Series(
        np.append(br[0], br[0, 3] + risk_aversion * br[0, 5]),
        index=_COST_ROWS + ["risk_adjusted"],
        name=strategy,
    )
    hold = np.concatenate([[total], total - np.cumsum(trades)])
    return Schedule(
        trades=pd.Series(trades, index=idx, name="shares"),
        holdings=pd.Series(hold, index=times, name="holdings"),
        expected_cost=float(br[0, 3]),
        variance=float(br[0, 5]),
        solver=solver,
        side=side,
        strategy=strategy,
        costs=costs,
        exact_trades=pd.Series(exact, index=idx, name="shares"),
        exact_cost=float(br[1, 3]),
        twap_cost=float(br[2, 3]),
        volumes=None if volumes is None else pd.Series(volumes, index=idx, name="volume"),
        risk_aversion=float(risk_aversion),
        solve_seconds=float(solve_seconds),
        notes=tuple(notes) + tuple(rnotes),
    )


def _closed_form(
    strategy: str,
    exact: np.ndarray,
    total: int,
    m: _Model,
    side: str,
    start,
    interval,
    lot_size,
    *,
    caps: np.ndarray | None = None,
    volumes: np.ndarray | None = None,
) -> Schedule:
    """:func:`_finish` for a closed-form schedule, checking the side and lot size given by the user."""
    return _finish(
        exact,
        total,
        m,
        side=_side(side),
        strategy=strategy,
        solver="closed_form",
        times=_times(len(exact), start, interval),
        lot_size=_count(lot_size, "The lot size"),
        caps=caps,
        volumes=volumes,
    )


def _recost_ac(
    ac: Schedule, total: int, m: _Model, *, side: str, times: pd.Index, lot_size, volumes
) -> Schedule:
    """The Almgren-Chriss trajectory ``ac`` costed under the fuller model ``m`` (the fitted impact)."""
    return _finish(
        ac.exact_trades.to_numpy(),
        total,
        m,
        side=side,
        strategy="almgren_chriss",
        solver="closed_form",
        times=times,
        lot_size=lot_size,
        volumes=volumes,
        risk_aversion=ac.risk_aversion,
        notes=ac.notes,
    )


def _caps(n: int, max_participation, volumes, no_trade) -> tuple[np.ndarray | None, np.ndarray | None]:
    vol = None if volumes is None else _vector(volumes, n, "Expected volumes")
    caps = None
    if max_participation is not None:
        p = _positive(max_participation, "The participation cap")
        if p > 1:
            raise DataError(
                f"The participation cap is a fraction of market volume (0-1]; got {p:g}. For 20% enter 0.2.",
                code="bad_value",
            )
        if vol is None:
            raise DataError(
                "A participation cap needs the expected market volume per interval: pass volumes= "
                "(for example intraday_volume_profile(n) * daily volume).",
                code="missing_value",
            )
        caps = p * vol
    mask = _no_trade_mask(n, no_trade)
    if mask is not None:
        caps = np.where(mask, 0.0, np.inf if caps is None else caps)
    return caps, vol


def _no_trade_mask(n: int, no_trade) -> np.ndarray | None:
    """``no_trade`` (0-based interval indices or a boolean mask of ``n``) as a boolean mask; None for None."""
    if no_trade is None:
        return None
    mask = np.zeros(n, dtype=bool)
    arr = np.asarray(list(no_trade) if not isinstance(no_trade, np.ndarray) else no_trade)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise DataError(
                f"The no-trade mask has {arr.size} values; the schedule has {n} intervals.",
                code="bad_length",
            )
        mask = arr.copy()
    elif arr.size:
        ii = arr.astype(int)
        if (ii < 0).any() or (ii >= n).any():
            raise DataError(
                f"No-trade intervals must be between 0 and {n - 1} (0-based); got {arr.tolist()}.",
                code="bad_value",
            )
        mask[ii] = True
    return mask


#: Display names of the strategies that cannot take no-trade windows.
_IGNORES_NO_TRADE = {"twap": "TWAP", "vwap": "VWAP", "pov": "POV", "almgren_chriss": "Almgren-Chriss"}


def _spans(index: pd.Index, mask: np.ndarray) -> list[str]:
    """Contiguous runs of ``mask`` over intervals whose ``N + 1`` nodes are ``index``, as 'HH:MM-HH:MM'."""
    runs, i, n = [], 0, len(mask)
    while i < n:
        if not mask[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and mask[j + 1]:
            j += 1
        a, b = index[i], index[j + 1]
        runs.append(f"{a:%H:%M}-{b:%H:%M}" if hasattr(a, "strftime") else f"intervals {i + 1}-{j + 1}")
        i = j + 1
    return runs


def _note_ignored_no_trade(s: Schedule, mask: np.ndarray | None) -> Schedule:
    """``s`` (a strategy that cannot skip intervals) with a note saying what it trades in the no-trade ones."""
    if mask is None or not mask.any():
        return s
    from dataclasses import replace

    inside = int(s.trades.to_numpy()[mask].sum())
    where = ", ".join(_spans(s.holdings.index, mask))
    name = _IGNORES_NO_TRADE.get(s.strategy, s.strategy)
    what = f"it trades {inside:,} shares in them" if inside else "it happens to trade nothing in them"
    note = (
        f"{name} does not take no-trade windows: {what} ({where}). Only the impact-optimal schedule "
        "skips them."
    )
    return replace(s, notes=tuple(s.notes) + (note,))


def _check_capacity(
    total: int, caps: np.ndarray | None, n: int, max_participation, lot: int, interval
) -> None:
    if caps is None:
        return
    cap_total = float(np.sum(np.floor(caps + 1e-9)))  # whole shares
    if total <= cap_total:
        return
    largest = int(cap_total)
    open_n = int(np.sum(caps > 0))
    per = cap_total / max(open_n, 1)
    need = n + (math.ceil((total - cap_total) / per) if per > 0 else float("inf"))
    how = []
    if max_participation is not None:
        how.append(f"at {float(max_participation):.1%} participation of the expected volume")
    if open_n < n:
        how.append(f"with {n - open_n} no-trade intervals")
    dur = ""
    if per > 0 and interval is not None:
        try:
            dur = f" (about {pd.Timedelta(interval) * need})"
        except (ValueError, TypeError):
            dur = ""
    horizon = (
        f"about {need} intervals{dur} at the same volumes" if per > 0 else "a horizon with tradable intervals"
    )
    raise InfeasibleError(
        f"The order of {total:,} shares is larger than the caps allow: {' and '.join(how) or 'under the caps'} over "
        f"{n} intervals the largest executable size is {largest:,} shares. Reduce the order to {largest:,} shares, "
        f"raise the participation cap, or extend the horizon to {horizon}.",
        code="order_too_large",
        details={"largest_executable": largest, "intervals_needed": need},
    )


# ---------------------------------------------------------------- water-filling
def _marginal_at(x, c, b, a):
    return c + 2 * b * x + 3 * a * x**2


def _fill(nu: float, c, b, a, caps) -> np.ndarray:
    d = np.maximum(nu - c, 0.0)
    r = 2 * d / (2 * b + np.sqrt(4 * b * b + 12 * a * d))
    return np.minimum(r, caps)


def _water_fill(total: float, c: np.ndarray, b: np.ndarray, a: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """Minimise ``sum_t c_t x_t + b_t x_t^2 + a_t x_t^3`` s.t. ``sum x = total``, ``0 <= x <= caps``.

    KKT: every interval trades where its marginal cost ``c + 2 b x + 3 a x^2`` equals a
    common level ``nu`` (clipped to ``[0, cap]``), the water-filling solution of a
    separable convex resource allocation problem (Boyd and Vandenberghe (2004),
    "Convex Optimization", example 5.2; Patriksson (2008), "A survey on the continuous
    nonlinear resource allocation problem", EJOR 185). ``x_t(nu)`` is piecewise smooth
    with breakpoints at ``c_t`` and at the marginal cost at the cap: when ``a = 0`` the
    sum is piecewise linear and ``nu`` is found exactly from the sorted breakpoints;
    otherwise a bisection over breakpoints brackets ``nu`` and Newton's method (monotone
    from the left on this concave piece) finishes it.
    """
    lo = c
    hi = np.where(np.isfinite(caps), _marginal_at(np.where(np.isfinite(caps), caps, 0.0), c, b, a), np.inf)
    if not (a > 0).any():
        # exact: F(nu) = sum clip((nu - c)/(2b), 0, cap) is piecewise linear
        w = 1.0 / (2 * b)
        pts = np.concatenate([lo, hi])
        slope = np.concatenate([w, -w])
        fin = np.isfinite(pts)
        pts, slope = pts[fin], slope[fin]
        order = np.argsort(pts, kind="stable")
        pts, slope = pts[order], slope[order]
        cum_slope = np.cumsum(slope)
        vals = np.concatenate([[0.0], np.cumsum(cum_slope[:-1] * np.diff(pts))])
        j = int(np.searchsorted(vals, total, side="right")) - 1
        j = max(j, 0)
        s = cum_slope[j]
        nu = pts[j] + (total - vals[j]) / s if s > 0 else pts[j]
        return _fill(nu, c, b, a, caps)
    pts = np.unique(np.concatenate([lo, hi[np.isfinite(hi)]]))
    i_lo, i_hi = 0, len(pts) - 1
    if _fill(pts[-1], c, b, a, caps).sum() <= total:
        i_lo = i_hi
    else:
        while i_hi - i_lo > 1:
            mid = (i_lo + i_hi) // 2
            if _fill(pts[mid], c, b, a, caps).sum() <= total:
                i_lo = mid
            else:
                i_hi = mid
    nu = pts[i_lo]
    right = pts[i_hi] if i_hi > i_lo else np.inf
    for _ in range(100):
        x = _fill(nu, c, b, a, caps)
        g = x.sum() - total
        if g >= -1e-13 * total:
            break
        act = (nu >= c) & (x < caps)  # right derivative: intervals about to start trading count
        d = np.maximum(nu - c[act], 0.0)
        deriv = np.sum(1.0 / np.sqrt(4 * b[act] ** 2 + 12 * a[act] * d))
        if deriv <= 0:
            break
        step = -g / deriv
        new = min(nu + step, right)
        if new <= nu:
            break
        nu = new
    x = _fill(nu, c, b, a, caps)
    if abs(x.sum() - total) > 1e-9 * total:  # safeguard: bracketed root finding on the same segment
        top = right if np.isfinite(right) else max(nu, pts[i_lo]) * 2 + 1.0
        while np.isinf(right) and _fill(top, c, b, a, caps).sum() < total:
            top *= 2
        nu = _sopt.brentq(
            lambda v: _fill(v, c, b, a, caps).sum() - total, pts[i_lo], top, xtol=1e-15, rtol=1e-15
        )
        x = _fill(nu, c, b, a, caps)
    return x


def _solve_cvxpy(total, c, b, a, caps) -> tuple[np.ndarray, str, list[str]]:
    import cvxpy as cp

    n = len(c)
    y = cp.Variable(n, nonneg=True)
    s = float(total)
    scale = float(np.sum(c * s / n + b * (s / n) ** 2 + a * (s / n) ** 3)) or 1.0
    obj = (c * s / scale) @ y + cp.sum(cp.multiply(b * s * s / scale, cp.square(y)))
    if (a > 0).any():
        obj = obj + cp.sum(cp.multiply(a * s**3 / scale, cp.power(y, 3)))
    cons = [cp.sum(y) == 1]
    if caps is not None and np.isfinite(caps).any():
        ub = np.where(np.isfinite(caps), caps / s, 1.0)
        cons.append(y <= ub)
    prob = cp.Problem(cp.Minimize(obj), cons)
    tried = []
    chain = ["CLARABEL", "SCS"] if (a > 0).any() else ["CLARABEL", "OSQP", "SCS"]
    for name in chain:
        try:
            kw = (
                {"eps_abs": 1e-10, "eps_rel": 1e-10, "max_iter": 200_000, "polishing": True}
                if name == "OSQP"
                else {}
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "may be inaccurate": reported in notes instead
                prob.solve(solver=name, **kw)
        except Exception as err:  # noqa: BLE001 - each solver's failure is reported
            tried.append(f"{name}: {type(err).__name__}: {err}")
            continue
        if prob.status in ("optimal", "optimal_inaccurate") and y.value is not None:
            notes = [f"Solver {name} answered after: {'; '.join(tried)}."] if tried else []
            if prob.status == "optimal_inaccurate":
                notes.append(
                    f"{name} reported a possibly inaccurate solution; check it against solver='analytical'."
                )
            return np.clip(np.asarray(y.value, dtype=float), 0.0, None) * s, name, notes
        tried.append(f"{name}: status {prob.status}")
    raise SolverError(
        "Every cvxpy solver failed on the schedule: " + "; ".join(tried) + ". Try solver='analytical'.",
        code="solver_error",
    )


def _solve_scipy(total, c, b, a, caps) -> tuple[np.ndarray, str, list[str]]:
    """Augmented Lagrangian on ``sum y = 1`` with L-BFGS-B for the bounds, on fractions ``y = x / S``.

    Variables are rescaled to fractions of the order and the objective to TWAP = 1:
    unscaled shares (millions) make scipy's minimisers stop at wrong optima
    (FIELD-NOTES). The bound-constrained augmented-Lagrangian method follows Nocedal and
    Wright (2006), "Numerical Optimization", 2nd ed., section 17.4; L-BFGS-B is Byrd, Lu,
    Nocedal and Zhu (1995). SLSQP also works but needs minutes on 390 intervals.
    """
    n = len(c)
    s = float(total)
    cs, bs, as_ = c * s, b * s * s, a * s**3
    scale = float(np.sum(cs / n + bs / n**2 + as_ / n**3)) or 1.0
    cs, bs, as_ = cs / scale, bs / scale, as_ / scale
    ub = np.ones(n) if caps is None else np.minimum(np.where(np.isfinite(caps), caps / s, 1.0), 1.0)
    bounds = _sopt.Bounds(np.zeros(n), ub)
    y = np.minimum(np.full(n, 1.0 / n), ub)
    mu, rho = 0.0, 10.0
    for outer in range(60):

        def fun(y, mu=mu, rho=rho):
            h = y.sum() - 1.0
            val = cs @ y + bs @ (y * y) + as_ @ (y * y * y) + mu * h + 0.5 * rho * h * h
            grad = cs + 2 * bs * y + 3 * as_ * y * y + (mu + rho * h)
            return float(val), grad

        res = _sopt.minimize(
            fun,
            y,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": 20_000, "ftol": 1e-16, "gtol": 1e-13, "maxcor": 20},
        )
        y = res.x
        h = y.sum() - 1.0
        if abs(h) < 1e-13 and outer > 0:
            break
        mu += rho * h
        rho = min(rho * 10, 1e10)
    else:
        raise SolverError(
            f"scipy L-BFGS-B (augmented Lagrangian) did not reach sum = 1 (off by {h:.2e}). Try solver='analytical'.",
            code="solver_error",
        )
    y = np.clip(y, 0.0, ub)
    return y * s / y.sum(), "L-BFGS-B", []


def optimal_schedule(
    impact: ImpactModel,
    total_shares,
    n_intervals: int | None = None,
    *,
    solver: str = "analytical",
    max_participation: float | None = None,
    volumes=None,
    no_trade=None,
    side: str = "buy",
    permanent: float = 0.0,
    sigma: float = 0.0,
    start=None,
    interval="1min",
    lot_size: int = 100,
) -> Schedule:
    """Impact-optimal schedule: minimise expected cost under participation caps.

    .. math:: \\min_x \\sum_t x_t g_t(x_t) - \\tfrac{\\gamma}{2} \\sum_t x_t^2
              \\quad \\text{s.t.} \\quad \\sum_t x_t = S,\\; 0 \\le x_t \\le p V_t,

    with ``g_t(x) = c_t + b_t x + a_t x^2`` from ``impact`` (mapped onto ``n_intervals``
    by time), ``p = max_participation``, ``V_t`` the expected market ``volumes`` and
    ``x_t = 0`` in ``no_trade`` intervals (0-based indices or a boolean mask). The
    permanent-impact term makes the objective the full Almgren-Chriss expected cost
    (section 1.5 of Almgren and Chriss (2000)); with constant coefficients and no caps
    the optimum is TWAP. ``solver``: ``"analytical"`` (exact water-filling on the
    marginal cost, see :func:`_water_fill`), ``"cvxpy"`` (Clarabel -> OSQP -> SCS) or
    ``"scipy"`` (SLSQP on rescaled variables). ``sigma`` (price volatility per interval,
    currency per share) gives the timing risk. Raises :class:`InfeasibleError` with the
    largest executable size and the horizon needed when the caps are too tight.
    """
    if not isinstance(impact, ImpactModel):
        raise DataError(
            "optimal_schedule needs an ImpactModel (from fit_impact or ImpactModel.from_coefficients).",
            code="bad_input",
        )
    total = _shares(total_shares)
    n = impact.n_intervals if n_intervals is None else _count(n_intervals, "The number of intervals")
    method = str(solver).lower()
    if method not in SOLVERS:
        raise DataError(
            f"Solver {solver!r} is not known. Use one of {', '.join(SOLVERS)}.", code="bad_option"
        )
    s = _side(side)
    lot = _count(lot_size, "The lot size")
    m = _cost_model(n, impact, permanent, sigma)
    gamma = m.gamma
    b_eff = m.b - gamma / 2
    if (b_eff <= 0).any():
        i = int(np.argmax(b_eff <= 0))
        raise DataError(
            f"Interval {i + 1}: the linear impact {m.b[i]:.3g} must exceed half the permanent impact "
            f"({gamma / 2:.3g}); otherwise trading everything at once looks free. Lower the permanent impact.",
            code="bad_value",
        )
    caps, vol = _caps(n, max_participation, volumes, no_trade)
    _check_capacity(total, caps, n, max_participation, lot, interval if start is not None else None)
    t0 = time.perf_counter()
    notes: list[str] = []
    caps_arr = np.full(n, np.inf) if caps is None else caps
    if method == "analytical":
        x = _water_fill(float(total), m.c, b_eff, m.a, caps_arr)
        name = "water_filling"
    elif method == "cvxpy":
        x, name, notes = _solve_cvxpy(total, m.c, b_eff, m.a, caps)
    else:
        x, name, notes = _solve_scipy(total, m.c, b_eff, m.a, caps)
    secs = time.perf_counter() - t0
    return _finish(
        x,
        total,
        m,
        side=s,
        strategy="optimal",
        solver=name,
        times=_times(n, start, interval),
        lot_size=lot,
        caps=caps,
        volumes=vol,
        solve_seconds=secs,
        notes=notes,
    )


def twap(
    total_shares,
    n_intervals: int,
    *,
    side: str = "buy",
    impact: ImpactModel | None = None,
    permanent: float = 0.0,
    sigma: float = 0.0,
    volumes=None,
    start=None,
    interval="1min",
    lot_size: int = 100,
) -> Schedule:
    """Time-weighted average price: ``n_k = S / N`` in every interval (then round lots).

    The minimum-impact strategy of Almgren and Chriss (2000), section 2.2 (``lambda = 0``
    with constant linear impact). Costs use ``impact``/``permanent``/``sigma`` as in
    :func:`optimal_schedule`.
    """
    total = _shares(total_shares)
    n = _count(n_intervals, "The number of intervals")
    m = _cost_model(n, impact, permanent, sigma)
    vol = None if volumes is None else _vector(volumes, n, "Expected volumes")
    return _closed_form("twap", np.full(n, total / n), total, m, side, start, interval, lot_size, volumes=vol)


def vwap(
    total_shares,
    n_intervals: int,
    *,
    profile=None,
    daily_volume: float | None = None,
    side: str = "buy",
    impact: ImpactModel | None = None,
    permanent: float = 0.0,
    sigma: float = 0.0,
    start=None,
    interval="1min",
    lot_size: int = 100,
) -> Schedule:
    """Volume-weighted schedule: ``n_k = S * w_k`` for the volume profile ``w``.

    ``profile``: fractions per interval (any positive weights, normalised), for example
    from :func:`intraday_volume_profile` estimated on uploaded bars; default the U
    shape with the closing auction in the last interval. With ``daily_volume`` the
    schedule carries expected volumes ``daily_volume * w`` (for participation).
    """
    total = _shares(total_shares)
    n = _count(n_intervals, "The number of intervals")
    w = (
        intraday_volume_profile(n).to_numpy()
        if profile is None
        else _vector(profile, n, "The volume profile")
    )
    if w.sum() <= 0:
        raise DataError(
            "The volume profile has no positive weight. Give positive expected volumes.", code="bad_value"
        )
    w = w / w.sum()
    m = _cost_model(n, impact, permanent, sigma)
    vol = None if daily_volume is None else _positive(daily_volume, "The daily volume") * w
    return _closed_form("vwap", total * w, total, m, side, start, interval, lot_size, volumes=vol)


def pov(
    total_shares,
    participation: float,
    volumes,
    *,
    side: str = "buy",
    impact: ImpactModel | None = None,
    permanent: float = 0.0,
    sigma: float = 0.0,
    start=None,
    interval="1min",
    lot_size: int = 100,
) -> Schedule:
    """Percentage of volume: trade ``rate * V_t`` each interval until the order is done.

    ``volumes``: expected market volume per interval (its length sets the horizon).
    Raises :class:`InfeasibleError` with the largest executable size and the horizon
    needed when ``rate * sum V_t < S``.
    """
    total = _shares(total_shares)
    rate = _positive(participation, "The participation rate")
    if rate > 1:
        raise DataError(
            f"The participation rate is a fraction of market volume (0-1]; got {rate:g}. For 10% enter 0.1.",
            code="bad_value",
        )
    vol = np.asarray(volumes.to_numpy() if isinstance(volumes, pd.Series) else volumes, dtype=float)
    n = vol.size
    if n == 0:
        raise DataError("POV needs the expected market volume per interval.", code="missing_value")
    vol = _vector(vol, n, "Expected volumes")
    caps = rate * vol
    _check_capacity(total, caps, n, rate, 1, interval if start is not None else None)
    cum = np.minimum(np.cumsum(caps), total)
    x = np.diff(np.concatenate([[0.0], cum]))
    m = _cost_model(n, impact, permanent, sigma)
    return _closed_form(
        "pov", x, total, m, side, start, interval, lot_size, caps=caps + 1e-9 * total, volumes=vol
    )


# =========================================================================== Almgren-Chriss
@dataclass(frozen=True)
class AlmgrenChrissParameters:
    """Inputs of the Almgren-Chriss model in the paper's units (time unit: one day).

    ``sigma``: price volatility (currency/share/day^0.5); ``eta``: temporary impact
    (currency/share per share/day); ``gamma``: permanent impact (currency/share per
    share); ``epsilon``: fixed cost per share (half the spread).
    """

    sigma: float
    eta: float
    gamma: float
    epsilon: float


def almgren_chriss_parameters(
    price: float,
    daily_volume: float,
    annual_volatility: float,
    *,
    spread: float | None = None,
    spread_bps: float = 10.0,
    periods_per_year: int = 252,
) -> AlmgrenChrissParameters:
    """Rules of thumb of Almgren and Chriss (2000), section 1.5 (Table 1).

    ``sigma = annual_volatility * price / sqrt(periods_per_year)``; ``epsilon`` = half
    the spread; temporary impact ``eta = spread / (1% of daily volume)`` (trading 1% of
    the day's volume costs one spread); permanent ``gamma = spread / (10% of daily
    volume)`` (10% of the day's volume moves the price by one spread). ``spread`` in
    currency, else ``spread_bps`` of the price. The paper uses 250 trading days.
    """
    p = _positive(price, "The price")
    v = _positive(daily_volume, "The daily volume")
    vol = _positive(annual_volatility, "The annual volatility")
    spr = (
        p * _positive(spread_bps, "The spread (bps)") / 1e4
        if spread is None
        else _positive(spread, "The spread")
    )
    return AlmgrenChrissParameters(
        sigma=vol * p / math.sqrt(periods_per_year),
        eta=spr / (0.01 * v),
        gamma=spr / (0.1 * v),
        epsilon=spr / 2,
    )


def _ac_kappa(risk_aversion: np.ndarray, sigma: float, eta_tilde: float, tau: float) -> np.ndarray:
    """``kappa`` from ``2 (cosh(kappa tau) - 1) / tau^2 = lambda sigma^2 / eta_tilde`` (AC 2000, eq. in 2.2)."""
    kt2 = risk_aversion * sigma**2 / eta_tilde
    return np.arccosh(1.0 + 0.5 * kt2 * tau**2) / tau


def _ac_holdings(kappa: np.ndarray, t: np.ndarray, horizon: float) -> np.ndarray:
    """``x_j / X = sinh(kappa (T - t_j)) / sinh(kappa T)``, overflow-safe; kappa = 0 gives TWAP."""
    k = np.atleast_1d(kappa)[:, None]
    tt = t[None, :]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        ratio = np.exp(-k * tt) * (-np.expm1(-2 * k * (horizon - tt))) / (-np.expm1(-2 * k * horizon))
    lin = 1 - tt / horizon
    return np.where(k * horizon < 1e-8, np.broadcast_to(lin, ratio.shape), ratio)


def _ac_check(shares, horizon, n_intervals, sigma, eta, gamma, epsilon):
    total = _shares(shares)
    T = _positive(horizon, "The horizon")
    n = _count(n_intervals, "The number of intervals")
    sig = _positive(sigma, "The volatility sigma", allow_zero=True)
    et = _positive(eta, "The temporary impact eta")
    ga = _positive(gamma, "The permanent impact gamma", allow_zero=True)
    ep = _positive(epsilon, "The fixed cost epsilon", allow_zero=True)
    tau = T / n
    eta_tilde = et - 0.5 * ga * tau
    if eta_tilde <= 0:
        raise DataError(
            f"eta - gamma * tau / 2 = {eta_tilde:.3g} must be positive (Almgren and Chriss's eta-tilde); with "
            f"tau = {tau:g} the permanent impact is too large. Use more intervals or check eta and gamma.",
            code="bad_value",
        )
    return total, T, n, sig, et, ga, ep, tau, eta_tilde


def almgren_chriss(
    shares,
    horizon: float,
    n_intervals: int,
    sigma: float,
    eta: float,
    gamma: float,
    epsilon: float,
    risk_aversion: float,
    *,
    side: str = "buy",
    start=None,
    lot_size: int = 100,
) -> Schedule:
    """Almgren-Chriss (2000) mean-variance optimal trajectory (discrete time, linear impact).

    Minimises ``E(x) + lambda V(x)`` over ``N`` intervals of length ``tau = T / N``:
    ``x_j = X sinh(kappa (T - t_j)) / sinh(kappa T)`` with
    ``2 (cosh(kappa tau) - 1) / tau^2 = lambda sigma^2 / eta_tilde`` and
    ``eta_tilde = eta - gamma tau / 2``; ``E = gamma X^2 / 2 + epsilon X +
    (eta_tilde / tau) sum n_k^2`` and ``V = sigma^2 tau sum x_k^2`` (Almgren and Chriss
    (2000), "Optimal execution of portfolio transactions", Journal of Risk 3(2), 5-39,
    sections 1.5 and 2.2). ``horizon`` is in the time unit of ``sigma`` and ``eta``
    (days in the paper). ``lambda = 0`` gives TWAP. ``start``: a Timestamp to label the
    nodes (one interval = ``horizon / N`` days); otherwise nodes are times in days.
    """
    total, T, n, sig, et, ga, ep, tau, eta_tilde = _ac_check(
        shares, horizon, n_intervals, sigma, eta, gamma, epsilon
    )
    lam = _positive(risk_aversion, "The risk aversion lambda", allow_zero=True)
    t0 = time.perf_counter()
    kappa = float(_ac_kappa(np.array([lam]), sig, eta_tilde, tau)[0])
    t = np.linspace(0.0, T, n + 1)
    hold = _ac_holdings(np.array([kappa]), t, T)[0] * total
    x = -np.diff(hold)
    m = _Model(np.full(n, ep), np.full(n, et / tau), np.zeros(n), ga, sig**2 * tau)
    times = (
        _times(n, start, pd.Timedelta(days=tau), horizon=T)
        if start is not None
        else _times(n, None, None, horizon=T)
    )
    half_life = 1 / kappa if kappa > 0 else float("inf")
    notes = [f"kappa = {kappa:.6g} per unit time; half-life 1/kappa = {half_life:.4g}."]
    sched = _finish(
        x,
        total,
        m,
        side=_side(side),
        strategy="almgren_chriss",
        solver="closed_form",
        times=times,
        lot_size=_count(lot_size, "The lot size"),
        risk_aversion=lam,
        solve_seconds=time.perf_counter() - t0,
        notes=notes,
    )
    return sched


def almgren_chriss_frontier(
    shares,
    horizon: float,
    n_intervals: int,
    sigma: float,
    eta: float,
    gamma: float,
    epsilon: float,
    risk_aversions=None,
    *,
    n_points: int = 200,
    holdings: bool = False,
) -> pd.DataFrame:
    """Efficient frontier of optimal execution (Almgren and Chriss (2000), section 2.4, Fig. 1).

    One row per risk aversion ``lambda`` (default ``n_points`` log-spaced values spanning
    half-lives ``1/kappa`` from 100 horizons down to 1/10 of an interval, plus
    ``lambda = 0``): ``kappa``, ``half_life``, ``expected_cost`` E, ``variance`` V,
    ``std`` sqrt(V) and ``utility`` E + lambda V. Every point is the exact discrete
    optimum (vectorised over ``lambda``). ``holdings=True`` adds the trajectories as
    columns ``x_0 .. x_N``.
    """
    total, T, n, sig, et, ga, ep, tau, eta_tilde = _ac_check(
        shares, horizon, n_intervals, sigma, eta, gamma, epsilon
    )
    if risk_aversions is None:
        k_pts = _count(n_points, "The number of frontier points")
        if sig == 0:
            lams = np.zeros(1)
        else:
            kap = np.geomspace(0.01 / T, 10.0 / tau, max(k_pts - 1, 1))
            lams = np.concatenate([[0.0], 2 * (np.cosh(kap * tau) - 1) / tau**2 * eta_tilde / sig**2])
            lams = lams[:k_pts]
    else:
        lams = np.atleast_1d(np.asarray(risk_aversions, dtype=float))
        if lams.size == 0 or not np.all(np.isfinite(lams)) or (lams < 0).any():
            raise DataError("Risk aversions must be a non-empty list of numbers >= 0.", code="bad_value")
    kappa = _ac_kappa(lams, sig, eta_tilde, tau)
    t = np.linspace(0.0, T, n + 1)
    xh = _ac_holdings(kappa, t, T) * total
    nk = -np.diff(xh, axis=1)
    e = 0.5 * ga * total**2 + ep * total + (eta_tilde / tau) * np.sum(nk**2, axis=1)
    v = sig**2 * tau * np.sum(xh[:, 1:] ** 2, axis=1)
    out = pd.DataFrame(
        {
            "kappa": kappa,
            "half_life": np.where(kappa > 0, 1 / np.where(kappa > 0, kappa, 1), np.inf),
            "expected_cost": e,
            "variance": v,
            "std": np.sqrt(v),
            "utility": e + lams * v,
        },
        index=pd.Index(lams, name="risk_aversion"),
    )
    if holdings:
        for j in range(n + 1):
            out[f"x_{j}"] = xh[:, j]
    return out


# =========================================================================== comparison
def compare_strategies(
    total_shares,
    n_intervals: int,
    *,
    impact: ImpactModel,
    volumes=None,
    side: str = "buy",
    permanent: float = 0.0,
    sigma: float = 0.0,
    risk_aversion: float = 0.0,
    participation: float = 0.1,
    max_participation: float | None = None,
    price: float | None = None,
    profile=None,
    start=None,
    interval="1min",
    lot_size: int = 100,
    no_trade=None,
) -> pd.DataFrame:
    """All strategies for one order under one cost model: a table for the page.

    Rows ``twap``, ``vwap``, ``pov`` (at ``participation``, needs ``volumes``),
    ``almgren_chriss`` (at ``risk_aversion``, with Almgren-Chriss's linear model fitted to
    ``impact``: ``epsilon`` = mean half spread, ``eta / tau`` = mean linear coefficient,
    ``tau`` = one interval) and ``optimal`` (impact-optimal under ``max_participation``).
    Columns: spread, temporary, permanent, expected_cost, timing_risk, variance,
    risk_adjusted (E + lambda V), cost_bps (when ``price`` is given), saving_vs_twap,
    max_participation, intervals_used. A strategy that cannot run (no volumes for POV,
    caps too tight) gets NaN costs and its reason in ``note``. ``no_trade`` (as in
    :func:`optimal_schedule`) binds the optimal row; the other rows cannot skip intervals
    and their note says how many shares they trade in the no-trade intervals.
    """
    total = _shares(total_shares)
    n = _count(n_intervals, "The number of intervals")
    mask = _no_trade_mask(n, no_trade)
    lam = _positive(risk_aversion, "The risk aversion", allow_zero=True)
    common = dict(
        side=side,
        impact=impact,
        permanent=permanent,
        sigma=sigma,
        start=start,
        interval=interval,
        lot_size=lot_size,
    )
    vol = None if volumes is None else _vector(volumes, n, "Expected volumes")
    rows: dict[str, Schedule | str] = {}
    rows["twap"] = twap(total, n, volumes=vol, **common)
    prof = profile if profile is not None else (vol if vol is not None and vol.sum() > 0 else None)
    v_sched = vwap(total, n, profile=prof, **common)
    if vol is not None:
        v_sched = _with_volumes(v_sched, vol)
    rows["vwap"] = v_sched
    if vol is None:
        rows["pov"] = "POV needs expected volumes per interval."
    else:
        try:
            rows["pov"] = pov(total, participation, vol, **common)
        except InfeasibleError as err:
            rows["pov"] = str(err)
    c, b, _ = impact._coefficients(n)
    eps, eta = float(np.mean(c)), float(np.mean(b))
    try:
        ac = almgren_chriss(total, n, n, sigma, eta, permanent, eps, lam, side=side, lot_size=lot_size)
        rows["almgren_chriss"] = _recost_ac(
            ac,
            total,
            _model(n, impact, permanent, sigma),
            side=_side(side),
            times=_times(n, start, interval),
            lot_size=lot_size,
            volumes=vol,
        )
    except (DataError, InfeasibleError) as err:
        rows["almgren_chriss"] = str(err)
    try:
        rows["optimal"] = optimal_schedule(
            total_shares=total,
            n_intervals=n,
            max_participation=max_participation,
            volumes=vol,
            no_trade=mask,
            **common,
        )
    except (DataError, InfeasibleError, SolverError) as err:
        rows["optimal"] = str(err)
    for k in _IGNORES_NO_TRADE:
        if isinstance(rows[k], Schedule):
            rows[k] = _note_ignored_no_trade(rows[k], mask)
    cols = _COST_ROWS + [
        "risk_adjusted",
        "cost_bps",
        "saving_vs_twap",
        "max_participation",
        "intervals_used",
        "note",
    ]
    table = pd.DataFrame(index=pd.Index(list(rows), name="strategy"), columns=cols, dtype=object)
    twap_cost = rows["twap"].expected_cost
    for k, sch in rows.items():
        if isinstance(sch, str):
            table.loc[k, "note"] = sch
            continue
        for col in _COST_ROWS:
            table.loc[k, col] = float(sch.costs[col])
        table.loc[k, "risk_adjusted"] = float(sch.costs["expected_cost"] + lam * sch.costs["variance"])
        table.loc[k, "cost_bps"] = float(sch.expected_cost / (total * price) * 1e4) if price else np.nan
        table.loc[k, "saving_vs_twap"] = float(twap_cost - sch.expected_cost)
        part = sch.participation
        table.loc[k, "max_participation"] = float(part.max()) if part is not None else np.nan
        table.loc[k, "intervals_used"] = int((sch.trades > 0).sum())
        table.loc[k, "note"] = " ".join(sch.notes)
    num = [c for c in cols if c != "note"]
    table[num] = table[num].astype(float)
    return table


def _with_volumes(s: Schedule, vol: np.ndarray) -> Schedule:
    from dataclasses import replace

    return replace(s, volumes=pd.Series(vol, index=s.trades.index, name="volume"))


# =========================================================================== baskets
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
    if out.index.duplicated().any():
        out = out.assign(
            signed=np.where(out["side"] == "buy", 1, -1) * out["shares"],
            notional=out["shares"] * out["price"],
        )
        g = out.groupby(level=0, sort=False).agg(
            signed=("signed", "sum"), notional=("notional", "sum"), shares=("shares", "sum")
        )
        g = g[g["signed"] != 0]
        out = pd.DataFrame(
            {
                "shares": g["signed"].abs(),
                "side": np.where(g["signed"] < 0, "sell", "buy"),
                "price": g["notional"] / g["shares"],
            },
            index=g.index,
        )
    return out


def basket_schedule(
    trades: pd.DataFrame,
    n_intervals: int,
    *,
    daily_volume,
    annual_volatility=0.25,
    strategy: str = "vwap",
    risk_aversion: float = 0.0,
    max_participation: float | None = None,
    spread_bps: float = 10.0,
    horizon_days: float = 1.0,
    profile=None,
    start=None,
    interval="1min",
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
    n = _count(n_intervals, "The number of intervals")
    strat = str(strategy).lower()
    if strat not in ("twap", "vwap", "almgren_chriss", "optimal"):
        raise DataError(
            f"Basket strategy {strategy!r} is not known. Use twap, vwap, almgren_chriss or optimal.",
            code="bad_option",
        )
    days = _positive(horizon_days, "The horizon (days)")
    tau = days / n
    prof = (
        intraday_volume_profile(n).to_numpy()
        if profile is None
        else _vector(profile, n, "The volume profile")
    )
    prof = prof / prof.sum()

    def per_ticker(v, what):
        if isinstance(v, pd.Series):
            v = v.rename(index=lambda s: str(s).upper())
            missing = [t for t in orders.index if t not in v.index or not np.isfinite(v.get(t, np.nan))]
            if missing:
                raise DataError(
                    f"{what} is missing for {', '.join(missing)}. Give a value for every ticker in the basket.",
                    code="missing_value",
                )
            return v.reindex(orders.index).astype(float)
        return pd.Series(_positive(v, what), index=orders.index)

    adv = per_ticker(daily_volume, "The daily volume")
    avol = per_ticker(annual_volatility, "The annual volatility")
    times = _times(n, start, interval)
    scheds: dict[str, Schedule] = {}
    for tkr, o in orders.iterrows():
        try:
            p = almgren_chriss_parameters(
                o["price"], adv[tkr], avol[tkr], spread_bps=spread_bps, periods_per_year=periods_per_year
            )
        except DataError as err:
            raise DataError(f"Ticker {tkr}: {err}", code=err.code) from None
        imp = ImpactModel.from_coefficients(p.epsilon, p.eta / tau, 0.0, n_intervals=n)
        sig_int = p.sigma * math.sqrt(tau)
        vols = adv[tkr] * days * prof
        kw = dict(
            side=o["side"],
            impact=imp,
            permanent=p.gamma,
            sigma=sig_int,
            start=start,
            interval=interval,
            lot_size=lot_size,
        )
        try:
            if strat == "twap":
                s = _with_volumes(twap(o["shares"], n, **kw), vols)
            elif strat == "vwap":
                s = _with_volumes(vwap(o["shares"], n, profile=prof, **kw), vols)
            elif strat == "optimal":
                s = optimal_schedule(
                    total_shares=o["shares"],
                    n_intervals=n,
                    max_participation=max_participation,
                    volumes=vols,
                    **kw,
                )
            else:
                ac = almgren_chriss(
                    o["shares"],
                    days,
                    n,
                    p.sigma,
                    p.eta,
                    p.gamma,
                    p.epsilon,
                    risk_aversion,
                    side=o["side"],
                    lot_size=lot_size,
                )
                s = _recost_ac(
                    ac,
                    int(o["shares"]),
                    _model(n, imp, p.gamma, sig_int),
                    side=o["side"],
                    times=times,
                    lot_size=lot_size,
                    volumes=vols,
                )
        except (DataError, InfeasibleError) as err:
            raise type(err)(
                f"Ticker {tkr} ({o['side']} {int(o['shares']):,}): {err}", code=err.code, details=err.details
            ) from None
        scheds[tkr] = s
    return _basket(orders, scheds, strat)


def _basket(orders: pd.DataFrame, scheds: Mapping[str, Schedule], strategy: str, notes=()) -> BasketSchedule:
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


# =========================================================================== the desk's order model
#: Minutes in the regular US session (09:30 to 16:00) and its opening time.
SESSION_MINUTES = 390
SESSION_OPEN = "09:30"


def _minute_of_session(start_time) -> int:
    """Minutes after the 09:30 open of a ``HH:MM`` time; refused outside the session."""
    text = str(start_time or "").strip()
    try:
        t = pd.Timestamp(f"2000-01-01 {text}")
    except (TypeError, ValueError):
        raise DataError(
            f"The start time {start_time!r} is not a time of day. Use HH:MM, for example 09:30.",
            code="bad_time",
        ) from None
    m = int(round((t - pd.Timestamp(f"2000-01-01 {SESSION_OPEN}")).total_seconds() / 60))
    if not 0 <= m < SESSION_MINUTES:
        raise DataError(
            f"The start time {text} is outside the regular session (09:30 to 16:00). Start between 09:30 and 15:59.",
            code="bad_time",
        )
    return m


def _slice_book(book: OrderBook, rows: np.ndarray) -> OrderBook:
    return OrderBook(
        book.times[rows], book.bid_price[rows], book.bid_size[rows], book.ask_price[rows], book.ask_size[rows]
    )


@dataclass(frozen=True)
class SessionWindow:
    """Where an order sits in the trading day: ``n_intervals`` equal intervals from ``start``.

    ``profile``: the expected share of the whole day's volume traded in each interval
    (sums to the window's share of the day).
    """

    start: pd.Timestamp
    interval: pd.Timedelta
    n_intervals: int
    horizon_minutes: int
    minute: int  # minutes after the open
    profile: pd.Series


def session_window(
    start_time=SESSION_OPEN,
    horizon_minutes=SESSION_MINUTES,
    n_intervals=13,
    *,
    intraday_volumes: pd.Series | None = None,
    date: str = "2024-01-02",
) -> SessionWindow:
    """The order's window in the 09:30-16:00 session, refused with a reason when it does not fit.

    The profile is :func:`intraday_volume_profile` on 390 one-minute buckets (the default
    U shape with the closing auction, or estimated from ``intraday_volumes``), cut to the
    window and re-binned onto ``n_intervals`` (area preserving).
    """
    horizon = _positive(horizon_minutes, "The horizon (minutes)")
    if abs(horizon - round(horizon)) > 1e-9:
        raise DataError(f"The horizon must be a whole number of minutes; got {horizon:g}.", code="bad_value")
    horizon = int(round(horizon))
    n = _count(n_intervals, "The number of intervals")
    m0 = _minute_of_session(start_time)
    if m0 + horizon > SESSION_MINUTES:
        left = SESSION_MINUTES - m0
        raise DataError(
            f"A {horizon}-minute horizon from {start_time} runs past the 16:00 close: {left} minutes are left. "
            f"Shorten the horizon to at most {left} minutes or start earlier.",
            code="past_close",
        )
    if n > horizon:
        raise DataError(
            f"{n} intervals in {horizon} minutes are shorter than one minute each. Use at most {horizon} intervals.",
            code="bad_value",
        )
    day = intraday_volume_profile(SESSION_MINUTES, volumes=intraday_volumes).to_numpy()
    prof = _rebin(day[m0 : m0 + horizon], n)  # area preserving: the window's share of the day
    start = pd.Timestamp(f"{date} {SESSION_OPEN}") + pd.Timedelta(minutes=m0)
    return SessionWindow(
        start,
        pd.Timedelta(minutes=horizon / n),
        n,
        horizon,
        m0,
        pd.Series(prof, index=pd.RangeIndex(1, n + 1, name="interval"), name="volume_share"),
    )


def read_volume_csv(source, *, name: str | None = None) -> pd.Series:
    """Intraday bar volumes from a CSV with columns time (date and time of the bar) and volume.

    Returns a Series with a DatetimeIndex, the input of :func:`intraday_volume_profile`
    (``volumes=``) and of :func:`daily_volume_estimate`. Refused with the row named:
    times that are not dates with a time, volumes that are not numbers or negative.
    """
    from .data import (
        MAX_UPLOAD_BYTES,
        _format_notes,
        _parse_dates,
        _parse_numbers,
        _read_table,
        _refuse_cells,
    )

    if isinstance(source, str) and "\n" in source:
        source, name = source.encode("utf-8"), name or "the volume file"
    doc, _header, frame, cols = _read_table(
        source, name, MAX_UPLOAD_BYTES, {"time": ("timestamp", "datetime", "date"), "volume": ("size", "shares")}
    )
    time_col, vol_col = cols["time"], cols["volume"]
    times = _parse_dates(
        doc, frame[time_col], time_col, problem="is not a date and time (use e.g. 2024-01-02 09:35).", normalize=False
    )
    vol = _parse_numbers(doc, frame, [vol_col])[vol_col]
    _refuse_cells(
        doc,
        frame[vol_col],
        vol.isna() | (vol < 0),
        vol_col,
        "is not a volume (a number of shares, zero or more).",
        "not_numeric",
    )
    out = pd.Series(
        vol.to_numpy(dtype=float), index=pd.DatetimeIndex(times.to_numpy(), name="time"), name="volume"
    )
    out = out.groupby(level=0).sum().sort_index()
    out.attrs["notes"] = _format_notes(doc)
    return out


def daily_volume_estimate(volumes: pd.Series) -> float:
    """Average shares traded per day in intraday bars (days with no volume skipped)."""
    per_day = volumes.groupby(volumes.index.normalize()).sum()
    per_day = per_day[per_day > 0]
    if per_day.empty:
        raise DataError(
            "The volume file has no day with volume. Upload bars with positive volumes.", code="empty"
        )
    return float(per_day.mean())


def sample_volume_csv(
    daily_volume: float = 5_000_000, days: int = 3, bar_minutes: int = 5, seed: int = 0
) -> str:
    """A seeded example intraday volume file (the U shape with a closing auction, plus noise)."""
    n = SESSION_MINUTES // bar_minutes
    prof = intraday_volume_profile(n).to_numpy()
    rng = np.random.default_rng(seed)
    parts = []
    for d in pd.bdate_range("2024-01-02", periods=days):
        t = pd.date_range(d + pd.Timedelta(hours=9, minutes=30), periods=n, freq=f"{bar_minutes}min")
        v = np.round(daily_volume * prof * np.exp(rng.normal(0, 0.2, n)), -2)
        parts.append(pd.DataFrame({"time": t.strftime("%Y-%m-%d %H:%M"), "volume": v.astype(np.int64)}))
    return pd.concat(parts).to_csv(index=False)


def annual_volatility(prices: pd.Series, *, window: int = 252, periods_per_year: int = 252) -> float:
    """Annualised volatility of the last ``window`` daily simple returns (ddof=1)."""
    r = prices.astype(float).dropna().pct_change().dropna().iloc[-window:]
    if len(r) < 2:
        raise DataError(f"{prices.name}: too few prices to estimate the volatility.", code="too_short")
    return float(r.std(ddof=1) * math.sqrt(periods_per_year))


#: A no-trade window typed as HH:MM-HH:MM (hyphen, en or em dash between the times).
_CLOCK_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})\s*[-\u2013\u2014]\s*(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class OrderModel:
    """One parent order with the market it meets: what the execution page schedules and costs.

    Time unit: one schedule interval. ``volumes``: expected market volume per interval
    (``daily_volume`` times the intraday profile over the order's window); ``impact``:
    temporary impact fitted to ``slippage`` from walking ``book`` over the window;
    ``permanent``: Almgren-Chriss's ``gamma`` (``parameters``, per day, from the price,
    the daily volume, the volatility and the book's mean spread); ``sigma``: price
    volatility per interval (currency per share).
    """

    ticker: str
    side: str
    shares: int
    price: float
    daily_volume: float
    annual_volatility: float
    start: pd.Timestamp
    interval: pd.Timedelta
    n_intervals: int
    volumes: pd.Series
    book: OrderBook
    book_label: str
    slippage: pd.DataFrame
    impact: ImpactModel
    permanent: float
    sigma: float
    parameters: AlmgrenChrissParameters
    notes: tuple[str, ...] = field(default_factory=tuple)

    def no_trade_windows(self, text) -> tuple[np.ndarray | None, list[str]]:
        """The intervals of this order in the no-trade windows typed as ``"12:00-13:00, 15:50-16:00"``, and notes.

        An interval that overlaps a window is skipped whole (a child order covers its whole
        interval). DataError names the range that is not HH:MM-HH:MM, ends before it starts,
        lies outside the order's window, or, with the others, leaves no interval open.
        The mask goes to :meth:`schedule`'s ``no_trade``.
        """
        pieces = [p.strip() for p in re.split(r"[,;]", str(text or "")) if p.strip()]
        if not pieces:
            return None, []
        n = self.n_intervals
        step = self.interval / pd.Timedelta(minutes=1)
        midnight = self.start.normalize()
        t0 = (self.start - midnight) / pd.Timedelta(minutes=1)  # minutes after midnight
        starts = t0 + step * np.arange(n)
        ends = starts + step

        def clock(minutes) -> str:
            return f"{midnight + pd.Timedelta(minutes=float(minutes)):%H:%M}"

        window = f"{clock(t0)}-{clock(ends[-1])}"
        mask, notes = np.zeros(n, dtype=bool), []
        for piece in pieces:
            found = _CLOCK_WINDOW.match(piece)
            if not found:
                raise DataError(
                    f"The no-trade window '{piece}' is not a time range. Write HH:MM-HH:MM ranges separated by "
                    "commas, for example 12:00-13:00, 15:50-16:00.",
                    code="bad_time",
                )
            h1, m1, h2, m2 = (int(g) for g in found.groups())
            if max(h1, h2) > 23 or max(m1, m2) > 59:
                raise DataError(
                    f"The no-trade window '{piece}' has a time that is not a time of day (hours 00-23, minutes "
                    "00-59).",
                    code="bad_time",
                )
            a, b = h1 * 60 + m1, h2 * 60 + m2
            if b < a:
                raise DataError(
                    f"The no-trade window '{piece}' ends at {clock(b)}, before it starts at {clock(a)}. Write the "
                    f"earlier time first: {clock(b)}-{clock(a)}.",
                    code="bad_time",
                )
            if b == a:
                raise DataError(
                    f"The no-trade window '{piece}' is empty: it starts and ends at {clock(a)}. Give an end after the "
                    "start.",
                    code="bad_time",
                )
            if a < t0 - 1e-9 or b > ends[-1] + 1e-9:
                where = "is outside" if b <= t0 or a >= ends[-1] else "reaches outside"
                raise DataError(
                    f"The no-trade window '{piece}' {where} the order's window {window} (the start time and the "
                    f"horizon). Give windows between {clock(t0)} and {clock(ends[-1])}.",
                    code="bad_time",
                )
            hit = (starts < b - 1e-9) & (ends > a + 1e-9)
            mask |= hit
            first, last = starts[hit][0], ends[hit][-1]
            if abs(first - a) > 1e-6 or abs(last - b) > 1e-6:
                notes.append(
                    f"The no-trade window {clock(a)}-{clock(b)} does not line up with the {step:.3g}-minute "
                    f"intervals: no child orders from {clock(first)} to {clock(last)}."
                )
        if mask.all():
            raise DataError(
                f"The no-trade window{'s' if len(pieces) > 1 else ''} {', '.join(pieces)} cover"
                f"{'' if len(pieces) > 1 else 's'} every interval of the order ({window} in {n} "
                f"intervals of {step:.3g} minutes). Leave at least one interval open.",
                code="no_open_interval",
            )
        return mask, notes

    @property
    def fit_quality(self) -> pd.DataFrame:
        """The impact fit's quality per interval (as :class:`ImpactModel`), with ``rmse_test_bps``.

        ``rmse_test_bps``: the held-out RMSE of the slippage per share in basis points of the
        book's mean mid price (the price the slippage is measured from).
        """
        q = self.impact.fit_quality
        return q.assign(rmse_test_bps=q["rmse_test"] / self.book_mid * 1e4)

    @property
    def book_mid(self) -> float:
        """The book's mean mid price over the order's window."""
        return float(self.book.mid.mean())

    @property
    def rmse_test_bps(self) -> float:
        """The pooled held-out RMSE of the impact fit in basis points of the book's mean mid price."""
        return self.impact.rmse_test / self.book_mid * 1e4

    @property
    def _ac(self) -> tuple[float, float]:
        """Almgren-Chriss's epsilon and eta (per interval) fitted to the impact model: mean coefficients."""
        c, b, _ = self.impact._coefficients(self.n_intervals)
        return float(np.mean(c)), float(np.mean(b))

    def schedule(
        self,
        strategy: str,
        *,
        risk_aversion: float = 0.0,
        participation: float | None = None,
        solver: str = "analytical",
        no_trade=None,
    ) -> Schedule:
        """The child orders of ``strategy`` (twap, vwap, pov, almgren_chriss, optimal) under this model.

        ``participation``: POV's rate and the impact-optimal schedule's cap (None: no cap).
        ``no_trade``: intervals with no child orders (0-based indices or a boolean mask of
        ``n_intervals``), honoured by the impact-optimal schedule; the other strategies
        cannot skip intervals, and their notes say what they trade in them.
        An order the cap cannot fill raises :class:`InfeasibleError` naming the largest
        executable size, the horizon needed (in minutes and 390-minute sessions) and the
        cap needed.
        """
        mask = _no_trade_mask(self.n_intervals, no_trade)
        if mask is not None and mask.all():
            raise DataError(
                f"The no-trade intervals cover all {self.n_intervals} intervals of the order: leave at least one "
                "interval open.",
                code="no_open_interval",
            )
        try:
            sched = self._schedule(strategy, risk_aversion, participation, solver, mask)
            return sched if sched.strategy == "optimal" else _note_ignored_no_trade(sched, mask)
        except InfeasibleError as err:
            if err.code != "order_too_large" or not err.details:
                raise
            largest, need = err.details["largest_executable"], err.details["intervals_needed"]
            minutes = need * self.interval / pd.Timedelta(minutes=1)
            horizon = self.n_intervals * self.interval / pd.Timedelta(minutes=1)
            open_volume = float(
                self.volumes.to_numpy()[~mask].sum() if mask is not None else self.volumes.sum()
            )
            cap_needed = self.shares / open_volume
            outside = (
                f" outside the {int(mask.sum())} no-trade intervals"
                if mask is not None and mask.any()
                else ""
            )
            raise InfeasibleError(
                f"The order of {self.shares:,} shares is larger than a {float(participation):.0%} participation "
                f"cap allows: over {horizon:,.0f} minutes the expected volume{outside} is {open_volume:,.0f} shares, "
                f"so the largest executable size is {largest:,} shares. Reduce the order to {largest:,} shares, "
                f"extend the horizon to about {minutes:,.0f} minutes ({minutes / SESSION_MINUTES:.1f} sessions of "
                f"{SESSION_MINUTES} minutes) at the same volumes, or raise the cap to at least {cap_needed:.0%}.",
                code="order_too_large",
                details={**err.details, "minutes_needed": minutes, "cap_needed": cap_needed},
            ) from None

    def _schedule(
        self, strategy: str, risk_aversion: float, participation: float | None, solver: str, no_trade=None
    ) -> Schedule:
        strat = str(strategy).lower()
        n, vol = self.n_intervals, self.volumes.to_numpy()
        common = dict(
            side=self.side,
            impact=self.impact,
            permanent=self.permanent,
            sigma=self.sigma,
            start=self.start,
            interval=self.interval,
        )
        if strat == "twap":
            return twap(self.shares, n, volumes=vol, **common)
        if strat == "vwap":
            return _with_volumes(vwap(self.shares, n, profile=vol, **common), vol)
        if strat == "pov":
            if participation is None:
                raise DataError(
                    "POV needs a participation rate: set the participation cap.", code="missing_value"
                )
            return pov(self.shares, participation, vol, **common)
        if strat == "optimal":
            common.pop("impact")
            return optimal_schedule(
                self.impact,
                self.shares,
                n,
                solver=solver,
                max_participation=participation,
                volumes=vol,
                no_trade=no_trade,
                **common,
            )
        if strat == "almgren_chriss":
            eps, eta = self._ac
            ac = almgren_chriss(
                self.shares, n, n, self.sigma, eta, self.permanent, eps, risk_aversion, side=self.side
            )
            return _recost_ac(
                ac,
                self.shares,
                _model(n, self.impact, self.permanent, self.sigma),
                side=self.side,
                times=_times(n, self.start, self.interval),
                lot_size=100,
                volumes=vol,
            )
        raise DataError(
            f"Strategy {strategy!r} is not known. Use twap, vwap, pov, almgren_chriss or optimal.",
            code="bad_option",
        )

    def compare(
        self, *, risk_aversion: float = 0.0, participation: float = 0.1, no_trade=None
    ) -> pd.DataFrame:
        """:func:`compare_strategies` for this order (POV at ``participation``, optimal capped by it).

        ``no_trade`` as in :meth:`schedule`.
        """
        return compare_strategies(
            self.shares,
            self.n_intervals,
            impact=self.impact,
            volumes=self.volumes.to_numpy(),
            side=self.side,
            permanent=self.permanent,
            sigma=self.sigma,
            risk_aversion=risk_aversion,
            participation=participation,
            max_participation=participation,
            price=self.price,
            start=self.start,
            interval=self.interval,
            no_trade=no_trade,
        )

    def frontier(self, risk_aversion: float | None = None, n_points: int = 120) -> pd.DataFrame:
        """Almgren-Chriss frontier for this order, costed like its schedules.

        The trajectories are Almgren-Chriss's (linear model with the mean fitted coefficients,
        one interval per time unit), exactly those :meth:`schedule` gives for
        ``"almgren_chriss"`` before rounding to lots; ``expected_cost``, ``variance``, ``std``
        and ``utility`` are costed under this order's model (the fitted impact per interval,
        ``permanent``, ``sigma``), as the schedule, the cost breakdown and the comparison are.
        With ``risk_aversion``, only that point (a one-row frame).
        """
        eps, eta = self._ac
        n = self.n_intervals
        lams = None if risk_aversion is None else [risk_aversion]
        ac = almgren_chriss_frontier(
            self.shares, n, n, self.sigma, eta, self.permanent, eps, lams, n_points=n_points, holdings=True
        )
        hold = ac[[f"x_{j}" for j in range(n + 1)]].to_numpy()
        model = _model(n, self.impact, self.permanent, self.sigma)
        br = _breakdown(-np.diff(hold, axis=1), float(self.shares), model)
        e, v = br[:, 3], br[:, 5]
        return ac[["kappa", "half_life"]].assign(
            expected_cost=e, variance=v, std=np.sqrt(v), utility=e + ac.index.to_numpy() * v
        )

    def summary(self, schedule: Schedule) -> pd.Series:
        """Headline numbers of a schedule of this order: costs in currency and basis points of notional.

        ``saving_vs_twap`` compares whole-share schedules (TWAP in round lots), as
        :func:`compare_strategies` does.
        """
        notional = self.shares * self.price
        part = schedule.participation
        saving = self.schedule("twap").expected_cost - schedule.expected_cost
        return pd.Series(
            {
                "notional": notional,
                "expected_cost": schedule.expected_cost,
                "cost_bps": schedule.expected_cost / notional * 1e4,
                "timing_risk": schedule.timing_risk,
                "saving_vs_twap": saving,
                "saving_bps": saving / notional * 1e4,
                "max_participation": float(part.max()) if part is not None else float("nan"),
                "order_share_of_volume": self.shares / float(self.volumes.sum()),
                "child_orders": int((schedule.trades > 0).sum()),
            },
            name=schedule.strategy,
        )

    def compare_solvers(
        self, participation: float | None = None, progress=None, no_trade=None
    ) -> pd.DataFrame:
        """The impact-optimal schedule by each of :data:`SOLVERS`: exact cost, gap to the analytical one, time.

        ``progress(done, total, solver)`` is called after each solver; ``no_trade`` as in :meth:`schedule`.
        """
        rows = []
        for i, name in enumerate(SOLVERS):
            s = self.schedule("optimal", participation=participation, solver=name, no_trade=no_trade)
            rows.append(
                {
                    "solver": name,
                    "answered_by": s.solver,
                    "exact_cost": s.exact_cost,
                    "expected_cost": s.expected_cost,
                    "seconds": s.solve_seconds,
                }
            )
            if progress is not None:
                progress(i + 1, len(SOLVERS), name)
        out = pd.DataFrame(rows).set_index("solver")
        ref = out.loc["analytical", "exact_cost"]
        out["relative_gap"] = (out["exact_cost"] - ref).abs() / abs(ref) if ref else 0.0
        return out

    def risk_aversion_for_urgency(self, urgency: float) -> float:
        """The ``lambda`` whose Almgren-Chriss trajectory has ``kappa T = urgency`` (horizon / half-life)."""
        u = _positive(urgency, "The urgency", allow_zero=True)
        _eps, eta = self._ac
        eta_tilde = eta - 0.5 * self.permanent
        if self.sigma <= 0 or eta_tilde <= 0:
            return 0.0
        kappa = u / self.n_intervals
        return float(2 * (math.cosh(kappa) - 1) * eta_tilde / self.sigma**2)

    def urgency(self, risk_aversion: float) -> float:
        """``kappa T`` of the Almgren-Chriss trajectory at ``risk_aversion`` (0 = TWAP)."""
        _eps, eta = self._ac
        eta_tilde = eta - 0.5 * self.permanent
        if eta_tilde <= 0:
            return float("nan")
        lam = _positive(risk_aversion, "The risk aversion", allow_zero=True)
        return float(_ac_kappa(np.array([lam]), self.sigma, eta_tilde, 1.0)[0] * self.n_intervals)


def order_model(
    prices: pd.Series,
    shares,
    *,
    side: str = "buy",
    horizon_minutes=SESSION_MINUTES,
    n_intervals=13,
    start_time=SESSION_OPEN,
    daily_volume=5_000_000,
    book: OrderBook | None = None,
    book_label: str | None = None,
    intraday_volumes: pd.Series | None = None,
    impact_model: str = "linear",
    spread_bps: float = 5.0,
    n_levels: int = 20,
    seed: int | None = 0,
    date: str = "2024-01-02",
) -> OrderModel:
    """Build the :class:`OrderModel` of a parent order on one trading day.

    ``prices``: the stock's daily closes (its last close is the price, the last 252
    returns give the annual volatility). The order runs from ``start_time`` (HH:MM) for
    ``horizon_minutes`` in ``n_intervals`` equal intervals, within the 09:30-16:00 session.
    Expected volumes: ``daily_volume`` times the intraday profile (the default U shape
    with the closing auction, or estimated from ``intraday_volumes`` bars) over the
    window. The book: ``book`` (e.g. an uploaded snapshot file; snapshots whose time of
    day falls in the window are used when there are enough) or a seeded synthetic book
    with one snapshot per minute, mid at the last price, a ``spread_bps`` spread and
    level-1 depth of ``daily_volume / 2,500`` shares. Slippage is estimated for 25 sizes
    up to 80% of the thinnest snapshot's depth and ``impact_model`` fitted with 25% of
    the snapshots of each model interval held out.
    """
    total = _shares(shares)
    s = _side(side)
    w = session_window(start_time, horizon_minutes, n_intervals, intraday_volumes=intraday_volumes, date=date)
    n, horizon, m0 = w.n_intervals, w.horizon_minutes, w.minute
    adv = _positive(daily_volume, "The daily volume")
    px = prices.astype(float).dropna()
    if px.empty:
        raise DataError(f"{prices.name}: no prices.", code="empty")
    price = float(px.iloc[-1])
    vol = annual_volatility(px)
    volumes = adv * w.profile.to_numpy()
    open_ts = pd.Timestamp(f"{date} {SESSION_OPEN}")
    start, interval = w.start, w.interval
    notes: list[str] = []
    if book is None:
        spread = max(0.01, round(price * _positive(spread_bps, "The spread (bps)") / 1e4, 2))
        full = synthetic_order_book(
            SESSION_MINUTES,
            n_levels,
            base_price=price,
            spread=spread,
            depth=adv / 2_500,
            volatility=vol / math.sqrt(252 * SESSION_MINUTES),
            start=open_ts,
            seed=seed,
        )
        book = _slice_book(full, np.arange(m0, m0 + horizon))
        label = book_label or f"synthetic book (seed {seed}, {spread_bps:g} bps spread, {n_levels} levels)"
    else:
        label = book_label or "uploaded book"
        if isinstance(book.times, pd.DatetimeIndex):
            tod = (book.times - book.times.normalize()) / pd.Timedelta(minutes=1)
            lo = (start - open_ts).total_seconds() / 60 + 570
            inside = np.flatnonzero((tod >= lo) & (tod < lo + horizon))
            if len(inside) >= 4:
                book = _slice_book(book, inside)
            else:
                notes.append(
                    f"The {label} has {len(inside)} snapshots between {start:%H:%M} and the end of the "
                    f"order; all {book.n_snapshots} snapshots are used."
                )
        mid = float(book.mid.mean())
        if abs(mid / price - 1) > 0.05:
            notes.append(
                f"The {label}'s mid price ({mid:,.2f}) differs from {prices.name}'s last close "
                f"({price:,.2f}) by {mid / price - 1:+.1%}; impact comes from the book, notional from the close."
            )
    if book.n_snapshots < 2:
        raise DataError(
            f"The {label} has {book.n_snapshots} snapshot; at least 2 are needed to fit and test.",
            code="too_few",
        )
    side_size = book.ask_size if s == "buy" else book.bid_size
    depth = float(side_size.sum(axis=1).min())
    sizes = np.unique(np.round(np.linspace(depth * 0.8 / 25, depth * 0.8, 25)))
    sizes = sizes[sizes > 0]
    slip = estimate_slippage(book, sizes, side=s)
    k = max(1, min(n, book.n_snapshots // 4))
    impact = fit_impact(slip, impact_model, n_intervals=k)
    notes.extend(impact.notes)
    params = almgren_chriss_parameters(price, adv, vol, spread=max(float(book.spread.mean()), 1e-9))
    return OrderModel(
        ticker=str(prices.name),
        side=s,
        shares=total,
        price=price,
        daily_volume=adv,
        annual_volatility=vol,
        start=start,
        interval=interval,
        n_intervals=n,
        volumes=pd.Series(volumes, index=pd.RangeIndex(1, n + 1, name="interval"), name="volume"),
        book=book,
        book_label=label,
        slippage=slip,
        impact=impact,
        permanent=params.gamma,
        sigma=params.sigma * math.sqrt(horizon / n / SESSION_MINUTES),
        parameters=params,
        notes=tuple(notes),
    )


def order_basket(
    prices: pd.DataFrame,
    trades: pd.DataFrame,
    strategy: str = "vwap",
    *,
    risk_aversion: float = 0.0,
    max_participation: float | None = None,
    books: Mapping[str, OrderBook] | None = None,
    **market,
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
    last = last.iloc[: _count(n, "The number of names")]
    shares = np.maximum(lot_size, np.round(notional / last.to_numpy() / lot_size) * lot_size).astype(np.int64)
    return pd.DataFrame(
        {
            "ticker": list(last.index),
            "side": ["buy" if i % 2 == 0 else "sell" for i in range(len(last))],
            "shares": shares,
            "price": last.to_numpy(),
        }
    )
