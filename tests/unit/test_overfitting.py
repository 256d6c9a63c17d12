"""Deflated Sharpe ratio and PBO/CSCV against the papers' worked example and properties."""

import math

import numpy as np
import pytest
from scipy.stats import norm

from finance_core import backtest
from finance_core.errors import FinanceError
from finance_core.overfitting import (
    deflated_sharpe_ratio,
    expected_max_sharpe,
    probabilistic_sharpe_ratio,
    probability_of_backtest_overfitting,
)


def test_dsr_paper_worked_example():
    # Bailey & Lopez de Prado (2014), "The Deflated Sharpe Ratio", JPM 40(5), section 5 example:
    # annualised SR 2.5 over 5 years of daily data (T = 1250, 250 days a year), skew -3,
    # kurtosis 10, N = 100 trials with annualised Sharpe variance 0.5:
    # the expected maximum SR0 is 0.1132 per day and the DSR is 0.9004.
    sr, variance = 2.5 / math.sqrt(250), 0.5 / 250
    assert expected_max_sharpe(100, variance) == pytest.approx(0.1132, abs=5e-5)
    assert deflated_sharpe_ratio(sr, 1250, -3, 10, 100, variance) == pytest.approx(0.9004, abs=5e-5)
    assert backtest.deflated_sharpe_ratio(sr, 1250, -3, 10, 100, variance) == pytest.approx(0.9004, abs=5e-5)


def test_psr_normal_case_by_hand():
    # Normal returns (skew 0, kurtosis 3): z = SR sqrt(T-1) / sqrt(1 + SR^2 / 2).
    z = 0.1 * math.sqrt(99) / math.sqrt(1 + 0.01 / 2)
    assert probabilistic_sharpe_ratio(0.1, 100, 0.0, 3.0) == pytest.approx(norm.cdf(z), rel=1e-12)


def test_more_trials_deflate_more():
    low = deflated_sharpe_ratio(0.1, 1000, 0, 3, 10, 1e-3)
    high = deflated_sharpe_ratio(0.1, 1000, 0, 3, 1000, 1e-3)
    assert high < low


def test_excess_kurtosis_mistake_is_explained():
    with pytest.raises(FinanceError, match="Pearson"):
        deflated_sharpe_ratio(2.0, 100, 5.0, 0.0, 10, 1e-3)


def _blocks(*columns_per_block):
    """Stack blocks of rows; each block gives every strategy a constant mean with +-1% noise."""
    noise = np.array([0.01, -0.01, 0.01, -0.01])[:, None]
    return np.vstack([np.asarray(means)[None, :] + noise * [1.0, 1.0] for means in columns_per_block])


def test_pbo_hand_checked_overfit_case():
    # Two strategies, two blocks: A wins block 1, B wins block 2. Each split picks the
    # in-sample winner, which is last (rank 1 of 2, w = 1/3, logit -log 2) out of sample.
    result = probability_of_backtest_overfitting(_blocks([0.02, 0.0], [0.0, 0.02]), blocks=2)
    assert result.splits == 2
    np.testing.assert_allclose(result.logits, [-math.log(2)] * 2)
    assert result.pbo == 1.0


def test_pbo_hand_checked_skill_case():
    # A wins both blocks: the winner is first out of sample (w = 2/3, logit log 2): PBO 0.
    result = probability_of_backtest_overfitting(_blocks([0.02, 0.0], [0.03, 0.01]), blocks=2)
    np.testing.assert_allclose(result.logits, [math.log(2)] * 2)
    assert result.pbo == 0.0


def test_pbo_noise_is_near_one_half():
    # The paper's property: with skill-less variants the in-sample winner is a coin toss out of sample.
    noise = np.random.default_rng(7).normal(0, 0.01, (800, 50))
    result = backtest.probability_of_backtest_overfitting(noise, blocks=10)
    assert result.splits == 252
    assert 0.3 < result.pbo < 0.7


def test_pbo_odd_blocks_refused():
    with pytest.raises(FinanceError, match="even"):
        probability_of_backtest_overfitting(np.zeros((40, 3)), blocks=3)
