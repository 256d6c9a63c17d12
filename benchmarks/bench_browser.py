"""In the browser: a 500-asset x 2,520-day upload on the Data page and slider moves on the Construct page.

The prices are generated (``benchmarks/generated.py``): a geometric random walk whose daily log returns come from a 10-factor model
(loadings around a market factor, per-asset volatilities 15-60% a year, Sharpe ratios 0-1), tickers
T0001..T0500, business days from 2013-01-02 (inside the bundled S&P 500 index, the benchmark). The app runs
on its own server (``app.main()``) with temporary cache and data folders; headless Chromium drives it.

- **Upload**: the file goes into the Data page's prices upload, three times (a freshly opened page each time,
  new prices of the same shape under a new file name); a script in the page records, on the browser's clock, the file
  handed to the input (its change event) and when the summary names the file with "500 assets" (the
  browser posts the file, the server reads and caches it, the page redraws), and when the statistics grid and
  the growth chart show it too. ``finance_core.data.load_prices_csv`` on the same bytes is timed alone
  (median of 3).
- **Slider**: ``/construct?method=max_utility`` (the risk-aversion slider changes the portfolio); the slider
  is dragged 20 times, right and back (``drag_slider`` of the browser tests). A script in the page records,
  on the browser's clock, the pointer release and the first change of the weights chart's bars and of the
  frontier's star (a MutationObserver comparing the plotted data); a move's time is release to the later of
  the two redraws.

Targets (issue 12.6): the upload read in under 1 s; slider p95 under 1 s. ``python benchmarks/bench_browser.py``
writes its section of RESULTS.md; ``--quick`` (50 assets, 3 moves) only prints.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._desk import Page, chrome, desk_env, load_average, percentiles, wait_for  # noqa: E402
from benchmarks.generated import prices_frame  # noqa: E402
from finance_core.data import load_prices_csv  # noqa: E402
from tests.e2e.conftest import drag_slider  # noqa: E402
from tests.integration.services import start_app  # noqa: E402

ASSETS, DAYS, MOVES, UPLOADS = 500, 2520, 20, 3
SLIDER = "construct-risk-aversion"
SLIDER_PIXELS = 60
MOVE_TIMEOUT = 60.0

#: Records pointer releases and the first change of each chart's plotted data after them (performance.now()).
OBSERVE = """
const pd = window.__pdBench = {up: [], weights: [], frontier: []};
document.addEventListener('pointerup', () => pd.up.push(performance.now()), true);
const plotted = sel => {
  const gd = document.querySelector(sel + ' .js-plotly-plot');
  const t = gd && gd.data && gd.data[0];
  return t ? JSON.stringify([t.x, t.y]) : '';  // plain lists, typed arrays or {dtype, bdata}
};
for (const [key, sel] of [['weights', '#construct-weights-chart'], ['frontier', '#construct-frontier-chart']]) {
  let last = plotted(sel);
  new MutationObserver(() => {
    const now = plotted(sel);
    if (now !== last) { last = now; pd[key].push(performance.now()); }
  }).observe(document.querySelector(sel), {subtree: true, childList: true, attributes: true});
}
"""


@dataclass
class Result:
    assets: int
    days: int
    megabytes: float
    reader_ms: float
    upload_ms: list[float]  # file handed over until the summary names it, per upload
    page_ms: list[float]  # ... until summary, grid and chart all show it
    moves_ms: list[float]
    load: str


def _reader_ms(raw: bytes) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        load_prices_csv(raw, name="generated.csv")
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


#: Records, on the browser's clock, the file handed to the upload (its input's change event) and when the page
#: first shows it: the summary naming the file with the asset count, the statistics grid's first ticker, and
#: the growth chart drawn as the band of the new universe.
WATCH_UPLOAD = """
const name = arguments[0], assets = arguments[1];
const pd = window.__pdUpload = {};
const before = {grid: document.querySelector('#data-stats-grid').textContent,
                chart: document.querySelector('#data-prices-chart .js-plotly-plot')._fullData};
