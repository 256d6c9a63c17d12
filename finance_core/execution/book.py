"""Order books: the snapshot container, a synthetic book, slippage of market orders walking it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .._checks import check_count, check_positive
from ..errors import DataError
from ._checks import check_side
from .clock import stylised_u


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


def _liquidity(pattern: str | None, n: int) -> np.ndarray:
    """The liquidity multiplier of ``n`` snapshots: the stylised U scaled to mean 1 (``"u"``) or flat (None)."""
    if pattern is None:
        return np.ones(n)
    if str(pattern).lower() == "u":
        liq = stylised_u((np.arange(n) + 0.5) / n)
        return liq / liq.mean()
    raise DataError(f"Liquidity pattern {pattern!r} is not known. Use 'u' or None.", code="bad_option")


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
    n = check_count(n_snapshots, "The number of snapshots")
    m = check_count(n_levels, "The number of levels")
    base_price = check_positive(base_price, "The base price")
    tick = check_positive(tick, "The tick size")
    spread = check_positive(spread, "The spread")
    depth = check_positive(depth, "The depth")
    depth_growth = check_positive(depth_growth, "The depth growth", allow_zero=True)
    volatility = check_positive(volatility, "The volatility", allow_zero=True)
    noise = check_positive(noise, "The noise", allow_zero=True)
    rng = np.random.default_rng(seed)
    mid = base_price * np.exp(np.cumsum(rng.normal(0.0, volatility, n)) - 0.0)
    liq = _liquidity(liquidity_pattern, n)
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


def estimate_slippage(book: OrderBook, sizes: ArrayLike, *, side: str = "buy") -> pd.DataFrame:
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
    s = check_side(side)
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
    return pd.DataFrame(slip, index=book.times, columns=pd.Index(q, name="shares"))


def slice_book(book: OrderBook, rows: np.ndarray) -> OrderBook:
    return OrderBook(
        book.times[rows], book.bid_price[rows], book.bid_size[rows], book.ask_price[rows], book.ask_size[rows]
    )
