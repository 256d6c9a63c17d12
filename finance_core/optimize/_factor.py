"""Factor-form risk for the optimisers (private): a checked FactorModel as arrays, never N x N.

:class:`FactorRisk` carries the loadings B (N x k), an upper factor U of the factor covariance
(U'U = F) and the specific volatilities s = sqrt(D). The general cvxpy path writes the risk as
``||U y||^2 + ||s * w||^2`` with ``y = B'w`` (k + N terms instead of an N x N Cholesky), and the
reported statistics use the same form (O(N k)).

When to use it: at or below :data:`DENSE_MAX_N` assets the dense fast paths (nnls, active set,
critical line, PIQP) on ``B F B' + diag(D)`` are faster than any cvxpy solve, so a FactorModel is
expanded there; above it (or when the caller forces ``solver="cvxpy"``) the factor form goes to
cvxpy. Measured once on this shared, noisy 2-core machine (random 10-factor models, max Sharpe,
best of 3, compiled model cached; dense = the fast path "auto" picks, factor = cvxpy/Clarabel):

    N     long-only (nnls)   5% cap (cla)    5% cap + 11 sector caps (piqp)
    150   2 vs 7 ms          50 vs 18 ms     16 vs 18 ms
    300   15 vs 21 ms        175 vs 22 ms    83 vs 134 ms (41 vs 15 ms in another run)
    400   -                  -               84 vs 21 ms

Re-measured on 2026-12-03 (``python benchmarks/bench_constrained.py --dense-vs-factor``: the
issue-12 generator, 10 factors, 11 sectors, max Sharpe, best of 3, load average about 7) now that
caps, sectors and turnover have active-set fast paths (dense ms vs factor-form ms):

    N      long-only      5% cap         5% cap + sectors    + 20% turnover
    200    3 vs 31        8 vs 21        10 vs 59            29 vs 43
    300    43 vs 31       20 vs 27       28 vs 49            39 vs 75
    500    62 vs 33       48 vs 49       61 vs 69            169 vs 89
    1000   196 vs 54      180 vs 59      209 vs 96           250 vs 119

so dense wins or ties up to 300 (long-only at 300 within the noise), the two tie at 500 under
caps and the factor form wins everywhere at 1000: the threshold stays N <= 300.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import DataError
from ..factor_model import FactorModel
from ._checks import checked_number, prepare_mu

__all__ = ["DENSE_MAX_N", "FactorRisk", "checked_factor_inputs", "dense_or_factor", "is_factor_model"]

#: Largest universe where a FactorModel is expanded to the dense covariance (see the docstring).
DENSE_MAX_N = 300


@dataclass(frozen=True)
class FactorRisk:
    """A factor covariance as arrays: ``B (U'U) B' + diag(s**2)``."""

    loadings: np.ndarray
    factor_chol: np.ndarray
    specific_vol: np.ndarray

    @property
    def n(self) -> int:
        return int(self.loadings.shape[0])

    def variance(self, w: np.ndarray) -> float:
        """``w' Σ w`` in the factor form."""
        return float(self.row_variances(np.atleast_2d(w))[0])

    def row_variances(self, rows: np.ndarray) -> np.ndarray:
        """``w_i' Σ w_i`` for each row of ``rows`` (points x N)."""
        y = rows @ self.loadings @ self.factor_chol.T
        return np.sum(y * y, axis=1) + np.sum((rows * self.specific_vol) ** 2, axis=1)

    def asset_variances(self) -> np.ndarray:
        """The diagonal of Σ."""
        bu = self.loadings @ self.factor_chol.T
        return np.sum(bu * bu, axis=1) + self.specific_vol**2

    def dense(self) -> np.ndarray:
        bu = self.loadings @ self.factor_chol.T
        out = bu @ bu.T
        out[np.diag_indices_from(out)] += self.specific_vol**2
        return out

    def cvxpy_values(self) -> dict[str, np.ndarray]:
        """The parameter values of the factor-form cvxpy model."""
        return {"B": self.loadings, "U": self.factor_chol, "sd": self.specific_vol}


def _frame_values(frame: Any, what: str) -> np.ndarray:
    values = np.asarray(frame, dtype=float)
    if not np.isfinite(values).all():
        raise DataError(
            f"The factor model's {what} has missing or infinite entries: re-estimate it "
            "(estimators.factor_model) on dates where every ticker has prices.",
            code="bad_factor_model",
        )
    return values


def _factor_chol(f: np.ndarray) -> np.ndarray:
    f = (f + f.T) / 2
    vals, vecs = np.linalg.eigh(f)
    if vals.min() < -1e-10 * max(1.0, abs(vals.max())):
        raise DataError(
            f"The factor covariance is not positive semi-definite (smallest eigenvalue {vals.min():.3g}): "
            "re-estimate the factor model.",
            code="bad_factor_model",
        )
    return (vecs * np.sqrt(np.maximum(vals, 0.0))).T


def checked_factor_risk(model: FactorModel, mu: Any) -> tuple[list[str], FactorRisk, np.ndarray]:
    """Tickers, :class:`FactorRisk` and expected returns of a FactorModel; DataError when they disagree."""
    tickers = [str(t) for t in model.loadings.index]
    if not tickers:
        raise DataError("The factor model has no tickers: select at least one asset.", code="no_assets")
    if len(set(tickers)) != len(tickers):
        raise DataError("The factor model lists a ticker twice: re-estimate it.", code="bad_factor_model")
    mu_index = [str(t) for t in getattr(mu, "index", [])]
    known = set(tickers)  # once: rebuilding it per ticker made this check O(N^2), 2.7 s at N = 5000
    extra = [t for t in mu_index if t not in known]
    if extra:
        raise DataError(
            f"The factor model does not cover {', '.join(extra[:5])} (in the expected returns): "
            "estimate mu and the factor model on the same tickers.",
            code="bad_factor_model",
        )
    factors = list(model.loadings.columns)
    f_cov = model.factor_covariance
    if list(f_cov.index) != factors or list(f_cov.columns) != factors:
        raise DataError(
            "The factor covariance must list the loadings' factors, in the same order, on both axes.",
            code="bad_factor_model",
        )
    spec = model.specific_variance
    if [str(t) for t in spec.index] != tickers:
        raise DataError(
            "The specific variances must list the loadings' tickers in the same order.",
            code="bad_factor_model",
        )
    d = _frame_values(spec, "specific variance")
    if (d < 0).any():
        bad = [tickers[i] for i in np.flatnonzero(d < 0)]
        raise DataError(
            f"The factor model has negative specific variances for {', '.join(bad[:5])}.",
            code="bad_factor_model",
        )
    risk = FactorRisk(
        _frame_values(model.loadings, "loadings"),
        _factor_chol(_frame_values(f_cov, "factor covariance")),
        np.sqrt(d),
    )
    return tickers, risk, prepare_mu(mu, tickers)


def checked_factor_inputs(
    model: FactorModel, mu: Any, risk_free_rate: Any
) -> tuple[list[str], FactorRisk, list[str], np.ndarray, float]:
    """Like ``checked_inputs`` for a FactorModel: ``tickers, risk, notes, mu, rf``."""
    tickers, risk, mu_v = checked_factor_risk(model, mu)
    notes = list(model.notes)
    return tickers, risk, notes, mu_v, checked_number(risk_free_rate, "risk_free_rate")


def dense_or_factor(risk: FactorRisk, solver: str) -> np.ndarray | FactorRisk:
    """The dense covariance for small universes on the fast paths, the factor form otherwise."""
    if risk.n <= DENSE_MAX_N and solver in ("auto", "fast"):
        return risk.dense()
    return risk


def is_factor_model(cov: Any) -> bool:
    return isinstance(cov, FactorModel)
