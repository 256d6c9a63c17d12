"""``POST /api/v1/risk``: VaR, CVaR and performance of posted or saved weights on a bundled
price history, computed by ``finance_core.risk``."""

from __future__ import annotations

from datetime import date
from typing import Any

import flask

from api.saved import BadRequest, json_body, weights_of
from finance_core.data import load_dataset, to_returns
from finance_core.data.bundled import DATASETS
from finance_core.errors import FinanceError
from finance_core.recipes import Recipe, allocate
from finance_core.risk import conditional_value_at_risk, performance_summary, value_at_risk
from store import Store, current_owner

__all__ = ["risk_reply", "optimize_reply"]


def _level(body: dict[str, Any]) -> float:
    level = body.get("level", 0.95)
    if isinstance(level, bool) or not isinstance(level, int | float) or not 0.5 <= level < 1:
        raise BadRequest('"level" must be a confidence level between 0.5 and 1, e.g. 0.95.')
    return float(level)


def _date(body: dict[str, Any], field: str) -> str | None:
    value = body.get(field)
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise BadRequest(f'"{field}" must be a date as YYYY-MM-DD, not {value!r}.') from None


def _weights(body: dict[str, Any], store: Store) -> dict[str, float]:
    if "portfolio_id" in body:
        pid = body["portfolio_id"]
        if isinstance(pid, bool) or not isinstance(pid, int):
            raise BadRequest('"portfolio_id" must be the integer id of a saved portfolio.')
        return weights_of(store.portfolios.get(pid, owner=current_owner())["body"].get("weights"))
    return weights_of(body.get("weights"))


def _history(body: dict[str, Any]):
    """Daily returns of the bundled ``dataset`` between ``start`` and ``end``."""
    name = body.get("dataset", "sp500")
    if name not in DATASETS:
        raise BadRequest(f'"dataset" must be one of {sorted(DATASETS)}, not {name!r}.')
    prices = load_dataset(name).prices.loc[_date(body, "start"):_date(body, "end")]
    if len(prices) < 3:
        raise BadRequest('"start" and "end" leave fewer than 3 days of prices; widen them.')
    return name, to_returns(prices)


def optimize_reply() -> flask.Response:
    """``POST /api/v1/optimize``: ``recipe`` (a finance_core.recipes.Recipe's fields: method,
    mu_method, cov_method, lower, upper, ...) on ``tickers`` of a bundled dataset."""
    body = json_body()
    name, returns = _history(body)
    tickers = body.get("tickers", list(returns.columns))
    if not isinstance(tickers, list) or not tickers or any(t not in returns for t in tickers):
        raise BadRequest(f'"tickers" must be a list of tickers of {name!r}: '
                         f'{", ".join(returns.columns)}.')
    settings = body.get("recipe", {})
    if not isinstance(settings, dict):
        raise BadRequest('"recipe" must be an object such as {"method": "min_variance"}.')
    unknown = sorted(set(settings) - set(Recipe.__dataclass_fields__))
    if unknown:
        raise BadRequest(f'"recipe.{unknown[0]}" is not a recipe setting; use '
                         f'{", ".join(Recipe.__dataclass_fields__)}.')
    try:
        alloc = allocate(returns[tickers], Recipe(**settings))
    except FinanceError as err:
        raise BadRequest(f'"recipe": {err}') from err
    return flask.jsonify({
        "dataset": name, "method": alloc.method, "notes": list(alloc.notes),
        "weights": {t: float(w) for t, w in alloc.weights.items()},
        "expected_return": float(alloc.expected_return), "volatility": float(alloc.volatility),
        "sharpe": float(alloc.sharpe),
    })


def risk_reply(store: Store) -> flask.Response:
    """The risk figures of one portfolio over the dataset's dates (``start``/``end`` optional)."""
    body = json_body()
    weights, level = _weights(body, store), _level(body)
    name, returns = _history(body)
    try:
        summary = performance_summary(returns, weights=weights)
        var = value_at_risk(returns, level, weights=weights)
        cvar = conditional_value_at_risk(returns, level, weights=weights)
    except FinanceError as err:
        raise BadRequest(str(err)) from err
    return flask.jsonify({
        "dataset": name, "level": level, "weights": weights,
        "start": str(returns.index[0].date()), "end": str(returns.index[-1].date()),
        "var": float(var), "cvar": float(cvar),
        "performance": {key: float(value) for key, value in summary.items()},
    })
