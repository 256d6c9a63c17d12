"""Execution desk speed: fast paths side by side with the cvxpy/scipy paths and loops (issue 4).

Targets (issue 4, "Speed"): analytical impact-optimal schedule on 390 intervals < 1 ms and
on 23,400 one-second intervals < 50 ms; an Almgren-Chriss frontier of 200 risk-aversion
points < 20 ms; slippage for 1,000 snapshots x 20 levels x 50 sizes >= 20x faster than a
per-snapshot Python loop. Times are end to end through the public functions (validation,
whole-share rounding and the Schedule included), best and median of several repeats.
"""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from finance_core import execution as ex  # noqa: E402


def _time(fn, repeats: int) -> tuple[float, float]:
    fn()  # warm up (imports, caches)
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return min(ts) * 1e3, float(np.median(ts)) * 1e3


def _impact(n: int, seed: int = 0) -> ex.ImpactModel:
    rng = np.random.default_rng(seed)
    return ex.ImpactModel.from_coefficients(
        rng.uniform(0.005, 0.02, n),
        rng.uniform(1e-6, 5e-6, n) * 390 / n,
        rng.uniform(1e-11, 1e-10, n) * (390 / n) ** 2,
    )


def _python_loop_slippage(book: ex.OrderBook, sizes: np.ndarray) -> np.ndarray:
    """The per-snapshot Python loop the vectorised code replaces: walk the asks for each size."""
    out = np.full((book.n_snapshots, len(sizes)), np.nan)
    for i in range(book.n_snapshots):
        prices, depth = book.ask_price[i].tolist(), book.ask_size[i].tolist()
        mid = (book.bid_price[i, 0] + book.ask_price[i, 0]) / 2
        for j, q in enumerate(sizes.tolist()):
            left, cost = q, 0.0
            for p, s in zip(prices, depth, strict=True):
                take = min(left, s)
                cost += take * p
                left -= take
                if left <= 0:
                    out[i, j] = cost / q - mid
                    break
    return out


def _numpy_loop_slippage(book: ex.OrderBook, sizes: np.ndarray) -> np.ndarray:
    """A per-snapshot loop with numpy inside (searchsorted per snapshot)."""
    out = np.full((book.n_snapshots, len(sizes)), np.nan)
    for i in range(book.n_snapshots):
        cq = np.cumsum(book.ask_size[i])
        cc = np.cumsum(book.ask_price[i] * book.ask_size[i])
        k = np.minimum(np.searchsorted(cq, sizes), len(cq) - 1)
        pq = np.where(k > 0, cq[k - 1], 0.0)
        pc = np.where(k > 0, cc[k - 1], 0.0)
        avg = (pc + (sizes - pq) * book.ask_price[i, k]) / sizes
        row = avg - (book.bid_price[i, 0] + book.ask_price[i, 0]) / 2
        row[sizes > cq[-1]] = np.nan
        out[i] = row
    return out


def _cvxpy_frontier(lams, X, T, N, sigma, eta, gamma, eps):
    """Almgren-Chriss frontier as one parametrised (DPP) cvxpy QP re-solved per lambda."""
    import cvxpy as cp

    tau = T / N
    eta_t = eta - 0.5 * gamma * tau
    x = cp.Variable(N + 1)
    lam = cp.Parameter(nonneg=True)
    n = x[:-1] - x[1:]
    e = 0.5 * gamma * X**2 + eps * X + eta_t / tau * cp.sum_squares(n)
    v = sigma**2 * tau * cp.sum_squares(x[1:])
    prob = cp.Problem(cp.Minimize((e + lam * v) / X**2), [x[0] == X, x[-1] == 0])
    out = []
    for val in lams:
        lam.value = float(val)
        prob.solve(solver="CLARABEL")
        out.append(prob.value)
    return out


