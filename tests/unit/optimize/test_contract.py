"""The contract of the allocation family (finance_core.optimize docstring): data first and
positional in the order mu, cov; everything else keyword-only; constraints a Constraints."""

import inspect

import pytest

from finance_core import optimize, recipes

# method -> its positional data inputs, in order
DATA = {
    optimize.mean_variance: ["mu", "cov"],
    optimize.efficient_frontier: ["mu", "cov"],
    optimize.kelly: ["mu", "cov"],
    optimize.max_diversification: ["cov"],
    optimize.risk_parity: ["cov"],
    optimize.inverse_volatility: ["cov"],
    optimize.min_cvar: ["returns"],
    optimize.hrp: ["returns"],
    optimize.equal_weight: ["tickers"],
}


@pytest.mark.parametrize("func", list(DATA), ids=lambda f: f.__name__)
def test_data_first_everything_else_keyword_only(func):
    params = inspect.signature(func).parameters.values()
    positional = [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert positional == DATA[func]
    if "constraints" in inspect.signature(func).parameters:
        c = inspect.signature(func).parameters["constraints"]
        assert c.kind is c.KEYWORD_ONLY and c.default is None


def test_every_optimiser_but_the_naive_ones_takes_constraints():
    naive = {optimize.equal_weight, optimize.inverse_volatility}
    for func in set(DATA) - naive:
        assert "constraints" in inspect.signature(func).parameters, func.__name__


def test_one_risk_aversion_default():
    assert optimize.DEFAULT_RISK_AVERSION == 2.0
    ra = inspect.signature(optimize.mean_variance).parameters["risk_aversion"].default
    assert ra == recipes.Recipe().risk_aversion == optimize.DEFAULT_RISK_AVERSION


def test_the_registry_lists_every_method_of_the_literal():
    from typing import get_args

    assert tuple(recipes.REGISTRY) == get_args(recipes.Method)
    # the settings each method reads come from its registry entry: HRP keeps the bounds only,
    # the naive methods read no constraint
    # (the dynamic methods that wrap other recipes read their members' settings too)
    assert recipes.METHOD_FIELDS["linkage"] == ("hrp", "vol_target", "regime_switching", "ensemble")
    assert "hrp" in recipes.METHOD_FIELDS["upper"] and "hrp" not in recipes.METHOD_FIELDS["max_turnover"]
    assert not {"equal_weight", "inverse_volatility"} & {m for ms in recipes.METHOD_FIELDS.values() for m in ms}
