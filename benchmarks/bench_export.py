"""Server-side chart export: the app's warm kaleido server against plotly's cold default.

The figure is the presentation's growth-of-10,000 line (about 8,000 daily points on two
series) on the bundled data. ``plotly.io.to_image`` with no server running starts and
closes a headless Chromium for every image (plotly's default); the app starts one
server when it boots (``components.export.warm_up``) and reuses it. Target from issue 7:
an image "well under a second" once warm.
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import plotly.io as pio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from components.export import figure_bytes, warm_up  # noqa: E402
from components.present_figures import presentation_figures  # noqa: E402
from finance_core import report  # noqa: E402
from finance_core.data import load_dataset  # noqa: E402

REPEATS = 5


def _figure():
    ds = load_dataset("sp500")
    weights = pd.Series(1 / ds.prices.shape[1], index=ds.prices.columns)
    pres = report.presentation(ds.prices, weights, ds.benchmark, sectors=ds.sectors, benchmark_name="S&P 500")
    return presentation_figures(pres, "light")["present-growth"][1]


def _times(call, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        payload = call()
        out.append((time.perf_counter() - start) * 1e3)
        assert payload[:4] in (b"\x89PNG", b"<svg", b"%PDF") or payload.startswith(b"<?xml"), payload[:20]
    return out


def run() -> str:
    import warnings

    import kaleido

    warnings.filterwarnings("ignore", message="The kopts argument is ignored")

    fig = _figure()
    cold = {fmt: _times(lambda f=fmt: pio.to_image(fig, format=f, width=1100, height=600), 2)
            for fmt in ("png", "svg", "pdf")}
    warm_up()
    figure_bytes(fig, "png")  # the first image after the start loads plotly.js in the page
    warm = {fmt: _times(lambda f=fmt: figure_bytes(fig, f), REPEATS) for fmt in ("png", "svg", "pdf")}
    stopper = threading.Thread(target=kaleido.stop_sync_server, kwargs={"silence_warnings": True}, daemon=True)
    stopper.start()
    stopper.join(timeout=20)
    lines = [
        "## Chart export (components.export, kaleido)",
        "",
        "The presentation's growth-of-10,000 chart (two daily series, 1990-2022), 1100 x 600. Median ms;",
        "cold is plotly's default `to_image` (a browser started per image), warm is the app's server.",
        "",
        "| format | app, warm server (ms) | plotly default, cold browser (ms) | speed-up | target |",
        "|---|---|---|---|---|",
    ]
    for fmt in ("png", "svg", "pdf"):
        w = statistics.median(warm[fmt])
        c = statistics.median(cold[fmt]) if fmt in cold else None
        cold_text = f"{c:,.0f}" if c else "not timed"
        speed = f"{c / w:.0f}x" if c else ""
        target = "met" if w < 1000 else "MISSED"
        lines.append(f"| {fmt.upper()} | {w:,.0f} | {cold_text} | {speed} | under 1 s: {target} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
