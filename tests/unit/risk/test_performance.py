"""finance_core.risk.performance against empyrical (ratios, rolling statistics) and
QuantStats (skew, kurtosis, win rate, ulcer index, drawdown details).
"""

from __future__ import annotations

import warnings

import empyrical
import numpy as np
import pandas as pd
import pytest
import quantstats as qs

from finance_core import risk


def test_performance_summary_matches_empyrical(market):
    port, bench = market["port"], market["bench"]
    rf_annual = 0.02
    rf = (1 + rf_annual) ** (1 / 252) - 1
    s = risk.performance_summary(port, bench, risk_free_rate=rf_annual)
    assert s["cagr"] == pytest.approx(empyrical.annual_return(port), rel=1e-10)
    assert s["volatility"] == pytest.approx(empyrical.annual_volatility(port), rel=1e-10)
    assert s["sharpe"] == pytest.approx(empyrical.sharpe_ratio(port, risk_free=rf), rel=1e-10)
    assert s["sortino"] == pytest.approx(empyrical.sortino_ratio(port, required_return=rf), rel=1e-10)
    assert s["calmar"] == pytest.approx(empyrical.calmar_ratio(port), rel=1e-10)
    assert s["omega"] == pytest.approx(empyrical.omega_ratio(port, risk_free=rf), rel=1e-10)
    assert s["max_drawdown"] == pytest.approx(empyrical.max_drawdown(port), rel=1e-10)
    alpha, beta = empyrical.alpha_beta(port, bench, risk_free=rf)
    assert s["beta"] == pytest.approx(beta, rel=1e-10)
    assert s["alpha"] == pytest.approx(alpha, rel=1e-8)
    assert s["information_ratio"] == pytest.approx(
        empyrical.excess_sharpe(port, bench) * np.sqrt(252), rel=1e-10
    )
    assert s["tracking_error"] == pytest.approx(empyrical.annual_volatility(port - bench), rel=1e-10)


def test_performance_summary_matches_quantstats(market):
    port = market["port"]
    s = risk.performance_summary(port)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert s["skew"] == pytest.approx(qs.stats.skew(port), rel=1e-10)
        assert s["kurtosis"] == pytest.approx(qs.stats.kurtosis(port), rel=1e-10)
        assert s["hit_rate"] == pytest.approx(qs.stats.win_rate(port), rel=1e-12)
        assert s["best_day"] == pytest.approx(qs.stats.best(port), rel=1e-12)
        assert s["worst_day"] == pytest.approx(qs.stats.worst(port), rel=1e-12)
        # Martin's Ulcer index averages over n; QuantStats divides the sum by n - 1
        n = len(port)
        assert s["ulcer_index"] ** 2 * n == pytest.approx(
            qs.stats.ulcer_index(port) ** 2 * (n - 1), rel=1e-10
        )


def test_rolling_statistics_match_empyrical(market):
    port, bench = market["port"], market["bench"]
    roll = risk.rolling_statistics(port, bench, window=63)
    vol = empyrical.roll_annual_volatility(port, 63)
    pd.testing.assert_series_equal(roll["volatility"].dropna(), vol, check_names=False, rtol=1e-9)
    sharpe = empyrical.roll_sharpe_ratio(port, 63)
    pd.testing.assert_series_equal(roll["sharpe"].dropna(), sharpe, check_names=False, rtol=1e-8)
    beta = empyrical.roll_beta(port, bench, 63)
    np.testing.assert_allclose(
        roll["beta"].dropna().to_numpy(), np.asarray(beta).ravel()[-len(roll["beta"].dropna()) :], rtol=1e-8
    )


def test_drawdowns_match_quantstats_details(market):
    port = market["port"]
    result = risk.drawdowns(port, top=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dd = qs.stats.to_drawdown_series(port)
        details = qs.stats.drawdown_details(dd).sort_values("max drawdown").head(5)
    np.testing.assert_allclose(result.underwater.to_numpy(), dd.to_numpy(), atol=1e-12)
    np.testing.assert_allclose(
        result.table["drawdown"].to_numpy() * 100, details["max drawdown"].to_numpy(), rtol=1e-9
    )
    assert list(result.table["trough"].dt.strftime("%Y-%m-%d")) == list(details["valley"])
    assert result.max_drawdown == pytest.approx(empyrical.max_drawdown(port), rel=1e-12)
    first = result.table.iloc[0]
    assert first["peak"] < first["trough"]
    assert pd.isna(first["recovery"]) or first["recovery"] > first["trough"]
