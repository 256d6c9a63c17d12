"""gunicorn.conf.py's post_worker_init finishes Dash's set-up before a worker serves (plotly/dash#3971)."""

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import runpy
from app import app
assert not app.registered_paths  # Dash fills it at the first request: the gap a second thread fell into
runpy.run_path("gunicorn.conf.py")["post_worker_init"](None)
print(sorted(app.registered_paths))
"""


def test_post_worker_init_registers_every_script_package_before_the_first_request(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), PORTFOLIO_DESK_EXPORT_WARM="0", PORTFOLIO_DESK_DATA=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=180, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    registered = set(ast.literal_eval(out.stdout.strip().splitlines()[-1]))
    assert {"dash", "dash_ag_grid", "dash_bootstrap_components", "plotly"} <= registered
