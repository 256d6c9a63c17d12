"""The JSON API through Flask's test client on the app's own server, on a fresh SQLite file."""

from __future__ import annotations

import pytest

import app


@pytest.fixture
def client(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'desk.sqlite'}")
    app.saved_store.cache_clear()
    yield app.server.test_client()
    app.saved_store().engine.dispose()
    app.saved_store.cache_clear()


CORE = {"name": "Core", "weights": {"AAPL": 0.6, "MSFT": 0.4}, "recipe": {"method": "max_sharpe"}}


def test_post_then_get_list_and_item(client):
    made = client.post("/api/v1/portfolios", json=CORE)
    assert made.status_code == 201
    item = made.get_json()
    assert (item["name"], item["weights"], item["recipe"], item["version"]) == (
        "Core", {"AAPL": 0.6, "MSFT": 0.4}, {"method": "max_sharpe"}, 1)
    assert client.get(f"/api/v1/portfolios/{item['id']}").get_json() == item
    assert [i["id"] for i in client.get("/api/v1/portfolios?search=co").get_json()] == [item["id"]]
    assert client.get("/api/v1/portfolios?search=zzz").get_json() == []
    assert made.headers["X-Content-Type-Options"] == "nosniff"  # the app's headers apply


def test_put_needs_the_loaded_version_and_a_stale_one_is_409(client):
    item = client.post("/api/v1/portfolios", json=CORE).get_json()
    url = f"/api/v1/portfolios/{item['id']}"
    first = client.put(url, json={**CORE, "weights": {"AAPL": 1.0}, "version": 1})
    assert first.status_code == 200 and first.get_json()["version"] == 2
    stale = client.put(url, json={**CORE, "weights": {"MSFT": 1.0}, "version": 1})
    assert stale.status_code == 409 and "you loaded version 1" in stale.get_json()["error"]
    assert client.get(url).get_json()["weights"] == {"AAPL": 1.0}
    missing = client.put(url, json=CORE)
    assert missing.status_code == 400 and '"version"' in missing.get_json()["error"]


@pytest.mark.parametrize("body, field", [
    ({"weights": {"A": 1.0}}, '"name"'),
    ({"name": "X"}, '"weights"'),
    ({"name": "X", "weights": {"A": "lots"}}, '"weights.A"'),
    ({"name": "X", "weights": {"A": 1.0}, "notes": 3}, '"notes"'),
])
def test_bad_bodies_are_400_naming_the_field(client, body, field):
    reply = client.post("/api/v1/portfolios", json=body)
    assert reply.status_code == 400 and field in reply.get_json()["error"]
    assert client.get("/api/v1/portfolios").get_json() == []  # nothing half-written


def test_not_json_is_400(client):
    reply = client.post("/api/v1/workspaces", data="name=x")
    assert reply.status_code == 400 and "JSON object" in reply.get_json()["error"]


def test_unknown_id_is_404_and_delete_then_restore(client):
    assert client.get("/api/v1/scenarios/999").status_code == 404
    made = client.post("/api/v1/scenarios", json={"name": "Crash", "shocks": {"SPY": -0.2}})
    item = made.get_json()
    assert item["shocks"] == {"SPY": -0.2}
    assert client.delete(f"/api/v1/scenarios/{item['id']}").get_json()["deleted"] is True
    assert client.get(f"/api/v1/scenarios/{item['id']}").status_code == 404
    back = client.post(f"/api/v1/scenarios/{item['id']}/restore")
    assert back.status_code == 200 and back.get_json()["name"] == "Crash"


def test_same_name_is_409_unless_overwrite(client):
    client.post("/api/v1/workspaces", json={"name": "Desk", "benchmark": "SPY"})
    again = client.post("/api/v1/workspaces", json={"name": "Desk", "benchmark": "QQQ"})
    assert again.status_code == 409 and "already called 'Desk'" in again.get_json()["error"]
    over = client.post("/api/v1/workspaces",
                       json={"name": "Desk", "benchmark": "QQQ", "overwrite": True})
    assert over.status_code == 201 and over.get_json()["benchmark"] == "QQQ"
    assert over.get_json()["version"] == 2


