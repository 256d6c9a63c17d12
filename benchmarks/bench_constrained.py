"""Constrained construction speed (issue 12), side by side with PyPortfolioOpt (Clarabel) and skfolio.

Generated problems with realistic statistics: volatilities uniform 15-60%, per-asset Sharpe
ratios uniform 0-1 (mu = Sharpe x vol), a 10-factor covariance (loadings scaled so factors
explain about half of each asset's variance, diagonal specific variances), 11 sectors assigned
round-robin. Every library gets exactly the same moments: daily returns (T = 3N) are simulated
and then re-coloured so their sample mean and covariance equal the generated ones exactly (skfolio
fits its moments from returns; the desk and PyPortfolioOpt get the annualised mean/covariance).

Constraint sets: long-only 0-100%; 5% cap; 5% cap + 11 sector caps at 15%; and (min variance
only: PyPortfolioOpt's max Sharpe cannot hold a custom constraint) + 20% turnover from holdings
(equal weights). Reported: best / median ms of a few repeats, and the max absolute weight
difference of the desk's optimum to PyPortfolioOpt's. Problems are solved cold (no warm start).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from finance_core import optimize as opt  # noqa: E402
from finance_core.factor_model import FactorModel  # noqa: E402

SIZES = (500,)
#: The N grid of issue 12 point 5 (``--sizes 1000 2000``); N = 5000 only on the factor model.
GRID = (500, 1000, 2000)
FACTOR_GRID = (2000, 5000)
#: A peer predicted to take longer than this for one solve is skipped (and the table says so).
PEER_LIMIT_S = 60.0
N_FACTORS = 10
N_SECTORS = 11
CAP = 0.05
SECTOR_CAP = 0.15
TURNOVER = 0.20
PERIODS = 252
#: (constraint set, objective) pairs measured; turnover only with min variance (see docstring).
CASES = (
    ("long-only", "max_sharpe"),
    ("long-only", "min_variance"),
    ("5% cap", "max_sharpe"),
    ("5% cap", "min_variance"),
    ("5% cap + sectors", "max_sharpe"),
    ("5% cap + sectors", "min_variance"),
    ("5% cap + sectors + turnover", "min_variance"),
)
#: Targets from issue 12 at N = 500: desk speed-up over the fastest peer.
TARGETS = {"5% cap": 10.0, "5% cap + sectors": 5.0, "5% cap + sectors + turnover": 3.0}


class Problem:
    """One generated universe: annualised moments, sectors, holdings and matching daily returns."""

    def __init__(self, n: int, seed: int = 12) -> None:
        rng = np.random.default_rng(seed + n)
        self.tickers = [f"A{i:04d}" for i in range(n)]
        vol = rng.uniform(0.15, 0.60, n)
        sharpe = rng.uniform(0.0, 1.0, n)
        loadings = rng.normal(size=(n, N_FACTORS))
        factor_var = np.linspace(1.0, 0.2, N_FACTORS)
        systematic = (loadings**2) @ factor_var
        share = rng.uniform(0.3, 0.7, n)  # share of variance the factors explain
        scale = np.sqrt(share * vol**2 / systematic)
        b = loadings * scale[:, None]
        cov = b @ np.diag(factor_var) @ b.T + np.diag((1 - share) * vol**2)
        names = [f"F{j}" for j in range(N_FACTORS)]
        self.factor_model = FactorModel(
            pd.DataFrame(b, index=self.tickers, columns=names),
            pd.DataFrame(np.diag(factor_var), index=names, columns=names),
            pd.Series((1 - share) * vol**2, index=self.tickers),
        )
        self.mu = pd.Series(sharpe * vol, index=self.tickers)
        self.cov = pd.DataFrame(cov, index=self.tickers, columns=self.tickers)
        self.sectors = pd.Series([f"S{i % N_SECTORS:02d}" for i in range(n)], index=self.tickers)
        self.holdings = pd.Series(1.0 / n, index=self.tickers)
        self._rng = rng
        self._returns: pd.DataFrame | None = None

    @property
    def returns(self) -> pd.DataFrame:
        """Daily returns for skfolio, made on first use (T = 3N: far too slow to make at N = 5000)."""
        if self._returns is None:
            self._returns = _recoloured_returns(self.mu.to_numpy() / PERIODS, self.cov.to_numpy() / PERIODS,
                                                3 * len(self.tickers), self._rng, self.tickers)
        return self._returns


def _recoloured_returns(mean: np.ndarray, cov: np.ndarray, t_obs: int, rng: np.random.Generator,
                        tickers: list[str]) -> pd.DataFrame:
    """Daily returns whose sample mean and (ddof=1) covariance are exactly ``mean`` and ``cov``."""
    z = rng.standard_normal((t_obs, len(mean)))
    z -= z.mean(axis=0)
    chol_sample = np.linalg.cholesky(z.T @ z / (t_obs - 1))
    white = np.linalg.solve(chol_sample, z.T).T
    return pd.DataFrame(white @ np.linalg.cholesky(cov).T + mean, columns=tickers)


def _time(fn: Callable[[], pd.Series], repeats: int, budget_s: float = 4.0) -> tuple[float, float, pd.Series]:
    times: list[float] = []
    out = pd.Series(dtype=float)
    spent = 0.0
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        took = time.perf_counter() - t0
        times.append(took * 1000)
        spent += took
        if spent > budget_s:
            break
    return min(times), statistics.median(times), out


def _constraint_kwargs(p: Problem, cset: str) -> dict[str, object]:
    kw: dict[str, object] = {}
    if cset != "long-only":
        kw["bounds"] = (0.0, CAP)
    if "sectors" in cset:
        kw["sector_map"] = p.sectors
        kw["sector_bounds"] = {s: (0.0, SECTOR_CAP) for s in sorted(set(p.sectors))}
    if "turnover" in cset:
        kw["current_weights"] = p.holdings
        kw["max_turnover"] = TURNOVER
    return kw


def _desk(p: Problem, cset: str, objective: str) -> tuple[Callable[[], pd.Series], list[str]]:
    cons = opt.Constraints(**_constraint_kwargs(p, cset))  # type: ignore[arg-type]
    solvers: list[str] = []

    def solve() -> pd.Series:
        a = opt.mean_variance(p.mu, p.cov, objective=objective, constraints=cons)
        solvers.append(a.solver)
        return a.weights

    return solve, solvers


def _pypfopt(p: Problem, cset: str, objective: str) -> Callable[[], pd.Series]:
    import cvxpy as cp
    from pypfopt import EfficientFrontier

    def solve() -> pd.Series:
        bounds = (0.0, 1.0) if cset == "long-only" else (0.0, CAP)
        ef = EfficientFrontier(p.mu, p.cov, weight_bounds=bounds, solver="CLARABEL")
        if "sectors" in cset:
            names = sorted(set(p.sectors))
            ef.add_sector_constraints(p.sectors.to_dict(), {s: 0.0 for s in names}, {s: SECTOR_CAP for s in names})
        if "turnover" in cset:
            h = p.holdings.to_numpy()
            ef.add_constraint(lambda w: cp.norm(w - h, 1) <= TURNOVER)
        raw = ef.max_sharpe(risk_free_rate=0.0) if objective == "max_sharpe" else ef.min_volatility()
        return pd.Series(raw).reindex(p.tickers)

    return solve


def _skfolio(p: Problem, cset: str, objective: str) -> Callable[[], pd.Series] | None:
    """skfolio's solve, or None for turnover: its ``max_turnover`` bounds each |w_i - h_i|, not the sum."""
    if "turnover" in cset:
        return None
    from skfolio.measures import RiskMeasure
    from skfolio.optimization import MeanRisk, ObjectiveFunction

    def solve() -> pd.Series:
        kw: dict[str, object] = {"risk_measure": RiskMeasure.VARIANCE}
        if objective == "max_sharpe":
            kw["objective_function"] = ObjectiveFunction.MAXIMIZE_RATIO
        if cset != "long-only":
            kw["max_weights"] = CAP
        if "sectors" in cset:
            kw["groups"] = [list(p.sectors)]
            kw["linear_constraints"] = [f"{s} <= {SECTOR_CAP}" for s in sorted(set(p.sectors))]
        model = MeanRisk(**kw)
        return pd.Series(model.fit(p.returns).weights_, index=p.tickers)

    return solve


