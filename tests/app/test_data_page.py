"""Data page callbacks called as plain functions."""

import base64
import html

import pandas as pd
import pytest
from dash import no_update

import workspace
from finance_core import data
from finance_core.benchmark import blend
from pages import data as page


def _contents(raw: bytes) -> str:
    return "data:text/csv;base64," + base64.b64encode(raw).decode()


NO_FILES = dict.fromkeys(workspace.UPLOAD_KINDS)


def _files(**by_kind) -> dict:
    """One value per upload kind, as the callback takes them (``prices=..., sectors=...``)."""
    return {k: by_kind.get(k) for k in workspace.UPLOAD_KINDS}


def _status(out, kind: str):
    """The status line of one upload box in sync_workspace's outputs."""
    return out[11 + workspace.UPLOAD_KINDS.index(kind)]


def _sync(call, prop_id, ws, *, uploads=NO_FILES, names=NO_FILES, **controls):
    form = {name: controls.get(name) for name in page.FORM}
    return call(prop_id, page.sync_workspace, form, uploads, names, ws)


def test_initial_call_shows_the_workspace(call_with_trigger):
    out = _sync(call_with_trigger, ".", workspace.DEFAULT)
    ws, _opts, source, tickers, universe = out[:5]
    assert ws == workspace.DEFAULT and source == "sp500" and len(universe) == 20
    assert {"label": "AAPL", "value": "AAPL"} in tickers
    assert out[-1] is None  # no alert


def test_good_prices_upload_switches_the_universe(call_with_trigger):
    raw = data.sample_csv("prices").encode()
    out = _sync(call_with_trigger, "upload-prices.contents", workspace.DEFAULT,
                uploads=_files(prices=_contents(raw)), names=_files(prices="mine.csv"))
    ws, universe = out[0], out[4]
    assert ws["source"] == "upload" and universe == ["AAPL", "JPM", "KO", "MSFT", "XOM"]
    assert "Loaded mine.csv" in str(_status(out, "prices"))


def test_bad_upload_keeps_the_workspace_and_explains(call_with_trigger):
    out = _sync(call_with_trigger, "upload-prices.contents", workspace.DEFAULT,
                uploads=_files(prices=_contents(b"PK\x03\x04junk")), names=_files(prices="book.xlsx"))
    assert out[0] == workspace.DEFAULT
    assert "book.xlsx looks like an Excel workbook" in str(out[-1])
    assert "Not loaded" in str(_status(out, "prices"))


def test_empty_universe_is_refused_and_the_picker_reverts(call_with_trigger):
    out = _sync(call_with_trigger, "data-universe.value", workspace.DEFAULT, universe=[])
    assert out[0] == workspace.DEFAULT and len(out[4]) == 20
    assert "pick at least one ticker" in str(out[-1])


def test_render_draws_every_asset_and_the_benchmark():
    fig, rows, summary, notes = page.render(workspace.DEFAULT, "dark")
    assert len(fig.data) == 21 and fig.data[-1].name == html.escape("S&P 500 total return (dividends reinvested)")
    assert fig.layout.template.layout.paper_bgcolor is not None
    assert len(rows) == 20 and {"ticker", "annual_return", "volatility", "sharpe", "max_drawdown"} <= set(rows[0])
    assert "20 assets" in str(summary) and notes is None


def test_render_error_keeps_previous_outputs():
    bad = dict(workspace.DEFAULT, universe=["NOPE"])
    out = page.render(bad, "light")
    assert out[:3] == (no_update, no_update, no_update)
    assert "universe is empty" in str(out[3])


def test_analyse_reports_progress_and_returns_three_figures():
    progress = []
    corr, vol, bcorr, status = page.analyse(progress.append, 1, workspace.DEFAULT, "light")
    assert progress[-1] == (100, progress[-1][1])
    assert corr.data[0].type == "heatmap" and len(vol.data) == 20 and len(bcorr.data) == 20
    assert "Analysed 20 assets" in str(status)


