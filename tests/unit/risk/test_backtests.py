"""finance_core.risk.backtests against SciPy (chi-squared likelihood-ratio tests)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from skfolio import measures as skm

from finance_core import risk


@pytest.mark.parametrize("x, t, level", [(0, 250, 0.99), (4, 250, 0.99), (12, 250, 0.99), (30, 500, 0.95)])
def test_kupiec_matches_scipy_g_test(x, t, level):
    p = 1 - level
    # Kupiec's LR is the G-test (log-likelihood power divergence) of observed vs expected counts
    g, pval = stats.power_divergence([t - x, x], f_exp=[t * (1 - p), t * p], lambda_="log-likelihood")
    res = risk.kupiec_test(x, t, level)
    assert res.statistic == pytest.approx(g, rel=1e-10, abs=1e-12)
    assert res.pvalue == pytest.approx(stats.chi2.sf(g, 1), rel=1e-8)


def test_christoffersen_matches_scipy_contingency_g_test():
    rng = np.random.default_rng(5)
    hits = rng.random(600) < 0.03
    hits[100:104] = True  # a cluster
    prev, nxt = hits[:-1], hits[1:]
    table = np.array([[np.sum(~prev & ~nxt), np.sum(~prev & nxt)], [np.sum(prev & ~nxt), np.sum(prev & nxt)]])
    g, pval, dof, _ = stats.chi2_contingency(table, correction=False, lambda_="log-likelihood")
    res = risk.christoffersen_test(hits, 0.99)
    assert res.statistic == pytest.approx(g, rel=1e-10)
    assert res.pvalue == pytest.approx(pval, rel=1e-8)
    assert res.reject
    cc = risk.christoffersen_test(hits, 0.99, kind="conditional_coverage")
    uc = risk.kupiec_test(int(table[:, 1].sum()), int(table.sum()), 0.99)
    assert cc.statistic == pytest.approx(uc.statistic + g, rel=1e-10)
    assert cc.dof == 2


@pytest.mark.parametrize("method", ["historical", "gaussian", "cornish_fisher"])
def test_var_backtest_forecasts_are_out_of_sample(market, method):
    port = market["port"]
    bt = risk.var_backtest(port, window=250, level=0.99, method=method)
    assert len(bt.frame) == len(port) - 250
    for j in (0, 137, len(bt.frame) - 1):
        date = bt.frame.index[j]
        past = port.loc[:date].iloc[-251:-1]  # the 250 days before `date`
        if method == "historical":
            expected = skm.value_at_risk(past.to_numpy(), beta=0.99)  # skfolio as oracle
        else:
            expected = risk.value_at_risk(past, 0.99, method)
        assert bt.frame["var"].iloc[j] == pytest.approx(expected, rel=1e-9)
    assert bt.exceptions == int((bt.frame["return"] < -bt.frame["var"]).sum())
    assert bt.kupiec == risk.kupiec_test(bt.exceptions, bt.observations, 0.99)
    assert bt.zone in ("green", "yellow", "red")
