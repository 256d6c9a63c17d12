"""Factor risk models: the covariance of N assets as k factors plus specific risk.

A :class:`FactorModel` holds ``loadings`` B (N x k, tickers x factors), the ``factor_covariance``
F (k x k) and the ``specific_variance`` D (N, the diagonal of the residual covariance), all
annualised. The covariance it implies is ``B F B' + diag(D)``; :meth:`FactorModel.covariance`
forms that dense N x N matrix for code that needs it, and the optimisers that accept a
``FactorModel`` use its structure instead (O(N k^2), never forming N x N inside the solve).

The estimators that build one live in :mod:`finance_core.estimators` (``factor_model``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["FactorModel"]


@dataclass(frozen=True)
class FactorModel:
    """An annualised factor covariance: ``loadings @ factor_covariance @ loadings.T + diag(specific)``.

    Fields:
        loadings: tickers x factors (N x k) exposures B.
        factor_covariance: factors x factors (k x k) covariance F, annualised.
        specific_variance: per-ticker residual variance D (N), annualised, non-negative.
        method: how it was built (``"statistical"`` for PCA, ``"factors"`` for a regression on
            given factor returns).
        observations: the number of return rows it was fitted on.
        notes: sentences the user should know (how many factors and why, dropped rows ...).
    """

    loadings: pd.DataFrame
    factor_covariance: pd.DataFrame
    specific_variance: pd.Series
    method: str = "statistical"
    observations: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def tickers(self) -> pd.Index:
        return self.loadings.index

    @property
    def n_factors(self) -> int:
        return int(self.loadings.shape[1])

    def covariance(self) -> pd.DataFrame:
        """The dense N x N covariance ``B F B' + diag(D)`` (tickers x tickers)."""
        b = self.loadings.to_numpy(dtype=float)
        f = self.factor_covariance.to_numpy(dtype=float)
        matrix = b @ f @ b.T
        matrix[np.diag_indices_from(matrix)] += self.specific_variance.to_numpy(dtype=float)
        return pd.DataFrame(matrix, index=self.tickers, columns=self.tickers)

    def _vector(self, weights: pd.Series | np.ndarray) -> np.ndarray:
        if isinstance(weights, pd.Series):
            return weights.reindex(self.tickers).fillna(0.0).to_numpy(dtype=float)
        return np.asarray(weights, dtype=float)

    def factor_variance(self, weights: pd.Series | np.ndarray) -> float:
        """The factor part ``w' B F B' w`` of a portfolio's variance."""
        w = self._vector(weights)
        exposure = self.loadings.to_numpy(dtype=float).T @ w
        return float(exposure @ self.factor_covariance.to_numpy(dtype=float) @ exposure)

    def specific_variance_of(self, weights: pd.Series | np.ndarray) -> float:
        """The specific part ``w' D w`` of a portfolio's variance."""
        w = self._vector(weights)
        return float(np.sum(w * w * self.specific_variance.to_numpy(dtype=float)))
