"""finance_core.execution: order books, impact fits, schedules, baskets and their errors.

Oracles: hand-worked examples (arithmetic shown next to each number), a plain
per-snapshot Python walk of the book, scikit-learn (non-negative least squares and R^2),
cvxpy with Clarabel and scipy as independent solvers, pandas group-bys for the volume
profile. The Almgren-Chriss paper example lives in tests/reference/.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from finance_core import execution as ex
from finance_core.errors import DataError, InfeasibleError

# --------------------------------------------------------------------------- helpers
BOOK_CSV = """time,side,level,price,size
2024-01-02 09:30,bid,1,9.99,100
2024-01-02 09:30,bid,2,9.98,200
2024-01-02 09:30,ask,1,10.01,100
2024-01-02 09:30,ask,2,10.02,200
2024-01-02 09:30,ask,3,10.05,300
2024-01-02 09:31,bid,1,10.00,50
2024-01-02 09:31,ask,1,10.02,400
"""


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


@pytest.fixture(scope="module")
def book():
    return ex.synthetic_order_book(120, 10, depth=1_000, seed=7)


@pytest.fixture(scope="module")
def impact_390():
    rng = np.random.default_rng(42)
    n = 390
    return ex.ImpactModel.from_coefficients(
        rng.uniform(0.005, 0.02, n), rng.uniform(1e-6, 5e-6, n), rng.uniform(1e-11, 1e-10, n)
    )


# --------------------------------------------------------------------------- order books
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


def test_read_order_book_csv_and_round_trip(book):
    ob = ex.read_order_book_csv(BOOK_CSV, name="book.csv")
    assert ob.n_snapshots == 2 and ob.n_levels == 3
    # snapshot 09:31 has one level per side: missing levels have size 0
    assert ob.ask_size[1].tolist() == [400, 0, 0]
    assert ob.mid.iloc[0] == pytest.approx((9.99 + 10.01) / 2)
    back = ex.read_order_book_csv(book.to_frame().to_csv(index=False))
    np.testing.assert_allclose(back.ask_price, book.ask_price)
    np.testing.assert_allclose(back.bid_size, book.bid_size)


@pytest.mark.parametrize(
    "edit, words",
    [
        (
            ("2024-01-02 09:30,bid,1,9.99,100", "2024-01-02 09:30,bid,1,10.01,100"),
            ["crossed", "09:30", "level 1"],
        ),
        (
            ("2024-01-02 09:30,ask,3,10.05,300", "2024-01-02 09:30,ask,3,10.015,300"),
            ["09:30", "ask level 3", "rise"],
        ),
        (
            ("2024-01-02 09:30,bid,2,9.98,200", "2024-01-02 09:30,bid,2,9.995,200"),
            ["09:30", "bid level 2", "fall"],
        ),
        (
            ("2024-01-02 09:30,ask,2,10.02,200", "2024-01-02 09:30,ask,1,10.02,200"),
            ["appears twice", "ask level 1"],
        ),
        (
            ("2024-01-02 09:30,ask,2,10.02,200", "2024-01-02 09:30,middle,2,10.02,200"),
            ["row 5", "not a side"],
        ),
        (("2024-01-02 09:30,ask,2,10.02,200", "2024-01-02 09:30,ask,2,abc,200"), ["row 5", "not a number"]),
        (("2024-01-02 09:30,ask,2,10.02,200", "2024-01-02 09:30,ask,2,10.02,-5"), ["row 5", "zero or more"]),
    ],
)
def test_bad_books_name_the_snapshot_and_level(edit, words):
    with pytest.raises(DataError) as err:
        ex.read_order_book_csv(BOOK_CSV.replace(*edit), name="book.csv")
    msg = str(err.value)
    assert "book.csv" in msg
    for w in words:
        assert w in msg


def test_order_book_with_decimal_commas_reads_like_the_same_book_with_points():
    # The European export of BOOK_CSV: semicolons between columns, decimal commas.
    eu = BOOK_CSV.replace(",", ";").replace(".", ",")
    eu = eu.replace("9,99;100", "9,99;1.000")  # and a thousands separator: 1.000 shares at 9.99
    ob = ex.read_order_book_csv(eu, name="book-eu.csv")
    ref = ex.read_order_book_csv(BOOK_CSV.replace("9.99,100", "9.99,1000"), name="book.csv")
    np.testing.assert_array_equal(ob.bid_price, ref.bid_price)
    np.testing.assert_array_equal(ob.ask_price, ref.ask_price)
    np.testing.assert_array_equal(ob.bid_size, ref.bid_size)
    assert ob.bid_price[0, 0] == 9.99 and ob.bid_size[0, 0] == 1000  # not 999 and 1


def test_order_book_with_mixed_decimal_marks_is_refused():
    text = "time;side;level;price;size\n09:30;bid;1;9,99;100\n09:30;ask;1;10.01;100\n"
    with pytest.raises(DataError, match=r"b\.csv: column 'price' uses a decimal comma \(row 2: '9,99'\) but row 3 "
                                        r"has '10\.01'"):
        ex.read_order_book_csv(text, name="b.csv")


def test_order_book_snapshot_dates_are_never_silently_month_first():
    # 02.01.2024 and 03.01.2024 could be 2 and 3 January or February 1 and March 1: nothing decides.
    text = ("time;side;level;price;size\n02.01.2024 09:30;bid;1;9,99;100\n02.01.2024 09:30;ask;1;10,01;100\n"
            "03.01.2024 09:30;bid;1;9,98;100\n03.01.2024 09:30;ask;1;10,02;100\n")
    with pytest.raises(DataError, match=r"b\.csv, row 2, column 'time': '02\.01\.2024 09:30' could be day 2 of month 1 "
                                        r"or month 2 day 1.*ISO"):
        ex.read_order_book_csv(text, name="b.csv")
    ob = ex.read_order_book_csv(text.replace("03.01.2024", "13.01.2024"), name="b.csv")
    assert list(ob.times) == [pd.Timestamp("2024-01-02 09:30"), pd.Timestamp("2024-01-13 09:30")]


def test_volume_file_with_thousands_separators_and_day_first_times():
    # 09:30 and 09:35 bars of 2 and 13 January 2024; 1.234.567 is 1,234,567 shares in a German export.
    text = ("time;volume\n02.01.2024 09:30;1.234.567\n02.01.2024 09:35;765.433\n"
            "13.01.2024 09:30;2.000.000\n")
    vol = ex.read_volume_csv(text, name="bars.csv")
    assert vol.tolist() == [1_234_567.0, 765_433.0, 2_000_000.0]
    assert vol.index[0] == pd.Timestamp("2024-01-02 09:30") and vol.index[2] == pd.Timestamp("2024-01-13 09:30")
    # by hand: day 1 = 1,234,567 + 765,433 = 2,000,000; day 2 = 2,000,000; mean 2,000,000
    assert ex.daily_volume_estimate(vol) == 2_000_000.0
    assert "'.' separating thousands" in vol.attrs["notes"][0] and "day first" in vol.attrs["notes"][1]


def test_book_csv_missing_column():
    with pytest.raises(DataError, match="missing the column"):
        ex.read_order_book_csv("time,side,price,size\n09:30,bid,1,2\n", name="b.csv")


# --------------------------------------------------------------------------- slippage
def test_slippage_hand_worked_example():
    ob = ex.read_order_book_csv(BOOK_CSV)
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


# --------------------------------------------------------------------------- impact fit
def test_fit_matches_sklearn_nonnegative_least_squares():
    from sklearn.linear_model import LinearRegression
    from sklearn.metrics import r2_score

    # 40 identical snapshots: whatever the held-out split, train and test data are the same
    one = ex.read_order_book_csv(BOOK_CSV)
    rows = [
        one.to_frame()
        .query("time == time.min()")
        .assign(time=pd.Timestamp("2024-01-02 09:30") + pd.Timedelta(minutes=k))
        for k in range(40)
    ]
    ob = ex.read_order_book_csv(pd.concat(rows).to_csv(index=False))
    sizes = np.linspace(10, 590, 30)
    slip = ex.estimate_slippage(ob, sizes)
    fit = ex.fit_impact(slip, "quadratic", n_intervals=2)
    y = slip.iloc[0].to_numpy()
    ref = LinearRegression(positive=True).fit(np.column_stack([sizes, sizes**2]), y)
    assert fit.half_spread.iloc[0] == pytest.approx(ref.intercept_, rel=1e-6)
    assert fit.linear.iloc[0] == pytest.approx(ref.coef_[0], rel=1e-6)
    assert fit.quadratic.iloc[0] == pytest.approx(ref.coef_[1], rel=1e-5, abs=1e-12)
    r2 = r2_score(y, ref.predict(np.column_stack([sizes, sizes**2])))
    assert fit.r2_test == pytest.approx(r2, rel=1e-6)
    assert fit.fit_quality["r2_test"].to_numpy() == pytest.approx([r2, r2], rel=1e-6)


def test_fit_reports_held_out_quality(book):
    slip = ex.estimate_slippage(book, np.linspace(100, 5_000, 25))
    lin = ex.fit_impact(slip, "linear", n_intervals=6)
    quad = ex.fit_impact(slip, "quadratic", n_intervals=6)
    assert len(lin.linear) == 6 and (lin.quadratic == 0).all() and (lin.linear > 0).all()
    q = lin.fit_quality
    assert list(q.columns) == ["r2_train", "r2_test", "rmse_test", "n_train", "n_test"]
    # 20 snapshots per interval, 25% held out: 5 test snapshots x 25 sizes, 15 x 25 to fit
    assert (q["n_test"] == 5 * 25).all() and (q["n_train"] == 15 * 25).all()
    assert 0.5 < lin.r2_test <= 1 and quad.r2_train >= lin.r2_train - 1e-12
    curve = quad.per_share([0, 1_000])
    assert curve.shape == (2, 6)
    np.testing.assert_allclose(curve.iloc[0].to_numpy(), quad.half_spread.to_numpy())


def test_fit_errors(book):
    slip = ex.estimate_slippage(book, [100, 200])
    with pytest.raises(DataError, match="linear' or 'quadratic"):
        ex.fit_impact(slip, "cubic")
    with pytest.raises(DataError, match="too few"):
        ex.fit_impact(slip.iloc[:5], n_intervals=4)


# --------------------------------------------------------------------------- optimal schedule
def test_water_filling_hand_worked_two_intervals():
    # cost b1 x1^2 + b2 x2^2 with b = (1e-6, 3e-6): equal marginal cost 2 b1 x1 = 2 b2 x2
    # -> x1 / x2 = 3, x1 = 7,500 and x2 = 2,500 for 10,000 shares
    imp = ex.ImpactModel.from_coefficients(0.0, [1e-6, 3e-6])
    s = ex.optimal_schedule(imp, 10_000, lot_size=100)
    assert s.trades.tolist() == [7_500, 2_500]
    # cost 1e-6 * 7500^2 + 3e-6 * 2500^2 = 56.25 + 18.75 = 75; TWAP: (1e-6 + 3e-6) * 5000^2 = 100
    assert s.expected_cost == pytest.approx(75.0)
    assert s.twap_cost == pytest.approx(100.0) and s.saving_vs_twap == pytest.approx(25.0)
    # with a cap of 6,000 in interval 1 the rest goes to interval 2
    capped = ex.optimal_schedule(imp, 10_000, max_participation=0.5, volumes=[12_000, 1e6])
    assert capped.trades.tolist() == [6_000, 4_000]


@pytest.mark.parametrize("quadratic", [False, True])
def test_three_solvers_agree_on_390_intervals(impact_390, quadratic):
    imp = (
        impact_390
        if quadratic
        else ex.ImpactModel.from_coefficients(impact_390.half_spread, impact_390.linear)
    )
    vols = ex.intraday_volume_profile(390).to_numpy() * 4_000_000
    kw = dict(max_participation=0.1, volumes=vols, no_trade=range(0, 15), sigma=0.02)
    res = {s: ex.optimal_schedule(imp, 300_000, 390, solver=s, **kw) for s in ex.SOLVERS}
    ref = res["cvxpy"].exact_cost  # Clarabel through cvxpy: an independent interior-point solver
    assert res["cvxpy"].solver == "CLARABEL"
    for s in ("analytical", "scipy"):
        assert res[s].exact_cost == pytest.approx(ref, rel=1e-6)
    # the analytical solution is at least as good as both numerical ones
    assert res["analytical"].exact_cost <= min(ref, res["scipy"].exact_cost) * (1 + 1e-12)
    x = res["analytical"].exact_trades.to_numpy()
    assert x.sum() == pytest.approx(300_000) and (x[:15] == 0).all() and (x <= 0.1 * vols + 1e-6).all()
    # KKT: every interval strictly between 0 and its cap has the same marginal cost
    c, b, a = imp.coefficients(390)
    mc = c + 2 * b * x + 3 * a * x**2
    inner = (x > 1e-6) & (x < 0.1 * vols - 1e-6)
    assert inner.sum() > 10 and np.ptp(mc[inner]) < 1e-9 * mc[inner].mean()
    # without caps the optimum beats TWAP under the same (time-varying) impact
    assert ex.optimal_schedule(imp, 300_000, 390).saving_vs_twap > 0


def test_water_filling_matches_cvxpy_on_random_problems():
    rng = np.random.default_rng(3)
    for trial in range(6):
        n = int(rng.integers(3, 40))
        c = rng.uniform(0, 0.05, n)
        b = rng.uniform(1e-7, 1e-5, n)
        a = rng.uniform(0, 1e-9, n) if trial % 2 else np.zeros(n)
        vols = rng.uniform(1e3, 1e5, n)
        total = int(0.1 * vols.sum() * rng.uniform(0.2, 0.95))
        imp = ex.ImpactModel.from_coefficients(c, b, a)
        got = ex.optimal_schedule(
            imp, total, solver="analytical", max_participation=0.1, volumes=vols, permanent=1e-8
        )
        ref = ex.optimal_schedule(
            imp, total, solver="cvxpy", max_participation=0.1, volumes=vols, permanent=1e-8
        )
        assert got.exact_cost == pytest.approx(ref.exact_cost, rel=1e-7)


def test_constant_impact_without_caps_is_twap():
    # Almgren and Chriss (2000), section 2.2: with lambda = 0 the optimal strategy is linear
    imp = ex.ImpactModel.from_coefficients(0.01, 2e-6, n_intervals=8)
    s = ex.optimal_schedule(imp, 80_000, permanent=1e-7)
    assert s.trades.tolist() == [10_000] * 8


def test_round_lots_sum_exactly_and_respect_caps(impact_390):
    vols = ex.intraday_volume_profile(390).to_numpy() * 3_000_000
    s = ex.optimal_schedule(impact_390, 123_457, 390, max_participation=0.08, volumes=vols, side="sell")
    t = s.trades.to_numpy()
    assert t.dtype.kind == "i" and t.sum() == 123_457 and s.side == "sell"
    assert (t % 100 != 0).sum() <= 1  # one odd lot of 57 shares at most
    assert t[np.flatnonzero(t)[-1]] % 100 == 57  # the odd lot goes with the last child order
    assert (t <= np.floor(0.08 * vols)).all()
    assert s.holdings.iloc[0] == 123_457 and s.holdings.iloc[-1] == 0
    frame = s.to_frame()
    assert list(frame.columns[:7]) == [
        "interval",
        "start",
        "end",
        "side",
        "shares",
        "cumulative",
        "remaining",
    ]
    assert frame["participation"].max() <= 0.08 + 1e-12
    # tiny caps: round lots no longer fit, whole shares are used and it says so
    small = ex.optimal_schedule(impact_390, 20_000, 390, max_participation=0.1, volumes=np.full(390, 600.0))
    assert small.trades.sum() == 20_000 and any("whole shares" in n for n in small.notes)


def test_timed_schedule_labels():
    imp = ex.ImpactModel.from_coefficients(0.01, 1e-6, n_intervals=4)
    s = ex.optimal_schedule(imp, 4_000, start="2024-03-01 15:00", interval="15min")
    assert s.start == pd.Timestamp("2024-03-01 15:00") and s.end == pd.Timestamp("2024-03-01 16:00")
    assert s.trades.index[0] == pd.Timestamp("2024-03-01 15:15")


def test_order_larger_than_caps_says_largest_size_and_horizon():
    imp = ex.ImpactModel.from_coefficients(0.01, 1e-6, n_intervals=10)
    vols = np.full(10, 10_000.0)
    with pytest.raises(InfeasibleError) as err:
        # 10% of 10 x 10,000 = 10,000 shares executable; 25,000 needs 25 intervals
        ex.optimal_schedule(
            imp, 25_000, max_participation=0.1, volumes=vols, start="2024-01-02 09:30", interval="1min"
        )
    msg = str(err.value)
    assert "10,000 shares" in msg and "25 intervals" in msg and "0 days 00:25:00" in msg
    assert err.value.code == "order_too_large" and err.value.details["largest_executable"] == 10_000
    with pytest.raises(InfeasibleError, match="largest executable size is 9,000"):
        ex.pov(25_000, 0.1, vols[:9])


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda imp: ex.optimal_schedule(imp, 0, 5), "positive number of shares"),
        (lambda imp: ex.optimal_schedule(imp, -100, 5), "positive number of shares"),
        (lambda imp: ex.optimal_schedule(imp, 100.5, 5), "whole number"),
        (lambda imp: ex.optimal_schedule(imp, 100, 0), "1 or more"),
        (lambda imp: ex.optimal_schedule(imp, 100, 5, solver="gurobi"), "analytical, cvxpy, scipy"),
        (
            lambda imp: ex.optimal_schedule(imp, 100, 5, max_participation=20, volumes=[1] * 5),
            "For 20% enter 0.2",
        ),
        (
            lambda imp: ex.optimal_schedule(imp, 100, 5, max_participation=0.2),
            "needs the expected market volume",
        ),
        (lambda imp: ex.optimal_schedule(imp, 100, 5, side="short"), "'buy' or 'sell'"),
        (lambda imp: ex.optimal_schedule(imp, 100, 5, permanent=1.0), "must exceed half the permanent"),
        (lambda imp: ex.twap(100, -2), "1 or more"),
        (lambda imp: ex.almgren_chriss(100, 0, 5, 0.1, 1e-6, 0, 0, 0), "horizon must be greater than zero"),
        (lambda imp: ex.almgren_chriss(100, 1, 5, 0.1, 1e-6, 0, 0, -1), "risk aversion"),
        (lambda imp: ex.almgren_chriss(100, 5, 1, 0.1, 1e-6, 1e-5, 0, 0), "eta - gamma"),
        (lambda imp: ex.ImpactModel.from_coefficients(0.0, [1e-6, 0.0]), "interval 2"),
        (lambda imp: ex.pov(100, 0, [10, 10]), "participation rate"),
    ],
)
def test_bad_input_is_refused_with_a_reason(call, words):
    imp = ex.ImpactModel.from_coefficients(0.01, 1e-6, n_intervals=5)
    with pytest.raises(DataError, match=None) as err:
        call(imp)
    assert words in str(err.value)


# --------------------------------------------------------------------------- classic schedules
def test_twap_hand_worked():
    # 1,050 shares over 4 intervals: 262.5 each = 2.625 lots -> 2 lots each, the 2 lots left go to the
    # largest remainders (a tie: the first two) -> 300, 300, 200, 200; the odd 50 joins the last child order,
    # the one that completes the parent
    s = ex.twap(1_050, 4)
    assert s.trades.tolist() == [300, 300, 200, 250]
    imp = ex.ImpactModel.from_coefficients(0.01, 1e-5, n_intervals=4)
    s = ex.twap(1_000, 4, impact=imp, sigma=0.1, lot_size=1)
    # spread 0.01 * 1000 = 10; temporary 4 * 1e-5 * 250^2 = 2.5; V = 0.1^2 (750^2 + 500^2 + 250^2) = 8,750
    assert s.costs["spread"] == pytest.approx(10.0) and s.costs["temporary"] == pytest.approx(2.5)
    assert s.variance == pytest.approx(8_750.0) and s.timing_risk == pytest.approx(np.sqrt(8_750.0))


def test_default_volume_profile_is_u_shaped_with_closing_auction():
    p = ex.intraday_volume_profile(390)
    assert p.sum() == pytest.approx(1.0)
    assert p.iloc[-1] == pytest.approx(ex.CLOSE_AUCTION_SHARE + 0.91 * p.iloc[0] / (1 - 0 * 0.09), rel=0.05)
    assert p.iloc[-1] > 0.09 and p.iloc[0] > 2.5 * p.iloc[195]  # heavier near the open than at midday
    assert np.argmin(p.to_numpy()[:-1]) in range(190, 200)
    flat = ex.intraday_volume_profile(13, close_auction=0.0)
    assert flat.iloc[0] == pytest.approx(flat.iloc[-1])


def test_volume_profile_estimated_from_bars():
    rng = np.random.default_rng(0)
    days = pd.bdate_range("2024-01-02", periods=5)
    idx = pd.DatetimeIndex([d + pd.Timedelta(minutes=570 + m) for d in days for m in range(390)])
    bars = pd.Series(rng.integers(100, 10_000, len(idx)).astype(float), index=idx)
    prof = ex.intraday_volume_profile(13, volumes=bars)
    # oracle: each day's share of its volume per 30-minute bucket, averaged over days
    df = bars.to_frame("v").assign(day=idx.normalize(), bucket=(idx.hour * 60 + idx.minute - 570) // 30)
    share = df.groupby(["day", "bucket"])["v"].sum() / df.groupby("day")["v"].sum()
    want = share.groupby("bucket").mean().to_numpy()
    np.testing.assert_allclose(prof.to_numpy(), want, rtol=1e-12)
    with pytest.raises(DataError, match="negative"):
        ex.intraday_volume_profile(13, volumes=-bars)


def test_vwap_follows_the_profile_and_pov_follows_volume():
    prof = np.array([4, 2, 1, 1, 2, 10], dtype=float)
    s = ex.vwap(20_000, 6, profile=prof, daily_volume=1e6)
    # 20,000 * prof / 20 = 4,000, 2,000, 1,000, 1,000, 2,000, 10,000
    assert s.trades.tolist() == [4_000, 2_000, 1_000, 1_000, 2_000, 10_000]
    assert s.participation.iloc[0] == pytest.approx(4_000 / 200_000)
    # POV 10% of (30k, 20k, 40k, 50k) -> 3,000, 2,000, then the 2,500 left, then nothing
    p = ex.pov(7_500, 0.1, [30_000, 20_000, 40_000, 50_000])
    assert p.trades.tolist() == [3_000, 2_000, 2_500, 0]
    assert p.participation.max() <= 0.1 + 1e-12


# --------------------------------------------------------------------------- comparison and baskets
def test_compare_strategies_table(impact_390):
    vols = ex.intraday_volume_profile(390).to_numpy() * 5_000_000
    t = ex.compare_strategies(
        200_000,
        390,
        impact=impact_390,
        volumes=vols,
        sigma=0.01,
        permanent=1e-8,
        risk_aversion=1e-6,
        participation=0.1,
        max_participation=0.15,
        price=50.0,
    )
    assert list(t.index) == ["twap", "vwap", "pov", "almgren_chriss", "optimal"]
    assert t.loc["twap", "saving_vs_twap"] == 0
    # the impact-optimal schedule has the lowest expected cost (whole shares: within a lot's cost)
    assert t["expected_cost"].idxmin() == "optimal"
    row = t.loc["optimal"]
    assert row["spread"] + row["temporary"] + row["permanent"] == pytest.approx(row["expected_cost"])
    assert row["cost_bps"] == pytest.approx(row["expected_cost"] / (200_000 * 50) * 1e4)
    assert t.loc["optimal", "max_participation"] <= 0.15 + 1e-12
    small = ex.compare_strategies(10_000_000, 390, impact=impact_390, volumes=vols, max_participation=0.1)
    assert "largest executable size" in small.loc["optimal", "note"] and np.isnan(
        small.loc["optimal", "expected_cost"]
    )


@pytest.fixture(scope="module")
def order():
    rng = np.random.default_rng(5)
    prices = pd.Series(50 * np.exp(np.cumsum(rng.normal(0, 0.01, 300))), name="XYZ")
    return ex.order_model(prices, 100_000, n_intervals=13, daily_volume=5_000_000, seed=1)


def test_order_model_passes_no_trade_windows_to_the_optimal_schedule(order):
    lunch = [5, 6]  # 12:00-12:30 and 12:30-13:00 of 13 half-hour intervals from 09:30
    s = order.schedule("optimal", participation=0.1, no_trade=lunch)
    x = s.trades.to_numpy()
    assert (x[lunch] == 0).all() and x.sum() == 100_000
    vol = order.volumes.to_numpy()
    direct = ex.optimal_schedule(
        order.impact,
        100_000,
        13,
        max_participation=0.1,
        volumes=vol,
        no_trade=lunch,
        permanent=order.permanent,
        sigma=order.sigma,
        start=order.start,
        interval=order.interval,
    )
    assert s.trades.tolist() == direct.trades.tolist()
    free = order.schedule("optimal", participation=0.1)
    assert s.exact_cost >= free.exact_cost - 1e-9  # one more constraint never lowers the optimum
    assert order.schedule("optimal", participation=0.1, no_trade=np.isin(np.arange(13), lunch)).trades.equals(
        s.trades
    )
    # Strategies that cannot skip intervals keep their trades and say what they trade in the windows.
    tw = order.schedule("twap", no_trade=lunch)
    inside = int(tw.trades.iloc[lunch].sum())
    assert tw.trades.equals(order.schedule("twap").trades) and inside > 0
    assert (
        f"TWAP does not take no-trade windows: it trades {inside:,} shares in them (12:00-13:00)"
        in tw.notes[-1]
    )
    for strategy in ("vwap", "pov", "almgren_chriss"):
        sched = order.schedule(strategy, participation=0.1, risk_aversion=1e-6, no_trade=lunch)
        assert "does not take no-trade windows" in sched.notes[-1]
    # The comparison and the solver cross-check solve the same constrained problem.
    t = order.compare(participation=0.1, no_trade=lunch)
    assert t.loc["optimal", "expected_cost"] == pytest.approx(s.expected_cost)
    assert t.loc["optimal", "intervals_used"] <= 11 and "no-trade" not in t.loc["optimal", "note"]
    assert all(
        "does not take no-trade windows" in t.loc[k, "note"]
        for k in ("twap", "vwap", "pov", "almgren_chriss")
    )
    assert order.compare_solvers(0.1, no_trade=lunch)["relative_gap"].max() < 1e-6


def test_order_model_without_a_fitted_impact_says_so_instead_of_failing(order):
    # an ImpactModel built by hand (not fitted to book slippage) has no fit quality to show
    hand = dataclasses.replace(order, impact=dataclasses.replace(order.impact, fit_quality=None))
    with pytest.raises(DataError, match="not fitted to book slippage") as err:
        _ = hand.fit_quality
    assert err.value.code == "no_fit_quality"
    assert list(order.fit_quality.columns)[-1] == "rmse_test_bps"  # a fitted order keeps its table


def test_order_model_no_trade_errors_name_the_windows(order):
    with pytest.raises(DataError, match="cover all 13 intervals"):
        order.schedule("optimal", no_trade=np.ones(13, dtype=bool))
    with pytest.raises(DataError, match="between 0 and 12"):
        order.schedule("optimal", no_trade=[13])
    # Only 12:30-13:00 open: the cap is measured against the volume outside the windows.
    with pytest.raises(InfeasibleError) as err:
        order.schedule("optimal", participation=0.1, no_trade=[i for i in range(13) if i != 6])
    open_volume = order.volumes.to_numpy()[6]
    msg = str(err.value)
    assert f"expected volume outside the 12 no-trade intervals is {open_volume:,.0f} shares" in msg
    assert f"largest executable size is {int(np.floor(0.1 * open_volume + 1e-9)):,} shares" in msg
    assert f"raise the cap to at least {100_000 / open_volume:.0%}" in msg


def test_basket_schedule_cash_imbalance():
    trades = pd.DataFrame(
        {
            "ticker": ["AAA", "BBB", "CCC"],
            "side": ["buy", "sell", "buy"],
            "shares": [10_000, 8_000, 3_000],
            "price": [50.0, 25.0, 100.0],
        }
    )
    b = ex.basket_schedule(
        trades, 4, daily_volume=pd.Series({"AAA": 5e6, "BBB": 2e6, "CCC": 1e6}), strategy="twap"
    )
    # TWAP in 4 intervals: AAA +2,500 a step, BBB -2,000, CCC +700/800
    assert b.child_orders["AAA"].tolist() == [2_500] * 4 and b.child_orders["BBB"].tolist() == [-2_000] * 4
    assert b.child_orders["CCC"].sum() == 3_000
    # buys per interval: 2,500 * 50 + CCC * 100; sells 2,000 * 25 = 50,000
    np.testing.assert_allclose(b.sells.to_numpy(), 50_000.0)
    np.testing.assert_allclose(b.buys.to_numpy(), 125_000 + b.child_orders["CCC"].to_numpy() * 100.0)
    # final imbalance: 500,000 + 300,000 bought - 200,000 sold = 600,000
    assert b.cash_imbalance.iloc[-1] == pytest.approx(600_000.0)
    assert b.expected_cost == pytest.approx(b.costs["expected_cost"].sum())
    assert b.timing_risk == pytest.approx(np.sqrt(b.costs["variance"].sum()))
    # the Almgren-Chriss rules of thumb: spread 10 bps of 50 = 0.05; AAA's half spread cost 0.025 * 10,000
    assert b.costs.loc["AAA", "spread"] == pytest.approx(250.0)
    for strat in ("vwap", "almgren_chriss", "optimal"):
        other = ex.basket_schedule(
            trades, 4, daily_volume=2e6, strategy=strat, risk_aversion=1e-6, max_participation=0.2
        )
        assert (other.child_orders.abs().sum() == [10_000, 8_000, 3_000]).all()


def test_basket_errors():
    trades = pd.DataFrame({"ticker": ["AAA", "BBB"], "shares": [100, -200], "price": [10.0, 20.0]})
    with pytest.raises(DataError, match="missing for BBB"):
        ex.basket_schedule(trades, 4, daily_volume=pd.Series({"AAA": 1e6}))
    with pytest.raises(DataError, match="BBB: price"):
        ex.basket_schedule(trades.assign(price=[10.0, 0.0]), 4, daily_volume=1e6)
    with pytest.raises(InfeasibleError, match="Ticker BBB"):
        ex.basket_schedule(
            trades,
            4,
            daily_volume=pd.Series({"AAA": 1e6, "BBB": 100.0}),
            strategy="optimal",
            max_participation=0.1,
        )


def test_clock_no_trade_windows_become_the_intervals_they_touch(order):
    # The order runs 09:30-16:00 in 13 intervals of 30 minutes: 12:00-13:00 is intervals 5 and 6;
    # 15:50-16:00 falls inside 15:30-16:00, interval 12, which is skipped whole with a note.
    mask, notes = order.no_trade_windows("12:00-13:00, 15:50-16:00")
    assert np.flatnonzero(mask).tolist() == [5, 6, 12]
    assert notes == ["The no-trade window 15:50-16:00 does not line up with the 30-minute intervals: no child "
                     "orders from 15:30 to 16:00."]
    assert order.no_trade_windows("  ") == (None, [])
    with pytest.raises(DataError, match="ends at 12:00, before it starts at 13:00"):
        order.no_trade_windows("13:00-12:00")