def run() -> str:
    rows = []  # (task, method, best ms, median ms, target, met)

    def add(task, method, best, med, target="", met=""):
        rows.append((task, method, best, med, target, met))

    # --- impact-optimal schedules -------------------------------------------------
    for n, target_ms, reps, slow_reps in ((390, 1.0, 200, 3), (23_400, 50.0, 20, 1)):
        imp = _impact(n)
        vols = ex.intraday_volume_profile(n).to_numpy() * 5_000_000
        total = 400_000
        kw = dict(max_participation=0.1, volumes=vols)
        costs = {}
        for solver in ex.SOLVERS:
            if solver == "analytical" or n <= 390:
                sched = ex.optimal_schedule(imp, total, n, solver=solver, **kw)
                best, med = _time(
                    lambda s=solver, imp=imp, n=n, kw=kw, t=total: ex.optimal_schedule(
                        imp, t, n, solver=s, **kw
                    ),
                    reps if solver == "analytical" else slow_reps,
                )
            else:  # seconds per call: one timed call, which also gives the cost
                t0 = time.perf_counter()
                sched = ex.optimal_schedule(imp, total, n, solver=solver, **kw)
                best = med = (time.perf_counter() - t0) * 1e3
            costs[solver] = sched.exact_cost
            if solver == "analytical":
                add(
                    f"impact-optimal schedule, {n:,} intervals",
                    "analytical (water-filling)",
                    best,
                    med,
                    f"< {target_ms:g} ms",
                    "yes" if best < target_ms else "NO",
                )
            else:
                add(f"impact-optimal schedule, {n:,} intervals", f"{solver} ({sched.solver})", best, med)
        worst = max(abs(costs[s] / costs["analytical"] - 1) for s in ("cvxpy", "scipy"))
        rows.append(
            (
                f"  agreement, {n:,} intervals",
                f"max relative cost gap {worst:.1e}",
                np.nan,
                np.nan,
                "<= 1e-6",
                "yes" if worst <= 1e-6 else "NO",
            )
        )

    # --- Almgren-Chriss frontier --------------------------------------------------
    X, T, N = 1_000_000, 5.0, 5
    args = (X, T, N, 0.95, 2.5e-6, 2.5e-7, 0.0625)
    best, med = _time(lambda: ex.almgren_chriss_frontier(*args, n_points=200), 200)
    add(
        "Almgren-Chriss frontier, 200 points",
        "closed form, vectorised",
        best,
        med,
        "< 20 ms",
        "yes" if best < 20 else "NO",
    )
    lams = ex.almgren_chriss_frontier(*args, n_points=200).index.to_numpy()
    best, med = _time(lambda: [ex.almgren_chriss(*args, lam) for lam in lams], 5)
    add("Almgren-Chriss frontier, 200 points", "loop of almgren_chriss() schedules", best, med)
    best, med = _time(lambda: _cvxpy_frontier(lams, *args), 1)
    add("Almgren-Chriss frontier, 200 points", "cvxpy DPP QP re-solved per point", best, med)

    # --- slippage -----------------------------------------------------------------
    book = ex.synthetic_order_book(1_000, 20, seed=1)
    sizes = np.linspace(100, 60_000, 50)
    vec_best, vec_med = _time(lambda: ex.estimate_slippage(book, sizes), 30)
    ref = _python_loop_slippage(book, sizes)
    got = ex.estimate_slippage(book, sizes).to_numpy()
    assert np.allclose(ref, got, equal_nan=True, rtol=1e-12, atol=1e-12)
    loop_best, loop_med = _time(lambda: _python_loop_slippage(book, sizes), 2)
    np_best, np_med = _time(lambda: _numpy_loop_slippage(book, sizes), 5)
    speedup = loop_best / vec_best
    add(
        "slippage, 1,000 snapshots x 20 levels x 50 sizes",
        "vectorised estimate_slippage",
        vec_best,
        vec_med,
        ">= 20x vs Python loop",
        f"yes ({speedup:.0f}x)" if speedup >= 20 else f"NO ({speedup:.1f}x)",
    )
    add("slippage, 1,000 snapshots x 20 levels x 50 sizes", "per-snapshot Python loop", loop_best, loop_med)
    add(
        "slippage, 1,000 snapshots x 20 levels x 50 sizes",
        f"per-snapshot numpy loop ({np_best / vec_best:.1f}x slower)",
        np_best,
        np_med,
    )

    lines = [
        "## Execution desk (issue 4)",
        "",
        f"`benchmarks/bench_execution.py`; Python {platform.python_version()}, {platform.machine()}; "
        "times in ms, best and median of repeated end-to-end calls (2 shared cores).",
        "",
        "| task | method | best ms | median ms | target | met |",
        "|---|---|---:|---:|---|---|",
    ]
    for task, method, best, med, target, met in rows:
        b = "" if np.isnan(best) else f"{best:.3f}"
        m = "" if np.isnan(med) else f"{med:.3f}"
        lines.append(f"| {task} | {method} | {b} | {m} | {target} | {met} |")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
