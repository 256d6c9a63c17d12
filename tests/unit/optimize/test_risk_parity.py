"""Risk parity / risk budgeting against skfolio and Riskfolio-Lib on the bundled data."""

import warnings

import numpy as np
import pandas as pd
import pytest

from finance_core.data import load_dataset, to_returns
from finance_core.errors import DataError, InfeasibleError
from finance_core.optimize import Constraints
from finance_core.optimize.risk_parity import risk_budget_shares, risk_parity

warnings.filterwarnings("ignore", category=FutureWarning)


@pytest.fixture(scope="module")
def returns():
    return to_returns(load_dataset("sp500").prices).iloc[-1000:]


@pytest.fixture(scope="module")
def budgets(returns):
    b = pd.Series(np.linspace(1.0, 3.0, returns.shape[1]), index=returns.columns)
    return b / b.sum()


def test_erc_matches_skfolio_and_riskfolio(returns):
    import riskfolio as rp
    from skfolio import RiskMeasure
    from skfolio.optimization import RiskBudgeting

    alloc = risk_parity(returns.cov() * 252)
    assert alloc.solver == "newton"
    # oracle 1: skfolio RiskBudgeting with the variance risk measure (equal budgets by default)
    sk = RiskBudgeting(risk_measure=RiskMeasure.VARIANCE).fit(returns)
    np.testing.assert_allclose(alloc.weights.to_numpy(), sk.weights_, atol=1e-4)
    # oracle 2: Riskfolio-Lib rp_optimization (Classic, MV, equal budgets)
    port = rp.Portfolio(returns=returns)
    port.assets_stats(method_mu="hist", method_cov="hist")
    w = port.rp_optimization(model="Classic", rm="MV", rf=0, b=None, hist=True)
    np.testing.assert_allclose(alloc.weights.to_numpy(), w["weights"].to_numpy(), atol=1e-4)


def test_custom_budgets_match_skfolio(returns, budgets):
    from skfolio import RiskMeasure
    from skfolio.optimization import RiskBudgeting

    alloc = risk_parity(returns.cov(), budgets=budgets)
    # oracle: skfolio RiskBudgeting(risk_budget=...)
    sk = RiskBudgeting(risk_measure=RiskMeasure.VARIANCE, risk_budget=budgets.to_numpy()).fit(returns)
    np.testing.assert_allclose(alloc.weights.to_numpy(), sk.weights_, atol=1e-4)
    # definition check (Roncalli 2013, eq. 2.13): variance shares equal the budgets
    np.testing.assert_allclose(risk_budget_shares(alloc.weights, returns.cov()), budgets, atol=1e-10)


def test_budgets_as_mapping_are_normalised(returns, budgets):
    a = risk_parity(returns.cov(), budgets=(budgets * 7).to_dict())
    b = risk_parity(returns.cov(), budgets=budgets)
    np.testing.assert_allclose(a.weights, b.weights, atol=1e-12)


def test_binding_upper_bound_matches_skfolio(returns, budgets):
    from skfolio import RiskMeasure
    from skfolio.optimization import RiskBudgeting

    alloc = risk_parity(returns.cov() * 252, budgets=budgets, constraints=Constraints(bounds=(0.0, 0.06)))
    # oracle: skfolio RiskBudgeting with max_weights=0.06
    sk = RiskBudgeting(
        risk_measure=RiskMeasure.VARIANCE, risk_budget=budgets.to_numpy(), max_weights=0.06
    ).fit(returns)
    np.testing.assert_allclose(alloc.weights.to_numpy(), sk.weights_, atol=1e-4)
    assert alloc.weights.max() <= 0.06 + 1e-7
    assert any("Bounds bind" in n for n in alloc.notes)


def test_sector_limits_hold_and_turnover_is_noted(returns):
    sectors = load_dataset("sp500").sectors
    cons = Constraints(sector_map=sectors, sector_bounds={"Energy": (0.0, 0.05)}, max_turnover=0.2)
    alloc = risk_parity(returns.cov() * 252, constraints=cons)
    energy = sectors[sectors == "Energy"].index
    assert alloc.weights[energy].sum() <= 0.05 + 1e-6
    assert any("turnover" in n for n in alloc.notes)


@pytest.mark.parametrize("bad", [(0.0, 0.5), [0.0, 0.5]])
def test_constraints_must_be_a_constraints_object(returns, bad):
    # the contract of the allocation family: constraints is an optimize.Constraints or None
    with pytest.raises(DataError, match=r"must be an optimize.Constraints, got (tuple|list)") as err:
        risk_parity(returns.cov(), constraints=bad)
    assert err.value.code == "bad_constraint"
    assert "Constraints(bounds=(lower, upper))" in err.value.message


def test_non_binding_bounds_give_the_unconstrained_answer(returns, budgets):
    free = risk_parity(returns.cov() * 252, budgets=budgets)
    boxed = risk_parity(returns.cov() * 252, budgets=budgets, constraints=Constraints(bounds=(0.0, 0.5)))
    np.testing.assert_allclose(free.weights, boxed.weights, atol=1e-4)


def test_missing_budget_is_named(returns, budgets):
    with pytest.raises(DataError, match=f"No risk budget for {returns.columns[0]}"):
        risk_parity(returns.cov(), budgets=budgets.drop(returns.columns[0]))


def test_zero_budget_is_refused(returns, budgets):
    b = budgets.copy()
    b.iloc[3] = 0.0
    with pytest.raises(DataError, match=f"{returns.columns[3]} has a budget of zero"):
        risk_parity(returns.cov(), budgets=b)


def test_bounds_that_cannot_sum_to_one(returns):
    with pytest.raises(InfeasibleError, match="Upper weight bounds add up to 40.0%"):
        risk_parity(returns.cov(), constraints=Constraints(bounds=(0.0, 0.02)))


def test_bad_covariance(returns):
    cov = returns.cov()
    cov.iloc[0, 0] = np.nan
    with pytest.raises(DataError, match="missing or infinite"):
        risk_parity(cov)
    with pytest.raises(DataError, match="square"):
        risk_parity(returns.cov().iloc[:, :3])
