"""The method-name ``Literal`` types (issue 11.5) name exactly the values the functions accept at run time."""

from __future__ import annotations

from typing import get_args

import pytest

from finance_core import execution, risk, tax
from finance_core.errors import DataError


@pytest.mark.parametrize(
    ("literal", "names"),
    [
        (execution.Solver, execution.SOLVERS),
        (risk.VaRMethod, risk.METHODS),
        (risk.Simulation, ("normal", "bootstrap")),
        (tax.LotMethod, tax.LOT_METHODS),
    ],
)
def test_literal_matches_the_runtime_names(literal: object, names: tuple[str, ...]) -> None:
    assert get_args(literal) == tuple(names)


def test_every_strategy_name_runs_and_others_are_refused() -> None:
    import numpy as np
    import pandas as pd

    steps = np.random.default_rng(0).normal(0.0, 0.01, 260)
    prices = pd.Series(100.0 * np.exp(np.cumsum(steps)), index=pd.bdate_range("2023-01-02", periods=260), name="ABC")
    model = execution.order_model(prices, 20_000)
    for name in get_args(execution.Strategy):
        sched = model.schedule(name, participation=0.2)
        assert sched.total_shares == 20_000, name
    with pytest.raises(DataError, match="not known"):
        model.schedule("vwapp")  # type: ignore[arg-type]


def test_impact_forms_are_the_fitted_curves() -> None:
    assert get_args(execution.ImpactForm) == ("linear", "quadratic")
