"""Execution page callbacks as functions: finance_core's numbers on screen, reasons for bad input.

Expected values are recomputed independently: the volatility with numpy from the bundled
closes, the schedule costs with the Almgren-Chriss cost formulas written out here, the
participation cap from the expected volumes.
"""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd
import pytest
from dash import no_update
from dash.exceptions import PreventUpdate

import workspace
from finance_core import execution
from pages import execute as page

WS = workspace.DEFAULT
ORDER = dict(ws=WS, ticker="AAPL", side="buy", shares=200_000, horizon=390, intervals=13, start="09:30",
             volume=5_000_000, impact="linear", source="synthetic", book_ref=None, vol_ref=None, seed=0)


def _order(**changes):
    """The order form's values by name, as the callbacks take them."""
    assert set(changes) <= set(ORDER), changes
    return {**ORDER, **changes}


def _market(**changes):
    """The order form's market, as the basket callbacks take it (ticker, window, volume, book, seed)."""
    order = _order(**changes)
    return {name: order[name] for name in page.MARKET}


def _upload(text: str) -> str:
    return "data:text/csv;base64," + base64.b64encode(text.encode()).decode()


@pytest.fixture(scope="module")
def model():
    return page._order(**ORDER)


def test_market_kpis_show_the_last_close_and_an_independent_volatility(model):
    kpis, fig, text, quality, _notes, alert = page.market(ORDER, "light")
    closes = workspace.resolve(WS).prices["AAPL"]
    r = np.diff(closes.to_numpy()[-253:]) / closes.to_numpy()[-253:-1]
    vol = r.std(ddof=1) * np.sqrt(252)
    assert alert is None
    assert f"${closes.iloc[-1]:,.2f}" in str(kpis) and f"{vol:.1%}" in str(kpis)
    assert "Held-out R2" in str(text) and f"{model.impact.r2_test:.3f}" in str(text)
    assert len(quality) == 13 and {"r2_test", "rmse_test"} <= set(quality[0])
    assert fig.data[0].type == "scatter" and len(fig.data) >= 3  # the book walk and fitted curves


def test_schedule_costs_match_the_almgren_chriss_formulas(model):
    kpis, fig, costs_fig, rows, alert = page.schedule(ORDER, "twap", -7, 0.1, "", "light")
    n = np.array([r["shares"] for r in rows], dtype=float)
    assert n.sum() == 200_000 and all(x % 100 == 0 for x in n)  # round lots adding up to the parent
    c, b, a = (s.to_numpy() for s in (model.impact.half_spread, model.impact.linear, model.impact.quadratic))
    x = 200_000 - np.cumsum(n)
    expected = n @ c + (n**2) @ b + (n**3) @ a + 0.5 * model.permanent * (200_000**2 - (n**2).sum())
    risk = np.sqrt(model.sigma**2 * (x**2).sum())
    assert f"${expected:,.0f}" in str(kpis) and f"${risk:,.0f}" in str(kpis)
    assert alert is None and rows[0]["start"] == "09:30" and rows[-1]["end"] == "16:00"


def test_optimal_schedule_respects_the_cap_and_beats_twap(model):
    kpis, fig, _costs, rows, alert = page.schedule(ORDER, "optimal", -7, 0.05, "", "light")
    caps = 0.05 * model.volumes.to_numpy()
    shares = np.array([r["shares"] for r in rows])
    assert (shares <= caps + 1e-6).all() and shares.sum() == 200_000
    saving = (
        model.schedule("twap").expected_cost - model.schedule("optimal", participation=0.05).expected_cost
    )
    assert f"${saving:,.0f}" in str(kpis) and saving > 0
    assert [t.name for t in fig.data][:2] == ["Child orders (buy)", "Order executed (cumulative)"]


