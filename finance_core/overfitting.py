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
    "OverfittingCheck",
    "PBOResult",
    "check_overfitting",
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


def _split_sharpes(parts: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Per-period Sharpe ratios (ddof 1) of every variant on the union of each split's ``chosen`` blocks.

    ``parts`` is (blocks x rows x variants), ``chosen`` a (splits x blocks) 0/1 matrix; the variance
    comes from sums of the returns less their overall column mean (no loss of precision when the
    mean is large against the spread). A flat series has Sharpe 0.
    """
    centred = parts - parts.mean(axis=(0, 1))
    n = parts.shape[1] * chosen.sum(axis=1, keepdims=True)
    mean = chosen @ parts.sum(axis=1) / n
    shift = chosen @ centred.sum(axis=1) / n
    variance = np.maximum(chosen @ (centred**2).sum(axis=1) / n - shift**2, 0.0) * n / (n - 1)
    std = np.sqrt(variance)
    flat = std <= 1e-12 * np.maximum(np.abs(mean), 1e-300)
    return np.where(flat, 0.0, mean / np.where(flat, 1.0, std))


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
    parts = matrix[: size * s].reshape(s, size, matrix.shape[1])
    train = np.zeros((int(comb(s, s // 2, exact=True)), s))
    for row, blocks_in in enumerate(itertools.combinations(range(s), s // 2)):
        train[row, list(blocks_in)] = 1.0
    winner = np.argmax(_split_sharpes(parts, train), axis=1)
    ranks = rankdata(_split_sharpes(parts, 1.0 - train), axis=1)
    omega = ranks[np.arange(len(train)), winner] / (matrix.shape[1] + 1)
    values = np.log(omega / (1 - omega))
    return PBOResult(pbo=float(np.mean(values <= 0)), logits=values, splits=len(values))


#: The desk's CSCV settings: the paper's 16 blocks, fewer (down to 4) when the history is short,
#: each block at least a trading month of daily returns.
DESK_BLOCKS, MIN_BLOCKS, MIN_BLOCK_ROWS = 16, 4, 21


@dataclass(frozen=True)
class OverfittingCheck:
    """The PBO of a set of compared variants, or why it was not computed (``result`` None, ``reason`` set)."""

    variants: int
    observations: int
    blocks: int
    result: PBOResult | None
    reason: str = ""

    @property
    def pbo(self) -> float:
        """The probability of backtest overfitting, NaN when not computed."""
        return self.result.pbo if self.result is not None else float("nan")

    def summary(self) -> str:
        """One line: the PBO, the partitions it used and what it means (or why there is none)."""
        if self.result is None:
            return f"Probability of backtest overfitting: not computed. {self.reason}"
        rows = self.observations // self.blocks
        return (f"Probability of backtest overfitting (CSCV, Bailey et al. 2017): {self.pbo:.1%} of "
                f"{self.result.splits:,} splits of {self.blocks} blocks of {rows} days into halves, {self.variants} "
                "variants. It is the share of splits in which the variant with the best Sharpe ratio on one half "
                "ranks in the bottom half on the other: near 0% the best backtest stays ahead out of sample, "
                "50% or more means picking the best backtest is no better than chance.")


def check_overfitting(returns: pd.DataFrame, blocks: int = DESK_BLOCKS,
                      min_block_rows: int = MIN_BLOCK_ROWS) -> OverfittingCheck:
    """:func:`probability_of_backtest_overfitting` of the variants' per-period returns (one column each).

    Rows with a missing value are dropped. Uses ``blocks`` (even), or the most blocks, down to
    :data:`MIN_BLOCKS`, that give each at least ``min_block_rows`` rows; with fewer than two
    variants or too few rows the check says so instead of giving a number.
    """
    table = pd.DataFrame(returns).dropna()
    variants, rows = table.shape[1], table.shape[0]
    if variants < 2:
        return OverfittingCheck(variants, rows, 0, None,
                                "It compares two or more variants; pick at least two methods.")
    usable = [s for s in range(check_positive_int(blocks, "number of CSCV blocks", minimum=2), MIN_BLOCKS - 1, -1)
              if s % 2 == 0 and rows // s >= min_block_rows]
    if not usable:
        return OverfittingCheck(variants, rows, 0, None,
                                f"It needs at least {MIN_BLOCKS * min_block_rows} days of returns common to every "
                                f"variant ({MIN_BLOCKS} blocks of {min_block_rows}); the backtest has {rows}. "
                                "Choose an earlier start or a shorter lookback.")
    return OverfittingCheck(variants, rows, usable[0], probability_of_backtest_overfitting(table, usable[0]))
