"""Data page in headless Chromium: uploads, universe, background job, theme, samples."""

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from selenium.webdriver.common.by import By

from finance_core import data
from tests.e2e.conftest import click, console_errors, pick, show, wait_for_file

pytestmark = pytest.mark.e2e


def _upload(desk, kind: str, *paths: Path) -> None:
    """Choose ``paths`` in the upload box, replacing the previous choice as a file dialog does."""
    field = desk.driver.find_element(By.CSS_SELECTOR, f"#upload-{kind} input[type=file]")
    desk.driver.execute_script("arguments[0].value = '';", field)  # chromedriver adds to a multiple input's files
    field.send_keys("\n".join(str(p) for p in paths))


def _open(desk):
    desk.driver.get(desk.server_url + "/")
    desk.wait_for_contains_text("#data-summary-text", "20 assets", timeout=30)


def test_bad_upload_shows_a_specific_message_and_keeps_the_data(desk, tmp_path):
    _open(desk)
    bad = tmp_path / "prices.xlsx"
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    _upload(desk, "prices", bad)
    desk.wait_for_contains_text("#data-alerts", "prices.xlsx looks like an Excel workbook", timeout=20)
    assert "20 assets" in desk.find_element("#data-summary-text").text
    bad_rows = tmp_path / "broken.csv"
    rows = data.sample_csv("prices").splitlines()
    rows[5] = rows[5].split(",")[0] + ",abc," + ",".join(rows[5].split(",")[2:])
    bad_rows.write_text("\n".join(rows))
    _upload(desk, "prices", bad_rows)
    desk.wait_for_contains_text("#data-alerts", "broken.csv, row 6, column 'AAPL': 'abc' is not a number",
                                timeout=20)
    assert [e for e in console_errors(desk) if "favicon" not in e["message"]] == []


def test_good_upload_changes_the_universe(desk, tmp_path):
    _open(desk)
    good = tmp_path / "my-prices.csv"
    good.write_text(data.sample_csv("prices"))
    _upload(desk, "prices", good)
    desk.wait_for_contains_text("#data-summary-text", "5 assets", timeout=30)
    assert "Uploaded prices (my-prices.csv)" in desk.find_element("#data-summary-text").text
    assert "Loaded my-prices.csv" in desk.find_element("#upload-status-prices").text
    chips = desk.driver.find_element(By.ID, "data-universe").text
    assert "5 selected" in chips or "XOM" in chips
    # Holdings are validated against the uploaded prices.
    holdings = tmp_path / "holdings.csv"
    holdings.write_text("ticker,shares\nAAPL,10\nGE,5\n")
    _upload(desk, "holdings", holdings)
    desk.wait_for_contains_text("#data-alerts", "GE (row 3) not in the price data", timeout=20)
    assert console_errors(desk) == []


def _grid_column(desk, column: str) -> dict:
    """Ticker -> the text of ``column`` as the per-asset statistics grid shows it (pinned and centre cells joined)."""
    pairs = desk.driver.execute_script(
        "const rows = {};"
        "document.querySelectorAll('#data-stats-grid .ag-row').forEach(r => {"
        "  const i = r.getAttribute('row-index'); rows[i] = rows[i] || {};"
        "  r.querySelectorAll('.ag-cell').forEach(c => { rows[i][c.getAttribute('col-id')] = c.innerText.trim(); });"
        "});"
        "return Object.values(rows).map(o => [o.ticker, o[arguments[0]]]);", column)
    return dict(pairs)


def _grid_sectors(desk) -> dict:
    return _grid_column(desk, "sector")