def test_order_larger_than_the_cap_gets_the_largest_size_and_horizon():
    out = page.schedule(_order(shares=2_000_000), "optimal", -7, 0.1, "", "light")
    assert out[:4] == (no_update,) * 4
    message = str(out[4])
    largest = int(np.floor(0.1 * page._order(**ORDER).volumes.to_numpy() + 1e-9).sum())
    assert f"largest executable size is {largest:,} shares" in message
    assert "extend the horizon to about" in message and "raise the cap to at least 40%" in message
    pov = page.schedule(_order(shares=2_000_000), "pov", -7, 0.1, "", "light")
    assert "largest executable size" in str(pov[4])


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"shares": -500}, "must be a positive number of shares"),
        ({"shares": None}, "The order size is empty"),
        ({"horizon": 0}, "horizon (minutes) must be greater than zero"),
        ({"horizon": 400}, "runs past the 16:00 close: 390 minutes are left"),
        ({"start": "17:00"}, "outside the regular session"),
        ({"intervals": 0}, "number of intervals must be a whole number of 1 or more"),
        ({"volume": -1}, "daily volume must be greater than zero"),
        ({"ticker": "ZZZZ"}, "'ZZZZ' is not in the workspace universe"),
        ({"source": "upload"}, "No order-book file has been uploaded"),
    ],
)
def test_bad_order_fields_are_refused_with_a_reason(changes, words):
    out = page.schedule(_order(**changes), "optimal", -7, 0.1, "", "light")
    assert out[0] is no_update and words in str(out[4])
    market = page.market(_order(**changes), "light")
    assert market[0] is no_update and words in str(market[-1])
    # The frontier and the comparison keep their old result and point to that message once.
    fr = page.frontier(_order(**changes), "optimal", -7, 0.1, "", "light")
    assert fr[0] is no_update and "Not computed" in str(fr[1]) and "message above" in str(fr[1])
    cmp = page.comparison(_order(**changes), -7, 0.1, "")
    assert cmp[0] is no_update and "Not computed" in str(cmp[1])


# On 13 half-hour intervals from 09:30 these skip 12:00-12:30, 12:30-13:00 and (the whole of) 15:30-16:00.
WINDOWS = "12:00-13:00, 15:50-16:00"


def test_no_trade_windows_get_no_child_orders_and_the_order_still_adds_up(model):
    kpis, fig, _costs, rows, notes = page.schedule(ORDER, "optimal", -7, 0.1, WINDOWS, "light")
    shares = {r["start"]: r["shares"] for r in rows}
    assert shares["12:00"] == shares["12:30"] == shares["15:30"] == 0
    assert sum(shares.values()) == 200_000 and all(x % 100 == 0 for x in shares.values())
    assert all(r["shares"] > 0 for r in rows if r["start"] not in ("12:00", "12:30", "15:30"))
    assert [r["start"] for r in rows if r["no_trade"] == "yes"] == ["12:00", "12:30", "15:30"]
    caps = 0.1 * model.volumes.to_numpy()
    assert (np.array([r["shares"] for r in rows]) <= caps + 1e-6).all()
    # The page's clock windows are the core's intervals 5, 6 and 12 (0-based).
    direct = model.schedule("optimal", participation=0.1, no_trade=[5, 6, 12])
    assert [r["shares"] for r in rows] == direct.trades.tolist()
    assert f"${direct.expected_cost:,.0f}" in str(kpis) and "3 intervals in no-trade windows" in str(kpis)
    # TWAP trades through the windows, so the saving against it is negative: written -$1,234, not $-1,234.
    saving = model.summary(direct)["saving_vs_twap"]
    assert saving < 0 and f"-${-saving:,.0f}" in str(kpis) and "$-" not in str(kpis)
    # The chart shades each run of skipped intervals and labels it with its clock times.
    assert [(sh.x0, sh.x1) for sh in fig.layout.shapes] == [(4.5, 6.5), (11.5, 12.5)]
    assert [a.text for a in fig.layout.annotations] == ["No trade 12:00-13:00", "No trade 15:30-16:00"]
    text = str(notes)
    assert (
        "15:50-16:00 does not line up with the 30-minute intervals: no child orders from 15:30 to 16:00"
        in text
    )
    free = model.schedule("optimal", participation=0.1)
    assert f"without them the impact-optimal schedule is expected to cost ${free.expected_cost:,.0f}" in text
    # Another window: 15-minute intervals from 10:00, a window across three of them.
    morning = _order(shares=50_000, start="10:00", horizon=120, intervals=8)
    *_, rows, notes = page.schedule(morning, "optimal", -7, 0.1, "10:40-11:10", "light")
    assert [r["start"] for r in rows if r["shares"] == 0] == ["10:30", "10:45", "11:00"]
    assert sum(r["shares"] for r in rows) == 50_000 and "no child orders from 10:30 to 11:15" in str(notes)


