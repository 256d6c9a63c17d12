"""Shared test set-up: a private cache folder so tests never touch a user's .cache."""

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
    """Stop kaleido's export browser before pytest closes its log capture."""
    try:
        import logging

        import kaleido

        logging.getLogger("choreographer").setLevel(logging.CRITICAL)
        logging.getLogger("kaleido").setLevel(logging.CRITICAL)
        import threading

        stopper = threading.Thread(target=kaleido.stop_sync_server, kwargs={"silence_warnings": True}, daemon=True)
        stopper.start()
        stopper.join(timeout=5)  # never let a stuck browser hold the test run
    except Exception:  # noqa: BLE001
        pass