def _verdict(cset: str, n: int, ratio: float, fastest: str) -> str | None:
    target = TARGETS.get(cset)
    if target is None or n != 500:
        return None
    return f"{'met' if ratio >= target else 'NOT met'} (>= {target:.0f}x vs {fastest})"


class PeerClock:
    """Time-boxes the peers across the N grid: a peer whose last solve, scaled by (N / N_last)^3
    (skfolio grew as about N^3.4 from 1000 to 2000), would exceed :data:`PEER_LIMIT_S` is skipped."""

    def __init__(self) -> None:
        self.last: dict[tuple[str, str, str], tuple[int, float]] = {}

    def skip_note(self, key: tuple[str, str, str], n: int) -> str | None:
        if key not in self.last:
            return None
        n_last, ms = self.last[key]
        predicted = ms / 1000 * (n / n_last) ** 3
        if predicted <= PEER_LIMIT_S:
            return None
        return f"skipped (> {PEER_LIMIT_S:.0f} s expected: {ms / 1000:.0f} s at N = {n_last})"

    def run(self, key: tuple[str, str, str], n: int, fn: Callable[[], pd.Series],
            repeats: int) -> tuple[float, float, pd.Series] | str:
        note = self.skip_note(key, n)
        if note is not None:
            return note
        timed = _time(fn, repeats, budget_s=4.0 if n <= 500 else 1.0)
        self.last[key] = (n, timed[0])
        return timed