def test_sector_map_upload_classifies_an_own_universe(desk, tmp_path):
    _open(desk)
    prices = tmp_path / "own-prices.csv"
    dates = pd.bdate_range("2021-01-04", periods=60)
    prices.write_text("date,AAPL,NVDA,ZZZ\n" + "".join(f"{d.date()},{120 + i},{130 + 2 * i},{20 + i % 7}\n"
                                                       for i, d in enumerate(dates)))
    _upload(desk, "prices", prices)
    desk.wait_for_contains_text("#data-summary-text", "3 assets", timeout=30)
    desk.wait_for_contains_text("#data-notes", "2 of 3 assets have no sector (NVDA, ZZZ)", timeout=20)
    assert _grid_sectors(desk) == {"AAPL": "Information Technology", "NVDA": "Unclassified", "ZZZ": "Unclassified"}
    sectors = tmp_path / "my-sectors.csv"
    sectors.write_text("symbol,GICS Sector\nnvda,Semiconductors\nAAPL,Hardware\nMSFT,Software\n")
    _upload(desk, "sectors", sectors)
    desk.wait_for_contains_text("#upload-status-sectors", "Loaded my-sectors.csv (3 tickers)", timeout=20)
    desk.wait_for_contains_text("#data-stats-grid", "Semiconductors", timeout=20)
    assert _grid_sectors(desk) == {"AAPL": "Hardware", "NVDA": "Semiconductors", "ZZZ": "Unclassified"}
    desk.wait_for_contains_text("#data-notes", "1 of 3 assets has no sector (ZZZ)", timeout=20)
    assert "sectors (my-sectors.csv)" in desk.find_element("#data-summary-text").text
    # A map with a repeated ticker is refused under its box and changes nothing.
    bad = tmp_path / "bad-sectors.csv"
    bad.write_text("ticker,sector\nZZZ,Widgets\nzzz,Gadgets\n")
    _upload(desk, "sectors", bad)
    desk.wait_for_contains_text("#data-alerts", "bad-sectors.csv: ticker ZZZ appears twice in column 'ticker' "
                                "(rows 2 and 3)", timeout=20)
    assert "Not loaded: bad-sectors.csv" in desk.find_element("#upload-status-sectors").text
    assert _grid_sectors(desk)["ZZZ"] == "Unclassified"
    assert console_errors(desk) == []


def test_analyse_job_runs_with_progress_and_can_be_cancelled(desk):
    _open(desk)
    click(desk, "#data-analyse-run")
    desk.wait_for_element("#data-analyse-progress-wrap[style*='block']", timeout=20)
    assert desk.find_element("#data-analyse-run").get_attribute("disabled") is not None
    click(desk, "#data-analyse-cancel")
    desk.wait_for_element("#data-analyse-progress-wrap[style*='none']", timeout=20)
    time.sleep(1.0)
    assert desk.driver.find_elements(By.ID, "data-analyse-done") == []  # cancelled: no result
    assert desk.find_element("#data-analyse-run").get_attribute("disabled") is None
    # Run to completion.
    click(desk, "#data-analyse-run")
    desk.wait_for_contains_text("#data-analyse-status", "Analysed 20 assets", timeout=60)
    desk.wait_for_element("#data-correlation-chart .heatmaplayer", timeout=20)
    assert console_errors(desk) == []


def test_theme_switch_turns_page_figures_and_grid_dark(desk):
    _open(desk)
    desk.wait_for_element("#data-prices-chart .main-svg", timeout=20)
    click(desk, "#theme-switch")
    desk.wait_for_element("html[data-bs-theme='dark']", timeout=10)
    assert desk.driver.find_element(By.TAG_NAME, "body").get_attribute("data-ag-theme-mode") == "dark"

    def paper_colour():
        return desk.driver.execute_script(
            "const g = document.querySelector('#data-prices-chart .js-plotly-plot');"
            "return g && g._fullLayout ? g._fullLayout.paper_bgcolor : null;")

    deadline = time.time() + 10
    while time.time() < deadline and paper_colour() in (None, "white", "#fff", "#ffffff", "rgb(255, 255, 255)"):
        time.sleep(0.2)
    assert paper_colour() not in (None, "white", "#fff", "#ffffff", "rgb(255, 255, 255)")
    # The choice survives a reload.
    desk.driver.refresh()
    desk.wait_for_element("html[data-bs-theme='dark']", timeout=10)
    assert console_errors(desk) == []


