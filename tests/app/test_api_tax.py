"""``POST /api/v1/tax/trade-list`` through Flask's test client: the same numbers as finance_core's
trade_list_tax on the hand-checked book of tests/unit/tax/test_trade_tax.py."""

import pytest

import app
from tests.unit.tax.test_trade_tax import AS_OF, HISTORY, LOTS, TRADES


@pytest.fixture
def client():
    return app.server.test_client()


def _body(**extra):
    return {"trades": TRADES, "as_of": AS_OF, "lots": LOTS.to_dict("records"),
            "history": HISTORY.to_dict("records"), **extra}


def test_trade_list_tax_matches_the_hand_checked_example(client):
    reply = client.post("/api/v1/tax/trade-list", json=_body())
    assert reply.status_code == 200, reply.get_json()
    out = reply.get_json()
    # From the hand-checked example: XYZ -200 short / +1,000 long; ABC -800 with 400 washed (Pub. 550),
    # so -400 short allowed. Allowed gains: short -600, long +1,000; disallowed 400.
    assert (out["short_term_gain"], out["long_term_gain"], out["loss_disallowed"]) == pytest.approx(
        (-600.0, 1000.0, 400.0))
    assert out["tax_before_netting"] == pytest.approx(102 - 96)
    xyz, abc, dfe = out["trades"]
    assert (xyz["ticker"], xyz["proceeds"], xyz["cost_basis"]) == ("XYZ", pytest.approx(2400.0), pytest.approx(1600.0))
    assert abc["disallowed"] == pytest.approx(400.0) and "replacement ABC bought 2024-06-10" in abc["wash"]
    assert dfe["proceeds"] is None and dfe["account"] == "brokerage"
    assert out["as_of"] == AS_OF and out["method"] == "fifo"


@pytest.mark.parametrize("change,field", [
    ({"trades": []}, '"trades" must be a non-empty list'),
    ({"as_of": "June"}, '"as_of" is required'),
    ({"method": "random"}, '"method" must be one of'),
    ({"lots": [{"account": "b", "ticker": "XYZ", "acquired": "2020-01-02", "shares": -5, "cost_basis": 10}]},
     '"lots":'),
    ({"trades": [{"ticker": "XYZ", "side": "sell", "shares": 10_000, "price": 20.0}]}, '"trades":'),
])
def test_bad_bodies_get_400_naming_the_field(client, change, field):
    reply = client.post("/api/v1/tax/trade-list", json=_body(**change))
    assert reply.status_code == 400 and field in reply.get_json()["error"]
    assert client.post("/api/v1/tax/trade-list", data="x").status_code == 400
