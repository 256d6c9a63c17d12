"""Performance page, Brinson attribution section, callbacks as functions.

The page's numbers equal finance_core.attribution's, and the effects add to the portfolio's minus the
benchmark's return computed here independently from the prices with numpy (buy and hold: last price
over first; monthly rebalanced: month-end prices), never through the desk's return code.
"""

import base64

import numpy as np
import pandas as pd
import pytest
from dash import no_update

import workspace
from finance_core import attribution, data
from pages import performance as page

TWO_YEARS = workspace.select(workspace.DEFAULT, start="2021-01-04", end="2022-12-28")
TILT = {"AAPL": 0.3, "MSFT": 0.2, "XOM": 0.2, "JPM": 0.1, "KO": 0.1, "JNJ": 0.05, "HD": 0.05}
WS = workspace.with_target(TWO_YEARS, pd.Series(TILT), "manual")
EFFECTS = ["allocation", "selection", "interaction"]


def _run(ws=WS, kind="universe", method="brinson_fachler", linking="carino", stored=None):
    return page.brinson_attribution(ws, kind, method, linking, stored, "light")


@pytest.fixture(scope="module")
def window():
    """Portfolio and equal-weight benchmark weights over the universe, and the prices, independently of the page."""
    wd = workspace.resolve(WS)
    prices = wd.prices.to_numpy()
    w = np.array([TILT.get(t, 0.0) for t in wd.prices.columns])
    wb = np.full(len(w), 1 / len(w))
    return wd, prices, w, wb


def test_single_period_table_equals_finance_core_and_adds_to_r_minus_b(window):
    wd, prices, w, wb = window
    kpis, fig, rows, _lf, _lr, _check, note, alert = _run()
    assert alert is None and "Target portfolio (manual) against the universe, equal-weighted (20)" in note
    table = pd.DataFrame(rows).set_index("segment")
    expected = attribution.attribute(wd.returns, workspace.portfolio(WS, wd).weights,
                                     pd.Series(1 / 20, index=wd.prices.columns), sectors=wd.sectors.to_dict())
    pd.testing.assert_frame_equal(table, expected.table, check_names=False, rtol=1e-12)
    growth = prices[-1] / prices[0] - 1  # buy and hold over the window
    r, b = w @ growth, wb @ growth
    assert table.loc["Total", EFFECTS].sum() == pytest.approx(r - b, abs=1e-12)
    assert table.drop(index="Total")[EFFECTS].to_numpy().sum() == pytest.approx(r - b, abs=1e-12)
    assert f"{r - b:.2%}" in str(kpis) and f"{r:.2%}" in str(kpis)
    # the waterfall: one step per sector (its total effect), ending at the excess
    steps = fig.data[0]
    assert list(steps.x[:-1]) == list(table.index[:-1]) and steps.measure[-1] == "total"
    assert np.sum(steps.y[:-1]) == pytest.approx(r - b, abs=1e-12)


def test_method_picker_changes_the_split_not_the_sum(window):
    _wd, prices, w, wb = window
    fachler = pd.DataFrame(_run()[2]).set_index("segment")
    bhb = pd.DataFrame(_run(method="brinson_hood_beebower")[2]).set_index("segment")
    growth = prices[-1] / prices[0] - 1
    b = wb @ growth
    # allocation differs by (wp - wb) * B per sector (Brinson-Fachler measures against the benchmark's total)
    diff = (bhb["allocation"] - fachler["allocation"]).drop(index="Total")
    np.testing.assert_allclose(diff, (bhb["portfolio_weight"] - bhb["benchmark_weight"]).drop(index="Total") * b,
                               atol=1e-12)
    assert bhb.loc["Total", "total"] == pytest.approx(fachler.loc["Total", "total"], abs=1e-12)
    kpis, _f, rows, _lf, _lr, _check, _note, alert = _run(method="geometric")
    geo = pd.DataFrame(rows).set_index("segment").loc["Total"]
    r = w @ growth
    assert (1 + geo["allocation"]) * (1 + geo["selection"]) - 1 == pytest.approx((1 + r) / (1 + b) - 1, abs=1e-12)
    assert geo["interaction"] == 0 and "Brinson-Fachler" not in str(kpis)
    assert "the linked periods use brinson_fachler" in str(alert)  # a note, not an error