def test_sample_file_downloads(desk):
    _open(desk)
    click(desk, "#sample-trades")
    target = Path(desk.download_path) / "sample-trades.csv"
    deadline = time.time() + 10
    while time.time() < deadline and not target.exists():
        time.sleep(0.2)
    assert target.read_text().startswith("date,account,ticker,side,shares,price")


def test_no_request_leaves_the_machine(desk):
    _open(desk)
    urls = desk.driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name);")
    outside = [u for u in urls if not u.startswith(desk.server_url)]
    assert outside == []
    sheets = desk.driver.execute_script("return [...document.styleSheets].map(s => s.href).filter(Boolean);")
    assert any("00_bootstrap.min.css" in s for s in sheets)




def _export(desk, chart: str, item_text: str) -> None:
    click(desk, f"#{chart}-chart .pd-export .dropdown-toggle")
    items = desk.driver.find_elements(By.CSS_SELECTOR, f"#{chart}-chart .pd-export-item")
    target = next(i for i in items if i.text.strip() == item_text)
    desk.driver.execute_script("arguments[0].click();", target)


def test_chart_export_menu_downloads_browser_and_server_files(desk):
    _open(desk)
    desk.wait_for_element("#data-prices-chart .main-svg", timeout=20)
    folder = Path(desk.download_path)
    _export(desk, "data-prices", "SVG vector")
    assert b"<svg" in wait_for_file(folder / "portfolio-desk-data-prices.svg")[:300]
    _export(desk, "data-prices", "PDF")
    assert wait_for_file(folder / "portfolio-desk-data-prices.pdf", timeout=60).startswith(b"%PDF-")
    _export(desk, "data-prices", "Interactive HTML")
    assert b"plotly" in wait_for_file(folder / "portfolio-desk-data-prices.html", timeout=30)
    assert console_errors(desk) == []


def test_modebar_downloads_svg_with_the_chart_name(desk):
    _open(desk)
    desk.wait_for_element("#data-prices-chart .main-svg", timeout=20)
    folder = Path(desk.download_path)
    show(desk, "#data-prices-chart .js-plotly-plot")
    button = desk.wait_for_element("#data-prices-chart .modebar-btn[data-title='Download plot as SVG']", timeout=20)
    desk.driver.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}));", button)
    assert b"<svg" in wait_for_file(folder / "portfolio-desk-data-prices.svg")[:300]
    titles = [b.get_attribute("data-title") for b in
              desk.driver.find_elements(By.CSS_SELECTOR, "#data-prices-chart .modebar-btn")]
    assert any(t and t.lower().startswith("download plot as a png") for t in titles), titles  # plotly's PNG camera
    assert console_errors(desk) == []


def _closes(ticker: str, n: int = 120, offset: int = 0) -> pd.Series:
    prices = data.load_dataset("sp500").prices[ticker]
    return prices.iloc[len(prices) - n - offset:len(prices) - offset].round(4)


def _volatility(closes: pd.Series) -> str:
    """Annualised volatility as the grid prints it, computed here with numpy: std(simple returns) * sqrt(252)."""
    p = closes.to_numpy()
    return f"{np.std(p[1:] / p[:-1] - 1, ddof=1) * np.sqrt(252):.1%}"


def _comma(x: float) -> str:
    return f"{x:.4f}".replace(".", ",")


def test_semicolon_file_with_decimal_commas_gives_a_sensible_volatility(desk, tmp_path):
    _open(desk)
    closes = {t: _closes(t) for t in ("AAPL", "KO")}
    eu = tmp_path / "kurse.csv"  # as a German Excel saves it: ';' between columns, decimal commas, day first
    eu.write_text("Datum;AAPL;KO\n" + "".join(
        f"{d.strftime('%d.%m.%Y')};{_comma(closes['AAPL'][d])};{_comma(closes['KO'][d])}\n"
        for d in closes["AAPL"].index))
    _upload(desk, "prices", eu)
    desk.wait_for_contains_text("#data-summary-text", "2 assets", timeout=30)
    desk.wait_for_contains_text("#data-alerts", "Read as semicolon-separated text with decimal commas", timeout=20)
    desk.wait_for_contains_text("#data-alerts", "Dates read day first", timeout=20)
    show(desk, "#data-stats-grid")
    desk.wait_for_contains_text("#data-stats-grid", _volatility(closes["KO"]), timeout=20)
    vols = _grid_column(desk, "volatility")
    assert vols == {t: _volatility(c) for t, c in closes.items()}  # e.g. 30%, not the 17,000% of the issue
    assert console_errors(desk) == []


