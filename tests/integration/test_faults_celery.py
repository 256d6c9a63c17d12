"""Faults on the Celery path (issue 16.4): a worker killed mid-job, Redis restarted during a session.

Real processes on loopback (tests/integration/services.py): redis-server, Celery workers and the app server
with ``REDIS_URL``. A page is driven over HTTP as the renderer drives it (one page load's signed ``endId``;
submit, then poll with the signed job handles), so each fault is timed exactly and no browser is needed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import time

import pytest

import app  # noqa: F401  (registers the pages before pages.risk is imported)
from components.jobs import HEARTBEAT_TTL, JOB_LOST
from pages import risk
from tests.app.test_background_jobs import _monte_carlo_body
from tests.integration import services

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("redis-server") is None,
                       reason="redis-server is not installed (`make redis` installs it)"),
]


class Page:
    """One page load of /risk in a browser: its session, its signed endId and its Monte Carlo Run request."""

    def __init__(self, url: str):
        import requests

        self.url, self.http = url, requests.Session()
        html = self.http.get(url + "/risk", timeout=30).text
        config = re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>', html, re.S)
        self.end_id = json.loads(config.group(1))["end_id"]
        self.body = _monte_carlo_body(self.http.get(url + "/_dash-dependencies", timeout=30).json())

    def _post(self, **handles: str):
        return self.http.post(self.url + "/_dash-update-component", json=self.body, timeout=30,
                              params={"endId": self.end_id, **handles})

    def run(self) -> dict:
        """Press Run: the signed handles (cacheKey, job) the renderer then polls with."""
        submitted = self._post()
        assert submitted.status_code == 200, submitted.text
        return submitted.json()

    def outcome(self, handles: dict, timeout: float) -> tuple[dict, float]:
        """Poll as the renderer does until the job ends (an answer with ``response``); the answer and seconds."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            polled = self._post(cacheKey=handles["cacheKey"], job=handles["job"])
            assert polled.status_code == 200, f"{polled.status_code}: {polled.text[:300]}"
            answer = polled.json()
            if "response" in answer:
                return answer, time.monotonic() - start
            time.sleep(0.5)
        raise AssertionError(f"the job did not end within {timeout:.0f} s")

    def status(self, answer: dict) -> str:
        """The job's status line from an answer: its side update (an error) or its own output."""
        side = (answer.get("sideUpdate") or {}).get(risk.MC_JOB.status)
        own = answer["response"].get(risk.MC_JOB.status)
        return json.dumps(side or own)


@pytest.fixture
def desk(tmp_path):
    """Redis and the app server on Celery (booting: a test starts its worker meanwhile, then calls ``ready``);
    yields (url, env, redis port, started services: append to stop, ready)."""
    started: list[services.Service] = []
    try:
        port = services.free_port()
        started.append(services.start_redis(tmp_path, port))
        env = services.app_env(f"redis://127.0.0.1:{port}/0", tmp_path / "cache")
        server, url = services.start_app(tmp_path, env, wait=False)
        started.append(server)
        yield url, env, port, started, lambda: services.app_ready(server, url)
    finally:
        for service in reversed(started):
            service.stop()


def test_a_worker_killed_mid_job_is_reported_lost_and_a_retry_succeeds_on_a_new_worker(desk, tmp_path):
    url, env, _port, started, ready = desk
    # A slow job (the throttle pauses at each progress step), so the kill lands mid-job.
    slow = env | {"PORTFOLIO_DESK_JOB_THROTTLE": "5"}
    started.append(doomed := services.start_worker(tmp_path, slow, "pd-doomed", wait=False))
    ready()
    services.worker_ready(doomed, "pd-doomed")
    page = Page(url)
    handles = page.run()
    doomed.wait_until(lambda: re.search(r"Task background_callback_\w+\[[\w-]+\] received", doomed.text()),
                      "receiving the job", timeout=20)
    time.sleep(1.5)  # its first heartbeat is written
    os.kill(doomed.proc.pid, signal.SIGKILL)  # --pool=solo: the job runs in this very process
    started.append(fresh := services.start_worker(tmp_path, env, "pd-fresh", wait=False))  # boots meanwhile
    answer, seconds = page.outcome(handles, timeout=HEARTBEAT_TTL + 15)
    assert "Job lost" in page.status(answer) and JOB_LOST in page.status(answer), page.status(answer)
    assert seconds < HEARTBEAT_TTL + 10  # seen within a heartbeat's life, not "running" for good
    assert "Median final wealth" not in json.dumps(answer["response"])  # the previous result stays as it was

    # Run again (the renderer ended the job, so the button works) once a new worker is up: it succeeds.
    services.worker_ready(fresh, "pd-fresh")
    answer, _ = page.outcome(page.run(), timeout=40)
    assert "Projected 500 paths." in page.status(answer)
    assert "Median final wealth $" in json.dumps(answer["response"][risk.MC_SUMMARY])
    assert "Traceback" not in fresh.text()


def test_redis_restarted_during_a_session_the_next_run_works_without_restarting_the_app(desk, tmp_path):
    url, env, port, started, ready = desk
    started.append(worker := services.start_worker(tmp_path, env, "pd-steady", wait=False))
    ready()
    services.worker_ready(worker, "pd-steady")
    page = Page(url)
    answer, _ = page.outcome(page.run(), timeout=40)
    assert "Projected 500 paths." in page.status(answer)

    redis = started.pop(0)  # the same port, a fresh server: every key is gone, every connection broken
    redis.stop()
    started.insert(0, services.start_redis(tmp_path, port))

    # The same page load (the browser still open) runs again: the app and the worker reconnect by themselves.
    answer, _ = page.outcome(page.run(), timeout=45)
    assert "Projected 500 paths." in page.status(answer), page.status(answer)
    assert worker.proc.poll() is None and started[1].proc.poll() is None  # nothing was restarted
