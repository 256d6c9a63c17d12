"""finance_core.benchmark: the S&P 500 total-return index, blends and typed blend specs."""

import pandas as pd
import pytest

from finance_core import data
from finance_core.benchmark import BlendSpec, blend, income_returns, total_return_index
from finance_core.errors import DataError


def _calendar_returns(levels: pd.Series) -> pd.Series:
    last = levels.groupby(levels.index.year).last()
    return last.pct_change().dropna()


def test_total_return_index_spreads_each_years_income_over_its_days():
    # Two dates a year (periods_per_year=2), income 2.01% in 2023 and 4.04% in 2024:
    # daily accrual (1.0201)^(1/2) - 1 = 1% and (1.0404)^(1/2) - 1 = 2%.
    price = pd.Series([100.0, 110.0, 99.0, 99.0],
                      index=pd.to_datetime(["2023-12-28", "2023-12-29", "2024-01-02", "2024-01-03"]))
    income = pd.Series({2023: 0.0201, 2024: 0.0404})
    # By hand: 100; 100 x 1.10 x 1.01 = 111.1; 111.1 x 0.90 x 1.02 = 101.9898; 101.9898 x 1.00 x 1.02 = 104.029596.
    out = total_return_index(price, income, periods_per_year=2)
    assert out.tolist() == pytest.approx([100.0, 111.1, 101.9898, 104.029596], rel=1e-12)


def test_income_return_is_total_over_price_growth():
    # 2019: price +28.88%, total +31.49% (S&P Dow Jones Indices): 1.3149 / 1.2888 - 1 = 2.0251%.
    annual = pd.DataFrame({"price_return": [0.2888], "total_return": [0.3149]}, index=[2019])
    assert income_returns(annual)[2019] == pytest.approx(1.3149 / 1.2888 - 1, rel=1e-12)


def test_a_year_without_income_is_named():
    price = pd.Series([1.0, 2.0], index=pd.to_datetime(["2023-12-29", "2024-01-02"]))
    with pytest.raises(DataError, match="No dividend income for 2024"):
        total_return_index(price, pd.Series({2023: 0.02}))


# S&P 500 calendar-year total returns, S&P Dow Jones Indices, as tabulated by slickcharts.com/sp500/returns.
PUBLISHED_TOTAL = {1995: 0.3758, 2000: -0.0910, 2008: -0.3700, 2013: 0.3239, 2015: 0.0138, 2018: -0.0438,
                   2019: 0.3149, 2021: 0.2871}
# S&P 500 calendar-year price returns, S&P Dow Jones Indices (marketsblock.com/sp-500-annual-returns).
PUBLISHED_PRICE = {1995: 0.3411, 2000: -0.1014, 2008: -0.3849, 2013: 0.2960, 2015: -0.0073, 2018: -0.0624,
                   2019: 0.2888, 2021: 0.2689}


def test_bundled_total_return_index_earns_the_published_total_returns():
    built = _calendar_returns(data.load_dataset("sp500").total_return_benchmark)
    for year, published in PUBLISHED_TOTAL.items():
        assert built[year] == pytest.approx(published, abs=3e-4), year  # within 3 bp


def test_bundled_sp500_benchmark_is_the_price_index():
    price = _calendar_returns(data.load_dataset("sp500").benchmark)
    for year, published in PUBLISHED_PRICE.items():
        assert price[year] == pytest.approx(published, abs=1e-4), year
    assert price[2019] < PUBLISHED_TOTAL[2019] - 0.02  # it leaves out about 2% of dividends a year


def test_factor_dataset_carries_the_same_total_return_benchmark():
    factors, sp = data.load_dataset("factors"), data.load_dataset("sp500")
    tr = factors.total_return_benchmark
    assert tr.index.equals(factors.prices.index) and tr.notna().all()
    same = sp.total_return_benchmark.reindex(tr.index)
    assert (tr / same).round(10).nunique() == 1  # the same series on the factor ETFs' dates


# ----------------------------------------------------------------------------- blends
DATES = pd.to_datetime(["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02"])
PARTS = {"A": pd.Series([100.0, 110.0, 121.0, 121.0], index=DATES),
         "B": pd.Series([100.0, 100.0, 90.0, 99.0], index=DATES)}


def test_daily_blend_is_the_weighted_sum_of_daily_returns():
    # Returns A: +10%, +10%, 0; B: 0, -10%, +10%. 60/40: +6%, +2%, +4% -> 100, 106, 108.12, 112.4448.
    out = blend(PARTS, {"A": 0.6, "B": 0.4}, "D")
    assert out.tolist() == pytest.approx([100.0, 106.0, 108.12, 112.4448], rel=1e-12)


def test_monthly_blend_drifts_inside_the_month_and_rebalances_at_its_end():
    # January: 100 -> 0.6 x 1.1 + 0.4 x 1.0 = 1.06 -> 106, rebalanced to 60/40 at the 31 January close.
    # February since then: A 1.1 then 1.1, B 0.9 then 0.99:
    #   1 Feb 106 x (0.6 x 1.1 + 0.4 x 0.9) = 108.12; 2 Feb 106 x (0.6 x 1.1 + 0.4 x 0.99) = 111.936.
    out = blend(PARTS, {"A": 0.6, "B": 0.4}, "M")
    assert out.tolist() == pytest.approx([100.0, 106.0, 108.12, 111.936], rel=1e-12)


def test_blend_uses_the_dates_every_part_has():
    late = {"A": PARTS["A"], "B": PARTS["B"].iloc[1:]}
    assert blend(late, {"A": 0.5, "B": 0.5}, "D").index[0] == DATES[1]


KNOWN = ["SP500TR", "SP500", "KO", "AAPL"]


@pytest.mark.parametrize("text", ["60 SP500TR, 40 KO", "60% sp500tr + 40% ko", "SP500TR 60 / KO 40", "60%SP500TR;40%KO"])
def test_blend_spec_reads_what_a_person_types(text):
    spec = BlendSpec.parse(text, KNOWN)
    assert spec.weights == {"SP500TR": 60.0, "KO": 40.0} and spec.rebalance == "M"
    assert spec.to_value() == "blend:M:SP500TR=60,KO=40"
    assert BlendSpec.from_value(spec.to_value()) == spec
    assert spec.label({"SP500TR": "S&P 500 total return"}) == \
        "Blend: 60% S&P 500 total return + 40% KO (rebalanced monthly)"


@pytest.mark.parametrize("text,message", [
    ("60 SP500TR, 30 KO", "add up to 90%, not 100%"),
    ("100 KO", "at least two parts"),
    ("60 SP500TR, 40 ZZZ", "ZZZ is not a benchmark or ticker of this data"),
    ("60 SP500TR, KO", "'KO' needs a weight in percent and a name"),
    ("110 SP500TR, -10 KO", "must be above 0%: check KO"),
])
def test_bad_blend_specs_say_what_to_fix(text, message):
    with pytest.raises(DataError, match=message):
        BlendSpec.parse(text, KNOWN)


def test_unreadable_blend_value_from_a_link_is_refused():
    with pytest.raises(DataError, match="not readable"):
        BlendSpec.from_value("blend:M:SP500TR")
