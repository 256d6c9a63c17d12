"""Compare page callbacks as functions, on a fresh SQLite store: numbers equal finance_core's comparison."""

import html

import pytest
from dash import no_update

import store
import workspace
from components.layout import money
from finance_core.compare_portfolios import compare_portfolios, trades_between
from pages import compare as page

WS = workspace.DEFAULT
CORE = {"AAPL": 0.5, "MSFT": 0.3, "KO": 0.2}
VALUE = {"XOM": 0.6, "JPM": 0.4}


@pytest.fixture
def saved(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'desk.sqlite'}")
    store.shared_store.cache_clear()
    repo = store.shared_store().portfolios
    ids = {name: repo.create(name, {"weights": w})["id"] for name, w in (("Core", CORE), ("Value", VALUE))}
    yield ids
    store.shared_store().engine.dispose()
    store.shared_store.cache_clear()


def test_options_list_the_current_portfolio_and_the_saved_ones(saved):
    options, alert = page.options(0, WS)
    assert alert is None
    assert options[0] == {"label": "Current portfolio", "value": "current"}
    # Saved items come most recently updated first.
    assert options[1:] == [{"label": "Value", "value": f"saved:{saved['Value']}"},
                           {"label": "Core", "value": f"saved:{saved['Core']}"}]


def test_comparison_of_two_saved_and_the_current_portfolio(saved):
    picked = ["current", f"saved:{saved['Core']}", f"saved:{saved['Value']}"]
    rows, defs, growth, sectors, weight_rows, _wdefs, _notes, stored, status, alert = page.compare(picked, WS, "light")
    assert alert is None and "Compared 3 portfolios" in str(status)
    wd = workspace.resolve(WS)
    expected = compare_portfolios(wd.prices, {"Current portfolio": workspace.portfolio(WS, wd).weights,
                                              "Core": CORE, "Value": VALUE}, wd.benchmark,
                                  sectors=wd.sectors, benchmark_name=wd.benchmark_name)
    by_metric = {r["metric"]: r for r in rows}
    assert by_metric["Volatility"]["Core"] == f"{expected.metrics.loc['volatility', 'Core']:.2%}"
    assert by_metric["Sharpe ratio"]["Value"] == f"{expected.metrics.loc['sharpe', 'Value']:.2f}"
    assert wd.benchmark_name in by_metric["Volatility"]
    # Trace names are escaped against markup in names (issue 16), so "S&P" reads "S&amp;P" in the JSON.
    assert [t.name for t in growth.data] == ["Current portfolio", "Core", "Value", html.escape(wd.benchmark_name)]
    assert growth.data[1].y[-1] == pytest.approx(expected.growth["Core"].iloc[-1])
    assert {r["ticker"] for r in weight_rows} >= {"AAPL", "XOM"}
    assert stored["weights"]["Value"]["XOM"] == 0.6
    # Trades from Core to Value at the last close, as finance_core computes them.
    choices = page.trade_choices(stored, None, None)
    assert choices[2:] == ("Current portfolio", "Core")
    # A "To" equal to "From" (kept from a one-portfolio comparison) moves to another portfolio.
    assert page.trade_choices(stored, "Core", "Core")[2:] == ("Core", "Current portfolio")
    got, alert = page.trades("Core", "Value", 1_000_000, stored, WS)
    want = trades_between(stored["weights"]["Core"], stored["weights"]["Value"], wd.prices.iloc[-1], 1_000_000)
    assert alert is None and got == want.to_dict("records")


def test_bad_picks_and_capital_say_what_to_change(saved):
    out = page.compare([], WS, "light")
    assert out[:-1] == (no_update,) * 9 and "Pick 1 to 5" in str(out[-1])
    out = page.compare(["current"] + [f"saved:{saved['Core']}"] * 5, WS, "light")
    assert "Pick at most 5" in str(out[-1])
    out = page.compare(["saved:99999"], WS, "light")
    assert "no longer saved" in str(out[-1])
    stored = {"weights": {"Core": CORE, "Value": VALUE}}
    rows, alert = page.trades("Core", "Value", "lots", stored, WS)
    assert rows is no_update and "Capital must be a positive" in str(alert)


