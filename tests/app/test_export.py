"""Server-side chart export: only figures the server drew, nothing fetched from outside."""

import base64
import io
import json

import plotly.graph_objects as go
import pytest
from PIL import Image

import app
from components import export, figure_registry

FIG = go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, 2])).to_plotly_json()
MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "svg": b"<svg", "pdf": b"%PDF-", "html": b"<html"}
OUTPUT = f"..{app.ids.EXPORT_DOWNLOAD}.data...{app.ids.EXPORT_ALERT}.children.."


def _export(client, name: str, fmt: str) -> dict:
    """POST the export callback as the page does after a click on the chart's export item."""
    body = {
        "output": OUTPUT,
        "outputs": [{"id": app.ids.EXPORT_DOWNLOAD, "property": "data"},
                    {"id": app.ids.EXPORT_ALERT, "property": "children"}],
        "inputs": [{"id": app.EXPORT_REQUEST, "property": "data", "value": {"name": name, "format": fmt, "at": 1}}],
        "state": [{"id": app.ids.THEME, "property": "data", "value": "light"}],
        "changedPropIds": [f"{app.EXPORT_REQUEST}.data"],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:300]
    return response.get_json()["response"]


@pytest.fixture
def browser(tmp_path):
    """A test client with its figure-registry cookie, and a function that records a figure for it."""
    client = app.server.test_client()
    client.get("/_dash-layout")
    cookie = client.get_cookie(figure_registry.COOKIE)
    assert cookie is not None, "the first response sets the registry cookie"

    def drew(name, figure):
        figure_registry.FigureRegistry(app.workspace.cache_dir() / "figures").put(cookie.value, name, figure)

    return client, drew


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf", "html"])
def test_export_of_a_chart_the_server_drew_returns_a_valid_file(browser, fmt):
    client, drew = browser
    drew("demo", FIG)
    out = _export(client, "demo", fmt)
    download = out[app.ids.EXPORT_DOWNLOAD]["data"]
    assert download["filename"] == f"portfolio-desk-demo.{fmt}"
    payload = base64.b64decode(download["content"])
    assert MAGIC[fmt] in payload[:200]
    assert len(payload) > 500


def test_export_of_a_chart_the_server_never_drew_is_refused(browser):
    client, _drew = browser
    out = _export(client, "never-drawn", "png")
    assert app.ids.EXPORT_DOWNLOAD not in out
    assert "not on this page" in json.dumps(out[app.ids.EXPORT_ALERT])
    # Another browser's cookie does not read this one's figures.
    other = app.server.test_client()
    browser[1]("mine", FIG)
    assert "not on this page" in json.dumps(_export(other, "mine", "png")[app.ids.EXPORT_ALERT])


def test_the_export_callback_takes_no_figure_from_the_browser_and_no_page_load_calls_it():
    # Its only input is the request store a click on an export item writes (a clientside gate
    # that ignores n_clicks == 0), and it reads no figure: a page load posts nothing to it.
    spec = app.app.callback_map[OUTPUT]
    assert [(i["id"], i["property"]) for i in spec["inputs"]] == [(app.EXPORT_REQUEST, "data")]
    assert [(s["id"], s["property"]) for s in spec["state"]] == [(app.ids.THEME, "data")]
    assert app.EXPORT_REQUEST in json.dumps(app.app.layout.to_plotly_json(), default=str)


def _red_png(path):
    Image.new("RGB", (64, 64), (255, 0, 0)).save(path)
    return path


def _red_pixels(png: bytes) -> int:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return sum(1 for r, g, b in image.get_flattened_data() if r > 200 and g < 60 and b < 60)


def test_a_file_image_in_a_figure_is_not_rendered(tmp_path):
    # A figure pointing an image at a server file (here a red square, standing for /etc/passwd):
    # the export leaves the image out, so none of the file reaches the PNG.
    secret = _red_png(tmp_path / "secret.png")
    fig = {**FIG, "layout": {"images": [{"source": secret.as_uri(), "xref": "paper", "yref": "paper",
                                         "x": 0, "y": 1, "sizex": 1, "sizey": 1, "layer": "above"}]}}
    assert _red_pixels(export.figure_bytes(fig, "png", width=300, height=200, scale=1)) == 0
    inline = "data:image/png;base64," + base64.b64encode(secret.read_bytes()).decode()
    fig["layout"]["images"][0]["source"] = inline  # an inline image the figure carries is drawn
    assert _red_pixels(export.figure_bytes(fig, "png", width=300, height=200, scale=1)) > 100