CLOCK = PeerClock()


def _cells(timed: tuple[float, float, pd.Series] | str | None, mine: pd.Series, absent: str) -> tuple[str, str]:
    """The time and weight-difference cells of one peer."""
    if timed is None:
        return absent, "n/a"
    if isinstance(timed, str):
        return timed, "n/a"
    return f"{timed[0]:.0f} / {timed[1]:.0f}", f"{float(np.max(np.abs(mine.to_numpy() - timed[2].to_numpy()))):.1e}"


def _rows_for(p: Problem, n: int, cases: tuple[tuple[str, str], ...] = CASES) -> list[str]:
    rows = []
    for cset, objective in cases:
        desk, solvers = _desk(p, cset, objective)
        desk()  # warm imports and any compiled problem
        mine = _time(desk, 5)
        peers: dict[str, tuple[float, float, pd.Series] | str | None] = {
            "PyPortfolioOpt": CLOCK.run(("pypfopt", cset, objective), n, _pypfopt(p, cset, objective), 3)}
        sk = _skfolio(p, cset, objective)
        peers["skfolio"] = None if sk is None else CLOCK.run(("skfolio", cset, objective), n, sk, 3)
        timed = {k: v for k, v in peers.items() if isinstance(v, tuple)}
        fastest = min(timed, key=lambda k: timed[k][0]) if timed else ""
        ratio = f"{timed[fastest][0] / mine[0]:.1f}x" if timed else "n/a"
        verdict = _verdict(cset, n, timed[fastest][0] / mine[0], fastest) if timed else None
        pf_cells = _cells(peers["PyPortfolioOpt"], mine[2], "n/a")
        sk_cells = _cells(peers["skfolio"], mine[2], "n/a (per-asset turnover only)")
        rows.append(
            f"| {n} | {cset} | {objective} | {mine[0]:.0f} / {mine[1]:.0f} ({solvers[-1]}) | "
            f"{pf_cells[0]} | {sk_cells[0]} | {ratio} | {pf_cells[1]} | {sk_cells[1]} | {verdict or ''} |"
        )
        print(rows[-1], flush=True)
    return rows


#: The factor-model case of issue 12: N = 2000, 2% cap + 11 sector caps, max Sharpe, >= 20x and < 200 ms.
FACTOR_N = 2000
FACTOR_CAP = 0.02


