"""Unit tests of finance_core.tax.harvest (and lots valued at prices)."""

import numpy as np
import pandas as pd
import pytest

from finance_core import tax
from finance_core.data import load_dataset, to_returns
from finance_core.errors import DataError


# --------------------------------------------------------------------------- harvesting
@pytest.fixture(scope="module")
def sample():
    ds = load_dataset("sp500")
    trades = tax.sample_trades()
    result = tax.process_trades(trades, lots=tax.sample_lots())
    return ds, trades, result


def test_harvest_candidates_on_sample(sample):
    ds, trades, result = sample
    rets = to_returns(ds.prices)
    c = tax.harvest_candidates(
        result.open_lots,
        ds.prices,
        "2022-12-28",
        trades=trades,
        universe_returns=rets,
        sectors=ds.sectors,
        rates=tax.TaxRates(short_term=0.32, long_term=0.15),
    )
    assert (c["unrealized_gain"] < 0).all() and (c["loss_pct"] >= 0.05).all()
    rate = np.where(c["term"] == "long", 0.15, 0.32)
    assert np.allclose(c["tax_saved"], -c["unrealized_gain"] * rate)
    amd = c[(c["ticker"] == "AMD") & (c["acquired"] == pd.Timestamp("2022-02-10"))].iloc[0]
    assert amd["blocked"] and "2022-12-12" in amd["blocked_reason"]  # bought again 16 days before
    assert amd["term"] == "long"  # holding period tacked from the washed lot (2021-11-29)
    # replacement: same sector, highest correlation; oracle = pandas' own corr/std over the same window
    window = rets.loc[:"2022-12-28"].iloc[-252:]
    it = ds.sectors[ds.sectors == ds.sectors["AMD"]].index.drop("AMD")
    best = window[it].corrwith(window["AMD"]).idxmax()
    assert amd["replacement"] == best
    assert amd["replacement_correlation"] == pytest.approx(window["AMD"].corr(window[best]))
    te = (window["AMD"] - window[best]).std() * np.sqrt(252)
    assert amd["tracking_error"] == pytest.approx(te)
    assert (c["buy_back_date"] == pd.Timestamp("2023-01-28")).all()


def test_pending_buy_blocks_and_harvest_trades(sample):
    ds, trades, result = sample
    pending = pd.concat(
        [
            trades,
            pd.DataFrame([{"date": "2023-01-10", "account": "brokerage", "ticker": "HD", "side": "buy"}]),
        ]
    )
    c = tax.harvest_candidates(result.open_lots, ds.prices, "2022-12-28", trades=pending)
    hd = c.set_index("ticker").loc["HD"]
    assert hd["blocked"] and "pending buy of HD on 2023-01-10" in hd["blocked_reason"]
    c2 = tax.harvest_candidates(
        result.open_lots, ds.prices, "2022-12-28", trades=trades, universe_returns=to_returns(ds.prices)
    )
    chosen = c2[~c2["blocked"]]
    plan = tax.harvest_trades(chosen, ds.prices, "2022-12-28")
    sells = plan.trades[plan.trades["side"] == "sell"]
    assert sells["shares"].sum() == pytest.approx(chosen["shares"].sum())
    assert plan.tax_saved == pytest.approx(chosen["tax_saved"].sum())
    assert (plan.buy_back == pd.Timestamp("2023-01-28")).all()  # 31 days after the sale
    with pytest.raises(DataError, match="wash sale"):
        tax.harvest_trades(c2[c2["blocked"]], ds.prices, "2022-12-28")


def test_harvest_threshold_errors(sample):
    ds, _trades, result = sample
    with pytest.raises(DataError, match="0.05"):
        tax.harvest_candidates(result.open_lots, ds.prices, "2022-12-28", min_loss_pct=5)


def test_lots_at_prices_split_short_long():
    lots = pd.DataFrame(
        {
            "account": ["b", "b"],
            "ticker": ["X", "X"],
            "acquired": ["2020-01-02", "2020-11-02"],
            "shares": [10.0, 10.0],
            "cost_basis": [100.0, 300.0],
        }
    )
    v = tax.lots_at_prices(lots, pd.Series({"X": 20.0}), as_of="2021-01-04")
    assert list(v["term"]) == ["long", "short"]
    assert v["long_term_gain"].sum() == pytest.approx(100.0) and v["short_term_gain"].sum() == pytest.approx(
        -100.0
    )
