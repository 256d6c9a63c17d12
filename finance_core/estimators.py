"""Expected-return and covariance estimators, annualised.

Inputs are simple periodic returns (dates x tickers, see :func:`finance_core.data.to_returns`);
outputs are pandas objects labelled by ticker and annualised with ``periods_per_year``
(252 for daily data).

:func:`covariance_estimate` returns a :class:`CovarianceEstimate`: the matrix (a plain
``DataFrame``, tickers x tickers, that every optimiser accepts as is) and what the user should
know about it in typed fields:

- ``notes``: a tuple of sentences, for example that the matrix was repaired to the nearest
  positive semi-definite matrix, or that there were fewer observations than assets and a
  shrinkage estimator is recommended;
- ``method``, ``observations`` and, for shrinkage estimators, ``shrinkage`` (the intensity
  chosen by the estimator; NaN otherwise).

:func:`covariance` is the same estimate's matrix alone, for a notebook.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import DataError
from .factor_estimation import factor_model
from .factor_model import FactorModel

__all__ = [
    "RETURN_METHODS",
    "COVARIANCE_METHODS",
    "FORECAST_COVARIANCE_METHODS",
    "expected_returns",
    "covariance",
    "covariance_estimate",
    "CovarianceEstimate",
    "nearest_psd",
    "clean_returns",
    "check_periods_per_year",
    "factor_model",
    "bundled_factor_returns",
]

#: Methods accepted by :func:`expected_returns`.
RETURN_METHODS = ("mean", "cagr", "ewma", "capm")
#: Methods accepted by :func:`covariance`.
#: The covariance forecasts of ``finance_core.forecast.covariance`` offered as estimators.
FORECAST_COVARIANCE_METHODS = ("riskmetrics", "ccc_garch")
COVARIANCE_METHODS = ("sample", "ledoit_wolf", "oas", "ewma", "factor_pca", "factor_etf",
                      *FORECAST_COVARIANCE_METHODS)
#: The covariance methods built from a :class:`FactorModel`.
FACTOR_METHODS = ("factor_pca", "factor_etf")


# --------------------------------------------------------------------------- validation
def clean_returns(returns: pd.DataFrame, *, what: str = "returns") -> pd.DataFrame:
    """``returns`` checked as a numeric dates x tickers frame (a Series becomes one column)."""
    if isinstance(returns, pd.Series):
        returns = returns.to_frame()
    if not isinstance(returns, pd.DataFrame):
        raise DataError(
            f"{what} must be a pandas DataFrame (dates x tickers), got {type(returns).__name__}: "
            "build it with finance_core.data.to_returns(prices).",
            code="bad_returns",
        )
    if returns.shape[1] == 0:
        raise DataError(f"{what} has no ticker columns: select at least one asset.", code="no_assets")
    non_numeric = [str(c) for c in returns.columns if not pd.api.types.is_numeric_dtype(returns[c])]
    if non_numeric:
        raise DataError(
            f"{what} column(s) {', '.join(non_numeric)} are not numeric: remove them or fix the "
            "non-numeric cells before estimating.",
            code="non_numeric_returns",
        )
    frame = returns.astype(float)
    values = frame.to_numpy()
    if np.isinf(values).any():
        bad = [str(c) for c, flag in zip(frame.columns, np.isinf(values).any(axis=0), strict=True) if flag]
        raise DataError(
            f"{what} contain infinite values for {', '.join(bad)} (a zero price?): fix those prices.",
            code="infinite_returns",
        )
    empty = [str(c) for c in frame.columns if frame[c].notna().sum() == 0]
    if empty:
        raise DataError(
            f"{what} for {', '.join(empty)} are all missing: drop these tickers or load their prices.",
            code="empty_returns",
        )
    if frame.dropna(how="all").shape[0] < 2:
        raise DataError(
            f"{what} need at least 2 dates to estimate anything; got {frame.shape[0]}: choose a longer "
            "date range.",
            code="too_few_observations",
        )
    return frame


def check_periods_per_year(periods_per_year: float) -> float:
    """``periods_per_year`` checked as a positive finite number (252 for daily data)."""
    if not (
        isinstance(periods_per_year, int | float) and periods_per_year > 0 and math.isfinite(periods_per_year)
    ):
        raise DataError(
            f"periods_per_year must be a positive number (252 for daily data), got {periods_per_year!r}.",
            code="bad_periods_per_year",
        )
    return float(periods_per_year)


_check_ppy = check_periods_per_year


def _ewm_alpha(span: float | None, half_life: float | None, default_span: float) -> float:
    """Smoothing factor: ``alpha = 2 / (span + 1)`` or ``1 - exp(-ln 2 / half_life)``."""
    if span is not None and half_life is not None:
        raise DataError("Give either span or half_life for EWMA, not both.", code="bad_ewma_parameter")
    if half_life is not None:
        if not half_life > 0:
            raise DataError(
                f"half_life must be positive (in periods), got {half_life!r}.", code="bad_ewma_parameter"
            )
        return 1.0 - math.exp(-math.log(2.0) / float(half_life))
    span = default_span if span is None else span
    if not span >= 1:
        raise DataError(f"span must be at least 1 period, got {span!r}.", code="bad_ewma_parameter")
    return 2.0 / (float(span) + 1.0)


# --------------------------------------------------------------------------- expected returns
def expected_returns(
    returns: pd.DataFrame,
    method: str = "mean",
    *,
    periods_per_year: float = 252,
    span: float | None = None,
    half_life: float | None = None,
    benchmark: pd.Series | None = None,
    risk_free_rate: float = 0.0,
) -> pd.Series:
    r"""Annualised expected returns per ticker.

    Parameters
    ----------
    returns : DataFrame
        Simple periodic returns, dates x tickers. Missing values are skipped per ticker.
    method : {"mean", "cagr", "ewma", "capm"}
        - ``"mean"``: arithmetic mean, :math:`\mu_i = P \bar r_i`.
        - ``"cagr"``: compound annual growth rate,
          :math:`\mu_i = \left(\prod_t (1 + r_{i,t})\right)^{P / T_i} - 1`.
        - ``"ewma"``: exponentially weighted mean, :math:`\mu_i = P \sum_t w_t r_{i,t} / \sum_t w_t`
          with :math:`w_t = (1 - \alpha)^{T - t}`; ``span`` gives :math:`\alpha = 2/(s + 1)`
          (default span 500, as PyPortfolioOpt), ``half_life`` gives
          :math:`\alpha = 1 - 2^{-1/h}`.
        - ``"capm"``: equilibrium returns :math:`\mu_i = r_f + \beta_i (E[R_m] - r_f)` with
          :math:`\beta_i = \operatorname{cov}(r_i, r_m) / \operatorname{var}(r_m)` and
          :math:`E[R_m]` the benchmark's CAGR (Sharpe 1964). Without ``benchmark`` the
          equal-weighted average of the assets is the market proxy.
    periods_per_year : float
        :math:`P`, 252 for daily data.
    benchmark : Series, optional
        Benchmark returns on the same dates (CAPM only).
    risk_free_rate : float
        Annual risk-free rate (CAPM only).

    Returns
    -------
    Series
        Annualised expected returns indexed by ticker, named ``"expected_return"``.

    References
    ----------
    W. F. Sharpe (1964), "Capital asset prices: a theory of market equilibrium under
    conditions of risk", Journal of Finance 19(3). RiskMetrics Technical Document (1996),
    section 5.2 (exponential weighting). PyPortfolioOpt ``expected_returns`` (same formulas).
    """
    frame = clean_returns(returns)
    ppy = _check_ppy(periods_per_year)
    if method == "mean":
        mu = frame.mean() * ppy
    elif method == "cagr":
        growth = (1.0 + frame).prod()
        if (growth <= 0).any():
            bad = ", ".join(str(t) for t in growth.index[growth <= 0])
            raise DataError(
                f"CAGR is undefined for {bad}: the cumulative growth is not positive (a -100% return). "
                "Use method='mean' or drop these tickers.",
                code="cagr_undefined",
            )
        mu = growth ** (ppy / frame.count()) - 1.0
    elif method == "ewma":
        alpha = _ewm_alpha(span, half_life, default_span=500)
        mu = frame.ewm(alpha=alpha).mean().iloc[-1] * ppy
    elif method == "capm":
        if benchmark is None:
            market = frame.mean(axis=1)
        else:
            if isinstance(benchmark, pd.DataFrame):
                if benchmark.shape[1] != 1:
                    raise DataError("benchmark must be a single column of returns.", code="bad_benchmark")
                benchmark = benchmark.iloc[:, 0]
            market = pd.Series(benchmark, dtype=float).reindex(frame.index)
            if market.notna().sum() < 2:
                raise DataError(
                    "benchmark returns do not overlap the asset returns' dates: align the benchmark with "
                    "the universe (same date index).",
                    code="bad_benchmark",
                )
        joined = frame.assign(__mkt__=market)
        cov = joined.cov()
        var_m = cov.loc["__mkt__", "__mkt__"]
        if not var_m > 0:
            raise DataError(
                "The benchmark has zero variance: CAPM betas are undefined.", code="bad_benchmark"
            )
        betas = cov["__mkt__"].drop("__mkt__") / var_m
        mkt = joined["__mkt__"].dropna()
        mkt_return = (1.0 + mkt).prod() ** (ppy / mkt.count()) - 1.0
        mu = risk_free_rate + betas * (mkt_return - risk_free_rate)
    else:
        raise DataError(
            f"Unknown expected-return method {method!r}: choose one of {', '.join(RETURN_METHODS)}.",
            code="unknown_method",
        )
    mu = pd.Series(mu.to_numpy(dtype=float), index=frame.columns, name="expected_return")
    return mu


# --------------------------------------------------------------------------- covariance
def nearest_psd(matrix: pd.DataFrame | np.ndarray, *, floor: float = 0.0) -> tuple[np.ndarray, bool]:
    r"""Nearest symmetric positive semi-definite matrix in the Frobenius norm.

    Symmetrise, then clip the eigenvalues at ``floor``: :math:`\hat\Sigma = V \max(\Lambda, f) V'`
    (Higham 1988, "Computing a nearest symmetric positive semidefinite matrix", Linear Algebra
    Appl. 103, theorem 2.1). Returns ``(matrix, repaired)``; ``repaired`` is False when the
    input already had no eigenvalue below ``-1e-12`` times its largest.
    """
    a = np.asarray(matrix, dtype=float)
    a = 0.5 * (a + a.T)
    if floor <= 0:
        try:  # positive definite: nothing to repair (a Cholesky factor is much cheaper than eigh)
            np.linalg.cholesky(a)
            return a, False
        except np.linalg.LinAlgError:
            pass
    vals, vecs = np.linalg.eigh(a)
    scale = max(float(np.max(np.abs(vals))), 1e-300)
    if vals.min() >= -1e-12 * scale and floor <= 0:
        return a, False
    clipped = np.maximum(vals, floor)
    fixed = (vecs * clipped) @ vecs.T
    return 0.5 * (fixed + fixed.T), True


@dataclass(frozen=True)
class CovarianceEstimate:
    """An annualised covariance matrix and how it was estimated.

    ``cov``: tickers x tickers; ``method``: the estimator; ``observations``: the dates it used;
    ``shrinkage``: the intensity of ``ledoit_wolf``/``oas`` (NaN for the others); ``notes``:
    sentences for the user (repaired to PSD, fewer observations than assets, dropped dates).
    """

    cov: pd.DataFrame
    method: str
    observations: int
    shrinkage: float = float("nan")
    notes: tuple[str, ...] = ()
    factor_model: FactorModel | None = None


def bundled_factor_returns() -> pd.DataFrame:
    """Daily simple returns of the bundled factor ETFs (MTUM, QUAL, SIZE, USMV, VLUE)."""
    from .data.bundled import load_dataset, to_returns

    returns = to_returns(load_dataset("factors").prices)
    assert isinstance(returns, pd.DataFrame)
    return returns


def _factor_estimate(
    frame: pd.DataFrame, method: str, ppy: float, factors: pd.DataFrame | None
) -> CovarianceEstimate:
    if method == "factor_etf":
        model = factor_model(
            frame, factors=bundled_factor_returns() if factors is None else factors, periods_per_year=ppy
        )
    else:
        model = factor_model(frame, periods_per_year=ppy)
    return CovarianceEstimate(
        model.covariance(), method, model.observations, float("nan"), model.notes, model
    )


def _forecast_covariance(frame: pd.DataFrame, method: str, notes: list[str]) -> tuple[np.ndarray, int]:
    """The daily covariance forecast for the next day (``forecast.covariance``), on complete rows."""
    from .forecast.covariance import ccc_garch_covariance, riskmetrics_covariance

    complete = frame.dropna(how="any")
    minimum = 100 if method == "ccc_garch" else 2
    if complete.shape[0] < minimum:
        raise DataError(
            f"The {method} covariance forecast needs at least {minimum} dates with a return for every ticker; "
            f"got {complete.shape[0]}. Lengthen the date range or drop the tickers with short histories.",
            code="too_few_observations",
        )
    dropped = frame.shape[0] - complete.shape[0]
    if dropped:
        notes.append(f"{dropped} dates with a missing return were dropped for the {method} forecast.")
    notes.append("A one-day-ahead covariance forecast (for the day after the last date), annualised.")
    raw = riskmetrics_covariance(complete) if method == "riskmetrics" else ccc_garch_covariance(complete)
    return raw, int(complete.shape[0])


def _sample_covariance(frame: pd.DataFrame) -> tuple[np.ndarray, int]:
    """The daily sample covariance (pairwise complete observations) and the number of dates."""
    observations = int(frame.dropna(how="all").shape[0])
    raw = frame.cov().to_numpy()
    if np.isnan(raw).any():
        raise DataError(
            "Some pairs of tickers have fewer than 2 common dates: shorten the date range or drop "
            "the tickers with short histories.",
            code="too_few_observations",
        )
    return raw, observations


def _shrunk_covariance(frame: pd.DataFrame, method: str, notes: list[str]) -> tuple[np.ndarray, int, float]:
    """The daily Ledoit-Wolf or OAS covariance on complete rows, the rows used and the shrinkage intensity."""
    from sklearn.covariance import OAS, LedoitWolf

    complete = frame.dropna(how="any")
    dropped = frame.shape[0] - complete.shape[0]
    if dropped:
        notes.append(f"{dropped} dates with a missing return were dropped for the {method} estimator.")
    if complete.shape[0] < 2:
        raise DataError(
            f"Fewer than 2 dates have returns for every ticker, so {method} cannot be estimated: "
            "shorten the date range or drop the tickers with short histories.",
            code="too_few_observations",
        )
    model = (LedoitWolf() if method == "ledoit_wolf" else OAS()).fit(complete.to_numpy())
    return model.covariance_, int(complete.shape[0]), float(model.shrinkage_)


def _ewma_covariance(frame: pd.DataFrame, alpha: float) -> tuple[np.ndarray, int]:
    """The daily exponentially weighted covariance (weights ``(1 - alpha)^(T - t)``, pairwise) and the dates."""
    values = frame.to_numpy()
    observations = int(frame.dropna(how="all").shape[0])
    centred = values - np.nanmean(values, axis=0)
    mask = ~np.isnan(centred)
    centred = np.where(mask, centred, 0.0)
    t = centred.shape[0]
    weights = (1.0 - alpha) ** np.arange(t - 1, -1, -1, dtype=float)
    wm = mask * weights[:, None]
    num = (centred * weights[:, None]).T @ centred
    den = wm.T @ mask.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = num / den
    if np.isnan(raw).any():
        raise DataError(
            "Some pairs of tickers have no common dates for the EWMA covariance: drop the tickers "
            "with short histories.",
            code="too_few_observations",
        )
    return raw, observations


def covariance(
    returns: pd.DataFrame,
    method: str = "sample",
    *,
    periods_per_year: float = 252,
    span: float | None = None,
    half_life: float | None = None,
) -> pd.DataFrame:
    """The matrix of :func:`covariance_estimate` (same arguments), without its notes."""
    return covariance_estimate(
        returns, method, periods_per_year=periods_per_year, span=span, half_life=half_life
    ).cov


def covariance_estimate(
    returns: pd.DataFrame,
    method: str = "sample",
    *,
    periods_per_year: float = 252,
    span: float | None = None,
    half_life: float | None = None,
    factors: pd.DataFrame | None = None,
) -> CovarianceEstimate:
    r"""Annualised covariance matrix, repaired to positive semi-definite when needed.

    Parameters
    ----------
    returns : DataFrame
        Simple periodic returns, dates x tickers.
    method : {"sample", "ledoit_wolf", "oas", "ewma"}
        - ``"sample"``: unbiased sample covariance
          :math:`\hat\Sigma = \frac{P}{T - 1}\sum_t (r_t - \bar r)(r_t - \bar r)'` (pairwise
          complete observations when values are missing).
        - ``"ledoit_wolf"``: :math:`(1 - \delta) S + \delta \frac{\operatorname{tr} S}{N} I` with
          the optimal intensity of Ledoit and Wolf (2004), computed by scikit-learn's
          ``LedoitWolf`` (``S`` the maximum-likelihood covariance, dividing by ``T``).
        - ``"oas"``: the same target with the Oracle Approximating Shrinkage intensity of
          Chen, Wiesel, Eldar and Hero (2010), scikit-learn's ``OAS``.
        - ``"ewma"``: :math:`P \sum_t w_t (r_t - \bar r)(r_t - \bar r)' / \sum_t w_t` with
          :math:`w_t = (1 - \alpha)^{T - t}` (RiskMetrics 1996; PyPortfolioOpt's ``exp_cov``).
          ``span`` (default 180) or ``half_life`` set :math:`\alpha`.
        - ``"riskmetrics"``: the RiskMetrics (1996) EWMA covariance forecast for the next day,
          :math:`P \sum_j (1 - \lambda) \lambda^j r_{T-j} r_{T-j}' / \sum_j (1 - \lambda) \lambda^j`,
          uncentred, :math:`\lambda = 0.94` (``forecast.riskmetrics_covariance``).
        - ``"ccc_garch"``: constant-correlation GARCH (Bollerslev 1990): each asset's
          GARCH(1,1)-t one-day variance forecast (``arch``, fitted on all rows) with the
          sample correlation of the last 250 rows (``forecast.ccc_garch_covariance``).
        - ``"factor_pca"``: the dense ``B F B' + D`` of a statistical factor model
          (:func:`factor_model`, k by Ahn and Horenstein's eigenvalue ratio); ``"factor_etf"``: of a regression
          on ``factors`` (default: the bundled factor ETFs' returns). The estimate's
          ``factor_model`` field holds the model itself.
        Shrinkage and factor estimators need complete rows: rows with a missing value are dropped.
    periods_per_year : float
        :math:`P`, 252 for daily data.

    Returns
    -------
    CovarianceEstimate
        ``cov``: tickers x tickers. ``notes`` (tuple of str) says when the matrix was repaired
        to the nearest PSD matrix (Higham 1988) or when there are fewer observations than
        assets (shrinkage recommended); ``method``, ``observations`` and ``shrinkage``
        describe the estimate.

    References
    ----------
    O. Ledoit and M. Wolf (2004), "A well-conditioned estimator for large-dimensional
    covariance matrices", J. Multivariate Analysis 88(2). Y. Chen, A. Wiesel, Y. C. Eldar and
    A. O. Hero (2010), "Shrinkage algorithms for MMSE covariance estimation", IEEE Trans.
    Signal Processing 58(10).
    """
    frame = clean_returns(returns)
    ppy = _check_ppy(periods_per_year)
    notes: list[str] = []
    n_assets = frame.shape[1]
    shrinkage = float("nan")
    if method in FACTOR_METHODS:
        return _factor_estimate(frame, method, ppy, factors)
    if method == "sample":
        raw, observations = _sample_covariance(frame)
    elif method in ("ledoit_wolf", "oas"):
        raw, observations, shrinkage = _shrunk_covariance(frame, method, notes)
    elif method in FORECAST_COVARIANCE_METHODS:
        raw, observations = _forecast_covariance(frame, method, notes)
    elif method == "ewma":
        raw, observations = _ewma_covariance(frame, _ewm_alpha(span, half_life, default_span=180))
    else:
        raise DataError(
            f"Unknown covariance method {method!r}: choose one of {', '.join(COVARIANCE_METHODS)}.",
            code="unknown_method",
        )
    if observations <= n_assets:
        notes.append(
            f"Only {observations} observations for {n_assets} assets: the sample covariance is singular "
            "and unreliable. Use method='ledoit_wolf' or 'oas' (shrinkage), or a longer history."
        )
    matrix, repaired = nearest_psd(raw)
    if repaired:
        neg = int((np.linalg.eigvalsh(0.5 * (raw + raw.T)) < 0).sum())
        notes.append(
            f"The estimate was not positive semi-definite ({neg} negative eigenvalue(s)): it was repaired "
            "to the nearest PSD matrix (eigenvalues clipped at zero, Higham 1988)."
        )
    out = pd.DataFrame(matrix * ppy, index=frame.columns, columns=frame.columns)
    return CovarianceEstimate(out, method, observations, shrinkage, tuple(notes))
