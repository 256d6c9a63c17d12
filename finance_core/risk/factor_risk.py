"""A portfolio's variance split into factor and specific parts under a factor risk model.

With exposures ``x = B' w`` the variance is ``w' (B F B' + D) w = x' F x + w' D w``. The factor
part is shared among the factors by the Euler allocation ``c_j = x_j (F x)_j`` (Menchero and
Davis 2011, "Risk contribution is exposure times volatility times correlation", Journal of
Portfolio Management 37(2)): the contributions add up to the factor variance exactly, and a
contribution is negative when the factor hedges the others.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..factor_model import FactorModel
from ._checks import as_weights

__all__ = [
    "FactorRiskDecomposition",
    "factor_risk_decomposition",
    "portfolio_factor_risk",
    "FACTOR_RISK_MODELS",
    "FACTOR_RISK_COLUMNS",
]

#: The factor models :func:`portfolio_factor_risk` builds, with their labels.
FACTOR_RISK_MODELS = {
    "factor_pca": "Statistical (PCA)",
    "factor_etf": "Factor ETFs (MTUM QUAL SIZE USMV VLUE)",
}

#: Columns of :attr:`FactorRiskDecomposition.table`.
FACTOR_RISK_COLUMNS = ("component", "exposure", "variance", "share")


@dataclass(frozen=True)
class FactorRiskDecomposition:
    """Annualised variance of a portfolio split into factor and specific parts.

    ``total_variance = factor_variance + specific_variance``; ``contributions`` (indexed by
    factor) add up to ``factor_variance``; ``exposures`` are ``B' w``; ``method`` is the
    model's (``"statistical"`` or ``"factors"``).
    """

    total_variance: float
    factor_variance: float
    specific_variance: float
    contributions: pd.Series
    exposures: pd.Series
    method: str
    notes: tuple[str, ...] = ()

    @property
    def factor_share(self) -> float:
        return self.factor_variance / self.total_variance if self.total_variance > 0 else float("nan")

    @property
    def specific_share(self) -> float:
        return self.specific_variance / self.total_variance if self.total_variance > 0 else float("nan")

    @property
    def volatility(self) -> float:
        return float(np.sqrt(max(self.total_variance, 0.0)))

    def shares(self) -> pd.Series:
        """Each factor's contribution and the specific part as fractions of the total variance."""
        parts = pd.concat([self.contributions, pd.Series({"Specific": self.specific_variance})])
        return (parts / self.total_variance).rename("share")

    def table(self) -> pd.DataFrame:
        """One row per factor, then ``Specific`` and ``Total``: exposure, variance, share of total."""
        rows = [
            (str(name), float(self.exposures[name]), float(var)) for name, var in self.contributions.items()
        ]
        rows += [
            ("Specific", float("nan"), self.specific_variance),
            ("Total", float("nan"), self.total_variance),
        ]
        frame = pd.DataFrame(rows, columns=list(FACTOR_RISK_COLUMNS[:3]))
        frame["share"] = frame["variance"] / self.total_variance if self.total_variance > 0 else float("nan")
        return frame


def factor_risk_decomposition(weights: pd.Series | np.ndarray, model: FactorModel) -> FactorRiskDecomposition:
    """Split the variance of ``weights`` (fractions by ticker) into factor and specific parts.

    Weights are aligned to the model's tickers (missing tickers must not carry weight: a
    ticker the model does not know raises ``DataError``).
    """
    w = as_weights(weights, list(model.tickers))
    exposure = model.loadings.to_numpy(dtype=float).T @ w
    f = model.factor_covariance.to_numpy(dtype=float)
    contributions = exposure * (f @ exposure)
    specific = float(np.sum(w * w * model.specific_variance.to_numpy(dtype=float)))
    factor = float(contributions.sum())
    names = model.loadings.columns
    return FactorRiskDecomposition(
        total_variance=factor + specific,
        factor_variance=factor,
        specific_variance=specific,
        contributions=pd.Series(contributions, index=names, name="contribution"),
        exposures=pd.Series(exposure, index=names, name="exposure"),
        method=model.method,
        notes=model.notes,
    )


def portfolio_factor_risk(
    returns: pd.DataFrame, weights: pd.Series, model: str = "factor_pca", *, periods_per_year: float = 252
) -> FactorRiskDecomposition:
    """Fit ``model`` (a key of :data:`FACTOR_RISK_MODELS`) on ``returns`` and decompose ``weights``.

    ``"factor_pca"``: the statistical model (k by the eigenvalue ratio); ``"factor_etf"``: the
    regression on the bundled factor ETFs' returns.
    """
    from ..errors import DataError
    from ..estimators import covariance_estimate

    if model not in FACTOR_RISK_MODELS:
        raise DataError(
            f"Unknown factor model {model!r}: choose one of {', '.join(FACTOR_RISK_MODELS)}.",
            code="unknown_method",
        )
    fitted = covariance_estimate(returns, model, periods_per_year=periods_per_year).factor_model
    assert fitted is not None  # the factor methods always carry their model
    return factor_risk_decomposition(weights, fitted)