def test_no_trade_windows_reach_the_comparison_the_export_and_the_solvers(model):
    rows, alert = page.comparison(ORDER, -7, 0.1, WINDOWS)
    by = {r["strategy"]: r for r in rows}
    optimal = model.schedule("optimal", participation=0.1, no_trade=[5, 6, 12])
    assert by["Impact-optimal"]["expected_cost"] == pytest.approx(optimal.expected_cost)
    assert by["Impact-optimal"]["intervals_used"] == 10 and alert is None
    twap = model.schedule("twap").trades.to_numpy()
    inside = int(twap[[5, 6, 12]].sum())
    assert (
        f"does not take no-trade windows: it trades {inside:,} shares in them (12:00-13:00, 15:30-16:00)"
        in (by["TWAP"]["note"])
    )
    download, _status = page.export_child_orders(1, ORDER, "optimal", -7, 0.1, WINDOWS)
    frame = pd.read_csv(pd.io.common.StringIO(download["content"]))
    assert frame["shares"].sum() == 200_000 and frame.loc[frame["no_trade"], "shares"].eq(0).all()
    assert frame["no_trade"].sum() == 3
    solved, status = page.solvers(lambda _progress: None, 1, ORDER, 0.1, WINDOWS)
    assert max(r["relative_gap"] for r in solved) < 1e-6 and "All three solvers answered" in str(status)
    assert min(r["exact_cost"] for r in solved) == pytest.approx(optimal.exact_cost, rel=1e-6)


def test_strategies_that_cannot_skip_windows_say_so(model):
    _kpis, fig, _costs, rows, notes = page.schedule(ORDER, "vwap", -7, 0.1, "12:00-13:00", "light")
    inside = sum(r["shares"] for r in rows if r["start"] in ("12:00", "12:30"))
    assert inside > 0 and sum(r["shares"] for r in rows) == 200_000
    assert [r["start"] for r in rows if r["no_trade"] == "yes"] == ["12:00", "12:30"]  # flagged, not emptied
    assert f"VWAP does not take no-trade windows: it trades {inside:,} shares in them (12:00-13:00)" in str(
        notes
    )
    assert len(fig.layout.shapes) == 1  # the window is still shaded, over the bars VWAP puts in it


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("noon-13:00", "The no-trade window 'noon-13:00' is not a time range. Write HH:MM-HH:MM"),
        ("12:00-13:00, 14:00 15:00", "The no-trade window '14:00 15:00' is not a time range"),
        ("12:00-25:00", "'12:00-25:00' has a time that is not a time of day"),
        (
            "13:00-12:00",
            "'13:00-12:00' ends at 12:00, before it starts at 13:00. Write the earlier time first: "
            "12:00-13:00",
        ),
        ("12:00-12:00", "'12:00-12:00' is empty"),
        ("08:00-09:00", "'08:00-09:00' is outside the order's window 09:30-16:00"),
        ("15:30-16:30", "'15:30-16:30' reaches outside the order's window 09:30-16:00"),
        ("09:30-12:00, 11:45-16:00", "windows 09:30-12:00, 11:45-16:00 cover every interval of the order"),
    ],
)
def test_bad_no_trade_windows_name_the_range(text, words):
    out = page.schedule(ORDER, "optimal", -7, 0.1, text, "light")
    assert out[:4] == (no_update,) * 4 and words in str(out[4])
    # The comparison keeps its table and points to the schedule's message; the market does not read the windows.
    cmp = page.comparison(ORDER, -7, 0.1, text)
    assert cmp[0] is no_update and "the no-trade windows have a problem" in str(cmp[1])
    assert page.export_child_orders(1, ORDER, "optimal", -7, 0.1, text)[0] is no_update


def test_windows_are_checked_against_the_order_window():
    # 11:00-12:00 sits inside a whole-day order but outside a 60-minute order from 09:30.
    out = page.schedule(_order(horizon=60, intervals=4), "optimal", -7, 0.1, "11:00-12:00", "light")
    assert "is outside the order's window 09:30-10:30" in str(out[4])