@pytest.mark.parametrize("linking", ["carino", "menchero"])
def test_linked_months_add_to_the_monthly_rebalanced_excess(window, linking):
    wd, _prices, w, wb = window
    _k, _f, _r, fig, linked_rows, check, _note, alert = _run(linking=linking)
    assert alert is None
    prices = wd.prices
    month_end = prices.groupby(prices.index.to_period("M")).tail(1).to_numpy()
    levels = np.vstack([prices.to_numpy()[:1], month_end])
    monthly = levels[1:] / levels[:-1] - 1  # each month's asset returns, the first from the first price
    excess = np.prod(1 + monthly @ w) - np.prod(1 + monthly @ wb)
    linked = pd.DataFrame(linked_rows).set_index("segment")
    assert linked.loc["Total", "total"] == pytest.approx(excess, abs=1e-12)
    assert linked.drop(index="Total")[EFFECTS].to_numpy().sum() == pytest.approx(excess, abs=1e-12)
    assert f"add up to {excess:.4%}" in str(check) and "24 months" in str(check)
    total_line = next(t for t in fig.data if t.name == "total")
    assert total_line.y[-1] == pytest.approx(excess, abs=1e-12) and len(total_line.y) == 24


def test_uploaded_benchmark_weights_feed_the_attribution_and_bad_files_keep_the_previous_ones():
    text = "ticker,weight\n" + "".join(f"{t},5\n" for t in workspace.resolve(WS).prices.columns)
    contents = "data:text/csv;base64," + base64.b64encode(text.encode()).decode()
    stored, status, notes = page.upload_benchmark_weights(contents, "bench.csv", WS)
    assert sum(stored["weights"].values()) == pytest.approx(1.0) and "percentages" in str(notes)
    assert "Loaded bench.csv (20 tickers)" in str(status)
    uploaded = _run(kind="upload", stored=stored)
    universe = _run()
    assert uploaded[-1] is None and pd.DataFrame(uploaded[2]).equals(pd.DataFrame(universe[2]))  # 5% each
    bad = "data:text/csv;base64," + base64.b64encode(b"ticker,weight\nAAPL,0.5\nKO,-0.5\n").decode()
    out = page.upload_benchmark_weights(bad, "bad.csv", WS)
    assert out[:2] == (no_update, no_update) and "row 3, column 'weight': -0.5 is not allowed" in str(out[2])
    unknown = "data:text/csv;base64," + base64.b64encode(b"ticker,weight\nAAPL,0.5\nTSLA,0.5\n").decode()
    assert "TSLA (row 3) not in the workspace's prices" in str(page.upload_benchmark_weights(unknown, "u.csv", WS)[2])


@pytest.mark.parametrize(("kind", "stored", "message"), [
    ("upload", {"name": "s.csv", "weights": {"AAPL": 0.5, "MSFT": 0.5}},
     "which the benchmark does not cover. Map those names"),
    ("upload", None, "No benchmark weights are uploaded"),
    ("holdings", None, "No holdings are uploaded, so they cannot be the benchmark"),
    ("index", None, "Benchmark weights: choose one of"),
])
def test_bad_benchmarks_say_what_to_change_and_keep_the_previous_result(kind, stored, message):
    out = _run(kind=kind, stored=stored)
    assert set(out[:-1]) == {no_update}
    assert message in str(out[-1]) and "Attribution not computed" in str(out[-1])


def test_holdings_as_the_benchmark_attribute_the_target_against_what_is_held():
    target = workspace.with_target(TWO_YEARS, pd.Series({"AAPL": 0.5, "JPM": 0.2, "KO": 0.1, "XOM": 0.2}), "manual")
    ws, _notes = workspace.with_upload(target, "holdings", data.sample_csv("holdings").encode(), "holdings.csv")
    out = _run(ws=ws, kind="holdings")
    assert out[-1] is None
    table = pd.DataFrame(out[2]).set_index("segment")
    held = workspace.portfolio(dict(ws, target=None)).weights
    sectors = workspace.resolve(ws).sectors
    assert table["benchmark_weight"].drop(index="Total").to_dict() == pytest.approx(
        held[held > 0].groupby(sectors).sum().to_dict())
    assert "Target portfolio (manual) against" in out[6]
    # the book holds no Consumer Discretionary, the tilted target does: the sector is named
    refused = _run(ws=workspace.with_upload(WS, "holdings", data.sample_csv("holdings").encode(), "h.csv")[0],
                   kind="holdings")
    assert "segment Consumer Discretionary" in str(refused[-1]) and refused[0] is no_update


def test_attribution_section_is_on_the_page_with_its_exports_and_link_settings():
    text = str(page.layout())
    assert "Brinson attribution" in text and "brinson-attribution.csv" in text and "brinson-linked.csv" in text
    assert "the universe, equal-weighted" in text
    values = page.URL.initial({"method": "geometric", "linking": "menchero", "benchmark": "holdings"})
    assert (values["method"], values["linking"], values["benchmark"]) == ("geometric", "menchero", "holdings")


def test_the_default_equal_weight_book_against_the_equal_weight_universe_says_why_all_is_zero():
    out = _run(ws=TWO_YEARS)
    assert "so every effect is zero: build a target on the Construct page" in str(out[-1])
    assert "Could not" not in str(out[-1]) and out[0] is not no_update  # a note beside the result, not an error
