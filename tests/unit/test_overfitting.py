"""Deflated Sharpe ratio and PBO/CSCV against the papers' worked example and properties."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from finance_core import backtest
from finance_core.errors import FinanceError
from finance_core.overfitting import (
    check_overfitting,
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


def _pbo_by_loop(matrix, blocks):
    """CSCV written out split by split (Bailey et al. 2017, section 2): the oracle of the vectorised one."""
    import itertools

    from scipy.stats import rankdata

    parts = np.array_split(matrix[: len(matrix) // blocks * blocks], blocks)
    logits = []
    for train in itertools.combinations(range(blocks), blocks // 2):
        ins = np.vstack([parts[i] for i in train])
        oos = np.vstack([parts[i] for i in range(blocks) if i not in train])
        winner = np.argmax(ins.mean(0) / ins.std(0, ddof=1))
        w = rankdata(oos.mean(0) / oos.std(0, ddof=1))[winner] / (matrix.shape[1] + 1)
        logits.append(math.log(w / (1 - w)))
    return np.array(logits)


def test_pbo_matches_the_split_by_split_definition():
    returns = np.random.default_rng(11).normal(0.0004, 0.01, (250, 7))
    result = probability_of_backtest_overfitting(returns, blocks=8)
    expected = _pbo_by_loop(returns, 8)
    np.testing.assert_allclose(result.logits, expected, rtol=1e-9, atol=1e-12)
    assert result.pbo == pytest.approx(np.mean(expected <= 0))
    assert result.splits == 70  # C(8, 4)


def test_pbo_is_zero_when_one_variant_leads_in_every_block():
    # 16 blocks of 21 days; variant A's mean beats the three others' in every block by more than noise:
    # A wins every training half and ranks first of 4 out of sample, w = 4/5, logit log 4 > 0: PBO 0.
    rng = np.random.default_rng(5)
    returns = pd.DataFrame(rng.normal(0, 0.001, (16 * 21, 4)), columns=list("ABCD")) + [0.004, 0.0, 0.0, 0.0]
    check = backtest.OverfittingCheck  # re-exported for notebooks
    result = check_overfitting(returns)
    assert isinstance(result, check)
    assert (result.blocks, result.result.splits, result.variants) == (16, 12_870, 4)
    np.testing.assert_allclose(result.result.logits, math.log(4))
    assert result.pbo == 0.0
    assert "0.0% of 12,870 splits of 16 blocks of 21 days" in result.summary()


def test_identical_variants_sit_at_the_median_so_every_split_counts_as_overfit():
    # Tied variants share the average rank (N + 1) / 2: w = 1/2, logit 0, which the PBO (logit <= 0) counts.
    column = np.random.default_rng(2).normal(0.001, 0.01, 16 * 21)
    result = check_overfitting(pd.DataFrame({"a": column, "b": column, "c": column}))
    np.testing.assert_allclose(result.result.logits, 0.0, atol=1e-12)
    assert result.pbo == 1.0


def test_short_history_uses_fewer_blocks_then_says_why():
    rng = np.random.default_rng(1)
    assert check_overfitting(pd.DataFrame(rng.normal(0, 0.01, (200, 3)))).blocks == 8  # 16 x 21 > 200 >= 8 x 21
    short = check_overfitting(pd.DataFrame(rng.normal(0, 0.01, (80, 3))))
    assert short.result is None and np.isnan(short.pbo)
    assert "needs at least 84 days" in short.summary() and "has 80" in short.summary()
    single = check_overfitting(pd.DataFrame({"a": rng.normal(0, 0.01, 400)}))
    assert single.result is None and "two or more variants" in single.summary()