def test_an_unreadable_store_still_offers_the_current_portfolio(monkeypatch):
    def broken():
        raise store.StoreError("database is locked")

    monkeypatch.setattr(page.store, "shared_store", broken)
    options, alert = page.options(0, WS)
    assert options == [{"label": "Current portfolio", "value": "current"}]
    assert "cannot be read (database is locked)" in str(alert)
    out = page.compare(["current"], WS, "light")
    assert out[-1] is None and "Compared 1 portfolio" in str(out[-2])


def test_tax_of_moving_needs_lots_then_matches_finance_core():
    from finance_core import data
    from finance_core.compare_portfolios import transition_tax

    stored = {"weights": {"Core": CORE, "Value": VALUE}}
    rows, _defs, note, alert = page.moving_tax(stored, WS)
    assert rows == [] and "Load tax lots on the Data page" in str(note) and alert is None
    ws, _ = workspace.with_upload(WS, "lots", data.sample_csv("lots").encode(), "lots.csv")
    rows, defs, note, alert = page.moving_tax(stored, ws)
    assert alert is None and [d["field"] for d in defs] == ["row", "Core", "Value"]
    wd = workspace.resolve(ws)
    want = transition_tax(wd.holdings["shares"], stored["weights"], wd.prices, lots=wd.lots, history=wd.trades)
    by_row = {r["row"]: r for r in rows}
    assert by_row["Tax"]["Value"] == money(want.loc["tax", "Value"])
    assert by_row["Trades"]["Core"] == f"{want.loc['trades', 'Core']:,.0f}"
    assert "lots.csv" in str(note)


def test_execution_cost_of_each_trade_list_matches_finance_core():
    from finance_core import data
    from finance_core.compare_portfolios import transition_cost

    stored = {"weights": {"Core": CORE, "Value": VALUE}}
    # No holdings: the trades start from the first portfolio held with the capital.
    rows, defs, note, alert = page.execution_cost(stored, 2_000_000, WS)
    assert alert is None and [d["field"] for d in defs] == ["row", "Core", "Value"]
    wd = workspace.resolve(WS)
    want = transition_cost(stored["weights"], wd.prices, capital=2_000_000).table
    by_row = {r["row"]: r for r in rows}
    assert by_row["Orders"] == {"row": "Orders", "Core": "0", "Value": f"{want.loc['orders', 'Value']:,.0f}"}
    assert by_row["Traded notional"]["Value"] == money(want.loc["notional", "Value"])
    assert by_row["Expected cost"]["Value"] == money(want.loc["expected_cost", "Value"])
    assert by_row["Expected cost (bps)"]["Value"] == f"{want.loc['cost_bps', 'Value']:,.2f}"
    assert want.loc["notional", "Value"] == pytest.approx(4e6, rel=1e-2)  # Core to Value turns over 200%
    assert "Core held with 2,000,000" in str(note)
    # With holdings (the sample lots), from the holdings, as the tax table starts.
    ws, _ = workspace.with_upload(WS, "lots", data.sample_csv("lots").encode(), "lots.csv")
    rows, _defs, note, alert = page.execution_cost(stored, 2_000_000, ws)
    wd = workspace.resolve(ws)
    want = transition_cost(stored["weights"], wd.prices, holdings_shares=wd.holdings["shares"]).table
    assert alert is None and "today's holdings" in str(note)
    assert {r["row"]: r for r in rows}["Expected cost"]["Core"] == money(want.loc["expected_cost", "Core"])
    # Bad capital names the field; nothing compared yet shows an empty table.
    out = page.execution_cost(stored, "lots", WS)
    assert out[0] is no_update
    assert "Capital must be a positive" in str(out[-1])
    assert page.execution_cost(None, 1_000_000, WS)[0] == []