@pytest.mark.parametrize(("strategy", "risk"), [("almgren_chriss", -6.5), ("almgren_chriss", -8), ("vwap", -6.5)])
def test_frontier_star_is_the_schedule_shown(model, strategy, risk):
    fig, alert = page.frontier(ORDER, strategy, risk, 0.1, "", "light")
    kpis, sched_fig, _costs, rows, _notes = page.schedule(ORDER, strategy, risk, 0.1, "", "light")
    star = next(t for t in fig.data if t.name.startswith("Chosen"))
    # The schedule in the chart, recomputed by hand from its child orders with the order's cost model
    # (spread c n + temporary b n^2 + a n^3, permanent gamma/2 (X^2 - sum n^2), variance sigma^2 sum x^2).
    n = np.array([r["shares"] for r in rows], dtype=float)
    assert list(n) == list(sched_fig.data[0].y)  # the bars drawn are these child orders
    c, b, a = (s.to_numpy() for s in (model.impact.half_spread, model.impact.linear, model.impact.quadratic))
    x = 200_000 - np.cumsum(n)
    cost = n @ c + (n**2) @ b + (n**3) @ a + 0.5 * model.permanent * (200_000**2 - (n**2).sum())
    risk_sd = np.sqrt(model.sigma**2 * (x**2).sum())
    assert alert is None
    assert star.y[0] == pytest.approx(cost, rel=1e-12) and star.x[0] == pytest.approx(risk_sd, rel=1e-12)
    assert f"${cost:,.0f}" in str(kpis) and f"${risk_sd:,.0f}" in str(kpis)  # the KPI cards say the same
    if strategy == "almgren_chriss":
        # Same lambda and intervals: the frontier's point at the slider's lambda is the unrounded schedule, and
        # the star sits on the curve up to rounding to lots of 100.
        point = model.frontier(10.0**risk)
        exact = model.schedule(strategy, risk_aversion=10.0**risk, participation=0.1).exact_cost
        assert point["expected_cost"].iloc[0] == pytest.approx(exact, rel=1e-9)
        curve = fig.data[0]
        order = np.argsort(curve.x)
        on_curve = np.interp(star.x[0], np.asarray(curve.x)[order], np.asarray(curve.y)[order])
        assert star.y[0] == pytest.approx(on_curve, rel=1e-3)
        assert f"lambda {10.0**risk:.1e}" in star.name
    else:
        assert "VWAP" in star.name


def test_comparison_lists_every_strategy_with_savings_against_twap(model):
    rows, _alert = page.comparison(ORDER, -7, 0.1, "")
    by = {r["strategy"]: r for r in rows}
    assert set(by) == {"TWAP", "VWAP", "POV", "Almgren-Chriss", "Impact-optimal"}
    assert by["TWAP"]["saving_vs_twap"] == 0
    for name, key in (("VWAP", "vwap"), ("Impact-optimal", "optimal")):
        sched = model.schedule(key, participation=0.1)
        assert by[name]["expected_cost"] == pytest.approx(sched.expected_cost)
        assert by[name]["cost_bps"] == pytest.approx(sched.expected_cost / (200_000 * model.price) * 1e4)


def test_urgency_sets_the_risk_aversion_and_back(call_with_trigger, model):
    _u, risk, note = call_with_trigger("exec-urgency.value", page.urgency, 3.0, -7, ORDER)
    lam = 10**risk
    assert model.urgency(lam) == pytest.approx(3.0, rel=0.03)  # the slider rounds log10(lambda) to 0.01
    urgency, risk2, _ = call_with_trigger("exec-risk.value", page.urgency, 3.0, -6, ORDER)
    assert risk2 is no_update and urgency == round(model.urgency(1e-6), 1)


def test_export_writes_child_orders_that_add_up(call_with_trigger):
    download, status = page.export_child_orders(1, ORDER, "vwap", -7, 0.1, "")
    frame = pd.read_csv(pd.io.common.StringIO(download["content"]))
    assert download["filename"] == "child-orders-AAPL-buy-vwap.csv"
    assert frame["shares"].sum() == 200_000 and (frame["ticker"] == "AAPL").all()
    assert "13 child orders" in str(status)


def test_uploaded_book_is_used_and_bad_books_name_the_snapshot_and_level():
    book = execution.synthetic_order_book(
        60, 8, base_price=126.0, spread=0.06, depth=2_000, seed=3, start="2024-03-01 09:30"
    )
    csv = book.to_frame().to_csv(index=False, date_format="%Y-%m-%d %H:%M")
    store, source, status, contents = page.upload_book(_upload(csv), "book.csv")
    assert source == "upload" and contents is None and "60 snapshots, 8 levels" in str(status)
    kpis, _fig, text, *_rest, alert = page.market(_order(source="upload", book_ref=store, horizon=60), "light")
    assert alert is None and "uploaded book book.csv" in str(text)
    lines = csv.splitlines()
    bad = [lines[0]] + [
        ln.replace(",bid,1,", ",bid,1,999") if ln.startswith("2024-03-01 09:35,bid,1,") else ln
        for ln in lines[1:]
    ]
    # The error goes to the upload's own status line, which nothing else writes.
    out = page.upload_book(_upload("\n".join(bad)), "crossed.csv")
    assert out[0] is no_update and out[1] is no_update
    assert "snapshot 2024-03-01 09:35:00 is crossed at level 1" in str(out[2])
    nm = page.upload_book(_upload("\n".join(_lower_level(lines, "2024-03-01 09:40", 3))), "steps.csv")
    assert nm[0] is no_update and "snapshot 2024-03-01 09:40:00, ask level 3" in str(nm[2])