def test_sample_download_for_each_kind(call_with_trigger):
    clicks = (0,) * (len(workspace.UPLOAD_KINDS) + 1)
    for kind in ("prices", "holdings", "lots", "trades", "sectors"):
        out = call_with_trigger(f"sample-{kind}.n_clicks", page.download_sample, *clicks)
        assert out["filename"] == f"sample-{kind}.csv" and out["content"]
    assert data.read_sectors_csv(out["content"], name=out["filename"])["XOM"] == "Energy"


def _own_prices() -> bytes:
    dates = pd.bdate_range("2024-01-01", periods=40)
    return ("date,NVDA,ZZZ\n" + "".join(f"{d.date()},{100 + i},{50 + i}\n" for i, d in enumerate(dates))).encode()


def test_sector_map_upload_classifies_the_uploaded_universe(call_with_trigger):
    out = _sync(call_with_trigger, "upload-prices.contents", workspace.DEFAULT,
                uploads=_files(prices=_contents(_own_prices())), names=_files(prices="own.csv"))
    ws = out[0]
    _fig, rows, _summary, notes = page.render(ws, "light")
    assert {r["ticker"]: r["sector"] for r in rows} == {"NVDA": "Unclassified", "ZZZ": "Unclassified"}
    assert "2 of 2 assets have no sector" in str(notes)
    out = _sync(call_with_trigger, "upload-sectors.contents", ws,
                uploads=_files(sectors=_contents(b"ticker,sector\nNVDA,Semiconductors\nAMZN,Retail\n")),
                names=_files(sectors="map.csv"))
    ws = out[0]
    assert ws["uploads"]["sectors"]["name"] == "map.csv" and ws["source"] == "upload"  # prices stay
    assert "Loaded map.csv (2 tickers)" in str(_status(out, "sectors")) and out[-1] is None
    _fig, rows, summary, notes = page.render(ws, "light")
    assert {r["ticker"]: r["sector"] for r in rows} == {"NVDA": "Semiconductors", "ZZZ": "Unclassified"}
    assert "sectors (map.csv)" in str(summary)
    assert "1 of 2 assets has no sector (ZZZ)" in str(notes)


def test_bad_sector_map_keeps_the_workspace_and_explains(call_with_trigger):
    ws = workspace.DEFAULT
    for raw, message in [
        (b"ticker,sector\nAAPL,Tech\nMSFT,\n", "s.csv, row 3: column 'sector' is empty"),
        (b"ticker,sector\nAAPL,Tech\naapl,Hardware\n", "s.csv: ticker AAPL appears twice in column 'ticker' (rows 2 and 3)"),
        (b"ticker,sector\nNVDA,Semiconductors\n", "s.csv: none of its 1 tickers (NVDA) are in the current prices (AAPL, AMD"),
    ]:
        out = _sync(call_with_trigger, "upload-sectors.contents", ws,
                    uploads=_files(sectors=_contents(raw)), names=_files(sectors="s.csv"))
        assert out[0] == workspace.DEFAULT
        assert message in str(out[-1])
        assert "Not loaded: s.csv" in str(_status(out, "sectors"))


def test_several_one_ticker_exports_at_once_build_a_universe(call_with_trigger):
    from tests.app.test_workspace import _export

    files = [_contents(_export(t)[0]) for t in ("AAPL", "MSFT")]
    out = _sync(call_with_trigger, "upload-prices.contents", workspace.DEFAULT,
                uploads=_files(prices=files), names=_files(prices=["AAPL.csv", "MSFT.csv"]))
    ws, universe = out[0], out[4]
    assert ws["source"] == "upload" and universe == ["AAPL", "MSFT"]
    assert "Loaded AAPL.csv, MSFT.csv (60 rows)" in str(_status(out, "prices"))
    assert "Added MSFT to the uploaded prices (now AAPL, MSFT)." in str(out[-1])
    # A refused file among them keeps the previous workspace and names the file.
    bad = _sync(call_with_trigger, "upload-prices.contents", ws,
                uploads=_files(prices=[files[0], _contents(b"Date,Open,Close\n2024-01-02,1,1\n")]),
                names=_files(prices=["KO.csv", "prices.csv"]))
    assert bad[0] == ws and "prices.csv is one ticker's price export" in str(bad[-1])
    assert "Not loaded: KO.csv, prices.csv" in str(_status(bad, "prices"))


