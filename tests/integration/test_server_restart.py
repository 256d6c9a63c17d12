"""The app server restarted while a browser holds a session and a running job (issue 16.4).

The app's own server in a subprocess with the default diskcache manager, stopped mid-job (its job processes
die with it) and started again on the same port and cache folder, while headless Chromium keeps the page open.
"""

from __future__ import annotations

import shutil

import pytest

from finance_core import data
from tests.e2e.conftest import click
from tests.integration import services

pytestmark = pytest.mark.e2e


def test_a_server_restarted_mid_job_leaves_the_page_saying_so_with_run_enabled(dash_br, tmp_path):
    env = services.app_env(None, tmp_path / "cache", PORTFOLIO_DESK_JOB_THROTTLE="3")  # slow enough to restart
    started: list[services.Service] = []
    try:
        server, url = services.start_app(tmp_path, env)
        started.append(server)
        dash_br.server_url = url
        dash_br.driver.set_window_size(1400, 1000)
        dash_br.driver.get(url + "/")
        dash_br.wait_for_contains_text("#data-summary-text", "20 assets", timeout=60)
        prices = tmp_path / "my-prices.csv"
        prices.write_text(data.sample_csv("prices"))
        dash_br.find_element("#upload-prices input[type=file]").send_keys(str(prices))
        dash_br.wait_for_contains_text("#data-summary-text", "5 assets", timeout=30)

        dash_br.driver.get(url + "/risk")
        dash_br.wait_for_contains_text("#risk-portfolio-label", "Equal weight (5 assets)", timeout=60)
        click(dash_br, "#risk-mc-run")
        dash_br.wait_for_element("#risk-mc-progress-wrap[style*='block']", timeout=30)
        server.stop()  # mid-job: the job process goes with it
        started.remove(server)
        shutil.rmtree(tmp_path / "cache" / "frames")  # and the uploads with it (as on a new machine)
        server, _ = services.start_app(tmp_path, env, port=int(url.rsplit(":", 1)[1]))
        started.append(server)

        # The page kept polling through the restart: the new server says the job is lost; Run works again.
        dash_br.wait_for_contains_text("#risk-mc-status", "Job lost", timeout=30)
        dash_br.wait_for_element("#risk-mc-progress-wrap[style*='none']", timeout=10)
        assert dash_br.find_element("#risk-mc-run").get_attribute("disabled") is None
        # Reloaded, the page says the upload must be loaded again (never a blank page).
        dash_br.driver.get(url + "/risk")
        dash_br.wait_for_contains_text("#risk-alerts", "Load the file again", timeout=30)
    finally:
        for service in started:
            service.stop()