window.addEventListener('change', () => { if (!pd.change) pd.change = performance.now(); }, true);
const check = () => {
  const now = performance.now();
  const summary = document.querySelector('#data-summary-text');
  if (!pd.summary && summary && summary.textContent.includes(assets + ' assets') && summary.textContent.includes(name)) pd.summary = now;
  const grid = document.querySelector('#data-stats-grid');
  if (!pd.grid && pd.summary && grid && grid.textContent !== before.grid && grid.textContent.includes('T0001')) pd.grid = now;
  const gd = document.querySelector('#data-prices-chart .js-plotly-plot');
  if (!pd.chart && gd && gd._fullData && gd._fullData !== before.chart &&
      gd._fullData.some(t => (t.name || '').includes('of ' + assets)) &&
      gd.querySelectorAll('.scatterlayer .trace').length >= 10) pd.chart = now;
};
new MutationObserver(check).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
"""


def _upload_ms(page: Page, csv: Path, assets: int) -> tuple[float, float]:
    """One upload on a freshly opened Data page: browser-clock ms from the file handed to the input until the
    summary names it with ``assets`` assets, and until the whole page shows it (summary, grid and chart)."""
    page.driver.get(page.server_url + "/")
    page.wait_for_text("#data-summary-text", "assets", timeout=90)
    page.wait_for_element("#data-stats-grid .ag-row", timeout=60)
    time.sleep(1.0)  # let the first drawing settle
    page.driver.execute_script(WATCH_UPLOAD, csv.name, assets)
    page.wait_for_element("#upload-prices input[type=file]", timeout=30).send_keys(str(csv))

    def shown():
        return page.driver.execute_script(
            "const pd = window.__pdUpload; return (pd.change && pd.summary && pd.grid && pd.chart) ? "
            "[pd.summary - pd.change, Math.max(pd.summary, pd.grid, pd.chart) - pd.change] : null;")

    read, whole = wait_for(shown, f"the Data page did not show {csv.name}", 120)
    return float(read), float(whole)


def _move_ms(page: Page, dx: int) -> float:
    """One slider drag: browser-clock ms from the release to the later of the two redraws (NaN: none)."""
    driver = page.driver
    drag_slider(page, SLIDER, dx)
    released = driver.execute_script("return window.__pdBench.up.at(-1);")

    def redrawn():
        return driver.execute_script(
            "const pd = window.__pdBench, t = arguments[0];"
            "const w = pd.weights.find(x => x > t), f = pd.frontier.find(x => x > t);"
            "return (w && f) ? Math.max(w, f) - t : null;", released)

    try:
        return float(wait_for(redrawn, "the weights chart and the star were not redrawn", MOVE_TIMEOUT))
    except TimeoutError:
        return float("nan")


def measure(assets: int = ASSETS, days: int = DAYS, moves: int = MOVES, uploads: int = UPLOADS) -> Result:
    with tempfile.TemporaryDirectory(prefix="bench-browser-") as folder:
        tmp = Path(folder)
        # Each upload has a new name (a new summary) and new prices (new statistics and chart) of the same shape.
        files = [tmp / f"generated-prices-{k + 1}.csv" for k in range(uploads)]
        for k, csv in enumerate(files):
            prices_frame(assets, days, seed=12 + k).to_csv(csv)
        raw = files[0].read_bytes()
        reader = _reader_ms(raw)
        load = load_average()
        server, url = start_app(tmp, desk_env(tmp))
        driver = chrome()
        try:
            page = Page(driver, url)
            timed = [_upload_ms(page, csv, assets) for csv in files]
            driver.get(url + "/construct?method=max_utility&ra=2")
            page.wait_for_element("#construct-kpi-vol", timeout=120)
            page.wait_for_element("#construct-frontier-chart .scatterlayer", timeout=120)
            page.wait_for_element("#construct-weights-chart .js-plotly-plot", timeout=120)
            time.sleep(1.0)  # let the first drawing settle before observing
            driver.execute_script(OBSERVE)
            times = [_move_ms(page, SLIDER_PIXELS if k % 2 == 0 else -SLIDER_PIXELS) for k in range(moves)]
        finally:
            driver.quit()
            server.stop()
    return Result(assets, days, len(raw) / 1e6, reader, [t[0] for t in timed], [t[1] for t in timed], times, load)


def table(result: Result) -> str:
    from benchmarks.run import machine

    drawn = [t for t in result.moves_ms if not np.isnan(t)]
    p50, p95, p99 = percentiles(drawn)
    missing = len(result.moves_ms) - len(drawn)
    p95_ok = "met" if drawn and not missing and p95 < 1000 else "MISSED"
    read = statistics.median(result.upload_ms)

    def each(values: list[float]) -> str:
        return ", ".join(f"{v:,.0f}" for v in values)
    return "\n".join([
        "## In the browser: a 500-asset upload and Construct slider moves (headless Chromium)",
        "",
        f"Generated prices: {result.assets} assets x {result.days:,} days ({result.megabytes:.1f} MB CSV, a 10-factor",
        "geometric random walk); the app on its own server (`app.main()`), Chromium on the same machine.",
        f"Machine: {machine()}; run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average at "
        f"start {result.load}.",
        "",
        "| step | time | target |",
        "|---|---|---|",
        f"| `data.load_prices_csv` on the file alone (median of 3) | {result.reader_ms:,.0f} ms | |",
        f"| Data page: file handed to the upload until the summary names it with {result.assets} assets, median "
        f"of {len(result.upload_ms)} uploads (each: {each(result.upload_ms)}) | {read:,.0f} ms | under 1 s: "
        f"{'met' if read < 1000 else 'MISSED'} |",
        f"| Data page: ... until the statistics grid and the growth chart show it too (each: {each(result.page_ms)}) "
        f"| {statistics.median(result.page_ms):,.0f} ms | |",
        f"| Construct: slider release until weights chart and star redrawn, p50 / p95 / p99 of "
        f"{len(result.moves_ms)} moves{f' ({missing} never redrawn)' if missing else ''} | "
        f"{p50:,.0f} / {p95:,.0f} / {p99:,.0f} ms | p95 under 1 s: {p95_ok} |",
    ])


def run() -> str:
    """For ``make bench`` (benchmarks/run.py)."""
    return table(measure())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 50 assets x 600 days, 3 moves, printed only")
    args = parser.parse_args(argv)
    if args.quick:
        print(table(measure(50, 600, 3, 2)))
        return 0
    section = run()
    print(section)
    from benchmarks.run import replace_section

    replace_section("bench_browser", section)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
