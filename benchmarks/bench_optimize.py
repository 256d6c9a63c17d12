"""Mean-variance construction speed, side by side with PyPortfolioOpt, skfolio and Riskfolio-Lib.

Seeded factor-model daily returns for N = 50, 200, 500 assets (T = 3N dates, 5 factors); every
library gets the same returns, the same annualised sample mean and covariance (skfolio fits
them from the returns itself: sample mean and covariance), long-only fully invested, rf = 0.
Timed: one max-Sharpe solve, one min-variance solve, a 50-point efficient frontier (our critical
line algorithm vs each peer's own frontier loop). Best and median of several repeats, in ms.
HRP is benchmarked by the helper that owns it. Targets (issue 3): single solves >= 3x faster
than the fastest peer at N = 500, the 50-point frontier >= 10x faster.
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from finance_core import optimize as opt  # noqa: E402

SIZES = (50, 200, 500)
N_POINTS = 50


def _returns(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed + n)
    t_obs, k = 3 * n, 5
    loadings = rng.normal(size=(n, k)) * np.array([1.0, 0.6, 0.5, 0.4, 0.3])
    factors = rng.normal(size=(t_obs, k)) * 0.01
    idio = rng.normal(size=(t_obs, n)) * 0.015 * rng.uniform(0.5, 1.5, n)
    drift = 0.0003 + rng.normal(0, 0.0003, n)
    return pd.DataFrame(factors @ loadings.T + idio + drift, columns=[f"A{i:03d}" for i in range(n)])


def _time(fn, repeats: int, budget_s: float = 2.0) -> tuple[float, float, object]:
    """Best and median of up to ``repeats`` runs, stopping early once ``budget_s`` is spent."""
    times, out = [], None
    spent = 0.0
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t0
        times.append(dt * 1000)
        spent += dt
        if spent > budget_s:
            break
    return min(times), statistics.median(times), out


#: Peer frontiers left out to keep the run under two minutes: they are far slower than
#: PyPortfolioOpt's loop (the fastest peer), so the target is judged against that one. A probe
#: run of all of them at N = 500 took 65 s (skfolio) and 187 s (Riskfolio-Lib).
SKIP_FRONTIER = {("Riskfolio-Lib", 200), ("Riskfolio-Lib", 500), ("skfolio", 500)}
_SKIPPED = (float("nan"), float("nan"), None)


def _pypfopt(mu, cov):
    from pypfopt import EfficientFrontier

    def max_sharpe():
        return pd.Series(EfficientFrontier(mu, cov, solver="CLARABEL").max_sharpe(risk_free_rate=0.0))

    def min_var():
        return pd.Series(EfficientFrontier(mu, cov, solver="CLARABEL").min_volatility())

    def frontier():
        ef = EfficientFrontier(mu, cov, solver="CLARABEL")
        lo = float(pd.Series(EfficientFrontier(mu, cov, solver="CLARABEL").min_volatility()) @ mu)
        out = []
        for r in np.linspace(lo, float(mu.max()) - 1e-6, N_POINTS):
            out.append(ef.efficient_return(float(r)))
        return out

    return max_sharpe, min_var, frontier


def _skfolio(rets):
    from skfolio.measures import RiskMeasure
    from skfolio.optimization import MeanRisk, ObjectiveFunction

    def max_sharpe():
        m = MeanRisk(objective_function=ObjectiveFunction.MAXIMIZE_RATIO, risk_measure=RiskMeasure.VARIANCE)
        return pd.Series(m.fit(rets).weights_, index=rets.columns)

    def min_var():
        return pd.Series(MeanRisk(risk_measure=RiskMeasure.VARIANCE).fit(rets).weights_, index=rets.columns)

    def frontier():
        return (
            MeanRisk(risk_measure=RiskMeasure.VARIANCE, efficient_frontier_size=N_POINTS).fit(rets).weights_
        )

    return max_sharpe, min_var, frontier


def _riskfolio(rets):
    import riskfolio as rp

    def port():
        p = rp.Portfolio(returns=rets)
        p.assets_stats(method_mu="hist", method_cov="hist")
        p.solvers = ["CLARABEL"]
        return p

    def max_sharpe():
        return port().optimization(model="Classic", rm="MV", obj="Sharpe", rf=0, hist=False)["weights"]

    def min_var():
        return port().optimization(model="Classic", rm="MV", obj="MinRisk", rf=0, hist=False)["weights"]

    def frontier():
        return port().efficient_frontier(model="Classic", rm="MV", points=N_POINTS, rf=0, hist=False)

    return max_sharpe, min_var, frontier


def run() -> str:
    warnings.filterwarnings("ignore")
    rows = []
    checks = []
    verdicts = []
    for n in SIZES:
        rets = _returns(n)
        mu, cov = rets.mean() * 252, rets.cov() * 252
        big = n >= 500
        reps_single = 3 if big else 5
        reps_front_peer = 1 if n >= 200 else 2
        ours = {
            "max_sharpe": lambda mu=mu, cov=cov: opt.mean_variance(mu, cov, objective="max_sharpe").weights,
            "min_variance": lambda mu=mu, cov=cov: opt.mean_variance(mu, cov, objective="min_variance").weights,
            "frontier": lambda mu=mu, cov=cov: opt.efficient_frontier(mu, cov, n_points=N_POINTS),
        }
        ours["max_sharpe"]()  # warm the imports
        peers = {
            "PyPortfolioOpt (Clarabel)": _pypfopt(mu, cov),
            "skfolio": _skfolio(rets),
            "Riskfolio-Lib": _riskfolio(rets),
        }
        results: dict[str, dict[str, tuple]] = {"Portfolio Desk": {}}
        for task in ("max_sharpe", "min_variance", "frontier"):
            results["Portfolio Desk"][task] = _time(ours[task], reps_single if task != "frontier" else 3)
        for name, (ms, mv, fr) in peers.items():
            results[name] = {
                "max_sharpe": _time(ms, reps_single),
                "min_variance": _time(mv, reps_single),
                "frontier": _SKIPPED if (name, n) in SKIP_FRONTIER else _time(fr, reps_front_peer),
            }
        for name, res in results.items():
            rows.append(
                f"| {n} | {name} | "
                + " | ".join(
                    "skipped" if res[t][2] is None else f"{res[t][0]:.1f} / {res[t][1]:.1f}"
                    for t in ("max_sharpe", "min_variance", "frontier")
                )
                + " |"
            )
        # same optimum: our weights vs PyPortfolioOpt's
        w_pf_ms = results["PyPortfolioOpt (Clarabel)"]["max_sharpe"][2]
        w_pf_mv = results["PyPortfolioOpt (Clarabel)"]["min_variance"][2]
        d_ms = float(np.max(np.abs(results["Portfolio Desk"]["max_sharpe"][2] - w_pf_ms.reindex(mu.index))))
        d_mv = float(np.max(np.abs(results["Portfolio Desk"]["min_variance"][2] - w_pf_mv.reindex(mu.index))))
        checks.append(f"| {n} | {d_ms:.1e} | {d_mv:.1e} |")
        if big:
            for task, target in (("max_sharpe", 3), ("min_variance", 3), ("frontier", 10)):
                fastest_name, fastest = min(
                    (
                        (k, v[task][0])
                        for k, v in results.items()
                        if k != "Portfolio Desk" and v[task][2] is not None
                    ),
                    key=lambda kv: kv[1],
                )
                mine = results["Portfolio Desk"][task][0]
                ratio = fastest / mine
                met = "met" if ratio >= target else "NOT met"
                verdicts.append(
                    f"| {task} at N={n} | >= {target}x | {ratio:.1f}x (vs {fastest_name}, {fastest:.0f} ms vs "
                    f"{mine:.1f} ms) | {met} |"
                )
    out = [
        "## Mean-variance construction (`benchmarks/bench_optimize.py`)",
        "",
        "Seeded 5-factor daily returns, T = 3N, long-only, rf = 0. Times in ms, best / median of "
        "repeats (single solves 3-5 repeats; peer frontiers 1-2). Ours: `mean_variance` (exact NNLS "
        "active set) and `efficient_frontier` (critical line algorithm, 50 points). Peers: PyPortfolioOpt "
        "with Clarabel (frontier: one EfficientFrontier re-solving `efficient_return` 50 times), skfolio "
        "`MeanRisk` (frontier: `efficient_frontier_size=50`; fits its moments from the returns), "
        "Riskfolio-Lib `optimization` / `efficient_frontier(points=50)` with Clarabel. Skipped peer "
        "frontiers are much slower than PyPortfolioOpt's (a probe run at N = 500: skfolio 65 s, "
        "Riskfolio-Lib 187 s), left out to keep the run short.",
        "",
        "| N | library | max Sharpe | min variance | 50-point frontier |",
        "|---|---|---|---|---|",
        *rows,
        "",
        "Same optimum (max absolute weight difference vs PyPortfolioOpt/Clarabel):",
        "",
        "| N | max Sharpe | min variance |",
        "|---|---|---|",
        *checks,
        "",
        "| target | required | measured | status |",
        "|---|---|---|---|",
        *verdicts,
        "",
    ]
    return "\n".join(out)


if __name__ == "__main__":
    print(run())
