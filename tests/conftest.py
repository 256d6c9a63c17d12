"""Shared test set-up: a private cache folder so tests never touch a user's .cache."""

import contextlib
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("PORTFOLIO_DESK_CACHE", tempfile.mkdtemp(prefix="portfolio-desk-test-cache-"))

os.environ.setdefault("PORTFOLIO_DESK_EXPORT_WARM", "0")  # tests start the export server when they need it


def pytest_sessionfinish(session, exitstatus):
    """End the run cleanly: close the export browser, then stop every process the tests left behind.

    The export browser's close is bounded (components.export). Background jobs run in non-daemon
    processes that Python joins at exit, so one left hanging would hold the whole run after its
    summary; they, and any browser helper, are terminated here. The xdist controller is skipped (its
    children are the workers, which clean up after themselves).
    """
    import logging

    for name in ("choreographer", "kaleido", "logistro"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    if "components.export" in sys.modules:
        sys.modules["components.export"]._BROWSER.close()
    if getattr(session.config.option, "numprocesses", None) and not hasattr(session.config, "workerinput"):
        return
    import psutil

    left = psutil.Process().children(recursive=True)
    for process in left:
        with contextlib.suppress(psutil.Error):
            process.terminate()
    _gone, alive = psutil.wait_procs(left, timeout=5)
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.kill()
