"""Data page callbacks called as plain functions."""

import base64

from dash import no_update

import workspace
from finance_core import data
from pages import data as page


def _contents(raw: bytes) -> str:
    return "data:text/csv;base64," + base64.b64encode(raw).decode()


def _sync(call, prop_id, ws, *, uploads=(None, None, None, None), names=(None, None, None, None), **controls):
    args = (controls.get("source"), controls.get("universe"), controls.get("start"), controls.get("end"),
            controls.get("benchmark"), *uploads, *names, ws)
    return call(prop_id, page.sync_workspace, *args)


def test_initial_call_shows_the_workspace(call_with_trigger):
    out = _sync(call_with_trigger, ".", workspace.DEFAULT)
    ws, _opts, source, tickers, universe = out[:5]
    assert ws == workspace.DEFAULT and source == "sp500" and len(universe) == 20
    assert {"label": "AAPL", "value": "AAPL"} in tickers
    assert out[-1] is None  # no alert


def test_good_prices_upload_switches_the_universe(call_with_trigger):
    raw = data.sample_csv("prices").encode()
    out = _sync(call_with_trigger, "upload-prices.contents", workspace.DEFAULT,
                uploads=(_contents(raw), None, None, None), names=("mine.csv", None, None, None))
    ws, universe = out[0], out[4]
    assert ws["source"] == "upload" and universe == ["AAPL", "JPM", "KO", "MSFT", "XOM"]
    assert "Loaded mine.csv" in str(out[11])


def test_bad_upload_keeps_the_workspace_and_explains(call_with_trigger):
    out = _sync(call_with_trigger, "upload-prices.contents", workspace.DEFAULT,
                uploads=(_contents(b"PK\x03\x04junk"), None, None, None), names=("book.xlsx", None, None, None))
    assert out[0] == workspace.DEFAULT
    assert "book.xlsx looks like an Excel workbook" in str(out[-1])
    assert "Not loaded" in str(out[11])


def test_empty_universe_is_refused_and_the_picker_reverts(call_with_trigger):
    out = _sync(call_with_trigger, "data-universe.value", workspace.DEFAULT, universe=[])
    assert out[0] == workspace.DEFAULT and len(out[4]) == 20
    assert "pick at least one ticker" in str(out[-1])


def test_render_draws_every_asset_and_the_benchmark():
    fig, rows, summary, notes = page.render(workspace.DEFAULT, "dark")
    assert len(fig.data) == 21 and fig.data[-1].name == "S&P 500"
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
    for kind in ("prices", "holdings", "lots", "trades"):
        out = call_with_trigger(f"sample-{kind}.n_clicks", page.download_sample, 1, 0, 0, 0, 0)
        assert out["filename"] == f"sample-{kind}.csv" and out["content"]
