"""Walk-forward backtest: a hand-checked two-asset case, no look-ahead, costs, cancel, metrics."""

import numpy as np
import pandas as pd
import pytest

from finance_core.backtest import compare, rebalance_dates, run
from finance_core.data import load_dataset
from finance_core.errors import DataError, InfeasibleError


def equal_weight(window):
    return pd.Series(1.0 / window.shape[1], index=window.columns)


@pytest.fixture
def tiny():
    dates = pd.to_datetime(
        ["2021-01-27", "2021-01-28", "2021-01-29", "2021-02-01", "2021-02-02", "2021-02-03"]
    )
    return pd.DataFrame(
        {"A": [100.0, 100.0, 100.0, 110.0, 110.0, 121.0], "B": [100.0, 100.0, 100.0, 100.0, 90.0, 90.0]},
        index=dates,
    )


def test_two_assets_by_hand(tiny):
    res = run(tiny, equal_weight, rebalance="M", lookback=2, cost_bps=10)
    # By hand: returns start 2021-01-28; with a 2-day lookback the first window ends on
    # 2021-01-29 (month end) -> buy 50/50 from cash at that close: turnover 1, cost 10 bp.
    # 2021-02-01: A +10%, B 0%    -> 0.999 * (0.5*1.10 + 0.5*1.00)
    # 2021-02-02: B -10% (drifted) -> 0.999 * (0.5*1.10 + 0.5*0.90)
    # 2021-02-03: A +10%          -> 0.999 * (0.5*1.21 + 0.5*0.90)
    expected = [1.0, 0.999, 0.999 * 1.05, 0.999 * 1.00, 0.999 * 1.055]
    np.testing.assert_allclose(res.equity.to_numpy(), expected, rtol=1e-12)
    assert list(res.equity.index) == list(tiny.index[1:])
    assert res.turnover.tolist() == [1.0]
    assert res.costs.tolist() == pytest.approx([0.001])
    np.testing.assert_allclose(res.returns.to_numpy(), np.array(expected[1:]) / np.array(expected[:-1]) - 1)


def test_drift_and_second_rebalance_cost():
    dates = pd.bdate_range("2021-01-25", "2021-02-05")
    a = [100, 100, 100, 100, 100, 110, 110, 110, 110, 110]
    b = [100] * 10
    prices = pd.DataFrame({"A": a, "B": b}, index=dates, dtype=float)
    res = run(prices, equal_weight, rebalance="W", lookback=2, cost_bps=100)
    # weekly rebalances on Fri 2021-01-29 (from cash) and no other full week before the end
    # except the last date (2021-02-05), which is skipped: one trade only.
    assert list(res.turnover.index) == [pd.Timestamp("2021-01-29")]
    assert res.equity.iloc[-1] == pytest.approx(0.99 * 1.05)
    # daily rebalancing: after A's jump the drifted weights are 0.55/1.05 and 0.5/1.05
    daily = run(prices, equal_weight, rebalance="D", lookback=2, cost_bps=100)
    jump = daily.turnover.loc["2021-02-01"]
    assert jump == pytest.approx(abs(0.5 - 0.55 / 1.05) + abs(0.5 - 0.5 / 1.05))


def test_no_look_ahead():
    prices = load_dataset("sp500").prices.iloc[-700:, :6]
    seen = []

    def spy(window):
        seen.append(window.index[-1])
        # tilt to yesterday's winner: any peek at the future would change the path below
        last = window.iloc[-1]
        return (last.rank() / last.rank().sum()).rename(None)

    full = run(prices, spy, rebalance="M", lookback=60, cost_bps=5)
    assert seen == list(full.weights.index)  # the window ends on the rebalance date itself
    cut = prices.iloc[:450]
    short = run(cut, spy, rebalance="M", lookback=60, cost_bps=5)
    common = short.equity.index[:-1]
    # the same dates give the same equity whether or not later prices exist
    np.testing.assert_allclose(short.equity.loc[common], full.equity.loc[common], rtol=1e-12)
    # weights chosen on day t earn day t+1's return, not day t's
    t = full.weights.index[3]
    i = full.equity.index.get_loc(t)
    nxt = full.equity.index[i + 1]
    r_next = prices.pct_change().loc[nxt]
    w = full.weights.loc[t]
    assert full.returns.loc[nxt] == pytest.approx(float(w @ r_next))


def test_metrics_match_empyrical():
    import empyrical

    ds = load_dataset("sp500")
    prices = ds.prices.loc["2016":"2020"]
    comp = compare(prices, {"ew": equal_weight}, lookback=126, cost_bps=10, benchmark=ds.benchmark)
    r = comp.equity["ew"].pct_change().dropna()
    m = comp.metrics.loc["ew"]
    # oracle: empyrical-reloaded (risk_free = 0, 252 periods)
    assert m["sharpe"] == pytest.approx(empyrical.sharpe_ratio(r), rel=1e-9)
    assert m["sortino"] == pytest.approx(empyrical.sortino_ratio(r), rel=1e-9)
    assert m["volatility"] == pytest.approx(empyrical.annual_volatility(r), rel=1e-9)
    assert m["max_drawdown"] == pytest.approx(empyrical.max_drawdown(r), rel=1e-9)  # negative
    assert m["cagr"] == pytest.approx(empyrical.cagr(r), rel=1e-9)
    assert m["calmar"] == pytest.approx(empyrical.calmar_ratio(r), rel=1e-9)
    assert comp.equity["benchmark"].iloc[0] == pytest.approx(1.0)
    assert comp.equity.index[0] == comp.results["ew"].equity.index[0]
    assert (comp.drawdowns <= 0).all().all()


