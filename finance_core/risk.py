"""Risk analytics: VaR and CVaR, performance ratios, drawdowns, risk decomposition,
stress tests, VaR backtests, market regimes and Monte Carlo wealth projection.

Conventions (see ``DESIGN.md``): returns are simple periodic (daily) returns, a
Series for one portfolio or a dates x tickers DataFrame; weights are fractions
indexed by ticker; annualisation uses ``periods_per_year=252``; **VaR and CVaR are
positive loss fractions** (a 2% one-day VaR is ``0.02``); drawdowns are negative
fractions, as in empyrical and QuantStats.

Everything here is pure numpy/pandas/scipy/scikit-learn: no dash, plotly or flask.

References
----------
.. [1] Jorion, P. (2007). *Value at Risk: The New Benchmark for Managing Financial
   Risk*, 3rd ed. McGraw-Hill. (VaR methods, Kupiec test, Table 6-2.)
.. [2] McNeil, A., Frey, R. & Embrechts, P. (2015). *Quantitative Risk Management*,
   revised ed. Princeton University Press. (Empirical quantiles, Euler allocation.)
.. [3] Acerbi, C. & Tasche, D. (2002). On the coherence of expected shortfall.
   *Journal of Banking & Finance* 26(7), 1487-1503.
.. [4] Zangari, P. (1996). A VaR methodology for portfolios that include options.
   *RiskMetrics Monitor*, Q1, 4-12 (Cornish-Fisher VaR); Boudt, K., Peterson, B. &
   Croux, C. (2008). Estimation and decomposition of downside risk for portfolios
   with non-normal returns. *Journal of Risk* 11(2), 79-103.
.. [5] Kupiec, P. (1995). Techniques for verifying the accuracy of risk measurement
   models. *Journal of Derivatives* 3(2), 73-84.
.. [6] Christoffersen, P. (1998). Evaluating interval forecasts. *International
   Economic Review* 39(4), 841-862.
.. [7] Basel Committee on Banking Supervision (1996). *Supervisory framework for the
   use of "backtesting" in conjunction with the internal models approach to market
   risk capital requirements*, Table 2.
.. [8] Tasche, D. (1999). Risk contributions and performance measurement. Working
   paper, TU Munich (Euler allocation of volatility, VaR and ES).
.. [9] Maillard, D. (2012). A user's guide to the Cornish Fisher expansion. SSRN
   working paper 1997178 (domain of validity; CVaR as the tail mean of the quantile).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .errors import DataError

__all__ = [
    "METHODS",
    "SCENARIOS",
    "Scenario",
    "DrawdownResult",
    "ShockResult",
    "TestResult",
    "VaRBacktest",
    "RegimeResult",
    "MonteCarloResult",
    "portfolio_returns",
    "growth",
    "horizon_returns",
    "value_at_risk",
    "conditional_value_at_risk",
    "CornishFisherCheck",
    "cornish_fisher_check",
    "var_table",
    "drawdowns",
    "performance_summary",
    "rolling_statistics",
    "risk_contributions",
    "tail_risk_contributions",
    "aggregate_by_sector",
    "stress_test",
    "scenario_paths",
    "hypothetical_shock",
    "kupiec_test",
    "christoffersen_test",
    "traffic_light",
    "basel_zones",
    "var_backtest",
    "detect_regimes",
    "monte_carlo_paths",
    "projection_assumptions",
]

#: VaR/CVaR methods understood by :func:`value_at_risk` and friends.
METHODS = ("historical", "gaussian", "cornish_fisher", "monte_carlo")
_SIMULATIONS = ("normal", "bootstrap")
_LEVEL_MIN, _LEVEL_MAX = 0.5, 0.9999
_MC_CHUNK = 20_000


# --------------------------------------------------------------------------- validation
def _check_level(level: float, name: str = "confidence level") -> float:
    try:
        value = float(level)
    except (TypeError, ValueError):
        raise DataError(
            f"The {name} {level!r} is not a number. Give a fraction such as 0.95.", code="bad_level"
        ) from None
    if not math.isfinite(value) or not (_LEVEL_MIN < value < _LEVEL_MAX):
        hint = f" Did you mean {value / 100:g}?" if 50 < value < 100 else ""
        raise DataError(
            f"The {name} {value:g} is outside the sensible range: it must lie strictly between "
            f"{_LEVEL_MIN:g} and {_LEVEL_MAX:g} (for example 0.95 or 0.99).{hint}",
            code="bad_level",
        )
    return value


def _check_positive_int(value, name: str, minimum: int = 1) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DataError(f"The {name} {value!r} is not a whole number.", code="bad_parameter") from None
    if number != value and not (isinstance(value, float) and value.is_integer()):
        raise DataError(f"The {name} {value!r} must be a whole number.", code="bad_parameter")
    if number < minimum:
        raise DataError(f"The {name} must be at least {minimum}; got {number}.", code="bad_parameter")
    return number


def _check_method(method: str) -> str:
    if method not in METHODS:
        raise DataError(
            f"Unknown VaR method {method!r}: choose one of {', '.join(METHODS)}.", code="unknown_method"
        )
    return method


def _as_weights(weights, columns: Sequence[str]) -> np.ndarray:
    """Weights aligned to ``columns``; tickers outside the universe are refused by name."""
    if isinstance(weights, Mapping):
        weights = pd.Series(dict(weights), dtype=float)
    if not isinstance(weights, pd.Series):
        arr = np.asarray(weights, dtype=float).ravel()
        if arr.size != len(columns):
            raise DataError(
                f"{arr.size} weights were given for {len(columns)} assets. Give one weight per ticker "
                "(a Series indexed by ticker is safest).",
                code="weights_mismatch",
            )
        weights = pd.Series(arr, index=list(columns))
    w = weights.astype(float)
    universe = set(columns)
    unknown = [str(t) for t in w.index if t not in universe]
    if unknown:
        raise DataError(
            f"The portfolio holds {', '.join(unknown)}, which {'is' if len(unknown) == 1 else 'are'} not in "
            f"the return data ({len(columns)} tickers). Load prices that include "
            f"{'it' if len(unknown) == 1 else 'them'} or remove {'it' if len(unknown) == 1 else 'them'} "
            "from the portfolio.",
            code="unknown_ticker",
            details={"tickers": unknown},
        )
    if w.index.duplicated().any():
        dup = sorted({str(t) for t in w.index[w.index.duplicated()]})
        raise DataError(
            f"Ticker(s) {', '.join(dup)} appear twice in the weights. Combine them.", code="duplicate_ticker"
        )
    values = w.to_numpy()
    bad = [str(t) for t, v in zip(w.index, values, strict=True) if not np.isfinite(v)]
    if bad:
        raise DataError(
            f"The weight of {', '.join(bad)} is missing or not a number. Fill it in.", code="bad_weight"
        )
    if not np.any(values != 0):
        raise DataError(
            "All portfolio weights are zero. Give at least one non-zero weight.", code="bad_weight"
        )
    if list(w.index) == list(columns):
        return values.copy()
    position = {t: i for i, t in enumerate(columns)}
    out = np.zeros(len(columns))
    for t, v in zip(w.index, values, strict=True):
        out[position[t]] = v
    return out


def _as_frame(returns) -> pd.DataFrame:
    if isinstance(returns, pd.Series):
        return returns.to_frame(returns.name or "portfolio")
    if not isinstance(returns, pd.DataFrame):
        raise DataError("Returns must be a pandas Series or DataFrame (dates x tickers).", code="bad_returns")
    return returns


def _clean_series(returns, what: str = "returns", min_obs: int = 2) -> pd.Series:
    if isinstance(returns, pd.DataFrame):
        if returns.shape[1] != 1:
            raise DataError(
                f"{what}: got {returns.shape[1]} columns; pass portfolio weights to combine them.",
                code="bad_returns",
            )
        returns = returns.iloc[:, 0]
    if not isinstance(returns, pd.Series):
        returns = pd.Series(np.asarray(returns, dtype=float).ravel())
    try:
        series = returns.astype(float)
    except (TypeError, ValueError):
        raise DataError(f"{what} contain values that are not numbers.", code="bad_returns") from None
    if np.isinf(series.to_numpy()).any():
        raise DataError(
            f"{what} contain infinite values (a price of zero?). Fix the prices.", code="bad_returns"
        )
    series = series.dropna()
    if len(series) < min_obs:
        raise DataError(
            f"{what}: only {len(series)} usable observation(s); at least {min_obs} are needed. "
            "Load a longer price history.",
            code="too_short",
        )
    return series


def portfolio_returns(returns: pd.DataFrame | pd.Series, weights=None) -> pd.Series:
    """Portfolio returns ``r_p,t = sum_i w_i r_i,t`` for fixed (daily rebalanced) weights.

    A Series is returned as is (without missing values). Rows where a held asset has
    no return are dropped. Weights naming tickers outside ``returns`` raise
    :class:`DataError` listing them; tickers without a weight get zero.
    """
    if isinstance(returns, pd.Series) or (
        isinstance(returns, pd.DataFrame) and weights is None and returns.shape[1] == 1
    ):
        return _clean_series(returns, min_obs=1)
    frame = _as_frame(returns)
    if weights is None:
        raise DataError(
            f"The returns have {frame.shape[1]} columns: pass the portfolio weights to combine them.",
            code="missing_weights",
        )
    w = _as_weights(weights, list(frame.columns))
    data = frame.to_numpy(dtype=float)
    values = data @ w
    missing = np.isnan(values)
    if not missing.any():
        return pd.Series(values, index=frame.index, name="portfolio")
    held = w != 0
    sub = data[:, held]
    ok = ~np.isnan(sub).any(axis=1)
    values = sub[ok] @ w[held]
    return pd.Series(values, index=frame.index[ok], name="portfolio")


def growth(returns: pd.Series | pd.DataFrame, initial: float = 1.0) -> pd.Series | pd.DataFrame:
    """Value of ``initial`` invested: ``initial * prod(1 + r)`` up to each date (missing returns count as 0)."""
    return initial * (1.0 + returns.fillna(0.0)).cumprod()


def horizon_returns(returns: pd.Series | pd.DataFrame, horizon: int = 1, weights=None) -> pd.Series:
    """Overlapping ``horizon``-period compounded returns ``prod(1 + r) - 1``.

    These are the historical scenarios of a multi-day VaR (Jorion 2007, ch. 10); the
    page draws their histogram with the VaR and CVaR lines.
    """
    series = portfolio_returns(returns, weights)
    horizon = _check_positive_int(horizon, "horizon")
    if horizon == 1:
        return series
    if horizon >= len(series):
        raise DataError(
            f"The horizon of {horizon} days is not shorter than the {len(series)} days of history. "
            "Shorten the horizon or load more history.",
            code="window_too_long",
        )
    logs = np.log1p(series.to_numpy())
    csum = np.concatenate([[0.0], np.cumsum(logs)])
    agg = np.expm1(csum[horizon:] - csum[:-horizon])
    return pd.Series(agg, index=series.index[horizon - 1 :], name=series.name)


# --------------------------------------------------------------------------- tail measures
def _empirical_var(values: np.ndarray, level: float) -> np.ndarray | float:
    """Lower empirical quantile of the loss: ``-x_(floor(n(1-a))+1)`` (McNeil et al. 2015)."""
    n = values.shape[0]
    k = (1.0 - level) * n
    i = min(n - 1, int(np.floor(k + 4 * np.finfo(float).eps * n)))
    part = np.partition(values, i, axis=0)
    return -part[i]


def _empirical_cvar(values: np.ndarray, level: float) -> np.ndarray | float:
    """Acerbi-Tasche expected shortfall: mean of the worst ``n(1-a)`` outcomes, the
    boundary outcome counted with its fractional weight."""
    n = values.shape[0]
    k = (1.0 - level) * n
    i = max(0, int(np.ceil(k) - 1))
    part = np.partition(values, i, axis=0)
    return -np.sum(part[:i], axis=0) / k + part[i] * (i / k - 1.0)


def _empirical_pair(values: np.ndarray, level: float, axis: int = 0):
    """Empirical VaR and Acerbi-Tasche CVaR from a single partition (same conventions as above)."""
    n = values.shape[axis]
    k = (1.0 - level) * n
    i_var = min(n - 1, int(np.floor(k + 4 * np.finfo(float).eps * n)))
    i = max(0, int(np.ceil(k) - 1))
    part = np.partition(values, sorted({i, i_var}), axis=axis)
    take = (lambda j: part[j]) if axis == 0 else (lambda j: part[:, j])
    head = part[:i] if axis == 0 else part[:, :i]
    cvar = -np.sum(head, axis=axis) / k + take(i) * (i / k - 1.0)
    return -take(i_var), cvar


def _empirical_pair_rows(rows: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_empirical_pair` for every row of ``rows`` (assets x dates), without a full partition.

    Only the ``m = max(i, i_var) + 1`` smallest values of a row matter. A threshold per
    row from a strided subsample keeps a few times ``m`` candidates (padded with +inf
    into a small dense array), which are partitioned and read at the same order
    statistics with the full sample's ``k = (1 - level) n``. Rows where the threshold
    kept fewer than ``m`` values (possible, not likely) fall back to the full partition,
    so the result is exact either way.
    """
    n_rows, n = rows.shape
    k = (1.0 - level) * n
    i_var = min(n - 1, int(np.floor(k + 4 * np.finfo(float).eps * n)))
    i = max(0, int(np.ceil(k) - 1))
    need = max(i, i_var) + 1
    stride = 16
    if n < 64 * stride or need * 8 > n:
        return _empirical_pair(rows, level, axis=1)
    sub = rows[:, ::stride]
    j = min(sub.shape[1] - 1, 2 * need // stride + 8)
    threshold = np.partition(sub, j, axis=1)[:, j]
    mask = rows <= threshold[:, None]
    counts = mask.sum(axis=1)
    ok = counts >= need
    width = int(counts.max())
    values = rows[mask]  # row-major: grouped by row
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    owner = np.repeat(np.arange(n_rows), counts)
    dense = np.full((n_rows, width), np.inf)
    dense[owner, np.arange(values.shape[0]) - starts[owner]] = values
    part = np.partition(dense, sorted({i, i_var}), axis=1)
    var = -part[:, i_var]
    cvar = -part[:, :i].sum(axis=1) / k + part[:, i] * (i / k - 1.0)
    if not ok.all():
        v_bad, c_bad = _empirical_pair(rows[~ok], level, axis=1)
        var[~ok], cvar[~ok] = v_bad, c_bad
    return var, cvar


def _tail_weights(values: np.ndarray, level: float) -> tuple[int, np.ndarray, np.ndarray]:
    """Scenario index of the VaR and the scenario weights (summing to 1) of the CVaR."""
    n = values.shape[0]
    k = (1.0 - level) * n
    order = np.argsort(values, kind="stable")
    i_var = min(n - 1, int(np.floor(k + 4 * np.finfo(float).eps * n)))
    i = max(0, int(np.ceil(k) - 1))
    probs = np.zeros(n)
    probs[order[:i]] = 1.0 / k
    probs[order[i]] = 1.0 - i / k
    return int(order[i_var]), probs, order


def _moments(x: np.ndarray) -> tuple[float, float, float, float]:
    """Mean, sample standard deviation (ddof=1), adjusted skewness and excess kurtosis
    (the unbiased estimators pandas and QuantStats report)."""
    n = x.shape[0]
    mu = float(x.mean())
    d = x - mu
    m2 = float(d @ d) / n
    sd = math.sqrt(m2 * n / (n - 1)) if n > 1 else float("nan")
    if n < 4 or m2 <= 0:
        return mu, sd, 0.0, 0.0
    m3 = float(np.mean(d**3))
    m4 = float(np.mean(d**4))
    g1 = m3 / m2**1.5
    skew = g1 * math.sqrt(n * (n - 1)) / (n - 2)
    g2 = m4 / m2**2 - 3.0
    kurt = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * g2 + 6.0)
    return mu, sd, skew, kurt


