"""FHS VaR: a hand-checked day, no look-ahead, and FHS against historical VaR on clustered losses."""

import numpy as np
import pandas as pd
import pytest

from finance_core.errors import DataError
from finance_core.forecast import ewma_variance, garch_forecast
from finance_core.risk.fhs import (
    FHS_BACKTEST_COLUMNS,
    compare_fhs_with_historical,
    desk_variance_forecast,
    fhs_value_at_risk,
    fhs_var_backtest,
)
from finance_core.risk.tail import empirical_var


@pytest.fixture(scope="module")
def returns():
    rng = np.random.default_rng(17)
    n, s2, out = 1400, 1e-4, []
    for z in rng.standard_normal(n):
        r = np.sqrt(s2) * z
        out.append(r)
        s2 = 2e-6 + 0.1 * r**2 + 0.88 * s2
    return pd.Series(out, index=pd.bdate_range("2019-01-01", periods=n))


def test_one_day_by_hand(returns):
    variance = ewma_variance(returns)
    result = fhs_var_backtest(returns, variance, window=100, level=0.99)
    sigma = np.sqrt(variance.shift(1))
    z = (returns / sigma).iloc[1:101].to_numpy()  # day 0 has no forecast
    day = returns.index[101]
    assert result.frame.index[0] == day
    assert result.frame.loc[day, "var"] == pytest.approx(sigma.loc[day] * empirical_var(z, 0.99), rel=1e-12)


def test_no_look_ahead(returns):
    altered = returns.copy()
    altered.iloc[800:] *= 3.0
    base = fhs_var_backtest(returns, ewma_variance(returns), 250).frame["var"]
    moved = fhs_var_backtest(altered, ewma_variance(altered), 250).frame["var"]
    before = base.index < returns.index[801]
    np.testing.assert_allclose(base[before], moved[before], rtol=1e-12)


def test_garch_fhs_beats_historical_on_garch_data(returns):
    forecast = garch_forecast(returns, 1, min_train=500, refit_every=100)
    result = compare_fhs_with_historical(returns, forecast, window=250, level=0.99)
    assert result.fhs.frame.index.equals(result.historical.frame.index)
    # Volatility clustering: plain historical exceptions bunch; FHS passes Christoffersen's test.
    assert result.fhs.conditional_coverage.statistic < result.historical.conditional_coverage.statistic


# --------------------------------------------------------------------------- today's FHS VaR/CVaR
def test_todays_fhs_var_is_the_residual_quantile_times_the_forecast_vol_by_hand(returns):
    # Hand check: the RiskMetrics recursion written out, every residual r[t] / sigma[t] with sigma[t] the
    # forecast of day t-1, the lower empirical quantile -z_(floor(n(1-a))+1) (McNeil, Frey & Embrechts 2015,
    # eq. 2.19 convention) and the Acerbi-Tasche mean of the k = n(1-a) worst, times tomorrow's volatility.
    r = returns.to_numpy()
    s2 = np.empty_like(r)
    s2[0] = r[0] ** 2
    for t in range(1, len(r)):
        s2[t] = 0.94 * s2[t - 1] + 0.06 * r[t] ** 2
    z = np.sort(r[1:] / np.sqrt(s2[:-1]))
    n = z.size  # 1399 residuals: n(1-a) = 13.99 at 99%
    var_z = -z[int(np.floor(n * 0.01))]
    k = n * 0.01
    cvar_z = -(z[:13].sum() + (k - 13) * z[13]) / k
    result = fhs_value_at_risk(returns, ewma_variance(returns), level=0.99, horizon=1)
    assert result.residuals == n
    assert result.sigma == pytest.approx(np.sqrt(s2[-1]), rel=1e-12)
    assert result.var == pytest.approx(np.sqrt(s2[-1]) * var_z, rel=1e-12)
    assert result.cvar == pytest.approx(np.sqrt(s2[-1]) * cvar_z, rel=1e-12)
    ten = fhs_value_at_risk(returns, ewma_variance(returns), level=0.99, horizon=10)
    assert ten.var == pytest.approx(result.var * np.sqrt(10), rel=1e-12)  # square root of time
    row = result.table_row(1_000_000)
    assert row.loc["fhs", "var_amount"] == pytest.approx(result.var * 1e6)


