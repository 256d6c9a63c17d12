"""After-tax returns: the tax drag of a return series, from realised gains or a turnover model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError
from .rates import TaxRates
from .result import TaxResult

__all__ = ["AfterTaxReturn", "after_tax_return"]


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
    r = _checked_returns(returns, term)
    pre = (1 + r).cumprod()
    if realized is not None:
        after_vals, taxes = _after_realised_tax(r, pre, realized, portfolio_value, rates)
    else:
        if not 0 <= realization_rate <= 1:
            raise DataError("realization_rate must be between 0 and 1.", code="bad_rate")
        after_vals, taxes = _after_turnover_tax(r, realization_rate, rates.rate(term), liquidate)
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


def _checked_returns(returns: pd.Series, term: str) -> pd.Series:
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
    return r


def _year_ends(r: pd.Series) -> pd.Series:
    """Position of the last date of each calendar year, by year."""
    return pd.Series(np.arange(len(r)), index=r.index).groupby(r.index.year).max()


def _after_realised_tax(
    r: pd.Series,
    pre: pd.Series,
    realized: TaxResult | pd.DataFrame,
    portfolio_value: float | pd.Series | None,
    rates: TaxRates,
) -> tuple[np.ndarray, dict]:
    """After-tax wealth of 1 and the tax of each year, from the realised gains of the taxable accounts."""
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
    year = r.index.year
    taxes: dict = {}
    after_vals = np.empty(len(r))
    carry_s = carry_l = 0.0
    a = 1.0
    ends = _year_ends(r)
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
    return after_vals, taxes


def _after_turnover_tax(
    r: pd.Series, realization_rate: float, tau: float, liquidate: bool
) -> tuple[np.ndarray, dict]:
    """After-tax wealth of 1 and the tax of each year when a share of each year's gain is realised at ``tau``."""
    year = r.index.year
    taxes: dict = {}
    after_vals = np.empty(len(r))
    a = 1.0
    basis = 1.0
    carry = 0.0
    ends = _year_ends(r)
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
    return after_vals, taxes