def test_two_yahoo_exports_uploaded_at_once_build_a_two_ticker_universe(desk, tmp_path):
    _open(desk)
    paths = []
    for ticker, offset in (("AAPL", 0), ("MSFT", 10)):
        closes = _closes(ticker, 60, offset)
        path = tmp_path / f"{ticker}.csv"
        path.write_text("Date,Open,High,Low,Close,Adj Close,Volume\n" + "".join(
            f"{d.date()},{p:.4f},{p * 1.01:.4f},{p * 0.99:.4f},{p * 1.003:.4f},{p:.4f},{1_000_000 + i}\n"
            for i, (d, p) in enumerate(closes.items())))
        paths.append(path)
    _upload(desk, "prices", *paths)
    desk.wait_for_contains_text("#data-summary-text", "2 assets, 50 dates", timeout=30)
    assert "Uploaded prices (AAPL.csv + MSFT.csv)" in desk.find_element("#data-summary-text").text
    assert "Loaded AAPL.csv, MSFT.csv (50 rows)" in desk.find_element("#upload-status-prices").text
    alerts = desk.find_element("#data-alerts").text
    assert "Added MSFT to the uploaded prices (now AAPL, MSFT)" in alerts and "Aligned on the 50 dates" in alerts
    show(desk, "#data-stats-grid")
    desk.wait_for_contains_text("#data-stats-grid", "MSFT", timeout=20)
    assert set(_grid_column(desk, "ticker")) == {"AAPL", "MSFT"}  # not OPEN, HIGH, ..., VOLUME
    # A third export added later joins the universe.
    ko = tmp_path / "ko_daily.csv"
    closes = _closes("KO", 60)
    ko.write_text("Date,Open,High,Low,Close,Volume\n" + "".join(
        f"{d.date()},{p:.4f},{p:.4f},{p:.4f},{p:.4f},1000\n" for d, p in closes.items()))
    _upload(desk, "prices", ko)
    desk.wait_for_contains_text("#data-summary-text", "3 assets", timeout=30)
    desk.wait_for_contains_text("#data-alerts", "Added KO to the uploaded prices (now AAPL, MSFT, KO)", timeout=20)


def _type(desk, selector: str, text: str) -> None:
    box = show(desk, selector)
    box.clear()
    box.send_keys(text)


def test_benchmark_picker_blends_and_uploaded_series(desk, tmp_path):
    _open(desk)
    summary = "#data-summary-text"
    desk.wait_for_contains_text(summary, "benchmark S&P 500 total return (dividends reinvested)", timeout=30)
    pick(desk, "#data-benchmark", "S&P 500 (price index)")
    desk.wait_for_contains_text(summary, "benchmark S&P 500 (price index)", timeout=30)
    desk.wait_for_contains_text("#data-notes", "leaves dividends out", timeout=30)
    # A blend whose weights do not add up is refused with the reason; the benchmark stays.
    _type(desk, "#data-blend-text", "60 SP500TR, 30 KO")
    click(desk, "#data-blend-apply")
    desk.wait_for_contains_text("#data-blend-alerts", "add up to 90%, not 100%", timeout=20)
    assert "benchmark S&P 500 (price index)" in desk.find_element(summary).text
    _type(desk, "#data-blend-text", "60 SP500TR, 40 KO")
    click(desk, "#data-blend-apply")
    blend = "Blend: 60% S&P 500 total return (dividends reinvested) + 40% KO (rebalanced monthly)"
    desk.wait_for_contains_text(summary, blend, timeout=30)
    assert blend in desk.find_element("#data-benchmark").text
    assert desk.find_element("#data-blend-alerts").text == ""
    # An uploaded date,value series becomes the benchmark (its dates: the last year of the data).
    series = tmp_path / "house-bench.csv"
    series.write_text(data.sample_csv("benchmark"))
    _upload(desk, "benchmark", series)
    desk.wait_for_contains_text("#upload-status-benchmark", "Loaded house-bench.csv", timeout=30)
    desk.wait_for_contains_text("#data-notes", "Uploaded benchmark (house-bench.csv) has no closes", timeout=30)
    assert console_errors(desk) == []