def _lower_level(lines, time, level):
    """The CSV with the ask at ``level`` of ``time`` priced below level 1 (a non-monotone book)."""
    best = next(ln for ln in lines if ln.startswith(f"{time},ask,1,")).split(",")[3]
    out = []
    for ln in lines:
        parts = ln.split(",")
        if ln.startswith(f"{time},ask,{level},"):
            parts[3] = f"{float(best) - 0.01:.2f}"
        out.append(",".join(parts))
    return out


def test_uploaded_volumes_set_the_daily_volume_and_the_profile():
    csv = execution.sample_volume_csv(daily_volume=3_000_000, days=2)
    store, volume, status, contents = page.upload_volumes(_upload(csv), "bars.csv")
    frame = pd.read_csv(pd.io.common.StringIO(csv), parse_dates=["time"])
    expected = frame.groupby(frame["time"].dt.date)["volume"].sum().mean()
    assert contents is None and volume == round(expected) and "2 days" in str(status)
    kpis, *_ = page.market(_order(vol_ref=store, volume=volume), "light")
    assert f"{expected:,.0f}" in str(kpis)  # the whole-session window trades the whole day's volume
    bad = page.upload_volumes(_upload("time,volume\n2024-01-02 09:30,100\n2024-01-02 09:35,-5\n"), "neg.csv")
    assert bad[0] is no_update and bad[1] is no_update and "row 3" in str(bad[2]) and "'-5'" in str(bad[2])


def test_basket_uses_the_workspace_trade_list_or_says_it_is_empty():
    status, kpis, fig, rows, _notes = page.basket(WS, "vwap", False, -7, 0.1, _market(), "light")
    assert "no trade list yet" in str(status) and rows == []
    trades = [
        {"ticker": "KO", "side": "buy", "shares": 10_000, "price": 60.0},
        {"ticker": "XOM", "side": "sell", "shares": 5_000, "price": 110.0},
    ]
    ws = workspace.with_target(WS, pd.Series({"KO": 0.5, "XOM": 0.5}), "manual", trades)
    status, kpis, fig, rows, _notes = page.basket(ws, "twap", True, -7, 0.1, _market(), "light")
    assert "2 orders" in str(status) and {r["ticker"] for r in rows} == {"KO", "XOM"}
    buys, sells, imbalance = fig.data[0].y, fig.data[1].customdata, fig.data[2].y
    assert sum(buys) == pytest.approx(600_000) and sum(sells) == pytest.approx(550_000)
    assert imbalance[-1] == pytest.approx(50_000)  # 600,000 bought - 550,000 sold
    total = sum(r["expected_cost"] for r in rows)
    assert f"${total:,.0f}" in str(kpis)


def test_sample_basket_when_the_workspace_has_none():
    status, kpis, _fig, rows, _ = page.basket(WS, "optimal", True, -7, 0.1, _market(), "light")
    assert "sample basket" in str(status) and len(rows) == 6
    assert {r["side"] for r in rows} == {"buy", "sell"}


def test_solver_cross_check_agrees():
    rows, status = page.solvers(lambda _progress: None, 1, ORDER, 0.1, "")
    assert {r["solver"] for r in rows} == {"analytical", "cvxpy", "scipy"}
    assert max(r["relative_gap"] for r in rows) < 1e-6 and "All three solvers answered" in str(status)


def test_settings_from_the_url_and_out_of_range_values():
    values, problems = page.URL.read({"shares": "50000", "cap": "0.9", "risk": "abc"})
    assert values["shares"] == 50_000 and values["cap"] == 0.1 and values["risk"] == -7.0
    assert values["no_trade"] == ""
    assert page.URL.read({"no_trade": WINDOWS})[0]["no_trade"] == WINDOWS
    assert f"value='{WINDOWS}'" in str(
        page.layout(no_trade=WINDOWS)
    )  # the box starts with the link's windows
    assert any("cap=0.9 is outside the accepted range" in p for p in problems)
    assert any("risk='abc' cannot be read" in p for p in problems)


def test_basket_summary_goes_to_the_presentation_only_for_a_real_trade_list():
    from dash import no_update

    import workspace
    from pages import present

    out = page.save_basket_summary(1, workspace.DEFAULT, "optimal", -6.0, 0.1, _market())
    assert out[0] is no_update and "no trade list" in str(out[1])
    wd = workspace.resolve(workspace.DEFAULT)
    trades = [
        {"ticker": "AAPL", "side": "buy", "shares": 20_000, "price": float(wd.prices["AAPL"].iloc[-1])},
        {"ticker": "KO", "side": "sell", "shares": 10_000, "price": float(wd.prices["KO"].iloc[-1])},
    ]
    ws = workspace.with_target(workspace.DEFAULT, wd.prices.iloc[-1] * 0 + 0.05, "manual", trades)
    new_ws, alert = page.save_basket_summary(1, ws, "optimal", -6.0, 0.1, _market())
    summary = new_ws["execution_summary"]
    assert summary["saving"] >= -1e-6  # the impact-optimal schedule never costs more than TWAP
    assert "less than TWAP" in summary["text"]
    assert summary["text"] in str(present._desks(new_ws))


