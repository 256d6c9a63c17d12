"""Risk desk timings (issue 5), side by side with the peers and naive alternatives.

Targets from the issue's speed section:
- Monte Carlo VaR, 100,000 scenarios on 500 assets: under 1 s;
- historical VaR and CVaR, 500 assets x 8,000 days: under 50 ms;
- the whole risk page recomputation on the bundled data: under 300 ms;
- ``performance_summary`` at least 5x faster than QuantStats' equivalent metrics.

Run ``python benchmarks/bench_risk.py``; ``run()`` returns a markdown section.
"""

from __future__ import annotations

import os
import sys
import time
import warnings

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from finance_core import risk  # noqa: E402
from finance_core.data import load_dataset, to_returns  # noqa: E402


def _time(fn, repeats: int = 5) -> tuple[float, float]:
    """(median, best) wall time in milliseconds over ``repeats`` calls after one warm-up."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(times)), float(np.min(times))


def _synthetic(n_days: int, n_assets: int, seed: int = 0) -> pd.DataFrame:
    """Returns with a one-factor structure plus fat-tailed noise."""
    rng = np.random.default_rng(seed)
    market = rng.standard_t(4, n_days) * 0.008
    betas = rng.uniform(0.5, 1.5, n_assets)
    noise = rng.standard_t(4, (n_days, n_assets)) * 0.012
    idx = pd.bdate_range("1990-01-02", periods=n_days)
    return pd.DataFrame(
        market[:, None] * betas + noise, index=idx, columns=[f"A{i:03d}" for i in range(n_assets)]
    )


def _qs_metrics(port: pd.Series, bench: pd.Series) -> dict:
    import quantstats as qs

    s = qs.stats
    return {
        "cagr": s.cagr(port),
        "volatility": s.volatility(port),
        "sharpe": s.sharpe(port),
        "sortino": s.sortino(port),
        "calmar": s.calmar(port),
        "omega": s.omega(port),
        "max_drawdown": s.max_drawdown(port),
        "ulcer_index": s.ulcer_index(port),
        "skew": s.skew(port),
        "kurtosis": s.kurtosis(port),
        "greeks": s.greeks(port, bench),
        "information_ratio": s.information_ratio(port, bench),
        "win_rate": s.win_rate(port),
        "best": s.best(port),
        "worst": s.worst(port),
        "var": s.value_at_risk(port),
        "cvar": s.cvar(port),
    }


def _page(rets: pd.DataFrame, bench_r: pd.Series, w: pd.Series, sectors: pd.Series, prices, bench_p) -> None:
    """Everything the /risk page recomputes on a new portfolio (not the background jobs)."""
    port = risk.portfolio_returns(rets, w)
    risk.performance_summary(port, bench_r)
    risk.drawdowns(port)
    risk.rolling_statistics(port, bench_r, window=126)
    risk.var_table(rets, 0.99, 1, weights=w, portfolio_value=1e6)
    cov = rets.cov()
    contrib = risk.risk_contributions(w, cov * 252)
    risk.aggregate_by_sector(contrib, sectors)
    risk.aggregate_by_sector(risk.tail_risk_contributions(rets, w, 0.99, "cvar", "historical"), sectors)
    risk.stress_test(w, prices=prices, benchmark=bench_p)
    risk.hypothetical_shock(w, cov * 21, {"market": -0.1, "Energy": -0.2}, sectors)
    risk.var_backtest(port, window=250, level=0.99)


def run() -> str:
    warnings.simplefilter("ignore")
    rows = []  # (measurement, ours, peer, target, met)

    # 1. Monte Carlo VaR: 100,000 scenarios on 500 assets
    rets500 = _synthetic(2_000, 500, seed=1)
    w500 = pd.Series(1 / 500, index=rets500.columns)
    ours = _time(
        lambda: risk.value_at_risk(rets500, 0.99, "monte_carlo", weights=w500, n_scenarios=100_000), 3
    )

    def naive_mc():
        data = rets500.to_numpy()
        rng = np.random.default_rng(0)
        sims = rng.multivariate_normal(data.mean(0), np.cov(data, rowvar=False), 100_000, method="cholesky")
        port = sims @ w500.to_numpy()
        return -np.quantile(port, 0.01)

    naive = _time(naive_mc, 2)
    rows.append(
        (
            "Monte Carlo VaR, 100k scenarios x 500 assets",
            ours,
            ("numpy multivariate_normal then @ w", naive),
            1000,
            ours[0] < 1000,
        )
    )

    # 2. Historical VaR + CVaR, 500 assets x 8,000 days
    rets8k = _synthetic(8_000, 500, seed=2)
    w8k = pd.Series(1 / 500, index=rets8k.columns)

    def ours_hist():
        risk.value_at_risk(rets8k, 0.99, weights=w8k)
        risk.conditional_value_at_risk(rets8k, 0.99, weights=w8k)

    def skfolio_hist():
        from skfolio import measures as skm

        port = rets8k.to_numpy() @ w8k.to_numpy()
        skm.value_at_risk(port, beta=0.99)
        skm.cvar(port, beta=0.99)

    ours = _time(ours_hist, 7)
    peer = _time(skfolio_hist, 7)
    rows.append(
        (
            "Historical VaR + CVaR of a portfolio, 500 assets x 8,000 days",
            ours,
            ("skfolio measures", peer),
            50,
            ours[0] < 50,
        )
    )

    def ours_cols():
        risk.value_at_risk(rets8k, 0.99)
        risk.conditional_value_at_risk(rets8k, 0.99)

    def skfolio_cols():
        from skfolio import measures as skm

        x = rets8k.to_numpy()
        skm.value_at_risk(x, beta=0.99)
        skm.cvar(x, beta=0.99)

    ours_c = _time(ours_cols, 5)
    peer_c = _time(skfolio_cols, 5)
    rows.append(
        (
            "Historical VaR + CVaR per asset (500 columns x 8,000 days)",
            ours_c,
            ("skfolio measures", peer_c),
            50,
            ours_c[0] < 50,
        )
    )

    # 3. The whole risk page on the bundled data
    ds = load_dataset("sp500")
    rets = to_returns(ds.prices)
    bench_r = to_returns(ds.benchmark)
    w = pd.Series(1 / rets.shape[1], index=rets.columns)
    ours = _time(lambda: _page(rets, bench_r, w, ds.sectors, ds.prices, ds.benchmark), 5)
    rows.append(
        (
            "Whole /risk page recomputation, bundled S&P data (20 x 8,312)",
            ours,
            ("", None),
            300,
            ours[0] < 300,
        )
    )

    # 4. performance_summary vs QuantStats, same series
    port = risk.portfolio_returns(rets, w)
    ours = _time(lambda: risk.performance_summary(port, bench_r), 7)
    peer = _time(lambda: _qs_metrics(port, bench_r), 3)
    ratio = peer[0] / ours[0]
    rows.append(
        (
            f"performance_summary vs QuantStats' same metrics ({ratio:.0f}x faster)",
            ours,
            ("QuantStats 0.0.86", peer),
            None,
            ratio >= 5,
        )
    )

    # background jobs, for information
    extra = []
    extra.append(
        (
            "detect_regimes, S&P 500 index 1990-2022 (refit yearly)",
            _time(lambda: risk.detect_regimes(bench_r), 2),
        )
    )
    extra.append(
        (
            "monte_carlo_paths, 10,000 paths x 30 years monthly",
            _time(lambda: risk.monte_carlo_paths(1e6, 30, returns=port, contribution=-40_000, goal=2e6), 2),
        )
    )
    extra.append(
        (
            "var_backtest, Cornish-Fisher, 8,062 forecasts",
            _time(lambda: risk.var_backtest(port, 250, 0.99, "cornish_fisher"), 3),
        )
    )

    lines = [
        "## Risk desk (issue 5)",
        "",
        f"Machine: {os.cpu_count()} cores; median and best of repeated runs, in ms.",
        "",
        "| measurement | ours median (best) | peer / alternative | peer median (best) | target | met |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, o, (peer_name, p), target, met in rows:
        ptxt = f"{p[0]:.1f} ({p[1]:.1f})" if p else "-"
        ttxt = "5x faster than QuantStats" if target is None else f"< {target} ms"
        lines.append(
            f"| {name} | {o[0]:.1f} ({o[1]:.1f}) | {peer_name or '-'} | {ptxt} | {ttxt} | {'yes' if met else 'NO'} |"
        )
    lines += [
        "",
        "Background jobs (no target; run with progress in the app):",
        "",
        "| job | median (best) ms |",
        "| --- | --- |",
    ]
    for name, t in extra:
        lines.append(f"| {name} | {t[0]:.0f} ({t[1]:.0f}) |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