def test_garch_fhs_var_against_arch_own_forecast():
    # arch (Sheppard) fitted directly on the first 500 days is the oracle: its one-step variance forecasts
    # filter the later returns with those parameters, which is what the desk's rolling origin does when the
    # refit interval (300) is longer than the test span (500 training + 200 days).
    from arch import arch_model

    rng = np.random.default_rng(5)
    n, s2, out = 700, 1e-4, []
    for e in rng.standard_t(6, n) / np.sqrt(1.5):
        r = np.sqrt(s2) * e
        out.append(r)
        s2 = 3e-6 + 0.08 * r**2 + 0.89 * s2
    series = pd.Series(out, index=pd.bdate_range("2020-01-01", periods=n))
    fit = arch_model(series * 100, mean="Constant", vol="GARCH", p=1, q=1, dist="t").fit(last_obs=500, disp="off")
    arch_var = fit.forecast(horizon=1, start=499, reindex=False).variance.iloc[:, 0].to_numpy() / 1e4  # days 499..699
    z = np.sort(series.to_numpy()[500:] / np.sqrt(arch_var[:-1]))  # 200 residuals: 200 * 1% = 2
    expected_var = np.sqrt(arch_var[-1]) * -z[2]
    expected_cvar = np.sqrt(arch_var[-1]) * -(z[0] + z[1]) / 2

    forecast = desk_variance_forecast(series, "garch", min_train=500, refit_every=300)
    assert forecast.index[0] == series.index[499] and len(forecast) == 201
    np.testing.assert_allclose(forecast.to_numpy(), arch_var, rtol=1e-6)
    result = fhs_value_at_risk(series, forecast, level=0.99)
    assert result.residuals == 200
    assert result.var == pytest.approx(expected_var, rel=1e-6)
    assert result.cvar == pytest.approx(expected_cvar, rel=1e-6)


def test_desk_forecast_reads_only_the_past(returns):
    altered = returns.copy()
    altered.iloc[1000:] *= 2.5
    base = desk_variance_forecast(returns, "gjr", min_train=500, refit_every=250)
    moved = desk_variance_forecast(altered, "gjr", min_train=500, refit_every=250)
    before = base.index < returns.index[1000]
    np.testing.assert_allclose(base[before], moved[before], rtol=1e-10)
    assert not np.allclose(base[~before], moved[~before])


def test_short_history_and_unknown_model_get_a_message(returns):
    with pytest.raises(DataError, match="trains on 500 days and needs more history"):
        desk_variance_forecast(returns.iloc[:300], "garch")
    with pytest.raises(DataError, match="choose one of ewma, garch, gjr, har, ml"):
        desk_variance_forecast(returns, "arima")


# --------------------------------------------------------------------------- FHS against historical, side by side
def test_backtest_table_counts_both_methods_on_the_same_days(returns):
    from scipy import stats

    result = compare_fhs_with_historical(returns, ewma_variance(returns), window=250, level=0.99)
    table = result.table()
    assert list(table.columns) == list(FHS_BACKTEST_COLUMNS) and list(table["method"]) == ["fhs", "historical"]
    for (_, row), bt in zip(table.iterrows(), (result.fhs, result.historical), strict=True):
        hits = bt.frame["return"] < -bt.frame["var"]
        assert row["exceptions"] == int(hits.sum()) and row["observations"] == len(bt.frame) == 1149
        assert row["expected"] == pytest.approx(1149 * 0.01)
        # Kupiec (1995) LR written out, chi-squared with 1 dof (scipy).
        x, t = row["exceptions"], row["observations"]
        lr = -2 * ((t - x) * np.log(0.99) + x * np.log(0.01) - (t - x) * np.log(1 - x / t) - x * np.log(x / t))
        assert row["kupiec_p"] == pytest.approx(stats.chi2.sf(lr, 1), rel=1e-9)
    # Historical VaR on the same days: the plain rolling 250-day empirical quantile of the raw returns.
    day = result.historical.frame.index[0]
    pos = returns.index.get_loc(day)
    past = np.sort(returns.iloc[pos - 250 : pos].to_numpy())
    assert result.historical.frame.loc[day, "var"] == pytest.approx(-past[2], rel=1e-12)
    gap = {name: abs(n - 11.49) for name, n in zip(table["method"], table["exceptions"], strict=True)}
    assert ("FHS is closer" in result.verdict()) == (gap["fhs"] < gap["historical"])