def _cornish_fisher_z(z: float, skew: float, kurt: float) -> float:
    return z + (z**2 - 1) * skew / 6 + (z**3 - 3 * z) * kurt / 24 - (2 * z**3 - 5 * z) * skew**2 / 36


def _cornish_fisher_tail_mean(z: float, p: float, skew: float, kurt: float) -> float:
    """``E[g(Z) | Z < z]`` for the Cornish-Fisher polynomial ``g`` and ``Z ~ N(0, 1)``.

    Uses the truncated-normal moments ``E[Z|Z<z] = -phi/p``, ``E[Z^2|Z<z] = 1 - z phi/p``,
    ``E[Z^3|Z<z] = -(z^2 + 2) phi/p`` with ``phi = phi(z)``, ``p = Phi(z)``.
    """
    phi = stats.norm.pdf(z)
    e1 = -phi / p
    e2 = 1 - z * phi / p
    e3 = -(z**2 + 2) * phi / p
    return e1 + (e2 - 1) * skew / 6 + (e3 - 3 * e1) * kurt / 24 - (2 * e3 - 5 * e1) * skew**2 / 36


def _simulate(
    returns,
    weights,
    horizon: int,
    simulation: str,
    n_scenarios: int,
    seed,
) -> np.ndarray:
    """Simulated ``horizon``-period portfolio returns.

    ``normal``: asset returns ``X = mu h + sqrt(h) Z L'`` with ``L`` the Cholesky factor
    of the sample covariance; the portfolio return is ``X w = h mu'w + sqrt(h) Z (L'w)``:
    one matrix-vector product per chunk of scenarios (never an n x N x N product).
    ``bootstrap``: ``horizon`` days drawn with replacement from history and compounded.
    """
    if simulation not in _SIMULATIONS:
        raise DataError(
            f"Unknown simulation {simulation!r}: choose one of {', '.join(_SIMULATIONS)}.",
            code="unknown_method",
        )
    n_scenarios = _check_positive_int(n_scenarios, "number of scenarios", 100)
    rng = np.random.default_rng(seed)
    if simulation == "bootstrap":
        series = portfolio_returns(returns, weights).to_numpy()
        out = np.empty(n_scenarios)
        logs = np.log1p(series)
        for start in range(0, n_scenarios, _MC_CHUNK):
            stop = min(n_scenarios, start + _MC_CHUNK)
            idx = rng.integers(0, series.shape[0], size=(stop - start, horizon))
            out[start:stop] = np.expm1(logs[idx].sum(axis=1))
        return out
    if isinstance(returns, pd.Series) or (
        isinstance(returns, pd.DataFrame) and returns.shape[1] == 1 and weights is None
    ):
        data = _clean_series(returns).to_numpy()[:, None]
        w = np.ones(1)
    else:
        frame = _as_frame(returns)
        w = _as_weights(weights, list(frame.columns)) if weights is not None else None
        if w is None:
            raise DataError(
                "Monte Carlo VaR of several assets needs portfolio weights.", code="missing_weights"
            )
        held = w != 0
        data = frame.to_numpy(dtype=float)[:, held]
        data = data[~np.isnan(data).any(axis=1)]
        w = w[held]
    mu = data.mean(axis=0)
    cov = np.atleast_2d(np.cov(data, rowvar=False))
    try:
        root = np.linalg.cholesky(cov)  # root @ root.T == cov
    except np.linalg.LinAlgError:  # singular (more assets than days, duplicated series)
        vals, vecs = np.linalg.eigh(cov)
        root = vecs * np.sqrt(np.clip(vals, 0.0, None))
    b = root.T @ w
    n_assets = b.shape[0]
    out = np.empty(n_scenarios)
    chunk = max(1, min(_MC_CHUNK, 4_000_000 // max(n_assets, 1)))
    scale = math.sqrt(horizon)
    for start in range(0, n_scenarios, chunk):
        stop = min(n_scenarios, start + chunk)
        z = rng.standard_normal((stop - start, n_assets), dtype=np.float32)
        out[start:stop] = z @ b.astype(np.float32)
    return horizon * float(mu @ w) + scale * out


def _tail_pair(
    returns,
    level: float,
    method: str,
    horizon: int,
    weights,
    simulation: str,
    n_scenarios: int,
    seed,
) -> tuple[float, float] | tuple[pd.Series, pd.Series]:
    """(VaR, CVaR) by one method, sharing the portfolio returns, moments or scenarios."""
    level = _check_level(level)
    method = _check_method(method)
    horizon = _check_positive_int(horizon, "horizon")
    if isinstance(returns, pd.DataFrame) and weights is None and returns.shape[1] > 1:
        data = returns.to_numpy(dtype=float)
        if method == "historical" and horizon == 1 and not np.isnan(data).any():
            cols = np.ascontiguousarray(data.T)  # one asset per contiguous row
            _require_tail(cols.shape[1], level)
            v, c = _empirical_pair_rows(cols, level)
        else:
            pairs = [
                _tail_pair(returns[col], level, method, horizon, None, simulation, n_scenarios, seed)
                for col in returns.columns
            ]
            v, c = np.array([q[0] for q in pairs]), np.array([q[1] for q in pairs])
        return pd.Series(v, index=returns.columns, name="var"), pd.Series(
            c, index=returns.columns, name="cvar"
        )
    if method == "monte_carlo":
        sims = _simulate(returns, weights, horizon, simulation, n_scenarios, seed)
        v, c = _empirical_pair(sims, level)
        return float(v), float(c)
    if method == "historical":
        values = horizon_returns(returns, horizon, weights).to_numpy()
        _require_tail(values.shape[0], level)
        v, c = _empirical_pair(values, level)
        return float(v), float(c)
    series = portfolio_returns(returns, weights).to_numpy()
    if series.shape[0] < 2:
        raise DataError("At least 2 returns are needed to estimate a volatility.", code="too_short")
    mu, sd, skew, kurt = _moments(series)
    mu_h, sd_h = mu * horizon, sd * math.sqrt(horizon)
    p = 1.0 - level
    z = float(stats.norm.ppf(p))
    if method == "gaussian":
        return float(-(mu_h + sd_h * z)), float(-mu_h + sd_h * stats.norm.pdf(z) / p)
    # Cornish-Fisher: moments of the horizon sum of i.i.d. returns
    skew_h, kurt_h = skew / math.sqrt(horizon), kurt / horizon
    return (
        float(-(mu_h + sd_h * _cornish_fisher_z(z, skew_h, kurt_h))),
        float(-(mu_h + sd_h * _cornish_fisher_tail_mean(z, p, skew_h, kurt_h))),
    )


def _require_tail(n: int, level: float) -> None:
    if n < 2:
        raise DataError("At least 2 returns are needed for a historical VaR.", code="too_short")


def value_at_risk(
    returns: pd.Series | pd.DataFrame,
    level: float = 0.95,
    method: str = "historical",
    horizon: int = 1,
    *,
    weights=None,
    simulation: str = "normal",
    n_scenarios: int = 100_000,
    seed: int | None = 0,
) -> float | pd.Series:
    r"""Value at Risk as a positive loss fraction.

    .. math:: \mathrm{VaR}_\alpha = -\inf\{x : P(R_h \le x) > 1 - \alpha\}

    Methods (Jorion 2007, ch. 10-12):

    * ``historical``: the lower empirical quantile of the loss of overlapping
      ``horizon``-day compounded returns, ``-x_{(\lfloor n(1-\alpha)\rfloor + 1)}``
      (the convention of McNeil, Frey & Embrechts 2015 and skfolio);
    * ``gaussian``: ``-(h\mu + \sqrt h \sigma z_{1-\alpha})``;
    * ``cornish_fisher`` (modified VaR, Zangari 1996): the Gaussian quantile replaced by
      ``z + (z^2-1)S/6 + (z^3-3z)K/24 - (2z^3-5z)S^2/36`` with sample skewness ``S`` and
      excess kurtosis ``K`` scaled to the horizon (``S/\sqrt h``, ``K/h``);
    * ``monte_carlo``: ``simulation="normal"`` draws asset returns from the fitted
      multivariate normal, ``"bootstrap"`` resamples historical days; seeded by ``seed``.

    Parameters
    ----------
    returns : Series of portfolio returns, or DataFrame (dates x tickers). A DataFrame
        with ``weights`` is combined into the portfolio; without weights, one VaR per column.
    level : confidence level in (0.5, 0.9999), for example 0.95 or 0.99.
    horizon : holding period in periods (days).
    """
    return _tail_pair(returns, level, method, horizon, weights, simulation, n_scenarios, seed)[0]


def conditional_value_at_risk(
    returns: pd.Series | pd.DataFrame,
    level: float = 0.95,
    method: str = "historical",
    horizon: int = 1,
    *,
    weights=None,
    simulation: str = "normal",
    n_scenarios: int = 100_000,
    seed: int | None = 0,
) -> float | pd.Series:
    r"""Conditional VaR (expected shortfall) as a positive loss fraction.

    .. math:: \mathrm{CVaR}_\alpha = \frac{1}{1-\alpha}\int_\alpha^1 \mathrm{VaR}_u\,du

    * ``historical`` and ``monte_carlo``: the Acerbi & Tasche (2002) estimator, the mean
      of the worst ``k = n(1-\alpha)`` outcomes with the boundary outcome weighted by the
      fractional part of ``k``;
    * ``gaussian``: ``-h\mu + \sqrt h\sigma\,\varphi(z_{1-\alpha})/(1-\alpha)``;
    * ``cornish_fisher``: the tail mean of the Cornish-Fisher quantile function (the
      expected shortfall of the distribution whose quantiles the modified VaR gives, so
      it is never below that VaR), in closed form from the truncated-normal moments:
      ``-h\mu + \sqrt h\sigma\,\varphi(z)/(1-\alpha)\,[1 + zS/6 + (z^2-1)K/24 -
      (2z^2-1)S^2/36]`` with ``z = z_{1-\alpha}`` (Maillard 2012). Boudt, Peterson & Croux
      (2008), PerformanceAnalytics' ``ES(method="modified")``, integrate an Edgeworth
      density instead; the two agree for near-normal returns and both fail outside the
      expansion's domain of validity (see :func:`cornish_fisher_check`).

    Same parameters as :func:`value_at_risk`.
    """
    return _tail_pair(returns, level, method, horizon, weights, simulation, n_scenarios, seed)[1]


@dataclass(frozen=True)
class CornishFisherCheck:
    r"""The moments behind a Cornish-Fisher VaR/CVaR and whether the expansion holds.

    ``skew`` and ``kurtosis`` (excess): the sample's adjusted estimators scaled to the
    horizon (``S/\sqrt h``, ``K/h``), as :func:`value_at_risk` uses them. ``valid``: the
    Cornish-Fisher polynomial is increasing in ``z`` everywhere, so it is a quantile
    function (Maillard 2012's domain of validity: with ``S = 0``, ``0 <= K <= 8``).
    Outside it the modified VaR can fall as the tails fatten and the CVaR averages a
    tail that turns back, so neither should be read as a loss estimate.
    """

    skew: float
    kurtosis: float
    valid: bool
    horizon: int


def cornish_fisher_check(returns, weights=None, horizon: int = 1) -> CornishFisherCheck:
    """Skewness, excess kurtosis and domain of validity of the Cornish-Fisher expansion.

    ``g(z) = z + (z^2-1)S/6 + (z^3-3z)K/24 - (2z^3-5z)S^2/36`` has
    ``g'(z) = a z^2 + b z + c`` with ``a = K/8 - S^2/6``, ``b = S/3``,
    ``c = 1 - K/8 + 5S^2/36``: it never decreases iff ``a >= 0`` and ``b^2 <= 4ac``.
    """
    horizon = _check_positive_int(horizon, "horizon")
    series = portfolio_returns(returns, weights).to_numpy()
    _mu, _sd, skew, kurt = _moments(series)
    s, k = skew / math.sqrt(horizon), kurt / horizon
    a, b, c = k / 8 - s * s / 6, s / 3, 1 - k / 8 + 5 * s * s / 36
    return CornishFisherCheck(skew=float(s), kurtosis=float(k), valid=bool(a >= 0 and b * b <= 4 * a * c),
                              horizon=horizon)


def var_table(
    returns: pd.Series | pd.DataFrame,
    level: float = 0.95,
    horizon: int = 1,
    *,
    weights=None,
    portfolio_value: float = 1.0,
    methods: Iterable[str] = METHODS,
    simulation: str = "normal",
    n_scenarios: int = 100_000,
    seed: int | None = 0,
) -> pd.DataFrame:
    """VaR and CVaR by every method, as fractions and in money.

    Returns a DataFrame indexed by method with columns ``var``, ``cvar`` (positive loss
    fractions), ``var_amount`` and ``cvar_amount`` (times ``portfolio_value``).
    """
    level = _check_level(level)
    if isinstance(returns, pd.DataFrame) and returns.shape[1] > 1 and weights is None:
        raise DataError(
            f"The returns have {returns.shape[1]} columns: pass the portfolio weights for the VaR table.",
            code="missing_weights",
        )
    rows = {}
    for m in methods:
        kw = dict(weights=weights, simulation=simulation, n_scenarios=n_scenarios, seed=seed)
        v, c = _tail_pair(returns, level, m, horizon, **kw)
        rows[m] = {"var": v, "cvar": c, "var_amount": v * portfolio_value, "cvar_amount": c * portfolio_value}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "method"
    return frame


# --------------------------------------------------------------------------- drawdowns
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


def _underwater(values: np.ndarray) -> np.ndarray:
    wealth = np.cumprod(1.0 + values)
    peak = np.maximum.accumulate(np.concatenate([[1.0], wealth]))[1:]
    return wealth / peak - 1.0


def drawdowns(returns: pd.Series | pd.DataFrame, top: int = 5, *, weights=None) -> DrawdownResult:
    """Drawdown analysis (Magdon-Ismail & Atiya 2004; empyrical ``max_drawdown``).

    .. math:: D_t = \\frac{W_t}{\\max_{s \\le t} W_s} - 1, \\qquad W_t = \\prod_{s \\le t}(1 + r_s)

    The running maximum includes the starting wealth of 1, so a loss on the first
    day is a drawdown (as in empyrical).
    """
    series = portfolio_returns(returns, weights)
    top = _check_positive_int(top, "number of drawdowns")
    values = series.to_numpy()
    uw = _underwater(values)
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


# --------------------------------------------------------------------------- performance
def _per_period_rate(rate, periods_per_year: int, index) -> np.ndarray | float:
    if isinstance(rate, pd.Series):
        return rate.reindex(index).fillna(0.0).to_numpy(dtype=float)
    return (1.0 + float(rate)) ** (1.0 / periods_per_year) - 1.0


def performance_summary(
    returns: pd.Series | pd.DataFrame,
    benchmark: pd.Series | None = None,
    risk_free_rate: float | pd.Series = 0.0,
    periods_per_year: int = 252,
    *,
    weights=None,
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
    ppy = _check_positive_int(periods_per_year, "periods per year")
    raw = series.to_numpy()
    mask = ~np.isnan(raw)
    r = raw[mask]
    n_all, n = raw.shape[0], r.shape[0]
    nan = float("nan")
    out: dict[str, float] = {}
    rf = _per_period_rate(risk_free_rate, ppy, series.index)
    rf_v = rf[mask] if isinstance(rf, np.ndarray) else rf
    x = r - rf_v
    total = float(np.prod(1.0 + r)) - 1.0 if n else nan
    out["total_return"] = total
    out["cagr"] = (1.0 + total) ** (ppy / n_all) - 1.0 if n and total > -1 else (-1.0 if n else nan)
    sd = float(np.std(r, ddof=1)) if n > 1 else nan
    out["volatility"] = sd * math.sqrt(ppy)
    sdx = float(np.std(x, ddof=1)) if n > 1 else nan
    mx = float(x.mean()) if n else nan
    out["sharpe"] = (
        (mx / sdx * math.sqrt(ppy) if sdx > 0 else (math.copysign(np.inf, mx) if mx else nan))
        if n > 1
        else nan
    )
    down = math.sqrt(float(np.mean(np.minimum(x, 0.0) ** 2))) * math.sqrt(ppy) if n else nan
    out["sortino"] = (mx * ppy / down if down > 0 else (np.inf if mx > 0 else nan)) if n > 1 else nan
    out["downside_deviation"] = down
    uw = _underwater(r) if n else np.array([nan])
    mdd = min(float(uw.min()), 0.0) if n else nan
    out["max_drawdown"] = mdd
    out["calmar"] = out["cagr"] / abs(mdd) if n > 1 and mdd < 0 else nan
    gains, losses = float(x[x > 0].sum()), float(-x[x < 0].sum())
    out["omega"] = gains / losses if n > 1 and losses > 0 else nan
    out["ulcer_index"] = math.sqrt(float(np.mean(uw**2))) if n else nan
    _, _, skew, kurt = _moments(r) if n > 3 else (nan, nan, nan, nan)
    out["skew"], out["kurtosis"] = skew, kurt
    out["var_95"] = float(_empirical_var(r, 0.95)) if n else nan
    out["cvar_95"] = float(_empirical_cvar(r, 0.95)) if n else nan
    nonzero = int(np.count_nonzero(r))
    out["hit_rate"] = float((r > 0).sum()) / nonzero if nonzero else nan
    out["best_day"] = float(r.max()) if n else nan
    out["worst_day"] = float(r.min()) if n else nan
    if benchmark is not None:
        out.update(_relative_stats(series, benchmark, rf, ppy))
    out["observations"] = float(n)
    return pd.Series(out, name=series.name if series.name is not None else "portfolio", dtype=float)


def _relative_stats(series: pd.Series, benchmark, rf, ppy: int) -> dict[str, float]:
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
    weights=None,
) -> pd.DataFrame:
    r"""Rolling annualised volatility, Sharpe ratio and (with a benchmark) beta.

    Over each trailing ``window``: ``volatility = s(r)\sqrt P``,
    ``sharpe = \bar x / s(x) \sqrt P`` and ``beta = cov(r, b) / var(b)``, the same
    definitions as :func:`performance_summary` (empyrical ``roll_*``). The first
    ``window - 1`` dates are NaN.
    """
    series = portfolio_returns(returns, weights)
    window = _check_positive_int(window, "rolling window", 2)
    if window > len(series):
        raise DataError(
            f"The rolling window of {window} days is longer than the {len(series)} days of history. "
            "Choose a shorter window or load more history.",
            code="window_too_long",
        )
    ppy = _check_positive_int(periods_per_year, "periods per year")
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


# --------------------------------------------------------------------------- decomposition
def _cov_frame(cov, tickers: Sequence[str] | None = None) -> pd.DataFrame:
    if not isinstance(cov, pd.DataFrame):
        arr = np.asarray(cov, dtype=float)
        if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
            raise DataError(
                f"The covariance must be a square matrix; got shape {arr.shape}.", code="bad_covariance"
            )
        names = (
            list(tickers)
            if tickers is not None and len(tickers) == arr.shape[0]
            else list(range(arr.shape[0]))
        )
        cov = pd.DataFrame(arr, index=names, columns=names)
    if list(cov.index) != list(cov.columns):
        cov = cov.reindex(index=cov.columns)
    values = cov.to_numpy(dtype=float)
    if np.isnan(values).any():
        bad = [str(c) for c in cov.columns[np.isnan(values).any(axis=0)]]
        raise DataError(f"The covariance has missing values for {', '.join(bad)}.", code="bad_covariance")
    if not np.allclose(values, values.T, atol=1e-12, rtol=1e-8):
        raise DataError("The covariance matrix is not symmetric.", code="bad_covariance")
    return cov


def risk_contributions(weights, cov) -> pd.DataFrame:
    r"""Euler decomposition of portfolio volatility (Tasche 1999; Roncalli 2013, ch. 2).

    .. math:: \sigma_p = \sqrt{w'\Sigma w},\quad \mathrm{MRC}_i = \frac{(\Sigma w)_i}{\sigma_p},
              \quad \mathrm{RC}_i = w_i\,\mathrm{MRC}_i,\quad \sum_i \mathrm{RC}_i = \sigma_p

    Returns a DataFrame indexed by ticker with ``weight``, ``marginal``, ``component``
    (volatility units, summing to the portfolio volatility) and ``percent`` (sums to 1).
    Volatility is in the units of ``cov`` (annualise the covariance for annual figures).
    """
    cov = _cov_frame(cov, list(weights.index) if isinstance(weights, pd.Series) else None)
    tickers = list(cov.columns)
    w = _as_weights(weights, tickers)
    sigma = cov.to_numpy(dtype=float)
    sw = sigma @ w
    var = float(w @ sw)
    if var <= 0:
        raise DataError(
            "The portfolio has zero variance: risk contributions are undefined.", code="zero_risk"
        )
    vol = math.sqrt(var)
    marginal = sw / vol
    component = w * marginal
    frame = pd.DataFrame(
        {"weight": w, "marginal": marginal, "component": component, "percent": component / vol},
        index=pd.Index(tickers, name="ticker"),
    )
    frame.attrs["total"] = vol
    return frame


def tail_risk_contributions(
    returns: pd.DataFrame,
    weights,
    level: float = 0.95,
    measure: str = "cvar",
    method: str = "gaussian",
) -> pd.DataFrame:
    r"""Euler contributions of each asset to the portfolio VaR or CVaR.

    Components add up exactly to the portfolio measure of the same method
    (:func:`value_at_risk` / :func:`conditional_value_at_risk`, one-period):

    * ``gaussian``: with ``z = \Phi^{-1}(\alpha)``, ``\sigma_p = \sqrt{w'\Sigma w}``,
      ``\partial\mathrm{VaR}/\partial w_i = -\mu_i + z(\Sigma w)_i/\sigma_p`` and
      ``\partial\mathrm{CVaR}/\partial w_i = -\mu_i + \varphi(z)/(1-\alpha)\,(\Sigma w)_i/\sigma_p``;
    * ``historical``: the VaR contribution is ``-w_i r_{i,t^*}`` on the scenario
      ``t^*`` that sets the empirical VaR; the CVaR contribution is
      ``-w_i \sum_t p_t r_{i,t}`` with the Acerbi-Tasche tail weights ``p_t``
      (Tasche 1999; McNeil et al. 2015, sec. 8.5).

    Returns ``weight``, ``marginal``, ``component`` (sums to the measure) and
    ``percent`` (sums to 1), indexed by ticker; ``attrs["total"]`` is the measure.
    """
    level = _check_level(level)
    if measure not in ("var", "cvar"):
        raise DataError(f"Unknown measure {measure!r}: choose 'var' or 'cvar'.", code="unknown_method")
    if method not in ("gaussian", "historical"):
        raise DataError(
            f"Contributions are computed with method 'gaussian' or 'historical', not {method!r}.",
            code="unknown_method",
        )
    frame = _as_frame(returns)
    tickers = list(frame.columns)
    w = _as_weights(weights, tickers)
    data = frame.to_numpy(dtype=float)
    data = data[~np.isnan(data).any(axis=1)]
    if data.shape[0] < 3:
        raise DataError("At least 3 dates with returns for every asset are needed.", code="too_short")
    if method == "gaussian":
        mu = data.mean(axis=0)
        sigma = np.atleast_2d(np.cov(data, rowvar=False))
        sw = sigma @ w
        vol = math.sqrt(max(float(w @ sw), 0.0))
        if vol == 0:
            raise DataError("The portfolio has zero variance: contributions are undefined.", code="zero_risk")
        z = float(stats.norm.ppf(level))
        factor = z if measure == "var" else float(stats.norm.pdf(z)) / (1.0 - level)
        marginal = -mu + factor * sw / vol
    else:
        port = data @ w
        i_var, probs, _ = _tail_weights(port, level)
        marginal = -data[i_var] if measure == "var" else -(probs @ data)
    component = w * marginal
    total = float(component.sum())
    out = pd.DataFrame(
        {
            "weight": w,
            "marginal": marginal,
            "component": component,
            "percent": component / total if total != 0 else np.nan,
        },
        index=pd.Index(tickers, name="ticker"),
    )
    out.attrs["total"] = total
    return out


def aggregate_by_sector(contributions: pd.DataFrame, sector_map: Mapping | pd.Series) -> pd.DataFrame:
    """Sum ``weight``, ``component`` and ``percent`` by sector (Euler components add up).

    ``marginal`` of a sector is its component per unit of weight (``component / weight``).
    Tickers missing from ``sector_map`` go to ``"Unclassified"``.
    """
    sectors = pd.Series(sector_map, dtype=object) if not isinstance(sector_map, pd.Series) else sector_map
    labels = sectors.reindex(contributions.index).fillna("Unclassified").astype(object).to_numpy()
    cols = [c for c in ("weight", "component", "percent") if c in contributions.columns]
    grouped = contributions[cols].groupby(labels).sum()
    grouped.index.name = "sector"
    if "weight" in grouped and "component" in grouped:
        with np.errstate(divide="ignore", invalid="ignore"):
            grouped.insert(
                1,
                "marginal",
                np.where(grouped["weight"] != 0, grouped["component"] / grouped["weight"], np.nan),
            )
    grouped.attrs.update(contributions.attrs)
    return grouped.sort_values("component", ascending=False)


# --------------------------------------------------------------------------- stress tests
@dataclass(frozen=True)
class Scenario:
    """A historical stress window replayed on current weights (closes from ``start`` to ``end``)."""

    name: str
    start: str
    end: str
    description: str = ""


#: Historical stress windows (S&P 500 peak-to-trough dates unless stated). Edit by
#: passing your own list of :class:`Scenario` to :func:`stress_test`.
SCENARIOS: tuple[Scenario, ...] = (
    Scenario("Dot-com bust", "2000-03-24", "2002-10-09", "S&P 500 peak of 24 Mar 2000 to the Oct 2002 low"),
    Scenario("9/11", "2001-09-10", "2001-09-21", "Last close before the attacks to the 21 Sep 2001 low"),
    Scenario(
        "Global financial crisis", "2007-10-09", "2009-03-09", "S&P 500 peak of Oct 2007 to Mar 2009 low"
    ),
    Scenario("2011 US downgrade", "2011-07-22", "2011-10-03", "Debt-ceiling standoff and S&P's downgrade"),
    Scenario("COVID-19 crash", "2020-02-19", "2020-03-23", "S&P 500 peak of 19 Feb 2020 to 23 Mar 2020 low"),
    Scenario(
        "2022 rate shock", "2022-01-03", "2022-10-12", "Fed hiking cycle: Jan 2022 peak to Oct 2022 low"
    ),
)


def _default_prices(prices, benchmark):
    if prices is None:
        from .data import load_dataset

        ds = load_dataset("sp500")
        return ds.prices, (ds.benchmark if benchmark is None else benchmark)
    return prices, benchmark


def _as_scenarios(scenarios) -> list[Scenario]:
    if scenarios is None:
        return list(SCENARIOS)
    out = []
    for s in scenarios:
        if isinstance(s, Scenario):
            out.append(s)
        elif isinstance(s, Mapping):
            out.append(
                Scenario(
                    str(s.get("name", "custom")),
                    str(s["start"]),
                    str(s["end"]),
                    str(s.get("description", "")),
                )
            )
        else:
            name, start, end = s[:3]
            out.append(Scenario(str(name), str(start), str(end)))
    for s in out:
        try:
            a, b = pd.Timestamp(s.start), pd.Timestamp(s.end)
        except (ValueError, TypeError):
            raise DataError(
                f"Scenario {s.name!r}: {s.start!r} or {s.end!r} is not a date.", code="bad_date"
            ) from None
        if b <= a:
            raise DataError(
                f"Scenario {s.name!r} ends ({s.end}) before it starts ({s.start}).", code="bad_date"
            )
    return out


def _window(index: pd.DatetimeIndex, start: str, end: str) -> tuple[int, int] | None:
    i0 = int(index.searchsorted(pd.Timestamp(start), side="left"))
    i1 = int(index.searchsorted(pd.Timestamp(end), side="right")) - 1
    if i0 >= len(index) or i1 <= i0:
        return None
    return i0, i1


def _buy_and_hold(prices: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Wealth path (starting at 1) of weights ``w`` bought at the first row and held."""
    rel = prices / prices[0]
    ok = np.isfinite(rel)
    rel = np.where(ok, rel, 1.0)
    return rel @ w + (1.0 - w.sum())


def stress_test(
    weights,
    scenarios: Iterable[Scenario] | None = None,
    *,
    prices: pd.DataFrame | None = None,
    benchmark: pd.Series | None = None,
    portfolio_value: float = 1.0,
) -> pd.DataFrame:
    """Replay historical windows on the current weights (buy and hold from the first close).

    For each scenario, the portfolio return is ``sum_i w_i (P_i,end / P_i,start - 1)``
    over the trading days from ``start`` to ``end`` (both snapped into the history),
    compared with the benchmark's return over the same days. Assets with no price at
    the window start (listed later) contribute nothing; ``coverage`` is the share of
    absolute weight priced, and ``note`` names the assets left out.

    Returns one row per scenario: ``start``, ``end``, ``days``, ``portfolio_return``,
    ``benchmark_return``, ``relative`` (portfolio minus benchmark), ``portfolio_loss``
    (in money for ``portfolio_value``), ``portfolio_max_drawdown``,
    ``benchmark_max_drawdown``, ``coverage`` and ``note``. Windows outside the price
    history give NaN with a note.
    """
    prices, benchmark = _default_prices(prices, benchmark)
    w = _as_weights(weights, list(prices.columns))
    tickers = np.asarray(prices.columns)
    index = pd.DatetimeIndex(prices.index)
    bvals = benchmark.reindex(index).to_numpy(dtype=float) if benchmark is not None else None
    pvals = prices.to_numpy(dtype=float)
    gross = float(np.abs(w).sum())
    rows = {}
    for sc in _as_scenarios(scenarios):
        span = _window(index, sc.start, sc.end)
        row = {
            "start": pd.NaT, "end": pd.NaT, "days": 0, "portfolio_return": np.nan, "benchmark_return": np.nan,
            "relative": np.nan, "portfolio_loss": np.nan, "portfolio_max_drawdown": np.nan,
            "benchmark_max_drawdown": np.nan, "coverage": 0.0, "note": "",
        }  # fmt: skip
        if span is None:
            row["note"] = (
                f"No price history between {sc.start} and {sc.end} "
                f"(data covers {index[0].date()} to {index[-1].date()})."
            )
            rows[sc.name] = row
            continue
        i0, i1 = span
        block = pvals[i0 : i1 + 1]
        priced = np.isfinite(block[0])
        missing = [str(t) for t in tickers[(~priced) & (w != 0)]]
        wp = np.where(priced, w, 0.0)
        path = _buy_and_hold(np.where(priced, block, np.nan), wp)
        ret = float(path[-1] - 1.0)
        row.update(
            start=index[i0], end=index[i1], days=int(i1 - i0), portfolio_return=ret,
            portfolio_loss=-ret * portfolio_value,
            portfolio_max_drawdown=float(np.min(path / np.maximum.accumulate(path) - 1.0)),
            coverage=float(np.abs(wp).sum() / gross) if gross else 0.0,
        )  # fmt: skip
        if missing:
            row["note"] = f"No prices at the start for {', '.join(missing)}: counted as cash."
        if bvals is not None:
            bb = bvals[i0 : i1 + 1]
            if np.isfinite(bb[0]) and np.isfinite(bb[-1]):
                row["benchmark_return"] = float(bb[-1] / bb[0] - 1.0)
                row["relative"] = ret - row["benchmark_return"]
                bpath = pd.Series(bb).ffill().to_numpy()
                row["benchmark_max_drawdown"] = float(np.min(bpath / np.maximum.accumulate(bpath) - 1.0))
        rows[sc.name] = row
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "scenario"
    return frame


def scenario_paths(
    weights,
    scenario: Scenario | str,
    *,
    prices: pd.DataFrame | None = None,
    benchmark: pd.Series | None = None,
) -> pd.DataFrame:
    """Daily wealth (starting at 1) of the portfolio and the benchmark through one scenario.

    ``scenario`` is a :class:`Scenario` or the name of one in :data:`SCENARIOS`.
    Returns a DataFrame indexed by date with columns ``portfolio`` and ``benchmark``.
    """
    if isinstance(scenario, str):
        found = [s for s in SCENARIOS if s.name == scenario]
        if not found:
            raise DataError(
                f"Unknown scenario {scenario!r}: choose one of {', '.join(s.name for s in SCENARIOS)}.",
                code="unknown_scenario",
            )
        scenario = found[0]
    prices, benchmark = _default_prices(prices, benchmark)
    w = _as_weights(weights, list(prices.columns))
    index = pd.DatetimeIndex(prices.index)
    span = _window(index, scenario.start, scenario.end)
    if span is None:
        raise DataError(
            f"Scenario {scenario.name!r} ({scenario.start} to {scenario.end}) is outside the price history "
            f"({index[0].date()} to {index[-1].date()}).",
            code="no_history",
        )
    i0, i1 = span
    block = prices.to_numpy(dtype=float)[i0 : i1 + 1]
    priced = np.isfinite(block[0])
    path = _buy_and_hold(np.where(priced, block, np.nan), np.where(priced, w, 0.0))
    out = pd.DataFrame({"portfolio": path}, index=index[i0 : i1 + 1])
    if benchmark is not None:
        b = benchmark.reindex(out.index).ffill()
        out["benchmark"] = (b / b.iloc[0]).to_numpy()
    return out


@dataclass(frozen=True)
class ShockResult:
    """A hypothetical scenario propagated through the covariance.

    ``pnl``: DataFrame by ticker with ``sector``, ``weight``, ``shocked`` (True where the
    move was imposed), ``asset_return`` (imposed or conditional expected return) and
    ``pnl`` (``weight * asset_return * portfolio_value``). ``portfolio_return`` and
    ``portfolio_pnl`` are their totals; ``factor_shocks`` the moves that were imposed.
    """

    pnl: pd.DataFrame
    portfolio_return: float
    portfolio_pnl: float
    factor_shocks: pd.Series
    notes: tuple[str, ...] = field(default_factory=tuple)


def hypothetical_shock(
    weights,
    cov,
    shocks: Mapping[str, float],
    sector_map: Mapping | pd.Series | None = None,
    *,
    market_weights=None,
    portfolio_value: float = 1.0,
) -> ShockResult:
    r"""Propagate shocks on assets, sectors or the market to every asset.

    Each shock fixes the return of a factor ``f_k = a_k' r``: a ticker (``a_k`` a unit
    vector), a sector (equal weights over its members in ``sector_map``) or
    ``"market"`` (``market_weights``, default equal weights). With ``A`` stacking the
    ``a_k`` and ``r ~ N(0, \Sigma)`` over the shock horizon, the other assets move by the
    conditional expectation of the multivariate normal (Meucci 2005, *Risk and Asset
    Allocation*, sec. 2.6; Kupiec 1998, "Stress testing in a value at risk framework"):

    .. math:: E[r \mid A r = s] = \Sigma A' (A \Sigma A')^{-1} s

    so a ticker shocked directly gets exactly its shock. Keys are matched to tickers
    first, then sectors, then ``"market"`` (case-insensitive). Shocks that the
    covariance makes contradictory (for example the market and every sector at once
    with different averages) raise :class:`DataError`.
    """
    cov = _cov_frame(cov, list(weights.index) if isinstance(weights, pd.Series) else None)
    tickers = [str(t) for t in cov.columns]
    w = _as_weights(weights, list(cov.columns))
    sigma = cov.to_numpy(dtype=float)
    sectors = None
    if sector_map is not None:
        sectors = pd.Series(sector_map, dtype=object) if not isinstance(sector_map, pd.Series) else sector_map
        sectors = sectors.reindex(cov.columns).fillna("Unclassified").astype(str)
    by_ticker = {t.upper(): i for i, t in enumerate(tickers)}
    sector_names = {s.upper(): s for s in sectors.unique()} if sectors is not None else {}
    rows, values, labels = [], [], []
    for key, value in shocks.items():
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise DataError(f"The shock for {key!r} is not a number: {value!r}.", code="bad_shock") from None
        if not math.isfinite(v) or v <= -1.0:
            raise DataError(
                f"The shock for {key!r} ({v:g}) must be a finite return above -100%.", code="bad_shock"
            )
        k = str(key).strip()
        a = np.zeros(len(tickers))
        if k.upper() in by_ticker:
            a[by_ticker[k.upper()]] = 1.0
        elif k.upper() in sector_names:
            members = (sectors == sector_names[k.upper()]).to_numpy()
            a[members] = 1.0 / members.sum()
            k = sector_names[k.upper()]
        elif k.lower() == "market":
            if market_weights is None:
                a[:] = 1.0 / len(tickers)
            else:
                mw = _as_weights(market_weights, list(cov.columns))
                a = mw / mw.sum()
            k = "market"
        else:
            known = "tickers" + (", sectors" if sectors is not None else "") + " or 'market'"
            raise DataError(
                f"Unknown shock {key!r}: it is neither a ticker nor a sector of this portfolio. Use {known}"
                + (f" (sectors: {', '.join(sorted(sectors.unique()))})." if sectors is not None else "."),
                code="unknown_shock",
            )
        rows.append(a)
        values.append(v)
        labels.append(k)
    notes: list[str] = []
    if not rows:
        expected = np.zeros(len(tickers))
        shocked = np.zeros(len(tickers), dtype=bool)
    else:
        A = np.vstack(rows)
        s = np.asarray(values)
        S = A @ sigma @ A.T
        lam, *_ = np.linalg.lstsq(S, s, rcond=None)
        resid = S @ lam - s
        if np.max(np.abs(resid)) > 1e-9 * max(1.0, np.max(np.abs(s))):
            raise DataError(
                "These shocks contradict each other: "
                + ", ".join(f"{lab} {val:+.1%}" for lab, val in zip(labels, values, strict=True))
                + " cannot all hold (for example the market is the average of its sectors, or an asset is "
                "shocked alone and through its sector). Remove one of them.",
                code="conflicting_shocks",
            )
        expected = sigma @ A.T @ lam
        shocked = np.zeros(len(tickers), dtype=bool)
        for a, lab in zip(rows, labels, strict=True):
            if lab.upper() in by_ticker and np.count_nonzero(a) == 1:
                shocked |= a != 0
        if np.linalg.matrix_rank(S) < S.shape[0]:
            notes.append("Some shocks were implied by others; they were kept consistent.")
    pnl = w * expected * portfolio_value
    frame = pd.DataFrame(
        {
            "sector": sectors.to_numpy() if sectors is not None else "",
            "weight": w,
            "shocked": shocked,
            "asset_return": expected,
            "pnl": pnl,
        },
        index=pd.Index(tickers, name="ticker"),
    )
    return ShockResult(
        pnl=frame,
        portfolio_return=float(w @ expected),
        portfolio_pnl=float(pnl.sum()),
        factor_shocks=pd.Series(values, index=labels, dtype=float, name="shock"),
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------- VaR backtests
@dataclass(frozen=True)
class TestResult:
    """A likelihood-ratio test: ``statistic`` ~ chi-squared(``dof``) under the null,
    ``pvalue``, ``critical_value`` at ``significance`` and ``reject`` (True when the
    model is rejected)."""

    name: str
    statistic: float
    pvalue: float
    dof: int
    critical_value: float
    reject: bool
    significance: float = 0.05


def _xlogy(x: float, y: float) -> float:
    return 0.0 if x == 0 else x * math.log(y)


def _lr_result(name: str, stat: float, dof: int, significance: float) -> TestResult:
    stat = max(float(stat), 0.0)
    crit = float(stats.chi2.ppf(1.0 - significance, dof))
    return TestResult(name, stat, float(stats.chi2.sf(stat, dof)), dof, crit, bool(stat > crit), significance)


def _check_counts(exceptions, observations) -> tuple[int, int]:
    x = _check_positive_int(exceptions, "number of exceptions", 0)
    t = _check_positive_int(observations, "number of observations", 1)
    if x > t:
        raise DataError(f"{x} exceptions cannot exceed the {t} observations.", code="bad_counts")
    return x, t


def kupiec_test(
    exceptions: int, observations: int, level: float = 0.99, significance: float = 0.05
) -> TestResult:
    r"""Kupiec (1995) proportion-of-failures test of unconditional coverage.

    With ``p = 1 - level``, ``x`` exceptions in ``T`` days and ``\hat p = x/T``:

    .. math:: LR_{uc} = -2\ln\frac{(1-p)^{T-x}p^x}{(1-\hat p)^{T-x}\hat p^x} \sim \chi^2_1

    Jorion (2007), Table 6-2 lists the resulting 95% non-rejection regions.
    """
    level = _check_level(level)
    x, t = _check_counts(exceptions, observations)
    p, ph = 1.0 - level, x / t
    ll0 = _xlogy(t - x, 1 - p) + _xlogy(x, p)
    ll1 = _xlogy(t - x, 1 - ph) + _xlogy(x, ph)
    return _lr_result("kupiec_pof", -2.0 * (ll0 - ll1), 1, significance)


def _transitions(hits) -> tuple[int, int, int, int]:
    h = np.asarray(hits, dtype=bool).ravel()
    prev, nxt = h[:-1], h[1:]
    n00 = int(np.sum(~prev & ~nxt))
    n01 = int(np.sum(~prev & nxt))
    n10 = int(np.sum(prev & ~nxt))
    n11 = int(np.sum(prev & nxt))
    return n00, n01, n10, n11


def christoffersen_test(
    hits,
    level: float = 0.99,
    significance: float = 0.05,
    kind: str = "independence",
) -> TestResult:
    r"""Christoffersen (1998) Markov test of independence (or conditional coverage).

    From the transition counts ``n_ij`` of the exception indicator (``i`` yesterday,
    ``j`` today), ``\pi_{01} = n_{01}/(n_{00}+n_{01})``, ``\pi_{11} = n_{11}/(n_{10}+n_{11})``,
    ``\pi = (n_{01}+n_{11})/\sum n_{ij}``:

    .. math:: LR_{ind} = -2\ln\frac{(1-\pi)^{n_{00}+n_{10}}\pi^{n_{01}+n_{11}}}
              {(1-\pi_{01})^{n_{00}}\pi_{01}^{n_{01}}(1-\pi_{11})^{n_{10}}\pi_{11}^{n_{11}}} \sim \chi^2_1

    ``kind="conditional_coverage"`` returns ``LR_{cc} = LR_{uc} + LR_{ind} \sim \chi^2_2``
    (with Kupiec's ``LR_uc`` on the same ``T - 1`` transitions' days).
    """
    level = _check_level(level)
    h = np.asarray(hits, dtype=bool).ravel()
    if h.size < 2:
        raise DataError("The independence test needs at least 2 days of exceptions.", code="too_short")
    n00, n01, n10, n11 = _transitions(h)
    pi01 = n01 / (n00 + n01) if n00 + n01 else 0.0
    pi11 = n11 / (n10 + n11) if n10 + n11 else 0.0
    pi = (n01 + n11) / (n00 + n01 + n10 + n11)
    ll0 = _xlogy(n00 + n10, 1 - pi) + _xlogy(n01 + n11, pi)
    ll1 = _xlogy(n00, 1 - pi01) + _xlogy(n01, pi01) + _xlogy(n10, 1 - pi11) + _xlogy(n11, pi11)
    lr_ind = -2.0 * (ll0 - ll1)
    if kind == "independence":
        return _lr_result("christoffersen_independence", lr_ind, 1, significance)
    if kind == "conditional_coverage":
        uc = kupiec_test(n01 + n11, n00 + n01 + n10 + n11, level, significance)
        return _lr_result("christoffersen_conditional_coverage", uc.statistic + lr_ind, 2, significance)
    raise DataError(
        f"Unknown test kind {kind!r}: choose 'independence' or 'conditional_coverage'.", code="unknown_method"
    )


#: Basel (1996) Table 2 plus factors for 250 observations at 99%, by number of exceptions.
_BASEL_PLUS = {0: 0.0, 1: 0.0, 2: 0.0, 3: 0.0, 4: 0.0, 5: 0.40, 6: 0.50, 7: 0.65, 8: 0.75, 9: 0.85}


def basel_zones(
    observations: int = 250, level: float = 0.99, max_exceptions: int | None = None
) -> pd.DataFrame:
    """The Basel traffic-light table: zone and cumulative binomial probability by exceptions.

    Zones follow the Basel Committee (1996), Table 2: green while the cumulative
    probability ``P(X <= x)`` of ``X ~ Binomial(T, 1 - level)`` is below 95%, yellow below
    99.99%, red from there. For 250 days at 99% this gives green 0-4, yellow 5-9 and red
    10+; ``plus_factor`` is the capital multiplier add-on of that table (NaN elsewhere).
    """
    level = _check_level(level)
    t = _check_positive_int(observations, "number of observations", 1)
    top = t if max_exceptions is None else min(t, int(max_exceptions))
    x = np.arange(top + 1)
    cum = stats.binom.cdf(x, t, 1.0 - level)
    zone = np.where(cum < 0.95 - 1e-12, "green", np.where(cum < 0.9999 - 1e-12, "yellow", "red"))
    standard = t == 250 and abs(level - 0.99) < 1e-12
    plus = [(_BASEL_PLUS.get(int(k), 1.0) if standard else np.nan) for k in x]
    frame = pd.DataFrame(
        {"zone": zone, "cumulative_probability": cum, "plus_factor": plus},
        index=pd.Index(x, name="exceptions"),
    )
    return frame


def traffic_light(exceptions: int, observations: int = 250, level: float = 0.99) -> str:
    """Basel traffic-light zone, ``"green"``, ``"yellow"`` or ``"red"`` (Basel Committee 1996).

    250 days at 99%: green 0-4 exceptions, yellow 5-9, red 10 or more. Other sample
    sizes and levels use the same cumulative-probability cut-offs (95%, 99.99%).
    """
    level = _check_level(level)
    x, t = _check_counts(exceptions, observations)
    cum = float(stats.binom.cdf(x, t, 1.0 - level))
    if cum < 0.95 - 1e-12:
        return "green"
    if cum < 0.9999 - 1e-12:
        return "yellow"
    return "red"


@dataclass(frozen=True)
class VaRBacktest:
    """Rolling out-of-sample VaR forecasts against realised returns.

    ``frame``: by date, ``return`` (realised), ``var`` (forecast made with the previous
    ``window`` days only, a positive loss) and ``exception`` (``return < -var``).
    ``kupiec``, ``independence`` and ``conditional_coverage`` are :class:`TestResult`;
    ``zone`` the traffic light for the whole sample (``zone_last_250`` for the latest
    250 days, as supervisors read it).
    """

    frame: pd.DataFrame
    exceptions: int
    observations: int
    expected_exceptions: float
    kupiec: TestResult
    independence: TestResult
    conditional_coverage: TestResult
    zone: str
    zone_last_250: str
    level: float
    method: str
    window: int


def _rolling_forecasts(values: np.ndarray, window: int, level: float, method: str) -> np.ndarray:
    """VaR forecast for day ``t`` from days ``t - window .. t - 1`` (no look-ahead)."""
    views = np.lib.stride_tricks.sliding_window_view(values[:-1], window)  # row j: days j .. j+window-1
    p = 1.0 - level
    if method == "historical":
        return _empirical_var(views.T, level)
    mu = views.mean(axis=1)
    sd = views.std(axis=1, ddof=1)
    z = float(stats.norm.ppf(p))
    if method == "gaussian":
        return -(mu + sd * z)
    if method == "cornish_fisher":
        d = views - mu[:, None]
        m2 = np.mean(d**2, axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            g1 = np.mean(d**3, axis=1) / m2**1.5
            g2 = np.mean(d**4, axis=1) / m2**2 - 3.0
        w = window
        skew = np.nan_to_num(g1 * math.sqrt(w * (w - 1)) / (w - 2))
        kurt = np.nan_to_num((w - 1) / ((w - 2) * (w - 3)) * ((w + 1) * g2 + 6.0))
        zc = z + (z**2 - 1) * skew / 6 + (z**3 - 3 * z) * kurt / 24 - (2 * z**3 - 5 * z) * skew**2 / 36
        return -(mu + sd * zc)
    # monte_carlo: bootstrap-free normal simulation per window (small, seeded)
    rng = np.random.default_rng(0)
    draws = rng.standard_normal(5_000)
    q = _empirical_var(draws, level)
    return -mu + sd * q


def var_backtest(
    returns: pd.Series | pd.DataFrame,
    window: int = 250,
    level: float = 0.99,
    method: str = "historical",
    *,
    weights=None,
    significance: float = 0.05,
) -> VaRBacktest:
    """Walk-forward one-day VaR backtest with Kupiec, Christoffersen and the Basel zone.

    The VaR for day ``t`` is estimated from the ``window`` returns before ``t`` only
    (out of sample), by ``method`` (see :func:`value_at_risk`; ``monte_carlo`` uses a
    seeded standard-normal sample of 5,000 draws scaled by each window's mean and
    volatility). An exception is a realised return below ``-VaR``.
    """
    level = _check_level(level)
    method = _check_method(method)
    series = portfolio_returns(returns, weights)
    window = _check_positive_int(window, "backtest window", 10)
    if window >= len(series):
        raise DataError(
            f"The backtest window of {window} days is not shorter than the {len(series)} days of history: "
            "no day is left to test. Choose a shorter window or load more history.",
            code="window_too_long",
        )
    values = series.to_numpy()
    var = np.asarray(_rolling_forecasts(values, window, level, method), dtype=float)
    realised = values[window:]
    hits = realised < -var
    frame = pd.DataFrame({"return": realised, "var": var, "exception": hits}, index=series.index[window:])
    x, t = int(hits.sum()), int(hits.size)
    last = hits[-250:]
    return VaRBacktest(
        frame=frame,
        exceptions=x,
        observations=t,
        expected_exceptions=t * (1.0 - level),
        kupiec=kupiec_test(x, t, level, significance),
        independence=christoffersen_test(hits, level, significance),
        conditional_coverage=christoffersen_test(hits, level, significance, kind="conditional_coverage"),
        zone=traffic_light(x, t, level),
        zone_last_250=traffic_light(int(last.sum()), int(last.size), level),
        level=level,
        method=method,
        window=window,
    )


# --------------------------------------------------------------------------- regimes
@dataclass(frozen=True)
class RegimeResult:
    """Market regimes detected walk-forward.

    ``states``: by date, the regime number (0 = the lowest mean volatility feature of the
    model in force that day, up to ``n_regimes - 1`` = the highest; -1 before the first
    fit), decided with past data only. ``labels``: the state's name, ``"bull quiet"``,
    ``"bull volatile"``, ``"bear quiet"``, ``"bear volatile"`` (or ``"warm-up"``), given
    from the realised statistics of the days in the state (see :func:`detect_regimes`).
    ``features``: the rolling annualised return and volatility used. ``probabilities``: the
    posterior probability of the assigned state. ``stats``: per label, ``days``, ``share``,
    the realised statistics of the portfolio on those days, ``annual_return`` (mean x P,
    the column bull/bear is judged by), ``volatility`` (the column quiet/volatile is
    judged by), ``sharpe``, ``hit_rate``, ``max_drawdown`` (within the label's days strung
    together) and ``avg_spell`` (mean run length in days), and the mean of the defining
    features over those days, ``feature_return`` and ``feature_volatility``.
    ``fit_dates``: the dates each model was fitted.
    """

    labels: pd.Series
    probabilities: pd.Series
    features: pd.DataFrame
    stats: pd.DataFrame
    fit_dates: tuple[pd.Timestamp, ...]
    states: pd.Series | None = None


def _regime_names(annual_return: np.ndarray, volatility: np.ndarray) -> list[str]:
    """Name regimes from their realised statistics: ``bull`` when the annualised mean
    return is positive, else ``bear``; ``volatile`` when the volatility is above the
    median over regimes (with two regimes: the higher one), else ``quiet``. A name two
    regimes would share gets a number in volatility order (``"bull quiet 1"``)."""
    cut = np.median(volatility)
    top = volatility.max()
    names = []
    for ret, vol in zip(annual_return, volatility, strict=True):
        trend = "bull" if ret > 0 else "bear"
        calm = "volatile" if (vol > cut or (len(volatility) == 2 and vol == top)) else "quiet"
        names.append(f"{trend} {calm}")
    order = np.argsort(volatility, kind="stable")
    for name in set(names):
        same = [i for i in order if names[i] == name]
        if len(same) > 1:
            for rank, i in enumerate(same, start=1):
                names[i] = f"{name} {rank}"
    return names


def _regime_stats(r: np.ndarray, feats: np.ndarray, mask: np.ndarray, warm: int, ppy: int) -> dict[str, float]:
    """Realised statistics of the days in ``mask`` and the mean of their features."""
    rr = r[mask]
    run_starts = np.sum(mask & ~np.concatenate([[False], mask[:-1]]))
    sd_r = float(np.std(rr, ddof=1)) if rr.size > 1 else float("nan")
    return {
        "days": int(mask.sum()),
        "share": float(mask.sum() / warm),
        "annual_return": float(rr.mean() * ppy),
        "volatility": sd_r * math.sqrt(ppy),
        "sharpe": float(rr.mean()) / sd_r * math.sqrt(ppy) if sd_r > 0 else float("nan"),
        "hit_rate": float((rr > 0).mean()),
        "max_drawdown": float(min(_underwater(rr).min(), 0.0)),
        "avg_spell": float(mask.sum() / run_starts) if run_starts else float("nan"),
        "feature_return": float(np.nanmean(feats[mask, 0])),
        "feature_volatility": float(np.nanmean(feats[mask, 1])),
    }


def detect_regimes(
    returns: pd.Series | pd.DataFrame,
    *,
    window: int = 21,
    n_regimes: int = 2,
    min_train: int = 504,
    refit_every: int = 252,
    periods_per_year: int = 252,
    weights=None,
    seed: int = 0,
) -> RegimeResult:
    """Bull/bear and quiet/volatile regimes from a Gaussian mixture, without look-ahead.

    Features at date ``t`` are the trailing ``window``-day annualised mean return and
    volatility (returns up to ``t`` only). A scikit-learn ``GaussianMixture``
    (Dempster, Laird & Rubin 1977 EM; regime view of Hamilton 1989) with ``n_regimes``
    components is fitted on standardised features **up to a refit date** and assigns
    the following ``refit_every`` days; it is then refitted on the expanding history
    (walk forward). The first fit needs ``min_train`` days of features; earlier dates
    are ``"warm-up"``. Each model's components are numbered by their mean volatility
    feature (state 0 the calmest), so a state means the same across refits. The state
    of any date never depends on later data: truncating the history leaves earlier
    states unchanged.

    Each state is then **named from the realised statistics of the days assigned to
    it**, the numbers of ``stats``: ``bull`` if their annualised mean return is
    positive, else ``bear``; ``volatile`` if their volatility is above the median over
    states, else ``quiet``. So a label always agrees with the table (the mixture's own
    component means, on trailing features, can disagree with the days' returns); the
    names describe the analysed period as a whole, and ``feature_return`` /
    ``feature_volatility`` show the trailing features that defined the states.
    """
    from sklearn.mixture import GaussianMixture
    from threadpoolctl import threadpool_limits

    series = portfolio_returns(returns, weights)
    window = _check_positive_int(window, "feature window", 2)
    n_regimes = _check_positive_int(n_regimes, "number of regimes", 2)
    if n_regimes > 4:
        raise DataError("Use at most 4 regimes (bull/bear x quiet/volatile).", code="bad_parameter")
    min_train = _check_positive_int(min_train, "training length", 50)
    refit_every = _check_positive_int(refit_every, "refit interval", 1)
    ppy = _check_positive_int(periods_per_year, "periods per year")
    if window + min_train > len(series):
        raise DataError(
            f"Regime detection needs {window + min_train} days ({window}-day features plus {min_train} "
            f"days of training) but the history has {len(series)}. Load more history or lower min_train.",
            code="window_too_long",
        )
    roll = series.rolling(window)
    feats = pd.DataFrame({"return": roll.mean() * ppy, "volatility": roll.std() * math.sqrt(ppy)}).dropna()
    X = feats.to_numpy()
    n = X.shape[0]
    states = np.full(n, -1, dtype=int)
    probs = np.full(n, np.nan)
    fit_dates = []
    start = min_train
    first = True
    with threadpool_limits(limits=1):  # 2 x 2 matrices: BLAS threads only add overhead
        while start < n:
            train = X[:start]
            mu, sd = train.mean(axis=0), train.std(axis=0)
            sd = np.where(sd > 0, sd, 1.0)
            gm = GaussianMixture(
                n_components=n_regimes, covariance_type="full", random_state=seed, reg_covar=1e-6
            )
            gm.fit((train - mu) / sd)
            rank = np.empty(n_regimes, dtype=int)
            rank[np.argsort(gm.means_[:, 1], kind="stable")] = np.arange(n_regimes)
            stop = min(n, start + refit_every)
            # the first model also labels the last training date (its features use no later data)
            lo = start - 1 if first else start
            post = gm.predict_proba((X[lo:stop] - mu) / sd)
            states[lo:stop] = rank[post.argmax(axis=1)]
            probs[lo:stop] = post.max(axis=1)
            fit_dates.append(feats.index[start - 1])
            first = False
            start = stop
    state = pd.Series(states, index=feats.index, name="state").reindex(series.index).fillna(-1).astype(int)
    prob = pd.Series(probs, index=feats.index, name="probability").reindex(series.index)
    r = series.to_numpy()
    sv = state.to_numpy()
    fx = feats.reindex(series.index).to_numpy()
    present = sorted(set(sv) - {-1})
    warm = int((sv != -1).sum())
    rows = [_regime_stats(r, fx, sv == k, warm, ppy) for k in present]
    names = _regime_names(np.array([q["annual_return"] for q in rows]), np.array([q["volatility"] for q in rows]))
    label_of = dict(zip(present, names, strict=True)) | {-1: "warm-up"}
    lab = state.map(label_of).rename("regime")
    table = pd.DataFrame(rows, index=pd.Index(names, name="regime")).sort_index()
    return RegimeResult(
        labels=lab, probabilities=prob, features=feats, stats=table, fit_dates=tuple(fit_dates), states=state
    )


# --------------------------------------------------------------------------- Monte Carlo
@dataclass(frozen=True)
class MonteCarloResult:
    """A wealth projection.

    ``percentiles``: DataFrame indexed by ``year`` (0, 1, ..., years) with one column per
    percentile (``"p5"``, ``"p50"``, ...) and ``"mean"``. ``goal_probability``: share
    of paths ending at or above ``goal`` (NaN without a goal); ``goal_probability_by_year``
    the same at each year end. ``depletion_probability``: share of paths that ran out
    of money. ``final_values``: summary of the final wealth. ``expected_return`` and
    ``volatility``: the annual assumptions of the normal model, each with its source in
    ``return_source`` / ``volatility_source``: ``"input"`` (given) or ``"estimated"``
    (from ``returns`` by :func:`projection_assumptions`).
    """

    percentiles: pd.DataFrame
    goal_probability: float
    goal_probability_by_year: pd.Series
    depletion_probability: float
    final_values: pd.Series
    n_paths: int
    expected_return: float
    volatility: float
    method: str
    return_source: str = "input"
    volatility_source: str = "input"


def projection_assumptions(
    returns: pd.Series | pd.DataFrame, weights=None, *, periods_per_year: int = 252
) -> pd.Series:
    r"""Annual expected return and volatility of a portfolio estimated from its history.

    ``expected_return = (1 + \bar r)^P - 1``: the mean periodic return compounded over a
    year, the expected gross annual return of i.i.d. periods (``E[\prod(1 + r_i)] = (1 +
    \bar r)^P``), which is what :func:`monte_carlo_paths` means by ``expected_return``
    (``E[G] = 1 + m``); ``volatility = s \sqrt P`` with the sample standard deviation
    ``s``. The median path of the normal model then grows at about the historical CAGR
    (``\ln(1 + m) - \sigma^2/2``); using the CAGR itself as ``m`` would understate it by
    ``\sigma^2/2`` a year. Returns a Series with ``expected_return`` and ``volatility``.
    """
    ppy = _check_positive_int(periods_per_year, "periods per year")
    r = portfolio_returns(returns, weights).to_numpy()
    if r.shape[0] < 2:
        raise DataError("At least 2 returns are needed to estimate a projection.", code="too_short")
    m = (1.0 + float(r.mean())) ** ppy - 1.0
    return pd.Series({"expected_return": m, "volatility": float(r.std(ddof=1)) * math.sqrt(ppy)}, name="estimate")


def monte_carlo_paths(
    initial_value: float,
    years: int,
    *,
    expected_return: float | None = None,
    volatility: float | None = None,
    returns: pd.Series | pd.DataFrame | None = None,
    weights=None,
    method: str = "normal",
    contribution: float = 0.0,
    goal: float | None = None,
    n_paths: int = 10_000,
    steps_per_year: int = 12,
    percentiles: Sequence[float] = (5, 25, 50, 75, 95),
    periods_per_year: int = 252,
    seed: int | None = 0,
    chunk_size: int = 2_000,
    progress: Callable[[int, int], object] | None = None,
) -> MonteCarloResult:
    r"""Monte Carlo projection of wealth with yearly contributions or withdrawals.

    Each step of length ``\Delta = 1/\text{steps\_per\_year}`` grows wealth by a gross
    return ``G`` and then adds ``contribution \Delta`` (negative: a withdrawal); wealth
    that reaches zero stays at zero (depleted).

    * ``method="normal"``: geometric Brownian motion,
      ``\ln G \sim N((\mu - \sigma^2/2)\Delta, \sigma^2\Delta)`` with ``\mu = \ln(1 + m)``
      for the annual expected return ``m`` and volatility ``\sigma`` (Hull, *Options,
      Futures and Other Derivatives*, ch. 15), so ``E[G^{1/\Delta}] = 1 + m``;
    * ``method="bootstrap"``: gross returns resampled from non-overlapping historical
      step-length returns of ``returns`` (Efron 1979).

    ``m`` and ``\sigma`` default to the estimates of :func:`projection_assumptions` from
    ``returns`` (the bootstrap ignores them: it replays history). Paths are simulated in
    chunks of ``chunk_size`` and only the year-end wealth is kept, so memory is
    ``n_paths x (years + 1)``; ``progress(done, total)`` is called after each chunk (a
    background job can update a progress bar, and cancel by raising from it).
    """
    if method not in _SIMULATIONS:
        raise DataError(f"Unknown method {method!r}: choose 'normal' or 'bootstrap'.", code="unknown_method")
    try:
        w0 = float(initial_value)
    except (TypeError, ValueError):
        raise DataError(
            f"The initial value {initial_value!r} is not a number.", code="bad_parameter"
        ) from None
    if not math.isfinite(w0) or w0 < 0:
        raise DataError(
            f"The initial value must be zero or more; got {initial_value!r}.", code="bad_parameter"
        )
    years = _check_positive_int(years, "number of years")
    if years > 100:
        raise DataError(
            f"A projection over {years} years is not meaningful; use 100 years or fewer.",
            code="bad_parameter",
        )
    n_paths = _check_positive_int(n_paths, "number of paths", 100)
    steps = _check_positive_int(steps_per_year, "steps per year")
    chunk_size = _check_positive_int(chunk_size, "chunk size")
    ppy = _check_positive_int(periods_per_year, "periods per year")
    pct = [float(p) for p in percentiles]
    if any(not 0 <= p <= 100 for p in pct):
        raise DataError(f"Percentiles must lie between 0 and 100; got {percentiles!r}.", code="bad_parameter")
    hist = None
    sources = ["input", "input"]
    if returns is not None:
        series = portfolio_returns(returns, weights)
        if len(series) < 2 * ppy // steps + 2:
            raise DataError(
                f"Only {len(series)} returns: too short to estimate a projection. Load more history.",
                code="too_short",
            )
        estimate = projection_assumptions(series, periods_per_year=ppy)
        if expected_return is None:
            expected_return, sources[0] = float(estimate["expected_return"]), "estimated"
        if volatility is None:
            volatility, sources[1] = float(estimate["volatility"]), "estimated"
        block = max(1, ppy // steps)
        logs = np.log1p(series.to_numpy())
        nb = len(logs) // block
        hist = np.exp(logs[len(logs) - nb * block :].reshape(nb, block).sum(axis=1))
    if method == "bootstrap" and hist is None:
        raise DataError(
            "The bootstrap projection needs historical returns: pass returns=.", code="missing_returns"
        )
    if expected_return is None or volatility is None:
        raise DataError(
            "Give expected_return and volatility (annual fractions), or returns to estimate them.",
            code="missing_parameter",
        )
    m, s = float(expected_return), float(volatility)
    if not math.isfinite(m) or m <= -1:
        raise DataError(
            f"The expected return must be above -100% a year; got {m:.1%}.", code="bad_parameter"
        )
    if not math.isfinite(s) or s < 0:
        raise DataError(f"The volatility must be zero or more; got {s:.1%} a year.", code="bad_parameter")
    dt = 1.0 / steps
    drift = (math.log1p(m) - 0.5 * s * s) * dt
    diff = s * math.sqrt(dt)
    add = float(contribution) * dt
    rng = np.random.default_rng(seed)
    yearly = np.empty((n_paths, years + 1))
    yearly[:, 0] = w0
    depleted = np.zeros(n_paths, dtype=bool)
    done = 0
    while done < n_paths:
        k = min(chunk_size, n_paths - done)
        wealth = np.full(k, w0)
        dead = np.zeros(k, dtype=bool)
        for y in range(years):
            if method == "normal":
                gross = np.exp(drift + diff * rng.standard_normal((k, steps)))
            else:
                gross = hist[rng.integers(0, hist.shape[0], size=(k, steps))]
            for j in range(steps):
                wealth = wealth * gross[:, j] + add
                neg = wealth <= 0
                if neg.any():
                    dead |= neg
                    wealth[neg] = 0.0
            wealth[dead] = 0.0
            yearly[done : done + k, y + 1] = wealth
        depleted[done : done + k] = dead
        done += k
        if progress is not None:
            progress(done, n_paths)
    table = pd.DataFrame(
        {f"p{p:g}": np.percentile(yearly, p, axis=0) for p in pct},
        index=pd.Index(np.arange(years + 1), name="year"),
    )
    table["mean"] = yearly.mean(axis=0)
    final = yearly[:, -1]
    if goal is not None:
        g = float(goal)
        by_year = pd.Series((yearly >= g).mean(axis=0), index=table.index, name="goal_probability")
        goal_p = float((final >= g).mean())
    else:
        by_year = pd.Series(np.nan, index=table.index, name="goal_probability")
        goal_p = float("nan")
    summary = pd.Series(
        {
            "mean": final.mean(),
            "median": np.median(final),
            "min": final.min(),
            "max": final.max(),
            "std": final.std(),
        },
        name="final_value",
    )
    return MonteCarloResult(
        percentiles=table,
        goal_probability=goal_p,
        goal_probability_by_year=by_year,
        depletion_probability=float(depleted.mean()),
        final_values=summary,
        n_paths=n_paths,
        expected_return=m,
        volatility=s,
        method=method,
        return_source=sources[0],
        volatility_source=sources[1],
    )