# ----------------------------------------------------------------------------- the benchmark
def test_benchmark_picker_names_total_return_and_price_index_apart(call_with_trigger):
    out = _sync(call_with_trigger, ".", workspace.DEFAULT)
    options, value = out[9], out[10]
    assert value == "SP500TR"
    assert options[:2] == [{"label": "S&P 500 total return (dividends reinvested)", "value": "SP500TR"},
                           {"label": "S&P 500 (price index)", "value": "SP500"}]
    _fig, _rows, summary, notes = page.render(workspace.DEFAULT, "light")
    assert "benchmark S&P 500 total return (dividends reinvested)" in str(summary)
    assert "Asset prices are adjusted closes (dividends reinvested)" in str(summary) and notes is None


def test_the_price_index_stays_selectable_with_a_note_on_dividends(call_with_trigger):
    out = _sync(call_with_trigger, "data-benchmark.value", workspace.DEFAULT, benchmark="SP500")
    ws = out[0]
    assert ws["benchmark"] == "SP500"
    fig, _rows, _summary, notes = page.render(ws, "light")
    assert fig.data[-1].name == html.escape("S&P 500 (price index)")  # drawn as S&P
    assert "leaves dividends out" in str(notes)
    # Over 2013-2022 the price index grew less than the total-return one: 2.0x against 2.5x
    # (S&P 500: 1,462.42 on 2013-01-02 and 3,783.22 on 2022-12-28, published closes).
    ratio = fig.data[-1].y[-1] / fig.data[-1].y[0]
    assert ratio == pytest.approx(3783.22 / 1462.42, abs=2e-3)


def test_a_typed_blend_becomes_the_benchmark(call_with_trigger):
    options, value, alert = page.use_blend(1, "60 SP500TR, 40 KO", "M", workspace.DEFAULT)
    assert alert is None and value == "blend:M:SP500TR=60,KO=40"
    label = "Blend: 60% S&P 500 total return (dividends reinvested) + 40% KO (rebalanced monthly)"
    assert {"label": label, "value": value} in options
    ws = _sync(call_with_trigger, "data-benchmark.value", workspace.DEFAULT, benchmark=value)[0]
    assert ws["benchmark"] == value
    wd = workspace.resolve(ws)
    ds = data.load_dataset("sp500")
    expected = blend({"SP500TR": ds.total_return_benchmark, "KO": ds.prices["KO"]}, {"SP500TR": 0.6, "KO": 0.4}, "M")
    assert wd.benchmark_name == label
    assert wd.benchmark.to_numpy() == pytest.approx(expected.loc[wd.prices.index].to_numpy(), rel=1e-12)


def test_a_bad_blend_says_what_to_fix_and_changes_nothing():
    options, value, alert = page.use_blend(1, "60 SP500TR, 30 KO", "M", workspace.DEFAULT)
    assert options is no_update and value is no_update
    assert "add up to 90%, not 100%" in str(alert)


def test_an_uploaded_benchmark_series_becomes_the_benchmark(call_with_trigger):
    raw = data.sample_csv("benchmark").encode()
    narrow = workspace.select(workspace.DEFAULT, start="2022-01-03", end="2022-12-28")
    out = _sync(call_with_trigger, "upload-benchmark.contents", narrow,
                uploads=_files(benchmark=_contents(raw)), names=_files(benchmark="my-bench.csv"))
    ws = out[0]
    assert ws["benchmark"] == "UPLOAD" and "Loaded my-bench.csv (260 rows)" in str(_status(out, "benchmark"))
    assert {"label": "Uploaded benchmark (my-bench.csv)", "value": "UPLOAD"} in out[9]
    wd = workspace.resolve(ws)
    uploaded = data.read_benchmark_csv(raw, name="my-bench.csv")
    assert wd.benchmark_name == "Uploaded benchmark (my-bench.csv)"
    assert wd.benchmark.to_numpy() == pytest.approx(uploaded.loc[wd.prices.index].to_numpy())
    # Dates the upload does not cover: the default benchmark is used and a note says why.
    wide = workspace.resolve(workspace.select(ws, start="2013-01-02"))
    assert wide.benchmark_name == "S&P 500 total return (dividends reinvested)"
    assert "Uploaded benchmark (my-bench.csv) has no closes for some of 2013-01-02 to 2022-12-28" in wide.notes[0]


