"""Factor exposures: OLS of returns on factor returns with Newey-West (HAC) standard errors.

``factor_exposures(returns, factors)`` regresses one return series (the portfolio or a
holding) on a constant and the factor returns (the market and the bundled factor ETFs MTUM,
QUAL, SIZE, USMV, VLUE, or any columns), and reports the coefficients (``alpha`` per period
and the betas), Newey-West standard errors with Bartlett weights (no small-sample correction,
as statsmodels' ``cov_type="HAC"``), z-statistics, normal confidence intervals and R².
The bundled ETFs are long-only equity funds, so their returns are nearly collinear with the
market: :func:`spread_factors` turns them into long-short spreads (ETF minus market) beside the
market, so the market beta is the portfolio's beta and each spread's beta a tilt.
``rolling_betas`` refits over a moving window; ``factor_attribution`` splits the window's
summed return into exposure x factor return, alpha and residual. Returns are decimals per
period (daily: 252 periods a year).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ._checks import check_level, check_positive_int
from .errors import DataError

__all__ = [
    "EXPOSURE_COLUMNS",
    "ALPHA",
    "FactorExposure",
    "default_lags",
    "exposures_by_holding",
    "factor_attribution",
    "factor_exposures",
    "p_values",
    "rolling_betas",
    "spread_factors",
]

ALPHA = "alpha"
EXPOSURE_COLUMNS = ("coef", "std_error", "t_stat", "ci_low", "ci_high")


@dataclass(frozen=True)
class FactorExposure:
    """One regression: ``table`` indexed by term (``alpha`` then each factor), :data:`EXPOSURE_COLUMNS`."""

    table: pd.DataFrame
    r_squared: float
    observations: int
    lags: int
    level: float
    residuals: pd.Series

    @property
    def betas(self) -> pd.Series:
        return self.table["coef"].drop(ALPHA)

    @property
    def alpha(self) -> float:
        return float(self.table.loc[ALPHA, "coef"])


def spread_factors(market: pd.Series, etfs: pd.DataFrame, *, market_name: str = "Market") -> pd.DataFrame:
    """The market (named ``market_name``) and each ETF's return minus the market's (``"MTUM-Market"``...).

    Regressing on these rather than on the raw ETF returns leaves the fitted values unchanged, but the
    market coefficient becomes the whole equity beta and each spread coefficient a tilt off the market.
    """
    if not isinstance(market, pd.Series) or not isinstance(etfs, pd.DataFrame) or etfs.shape[1] == 0:
        raise DataError("Spread factors need a market return series and a table of ETF returns.", code="bad_input")
    spreads = etfs.sub(market, axis=0).add_suffix(f"-{market_name}")
    return pd.concat([market.rename(market_name), spreads], axis=1)


def default_lags(observations: int) -> int:
    """Newey and West's (1994) rule: ``floor(4 * (n / 100) ** (2 / 9))``."""
    return int(math.floor(4 * (observations / 100) ** (2 / 9)))