def test_healthz_still_answers(client):
    assert client.get("/healthz").status_code == 200


def _oracle_returns(start: str, end: str):
    """The 50/50 AAPL/MSFT daily returns straight from the bundled prices with numpy/pandas."""
    import numpy as np

    from finance_core.data import load_dataset

    prices = load_dataset("sp500").prices.loc[start:end][["AAPL", "MSFT"]]
    return np.sort((prices.pct_change().dropna() * [0.5, 0.5]).sum(axis=1).to_numpy())


def test_risk_of_posted_and_saved_weights_matches_numpy(client):
    import numpy as np

    weights = {"AAPL": 0.5, "MSFT": 0.5}
    body = {"weights": weights, "start": "2020-01-01", "end": "2020-12-31", "level": 0.95}
    got = client.post("/api/v1/risk", json=body).get_json()
    r = _oracle_returns("2020-01-01", "2020-12-31")
    # historical VaR = -inf{x : F(x) >= 5%} (numpy's inverted_cdf); CVaR = mean of the worst 5%
    # of days, the boundary day counted by its fraction (Acerbi & Tasche 2002, eq. 2.7)
    k = 0.05 * len(r)
    cvar = -(r[: int(k)].sum() + (k - int(k)) * r[int(k)]) / k
    assert got["var"] == pytest.approx(-np.quantile(r, 0.05, method="inverted_cdf"), rel=1e-12)
    assert got["cvar"] == pytest.approx(cvar, rel=1e-12)
    assert got["performance"]["volatility"] == pytest.approx(r.std(ddof=1) * np.sqrt(252))
    saved = client.post("/api/v1/portfolios", json={"name": "Half", "weights": weights}).get_json()
    by_id = client.post("/api/v1/risk", json={**body, "weights": None, "portfolio_id": saved["id"]})
    assert by_id.get_json()["var"] == got["var"]


@pytest.mark.parametrize("body, field", [
    ({"weights": {"AAPL": 1.0}, "level": 1.5}, '"level"'),
    ({"weights": {"AAPL": 1.0}, "start": "last year"}, '"start"'),
    ({"weights": {"AAPL": 1.0}, "dataset": "nasdaq"}, '"dataset"'),
    ({"portfolio_id": "one"}, '"portfolio_id"'),
])
def test_risk_bad_bodies_are_400_naming_the_field(client, body, field):
    reply = client.post("/api/v1/risk", json=body)
    assert reply.status_code == 400 and field in reply.get_json()["error"]


def test_risk_of_unknown_saved_portfolio_is_404(client):
    assert client.post("/api/v1/risk", json={"portfolio_id": 404}).status_code == 404


def test_optimize_min_variance_matches_the_closed_form(client):
    """Long-only minimum variance with the sample covariance: here every weight is positive,
    so it is the unconstrained solution w = S^-1 1 / (1' S^-1 1) (Merton 1972)."""
    import numpy as np

    from finance_core.data import load_dataset

    tickers = ["AAPL", "MSFT", "XOM"]
    body = {"tickers": tickers, "start": "2018-01-01", "end": "2020-12-31",
            "recipe": {"method": "min_variance", "cov_method": "sample"}}
    got = client.post("/api/v1/optimize", json=body).get_json()
    prices = load_dataset("sp500").prices.loc["2018-01-01":"2020-12-31"][tickers]
    cov = np.cov(prices.pct_change().dropna().to_numpy(), rowvar=False) * 252
    w = np.linalg.solve(cov, np.ones(3))
    w /= w.sum()
    assert [got["weights"][t] for t in tickers] == pytest.approx(w, abs=1e-5)
    assert got["volatility"] == pytest.approx(np.sqrt(w @ cov @ w), rel=1e-5)


@pytest.mark.parametrize("body, field", [
    ({"recipe": {"methd": "min_variance"}}, '"recipe.methd"'),
    ({"recipe": {"method": "best"}}, '"recipe"'),
    ({"tickers": ["NOPE"]}, '"tickers"'),
])
def test_optimize_bad_bodies_are_400_naming_the_field(client, body, field):
    reply = client.post("/api/v1/optimize", json=body)
    assert reply.status_code == 400 and field in reply.get_json()["error"]