def test_progress_and_cancel():
    prices = load_dataset("sp500").prices.iloc[-600:, :5]
    fractions = []
    comp = compare(prices, {"a": equal_weight, "b": equal_weight}, lookback=60, progress=fractions.append)
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert comp.completed
    calls = {"n": 0}

    def stop_after_three():
        calls["n"] += 1
        return calls["n"] > 3

    res = run(prices, equal_weight, lookback=60, should_stop=stop_after_three)
    assert not res.completed
    assert len(res.weights) == 3


def test_failing_optimiser_keeps_previous_weights():
    prices = load_dataset("sp500").prices.iloc[-400:, :4]
    calls = {"n": 0}

    def flaky(window):
        calls["n"] += 1
        if calls["n"] == 3:
            raise InfeasibleError("Bounds cannot sum to one.")
        return equal_weight(window)

    res = run(prices, flaky, lookback=60)
    assert len(res.notes) == 1 and "Kept the previous weights" in res.notes[0]


def test_errors_are_specific(tiny):
    with pytest.raises(DataError, match="not more than the lookback of 252 days"):
        run(tiny, equal_weight)
    with pytest.raises(DataError, match="Unknown rebalance frequency 'X'"):
        run(tiny, equal_weight, rebalance="X", lookback=2)
    with pytest.raises(DataError, match="weights for ZZZ"):
        run(tiny, lambda w: pd.Series({"ZZZ": 1.0}), lookback=2)
    with pytest.raises(DataError, match="failed on 2021-01-29: ZeroDivisionError"):
        run(tiny, lambda w: 1 / 0, lookback=2)
    with pytest.raises(DataError, match="at least one strategy"):
        compare(tiny, {})


def test_rebalance_dates_are_period_ends():
    idx = pd.bdate_range("2021-01-01", "2021-12-31")
    q = rebalance_dates(idx, "Q")
    assert list(q.strftime("%m-%d")) == ["03-31", "06-30", "09-30", "12-31"]
    assert len(rebalance_dates(idx, "M")) == 12


def test_metrics_show_the_deflated_sharpe_when_several_strategies_compete():
    from scipy.stats import kurtosis, norm, skew

    prices = load_dataset("sp500").prices.iloc[-800:, :6]

    def first(window):
        return pd.Series(1.0, index=window.columns[:1])

    def minimum_vol(window):
        inv = 1 / window.std()
        return inv / inv.sum()

    comp = compare(prices, {"ew": equal_weight, "first": first, "inv_vol": minimum_vol}, lookback=60,
                   benchmark=prices.iloc[:, 0])
    cols = list(comp.metrics.columns)
    assert cols[cols.index("sharpe") + 1] == "deflated_sharpe"
    assert np.isnan(comp.metrics.loc["benchmark", "deflated_sharpe"])
    # Bailey and Lopez de Prado (2014), eqs. 2 and 9, written out again: per-period Sharpe ratios,
    # the expected best of N = 3 skill-less trials, then the probabilistic Sharpe ratio against it
    r = {k: comp.equity[k].pct_change().dropna() for k in ("ew", "first", "inv_vol")}
    sr = {k: x.mean() / x.std(ddof=1) for k, x in r.items()}
    var = np.var(list(sr.values()), ddof=1)
    g = 0.5772156649015329
    sr0 = np.sqrt(var) * ((1 - g) * norm.ppf(1 - 1 / 3) + g * norm.ppf(1 - 1 / (3 * np.e)))
    for k, x in r.items():
        z = (sr[k] - sr0) * np.sqrt(len(x) - 1) / np.sqrt(
            1 - skew(x) * sr[k] + (kurtosis(x, fisher=False) - 1) / 4 * sr[k] ** 2)
        assert comp.metrics.loc[k, "deflated_sharpe"] == pytest.approx(norm.cdf(z), rel=1e-9)
    single = compare(prices, {"ew": equal_weight}, lookback=60)
    assert "deflated_sharpe" not in single.metrics.columns


def test_comparison_reports_the_pbo_of_its_strategies():
    from finance_core.overfitting import probability_of_backtest_overfitting

    prices = load_dataset("sp500").prices.iloc[-800:, :6]

    def first(window):
        return pd.Series(1.0, index=window.columns[:1])

    def last(window):
        return pd.Series(1.0, index=window.columns[-1:])

    comp = compare(prices, {"ew": equal_weight, "first": first, "last": last}, lookback=60,
                   benchmark=prices.iloc[:, 0])
    check = comp.overfitting
    # 800 prices, trading from the first month end after the 60-day lookback: 734 daily net returns per
    # strategy, 16 blocks of 45 days (the benchmark is not a variant); the number is CSCV on the returns
    # read back from the equity curves.
    returns = comp.equity[["ew", "first", "last"]].pct_change().dropna()
    assert (check.variants, check.observations, check.blocks) == (3, len(returns), 16)
    assert len(returns) == 734
    expected = probability_of_backtest_overfitting(returns.to_numpy(), blocks=16)
    assert check.pbo == pytest.approx(expected.pbo) and check.result.splits == 12_870
    assert "of 12,870 splits of 16 blocks of 45 days" in check.summary()
    alone = compare(prices, {"ew": equal_weight}, lookback=60).overfitting
    assert alone.result is None and "two or more variants" in alone.summary()
