"""finance_core.risk.regimes: no look-ahead, labels and statistics against empyrical."""

from __future__ import annotations

import empyrical
import numpy as np
import pandas as pd
import pytest

from finance_core import risk


def test_regimes_have_no_look_ahead(market):
    bench = market["bench"]
    full = risk.detect_regimes(bench, min_train=500, refit_every=250)
    cut = bench.iloc[:1600]
    part = risk.detect_regimes(cut, min_train=500, refit_every=250)
    # Which days share a regime is decided with past data only: truncating the history leaves
    # every earlier assignment unchanged. (The names describe the statistics of the whole
    # analysed period, so a shorter period may name the same state differently.)
    pd.testing.assert_series_equal(full.states.iloc[:1600], part.states)
    for result in (full, part):  # one name per state
        assert result.labels.groupby(result.states).nunique().eq(1).all()
    allowed = {"warm-up", "bull quiet", "bull volatile", "bear quiet", "bear volatile"}
    assert set(full.labels.unique()) <= allowed
    assert (full.labels.iloc[:519] == "warm-up").all()  # 20 feature days + 499 training days
    assert (full.states.iloc[:519] == -1).all()


def test_regime_labels_agree_with_the_statistics_they_show(market):
    """Bundled data: the issue found 'bear volatile' at +27.6% a year and 'bull volatile' at -10.0%."""
    for returns, weights in ((market["bench"], None), (market["rets"], market["w"]),
                             (market["rets"], pd.Series(1 / 20, index=market["rets"].columns))):
        res = risk.detect_regimes(returns, weights=weights)
        for name, row in res.stats.iterrows():
            assert name.startswith("bull") == (row["annual_return"] > 0), name  # judged by annual_return
            others = res.stats["volatility"].drop(name)
            assert ("volatile" in name) == bool(row["volatility"] > others.min()), name  # two regimes
        # the table's realised return is the mean of the days that carry the label
        port = risk.portfolio_returns(returns, weights)
        for name, row in res.stats.iterrows():
            assert row["annual_return"] == pytest.approx(port[res.labels == name].mean() * 252, rel=1e-12)


def test_regimes_of_a_calm_up_trend_and_a_volatile_down_trend():
    # Alternating 250-day blocks: calm up-trend (+0.08% a day, 0.5% daily sd, about +20% and 8% a
    # year) and volatile down-trend (-0.15% a day, 2.5% daily sd, about -38% and 40% a year).
    rng = np.random.default_rng(3)
    calm = [rng.normal(0.0008, 0.005, 250) for _ in range(6)]
    wild = [rng.normal(-0.0015, 0.025, 250) for _ in range(6)]
    r = pd.Series(np.concatenate([b for pair in zip(calm, wild, strict=True) for b in pair]),
                  index=pd.bdate_range("2000-01-03", periods=3000))
    truth = pd.Series(np.tile(np.repeat(["bull quiet", "bear volatile"], 250), 6), index=r.index)
    res = risk.detect_regimes(r)
    assert set(res.stats.index) == {"bull quiet", "bear volatile"}
    judged = res.labels != "warm-up"
    # allow the 21-day feature window to lag each of the switches
    assert (res.labels[judged] == truth[judged]).mean() > 0.95
    assert res.stats.loc["bear volatile", "annual_return"] < 0 < res.stats.loc["bull quiet", "annual_return"]
    assert res.stats.loc["bear volatile", "feature_volatility"] > res.stats.loc["bull quiet", "feature_volatility"]


def test_regime_statistics_match_empyrical_on_each_regime(market):
    bench = market["bench"]
    res = risk.detect_regimes(bench, min_train=500, refit_every=250)
    for name, row in res.stats.iterrows():
        subset = bench[res.labels == name]
        assert row["days"] == len(subset)
        assert row["volatility"] == pytest.approx(empyrical.annual_volatility(subset), rel=1e-10)
        assert row["sharpe"] == pytest.approx(empyrical.sharpe_ratio(subset), rel=1e-10)
    assert res.stats["share"].sum() == pytest.approx(1.0)
