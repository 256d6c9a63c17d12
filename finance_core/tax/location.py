"""Asset location: which holdings belong in taxable, tax-deferred and tax-exempt accounts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from ..errors import DataError, InfeasibleError, SolverError
from .rates import TaxRates

__all__ = ["AssetLocation", "asset_location", "asset_location_of_lots"]

_ACCOUNT_KINDS = ("taxable", "tax_deferred", "tax_exempt")


@dataclass(frozen=True)
class AssetLocation:
    """Where each holding should sit.

    ``allocation``: money per asset (rows) and account type (``taxable``,
    ``tax_deferred``, ``tax_exempt``); ``after_tax_gain``: estimated yearly after-tax
    gain of the suggestion; ``baseline_gain``: the same with every account holding
    the overall mix pro rata; ``improvement`` = the difference; ``drag``: yearly tax
    cost per dollar held in the taxable account, per asset.
    """

    allocation: pd.DataFrame
    after_tax_gain: float
    baseline_gain: float
    improvement: float
    drag: pd.Series


def asset_location(
    values: pd.Series,
    expected_returns: pd.Series,
    accounts: dict[str, float],
    *,
    yields: pd.Series | None = None,
    qualified: pd.Series | None = None,
    turnover: pd.Series | float = 0.1,
    rates: TaxRates | None = None,
) -> AssetLocation:
    """Place a fixed overall allocation in taxable, tax-deferred and tax-exempt accounts.

    A dollar of asset ``a`` in the taxable account loses each year
    ``drag_a = y_a tau_y + (mu_a - y_a) turnover_a tau_LT`` to tax (``y`` the income
    yield, taxed at the long-term rate when ``qualified``, else the ordinary rate;
    ``mu`` the expected total return). Sheltered accounts have no yearly drag. The
    linear programme (HiGHS via scipy)

    ``maximise sum_a,k x_ak (mu_a - drag_a [k = taxable])``

    subject to each asset's total and each account's size gives the suggestion;
    ties between the two sheltered accounts go to the higher expected return in the
    tax-exempt (Roth) account. Account sizes are taken as given in money (convert a
    traditional IRA to after-tax money first if you want the after-tax-equivalent
    view of Reichenstein, "Calculating after-tax asset allocation", 2007).

    ``accounts``: ``{"taxable": ..., "tax_deferred": ..., "tax_exempt": ...}`` (money);
    their sum must equal ``values.sum()``.
    """
    rates = rates or TaxRates()
    vals = pd.Series(values, dtype=float)
    mu = pd.Series(expected_returns, dtype=float).reindex(vals.index)
    if mu.isna().any():
        raise DataError(f"No expected return for {', '.join(mu[mu.isna()].index[:5])}.", code="missing_value")
    if (vals < 0).any():
        raise DataError("Holding values must be zero or more.", code="not_positive")
    account_sizes = _account_sizes(accounts, float(vals.sum()))
    drag = _taxable_drag(vals, mu, yields, qualified, turnover, rates)
    # yearly gain per dollar of each asset (rows) in each account kind (columns); the
    # tax-exempt column is nudged up so ties between sheltered accounts go to the Roth
    gain_per_dollar = np.column_stack([mu.to_numpy() - drag, mu.to_numpy(), mu.to_numpy() * (1 + 1e-6)])
    money = _solve_location(vals.to_numpy(), account_sizes, gain_per_dollar)
    alloc = pd.DataFrame(money, index=vals.index, columns=list(_ACCOUNT_KINDS))
    unnudged_gain = gain_per_dollar[:, [0, 1, 1]]
    gain = float((money * unnudged_gain).sum())
    share = account_sizes / account_sizes.sum() if account_sizes.sum() > 0 else np.zeros(3)
    base = float((np.outer(vals.to_numpy(), share) * unnudged_gain).sum())
    return AssetLocation(
        allocation=alloc,
        after_tax_gain=gain,
        baseline_gain=base,
        improvement=gain - base,
        drag=pd.Series(drag, index=vals.index, name="drag"),
    )


def _account_sizes(accounts: dict[str, float], portfolio_value: float) -> np.ndarray:
    """Money in each account kind, in ``_ACCOUNT_KINDS`` order; they must add up to the portfolio."""
    bad = [k for k in accounts if k not in _ACCOUNT_KINDS]
    if bad:
        raise DataError(
            f"Unknown account kind(s) {', '.join(bad)}: use {', '.join(_ACCOUNT_KINDS)}.",
            code="bad_account_type",
        )
    sizes = np.array([float(accounts.get(k, 0.0)) for k in _ACCOUNT_KINDS])
    if (sizes < 0).any():
        raise DataError("Account sizes must be zero or more.", code="not_positive")
    if abs(sizes.sum() - portfolio_value) > 1e-6 * max(portfolio_value, 1.0):
        raise InfeasibleError(
            f"The accounts hold {sizes.sum():,.2f} in total but the holdings are worth {portfolio_value:,.2f}: "
            "make the account sizes add up to the portfolio value.",
            code="infeasible",
        )
    return sizes


def _taxable_drag(
    vals: pd.Series,
    mu: pd.Series,
    yields: pd.Series | None,
    qualified: pd.Series | None,
    turnover: pd.Series | float,
    rates: TaxRates,
) -> np.ndarray:
    """Yearly tax per dollar held in the taxable account: income yield at its rate plus realised growth."""
    assets = vals.index
    income_yield = (
        pd.Series(yields, dtype=float).reindex(assets).fillna(0.0) if yields is not None else vals * 0.0
    )
    is_qualified = (
        pd.Series(qualified).reindex(assets).fillna(False).astype(bool)
        if qualified is not None
        else pd.Series(False, index=assets)
    )
    asset_turnover = (
        pd.Series(turnover, index=assets, dtype=float)
        if np.isscalar(turnover)
        else pd.Series(turnover).reindex(assets).fillna(0.0)
    )
    income_rate = np.where(is_qualified, rates.long_term_total, rates.short_term_total)
    growth = np.maximum(mu.to_numpy() - income_yield.to_numpy(), 0.0)
    return np.asarray(
        income_yield.to_numpy() * income_rate + growth * asset_turnover.to_numpy() * rates.long_term_total
    )


def _solve_location(
    holding_values: np.ndarray, account_sizes: np.ndarray, gain_per_dollar: np.ndarray
) -> np.ndarray:
    """Money per asset and account maximising the yearly gain, each asset's total and account's size fixed."""
    n_assets, n_kinds = gain_per_dollar.shape
    objective = -gain_per_dollar.ravel()  # x[a, k] flattened row-major
    asset_rows = np.kron(np.eye(n_assets), np.ones(n_kinds))
    account_rows = np.tile(np.eye(n_kinds), n_assets)
    equalities = np.vstack([asset_rows, account_rows])
    targets = np.concatenate([holding_values, account_sizes])
    res = linprog(objective, A_eq=equalities, b_eq=targets, bounds=(0, None), method="highs")
    if res.status != 0:
        raise SolverError(f"The asset location programme failed: {res.message}", code="solver_error")
    money = res.x.reshape(n_assets, n_kinds)
    money[np.abs(money) < 1e-9] = 0.0
    return np.asarray(money)


_LOCATION_KIND = {"taxable": "taxable", "ira": "tax_deferred", "roth": "tax_exempt"}


def asset_location_of_lots(
    valued: pd.DataFrame,
    expected_returns: pd.Series,
    *,
    yields: pd.Series | None = None,
    turnover: float = 0.1,
    rates: TaxRates | None = None,
) -> AssetLocation:
    """:func:`asset_location` for the holdings in valued lots (:func:`lots_at_prices`).

    The overall allocation is the market value per ticker over all accounts; the
    account sizes are the market values held in taxable, IRA (tax-deferred) and Roth
    (tax-exempt) accounts.
    """
    if not len(valued):
        raise DataError("There are no open lots to place.", code="empty")
    kinds = valued["account_type"].map(_LOCATION_KIND) if "account_type" in valued.columns else "taxable"
    frame = valued.assign(kind=kinds)
    values = frame.groupby("ticker")["market_value"].sum()
    sizes = frame.groupby("kind")["market_value"].sum()
    accounts = {k: float(sizes.get(k, 0.0)) for k in ("taxable", "tax_deferred", "tax_exempt")}
    mu = pd.Series(expected_returns, dtype=float).reindex(values.index)
    if mu.isna().any():
        raise DataError(
            f"No expected return for {', '.join(mu[mu.isna()].index[:5])}: the prices do not cover them on "
            "the chosen dates. Widen the dates or load prices that include them.",
            code="missing_value",
        )
    return asset_location(values, mu, accounts, yields=yields, turnover=turnover, rates=rates)