def factor_row(n: int = FACTOR_N) -> str:
    """Max Sharpe on the FactorModel (factor form) against PyPortfolioOpt on the dense covariance."""
    from pypfopt import EfficientFrontier

    p = Problem(n)
    names = sorted(set(p.sectors))
    cons = opt.Constraints(
        bounds=(0.0, FACTOR_CAP), sector_map=p.sectors, sector_bounds={s: (0.0, SECTOR_CAP) for s in names}
    )
    solvers: list[str] = []

    def desk() -> pd.Series:
        a = opt.mean_variance(p.mu, p.factor_model, objective="max_sharpe", constraints=cons)
        solvers.append(a.solver)
        return a.weights

    def peer() -> pd.Series:
        ef = EfficientFrontier(p.mu, p.cov, weight_bounds=(0.0, FACTOR_CAP), solver="CLARABEL")
        ef.add_sector_constraints(p.sectors.to_dict(), {s: 0.0 for s in names}, {s: SECTOR_CAP for s in names})
        return pd.Series(ef.max_sharpe(risk_free_rate=0.0)).reindex(p.tickers)

    cold = time.perf_counter()
    desk()
    cold_ms = (time.perf_counter() - cold) * 1000
    mine = _time(desk, 5)
    theirs = CLOCK.run(("pypfopt", "factor", "max_sharpe"), n, peer, 2)
    pf_cells = _cells(theirs, mine[2], "n/a")
    ratio = theirs[0] / mine[0] if isinstance(theirs, tuple) else None
    if n == FACTOR_N:
        met = f"{'met' if ratio and ratio >= 20 and mine[0] < 200 else 'NOT met'} (>= 20x and < 200 ms)"
    else:
        met = f"{'met' if mine[0] < 1000 else 'NOT met'} (< 1 s)"
    return (
        f"| {n} | factor model, {FACTOR_CAP:.0%} cap + sectors | max_sharpe | {mine[0]:.0f} / {mine[1]:.0f} "
        f"({solvers[-1]}; first solve with compile {cold_ms:.0f}) | {pf_cells[0]} (dense) | "
        f"n/a | {f'{ratio:.1f}x' if ratio else 'n/a'} | {pf_cells[1]} | n/a | {met} |"
    )


def sharpe_turnover_row(n: int = 500) -> str:
    """Max Sharpe, 5% cap + sectors + 20% turnover: the desk against the homogenised program in plain
    cvxpy (Clarabel, default tolerances). PyPortfolioOpt's max_sharpe rescales its constraints as
    ``lhs <= rhs * kappa``, which turns ``||w - h||_1 <= T`` into ``||y - h||_1 <= T kappa`` instead of
    ``||y - kappa h||_1 <= T kappa`` (a different problem), and skfolio bounds each |w_i - h_i| only."""
    import cvxpy as cp

    p = Problem(n)
    desk, solvers = _desk(p, "5% cap + sectors + turnover", "max_sharpe")
    desk()
    mine = _time(desk, 5)
    names = sorted(set(p.sectors))
    member = np.array([(p.sectors == s).to_numpy() for s in names], dtype=float)
    h, mu, sigma = p.holdings.to_numpy(), p.mu.to_numpy(), p.cov.to_numpy()

    def peer() -> pd.Series:
        y, kappa = cp.Variable(n), cp.Variable(nonneg=True)
        cons = [mu @ y == 1, cp.sum(y) == kappa, y >= 0, y <= CAP * kappa, member @ y <= SECTOR_CAP * kappa,
                cp.norm1(y - kappa * h) <= TURNOVER * kappa]
        cp.Problem(cp.Minimize(cp.quad_form(y, cp.psd_wrap(sigma))), cons).solve(solver="CLARABEL")
        return pd.Series(np.asarray(y.value) / float(kappa.value), index=p.tickers)

    theirs = _time(peer, 3)
    ratio = theirs[0] / mine[0]
    diff = float(np.max(np.abs(mine[2].to_numpy() - theirs[2].to_numpy())))
    return (
        f"| {n} | 5% cap + sectors + turnover | max_sharpe | {mine[0]:.0f} / {mine[1]:.0f} ({solvers[-1]}) | "
        f"{theirs[0]:.0f} / {theirs[1]:.0f} (plain cvxpy, homogenised; PyPortfolioOpt cannot hold it) | "
        f"n/a (per-asset turnover only) | {ratio:.1f}x | {diff:.1e} | n/a | "
        f"{'met' if ratio >= 3 else 'NOT met'} (>= 3x) |"
    )


