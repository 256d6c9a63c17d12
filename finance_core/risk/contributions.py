"""Risk contributions: Euler allocation of volatility and of VaR/CVaR to the
holdings, and their aggregation by sector.

References
----------
.. [2] McNeil, A., Frey, R. & Embrechts, P. (2015). *Quantitative Risk Management*,
   revised ed. Princeton University Press. (Euler allocation.)
.. [8] Tasche, D. (1999). Risk contributions and performance measurement. Working
   paper, TU Munich (Euler allocation of volatility, VaR and ES).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._checks import check_level
from ..errors import DataError
from ._checks import as_frame, as_weights, cov_frame

__all__ = [
    "RiskContributions",
    "risk_contributions",
    "tail_risk_contributions",
    "aggregate_by_sector",
]


@dataclass(frozen=True)
class RiskContributions:
    """Euler contributions of each holding (or sector) to one risk measure.

    ``table``: indexed by ticker (by sector after :func:`aggregate_by_sector`), columns
    ``weight``, ``marginal``, ``component`` (summing to ``total``) and ``percent`` (summing
    to 1); ``total``: the portfolio's measure in the units of the inputs; ``measure``:
    ``"volatility"``, ``"var"`` or ``"cvar"``.
    """

    table: pd.DataFrame
    total: float
    measure: str


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


def risk_contributions(weights: pd.Series | Mapping | np.ndarray, cov: pd.DataFrame) -> RiskContributions:
    r"""Euler decomposition of portfolio volatility (Tasche 1999; Roncalli 2013, ch. 2).

    .. math:: \sigma_p = \sqrt{w'\Sigma w},\quad \mathrm{MRC}_i = \frac{(\Sigma w)_i}{\sigma_p},
              \quad \mathrm{RC}_i = w_i\,\mathrm{MRC}_i,\quad \sum_i \mathrm{RC}_i = \sigma_p

    Returns :class:`RiskContributions`: ``table`` indexed by ticker with ``weight``, ``marginal``,
    ``component`` (volatility units, summing to the portfolio volatility ``total``) and
    ``percent`` (sums to 1). Volatility is in the units of ``cov`` (annualise the covariance
    for annual figures).
    """
    cov = cov_frame(cov, list(weights.index) if isinstance(weights, pd.Series) else None)
    tickers = list(cov.columns)
    w = as_weights(weights, tickers)
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
    return RiskContributions(frame, vol, "volatility")


def tail_risk_contributions(
    returns: pd.DataFrame,
    weights: pd.Series | Mapping | np.ndarray,
    level: float = 0.95,
    measure: str = "cvar",
    method: str = "gaussian",
) -> RiskContributions:
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

    Returns :class:`RiskContributions`: ``table`` with ``weight``, ``marginal``, ``component``
    (sums to the measure) and ``percent`` (sums to 1), indexed by ticker; ``total`` is the measure.
    """
    level = check_level(level)
    if measure not in ("var", "cvar"):
        raise DataError(f"Unknown measure {measure!r}: choose 'var' or 'cvar'.", code="unknown_method")
    if method not in ("gaussian", "historical"):
        raise DataError(
            f"Contributions are computed with method 'gaussian' or 'historical', not {method!r}.",
            code="unknown_method",
        )
    frame = as_frame(returns)
    tickers = list(frame.columns)
    w = as_weights(weights, tickers)
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
    return RiskContributions(out, total, measure)


def aggregate_by_sector(contributions: RiskContributions, sector_map: Mapping | pd.Series) -> RiskContributions:
    """Sum ``weight``, ``component`` and ``percent`` by sector (Euler components add up).

    The result has the same ``total`` and ``measure``; its table is indexed by sector.

    ``marginal`` of a sector is its component per unit of weight (``component / weight``).
    Tickers missing from ``sector_map`` go to ``"Unclassified"``.
    """
    sectors = pd.Series(sector_map, dtype=object) if not isinstance(sector_map, pd.Series) else sector_map
    table = contributions.table
    labels = sectors.reindex(table.index).fillna("Unclassified").astype(object).to_numpy()
    cols = [c for c in ("weight", "component", "percent") if c in table.columns]
    grouped = table[cols].groupby(labels).sum()
    grouped.index.name = "sector"
    if "weight" in grouped and "component" in grouped:
        with np.errstate(divide="ignore", invalid="ignore"):
            grouped.insert(
                1,
                "marginal",
                np.where(grouped["weight"] != 0, grouped["component"] / grouped["weight"], np.nan),
            )
    return RiskContributions(
        grouped.sort_values("component", ascending=False), contributions.total, contributions.measure
    )