def test_strip_external_removes_every_address_and_keeps_inline_images():
    inline = "data:image/png;base64,iVBORw0KGgo="
    fig = {
        "data": [{"type": "image", "source": "http://169.254.169.254/latest"},
                 {"type": "scatter", "name": 'see <a href="https://evil.example/x">this</a>', "y": [1]}],
        "layout": {"images": [{"source": "file:///etc/passwd"}, {"source": inline}],
                   "title": {"text": "javascript:alert(1) Risk"},
                   "template": {"layout": {"images": [{"source": "https://evil.example/a.png"}]}}},
    }
    clean = export.strip_external(fig)
    assert "source" not in clean["data"][0]
    assert clean["data"][1]["name"] == 'see <a href="">this</a>'
    assert clean["layout"]["images"] == [{"source": inline}]
    assert clean["layout"]["title"]["text"] == " Risk"
    assert clean["layout"]["template"]["layout"]["images"] == []
    assert "://" not in json.dumps(clean).replace(inline, "")


def test_the_registry_records_the_figures_of_a_callback_response(tmp_path):
    registry = figure_registry.FigureRegistry(tmp_path)
    graph = {"type": "pd-graph", "name": "direct"}
    nested = {"type": "Graph", "namespace": "dash_core_components",
              "props": {"id": {"type": "pd-graph-fixed", "name": "in-layout"}, "figure": FIG}}
    payload = {"multi": True, "response": {
        json.dumps(graph, separators=(",", ":")): {"figure": FIG},
        "page-content": {"children": {"type": "Div", "namespace": "dash_html_components",
                                      "props": {"children": [nested]}}},
        "other": {"figure": {"data": []}},  # not a chart of ours
    }}
    assert registry.record_response("b1", payload) == 2
    assert registry.get("b1", "direct") == FIG and registry.get("b1", "in-layout") == FIG
    assert registry.get("b2", "direct") is None


def test_export_tries_again_when_the_export_page_is_not_ready(monkeypatch):
    # kaleido on a loaded machine can render before its page defined kaleido_scopes (a JavaScript
    # ReferenceError); the next attempt succeeds. Any other error is not retried.
    calls = []

    def flaky(*_args, **_kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("JavascriptError: ReferenceError: kaleido_scopes is not defined")
        return b"%PDF-1.7 ok"

    monkeypatch.setattr(export, "_render", flaky)
    monkeypatch.setattr(export.time, "sleep", lambda _s: None)
    assert export.figure_bytes({"data": []}, "pdf") == b"%PDF-1.7 ok" and len(calls) == 2

    def broken(*_args, **_kwargs):
        calls.append(1)
        raise RuntimeError("some other failure")

    calls.clear()
    monkeypatch.setattr(export, "_render", broken)
    with pytest.raises(RuntimeError, match="some other failure"):
        export.figure_bytes({"data": []}, "pdf")
    assert len(calls) == 1



async def _noop():
    return None


class _StuckBrowser:
    """A kaleido stand-in whose render never answers (a wedged export tab)."""

    subprocess = None

    def __init__(self):
        self.closed = False

    async def calc_fig(self, *_args, **_kwargs):
        import asyncio

        await asyncio.sleep(3600)

    async def close(self):
        self.closed = True


def test_a_browser_that_stops_answering_times_out_and_is_replaced():
    # kaleido's sync server waits for good; a wedged render hung the request and then the process at
    # exit (it joins its thread). The desk's export browser bounds the wait, closes the stuck browser
    # and opens a new one for the next export.
    import time

    browser = export._ExportBrowser()
    browser.render_timeout, browser.grace = 0.2, 0.0
    browser._run(_noop(), 5)  # its event-loop thread is running, as after a first export
    stuck = _StuckBrowser()
    browser._kaleido = stuck
    began = time.monotonic()
    with pytest.raises(export.ExportTimeout, match="did not answer"):
        browser.render({"data": []}, {"format": "svg"})
    assert time.monotonic() - began < 5
    assert stuck.closed and browser._kaleido is None  # the next render opens a fresh browser


def test_a_browser_whose_loop_thread_was_stopped_is_dropped_and_its_process_killed():
    # dash_duo's teardown injects SystemExit into the threads a test started; the export browser's loop
    # thread dying must not leave a browser that every later export waits on until it times out.
    import asyncio
    import subprocess

    browser = export._ExportBrowser()
    browser._run(_noop(), 5)
    browser._loop.call_soon_threadsafe(browser._loop.stop)  # the loop thread ends, as when it is killed
    browser._thread.join(5)
    stuck = _StuckBrowser()
    stuck.subprocess = subprocess.Popen(["sleep", "60"])
    browser._kaleido = stuck
    assert browser._run(asyncio.sleep(0, result="fresh"), 5) == "fresh"  # a new loop answers
    assert browser._kaleido is None and stuck.subprocess.wait(5) != 0  # the old browser's process was killed
