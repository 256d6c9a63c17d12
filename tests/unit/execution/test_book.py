"""finance_core.execution.book: the synthetic book and the slippage of market orders.

Oracles: a hand-worked example and a plain per-snapshot Python walk of the book.
"""

from __future__ import annotations

import numpy as np
import pytest

from finance_core import execution as ex
from finance_core.errors import DataError


def _walk(prices, sizes, q):
    """Plain Python walk of one side of one snapshot (the reference the vector code must match)."""
    left, cost = q, 0.0
    for p, s in zip(prices, sizes, strict=True):
        take = min(left, s)
        cost += take * p
        left -= take
        if left <= 0:
            return cost / q
    return float("nan")


def test_synthetic_book_is_seeded_monotone_and_uncrossed(book):
    again = ex.synthetic_order_book(120, 10, depth=1_000, seed=7)
    np.testing.assert_array_equal(book.ask_size, again.ask_size)
    assert book.bid_price.shape == (120, 10)
    assert np.all(np.diff(book.ask_price, axis=1) > 0) and np.all(np.diff(book.bid_price, axis=1) < 0)
    assert np.all(book.bid_price[:, 0] < book.ask_price[:, 0])
    # spread 0.02 with a 0.01 tick: two ticks between best bid and ask
    np.testing.assert_allclose(book.spread.to_numpy(), 0.02, atol=1e-9)
    # U-shaped liquidity: more depth near the open and close than at midday
    depth = book.ask_size.sum(axis=1)
    assert depth[:10].mean() > depth[55:65].mean() < depth[-10:].mean()


def test_slippage_hand_worked_example(book_csv):
    ob = ex.read_order_book_csv(book_csv)
    s = ex.estimate_slippage(ob, [50, 250, 600, 601])
    mid = (9.99 + 10.01) / 2  # 10.00
    # buy 250: 100 @ 10.01 + 150 @ 10.02 = 1001 + 1503 = 2504 -> 10.016 a share, 0.016 over the mid
    assert s.iloc[0, 1] == pytest.approx(2504 / 250 - mid)
    # buy 600: 1001 + 2004 + 1507.5... = 100*10.01 + 200*10.02 + 300*10.05 = 6020 -> 10.0333
    assert s.iloc[0, 2] == pytest.approx(6020 / 600 - mid)
    assert s.iloc[0, 0] == pytest.approx(0.01)  # inside level 1: the half spread
    assert np.isnan(s.iloc[0, 3])  # deeper than the book (600 shares shown)
    sell = ex.estimate_slippage(ob, [250], side="sell")
    # sell 250 into 100 @ 9.99 + 150 @ 9.98: 999 + 1497 = 2496 -> 9.984, 0.016 under the mid
    assert sell.iloc[0, 0] == pytest.approx(mid - 2496 / 250)


def test_slippage_matches_a_per_snapshot_python_walk(book):
    sizes = np.array([1, 350, 999.5, 2_000, 7_777, 25_000, 10**7])
    got = ex.estimate_slippage(book, sizes, side="sell").to_numpy()
    mid = book.mid.to_numpy()
    for i in range(book.n_snapshots):
        for j, q in enumerate(sizes):
            want = mid[i] - _walk(book.bid_price[i], book.bid_size[i], q)
            if np.isnan(want):
                assert np.isnan(got[i, j])
            else:
                assert got[i, j] == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_slippage_refuses_bad_sizes(book):
    for bad in ([0, 100], [-5], []):
        with pytest.raises(DataError, match="positive"):
            ex.estimate_slippage(book, bad)