def _max_sharpe_weights(mu: pd.Series, cov: pd.DataFrame | FactorModel, cons: opt.Constraints, solver: str,
                        solvers: list[str]) -> pd.Series:
    a = opt.mean_variance(mu, cov, objective="max_sharpe", constraints=cons, solver=solver)
    solvers.append(a.solver)
    return a.weights


def dense_vs_factor(sizes: tuple[int, ...] = (200, 300, 500, 1000)) -> list[str]:
    """Where ``_factor.DENSE_MAX_N`` should sit: max Sharpe on a FactorModel, the dense fast paths on
    the covariance it implies (what "auto" does at or below the threshold) against the factor form
    on cvxpy (above it), best of 3 warm solves, for each constraint set."""
    rows = []
    for n in sizes:
        p = Problem(n)
        for cset in ("long-only", "5% cap", "5% cap + sectors", "5% cap + sectors + turnover"):
            kw: dict[str, object] = {} if cset == "long-only" else {"bounds": (0.0, CAP)}
            if "sectors" in cset:
                kw |= {"sector_map": p.sectors, "sector_bounds": {s: (0.0, SECTOR_CAP) for s in sorted(set(p.sectors))}}
            if "turnover" in cset:
                kw |= {"current_weights": p.holdings, "max_turnover": TURNOVER}
            cons = opt.Constraints(**kw)  # type: ignore[arg-type]
            dense = p.factor_model.covariance()
            cells: list[str] = []
            for cov, solver in ((dense, "auto"), (p.factor_model, "cvxpy")):
                solvers: list[str] = []
                solve = functools.partial(_max_sharpe_weights, p.mu, cov, cons, solver, solvers)
                solve()
                cells.append(f"{_time(solve, 3)[0]:.0f} ({solvers[-1]})")
            rows.append(f"| {n} | {cset} | {cells[0]} | {cells[1]} |")
            print(rows[-1], flush=True)
    return rows


#: The constrained frontier of issue 12 (point 4): 50 points, 5% cap + 11 sector caps, >= 20x the peer's loop.
FRONTIER_N = 500
FRONTIER_POINTS = 50


def frontier_row(n: int = FRONTIER_N) -> str:
    """The desk's warm-started sweep against PyPortfolioOpt's efficient_return loop at the same 50 targets."""
    from pypfopt import EfficientFrontier

    p = Problem(n)
    names = sorted(set(p.sectors))
    cons = opt.Constraints(bounds=(0.0, CAP), sector_map=p.sectors,
                           sector_bounds={s: (0.0, SECTOR_CAP) for s in names})
    fronts: list[opt.Frontier] = []

    def desk() -> pd.Series:
        fronts.append(opt.efficient_frontier(p.mu, p.cov, n_points=FRONTIER_POINTS, constraints=cons))
        return fronts[-1].volatilities

    desk()
    mine = _time(desk, 3)
    targets = fronts[-1].returns.to_numpy()

    def peer() -> pd.Series:
        vols = []
        for r in targets[:-1]:  # the top point sits on the boundary, where Clarabel may report infeasible
            ef = EfficientFrontier(p.mu, p.cov, weight_bounds=(0.0, CAP), solver="CLARABEL")
            ef.add_sector_constraints(p.sectors.to_dict(), {s: 0.0 for s in names}, {s: SECTOR_CAP for s in names})
            ef.efficient_return(float(r))
            vols.append(ef.portfolio_performance()[1])
        return pd.Series(vols)

    theirs = _time(peer, 1)
    ratio = theirs[0] / mine[0] * FRONTIER_POINTS / (FRONTIER_POINTS - 1)  # per point, the same 50
    diff = float(np.max(np.abs(mine[2].to_numpy()[:-1] - theirs[2].to_numpy())))
    sk_note = "skipped (> 60 s expected: 50 cold solves, each as slow as its N = 500 solves above)"
    return (
        f"| {n} | 5% cap + sectors | {FRONTIER_POINTS}-point frontier | {mine[0]:.0f} / {mine[1]:.0f} "
        f"({fronts[-1].solver}, warm-started sweep) | {theirs[0]:.0f} (loop of {FRONTIER_POINTS - 1} "
        f"efficient_return, scaled to {FRONTIER_POINTS}: {theirs[0] * FRONTIER_POINTS / (FRONTIER_POINTS - 1):.0f}) | "
        f"{sk_note} | {ratio:.1f}x | {diff:.1e} (volatility) | n/a | "
        f"{'met' if ratio >= 20 else 'NOT met'} (>= 20x vs PyPortfolioOpt's loop) |"
    )