def _aligned(returns: pd.Series, factors: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    if not isinstance(returns, pd.Series) or not isinstance(factors, pd.DataFrame) or factors.shape[1] == 0:
        raise DataError(
            "Factor exposures need a return series and a table of factor returns (one column per factor).",
            code="bad_input",
        )
    joined = pd.concat([returns.rename("__y__"), factors], axis=1, join="inner").astype(float).dropna()
    needed = factors.shape[1] + 3
    if len(joined) < needed:
        raise DataError(
            f"The window has {len(joined)} dates with returns for both the portfolio and every factor; "
            f"the regression on {factors.shape[1]} factors needs at least {needed}. Choose a longer window.",
            code="window_too_short",
        )
    return joined["__y__"], joined[factors.columns]


def _hac_covariance(design: np.ndarray, resid: np.ndarray, lags: int) -> np.ndarray:
    """Newey-West sandwich ``(X'X)^-1 S (X'X)^-1`` with Bartlett weights ``1 - j / (lags + 1)``."""
    scores = design * resid[:, None]
    inner = scores.T @ scores
    for lag in range(1, lags + 1):
        gamma = scores[lag:].T @ scores[:-lag]
        inner += (1 - lag / (lags + 1)) * (gamma + gamma.T)
    bread = np.linalg.inv(design.T @ design)
    return bread @ inner @ bread


def factor_exposures(returns: pd.Series, factors: pd.DataFrame, *, lags: int | None = None, level: float = 0.95) -> FactorExposure:
    """OLS of ``returns`` on a constant and ``factors`` over their common dates (see the module)."""
    level = check_level(level)
    y, x = _aligned(returns, factors)
    n = len(y)
    lags = default_lags(n) if lags is None else check_positive_int(lags, "number of Newey-West lags", minimum=0)
    design = np.column_stack([np.ones(n), x.to_numpy()])
    if np.linalg.matrix_rank(design) < design.shape[1]:
        raise DataError(
            "The factor returns are collinear (one is a copy or a mix of the others, or constant). Drop a factor.",
            code="collinear_factors",
        )
    coef, *_ = np.linalg.lstsq(design, y.to_numpy(), rcond=None)
    resid = y.to_numpy() - design @ coef
    errors = np.sqrt(np.diag(_hac_covariance(design, resid, lags)))
    z = stats.norm.ppf(0.5 + level / 2)
    table = pd.DataFrame(
        {"coef": coef, "std_error": errors, "t_stat": coef / errors, "ci_low": coef - z * errors, "ci_high": coef + z * errors},
        index=pd.Index([ALPHA, *map(str, x.columns)], name="term"),
    )
    centred = y.to_numpy() - y.mean()
    r_squared = 1 - float(resid @ resid) / float(centred @ centred)
    return FactorExposure(table, r_squared, n, lags, level, pd.Series(resid, index=y.index, name="residual"))


def p_values(table: pd.DataFrame) -> pd.Series:
    """Two-sided normal p-values of a :class:`FactorExposure` table's ``t_stat`` (as statsmodels' HAC ``pvalues``)."""
    return pd.Series(2 * stats.norm.sf(np.abs(table["t_stat"].to_numpy())), index=table.index, name="p_value")


def exposures_by_holding(returns: pd.DataFrame, factors: pd.DataFrame, *, lags: int | None = None) -> pd.DataFrame:
    """Coefficients of each holding (rows) on the factors (columns ``alpha`` and each factor), plus ``r_squared``."""
    rows = {}
    for name in returns.columns:
        fit = factor_exposures(returns[name], factors, lags=lags)
        rows[name] = {**fit.table["coef"].to_dict(), "r_squared": fit.r_squared}
    return pd.DataFrame.from_dict(rows, orient="index")


def rolling_betas(returns: pd.Series, factors: pd.DataFrame, window: int) -> pd.DataFrame:
    """OLS coefficients over each trailing ``window`` of dates, indexed by the window's last date."""
    window = check_positive_int(window, "rolling window", minimum=factors.shape[1] + 3)
    y, x = _aligned(returns, factors)
    if len(y) < window:
        raise DataError(
            f"The rolling window of {window} dates is longer than the {len(y)} dates available. Shorten it.",
            code="window_too_short",
        )
    design = np.column_stack([np.ones(len(y)), x.to_numpy()])
    target = y.to_numpy()
    rows = [np.linalg.lstsq(design[end - window:end], target[end - window:end], rcond=None)[0]
            for end in range(window, len(y) + 1)]
    return pd.DataFrame(rows, index=y.index[window - 1:], columns=[ALPHA, *map(str, x.columns)])


def factor_attribution(returns: pd.Series, factors: pd.DataFrame, exposure: FactorExposure | None = None) -> pd.Series:
    """The window's summed return split into beta x summed factor return, alpha x periods and residual.

    The parts add to ``returns.sum()`` over the regression dates (arithmetic, per-period sums);
    with an ``exposure`` fitted on another window the residual takes up the difference.
    """
    fit = exposure or factor_exposures(returns, factors)
    y, x = _aligned(returns, factors)
    parts = fit.betas * x.sum().rename(index=str)
    parts[ALPHA] = fit.alpha * len(y)
    parts["residual"] = float(y.sum()) - float(parts.sum())
    return parts.rename("contribution")
