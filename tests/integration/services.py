"""What the integration tests share: services on loopback ports (stopped with their children) and browser steps."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

__all__ = ["ROOT", "Service", "app_env", "app_ready", "check_summary", "free_port", "gunicorn_workers", "run_projection",
           "start_app", "start_gunicorn", "start_redis", "start_worker", "tail", "worker_ready"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class Service:
    """A subprocess in its own process group, logging to a file, stopped with its children."""

    def __init__(self, name: str, argv: list[str], log: Path, env: dict | None = None, cwd: Path = ROOT):
        self.name, self.log = name, log
        self._log_file = log.open("wb")
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=self._log_file,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until(self, ready, what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.proc.returncode} before {what}:\n"
                                     f"{tail(self.log)}")
            try:
                if ready():
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.name} not {what} after {timeout:.0f} s:\n{tail(self.log)}")

    def stop(self) -> None:
        """SIGTERM the process group, SIGKILL what is left after a grace period."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        with contextlib.suppress(ProcessLookupError, PermissionError):  # children may outlive the leader
            os.killpg(self.proc.pid, signal.SIGKILL)
        if self.proc.poll() is None:
            self.proc.wait(timeout=10)
        self._log_file.close()


def start_redis(tmp: Path, port: int) -> Service:
    """redis-server on 127.0.0.1:``port`` without persistence (a restart loses every key), answering PING."""
    import redis

    folder = tmp / f"redis-{port}"
    folder.mkdir(exist_ok=True)
    store = Service("redis-server",
                    ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                     "--dir", str(folder)],
                    tmp / f"redis-{port}-{time.monotonic_ns()}.log", cwd=folder)
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=5)

    def pings() -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    store.wait_until(pings, "answering PING", timeout=20)
    return store


def app_env(redis_url: str | None, cache: Path, **extra: str) -> dict:
    """The environment of the app and its Celery workers: this machine's, with the desk's settings replaced
    (no ``redis_url``: diskcache jobs and uploads in ``cache``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTFOLIO_DESK_") and k != "REDIS_URL"}
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env | {"PORTFOLIO_DESK_CACHE": str(cache), "PORTFOLIO_DESK_EXPORT_WARM": "0",
                  "PORTFOLIO_DESK_JOB_THROTTLE": "0", "PORTFOLIO_DESK_DEBUG": "0", "PYTHONUNBUFFERED": "1", **extra}


def start_worker(tmp: Path, env: dict, name: str, *, wait: bool = True) -> Service:
    """``celery -A app:celery_app worker`` (solo pool, one job at a time) named ``name``, once it is ready
    (``wait=False``: at once; :func:`worker_ready` waits)."""
    worker = Service("celery worker",
                     [sys.executable, "-m", "celery", "-A", "app:celery_app", "worker", "--pool=solo",
                      "--concurrency=1", "--loglevel=INFO", "--without-gossip", "--without-mingle",
                      "--hostname", f"{name}@%h"],
                     tmp / f"{name}.log", env=env)
    if wait:
        worker_ready(worker, name)
    return worker


def worker_ready(worker: Service, name: str) -> None:
    worker.wait_until(lambda: re.search(rf"{re.escape(name)}@\S+ ready\.", worker.text()) is not None, "ready",
                      timeout=60)


def start_app(tmp: Path, env: dict, *, wait: bool = True, port: int | None = None) -> tuple[Service, str]:
    """The app's own server (``app.main()``) on a free loopback port, once it serves (``wait=False``: at once;
    :func:`app_ready` waits); returns it and its URL."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    server = Service("app server", [sys.executable, "-c", "import app; app.main()"],
                     tmp / f"server-{time.monotonic_ns()}.log",
                     env=env | {"HOST": "127.0.0.1", "PORT": str(port)})
    if wait:
        app_ready(server, url)
    return server, url


def app_ready(server: Service, url: str, timeout: float = 60) -> None:
    def answers() -> bool:
        with urllib.request.urlopen(url + "/healthz", timeout=5) as resp:
            return resp.status == 200

    server.wait_until(answers, "serving", timeout=timeout)


GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def gunicorn_workers(server: Service) -> list[str]:
    """The pids of every worker gunicorn has booted so far (its log says so)."""
    return re.findall(r"Booting worker with pid: (\d+)", server.text())


def start_gunicorn(tmp: Path, env: dict, *, workers: int, threads: int | None = None) -> tuple[Service, str]:
    """``gunicorn -c gunicorn.conf.py app:server`` (``make serve``) with ``workers`` workers on a free loopback
    port, once it serves and every worker has booted; returns it and its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    extra = {"PORTFOLIO_DESK_WORKERS": str(workers), "HOST": "127.0.0.1", "PORT": str(port)}
    if threads is not None:
        extra["PORTFOLIO_DESK_THREADS"] = str(threads)
    server = Service("gunicorn", [GUNICORN, "-c", str(ROOT / "gunicorn.conf.py"), "app:server"],
                     tmp / f"gunicorn-{port}.log", env=env | extra)
    try:
        app_ready(server, url, timeout=90)
        server.wait_until(lambda: len(gunicorn_workers(server)) >= workers, f"running {workers} workers", timeout=60)
    except BaseException:
        server.stop()
        raise
    return server, url


def run_projection(br, server_url: str, portfolio: str, worker: Service) -> str:
    """Open /risk, run the Monte Carlo projection and return its summary."""
    from selenium.common.exceptions import TimeoutException

    from tests.e2e.conftest import click

    br.driver.get(server_url + "/risk")
    br.wait_for_contains_text("#risk-portfolio-label", portfolio, timeout=60)
    click(br, "#risk-mc-run")
    try:
        br.wait_for_contains_text("#risk-mc-status", "Projected 10,000 paths", timeout=120)
    except TimeoutException:
        status = br.driver.find_element("css selector", "#risk-mc-status").text
        raise AssertionError(f"no projection; status {status!r}; worker log:\n{tail(worker.log)}") from None
    return br.wait_for_element("#risk-mc-result", timeout=10).text


def check_summary(summary: str) -> None:
    goal = re.search(r"Probability of reaching the goal: (\d+\.\d)%", summary)
    median = re.search(r"Median final wealth \$([\d,]+);", summary)
    assert goal and median, summary
    assert 0 <= float(goal.group(1)) <= 100
    assert int(median.group(1).replace(",", "")) > 0
