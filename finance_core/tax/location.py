"""Asset location: which holdings belong in taxable, tax-deferred and tax-exempt accounts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from ..errors import DataError, InfeasibleError, SolverError
from .rates import TaxRates

__all__ = ["AssetLocation", "asset_location", "asset_location_of_lots"]


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
    kinds = ("taxable", "tax_deferred", "tax_exempt")
    bad = [k for k in accounts if k not in kinds]
    if bad:
        raise DataError(
            f"Unknown account kind(s) {', '.join(bad)}: use {', '.join(kinds)}.", code="bad_account_type"
        )
    cap = np.array([float(accounts.get(k, 0.0)) for k in kinds])
    if (cap < 0).any():
        raise DataError("Account sizes must be zero or more.", code="not_positive")
    if abs(cap.sum() - vals.sum()) > 1e-6 * max(vals.sum(), 1.0):
        raise InfeasibleError(
            f"The accounts hold {cap.sum():,.2f} in total but the holdings are worth {vals.sum():,.2f}: "
            "make the account sizes add up to the portfolio value.",
            code="infeasible",
        )
    y = pd.Series(yields, dtype=float).reindex(vals.index).fillna(0.0) if yields is not None else vals * 0.0
    q = (
        pd.Series(qualified).reindex(vals.index).fillna(False).astype(bool)
        if qualified is not None
        else pd.Series(False, index=vals.index)
    )
    to = (
        pd.Series(turnover, index=vals.index, dtype=float)
        if np.isscalar(turnover)
        else pd.Series(turnover).reindex(vals.index).fillna(0.0)
    )
    tau_y = np.where(q, rates.long_term_total, rates.short_term_total)
    drag = (
        y.to_numpy() * tau_y
        + np.maximum(mu.to_numpy() - y.to_numpy(), 0.0) * to.to_numpy() * rates.long_term_total
    )
    n = len(vals)
    g = np.column_stack([mu.to_numpy() - drag, mu.to_numpy(), mu.to_numpy() * (1 + 1e-6)])
    c = -g.ravel()  # x[a, k] flattened row-major
    A_eq, b_eq = [], []
    for a in range(n):
        row = np.zeros(n * 3)
        row[a * 3 : a * 3 + 3] = 1
        A_eq.append(row)
        b_eq.append(vals.iloc[a])
    for k in range(3):
        row = np.zeros(n * 3)
        row[k::3] = 1
        A_eq.append(row)
        b_eq.append(cap[k])
    res = linprog(c, A_eq=np.array(A_eq), b_eq=np.array(b_eq), bounds=(0, None), method="highs")
    if res.status != 0:
        raise SolverError(f"The asset location programme failed: {res.message}", code="solver_error")
    x = res.x.reshape(n, 3)
    x[np.abs(x) < 1e-9] = 0.0
    alloc = pd.DataFrame(x, index=vals.index, columns=list(kinds))
    gain = float((x * g[:, [0, 1, 1]]).sum())
    share = cap / cap.sum() if cap.sum() > 0 else np.zeros(3)
    base = float((np.outer(vals.to_numpy(), share) * g[:, [0, 1, 1]]).sum())
    return AssetLocation(
        allocation=alloc,
        after_tax_gain=gain,
        baseline_gain=base,
        improvement=gain - base,
        drag=pd.Series(drag, index=vals.index, name="drag"),
    )


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
