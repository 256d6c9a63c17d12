"""Unit tests of finance_core.tax.harvest: candidates, blockers, replacements and the harvest trades."""

import numpy as np
import pandas as pd
import pytest

from finance_core import tax
from finance_core.data import load_dataset, to_returns
from finance_core.errors import DataError
from finance_core.tax import harvest


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


# --------------------------------------------------------------------------- the module's public names, directly
def _lots(rows):
    return pd.DataFrame(rows, columns=["lot_id", "account", "ticker", "acquired", "shares", "cost_basis"])


def test_candidates_by_hand_thresholds_term_and_own_purchase():
    lots = _lots(
        [
            ("a", "b", "X", "2022-12-20", 100, 5_000.0),  # $40 now: loss $1,000 (20 %), short term
            ("l", "b", "Y", "2021-06-01", 10, 1_000.0),  # $90 now: loss $100 (10 %), long term
            ("s", "b", "Y", "2022-06-01", 10, 920.0),  # $90 now: loss $20: below the $100 minimum
            ("i", "ira", "X", "2022-01-03", 100, 9_000.0),  # a loss in an IRA has no tax value
        ]
    )
    r = tax.TaxRates(short_term=0.32, long_term=0.15)
    c = harvest.harvest_candidates(lots, pd.Series({"X": 40.0, "Y": 90.0}), "2022-12-28", rates=r)
    assert list(c.columns) == harvest.CANDIDATE_COLUMNS
    assert list(c["lot_id"]) == ["a", "l"]  # largest tax saving first
    # hand: 1,000 x 32 % = 320 (short term); 100 x 15 % = 15 (held since 2021-06-01: long term)
    assert list(c["tax_saved"]) == pytest.approx([320.0, 15.0])
    assert list(c["term"]) == ["short", "long"] and list(c["loss_pct"]) == pytest.approx([0.2, 0.1])
    # lot "a" was bought 8 days ago, but a lot's own purchase is not a replacement for itself (Pub. 550:
    # the replacement is *other* substantially identical stock): not blocked
    assert not c["blocked"].any()
    # Pub. 550 "Wash Sales": buying back 31 days after the sale is outside the window
    assert (c["buy_back_date"] == pd.Timestamp("2023-01-28")).all()


def test_another_recent_lot_of_the_group_blocks_the_harvest():
    lots = _lots(
        [
            ("old", "b", "SPY", "2021-01-04", 10, 5_000.0),
            ("new", "b", "IVV", "2022-12-12", 1, 390.0),  # 16 days before the harvest date
        ]
    )
    px = pd.Series({"SPY": 380.0, "IVV": 382.0})
    plain = harvest.harvest_candidates(lots, px, "2022-12-28", min_loss_amount=0)
    assert not plain.set_index("lot_id").loc["old", "blocked"]  # different tickers, no map
    grouped = harvest.harvest_candidates(
        lots, px, "2022-12-28", min_loss_amount=0, substantially_identical={"SPY": "SP500", "IVV": "SP500"}
    )
    old = grouped.set_index("lot_id").loc["old"]
    assert old["blocked"] and old["blocked_reason"] == "bought SP500 on 2022-12-12 (within 30 days)"
    assert harvest.harvest_candidates(
        lots, px, "2022-12-28", min_loss_amount=0, include_blocked=False,
        substantially_identical={"SPY": "SP500", "IVV": "SP500"},
    ).empty


def test_candidate_input_errors_name_the_problem():
    lots = _lots([("a", "b", "X", "2022-01-03", 10, 500.0)])
    with pytest.raises(DataError, match="missing the column\\(s\\) shares") as err:
        harvest.harvest_candidates(lots.drop(columns="shares"), pd.Series({"X": 1.0}), "2022-12-28")
    assert err.value.code == "missing_column"
    with pytest.raises(DataError, match="No price for X on 2022-12-28") as err:
        harvest.harvest_candidates(lots, pd.Series({"Y": 1.0}), "2022-12-28")
    assert err.value.code == "no_price"
    with pytest.raises(DataError, match="min_loss_amount=-1") as err:
        harvest.harvest_candidates(lots, pd.Series({"X": 1.0}), "2022-12-28", min_loss_amount=-1)
    assert err.value.code == "bad_threshold"


def test_replacement_for_prefers_the_sector_then_correlation_and_skips_identical_tickers():
    rng = np.random.default_rng(7)
    base = rng.normal(0, 0.01, 300)
    idx = pd.bdate_range("2022-01-03", periods=300)
    rets = pd.DataFrame(
        {
            "A": base,
            "TWIN": base + rng.normal(0, 0.001, 300),  # nearly A itself
            "CLOSE": base + rng.normal(0, 0.004, 300),
            "SECT": base + rng.normal(0, 0.01, 300),  # less correlated, but A's sector
            "NOISE": rng.normal(0, 0.01, 300),
        },
        index=idx,
    )
    out = harvest.replacement_for(["A", "ZZZ"], rets, substantially_identical={"A": "G", "TWIN": "G"})
    assert out.loc["A", "replacement"] == "CLOSE"  # TWIN is substantially identical to A
    assert pd.isna(out.loc["ZZZ", "replacement"]) and np.isnan(out.loc["ZZZ", "correlation"])  # not in the universe
    window = rets.iloc[-252:]
    # oracle: pandas' correlation and the sample std of the return difference over the same 252 days
    assert out.loc["A", "correlation"] == pytest.approx(window["A"].corr(window["CLOSE"]))
    te = (window["A"] - window["CLOSE"]).std() * np.sqrt(252)
    assert out.loc["A", "tracking_error"] == pytest.approx(te)
    sectors = pd.Series({"A": "tech", "TWIN": "tech", "CLOSE": "energy", "SECT": "tech", "NOISE": "energy"})
    by_sector = harvest.replacement_for(["A"], rets, sectors=sectors, substantially_identical={"A": "G", "TWIN": "G"})
    assert by_sector.loc["A", "replacement"] == "SECT"
    assert harvest.replacement_for(["A"], rets, exclude=["twin", "close"]).loc["A", "replacement"] == "SECT"
    with pytest.raises(DataError, match="Only 10 return dates") as err:
        harvest.replacement_for(["A"], rets.iloc[:10])
    assert err.value.code == "short_history"