def general_rows(n: int = 500, *, peer_tolerances: bool = False) -> list[str]:
    """Issue 12 point 1: the desk's general cvxpy path (``solver="cvxpy"``, Clarabel) against PyPortfolioOpt
    (Clarabel) on the same problems: the desk's first solve (building and compiling its parametrised problem
    for a new covariance; best of 3, the compiled problems dropped before each) and its re-solves (a slider
    move: new numbers into the compiled problem), PyPortfolioOpt building and compiling a fresh problem each
    time, as it always does. ``peer_tolerances``: Clarabel at its default tolerances (1e-8), as PyPortfolioOpt
    runs it, instead of the desk's 1e-10."""
    from finance_core.optimize import _cvxpy

    saved = dict(_cvxpy._SOLVER_OPTIONS["CLARABEL"])
    if peer_tolerances:
        _cvxpy._SOLVER_OPTIONS["CLARABEL"] = {}
    p, rows = Problem(n), []
    try:
        for cset, objective in CASES:
            cons = opt.Constraints(**_constraint_kwargs(p, cset))  # type: ignore[arg-type]
            solvers: list[str] = []

            def general(cons=cons, objective=objective, solvers=solvers) -> pd.Series:
                a = opt.mean_variance(p.mu, p.cov, objective=objective, constraints=cons, solver="cvxpy")
                solvers.append(a.solver)
                return a.weights

            def first(general=general) -> pd.Series:
                with _cvxpy._MODELS_LOCK:
                    _cvxpy.MODELS.clear()
                    _cvxpy.QUAD_MODELS.clear()
                return general()

            first()  # imports and cvxpy's own first-use costs
            cold = _time(first, 3)
            warm = _time(general, 3)
            theirs = _time(_pypfopt(p, cset, objective), 3)
            diff = float(np.max(np.abs(warm[2].to_numpy() - theirs[2].to_numpy())))
            rows.append(
                f"| {n} | {cset} | {objective} | {'1e-8 (default)' if peer_tolerances else '1e-10 (desk)'} | "
                f"{cold[0]:.0f} | {warm[0]:.0f} / {warm[1]:.0f} ({solvers[-1]}) | {theirs[0]:.0f} / {theirs[1]:.0f} | "
                f"{theirs[0] / cold[0]:.1f}x | {theirs[0] / warm[0]:.1f}x | {diff:.1e} |"
            )
            print(rows[-1], flush=True)
    finally:
        _cvxpy._SOLVER_OPTIONS["CLARABEL"] = saved
    return rows


