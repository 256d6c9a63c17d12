"""Performance and drawdowns: the performance summary (annualised return and
volatility, Sharpe, Sortino, relative statistics against a benchmark), rolling
statistics and the drawdown table with the underwater curve.

Annualisation uses ``periods_per_year=252``; drawdowns are negative fractions, as in
empyrical and QuantStats.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._checks import check_positive_int
from .._types import WeightsLike
from ..errors import DataError
from .returns import portfolio_returns
from .tail import empirical_cvar, empirical_var, sample_moments

__all__ = [
    "DrawdownResult",
    "drawdowns",
    "underwater_curve",
    "performance_summary",
    "rolling_statistics",
]


@dataclass(frozen=True)
class DrawdownResult:
    """Underwater series and the table of the deepest drawdowns.

    ``underwater``: ``W_t / max_{s<=t} W_s - 1`` (<= 0) by date, where ``W`` is the
    wealth starting at 1 before the first return. ``table``: one row per drawdown,
    deepest first, with ``peak`` (last high before it), ``trough``, ``recovery``
    (first date back at the high, NaT if not yet), ``drawdown`` (negative fraction),
    ``length`` (periods from peak to recovery, or to the last date),
    ``decline`` (peak to trough) and ``recovery_periods`` (trough to recovery, NaN if
    not recovered). ``max_drawdown``: the deepest (negative fraction, as empyrical).
    """

    underwater: pd.Series
    table: pd.DataFrame
    max_drawdown: float


def underwater_curve(values: np.ndarray) -> np.ndarray:
    """Drawdown from the running peak ``W_t / max_{s<=t} W_s - 1`` of periodic returns
    ``values`` (wealth starting at 1 before the first return)."""
    wealth = np.cumprod(1.0 + values)
    peak = np.maximum.accumulate(np.concatenate([[1.0], wealth]))[1:]
    return wealth / peak - 1.0


def drawdowns(returns: pd.Series | pd.DataFrame, top: int = 5, *, weights: WeightsLike | None = None) -> DrawdownResult:
    """Drawdown analysis (Magdon-Ismail & Atiya 2004; empyrical ``max_drawdown``).

    .. math:: D_t = \\frac{W_t}{\\max_{s \\le t} W_s} - 1, \\qquad W_t = \\prod_{s \\le t}(1 + r_s)

    The running maximum includes the starting wealth of 1, so a loss on the first
    day is a drawdown (as in empyrical).
    """
    series = portfolio_returns(returns, weights)
    top = check_positive_int(top, "number of drawdowns")
    values = series.to_numpy()
    uw = underwater_curve(values)
    underwater = pd.Series(uw, index=series.index, name="underwater")
    index = series.index
    neg = uw < 0
    rows = []
    if neg.any():
        edges = np.diff(np.concatenate([[0], neg.astype(np.int8), [0]]))
        starts = np.flatnonzero(edges == 1)
        stops = np.flatnonzero(edges == -1)  # first index back at zero (or len)
        depths = np.minimum.reduceat(uw, starts)  # zeros between episodes never win the min
        chosen = np.argsort(depths, kind="stable")[:top]
        for j in chosen:
            s, e = int(starts[j]), int(stops[j])
            t = s + int(np.argmin(uw[s:e]))
            recovered = e < len(uw)
            rows.append(
                {
                    "peak": index[s - 1] if s > 0 else index[0],
                    "trough": index[t],
                    "recovery": index[e] if recovered else pd.NaT,
                    "drawdown": float(uw[t]),
                    "length": int((e if recovered else len(uw) - 1) - (s - 1)),
                    "decline": int(t - (s - 1)),
                    "recovery_periods": float(e - t) if recovered else float("nan"),
                }
            )
    cols = ["peak", "trough", "recovery", "drawdown", "length", "decline", "recovery_periods"]
    table = pd.DataFrame(rows, columns=cols)
    if len(table):
        table = table.sort_values("drawdown", kind="stable").head(top).reset_index(drop=True)
    table.index.name = "rank"
    table.index = table.index + 1
    mdd = float(uw.min()) if len(uw) else float("nan")
    return DrawdownResult(underwater=underwater, table=table, max_drawdown=min(mdd, 0.0))


def _per_period_rate(rate: float | pd.Series, periods_per_year: int, index: pd.Index) -> np.ndarray | float:
    if isinstance(rate, pd.Series):
        return rate.reindex(index).fillna(0.0).to_numpy(dtype=float)
    return (1.0 + float(rate)) ** (1.0 / periods_per_year) - 1.0


def performance_summary(
    returns: pd.Series | pd.DataFrame,
    benchmark: pd.Series | None = None,
    risk_free_rate: float | pd.Series = 0.0,
    periods_per_year: int = 252,
    *,
    weights: pd.Series | Mapping[str, float] | np.ndarray | None = None,
) -> pd.Series:
    r"""Performance and risk statistics of a return series, following empyrical.

    ``risk_free_rate`` is an annual rate converted to a per-period rate
    ``r_f = (1 + R_f)^{1/P} - 1`` (or a Series of per-period rates by date).
    ``P = periods_per_year``; ``x = r - r_f``. Missing returns are skipped, except in
    the CAGR where, as in empyrical, every period counts.

    ============== ==================================================================
    total_return   :math:`\prod(1+r) - 1`
    cagr           :math:`(1 + \text{total})^{P/n} - 1` (empyrical ``annual_return``)
    volatility     :math:`s(r)\sqrt P`, sample standard deviation (ddof = 1)
    sharpe         :math:`\bar x / s(x)\,\sqrt P` (Sharpe 1994)
    sortino        :math:`P\bar x / (\sqrt{\overline{\min(x,0)^2}}\sqrt P)` (Sortino & Price 1994)
    downside_deviation :math:`\sqrt{\overline{\min(x,0)^2}}\sqrt P`
    calmar         cagr / \|max_drawdown\| (Young 1991)
    omega          :math:`\sum (x)^+ / \sum (x)^-` (Keating & Shadwick 2002)
    max_drawdown   :math:`\min_t D_t` (negative), see :func:`drawdowns`
    ulcer_index    :math:`\sqrt{\overline{D_t^2}}` (Martin & McCann 1989)
    skew, kurtosis adjusted sample skewness and excess kurtosis (as pandas/QuantStats)
    var_95, cvar_95 historical one-period VaR and CVaR at 95% (positive losses)
    hit_rate       share of positive periods among non-zero ones (QuantStats ``win_rate``)
    best_day, worst_day  largest and smallest period return
    beta           :math:`\mathrm{cov}(r, b)/\mathrm{var}(b)` on common dates
    alpha          :math:`(1 + \overline{x - \beta (b - r_f)})^{P} - 1` (empyrical)
    correlation    Pearson correlation with the benchmark
    tracking_error :math:`s(r - b)\sqrt P`
    information_ratio :math:`\overline{r-b}/s(r-b)\,\sqrt P` (Grinold & Kahn 2000;
                   empyrical's ``excess_sharpe`` times :math:`\sqrt P`)
    ============== ==================================================================
    """
    series = (
        returns if isinstance(returns, pd.Series) and weights is None else portfolio_returns(returns, weights)
    )
    series = series.astype(float)
    ppy = check_positive_int(periods_per_year, "periods per year")
    all_periods = series.to_numpy()
    observed = ~np.isnan(all_periods)
    r = all_periods[observed]
    rf = _per_period_rate(risk_free_rate, ppy, series.index)
    excess = r - (rf[observed] if isinstance(rf, np.ndarray) else rf)
    out = _growth_stats(r, all_periods.shape[0], ppy)
    out.update(_excess_stats(excess, ppy))
    out.update(_drawdown_stats(r, excess, out["cagr"]))
    out.update(_distribution_stats(r))
    if benchmark is not None:
        out.update(_relative_stats(series, benchmark, rf, ppy))
    out["observations"] = float(r.shape[0])
    return pd.Series(out, name=series.name if series.name is not None else "portfolio", dtype=float)


def _growth_stats(r: np.ndarray, n_all: int, ppy: int) -> dict[str, float]:
    """Total return, CAGR over all ``n_all`` periods (missing ones included) and annualised volatility."""
    n, nan = r.shape[0], float("nan")
    total = float(np.prod(1.0 + r)) - 1.0 if n else nan
    cagr = (1.0 + total) ** (ppy / n_all) - 1.0 if n and total > -1 else (-1.0 if n else nan)
    sd = float(np.std(r, ddof=1)) if n > 1 else nan
    return {"total_return": total, "cagr": cagr, "volatility": sd * math.sqrt(ppy)}


def _excess_stats(excess: np.ndarray, ppy: int) -> dict[str, float]:
    """Sharpe, Sortino and downside deviation of the excess returns, annualised."""
    n, nan = excess.shape[0], float("nan")
    sd_excess = float(np.std(excess, ddof=1)) if n > 1 else nan
    mean_excess = float(excess.mean()) if n else nan
    sharpe = (
        (
            mean_excess / sd_excess * math.sqrt(ppy)
            if sd_excess > 0
            else (math.copysign(np.inf, mean_excess) if mean_excess else nan)
        )
        if n > 1
        else nan
    )
    down = math.sqrt(float(np.mean(np.minimum(excess, 0.0) ** 2))) * math.sqrt(ppy) if n else nan
    sortino = (mean_excess * ppy / down if down > 0 else (np.inf if mean_excess > 0 else nan)) if n > 1 else nan
    return {"sharpe": sharpe, "sortino": sortino, "downside_deviation": down}


def _drawdown_stats(r: np.ndarray, excess: np.ndarray, cagr: float) -> dict[str, float]:
    """Maximum drawdown, Calmar, Omega (of the excess returns) and the ulcer index."""
    n, nan = r.shape[0], float("nan")
    uw = underwater_curve(r) if n else np.array([nan])
    mdd = min(float(uw.min()), 0.0) if n else nan
    gains, losses = float(excess[excess > 0].sum()), float(-excess[excess < 0].sum())
    return {
        "max_drawdown": mdd,
        "calmar": cagr / abs(mdd) if n > 1 and mdd < 0 else nan,
        "omega": gains / losses if n > 1 and losses > 0 else nan,
        "ulcer_index": math.sqrt(float(np.mean(uw**2))) if n else nan,
    }


def _distribution_stats(r: np.ndarray) -> dict[str, float]:
    """Skew, excess kurtosis, historical 95% VaR/CVaR, hit rate and the best and worst period."""
    n, nan = r.shape[0], float("nan")
    _, _, skew, kurt = sample_moments(r) if n > 3 else (nan, nan, nan, nan)
    nonzero = int(np.count_nonzero(r))
    return {
        "skew": skew,
        "kurtosis": kurt,
        "var_95": float(empirical_var(r, 0.95)) if n else nan,
        "cvar_95": float(empirical_cvar(r, 0.95)) if n else nan,
        "hit_rate": float((r > 0).sum()) / nonzero if nonzero else nan,
        "best_day": float(r.max()) if n else nan,
        "worst_day": float(r.min()) if n else nan,
    }


def _relative_stats(
    series: pd.Series, benchmark: pd.Series | pd.DataFrame, rf: np.ndarray | float, ppy: int
) -> dict[str, float]:
    if isinstance(benchmark, pd.DataFrame):
        benchmark = benchmark.iloc[:, 0]
    bench = benchmark.astype(float)
    joined = pd.concat([series.rename("r"), bench.rename("b")], axis=1, join="inner")
    rf_s = pd.Series(rf, index=series.index) if isinstance(rf, np.ndarray) else None
    keep = joined.notna().all(axis=1).to_numpy()
    r = joined["r"].to_numpy()[keep]
    b = joined["b"].to_numpy()[keep]
    nan = float("nan")
    if r.shape[0] < 2:
        return dict.fromkeys(("beta", "alpha", "correlation", "tracking_error", "information_ratio"), nan)
    rfv = rf_s.reindex(joined.index).to_numpy()[keep] if rf_s is not None else rf
    xr, xb = r - rfv, b - rfv
    db = xb - xb.mean()
    var_b = float(db @ db)
    beta = float(db @ (xr - xr.mean())) / var_b if var_b > 0 else nan
    alpha = (1.0 + float(np.mean(xr - beta * xb))) ** ppy - 1.0 if var_b > 0 else nan
    active = r - b
    te = float(np.std(active, ddof=1))
    corr = float(np.corrcoef(r, b)[0, 1]) if np.std(r) > 0 and np.std(b) > 0 else nan
    return {
        "beta": beta,
        "alpha": alpha,
        "correlation": corr,
        "tracking_error": te * math.sqrt(ppy),
        "information_ratio": float(active.mean()) / te * math.sqrt(ppy) if te > 0 else nan,
    }


def rolling_statistics(
    returns: pd.Series | pd.DataFrame,
    benchmark: pd.Series | None = None,
    window: int = 126,
    risk_free_rate: float = 0.0,
    periods_per_year: int = 252,
    *,
    weights: WeightsLike | None = None,
) -> pd.DataFrame:
    r"""Rolling annualised volatility, Sharpe ratio and (with a benchmark) beta.

    Over each trailing ``window``: ``volatility = s(r)\sqrt P``,
    ``sharpe = \bar x / s(x) \sqrt P`` and ``beta = cov(r, b) / var(b)``, the same
    definitions as :func:`performance_summary` (empyrical ``roll_*``). The first
    ``window - 1`` dates are NaN.
    """
    series = portfolio_returns(returns, weights)
    window = check_positive_int(window, "rolling window", 2)
    if window > len(series):
        raise DataError(
            f"The rolling window of {window} days is longer than the {len(series)} days of history. "
            "Choose a shorter window or load more history.",
            code="window_too_long",
        )
    ppy = check_positive_int(periods_per_year, "periods per year")
    rf = _per_period_rate(risk_free_rate, ppy, series.index)
    excess = series - rf
    roll = series.rolling(window)
    ex_roll = excess.rolling(window)
    out = pd.DataFrame(index=series.index)
    out["volatility"] = roll.std() * math.sqrt(ppy)
    out["sharpe"] = ex_roll.mean() / ex_roll.std() * math.sqrt(ppy)
    if benchmark is not None:
        bench = (benchmark.iloc[:, 0] if isinstance(benchmark, pd.DataFrame) else benchmark).astype(float)
        bench = bench.reindex(series.index)
        out["beta"] = series.rolling(window).cov(bench) / bench.rolling(window).var()
    return out
