"""The Celery path end to end: a live Redis, a Celery worker, the app server and headless Chromium.

With ``REDIS_URL`` set, app.py runs background jobs on Celery workers and workspace.py
caches uploaded frames in Redis. Here each piece is a real process: ``redis-server`` on a
free port, ``celery -A app:celery_app worker`` and the app server (subprocesses, so
``REDIS_URL`` is set before ``app`` is imported), driven by a browser like a user.
"""

from __future__ import annotations

import re
import shutil

import pytest

from finance_core import data
from tests.e2e.conftest import console_errors
from tests.integration import services
from tests.integration.services import Service as _Service
from tests.integration.services import check_summary as _check_summary
from tests.integration.services import free_port as _free_port
from tests.integration.services import run_projection as _run_projection
from tests.integration.services import tail as _tail

ROOT = services.ROOT

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("redis-server") is None,
                       reason="redis-server is not installed (`make redis` installs it)"),
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """Redis, a Celery worker and the app server; yields (server_url, redis_url, worker, redis client)."""
    import redis

    tmp = tmp_path_factory.mktemp("celery-redis")
    started: list[_Service] = []
    try:
        redis_port = _free_port()
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        started.append(services.start_redis(tmp, redis_port))
        client = redis.Redis.from_url(redis_url, socket_timeout=5)
        env = services.app_env(redis_url, tmp / "cache")
        started.append(worker := services.start_worker(tmp, env, f"pd-test-{redis_port}"))
        server, server_url = services.start_app(tmp, env)
        started.append(server)
        yield server_url, redis_url, worker, client
    finally:
        for service in reversed(started):
            service.stop()


def test_jobs_run_on_the_celery_worker_and_uploads_live_in_redis(stack, dash_br, tmp_path):
    server_url, _redis_url, worker, client = stack
    dash_br.driver.set_window_size(1400, 1000)
    dash_br.server_url = server_url
    errors = []

    # The Monte Carlo projection is a background job: it must run on the worker.
    summary = _run_projection(dash_br, server_url, "Equal weight (20 assets)", worker)
    _check_summary(summary)
    log = worker.text()
    assert re.search(r"Task background_callback_\w+\[[\w-]+\] received", log), _tail(worker.log)
    assert re.search(r"Task background_callback_\w+\[[\w-]+\] succeeded", log), _tail(worker.log)
    errors += console_errors(dash_br)

    # An upload on the Data page is parsed by the web server and cached in Redis ...
    dash_br.driver.get(server_url + "/")
    dash_br.wait_for_contains_text("#data-summary-text", "20 assets", timeout=60)
    prices = tmp_path / "my-prices.csv"
    prices.write_text(data.sample_csv("prices"))
    dash_br.find_element("#upload-prices input[type=file]").send_keys(str(prices))
    dash_br.wait_for_contains_text("#data-summary-text", "5 assets", timeout=30)
    keys = [k.decode() for k in client.scan_iter(match="portfolio-desk:*")]
    assert any(k.startswith("portfolio-desk:prices:") for k in keys), keys
    # ... after travelling raw through the upload route's inbox, which the page's callback emptied.
    assert not any(k.startswith("portfolio-desk:inbox:") for k in keys), keys
    errors += console_errors(dash_br)

    # ... where the worker, a separate process, finds it: the projection now uses the uploaded prices.
    done_before = len(re.findall(r"Task background_callback_\w+\[[\w-]+\] succeeded", worker.text()))
    summary = _run_projection(dash_br, server_url, "Equal weight (5 assets)", worker)
    _check_summary(summary)
    assert len(re.findall(r"Task background_callback_\w+\[[\w-]+\] succeeded", worker.text())) > done_before
    errors += console_errors(dash_br)

    assert "Traceback" not in worker.text(), _tail(worker.log)
    assert errors == []


def test_the_upload_route_keeps_a_posted_file_in_redis_for_one_read(stack):
    """components.upload.ROUTE under REDIS_URL: the bytes wait in Redis with the inbox's expiry, read once."""
    import requests

    from components.upload import ROUTE, TOKEN_PREFIX
    from session_frames import FrameStore

    server_url, redis_url, _worker, client = stack
    raw = data.sample_csv("prices").encode()
    reply = requests.post(server_url + ROUTE, data=raw, timeout=30,
                          headers={"X-Portfolio-Desk-Upload": "1", "Content-Type": "application/octet-stream"})
    assert reply.status_code == 200, reply.text
    token = reply.json()["token"].removeprefix(TOKEN_PREFIX)
    assert 0 < client.ttl(f"portfolio-desk:inbox:{token}") <= FrameStore.inbox_ttl_seconds
    store = FrameStore(redis_url=redis_url)
    assert store.take_inbox(token, None) == raw
    assert store.take_inbox(token, None) is None and not client.exists(f"portfolio-desk:inbox:{token}")
