"""The workspace's limits (workspace.with_limits), the book monitor watches and the navbar badge (app.breach_badge)."""

import pandas as pd
import pytest

import app
import monitor
import workspace
from components import ids
from finance_core.errors import DataError

WS = workspace.DEFAULT


def test_limits_are_stored_in_full_and_bad_ones_change_nothing():
    ws = workspace.with_limits(WS, [{"kind": "cvar", "threshold": 0.03, "level": 0.99, "horizon": 10}])
    assert ws["limits"] == [{"kind": "cvar", "threshold": 0.03, "level": 0.99, "horizon": 10, "band": "absolute"}]
    assert WS["limits"] == []  # a new dict: the default is untouched
    with pytest.raises(DataError, match="The CVaR level 1.5 is outside"):
        workspace.with_limits(ws, [{"kind": "cvar", "threshold": 0.03, "level": 1.5}])
    assert [r.label for r in workspace.limit_rules(ws)] == ["CVaR 99% 10d"]


def test_drift_compares_uploaded_holdings_with_the_target():
    ws, _ = workspace.with_upload(WS, "holdings", b"ticker,shares\nAAPL,100\nMSFT,100\n", "h.csv")
    ws = workspace.with_target(ws, pd.Series({"AAPL": 0.5, "MSFT": 0.5}), "manual")
    ws = workspace.with_limits(ws, [{"kind": "drift", "threshold": 0.01}])
    last = workspace.resolve(ws).prices.iloc[-1][["AAPL", "MSFT"]] * 100  # market values, by hand
    expected = abs(last["AAPL"] / last.sum() - 0.5)
    (breach,) = monitor.current_breaches(ws)
    assert breach.what == "Drift from target (absolute)"
    assert breach.value == pytest.approx(expected, rel=1e-12)
    book = monitor.monitored(ws)
    assert set(book.weights.index[book.weights > 0]) == {"AAPL", "MSFT"}  # the holdings, not the target


def test_the_weight_a_target_leaves_uninvested_counts_as_cash():
    ws = workspace.with_target(WS, pd.Series({"AAPL": 0.5, "MSFT": 0.4}), "manual")
    ws = workspace.with_limits(ws, [{"kind": "min_cash", "threshold": 0.15}])
    (breach,) = monitor.current_breaches(ws)
    assert breach.value == pytest.approx(0.10) and breach.excess == pytest.approx(0.05)
    assert breach.text.startswith("Cash 10.00% below the 15.00% limit by 5.00%")


def test_breaches_are_cached_per_data_key_limits_and_target():
    ws = workspace.with_limits(WS, [{"kind": "single_name_weight", "threshold": 0.04}])
    monitor.current_breaches(ws)
    hits = monitor._checked.cache_info().hits
    again = monitor.current_breaches(dict(ws, firm_name="Other"))  # a field that decides nothing here
    assert monitor._checked.cache_info().hits == hits + 1 and len(again) == 1
    assert monitor.current_breaches(workspace.with_limits(ws, [])) == []


def test_navbar_badge_counts_breaches_and_never_errors():
    ws = workspace.with_limits(WS, [{"kind": "single_name_weight", "threshold": 0.04},
                                    {"kind": "number_of_names", "threshold": 25}])
    badge = app.breach_badge(ws)
    assert badge.id == ids.BREACH_COUNT and badge.children == "2 limit breaches"
    assert "Number of names 20 below the 25 limit by 5" in badge.title
    assert app.breach_badge(WS) is None  # no limit, no badge
    lost = dict(ws, source="upload", uploads={"prices": {"key": "prices:gone", "name": "old.csv"}})
    assert app.breach_badge(lost) is None  # a workspace that cannot be resolved: no badge, no traceback
    assert app.breach_badge(dict(ws, limits=[{"kind": "nonsense"}])) is None
    assert app.breach_badge(None) is None
