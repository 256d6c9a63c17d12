"""Black-Litterman: market equilibrium returns blended with an investor's views.

Notation (He and Litterman, 1999): :math:`\\Sigma` the covariance of excess returns,
:math:`w_{mkt}` the market weights, :math:`\\delta` the risk aversion, :math:`\\tau` the
scale of the uncertainty of the prior mean, :math:`P` (K x N) the view portfolios,
:math:`Q` (K) their expected returns and :math:`\\Omega` (K x K, diagonal) the view
uncertainty.

* Equilibrium (reverse optimisation): :math:`\\Pi = \\delta \\Sigma w_{mkt}`.
* Posterior mean:
  :math:`\\mu_{BL} = \\Pi + \\tau\\Sigma P'(P\\tau\\Sigma P' + \\Omega)^{-1}(Q - P\\Pi)`.
* Posterior covariance of returns:
  :math:`\\Sigma_{BL} = \\Sigma + M`, with
  :math:`M = \\tau\\Sigma - \\tau\\Sigma P'(P\\tau\\Sigma P' + \\Omega)^{-1}P\\tau\\Sigma`
  the covariance of the posterior mean.
* Default :math:`\\Omega = \\operatorname{diag}(P\\tau\\Sigma P')` (He and Litterman, 1999).
* Per-view confidences :math:`c_k \\in (0, 1]` (Idzorek, 2005): :math:`\\omega_k` is
  chosen so that view :math:`k` alone moves the unconstrained weights
  :math:`w = (\\delta\\Sigma)^{-1}\\mu_{BL}` the fraction :math:`c_k` of the way from
  :math:`w_{mkt}` to the weights of a 100%-confident view. For one view the tilt is
  :math:`\\tau p\\Sigma p' / (\\tau p\\Sigma p' + \\omega)` times the full tilt, so
  Idzorek's least-squares search has the closed-form solution
  :math:`\\omega_k = \\tfrac{1 - c_k}{c_k}\\, \\tau\\, p_k \\Sigma p_k'`
  (Walters, 2011), which is what is used here.

References
----------
.. [1] Black, F., Litterman, R. (1992). "Global Portfolio Optimization". Financial
   Analysts Journal, 48(5), 28-43.
.. [2] He, G., Litterman, R. (1999). "The Intuition Behind Black-Litterman Model
   Portfolios". Goldman Sachs Investment Management Research.
.. [3] Idzorek, T. (2005). "A Step-by-Step Guide to the Black-Litterman Model".
   Zephyr Associates working paper.
.. [4] Walters, J. (2011). "The Black-Litterman Model in Detail". SSRN 1314585.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ._checks import covariance_values, positive_parameter
from .defaults import DEFAULT_RISK_FREE_RATE, DEFAULT_TAU

__all__ = [
    "BlackLittermanResult",
    "ViewMatrices",
    "equilibrium_returns",
    "implied_risk_aversion",
    "views_to_matrices",
    "idzorek_omega",
    "black_litterman",
]


@dataclass(frozen=True)
class ViewMatrices:
    """The view portfolios built from a views grid.

    Attributes
    ----------
    P : pandas.DataFrame
        K views x N tickers; an absolute view has a single 1, a relative view +1 on
        the long side and -1 spread over the short side.
    Q : pandas.Series
        Expected return of each view portfolio (annual, same units as the
        covariance), indexed by view label.
    confidences : pandas.Series or None
        Idzorek confidences in (0, 1] per view when the grid has them.
    """

    P: pd.DataFrame
    Q: pd.Series
    confidences: pd.Series | None


@dataclass(frozen=True)
class BlackLittermanResult:
    """Prior and posterior of a Black-Litterman blend.

    Attributes
    ----------
    prior_returns : pandas.Series
        Equilibrium excess returns :math:`\\Pi = \\delta\\Sigma w_{mkt}`.
    posterior_returns : pandas.Series
        :math:`\\mu_{BL}`.
    posterior_cov : pandas.DataFrame
        :math:`\\Sigma + M` (covariance of returns under the posterior).
    weights : pandas.Series
        Unconstrained optimal weights :math:`(\\delta\\Sigma_w)^{-1}\\mu_{BL}` where
        :math:`\\Sigma_w` is the covariance named in ``weights_cov``. They need not
        sum to 1; to optimise on the posterior under constraints, pass
        ``posterior_returns`` and ``posterior_cov`` to ``optimize.mean_variance``.
    omega : pandas.DataFrame
        The view uncertainty used (K x K).
    risk_aversion : float
    tau : float
    weights_cov : str
        ``"prior"`` or ``"posterior"``.
    """

    prior_returns: pd.Series
    posterior_returns: pd.Series
    posterior_cov: pd.DataFrame
    weights: pd.Series
    omega: pd.DataFrame
    risk_aversion: float
    tau: float
    weights_cov: str = "prior"


# --------------------------------------------------------------------------- helpers
def _cov_frame(cov: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    tickers, c = covariance_values(cov)
    return tickers, 0.5 * (c + c.T)


def _market_weights(market_weights: Any, tickers: list[str]) -> np.ndarray:
    if isinstance(market_weights, Mapping):
        market_weights = pd.Series(market_weights, dtype=float)
    if isinstance(market_weights, pd.Series):
        idx = market_weights.index.map(str)
        missing = [t for t in tickers if t not in idx]
        if missing:
            raise DataError(
                f"No market weight for {', '.join(missing[:5])}: give a market-cap weight for every "
                "ticker of the covariance.",
                code="missing_market_weight",
            )
        w = pd.Series(market_weights.to_numpy(float), index=idx).reindex(tickers).to_numpy(float)
    else:
        w = np.asarray(market_weights, dtype=float).ravel()
        if w.size != len(tickers):
            raise DataError(
                f"Expected {len(tickers)} market weights, got {w.size}.", code="bad_market_weights"
            )
    if not np.isfinite(w).all():
        raise DataError("Market weights must be finite numbers.", code="bad_market_weights")
    return w


# --------------------------------------------------------------------------- public
def equilibrium_returns(cov: pd.DataFrame, market_weights: Any, risk_aversion: float) -> pd.Series:
    """Market-implied excess returns :math:`\\Pi = \\delta\\Sigma w_{mkt}` (Black and Litterman, 1992)."""
    tickers, c = _cov_frame(cov)
    w = _market_weights(market_weights, tickers)
    delta = positive_parameter(risk_aversion, "risk_aversion", "Typical values are 1 to 5; 2.5 is common.")
    return pd.Series(delta * c @ w, index=tickers, name="prior_return")


def implied_risk_aversion(
    benchmark_returns: pd.Series, risk_free_rate: float = DEFAULT_RISK_FREE_RATE, *, periods_per_year: int = 252
) -> float:
    """Risk aversion implied by the market: :math:`\\delta = (E[r_m] - r_f) / \\sigma_m^2`.

    ``benchmark_returns`` are simple periodic returns of the market proxy; mean and
    (sample) variance are annualised with ``periods_per_year`` and ``risk_free_rate``
    is annual. Black and Litterman (1992), eq. (2); the same estimator as
    PyPortfolioOpt's ``market_implied_risk_aversion``.

    Raises
    ------
    DataError
        When the series is too short, or the market's excess return over the
        window is not positive (a negative risk aversion has no meaning: choose a
        longer window or enter a risk aversion by hand).
    """
    if isinstance(benchmark_returns, pd.DataFrame):
        if benchmark_returns.shape[1] != 1:
            raise DataError("Pass the benchmark as one column of returns.", code="bad_benchmark")
        benchmark_returns = benchmark_returns.iloc[:, 0]
    r = pd.Series(benchmark_returns, dtype=float).dropna()
    if len(r) < 20:
        raise DataError(
            f"The benchmark has {len(r)} usable returns; at least 20 are needed to imply a risk aversion.",
            code="too_few_observations",
        )
    mean = float(r.mean()) * periods_per_year
    var = float(r.var(ddof=1)) * periods_per_year
    if var <= 0:
        raise DataError(
            "The benchmark returns do not vary: cannot imply a risk aversion.", code="bad_benchmark"
        )
    excess = mean - float(risk_free_rate)
    if excess <= 0:
        raise DataError(
            f"The benchmark's annual return over the window ({mean:.2%}) does not beat the risk-free rate "
            f"({float(risk_free_rate):.2%}), which implies a non-positive risk aversion: choose a longer "
            "window or set the risk aversion by hand (2.5 is common).",
            code="negative_risk_aversion",
        )
    return excess / var


def _view_asset(row: Mapping, where: str, tickers: list[str]) -> str:
    """The ticker a view is about (its long side), which must be in the universe."""
    asset = str(row.get("asset") or "").strip()
    if not asset:
        raise DataError(f"{where}: choose the asset the view is about.", code="bad_view")
    if asset not in tickers:
        raise DataError(
            f"{where}: {asset!r} is not in the universe ({', '.join(tickers[:8])}"
            f"{', ...' if len(tickers) > 8 else ''}).",
            code="unknown_ticker",
        )
    return asset


def _view_versus(row: Mapping, where: str, tickers: list[str], asset: str) -> list[str]:
    """The short side of a relative view (empty for an absolute view): tickers of the universe, not ``asset``."""
    versus_raw = row.get("versus")
    versus = (
        []
        if versus_raw is None or _isnan(versus_raw)
        else [s.strip() for s in str(versus_raw).split(",") if s.strip()]
    )
    for v in versus:
        if v not in tickers:
            raise DataError(f"{where}: {v!r} (versus) is not in the universe.", code="unknown_ticker")
        if v == asset:
            raise DataError(
                f"{where}: {asset} cannot outperform itself; pick another ticker.", code="bad_view"
            )
    return versus


def _view_value(row: Mapping, where: str) -> float:
    """A view's annual return or outperformance, a finite fraction of at most 200%."""
    try:
        value = float(row.get("value"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DataError(
            f"{where}: enter the expected return as a number (0.05 for 5%); got {row.get('value')!r}.",
            code="bad_view",
        ) from None
    if not np.isfinite(value):
        raise DataError(f"{where}: enter the expected return as a number (0.05 for 5%).", code="bad_view")
    if abs(value) > 2:
        raise DataError(
            f"{where}: a return of {value:g} is {value:.0%} a year; enter fractions (0.05 for 5%).",
            code="bad_view",
        )
    return value


def _short_split(versus: list[str], mw: pd.Series | None) -> np.ndarray:
    """How a relative view splits its short side: by market weight when all are known, equally otherwise."""
    if mw is not None and all(v in mw.index for v in versus) and mw[versus].sum() > 0:
        return mw[versus].to_numpy(float) / mw[versus].sum()
    return np.full(len(versus), 1.0 / len(versus))


def _view_confidence(c: Any, where: str) -> float:
    """An Idzorek confidence given in the grid, a number in (0, 1]."""
    try:
        c = float(c)
    except (TypeError, ValueError):
        raise DataError(
            f"{where}: confidence must be a number between 0 and 1.", code="bad_view"
        ) from None
    if not 0 < c <= 1:
        raise DataError(
            f"{where}: confidence {c:g} is outside (0, 1]; use 0.5 for 50%, 1 for certainty.",
            code="bad_confidence",
        )
    return c


def views_to_matrices(
    views: pd.DataFrame | Iterable[Mapping],
    tickers: Iterable[str],
    *,
    market_weights: pd.Series | None = None,
) -> ViewMatrices:
    """Build :math:`P` and :math:`Q` from a views grid.

    Each row is one view with keys/columns:

    * ``asset``: the ticker the view is about (the long side of a relative view);
    * ``versus`` (optional): empty for an absolute view ("asset returns ``value``"),
      otherwise the ticker, or several separated by commas, that ``asset`` will
      outperform by ``value``. Several short tickers are weighted by
      ``market_weights`` when given (as in He and Litterman's "Germany vs the rest
      of Europe"), equally otherwise;
    * ``value``: the annual return (absolute) or outperformance (relative), as a
      fraction (0.05 = 5%);
    * ``confidence`` (optional): Idzorek confidence in (0, 1]; a blank confidence
      in a grid that has some means 50%.

    Raises
    ------
    DataError
        Naming the view (row number, 1-based) and what is wrong: unknown ticker,
        missing value, a view against itself, a confidence outside (0, 1].
    """
    tickers = [str(t) for t in tickers]
    rows = views.to_dict("records") if isinstance(views, pd.DataFrame) else [dict(v) for v in views]
    if not rows:
        raise DataError("Add at least one view (asset, optional versus, value).", code="no_views")
    has_conf = any(r.get("confidence") not in (None, "") and not _isnan(r.get("confidence")) for r in rows)
    mw = None
    if market_weights is not None:
        mw = pd.Series(market_weights, dtype=float)
        mw.index = mw.index.map(str)
    p = np.zeros((len(rows), len(tickers)))
    q = np.zeros(len(rows))
    conf = np.full(len(rows), 0.5)
    labels = []
    for k, row in enumerate(rows):
        where = f"View {k + 1}"
        asset = _view_asset(row, where, tickers)
        versus = _view_versus(row, where, tickers, asset)
        value = _view_value(row, where)
        p[k, tickers.index(asset)] = 1.0
        if versus:
            for v, s in zip(versus, _short_split(versus, mw), strict=True):
                p[k, tickers.index(v)] -= s
            labels.append(f"{asset} vs {', '.join(versus)}")
        else:
            labels.append(f"{asset}")
        q[k] = value
        c = row.get("confidence")
        if has_conf and c not in (None, "") and not _isnan(c):
            conf[k] = _view_confidence(c, where)
    labels = _unique(labels)
    return ViewMatrices(
        P=pd.DataFrame(p, index=labels, columns=tickers),
        Q=pd.Series(q, index=labels, name="view_return"),
        confidences=pd.Series(conf, index=labels, name="confidence") if has_conf else None,
    )


def _isnan(x: object) -> bool:
    return isinstance(x, float) and np.isnan(x)


def _unique(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for lab in labels:
        if lab in seen:
            seen[lab] += 1
            out.append(f"{lab} ({seen[lab]})")
        else:
            seen[lab] = 1
            out.append(lab)
    return out


def idzorek_omega(cov: pd.DataFrame, P: Any, confidences: Any, *, tau: float = DEFAULT_TAU) -> pd.DataFrame:
    """View uncertainty from Idzorek confidences: :math:`\\omega_k = \\frac{1-c_k}{c_k}\\tau p_k\\Sigma p_k'`.

    This is the exact solution of Idzorek's (2005) step 6 (the :math:`\\omega_k` whose
    single-view tilt of the unconstrained weights is :math:`c_k` times the tilt of a
    100%-confident view), shown in closed form by Walters (2011), section 6.2.
    A confidence of 1 gives :math:`\\omega_k = 0`.
    """
    tickers, c = _cov_frame(cov)
    p = _p_matrix(P, tickers)
    conf = np.asarray(confidences, dtype=float).ravel()
    if conf.size != p.shape[0]:
        raise DataError(
            f"Expected {p.shape[0]} confidences (one per view), got {conf.size}.", code="bad_confidence"
        )
    if not np.all((conf > 0) & (conf <= 1)):
        raise DataError("Confidences must be in (0, 1]; use 1 for certainty.", code="bad_confidence")
    var = np.einsum("ki,ij,kj->k", p, c, p)
    omega = (1.0 - conf) / conf * tau * var
    labels = list(P.index) if isinstance(P, pd.DataFrame) else [f"view {k + 1}" for k in range(p.shape[0])]
    return pd.DataFrame(np.diag(omega), index=labels, columns=labels)


def _p_matrix(P: Any, tickers: list[str]) -> np.ndarray:
    if isinstance(P, pd.DataFrame):
        cols = [str(c) for c in P.columns]
        extra = [c for c in cols if c not in tickers]
        if extra:
            raise DataError(
                f"The views mention {', '.join(extra[:5])}, which are not in the covariance.",
                code="unknown_ticker",
            )
        frame = P.copy()
        frame.columns = cols
        p = frame.reindex(columns=tickers, fill_value=0.0).to_numpy(float)
    else:
        p = np.atleast_2d(np.asarray(P, dtype=float))
        if p.shape[1] != len(tickers):
            raise DataError(
                f"P must have one column per ticker ({len(tickers)}); got {p.shape[1]}.", code="bad_views"
            )
    if not np.isfinite(p).all():
        raise DataError("The view matrix P has missing entries.", code="bad_views")
    empty = np.flatnonzero(~p.any(axis=1))
    if empty.size:
        raise DataError(
            f"View {empty[0] + 1} has no asset in it: remove it or pick an asset.", code="bad_views"
        )
    return p


def _view_returns(P: Any, Q: Any, k: int) -> tuple[list[str], np.ndarray]:
    """The views' labels and their expected returns :math:`Q` (one finite return per view)."""
    labels = list(P.index.map(str)) if isinstance(P, pd.DataFrame) else [f"view {i + 1}" for i in range(k)]
    q = np.asarray(
        Q.reindex(P.index) if isinstance(Q, pd.Series) and isinstance(P, pd.DataFrame) else Q, dtype=float
    )
    q = q.ravel()
    if q.size != k:
        raise DataError(
            f"Q has {q.size} values for {k} views: give one return per view.", code="bad_views"
        )
    if not np.isfinite(q).all():
        raise DataError("Every view needs a finite expected return (Q).", code="bad_views")
    return labels, q


def _view_omega(cov: pd.DataFrame, p: np.ndarray, tau: float, tau_c: np.ndarray, omega: Any,
                view_confidences: Any) -> np.ndarray:
    """The view uncertainty :math:`\\Omega`: from Idzorek confidences, as given, or He-Litterman's default."""
    k = p.shape[0]
    if omega is not None and view_confidences is not None:
        raise DataError("Give either omega or view confidences, not both.", code="bad_views")
    if view_confidences is not None:
        return idzorek_omega(cov, p, view_confidences, tau=tau).to_numpy()
    if omega is None:
        return np.diag(np.einsum("ki,ij,kj->k", p, tau_c, p))
    om = np.asarray(omega, dtype=float)
    omega_mat = np.diag(om) if om.ndim == 1 else om
    if omega_mat.shape != (k, k):
        raise DataError(
            f"Omega must be {k} x {k} (one row per view); got {omega_mat.shape}.", code="bad_omega"
        )
    if not np.isfinite(omega_mat).all() or (np.diag(omega_mat) < 0).any():
        raise DataError(
            "Omega must be finite with non-negative diagonal (view variances).", code="bad_omega"
        )
    return omega_mat


def _posterior(c: np.ndarray, pi: np.ndarray, tau_c: np.ndarray, p: np.ndarray, q: np.ndarray,
               omega_mat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and covariance; views that make :math:`P\\tau\\Sigma P' + \\Omega` singular are refused."""
    a = p @ tau_c @ p.T + omega_mat
    try:
        sol = np.linalg.solve(a, np.column_stack((q - p @ pi, p @ tau_c)))
    except np.linalg.LinAlgError:
        sol = None
    if sol is None or not np.isfinite(sol).all() or np.linalg.cond(a) > 1e12:
        raise DataError(
            "The views are redundant: some view is a combination of others with full confidence (for "
            "example the same view twice at 100%). Remove the duplicate or lower a confidence.",
            code="singular_views",
        )
    return pi + tau_c @ p.T @ sol[:, 0], c + tau_c - tau_c @ p.T @ sol[:, 1:]


def _unconstrained_weights(delta: float, wc: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """:math:`(\\delta\\Sigma_w)^{-1}\\mu_{BL}`, refused when the covariance is singular."""
    try:
        return np.linalg.solve(delta * wc, mu)
    except np.linalg.LinAlgError:
        raise DataError(
            "The covariance is singular, so the unconstrained weights are not defined: use a shrunk "
            "estimator (Ledoit-Wolf or OAS) or remove duplicate tickers.",
            code="singular_covariance",
        ) from None


def black_litterman(
    cov: pd.DataFrame,
    market_weights: Any,
    *,
    risk_aversion: float,
    tau: float = DEFAULT_TAU,
    P: Any = None,
    Q: Any = None,
    omega: Any = None,
    view_confidences: Any = None,
    weights_cov: str = "prior",
) -> BlackLittermanResult:
    """Black-Litterman posterior returns, covariance and unconstrained weights.

    .. math::

        \\Pi &= \\delta\\Sigma w_{mkt} \\\\
        \\mu_{BL} &= \\Pi + \\tau\\Sigma P'(P\\tau\\Sigma P' + \\Omega)^{-1}(Q - P\\Pi) \\\\
        \\Sigma_{BL} &= \\Sigma + \\tau\\Sigma - \\tau\\Sigma P'(P\\tau\\Sigma P'+\\Omega)^{-1}P\\tau\\Sigma \\\\
        w &= (\\delta\\Sigma_w)^{-1}\\mu_{BL}

    Parameters
    ----------
    cov : pandas.DataFrame
        Annual covariance of excess returns, tickers x tickers.
    market_weights : pandas.Series or array
        Market-capitalisation weights (the equilibrium portfolio).
    risk_aversion : float
        :math:`\\delta`; see :func:`implied_risk_aversion`.
    tau : float, default 0.05
        Uncertainty scale of the prior mean.
    P, Q : view portfolios (K x N, DataFrame with ticker columns or array) and
        their expected returns (K). Both None: no views, the posterior mean is the
        prior. See :func:`views_to_matrices` to build them from a grid.
    omega : K x K array/DataFrame or length-K diagonal, optional
        View uncertainty. Default :math:`\\operatorname{diag}(P\\tau\\Sigma P')`
        (He and Litterman, 1999). Mutually exclusive with ``view_confidences``.
    view_confidences : length-K, optional
        Idzorek (2005) confidences in (0, 1], turned into :math:`\\Omega` by
        :func:`idzorek_omega`.
    weights_cov : {"prior", "posterior"}, default "prior"
        Which covariance the unconstrained weights use. ``"prior"`` (:math:`\\Sigma`)
        as in Idzorek (2005) and PyPortfolioOpt: with no views the weights are
        exactly the market weights, and Idzorek's confidences are exact.
        ``"posterior"`` (:math:`\\Sigma_{BL}`) as in He and Litterman (1999), whose
        no-view weights are :math:`w_{mkt}/(1+\\tau)`.

    Returns
    -------
    BlackLittermanResult

    References
    ----------
    He, G., Litterman, R. (1999). "The Intuition Behind Black-Litterman Model Portfolios".
    Idzorek, T. (2005). "A Step-by-Step Guide to the Black-Litterman Model".
    """
    tickers, c = _cov_frame(cov)
    w_mkt = _market_weights(market_weights, tickers)
    delta = positive_parameter(risk_aversion, "risk_aversion", "Typical values are 1 to 5; 2.5 is common.")
    tau = positive_parameter(tau, "tau", "Typical values are 0.01 to 0.1 (0.05 is common).")
    if weights_cov not in ("prior", "posterior"):
        raise DataError("weights_cov must be 'prior' or 'posterior'.", code="bad_option")
    pi = delta * c @ w_mkt
    tau_c = tau * c
    if (P is None) != (Q is None):
        raise DataError("Give both the view portfolios P and their returns Q, or neither.", code="bad_views")
    if P is None:
        mu = pi.copy()
        post = c + tau_c
        omega_mat = np.zeros((0, 0))
        labels: list[str] = []
    else:
        p = _p_matrix(P, tickers)
        labels, q = _view_returns(P, Q, p.shape[0])
        omega_mat = _view_omega(cov, p, tau, tau_c, omega, view_confidences)
        mu, post = _posterior(c, pi, tau_c, p, q, omega_mat)
    post = 0.5 * (post + post.T)
    weights = _unconstrained_weights(delta, c if weights_cov == "prior" else post, mu)
    return BlackLittermanResult(
        prior_returns=pd.Series(pi, index=tickers, name="prior_return"),
        posterior_returns=pd.Series(mu, index=tickers, name="posterior_return"),
        posterior_cov=pd.DataFrame(post, index=tickers, columns=tickers),
        weights=pd.Series(weights, index=tickers, name="weight"),
        omega=pd.DataFrame(omega_mat, index=labels, columns=labels),
        risk_aversion=delta,
        tau=tau,
        weights_cov=weights_cov,
    )