def test_a_benchmark_upload_that_misses_the_prices_dates_is_refused(call_with_trigger):
    dates = pd.bdate_range("2030-01-01", periods=40)
    raw = ("date,value\n" + "".join(f"{d.date()},{100 + i}\n" for i, d in enumerate(dates))).encode()
    out = _sync(call_with_trigger, "upload-benchmark.contents", workspace.DEFAULT,
                uploads=_files(benchmark=_contents(raw)), names=_files(benchmark="future.csv"))
    assert out[0] == workspace.DEFAULT
    assert "future.csv shares 0 dates with the prices" in str(out[-1])


def test_an_uploaded_benchmark_is_not_carried_past_its_last_date(call_with_trigger):
    half = data.sample_csv("benchmark").splitlines()[:131]  # header and 130 closes, to mid-2022
    narrow = workspace.select(workspace.DEFAULT, start="2022-01-03", end="2022-12-28")
    out = _sync(call_with_trigger, "upload-benchmark.contents", narrow,
                uploads=_files(benchmark=_contents("\n".join(half).encode())), names=_files(benchmark="half.csv"))
    wd = workspace.resolve(out[0])
    last = half[-1].split(",")[0]
    assert wd.benchmark_name == "S&P 500 total return (dividends reinvested)"
    assert f"(it covers {half[1].split(',')[0]} to {last})" in wd.notes[0]
    inside = workspace.resolve(workspace.select(out[0], end=last))
    assert inside.benchmark_name == "Uploaded benchmark (half.csv)"



def test_a_workspace_loaded_from_the_saved_menu_reaches_the_pickers_without_a_reload(saved, call_with_trigger):
    """Issue 13: a workspace loaded from the Saved menu while the Data page is open shows in its pickers.

    layout() draws the pickers empty and only callbacks fill them; sync_workspace listens to this page's controls
    only, so the menu's load also stamps its LOADED store, and show_loaded redraws the pickers from it."""
    import dash._callback

    from components import saved_menu as menu
    from tests.app.test_saved_menu import action, press

    kept = workspace.select(workspace.DEFAULT, universe=["AAPL", "KO", "MSFT"], start="2021-01-04",
                            end="2022-06-30", benchmark="SP500")
    press(kept, name="Three names, Data page")
    item = saved.workspaces.find("Three names, Data page")
    out = action(item, "load", ws=workspace.with_session(dict(workspace.DEFAULT)))
    loaded, stamp = out[0], out[8]
    assert isinstance(stamp, float) and "Loaded 'Three names, Data page'" in str(out[-1])
    shown = page.show_loaded(stamp, loaded)
    assert (shown[1], shown[3], shown[6], shown[7], shown[9]) == ("sp500", ["AAPL", "KO", "MSFT"], "2021-01-04",
                                                                  "2022-06-30", "SP500")
    assert {"label": "KO", "value": "KO"} in shown[2] and shown[-1] is None
    # The pickers then fire sync_workspace with the values they show: the workspace comes back unchanged.
    again = _sync(call_with_trigger, f"{page.UNIVERSE}.value", loaded, source=shown[1], universe=shown[3],
                  start=shown[6], end=shown[7], benchmark=shown[9])
    assert again[0] == loaded
    # Wiring: show_loaded fires on the menu's store; sync_workspace mixes no global store into its inputs (Dash
    # would refuse it on every other page: "A nonexistent object was used in an Input").
    import app  # Dash moves the registered callbacks into app.callback_map at the server's first request

    registered = {**dash._callback.GLOBAL_CALLBACK_MAP, **app.app.callback_map}
    wired = {k: v for k, v in registered.items() if f"{page.UNIVERSE}.value" in k}
    inputs = [[i["id"] for i in v["inputs"]] for v in wired.values()]
    assert [menu.LOADED] in inputs
    sync = next(i for i in inputs if page.SOURCE in i)
    assert all(i.startswith(("data-", "upload-")) for i in sync), sync
