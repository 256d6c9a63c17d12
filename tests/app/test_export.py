"""Server-side chart export through the app's export callback."""

import base64
import json

import plotly.graph_objects as go
import pytest

import app

FIG = go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, 2])).to_plotly_json()
MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "svg": b"<svg", "pdf": b"%PDF-", "html": b"<html"}


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf", "html"])
def test_export_callback_returns_a_valid_file(call_with_trigger, fmt):
    trigger = json.dumps({"format": fmt, "name": "demo", "type": "pd-export-server"}, separators=(",", ":"))
    trigger += ".n_clicks"
    download, alert = call_with_trigger(trigger, app.export_figure, [1], [FIG], [{"type": "pd-graph", "name": "demo"}])
    assert alert is None
    assert download["filename"] == f"portfolio-desk-demo.{fmt}"
    payload = base64.b64decode(download["content"])
    assert MAGIC[fmt] in payload[:200]
    assert len(payload) > 500


def test_export_of_a_missing_chart_says_so(call_with_trigger):
    trigger = '{"format":"png","name":"gone","type":"pd-export-server"}.n_clicks'
    download, alert = call_with_trigger(trigger, app.export_figure, [1], [FIG], [{"type": "pd-graph", "name": "x"}])
    assert "not on this page" in str(alert)


def test_export_tries_again_when_the_export_page_is_not_ready(monkeypatch):
    # kaleido on a loaded machine can render before its page defined kaleido_scopes (a JavaScript
    # ReferenceError); the next attempt succeeds. Any other error is not retried.
    from components import export

    calls = []

    def flaky(*_args, **_kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("JavascriptError: ReferenceError: kaleido_scopes is not defined")
        return b"%PDF-1.7 ok"

    monkeypatch.setattr(export.pio, "to_image", flaky)
    monkeypatch.setattr(export.time, "sleep", lambda _s: None)
    assert export.figure_bytes({"data": []}, "pdf") == b"%PDF-1.7 ok" and len(calls) == 2

    def broken(*_args, **_kwargs):
        calls.append(1)
        raise RuntimeError("some other failure")

    calls.clear()
    monkeypatch.setattr(export.pio, "to_image", broken)
    with pytest.raises(RuntimeError, match="some other failure"):
        export.figure_bytes({"data": []}, "pdf")
    assert len(calls) == 1