def test_a_ticker_written_as_markup_shows_as_text_in_the_legend(desk, tmp_path):
    # Issue 16, point 6: plotly draws <b> in a legend as bold (a font-weight tspan); a name must stay text.
    _open(desk)
    rows = data.sample_csv("prices").splitlines()
    rows[0] = rows[0].replace("AAPL", "<b>BOLD</b>")
    hostile = tmp_path / "markup.csv"
    hostile.write_text("\n".join(rows))
    _upload(desk, "prices", hostile)
    desk.wait_for_contains_text("#data-summary-text", "5 assets", timeout=30)
    legend = "#data-prices-chart .legend .legendtext"
    desk.wait_for_contains_text(legend, "<B>BOLD</B>", timeout=30)  # the reader upper-cases tickers
    texts = [el.text for el in desk.driver.find_elements(By.CSS_SELECTOR, legend)]
    assert "<B>BOLD</B>" in texts and "BOLD" not in texts
    plot = desk.driver.find_element(By.CSS_SELECTOR, "#data-prices-chart .js-plotly-plot")
    markup = plot.get_attribute("innerHTML")
    assert "<b>" not in markup.lower() and "font-weight:bold" not in markup.replace(" ", "")
    assert [e for e in console_errors(desk) if "favicon" not in e["message"]] == []


#: Drops a File holding arguments[1] (named arguments[2]) on the upload box arguments[0], as a person
#: dragging it from their desktop would: dragenter, then drop, on the box's drop zone.
DROP = """
const zone = document.querySelector(arguments[0]);
const dt = new DataTransfer();
dt.items.add(new File([arguments[1]], arguments[2], {type: 'text/csv'}));
zone.dispatchEvent(new DragEvent('dragenter', {bubbles: true, cancelable: true, dataTransfer: dt}));
zone.dispatchEvent(new DragEvent('dragover', {bubbles: true, cancelable: true, dataTransfer: dt}));
zone.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: dt}));
"""


def test_a_dropped_file_travels_raw_and_loads_once(desk):
    """assets/upload.js posts a dropped file to the upload route; the box's contents are only its token."""
    _open(desk)
    zone = "#upload-prices"
    style_before = desk.driver.execute_script("return document.querySelector(arguments[0]).getAttribute('style');",
                                              zone)
    desk.driver.execute_script(
        "window.__posts = []; const f = window.fetch; window.fetch = function (url, init) {"
        "const body = init && init.body; window.__posts.push([String(url), body && body.size,"
        "typeof body === 'string' && body.includes(';base64,')]); return f.apply(this, arguments); };")
    desk.driver.execute_script(DROP, zone, data.sample_csv("prices"), "dropped-prices.csv")
    desk.wait_for_contains_text("#data-summary-text", "5 assets", timeout=30)
    assert "Loaded dropped-prices.csv" in desk.find_element("#upload-status-prices").text
    posts = desk.driver.execute_script("return window.__posts;")
    raw = [p for p in posts if p[0].endswith("/_desk-upload")]
    assert len(raw) == 1 and raw[0][1] == len(data.sample_csv("prices").encode())  # the file itself, once
    callbacks = [p for p in posts if "_dash-update-component" in p[0]]
    assert callbacks and not any(p[2] for p in callbacks)  # no callback carried the file as a data URL
    # The drop zone is left as it was (react-dropzone saw the drag end), not stuck in its drag-over style.
    assert desk.driver.execute_script("return document.querySelector(arguments[0]).getAttribute('style');",
                                      zone) == style_before
    assert [e for e in console_errors(desk) if "favicon" not in e["message"]] == []
