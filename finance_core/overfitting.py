"""Overfitting made visible: the deflated Sharpe ratio and the probability of backtest overfitting.

* Deflated Sharpe ratio (Bailey and Lopez de Prado, "The Deflated Sharpe Ratio: Correcting for
  Selection Bias, Backtest Overfitting and Non-Normality", Journal of Portfolio Management 40(5),
  2014): the probability that the true Sharpe ratio exceeds the best Sharpe ratio that
  ``trials`` skill-less trials would be expected to show, given the trials' Sharpe variance,
  the sample length, skewness and (Pearson) kurtosis. All Sharpe ratios are per period.
* Probability of backtest overfitting by combinatorially symmetric cross-validation (Bailey,
  Borwein, Lopez de Prado and Zhu, "The Probability of Backtest Overfitting", Journal of
  Computational Finance 20(4), 2017): the share of in-sample/out-of-sample splits in which the
  in-sample best variant ranks in the bottom half out of sample.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import comb
from scipy.stats import norm, rankdata

from ._checks import check_finite, check_positive, check_positive_int
from .errors import DataError

__all__ = [
    "EULER_MASCHERONI",
    "PBOResult",
    "deflated_sharpe_ratio",
    "expected_max_sharpe",
    "probabilistic_sharpe_ratio",
    "probability_of_backtest_overfitting",
]

EULER_MASCHERONI = 0.5772156649015329
#: CSCV refuses more splits than this (C(16, 8) = 12,870 is the paper's example size).
MAX_SPLITS = 20_000


def expected_max_sharpe(trials: int, trials_sharpe_variance: float) -> float:
    """Expected maximum of ``trials`` skill-less Sharpe ratios with the given variance (DSR eq. 2)."""
    n = check_positive_int(trials, "number of trials", minimum=2)
    variance = check_positive(trials_sharpe_variance, "The variance of the trials' Sharpe ratios")
    gamma = EULER_MASCHERONI
    spread = (1 - gamma) * norm.ppf(1 - 1 / n) + gamma * norm.ppf(1 - 1 / (n * math.e))
    return float(math.sqrt(variance) * spread)


def probabilistic_sharpe_ratio(
    sharpe: float, observations: int, skew: float, kurtosis: float, benchmark: float = 0.0
) -> float:
    """P(true Sharpe > ``benchmark``) given the sample Sharpe, length, skewness and Pearson kurtosis."""
    sr = check_finite(sharpe, "The Sharpe ratio")
    t = check_positive_int(observations, "number of observations", minimum=2)
    g3 = check_finite(skew, "The skewness")
    g4 = check_finite(kurtosis, "The kurtosis")
    denominator = 1 - g3 * sr + (g4 - 1) / 4 * sr**2
    if denominator <= 0:
        raise DataError(
            "The skewness and kurtosis give a negative Sharpe-ratio variance; check that the kurtosis "
            "is Pearson's (3 for a normal distribution), not the excess kurtosis.",
            code="bad_moments",
        )
    return float(norm.cdf((sr - float(benchmark)) * math.sqrt(t - 1) / math.sqrt(denominator)))


def deflated_sharpe_ratio(
    sharpe: float,
    observations: int,
    skew: float,
    kurtosis: float,
    trials: int,
    trials_sharpe_variance: float,
) -> float:
    """The deflated Sharpe ratio: the PSR against the expected maximum Sharpe of ``trials`` trials.

    ``sharpe`` and ``trials_sharpe_variance`` are per period (not annualised); ``kurtosis`` is
    Pearson's (3 for a normal distribution).
    """
    threshold = expected_max_sharpe(trials, trials_sharpe_variance)
    return probabilistic_sharpe_ratio(sharpe, observations, skew, kurtosis, benchmark=threshold)


@dataclass(frozen=True)
class PBOResult:
    """CSCV's answer: the PBO, the logits of each split, and the number of splits."""

    pbo: float
    logits: np.ndarray
    splits: int


def _sharpe(block: np.ndarray) -> np.ndarray:
    std = block.std(axis=0, ddof=1)
    return np.where(std > 0, block.mean(axis=0) / np.where(std > 0, std, 1.0), 0.0)


def _check_matrix(returns, blocks: int) -> tuple[np.ndarray, int]:
    matrix = np.asarray(returns, dtype=float)
    s = check_positive_int(blocks, "number of CSCV blocks", minimum=2)
    if matrix.ndim != 2 or matrix.shape[1] < 2:
        raise DataError(
            "PBO needs a table of returns with one column per variant (2 or more).", code="bad_returns"
        )
    if s % 2:
        raise DataError(f"The number of CSCV blocks must be even; got {s}.", code="bad_parameter")
    if matrix.shape[0] < 2 * s or not np.isfinite(matrix).all():
        raise DataError(
            f"PBO needs finite returns with at least 2 rows per block ({2 * s} rows); got {matrix.shape[0]}.",
            code="bad_returns",
        )
    if comb(s, s // 2) > MAX_SPLITS:
        raise DataError(f"{s} blocks give too many splits; use 16 or fewer.", code="bad_parameter")
    return matrix, s


def probability_of_backtest_overfitting(returns: pd.DataFrame | np.ndarray, blocks: int = 16) -> PBOResult:
    """PBO by CSCV on a (periods x variants) return table, ranking variants by Sharpe ratio.

    Rows are split into ``blocks`` equal contiguous blocks (trailing rows dropped); every
    choice of half the blocks is a training set, the rest its test set. The logit of the
    in-sample winner's relative out-of-sample rank ``w = rank / (N + 1)`` is ``log(w / (1 - w))``;
    the PBO is the share of splits with a logit of zero or less.
    """
    matrix, s = _check_matrix(returns, blocks)
    size = matrix.shape[0] // s
    parts = [matrix[i * size : (i + 1) * size] for i in range(s)]
    n = matrix.shape[1]
    logits = []
    for train in itertools.combinations(range(s), s // 2):
        test = [i for i in range(s) if i not in train]
        winner = int(np.argmax(_sharpe(np.vstack([parts[i] for i in train]))))
        rank = rankdata(_sharpe(np.vstack([parts[i] for i in test])))[winner]
        omega = rank / (n + 1)
        logits.append(math.log(omega / (1 - omega)))
    values = np.array(logits)
    return PBOResult(pbo=float(np.mean(values <= 0)), logits=values, splits=len(values))