def _child_shares(rows) -> list[int]:
    return sorted(int(r["shares"]) for r in rows)


def test_any_whole_number_of_shares_and_any_daily_volume_schedule():
    # The number boxes take any number: with step=100 the browser sent None for 547.
    form = str(page.layout())
    for box in (page.SHARES, page.VOLUME, page.HORIZON, page.INTERVALS):
        assert f"id='{box}'" in form
    assert "step=100" not in form and "step=100000" not in form and "step='any'" in form
    order = _order(shares=547, volume=2_345_678)
    kpis, _fig, _costs, rows, alert = page.schedule(order, "twap", -7, 0.1, "", "light")
    assert "Schedule not computed" not in str(alert)
    # Hand-worked: 547 = 5 round lots + an odd lot of 47. TWAP wants 547 / 13 = 42.08 a interval, so
    # five intervals get a lot of 100 (equal remainders 0.42: the first five) and the odd lot joins the last
    # child order, which completes the parent: 100, 100, 100, 100, 147, then 8 empty intervals.
    assert [r["shares"] for r in rows] == [100, 100, 100, 100, 147] + [0] * 8
    # The expected volume of each interval is the typed daily volume times the session profile.
    profile = execution.session_window("09:30", 390, 13).profile.to_numpy()
    assert [r["expected_volume"] for r in rows] == pytest.approx(2_345_678 * profile)
    for strategy in ("vwap", "pov", "almgren_chriss", "optimal"):
        *_, rows, alert = page.schedule(order, strategy, -7, 0.1, "", "light")
        shares = _child_shares(rows)
        assert sum(shares) == 547, strategy
        assert sorted(s % 100 for s in shares if s % 100) == [47], strategy  # one odd lot, the rest round
        last = [r["shares"] for r in rows if r["shares"] > 0][-1]
        assert last % 100 == 47, strategy  # the odd lot goes with the last child order


BAD_FIELDS = [
    ({"shares": None}, "The order size is empty. Enter a positive whole number of shares"),
    ({"shares": 0}, "must be a positive number of shares; got 0"),
    ({"shares": -547}, "must be a positive number of shares; got -547"),
    ({"shares": 547.5}, "must be a whole number of shares; got 547.5"),
    ({"volume": None}, "The daily volume is empty. Enter a number greater than zero"),
    ({"volume": 0}, "The daily volume must be greater than zero; got 0"),
    ({"intervals": None}, "The number of intervals is empty"),
    ({"horizon": None}, "The horizon (minutes) is empty"),
]