def run() -> str:
    from benchmarks.run import machine

    warnings.filterwarnings("ignore")
    started, start_load = dt.datetime.now(dt.UTC), os.getloadavg()[0]
    rows = []
    for n in GRID:
        rows += _rows_for(Problem(n), n)
        rows.append(sharpe_turnover_row(n))
        print(rows[-1], flush=True)
    for line in (frontier_row, *(functools.partial(factor_row, n) for n in FACTOR_GRID)):
        rows.append(line())
        print(rows[-1], flush=True)
    load = os.getloadavg()
    out = [
        "## Constrained construction (`benchmarks/bench_constrained.py`, issue 12)",
        "",
        "Generated problems: vols 15-60%, per-asset Sharpe 0-1, 10-factor covariance, 11 sectors; "
        "every library gets the same moments (skfolio through returns re-coloured to them exactly). "
        "Times in ms, best / median of 3-5 cold solves; the desk's solver in brackets. Ratio: "
        "fastest peer's best over the desk's best. Weight differences are max |w_desk - w_peer|. "
        f"Machine: {machine()}; run {started:%Y-%m-%d %H:%M} to {dt.datetime.now(dt.UTC):%H:%M} UTC, "
        f"load average {start_load:.1f} at the start and {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
        "(1 / 5 / 15 min) at the end. On a shared machine the milliseconds move with the load; the ratios, "
        "each measured seconds from its peer in the same process, move much less. A peer predicted to take over "
        f"{PEER_LIMIT_S:.0f} s per solve (its last time scaled by (N / N_last)^3) is skipped.",
        "",
        "| N | constraints | objective | desk | PyPortfolioOpt (Clarabel) | skfolio | ratio | "
        "diff vs PyPortfolioOpt | diff vs skfolio | target (issue 12) |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "The factor-model rows solve the desk on the FactorModel (factor form, never N x N) and "
        "PyPortfolioOpt on the dense covariance it implies. The frontier row times the whole "
        "`efficient_frontier` (50 points, min variance and max Sharpe included) against "
        "PyPortfolioOpt's `efficient_return` at the same targets, one fresh problem per target.",
        "",
    ]
    return "\n".join(out)


def _only(picks: list[str]) -> tuple[tuple[str, str], ...]:
    """The CASES named ``constraints/objective`` (e.g. ``"5% cap/max_sharpe"``), to re-measure a few rows."""
    chosen = tuple(c for c in CASES if "/".join(c) in picks)
    if len(chosen) != len(picks):
        raise SystemExit(f"--only takes some of: {', '.join('/'.join(c) for c in CASES)}")
    return chosen


if __name__ == "__main__":
    if "--frontier" in sys.argv:  # only the constrained-frontier row
        warnings.filterwarnings("ignore")
        print(frontier_row())
    elif "--sharpe-turnover" in sys.argv:  # max Sharpe with turnover, at each N given
        warnings.filterwarnings("ignore")
        for size in [int(a) for a in sys.argv[sys.argv.index("--sharpe-turnover") + 1:]] or [500]:
            print(sharpe_turnover_row(size), flush=True)
    elif "--dense-vs-factor" in sys.argv:  # re-measures _factor.DENSE_MAX_N
        warnings.filterwarnings("ignore")
        dense_vs_factor()
    elif "--general" in sys.argv:  # point 1: the general cvxpy path against PyPortfolioOpt, same solver
        warnings.filterwarnings("ignore")
        print("| N | constraints | objective | desk's Clarabel tolerances | desk first solve (compile) | "
              "desk re-solve | PyPortfolioOpt (Clarabel, 1e-8) | ratio (first) | ratio (re-solve) | diff |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        general_rows(peer_tolerances=True)
        general_rows()
    elif "--factor" in sys.argv:  # only the factor-model rows, at each N given (default FACTOR_GRID)
        warnings.filterwarnings("ignore")
        for size in [int(a) for a in sys.argv[sys.argv.index("--factor") + 1:]] or FACTOR_GRID:
            print(factor_row(size), flush=True)
    elif "--sizes" in sys.argv:  # e.g. --sizes 1000 2000: every case at each N, peers time-boxed
        warnings.filterwarnings("ignore")
        for size in [int(a) for a in sys.argv[sys.argv.index("--sizes") + 1:]]:
            _rows_for(Problem(size), size)
    elif "--only" in sys.argv:  # e.g. --only "5% cap/max_sharpe" "5% cap + sectors/max_sharpe"
        warnings.filterwarnings("ignore")
        for size in SIZES:
            _rows_for(Problem(size), size, _only(sys.argv[sys.argv.index("--only") + 1:]))
    else:
        print(run())
