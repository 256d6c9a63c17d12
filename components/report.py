"""The downloadable presentation report: self-contained HTML (interactive) and PDF.

The HTML inlines plotly.js once, so it opens offline with interactive charts. The
PDF is the same report with the charts rendered to SVG by kaleido, printed to PDF by
headless Chromium (``--print-to-pdf``), one section per page.
"""

from __future__ import annotations

import contextlib
import html
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from .export import figure_bytes

__all__ = ["report_html", "html_to_pdf"]

_CSS = """
body { font-family: -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif; color: #212529;
       margin: 2rem auto; max-width: 1100px; font-size: 16px; }
h1 { font-size: 2.2rem; margin-bottom: 0; } .subtitle { color: #6c757d; margin-top: .3rem; }
.kpis { display: flex; flex-wrap: wrap; gap: 1rem; margin: 1.5rem 0; }
.kpi { border: 1px solid #dee2e6; border-radius: .5rem; padding: .8rem 1.2rem; min-width: 150px; }
.kpi .label { color: #6c757d; font-size: .9rem; } .kpi .value { font-size: 1.8rem; font-weight: 600; }
section { page-break-inside: avoid; break-inside: avoid; margin-bottom: 2rem; }
section.page { page-break-before: always; break-before: page; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { border-bottom: 1px solid #dee2e6; padding: .35rem .6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.notes { color: #6c757d; font-size: .9rem; }
@media print { body { margin: 0; } }
"""


def _table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in frame.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def report_html(title: str, subtitle: str, kpis: list[tuple[str, str]], figures: dict[str, tuple[str, go.Figure]],
                tables: list[tuple[str, pd.DataFrame]], notes: list[str], *, static: bool = False,
                texts: list[tuple[str, list[str]]] = ()) -> str:
    """A complete HTML document: KPIs, one section per figure, text block and table, notes.

    ``static=True`` embeds SVG images (for printing to PDF) instead of interactive charts.
    """
    parts = [f"<h1>{html.escape(title)}</h1><p class='subtitle'>{html.escape(subtitle)}</p>",
             "<div class='kpis'>" + "".join(
                 f"<div class='kpi'><div class='label'>{html.escape(k)}</div><div class='value'>{html.escape(v)}"
                 "</div></div>" for k, v in kpis) + "</div>"]
    for i, (name, (fig_title, fig)) in enumerate(figures.items()):
        if static:
            body = figure_bytes(fig, "svg", width=1000, height=480).decode("utf-8")
        else:
            body = fig.to_html(full_html=False, include_plotlyjs=False, div_id=name,
                               config={"displaylogo": False, "responsive": True})
        klass = "page" if i and i % 2 == 0 else ""
        parts.append(f"<section class='{klass}'><h2>{html.escape(fig_title)}</h2>{body}</section>")
    for text_title, paragraphs in texts:
        parts.append(f"<section><h2>{html.escape(text_title)}</h2>"
                     + "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs) + "</section>")
    for table_title, frame in tables:
        parts.append(f"<section class='page'><h2>{html.escape(table_title)}</h2>{_table(frame)}</section>")
    if notes:
        parts.append("<section class='notes'><h3>Notes</h3><ul>" + "".join(
            f"<li>{html.escape(n)}</li>" for n in notes) + "</ul></section>")
    script = "" if static else f"<script type='text/javascript'>{get_plotlyjs()}</script>"
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_CSS}</style>{script}</head><body>{''.join(parts)}</body></html>")


def _chromium() -> str:
    path = os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("chromium-browser") \
        or shutil.which("google-chrome")
    if not path:
        raise RuntimeError("PDF export needs Chromium: install Debian's chromium package (make test does).")
    return path


def html_to_pdf(document: str, *, timeout: float = 90) -> bytes:
    """Print an HTML document to PDF with headless Chromium.

    Chromium runs in its own process group with its output in a file (no pipes its helper
    processes could hold open), and the whole group is killed if it is not done in ``timeout``
    seconds, so a wedged print never holds the request (or the server's exit) for good.
    """
    with tempfile.TemporaryDirectory(prefix="pd-report-") as tmp:
        src, out, log = Path(tmp) / "report.html", Path(tmp) / "report.pdf", Path(tmp) / "chromium.log"
        src.write_text(document, encoding="utf-8")
        cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--disable-background-networking", "--disable-component-update", "--no-first-run",
               f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer", f"--print-to-pdf={out}",
               src.as_uri()]
        with log.open("wb") as sink:
            process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=sink, stderr=sink,
                                       start_new_session=True)
            try:
                code = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                code = None
            finally:
                _kill_group(process)
        if code is None:
            raise TimeoutError(f"Chromium did not print the report within {timeout:.0f} s")
        if code != 0 or not out.exists():
            tail = log.read_text(errors="replace")[-400:]
            raise RuntimeError(f"Chromium could not print the report (exit {code}): {tail}")
        return out.read_bytes()


def _kill_group(process: subprocess.Popen) -> None:
    """Kill what is left of a process group started with ``start_new_session`` (Chromium's helpers)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
