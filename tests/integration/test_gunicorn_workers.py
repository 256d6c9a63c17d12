"""`make serve` end to end: gunicorn with two workers, the default diskcache manager, headless Chromium.

Every worker opens the same cache folder by path (``PORTFOLIO_DESK_CACHE``), so an upload one
worker parsed and a background job one worker started are read by the others. To make that
certain rather than likely, the test uploads a file, then has gunicorn replace every worker
(SIGHUP: new processes that never saw the upload) and runs the Monte Carlo projection, a
background job whose submit and polling requests the two new workers share, on that upload.
"""

from __future__ import annotations

import os
import re
import signal
import urllib.request

import pytest

from finance_core import data
from tests.e2e.conftest import console_errors
from tests.integration.services import (
    app_env,
    check_summary,
    gunicorn_workers,
    run_projection,
    start_gunicorn,
    tail,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    """gunicorn -c gunicorn.conf.py app:server with 2 workers on a free port; yields (url, service, cache)."""
    tmp = tmp_path_factory.mktemp("gunicorn")
    server, url = start_gunicorn(tmp, app_env(None, tmp / "cache"), workers=2, threads=2)
    try:
        yield url, server, tmp / "cache"
    finally:
        server.stop()


def test_served_by_gunicorn_without_server_name_or_debug(gunicorn):
    url, server, _cache = gunicorn
    with urllib.request.urlopen(url + "/healthz", timeout=10) as resp:
        assert resp.headers["Server"] == "Portfolio Desk"
    with pytest.raises(urllib.error.HTTPError) as err:  # dev tools off: no package list
        urllib.request.urlopen(url + "/_reload-hash", timeout=10)
    assert err.value.code == 404
    assert re.search(r"Using worker: gthread", server.text()), tail(server.log)
    assert '"GET /healthz HTTP/1.1" 200' in server.text()  # the access log goes to stdout


def test_upload_and_job_shared_across_workers(gunicorn, dash_br, tmp_path):
    url, server, cache = gunicorn
    dash_br.driver.set_window_size(1400, 1000)
    dash_br.server_url = url
    dash_br.driver.get(url + "/")
    dash_br.wait_for_contains_text("#data-summary-text", "20 assets", timeout=60)
    prices = tmp_path / "my-prices.csv"
    prices.write_text(data.sample_csv("prices"))
    dash_br.find_element("#upload-prices input[type=file]").send_keys(str(prices))
    dash_br.wait_for_contains_text("#data-summary-text", "5 assets", timeout=30)
    assert any((cache / "frames").iterdir()), "the upload is not in the shared cache folder"
    errors = console_errors(dash_br)

    first = set(gunicorn_workers(server))
    os.kill(server.proc.pid, signal.SIGHUP)  # gunicorn replaces every worker with a new process
    server.wait_until(lambda: len(set(gunicorn_workers(server)) - first) >= 2, "replacing its workers", timeout=90)
    server.wait_until(lambda: len(re.findall(r"Worker exiting", server.text())) >= 2, "retiring the old workers",
                      timeout=60)

    summary = run_projection(dash_br, url, "Equal weight (5 assets)", server)
    check_summary(summary)
    errors += console_errors(dash_br)
    assert "Traceback" not in server.text(), tail(server.log)
    assert errors == []
