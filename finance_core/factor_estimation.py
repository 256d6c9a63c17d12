"""Fitting factor risk models: statistical (PCA of returns) and on given factor returns (OLS).

:func:`factor_model` builds a :class:`~finance_core.factor_model.FactorModel`, annualised with
``periods_per_year`` like the other estimators in :mod:`finance_core.estimators`.

- Statistical: the principal components of the demeaned returns. Loadings ``B = V_k diag(1)``
  (the top-k eigenvectors of the sample covariance), factor returns ``f = X V_k`` with the
  diagonal factor covariance ``diag(lambda_1..lambda_k)``, specific variances the variances of
  the residuals ``X - f V_k'`` (degrees of freedom ``T - 1``, as the sample covariance).
  When ``n_factors`` is None, k maximises the eigenvalue ratio ``lambda_k / lambda_{k+1}``
  over ``1 <= k <= min(10, N - 1, T - 2)`` (Ahn and Horenstein 2013, ER). Bai and Ng's IC_p2
  was tried first and rejected: with the desk's small universes (N of 10-20) its penalty is
  too weak and it picks the largest k searched.
- Factors: each asset regressed (OLS with an intercept) on the given factor returns;
  loadings are the slopes, the factor covariance is the sample covariance of the factor
  returns, specific variances the residual variances (degrees of freedom ``T - k - 1``).

References: S. C. Ahn and A. R. Horenstein (2013), "Eigenvalue ratio test for the number of
factors", Econometrica 81(3), 1203-1227. J. Bai and S. Ng (2002), "Determining the number of
factors in approximate factor models", Econometrica 70(1), 191-221.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import DataError
from .factor_model import FactorModel

__all__ = ["factor_model", "eigenvalue_ratio_k", "MAX_STATISTICAL_FACTORS"]

#: The largest k the eigenvalue-ratio search considers.
MAX_STATISTICAL_FACTORS = 10


def _complete_rows(returns: pd.DataFrame, what: str) -> pd.DataFrame:
    from .estimators import clean_returns

    frame = clean_returns(returns, what=what).dropna(how="any")
    if frame.shape[0] < 2:
        raise DataError(
            f"Fewer than 2 dates have {what} for every ticker: shorten the date range or drop the "
            "tickers with short histories.",
            code="too_few_observations",
        )
    return frame


def _check_ppy(periods_per_year: float) -> float:
    from .estimators import check_periods_per_year

    return check_periods_per_year(periods_per_year)


def eigenvalue_ratio_k(eigenvalues: np.ndarray, k_max: int) -> int:
    """The k in 1..k_max maximising ``lambda_k / lambda_{k+1}`` (Ahn and Horenstein 2013, ER).

    ``eigenvalues`` sorted in decreasing order, at least ``k_max + 1`` of them.
    """
    top = np.asarray(eigenvalues[: k_max + 1], dtype=float)
    ratios = top[:-1] / np.maximum(top[1:], 1e-300)
    return int(np.argmax(ratios)) + 1


def _statistical(frame: pd.DataFrame, n_factors: int | None, ppy: float) -> FactorModel:
    t, n = frame.shape
    k_cap = min(n - 1, t - 2, MAX_STATISTICAL_FACTORS)
    if n_factors is not None and not (isinstance(n_factors, int | np.integer) and 1 <= n_factors < n):
        raise DataError(
            f"n_factors must be a whole number from 1 to {n - 1} (fewer than the {n} assets), got "
            f"{n_factors!r}.",
            code="bad_n_factors",
        )
    if n_factors is not None and n_factors > t - 2:
        raise DataError(
            f"{t} complete dates are too few for {n_factors} factors: need at least {n_factors + 2}; "
            "choose fewer factors or a longer date range.",
            code="too_few_observations",
        )
    if k_cap < 1:
        raise DataError(
            f"A statistical factor model needs at least 2 assets and 3 complete dates; got {n} and {t}.",
            code="too_few_observations",
        )
    x = frame.to_numpy() - frame.to_numpy().mean(axis=0)
    vals, vecs = np.linalg.eigh(x.T @ x / (t - 1))
    order = np.argsort(vals)[::-1]
    vals, vecs = np.maximum(vals[order], 0.0), vecs[:, order]
    if n_factors is None:
        k = eigenvalue_ratio_k(vals, k_cap)
        why = (
            f"{k} statistical factor(s) chosen by the eigenvalue ratio of Ahn and Horenstein (2013) "
            f"(the largest gap lambda_k / lambda_k+1, searched 1-{k_cap})"
        )
    else:
        k, why = int(n_factors), f"{int(n_factors)} statistical factor(s), as requested"
    basis = vecs[:, :k]
    residuals = x - (x @ basis) @ basis.T
    names = [f"PC{i + 1}" for i in range(k)]
    explained = float(vals[:k].sum() / max(vals.sum(), 1e-300))
    return FactorModel(
        loadings=pd.DataFrame(basis, index=frame.columns, columns=names),
        factor_covariance=pd.DataFrame(np.diag(vals[:k]) * ppy, index=names, columns=names),
        specific_variance=pd.Series(residuals.var(axis=0, ddof=1) * ppy, index=frame.columns),
        method="statistical",
        observations=t,
        notes=(f"{why}; they explain {explained:.0%} of the variance.",),
    )


def _aligned(frame: pd.DataFrame, factors: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    factor_frame = _complete_rows(factors, "factor returns")
    common = frame.index.intersection(factor_frame.index)
    if len(common) < 2:
        raise DataError(
            "The factor returns share fewer than 2 dates with the asset returns: give factor returns "
            "indexed by the same dates (for example the bundled factor ETFs over the same period).",
            code="factors_not_aligned",
        )
    return frame.loc[common], factor_frame.loc[common]


def _regression(frame: pd.DataFrame, factors: pd.DataFrame, ppy: float) -> FactorModel:
    assets, factor_frame = _aligned(frame, factors)
    t, k = factor_frame.shape
    if t <= k + 1:
        raise DataError(
            f"{t} common dates are too few to regress on {k} factors: need at least {k + 2}; choose a "
            "longer date range or fewer factors.",
            code="too_few_observations",
        )
    design = np.column_stack([np.ones(t), factor_frame.to_numpy()])
    coef, *_ = np.linalg.lstsq(design, assets.to_numpy(), rcond=None)
    residuals = assets.to_numpy() - design @ coef
    names = [str(c) for c in factor_frame.columns]
    dropped = frame.shape[0] - t
    notes = [f"{k} factor(s) given ({', '.join(names)}), loadings by OLS on {t} common dates."]
    if dropped:
        notes.append(f"{dropped} asset dates without factor returns were dropped.")
    return FactorModel(
        loadings=pd.DataFrame(coef[1:].T, index=assets.columns, columns=names),
        factor_covariance=pd.DataFrame(
            np.cov(factor_frame.to_numpy(), rowvar=False, ddof=1).reshape(k, k) * ppy,
            index=names,
            columns=names,
        ),
        specific_variance=pd.Series((residuals**2).sum(axis=0) / (t - k - 1) * ppy, index=assets.columns),
        method="factors",
        observations=t,
        notes=tuple(notes),
    )


def factor_model(
    returns: pd.DataFrame,
    n_factors: int | None = None,
    factors: pd.DataFrame | None = None,
    *,
    periods_per_year: float = 252,
) -> FactorModel:
    """A factor risk model of ``returns`` (dates x tickers, simple periodic returns), annualised.

    With ``factors`` (dates x factors, e.g. the bundled factor ETFs' returns) each asset is
    regressed on them; otherwise a statistical (PCA) model with ``n_factors`` components, or
    the number the eigenvalue ratio of Ahn and Horenstein (2013) picks when ``n_factors`` is None (see the
    module docstring). Rows with a missing return are dropped. Raises ``DataError`` when there
    are too few rows for k factors, the factors share no dates with the returns, or
    ``n_factors`` is not below the number of assets.
    """
    ppy = _check_ppy(periods_per_year)
    frame = _complete_rows(returns, "returns")
    if factors is not None:
        if n_factors is not None and n_factors != factors.shape[1]:
            raise DataError(
                f"n_factors={n_factors} does not match the {factors.shape[1]} factor columns given: "
                "leave n_factors empty when you give factor returns.",
                code="bad_n_factors",
            )
        return _regression(frame, factors, ppy)
    return _statistical(frame, n_factors, ppy)
