"""The tax desk: lots, lot relief, wash sales, harvesting, tax-aware rebalancing, after-tax returns.

This module is the public face of the tax computations (``from finance_core import
tax``; ``tax.process_trades(...)``). Lot replay and the wash-sale rule live in
:mod:`finance_core.wash_sales`, harvesting in :mod:`finance_core.harvest`, rates in
:mod:`finance_core.tax_rates`, the tax cost of a proposed trade list in
:mod:`finance_core.trade_tax`, tax-aware rebalancing (lot-level sells, cash kept in each
account, whole shares) in :mod:`finance_core.tax_rebalance`; they are re-exported here.
This module adds after-tax returns with the tax drag, and an asset location suggestion.
US federal rules; rates are inputs with 2026 defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from . import tax_rates as _tax_rates
from . import wash_sales as _wash_sales
from .errors import DataError, InfeasibleError, SolverError
from .harvest import HarvestPlan, harvest_candidates, harvest_trades, replacement_for
from .tax_rates import (  # noqa: F401
    FILING_STATUSES,
    LONG_TERM_BRACKETS_2026,
    NIIT_RATE,
    NIIT_THRESHOLDS,
    ORDINARY_BRACKETS_2026,
    TaxRates,
)
from .tax_rebalance import REBALANCE_ACCOUNT_COLUMNS, RebalanceResult, tax_aware_rebalance, tax_tradeoff_curve
from .trade_tax import TRADE_TAX_COLUMNS, TradeListTax, trade_list_tax
from .wash_sales import (  # noqa: F401
    LOT_METHODS,
    WASH_WINDOW_DAYS,
    TaxResult,
    _price_at,
    form_8949,
    is_long_term,
    lots_at_prices,
    process_trades,
)

# The rate and lot names imported above are re-exported (hence the noqa): __all__ takes them
# from the modules' own __all__.
__all__ = [
    # rates
    *_tax_rates.__all__,
    # lots and wash sales (all of wash_sales' public names but ACCOUNT_TYPES)
    *(name for name in _wash_sales.__all__ if name != "ACCOUNT_TYPES"),
    "sample_lots",
    "sample_trades",
    "known_accounts",
    "identical_map",
    "unrealized_summary",
    # harvesting
    "harvest_candidates",
    "harvest_trades",
    "HarvestPlan",
    "replacement_for",
    # the tax cost of a proposed trade list (the construction desk's target trades)
    "TradeListTax",
    "trade_list_tax",
    "TRADE_TAX_COLUMNS",
    # rebalancing
    "RebalanceResult",
    "tax_aware_rebalance",
    "tax_tradeoff_curve",
    "REBALANCE_ACCOUNT_COLUMNS",
    # returns and location
    "AfterTaxReturn",
    "after_tax_return",
    "AssetLocation",
    "asset_location",
    "asset_location_of_lots",
]

_DATA = Path(__file__).with_name("data")


def sample_trades() -> pd.DataFrame:
    """The bundled sample trade history (S&P 500 tickers, 2021-2022, priced from the bundled closes).

    Contains a full wash sale, a partial wash sale, a replacement bought in an IRA
    (loss disallowed for good) and ordinary gains; parsed by
    :func:`finance_core.data.read_trades_csv`.
    """
    from .data import read_trades_csv

    return read_trades_csv(_DATA / "sample_trades.csv")


def sample_lots() -> pd.DataFrame:
    """The bundled sample opening lots (taxable, IRA and Roth accounts), via ``read_lots_csv``."""
    from .data import read_lots_csv

    return read_lots_csv(_DATA / "sample_lots.csv")


def known_accounts(lots: pd.DataFrame | None, trades: pd.DataFrame | None = None) -> dict[str, str]:
    """Account name -> type (taxable, ira, roth) declared by the opening lots, else by the trades.

    The lots say which accounts a person has; passed as ``accounts=`` to
    :func:`process_trades`, a trade in any other account (a typo, an account not on
    file) is refused with its row. Without lots the trades' own accounts are used.
    """
    source = lots if lots is not None and len(lots) else trades
    if source is None or not len(source):
        return {}
    names = source["account"].astype(str).str.strip()
    if "account_type" in source.columns:
        types = source["account_type"].astype(str).str.strip().str.lower()
    else:
        low = names.str.lower()
        types = low.where(low.isin(["ira", "roth"]), "taxable")
    pairs = pd.DataFrame({"account": names, "type": types}).drop_duplicates("account")
    return dict(zip(pairs["account"], pairs["type"], strict=True))


def identical_map(rows) -> dict[str, str]:
    """Ticker -> group from editable rows ``{"ticker": ..., "group": ...}`` (blank rows skipped).

    Raises DataError naming the row when a ticker is listed twice with different groups
    or a row has a ticker but no group.
    """
    out: dict[str, str] = {}
    for i, row in enumerate(rows or [], start=1):
        ticker = str(row.get("ticker") or "").strip().upper()
        group = str(row.get("group") or "").strip().upper()
        if not ticker and not group:
            continue
        if not ticker or not group:
            raise DataError(
                f"Substantially identical map, row {i}: fill in both the ticker and its group "
                "(tickers with the same group are treated as the same security), or clear the row.",
                code="missing_value",
            )
        if ticker in out and out[ticker] != group:
            raise DataError(
                f"Substantially identical map, row {i}: {ticker} is already in group {out[ticker]}; "
                "a ticker belongs to one group. Remove one of the rows.",
                code="duplicate_ticker",
            )
        out[ticker] = group
    return out


def unrealized_summary(valued: pd.DataFrame) -> pd.Series:
    """Totals of valued lots (:func:`lots_at_prices`) in taxable accounts, and of all accounts.

    ``market_value`` (all accounts), ``taxable_value``, ``short_term_gain``,
    ``long_term_gain``, ``unrealized_loss`` (sum of the losing taxable lots, negative)
    and ``losing_lots`` (their count).
    """
    taxable = (
        valued["account_type"] == "taxable"
        if "account_type" in valued.columns
        else pd.Series(True, index=valued.index)
    )
    t = valued[taxable]
    losing = t["unrealized_gain"] < 0
    return pd.Series(
        {
            "market_value": float(valued["market_value"].sum()),
            "taxable_value": float(t["market_value"].sum()),
            "short_term_gain": float(t["short_term_gain"].sum()),
            "long_term_gain": float(t["long_term_gain"].sum()),
            "unrealized_loss": float(t.loc[losing, "unrealized_gain"].sum()),
            "losing_lots": int(losing.sum()),
        }
    )


# --------------------------------------------------------------------------- after-tax returns
@dataclass(frozen=True)
class AfterTaxReturn:
    """Pre-tax and after-tax growth of a strategy.

    ``pre_tax_return`` and ``after_tax_return``: annualised (CAGR, 252 periods a
    year); ``tax_drag`` = pre - after; ``taxes``: tax paid each year as a fraction of
    the initial investment (Series by year); ``wealth``: DataFrame of the pre-tax and
    after-tax value of 1 invested, by date.
    """

    pre_tax_return: float
    after_tax_return: float
    tax_drag: float
    taxes: pd.Series
    wealth: pd.DataFrame


def _net(st: float, lt: float) -> tuple[float, float]:
    """Schedule D netting: a net loss of one term offsets a net gain of the other."""
    if st < 0 < lt or lt < 0 < st:
        total = st + lt
        if total >= 0:
            return (total, 0.0) if st > 0 else (0.0, total)
        return (total, 0.0) if st < 0 else (0.0, total)
    return st, lt


def _cagr(wealth_end: float, n: int, periods_per_year: int) -> float:
    years = n / periods_per_year
    return float(wealth_end ** (1 / years) - 1) if years > 0 and wealth_end > 0 else float("nan")


def after_tax_return(
    returns: pd.Series,
    *,
    rates: TaxRates | None = None,
    realized: TaxResult | pd.DataFrame | None = None,
    portfolio_value: pd.Series | float | None = None,
    realization_rate: float = 1.0,
    term: str = "long",
    liquidate: bool = False,
    periods_per_year: int = 252,
) -> AfterTaxReturn:
    """Pre-tax vs after-tax return and the tax drag of a daily return series.

    Two ways to know the taxable gains:

    - ``realized`` given (a :class:`TaxResult` or its ``realized`` frame): the tax of
      each calendar year is ``rates.tax(short, long)`` on that year's allowed gains
      (net losses carried forward), paid at the last date of the year out of the
      portfolio. ``portfolio_value`` (a Series of money values, or the initial value)
      converts it to a fraction of the portfolio.
    - otherwise a turnover model: each calendar year a fraction ``realization_rate``
      of the year's gain of the after-tax portfolio is realised at the ``term``
      rate, losses carried forward; ``liquidate=True`` also taxes the remaining
      unrealised gain at the end.

    With all gains realised every year at rate ``tau`` and a constant yearly return
    ``r``, the after-tax return is ``r (1 - tau)`` (Jeffrey and Arnott 1993, "Is your
    alpha big enough to cover its taxes?", Journal of Portfolio Management 19(3)).
    """
    rates = rates or TaxRates()
    r = pd.Series(returns, dtype=float).dropna()
    if len(r) < 2:
        raise DataError("after_tax_return needs at least two returns.", code="short_history")
    if not isinstance(r.index, pd.DatetimeIndex):
        raise DataError(
            "The returns need a date index (calendar years decide when tax is paid).", code="bad_index"
        )
    if (r <= -1).any():
        raise DataError(
            f"A return of {r.min():.2%} on {r.idxmin().date()} wipes out the portfolio.", code="bad_returns"
        )
    if term not in ("short", "long"):
        raise DataError(f"term must be 'short' or 'long', not {term!r}.", code="bad_term")
    pre = (1 + r).cumprod()
    year = r.index.year
    taxes = {}
    after_vals = np.empty(len(r))
    if realized is not None:
        rz = realized.taxable_realized if isinstance(realized, TaxResult) else realized
        rz = rz[rz.get("account_type", pd.Series("taxable", index=rz.index)) == "taxable"]
        g = rz.assign(year=pd.to_datetime(rz["sold"]).dt.year)
        by = g.pivot_table(index="year", columns="term", values="allowed_gain", aggfunc="sum").fillna(0.0)
        if isinstance(portfolio_value, pd.Series):
            pv = portfolio_value.reindex(r.index).ffill()
            scale_money = None
        else:
            pv = None
            scale_money = float(portfolio_value) if portfolio_value is not None else None
            if scale_money is None:
                raise DataError(
                    "Give portfolio_value (the money value series, or the initial value) to turn realised "
                    "gains into a fraction of the portfolio.",
                    code="missing_value",
                )
        carry_s = carry_l = 0.0
        a = 1.0
        ends = pd.Series(np.arange(len(r)), index=r.index).groupby(year).max()
        for i, (_d, ret) in enumerate(r.items()):
            a *= 1 + ret
            y = year[i]
            if i == ends[y]:
                st = float(by.loc[y, "short"]) if y in by.index and "short" in by.columns else 0.0
                lt = float(by.loc[y, "long"]) if y in by.index and "long" in by.columns else 0.0
                st, lt = _net(st + carry_s, lt + carry_l)
                if st + lt < 0:  # net loss: carried forward with its character, no refund
                    carry_s, carry_l, tax = min(st, 0.0), min(lt, 0.0), 0.0
                else:
                    carry_s = carry_l = 0.0
                    tax = st * rates.short_term_total + lt * rates.long_term_total
                money = pv.iloc[i] if pv is not None else scale_money * pre.iloc[i]
                frac = tax / money if money > 0 else 0.0
                taxes[y] = a * frac
                a *= 1 - frac
            after_vals[i] = a
    else:
        if not 0 <= realization_rate <= 1:
            raise DataError("realization_rate must be between 0 and 1.", code="bad_rate")
        tau = rates.rate(term)
        a = 1.0
        basis = 1.0
        carry = 0.0
        ends = pd.Series(np.arange(len(r)), index=r.index).groupby(year).max()
        for i, ret in enumerate(r.to_numpy()):
            a *= 1 + ret
            y = year[i]
            if i == ends[y]:
                gain = (a - basis) * realization_rate + carry
                if gain > 0:
                    tax = gain * tau
                    carry = 0.0
                else:
                    tax, carry = 0.0, gain
                realised = (a - basis) * realization_rate
                basis += realised  # realised gains are re-invested at the new price
                taxes[y] = tax
                a -= tax
                basis -= tax
            after_vals[i] = a
        if liquidate and a > basis:
            final_tax = (a - basis) * tau
            after_vals[-1] = a - final_tax
            taxes[year[-1]] = taxes.get(year[-1], 0.0) + final_tax
    wealth = pd.DataFrame({"pre_tax": pre.to_numpy(), "after_tax": after_vals}, index=r.index)
    pre_r = _cagr(float(pre.iloc[-1]), len(r), periods_per_year)
    post_r = _cagr(float(after_vals[-1]), len(r), periods_per_year)
    return AfterTaxReturn(
        pre_tax_return=pre_r,
        after_tax_return=post_r,
        tax_drag=pre_r - post_r,
        taxes=pd.Series(taxes, name="tax", dtype=float).rename_axis("year"),
        wealth=wealth,
    )


# --------------------------------------------------------------------------- asset location
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
