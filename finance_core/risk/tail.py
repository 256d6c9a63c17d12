"""Tail measures: VaR and CVaR four ways (historical, gaussian, Cornish-Fisher,
Monte Carlo), the Cornish-Fisher validity check and the VaR table.

**VaR and CVaR are positive loss fractions** (a 2% one-day VaR is ``0.02``).

References
----------
.. [1] Jorion, P. (2007). *Value at Risk: The New Benchmark for Managing Financial
   Risk*, 3rd ed. McGraw-Hill. (VaR methods.)
.. [2] McNeil, A., Frey, R. & Embrechts, P. (2015). *Quantitative Risk Management*,
   revised ed. Princeton University Press. (Empirical quantiles.)
.. [3] Acerbi, C. & Tasche, D. (2002). On the coherence of expected shortfall.
   *Journal of Banking & Finance* 26(7), 1487-1503.
.. [4] Zangari, P. (1996). A VaR methodology for portfolios that include options.
   *RiskMetrics Monitor*, Q1, 4-12 (Cornish-Fisher VaR); Boudt, K., Peterson, B. &
   Croux, C. (2008). Estimation and decomposition of downside risk for portfolios
   with non-normal returns. *Journal of Risk* 11(2), 79-103.
.. [9] Maillard, D. (2012). A user's guide to the Cornish Fisher expansion. SSRN
   working paper 1997178 (domain of validity; CVaR as the tail mean of the quantile).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._checks import check_level, check_positive_int
from .._types import WeightsLike
from ..errors import DataError
from ._checks import (
    METHODS,
    SIMULATIONS,
    Simulation,
    VaRMethod,
    as_frame,
    as_weights,
    check_method,
    clean_series,
)
from .returns import horizon_returns, portfolio_returns

__all__ = [
    "METHODS",
    "value_at_risk",
    "conditional_value_at_risk",
    "CornishFisherCheck",
    "cornish_fisher_check",
    "var_table",
    "empirical_var",
    "empirical_cvar",
    "sample_moments",
]


_MC_CHUNK = 20_000


def empirical_var(values: np.ndarray, level: float) -> np.ndarray | float:
    """Lower empirical quantile of the loss: ``-x_(floor(n(1-a))+1)`` (McNeil et al. 2015)."""
    n = values.shape[0]
    k = (1.0 - level) * n
    i = min(n - 1, int(np.floor(k + 4 * np.finfo(float).eps * n)))
    part = np.partition(values, i, axis=0)
    return -part[i]


def empirical_cvar(values: np.ndarray, level: float) -> np.ndarray | float:
    """Acerbi-Tasche expected shortfall: mean of the worst ``n(1-a)`` outcomes, the
    boundary outcome counted with its fractional weight."""
    n = values.shape[0]
    k = (1.0 - level) * n
    i = max(0, int(np.ceil(k) - 1))
    part = np.partition(values, i, axis=0)
    return -np.sum(part[:i], axis=0) / k + part[i] * (i / k - 1.0)


def _empirical_pair(values: np.ndarray, level: float, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
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


def sample_moments(x: np.ndarray) -> tuple[float, float, float, float]:
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
    returns: pd.DataFrame,
    weights: WeightsLike | None,
    horizon: int,
    simulation: str,
    n_scenarios: int,
    seed: int | None,
) -> np.ndarray:
    """Simulated ``horizon``-period portfolio returns.

    ``normal``: asset returns ``X = mu h + sqrt(h) Z L'`` with ``L`` the Cholesky factor
    of the sample covariance; the portfolio return is ``X w = h mu'w + sqrt(h) Z (L'w)``:
    one matrix-vector product per chunk of scenarios (never an n x N x N product).
    ``bootstrap``: ``horizon`` days drawn with replacement from history and compounded.
    """
    if simulation not in SIMULATIONS:
        raise DataError(
            f"Unknown simulation {simulation!r}: choose one of {', '.join(SIMULATIONS)}.",
            code="unknown_method",
        )
    n_scenarios = check_positive_int(n_scenarios, "number of scenarios", 100)
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
        data = clean_series(returns).to_numpy()[:, None]
        w = np.ones(1)
    else:
        frame = as_frame(returns)
        if weights is None:
            raise DataError(
                "Monte Carlo VaR of several assets needs portfolio weights.", code="missing_weights"
            )
        w = as_weights(weights, list(frame.columns))
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
    returns: pd.Series | pd.DataFrame,
    level: float,
    method: str,
    horizon: int,
    weights: WeightsLike | None,
    simulation: str,
    n_scenarios: int,
    seed: int | None,
) -> tuple[float, float] | tuple[pd.Series, pd.Series]:
    """(VaR, CVaR) by one method, sharing the portfolio returns, moments or scenarios."""
    level = check_level(level)
    method = check_method(method)
    horizon = check_positive_int(horizon, "horizon")
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
    mu, sd, skew, kurt = sample_moments(series)
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
    method: VaRMethod = "historical",
    horizon: int = 1,
    *,
    weights: WeightsLike | None = None,
    simulation: Simulation = "normal",
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
    method: VaRMethod = "historical",
    horizon: int = 1,
    *,
    weights: WeightsLike | None = None,
    simulation: Simulation = "normal",
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


def cornish_fisher_check(
    returns: pd.Series | pd.DataFrame, weights: WeightsLike | None = None, horizon: int = 1
) -> CornishFisherCheck:
    """Skewness, excess kurtosis and domain of validity of the Cornish-Fisher expansion.

    ``g(z) = z + (z^2-1)S/6 + (z^3-3z)K/24 - (2z^3-5z)S^2/36`` has
    ``g'(z) = a z^2 + b z + c`` with ``a = K/8 - S^2/6``, ``b = S/3``,
    ``c = 1 - K/8 + 5S^2/36``: it never decreases iff ``a >= 0`` and ``b^2 <= 4ac``.
    """
    horizon = check_positive_int(horizon, "horizon")
    series = portfolio_returns(returns, weights).to_numpy()
    _mu, _sd, skew, kurt = sample_moments(series)
    s, k = skew / math.sqrt(horizon), kurt / horizon
    a, b, c = k / 8 - s * s / 6, s / 3, 1 - k / 8 + 5 * s * s / 36
    return CornishFisherCheck(skew=float(s), kurtosis=float(k), valid=bool(a >= 0 and b * b <= 4 * a * c),
                              horizon=horizon)


def var_table(
    returns: pd.Series | pd.DataFrame,
    level: float = 0.95,
    horizon: int = 1,
    *,
    weights: WeightsLike | None = None,
    portfolio_value: float = 1.0,
    methods: Iterable[str] = METHODS,
    simulation: Simulation = "normal",
    n_scenarios: int = 100_000,
    seed: int | None = 0,
) -> pd.DataFrame:
    """VaR and CVaR by every method, as fractions and in money.

    Returns a DataFrame indexed by method with columns ``var``, ``cvar`` (positive loss
    fractions), ``var_amount`` and ``cvar_amount`` (times ``portfolio_value``).
    """
    level = check_level(level)
    if isinstance(returns, pd.DataFrame) and returns.shape[1] > 1 and weights is None:
        raise DataError(
            f"The returns have {returns.shape[1]} columns: pass the portfolio weights for the VaR table.",
            code="missing_weights",
        )
    rows = {}
    for m in methods:
        v, c = _tail_pair(returns, level, m, horizon, weights, simulation, n_scenarios, seed)
        rows[m] = {"var": v, "cvar": c, "var_amount": v * portfolio_value, "cvar_amount": c * portfolio_value}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "method"
    return frame
