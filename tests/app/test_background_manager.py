"""app.py picks the background-job manager from the configuration."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The Dash manager class the app's manager is built on, whether it mints one result key per job (issue 16),
# whether a Celery app exists, and where uploads are cached.
PROBE = ("import app, workspace; from components.jobs import RequestKeys; m = app.background_callback_manager; "
         "print(next(c.__name__ for c in type(m).__mro__ if c.__module__.startswith('dash.')), "
         "isinstance(m, RequestKeys), app.celery_app is not None, workspace.frame_store().redis_url)")


def _probe(**env) -> str:
    full = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | env | {"PORTFOLIO_DESK_EXPORT_WARM": "0"}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=full, capture_output=True, text=True,
                         check=True, timeout=120)
    return out.stdout.strip().splitlines()[-1]


def test_diskcache_by_default(tmp_path):
    assert _probe(PORTFOLIO_DESK_CACHE=str(tmp_path)) == "DiskcacheManager True False None"
    assert (tmp_path / "jobs").exists()  # the job cache lives in PORTFOLIO_DESK_CACHE


def test_celery_with_redis_url(tmp_path):
    # Constructing the Celery app and the Redis client connects lazily: no server is needed to check the choice.
    line = _probe(PORTFOLIO_DESK_CACHE=str(tmp_path), REDIS_URL="redis://127.0.0.1:6399/0")
    assert line == "CeleryManager True True redis://127.0.0.1:6399/0"
