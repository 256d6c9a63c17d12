"""Memory: the app's resident set after every page has been used, and a 500-asset job's peak.

DESIGN.md's budget: the app process stays under 500 MB after every page has been used
on the bundled data, and a 500-asset background job under 1 GB. The app is started as
its own process and driven by headless Chromium through every page (buttons that run
jobs included); its RSS (with children: background jobs run in child processes) is
read with psutil. The 500-asset job (walk-forward backtest of max Sharpe and HRP plus
a 10,000-path Monte Carlo projection on seeded factor-model prices) runs in a fresh
interpreter whose peak RSS (ru_maxrss) is reported.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
PAGES = {
    "/": ["#data-analyse-run"],
    "/construct": ["#construct-compare-run", "#construct-backtest-run"],
    "/execute": [],
    "/risk": ["#risk-regime-run", "#risk-mc-run"],
    "/tax": [],
    "/present": [],
}
JOB = r"""
import resource, numpy as np, pandas as pd
from finance_core import backtest, recipes, risk
rng = np.random.default_rng(0)
n, t = 500, 1500
factors = rng.normal(0.0003, 0.01, (t, 5)); loadings = rng.normal(1, 0.3, (5, n)) / 5
rets = factors @ loadings + rng.normal(0, 0.012, (t, n))
idx = pd.bdate_range("2015-01-01", periods=t)
prices = pd.DataFrame(100 * np.cumprod(1 + rets, axis=0), index=idx, columns=[f"A{i:03d}" for i in range(n)])
strategies = {m: recipes.strategy(recipes.Recipe(method=m)) for m in ("max_sharpe", "hrp")}
backtest.compare(prices, strategies, rebalance="Q", lookback=252)
w = pd.Series(1 / n, index=prices.columns)
risk.monte_carlo_paths(1e6, 20, returns=prices.pct_change().iloc[1:], weights=w, n_paths=10_000)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tree_rss(proc: psutil.Process) -> float:
    procs = [proc, *proc.children(recursive=True)]
    return sum(p.memory_info().rss for p in procs if p.is_running()) / 2**20


def _drive_app() -> tuple[float, float, float]:
    from selenium import webdriver
    from selenium.webdriver.common.by import By

    port = _free_port()
    env = dict(os.environ, PORT=str(port), PORTFOLIO_DESK_CACHE=tempfile.mkdtemp(prefix="pd-mem-"))
    server = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    options = webdriver.ChromeOptions()
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--window-size=1400,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options)
    try:
        time.sleep(6)
        proc = psutil.Process(server.pid)
        start = proc.memory_info().rss / 2**20
        peak = start
        for path, buttons in PAGES.items():
            driver.get(f"http://127.0.0.1:{port}{path}")
            time.sleep(6)
            for selector in buttons:
                for el in driver.find_elements(By.CSS_SELECTOR, selector):
                    driver.execute_script("arguments[0].click();", el)
                    for _ in range(40):
                        peak = max(peak, _tree_rss(proc))
                        time.sleep(0.5)
            peak = max(peak, _tree_rss(proc))
        after = proc.memory_info().rss / 2**20
        return start, after, peak
    finally:
        driver.quit()
        server.terminate()
        server.wait(timeout=10)


def run() -> str:
    start, after, peak = _drive_app()
    job = subprocess.run([sys.executable, "-c", JOB], cwd=ROOT, capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    job_peak = float(job.stdout.strip().splitlines()[-1])
    rows = [
        ("app process after start-up", start, None),
        ("app process after every page was used", after, 500),
        ("app process and its job children, peak while using every page", peak, None),
        ("500-asset background job (backtest of 2 methods + 10,000-path Monte Carlo), peak", job_peak, 1000),
    ]
    lines = ["## Memory (resident set size)", "", "| measurement | MB | budget | met |", "| --- | --- | --- | --- |"]
    for name, mb, budget in rows:
        met = "" if budget is None else ("yes" if mb < budget else "no")
        lines.append(f"| {name} | {mb:,.0f} | {'' if budget is None else f'< {budget:,} MB'} | {met} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