@pytest.mark.parametrize(("changes", "words"), BAD_FIELDS)
def test_empty_or_bad_order_fields_never_raise(changes, words, caplog, call_with_trigger):
    order = _order(**changes)
    out = page.schedule(order, "vwap", -7, 0.1, "", "light")
    assert out[0] is no_update and words in str(out[4])
    assert "is not a number" not in str(out[4])
    page.market(order, "light")
    page.frontier(order, "vwap", -7, 0.1, "", "light")
    page.comparison(order, -7, 0.1, "")
    page.export_child_orders(1, order, "vwap", -7, 0.1, "")
    call_with_trigger("exec-urgency.value", page.urgency, 2.0, -7, order)
    page.basket(WS, "vwap", True, -7, 0.1, _market(**changes), "light")
    page.solvers(lambda _progress: None, 1, order, 0.1, "")
    # No callback raised: nothing was logged as a failure (a traceback in the server log).
    assert [r.getMessage() for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")] == []


def _target(trades):
    wd = workspace.resolve(WS)
    rows = [{**t, "price": float(wd.prices[t["ticker"]].iloc[-1])} for t in trades]
    return workspace.with_target(WS, wd.prices.iloc[-1] * 0 + 0.05, "manual", rows)


def _single_cost(strategy, risk=-7, cap=0.1, **changes) -> float:
    """The single-order panel's expected cost (its KPI shows it in dollars), to the cent."""
    kpis, *_rest, alert = page.schedule(_order(**changes), strategy, risk, cap, "", "light")
    cost = page._order(**_order(**changes)).schedule(strategy, risk_aversion=page._lam(risk), participation=cap)
    assert alert is None or "not computed" not in str(alert)
    assert f"${cost.expected_cost:,.0f}" in str(kpis)
    return cost.expected_cost


@pytest.mark.parametrize(
    ("strategy", "risk", "cap"),
    [("vwap", -7, 0.1), ("twap", -7, 0.1), ("optimal", -7, 0.05), ("almgren_chriss", -6, 0.1)],
)
def test_the_basket_prices_an_order_as_the_single_order_panel_does(strategy, risk, cap):
    # The case: 8,000 AAPL by VWAP was $715.80 in the basket and $266.74 in the panel above.
    ws = _target([{"ticker": "AAPL", "side": "buy", "shares": 8_000}, {"ticker": "KO", "side": "sell", "shares": 5_000}])
    _status, kpis, _fig, rows, notes = page.basket(ws, strategy, False, risk, cap, _market(), "light")
    by = {r["ticker"]: r for r in rows}
    aapl = _single_cost(strategy, risk, cap, shares=8_000)
    ko = _single_cost(strategy, risk, cap, ticker="KO", side="sell", shares=5_000)
    assert round(by["AAPL"]["expected_cost"], 2) == round(aapl, 2)
    assert round(by["KO"]["expected_cost"], 2) == round(ko, 2)
    assert f"${aapl + ko:,.0f}" in str(kpis)  # the basket total is the two single orders
    # What the basket shares with the order form is said on the page: one daily volume for every name.
    assert "5,000,000 shares for every name" in str(notes) and "no per-name volume" in str(notes)


def test_the_basket_uses_the_uploaded_book_for_the_form_ticker():
    book = execution.synthetic_order_book(
        60, 8, base_price=126.0, spread=0.06, depth=2_000, seed=3, start="2024-03-01 09:30"
    )
    csv = book.to_frame().to_csv(index=False, date_format="%Y-%m-%d %H:%M")
    store, *_ = page.upload_book(_upload(csv), "book.csv")
    changes = dict(source="upload", book_ref=store, horizon=60, shares=3_000)
    ws = _target([{"ticker": "AAPL", "side": "buy", "shares": 3_000}, {"ticker": "KO", "side": "buy", "shares": 900}])
    _status, _kpis, _fig, rows, notes = page.basket(ws, "vwap", False, -7, 0.1, _market(**changes), "light")
    by = {r["ticker"]: r for r in rows}
    assert round(by["AAPL"]["expected_cost"], 2) == round(_single_cost("vwap", **changes), 2)
    assert "uploaded for AAPL" in str(notes)
    ko = _single_cost("vwap", ticker="KO", shares=900, horizon=60)  # KO keeps its synthetic book
    assert round(by["KO"]["expected_cost"], 2) == round(ko, 2)


def test_add_to_presentation_runs_only_on_a_click_and_says_more_or_less():
    from pages import present

    ws = _target([{"ticker": "AAPL", "side": "buy", "shares": 20_000}, {"ticker": "KO", "side": "sell", "shares": 10_000}])
    # Opening the page (or restoring it from a link) renders the button with n_clicks 0 or None: no update.
    for clicks in (0, None):
        with pytest.raises(PreventUpdate):
            page.save_basket_summary(clicks, ws, "vwap", -7.0, 0.1, _market(volume=2_345_678))
    # Almgren-Chriss at lambda 1e-5 front-loads the order: it costs more than TWAP. Expected: the two orders
    # priced one by one in the single-order panel (the basket prices each name as the panel does).
    new_ws, _alert = page.save_basket_summary(1, ws, "almgren_chriss", -5.0, 0.1, _market(volume=2_345_678))
    summary = new_ws["execution_summary"]
    orders = [dict(shares=20_000, volume=2_345_678), dict(ticker="KO", side="sell", shares=10_000, volume=2_345_678)]
    extra = sum(_single_cost("almgren_chriss", -5.0, **o) - _single_cost("twap", -5.0, **o) for o in orders)
    assert extra > 1
    assert summary["saving"] == pytest.approx(-extra)
    # The daily volume typed in the form (not the risk aversion) and "more" for an extra cost, never "-$".
    assert "daily volume 2,345,678 shares per name" in summary["text"] and "daily volume -5" not in summary["text"]
    assert f"${extra:,.0f} more than TWAP" in summary["text"] and "-$" not in summary["text"]
    assert summary["text"] in str(present._desks(new_ws))  # what the Present page shows
    # A new target (another trade list) makes that estimate stale: the Present page says so instead.
    newer = _target([{"ticker": "AAPL", "side": "buy", "shares": 500}])
    shown = str(present._desks(dict(newer, execution_summary=summary)))
    assert summary["text"] not in shown and "earlier trade list" in shown
    # The impact-optimal schedule never costs more than TWAP, so it says "less".
    opt_ws, _ = page.save_basket_summary(1, ws, "optimal", -7.0, 0.1, _market(volume=2_345_678))
    assert "less than TWAP" in opt_ws["execution_summary"]["text"]


def _find(component, id_):
    """The component with ``id_`` in a layout tree."""
    if getattr(component, "id", None) == id_:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and not isinstance(child, (str, int, float)):
            found = _find(child, id_)
            if found is not None:
                return found
    return None


def test_held_out_rmse_is_shown_in_bps_with_two_significant_digits(model):
    _kpis, _fig, text, quality, _notes, _alert = page.market(ORDER, "light")
    # Independent: the pooled held-out RMSE ($ per share) over the book's mean mid, in basis points.
    mid = float(((model.book.bid_price[:, 0] + model.book.ask_price[:, 0]) / 2).mean())
    bps = model.impact.rmse_test / mid * 1e4
    two = np.format_float_positional(bps, precision=2, unique=False, fractional=False, trim="k")
    dollars = np.format_float_positional(model.impact.rmse_test, precision=2, unique=False, fractional=False)
    assert f"held-out RMSE {two} bps of the mid price (${dollars} per share)" in str(text)
    assert "e-0" not in str(text)
    assert [r["rmse_test_bps"] for r in quality] == pytest.approx(
        list(model.impact.fit_quality["rmse_test"] / mid * 1e4)
    )
    # The grid shows both RMSE columns with two significant digits (d3 '.2r'), not ',.2f' (0.00).
    defs = {c["field"]: c for c in _find(page.layout(), page.FIT_GRID).columnDefs}
    assert "'.2r'" in defs["rmse_test_bps"]["valueFormatter"]["function"]
    assert "'.2r'" in defs["rmse_test"]["valueFormatter"]["function"]


@pytest.mark.parametrize(
    ("x", "text"), [(0.3205, "0.32"), (1.2e-05, "0.000012"), (0.004028, "0.0040"), (12.34, "12"), (1234.5, "1,234")]
)
def test_two_significant_digits_never_use_an_exponent(x, text):
    assert page._sig2(x) == text


def test_frontier_ticks_show_cents_when_the_costs_span_a_few_dollars(tick_labels):
    # 547 shares: the frontier's costs span a few dollars, so whole-dollar ticks would repeat ($17, $18, $18).
    order = _order(shares=547, volume=2_345_678)
    fig, _alert = page.frontier(order, "almgren_chriss", -6, 0.1, "", "light")
    costs, labels = fig.data[0].y, tick_labels(fig, "y")
    assert max(costs) - min(costs) < 20 and len(set(labels)) == len(labels) >= 3
    assert any("." in label for label in labels), labels  # ticks between whole dollars
    big, _alert = page.frontier(ORDER, "almgren_chriss", -6, 0.1, "", "light")
    labels = tick_labels(big, "y")
    assert max(big.data[0].y) - min(big.data[0].y) >= 20 and len(set(labels)) == len(labels) >= 3
    assert not any("." in label for label in labels), labels  # whole dollars


def test_urgency_note_waits_for_the_ticker_then_follows_it(call_with_trigger, model):
    # The page mounts before its ticker list is filled in from the workspace: the note said "Urgency not linked:
    # None is not in the workspace universe" while the dropdown showed AAPL. It now waits, then follows the ticker.
    mounting = _order(ticker=None)
    assert call_with_trigger(".", page.urgency, 1.0, -7, mounting) == (no_update, no_update, None)
    urgency, risk, note = call_with_trigger("exec-ticker.value", page.urgency, 1.0, -7, ORDER)
    assert risk is no_update and urgency == round(min(model.urgency(1e-7), 10.0), 1)
    assert "Urgency = horizon / half-life" in str(note)


def test_cumulative_axis_reads_in_quarters_of_the_order(model, tick_labels):
    # The right-hand axis (share of the order executed) showed 97.92%, 78.336%, 58.751%: ticks at odd fractions
    # with three decimals. It reads 0%, 25%, 50%, 75%, 100%.
    from components.execution_figures import schedule_figure

    fig = schedule_figure(model.schedule("twap"), "light")
    assert list(fig.layout.yaxis2.tickvals) == [0, 0.25, 0.5, 0.75, 1.0]
    assert tick_labels(fig, "y2") == ["0%", "25%", "50%", "75%", "100%"]
