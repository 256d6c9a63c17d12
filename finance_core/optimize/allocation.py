"""From target weights to whole shares and to a trade list.

* :func:`discrete_allocation` turns weights and a capital amount into whole shares:
  ``"greedy"`` (round down, then buy one share at a time of the most underweight
  asset that is still affordable) or ``"integer"``, the exact integer program

  .. math::

      \\min_{x \\in \\mathbb Z_{\\ge 0}^N}\\; \\sum_i |w_i C - p_i x_i| + r
      \\quad\\text{s.t.}\\quad r = C - p'x \\ge 0,

  solved with HiGHS through cvxpy (the same formulation as PyPortfolioOpt's
  ``lp_portfolio``). Short weights are allocated as a separate short book sized
  ``short_ratio * capital`` (PyPortfolioOpt's convention). Shares come in whole lots,
  and weight ``bounds`` hold after rounding, as weights of **capital** (position value
  / capital, cash included): greedy never buys the lot that would cross a maximum, the
  integer program has the maximum as a constraint (and the minimum as a heavily
  penalised one); a bound that cannot be held is named in the notes, with by how much.
* :func:`rebalance_trades` turns current holdings into those whole shares: the trade
  list is the difference to the same :class:`DiscreteAllocation` (one rounding), so the
  whole-share table, the trades and the leftover cash agree exactly.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, SolverError
from ._checks import positive_parameter

__all__ = ["DiscreteAllocation", "RebalanceTrades", "discrete_allocation", "rebalance_trades", "TRADE_COLUMNS"]

#: Columns of the trade table :func:`rebalance_trades` returns (``RebalanceTrades.trades``).
TRADE_COLUMNS = ["ticker", "side", "shares", "price", "value", "current_weight", "target_weight"]


@dataclass(frozen=True)
class RebalanceTrades:
    """The trades that move holdings to a whole-share target.

    Attributes
    ----------
    trades : pandas.DataFrame
        Columns :data:`TRADE_COLUMNS`; sells first, then buys, each by value.
    portfolio_value : float
        The value :math:`V` the target is for.
    cash_after : float
        :math:`V` minus the positions once the trades settle.
    notes : tuple of str
        Fractional or odd-lot holdings, skipped small trades, money added or taken out,
        turnover above the cap.
    """

    trades: pd.DataFrame
    portfolio_value: float
    cash_after: float
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiscreteAllocation:
    """Whole-share portfolio for a capital amount.

    Attributes
    ----------
    shares : pandas.Series
        Integer shares per ticker (negative for shorts), zero positions dropped.
    leftover : float
        Cash not invested (long book leftover plus short book leftover).
    weights : pandas.Series
        Realised weights of capital, ``shares * price / capital``.
    tracking_error : float
        Root-mean-square gap between realised and target weights.
    method : str
        ``"greedy"`` or ``"integer"``.
    solver : str
        ``"greedy"`` or the MILP solver that answered (``"HIGHS"``).
    notes : tuple of str
        Repairs and bounds that could not be held (which name, by how much, why).
    capital : float
        The capital the weights are fractions of.
    target : pandas.Series
        The target weights that were rounded.
    """

    shares: pd.Series
    leftover: float
    weights: pd.Series
    tracking_error: float
    method: str
    solver: str
    solve_seconds: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)
    capital: float = 0.0
    target: pd.Series | None = None

    @property
    def label(self) -> str:
        """How the shares were rounded, for a caption: "greedy rounding" or "integer program, HiGHS"."""
        return "greedy rounding" if self.method == "greedy" else f"integer program, {self.solver}"

    def table(self, latest_prices: pd.Series) -> pd.DataFrame:
        """One row per position: ticker, shares, price, value (shares x price) and realised weight."""
        prices = latest_prices.reindex(self.shares.index).astype(float)
        return pd.DataFrame({
            "ticker": self.shares.index,
            "shares": self.shares.to_numpy(),
            "price": prices.to_numpy(),
            "value": (self.shares * prices).to_numpy(),
            "weight": self.weights.reindex(self.shares.index).to_numpy(),
        })


# --------------------------------------------------------------------------- helpers
def _as_series(obj: Any, name: str) -> pd.Series:
    if isinstance(obj, Mapping):
        obj = pd.Series(obj, dtype=float)
    elif hasattr(obj, "weights") and isinstance(obj.weights, pd.Series):  # an Allocation
        obj = obj.weights
    if not isinstance(obj, pd.Series):
        raise DataError(f"{name} must be a Series (or mapping) indexed by ticker.", code="bad_input")
    out = pd.Series(pd.to_numeric(obj, errors="coerce").to_numpy(float), index=obj.index.map(str), name=name)
    if out.index.has_duplicates:
        dup = out.index[out.index.duplicated()].unique().tolist()
        raise DataError(f"{name} lists {', '.join(dup[:5])} more than once.", code="duplicate_tickers")
    return out


def _prices_for(tickers: list[str], latest_prices: Any) -> np.ndarray:
    prices = _as_series(latest_prices, "latest_prices")
    missing = [t for t in tickers if t not in prices.index or not np.isfinite(prices.get(t, np.nan))]
    if missing:
        raise DataError(
            f"No latest price for {', '.join(missing[:5])}: add a price for every ticker you hold or target.",
            code="missing_price",
        )
    p = prices.reindex(tickers).to_numpy(float)
    bad = [t for t, v in zip(tickers, p, strict=True) if v <= 0]
    if bad:
        raise DataError(f"Prices must be positive; check {', '.join(bad[:5])}.", code="bad_price")
    return p


def _lots_for(tickers: list[str], lot_size: Any) -> np.ndarray:
    """Lot size per ticker (whole numbers of at least 1)."""
    if isinstance(lot_size, Mapping | pd.Series):
        lots = _as_series(lot_size, "lot_size").reindex(tickers).fillna(1.0).to_numpy(float)
    else:
        try:
            lots = np.full(len(tickers), float(lot_size))
        except (TypeError, ValueError):
            lots = np.full(len(tickers), np.nan)
    if not np.all(np.isfinite(lots)) or np.any(lots < 1) or np.any(lots % 1 != 0):
        raise DataError(f"Lot sizes must be whole numbers of at least 1; got {lot_size!r}.", code="bad_lot_size")
    return lots.astype(np.int64)


def _weight_bounds(bounds: Any) -> tuple[float, float]:
    """(min, max) weight of capital; None (or a None end) means unbounded."""
    if bounds is None:
        return -np.inf, np.inf
    try:
        lo, hi = (float(b) if b is not None else None for b in bounds)
    except (TypeError, ValueError):
        raise DataError(f"Weight bounds must be two numbers (min, max); got {bounds!r}.", code="bad_bounds") from None
    lo, hi = -np.inf if lo is None else lo, np.inf if hi is None else hi
    if np.isnan(lo) or np.isnan(hi) or lo > hi:
        raise DataError(f"The minimum weight {lo:.2%} is above the maximum {hi:.2%}.", code="bad_bounds")
    return lo, hi


def _greedy(w: np.ndarray, p: np.ndarray, capital: float, most: np.ndarray, least: np.ndarray,
            groups: np.ndarray, group_cap: np.ndarray) -> tuple[np.ndarray, float]:
    """Round down (then up to each minimum), then buy one lot at a time of the most underweight name.

    ``p`` is the price of one lot; ``most`` / ``least`` are the most and least lots a name
    may hold (``inf`` / 0 when unbounded); ``groups`` numbers each name's capped sector
    (-1: none) and ``group_cap`` is each sector's most value. A lot that would cross
    ``most`` or its sector's cap is never bought.
    """
    order = np.argsort(-w, kind="stable")
    w, p, most, least, groups = w[order], p[order], most[order], least[order], groups[order]
    least = np.where(least <= most, least, 0)  # a minimum above the cap yields to the cap (noted)
    x = np.maximum(np.minimum(np.floor(w * capital / p + 1e-9), most), least).astype(np.int64)
    cash = capital - float(p @ x)
    while cash < -1e-9:  # minimums lifted beyond the cash: sell a lot of the name most above its target
        sellable = x - 1 >= least
        if not sellable.any():  # the minimums together cost more than the capital
            sellable = x >= 1
        over = np.where(sellable, p * x / capital - w, -np.inf)
        j = int(np.argmax(over))
        x[j] -= 1
        cash += p[j]
    for g in range(group_cap.size):  # a sector above its cap (a target that ignores it): sell its most overweight
        while _group_value(x, p, groups, group_cap.size)[g] > group_cap[g] + 1e-9:
            j = int(np.argmax(np.where((groups == g) & (x > 0), p * x / capital - w, -np.inf)))
            x[j] -= 1
            cash += p[j]
    while True:
        held = p * x
        total = held.sum()
        current = held / total if total > 0 else np.zeros_like(w)
        deficit = w - current
        room = np.append(group_cap - _group_value(x, p, groups, group_cap.size), np.inf)  # index -1: no sector
        deficit[(p > cash + 1e-9) | (x + 1 > most) | (p > room[groups] + 1e-9)] = -np.inf
        idx = int(np.argmax(deficit))
        if not np.isfinite(deficit[idx]) or deficit[idx] <= 0:
            break
        x[idx] += 1
        cash -= p[idx]
    out = np.empty_like(x)
    out[order] = x
    return out, cash


def _group_value(x: np.ndarray, p: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Value held in each capped sector."""
    inside = groups >= 0
    return np.bincount(groups[inside], weights=(p * x)[inside], minlength=n_groups)[:n_groups]


#: Cost, per unit of money, of falling short of a minimum in the integer program: far above
#: what one lot can change in the tracking objective (at most about four times its price).
_SHORTFALL_PENALTY = 100.0


def _integer(w: np.ndarray, p: np.ndarray, capital: float, most: np.ndarray, least: np.ndarray,
             groups: np.ndarray, group_cap: np.ndarray, group_floor: np.ndarray) -> tuple[np.ndarray, float, str]:
    import cvxpy as cp

    n = len(w)
    x = cp.Variable(n, integer=True)
    u = cp.Variable(n)
    r = capital - p @ x
    eta = w * capital - cp.multiply(x, p)
    objective = cp.sum(u) + r
    constraints = [eta <= u, eta >= -u, x >= 0, r >= 0]
    capped = np.isfinite(most)
    if capped.any():
        constraints.append(x[np.flatnonzero(capped)] <= most[capped])
    if (least > 0).any():
        gap = cp.Variable(n, nonneg=True)  # lots short of the minimum, priced and penalised
        constraints.append(x + gap >= np.minimum(least, most))  # a minimum above the cap yields to it
        objective = objective + _SHORTFALL_PENALTY * (p @ gap)
    if group_cap.size:
        member = (groups[None, :] == np.arange(group_cap.size)[:, None]).astype(float)
        sector_value = member @ cp.multiply(p, x)
        capped = np.isfinite(group_cap)
        if capped.any():
            constraints.append(sector_value[np.flatnonzero(capped)] <= group_cap[capped])
        if (group_floor > 0).any():
            sector_gap = cp.Variable(group_cap.size, nonneg=True)
            constraints.append(sector_value + sector_gap >= np.minimum(group_floor, group_cap))
            objective = objective + _SHORTFALL_PENALTY * cp.sum(sector_gap)
    problem = cp.Problem(cp.Minimize(objective), constraints)
    try:
        problem.solve(solver="HIGHS")
    except (cp.error.SolverError, ValueError) as exc:
        raise SolverError(
            f"The integer program failed in HiGHS ({exc}); use the greedy method instead.",
            code="solver_failed",
        ) from exc
    if problem.status not in ("optimal", "optimal_inaccurate") or x.value is None:
        raise SolverError(
            f"The integer program ended with status {problem.status!r}; use the greedy method instead.",
            code="solver_failed",
        )
    shares = np.rint(np.asarray(x.value, dtype=float)).astype(np.int64)
    return shares, capital - float(p @ shares), "HIGHS"


def _book(w: np.ndarray, p: np.ndarray, capital: float, method: str, most: np.ndarray, least: np.ndarray,
          sector_groups: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
          ) -> tuple[np.ndarray, float, str]:
    """Whole lots for one book; ``sector_groups`` is (group per name, group caps, group floors) in money."""
    if sector_groups is None:  # every name in group -1: no sector limit
        sector_groups = np.full(w.size, -1), np.zeros(0), np.zeros(0)
    groups, group_cap, group_floor = sector_groups
    if w.size == 0 or capital <= 0:
        return (
            np.zeros(w.size, dtype=np.int64),
            max(capital, 0.0),
            "greedy" if method == "greedy" else "HIGHS",
        )
    w = w / w.sum()
    if method == "greedy":
        x, cash = _greedy(w, p, capital, most, least, groups, group_cap)
        return x, cash, "greedy"
    return _integer(w, p, capital, most, least, groups, group_cap, group_floor)


def _lot_limits(value_cap: float, value_floor: float, lot_price: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Most and least whole lots whose value stays within [value_floor, value_cap]."""
    most = np.floor(value_cap / lot_price + 1e-9) if np.isfinite(value_cap) else np.full(lot_price.size, np.inf)
    least = np.ceil(value_floor / lot_price - 1e-9) if value_floor > 0 else np.zeros(lot_price.size)
    return most, least


def _sector_groups(tickers: list[str], sector_map: Any, sector_bounds: Any) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The bounded sectors, each ticker's sector number (-1: none) and the (min, max) rows."""
    if not sector_bounds:
        return [], np.full(len(tickers), -1), np.zeros((0, 2))
    if sector_map is None:
        raise DataError("sector_bounds need a sector_map (ticker -> sector).", code="bad_constraint")
    smap = sector_map if isinstance(sector_map, pd.Series) else pd.Series(sector_map, dtype=object)
    names = [str(s) for s in sector_bounds]
    groups = np.array([names.index(str(smap.get(t))) if str(smap.get(t)) in names else -1 for t in tickers])
    limits = np.array([[-np.inf if lo is None else float(lo), np.inf if hi is None else float(hi)]
                       for lo, hi in sector_bounds.values()], dtype=float).reshape(-1, 2)
    return names, groups, limits


def _sector_notes(names: list[str], groups: np.ndarray, w: np.ndarray, realised: np.ndarray,
                  limits: np.ndarray, capital: float) -> list[str]:
    notes = []
    for g, name in enumerate(names):
        inside = groups == g
        target, held = float(w[inside].sum()), float(realised[inside].sum())
        lo, hi = limits[g]
        if target > hi + 1e-9:
            notes.append(f"The target puts {target:.2%} in {name}, above its {hi:.2%} sector maximum: its whole "
                         f"shares stop at {held:.2%} of capital.")
        if lo > 0 and held < lo - 1e-12:
            notes.append(f"{name} is at {held:.2%} of capital, {lo - held:.2%} (${(lo - held) * capital:,.2f}) "
                         f"below its {lo:.2%} sector minimum: whole shares within the other bounds cannot reach it.")
    return notes


def _lot_text(lot: int) -> str:
    return "one share" if lot == 1 else f"one {lot:,}-share lot"


def _bound_notes(tickers: list[str], w: np.ndarray, p: np.ndarray, lots: np.ndarray, shares: np.ndarray,
                 capital: float, lo: float, hi: float, most: np.ndarray, least: np.ndarray) -> list[str]:
    """Say which bound could not be held after rounding, for which name, by how much and why."""
    notes = []
    realised = shares * p / capital
    for i, t in enumerate(tickers):
        if w[i] > 0 and most[i] == 0:
            notes.append(f"{_lot_text(lots[i]).capitalize()} of {t} costs ${p[i] * lots[i]:,.2f}, more than the "
                         f"{hi:.2%} maximum (${hi * capital:,.2f}): {t} gets no shares.")
        elif w[i] > hi + 1e-9:
            notes.append(f"The target puts {w[i]:.2%} in {t}, above the {hi:.2%} maximum: its whole shares stop "
                         f"at {realised[i]:.2%} of capital.")
        if w[i] > 0 and lo > 0 and realised[i] < lo - 1e-12:
            n = int(least[i] * lots[i])
            why = (f"the smallest holding at or above it ({n:,} share{'s' if n != 1 else ''}, "
                   f"{n * p[i] / capital:.2%}) would cross the {hi:.2%} maximum" if least[i] > most[i]
                   else "the capital, within the other limits, does not cover every minimum in whole shares")
            notes.append(f"{t} is at {realised[i]:.2%} of capital, {lo - realised[i]:.2%} "
                         f"(${(lo - realised[i]) * capital:,.2f}) below the {lo:.2%} minimum: {why}.")
    return notes


def _target_weights(weights: Any) -> tuple[pd.Series, pd.Series]:
    """The target as given, and its non-zero weights; missing or all-zero weights are refused."""
    w_s = _as_series(weights, "weights")
    if not np.isfinite(w_s.to_numpy()).all():
        bad = w_s.index[~np.isfinite(w_s.to_numpy())].tolist()
        raise DataError(f"Weights are missing for {', '.join(bad[:5])}.", code="bad_weights")
    nonzero = w_s[w_s.abs() > 1e-12]
    if nonzero.empty:
        raise DataError("All target weights are zero: nothing to allocate.", code="bad_weights")
    return w_s, nonzero


def _unaffordable_notes(tickers: list[str], shares: np.ndarray, w: np.ndarray, most: np.ndarray) -> list[str]:
    """Name the targets that got no share although their bounds allow one."""
    expensive = [t for t, x, wt, m in zip(tickers, shares, w, most, strict=True) if x == 0 and wt != 0 and m != 0]
    if not expensive:
        return []
    return [f"No whole share of {', '.join(expensive[:5])} fits its target: add capital for a closer match."]


def _rebalance_target(target_weights: Any, capital: float | None) -> tuple[DiscreteAllocation | None, pd.Series]:
    """The whole-share target if one is given (its capital must match), and the target weights."""
    whole = target_weights if isinstance(target_weights, DiscreteAllocation) else None
    if whole is not None:
        if capital is not None and abs(float(capital) - whole.capital) > 1e-6 * max(whole.capital, 1.0):
            raise DataError(
                f"The whole shares were computed for ${whole.capital:,.2f}, not ${float(capital):,.2f}: "
                "compute them again for this capital.",
                code="bad_capital",
            )
        target = whole.target if whole.target is not None else whole.weights
    else:
        target = _as_series(target_weights, "target_weights")
    if not np.isfinite(target.to_numpy()).all():
        bad = target.index[~np.isfinite(target.to_numpy())].tolist()
        raise DataError(f"Target weights are missing for {', '.join(bad[:5])}.", code="bad_weights")
    return whole, target


def _portfolio_value(whole: DiscreteAllocation | None, capital: float | None, cash: Any,
                     held_value: float) -> tuple[float, float]:
    """The cash as a number and the value :math:`V` to rebalance to (refused when not positive)."""
    try:
        cash = float(cash)
    except (TypeError, ValueError):
        raise DataError(f"Cash must be a number; got {cash!r}.", code="bad_cash") from None
    if whole is not None:
        value = whole.capital
    else:
        value = float(capital) if capital is not None else held_value + cash
    if not np.isfinite(value) or value <= 0:
        raise DataError(
            "The portfolio value is zero: pass the capital to invest or current holdings with prices.",
            code="bad_capital",
        )
    return cash, value


def _new_money_notes(held_value: float, cash: float, value: float) -> list[str]:
    """Say when the target's value differs from the holdings plus cash, so the trades add or take out money."""
    gap = value - held_value - cash
    if not (held_value > 0 and abs(gap) > 0.005 * value):
        return []
    return [f"The holdings are worth ${held_value:,.2f} at the last prices{' plus cash' if cash else ''}; "
            f"the target is for ${value:,.2f}, so the trades {'add' if gap > 0 else 'take out'} "
            f"${abs(gap):,.2f} of {'new money' if gap > 0 else 'cash'}. To rebalance within the book, set "
            f"the capital to ${held_value + cash:,.2f}."]


def _share_trades(target_shares: np.ndarray, current: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whole-share trades from current to target shares, and which positions are closed out in full."""
    delta = target_shares.astype(float) - current
    trade = np.where(delta > 0, np.floor(delta + 1e-9), -np.round(-delta))
    close_out = (target_shares == 0) & (current != 0)
    trade[close_out] = -current[close_out]
    return np.rint(trade), close_out


def _trade_notes(tickers: list[str], trade: np.ndarray, trade_value: np.ndarray, keep: np.ndarray,
                 lots: np.ndarray, min_trade_value: float) -> list[str]:
    """Odd-lot trades, and trades skipped for being below the minimum value."""
    notes = []
    odd = [f"{t} {int(abs(x)):,}" for t, x, lot, k in zip(tickers, trade, lots, keep, strict=True)
           if k and lot > 1 and x % lot != 0]
    if odd:
        notes.append(f"Odd-lot trades, because the holdings are not whole lots: {', '.join(odd[:5])} shares.")
    skipped = [f"{t} ({int(abs(x)):,} shares, ${v:,.2f})" for t, x, v, k in zip(tickers, trade, trade_value, keep,
                                                                                   strict=True) if x != 0 and not k]
    if skipped:
        notes.append(f"Skipped trades below ${min_trade_value:,.2f}: {', '.join(skipped[:5])}; those positions "
                     "stay as held.")
    return notes


def _turnover_notes(after: np.ndarray, before: np.ndarray | float, max_turnover: float | None) -> list[str]:
    """Say by how much the whole-share trades move the weights beyond the turnover cap."""
    turnover = float(np.abs(after - before).sum())
    if max_turnover is None or turnover <= max_turnover + 1e-9:
        return []
    return [f"In whole shares the weights move by {turnover:.2%} in all (two-way turnover), "
            f"{turnover - max_turnover:.2%} above the {max_turnover:.2%} maximum: rounding to whole shares "
            "(and lots) moves every position a little."]


def _trade_table(tickers: list[str], trade: np.ndarray, p: np.ndarray, trade_value: np.ndarray,
                 current_weight: np.ndarray, target_weight: np.ndarray) -> pd.DataFrame:
    """One row per ticker in :data:`TRADE_COLUMNS` (filter and sort it after)."""
    return pd.DataFrame(
        {
            "ticker": tickers,
            "side": np.where(trade > 0, "buy", "sell"),
            "shares": np.abs(trade).astype(np.int64),
            "price": p,
            "value": trade_value,
            "current_weight": current_weight,
            "target_weight": target_weight,
        }
    )


# --------------------------------------------------------------------------- public
def discrete_allocation(
    weights: Any,
    latest_prices: Any,
    capital: float,
    method: str = "greedy",
    *,
    short_ratio: float | None = None,
    lot_size: int | Mapping | pd.Series = 1,
    bounds: tuple[float | None, float | None] | None = None,
    sector_map: Mapping | pd.Series | None = None,
    sector_bounds: Mapping[str, tuple[float | None, float | None]] | None = None,
) -> DiscreteAllocation:
    """Whole shares that track ``weights`` for ``capital``; the rest is cash.

    Parameters
    ----------
    weights : pandas.Series or Allocation
        Target weights by ticker (summing to 1 for long-only portfolios).
    latest_prices : pandas.Series
        Latest price per ticker.
    capital : float
        Money to invest, in the currency of the prices.
    method : {"greedy", "integer"}
        ``"greedy"``: floor of :math:`w_i C / p_i`, then repeatedly one share of the
        asset with the largest shortfall :math:`w_i - \\tilde w_i` that the remaining
        cash can buy (PyPortfolioOpt's ``greedy_portfolio``). ``"integer"``: the
        exact mixed-integer program minimising :math:`\\sum_i|w_iC - p_ix_i| + r`
        with HiGHS (PyPortfolioOpt's ``lp_portfolio`` formulation).
    short_ratio : float, optional
        Size of the short book as a fraction of capital; default: the sum of the
        negative weights.
    lot_size : int or per-ticker mapping/Series
        Shares come in whole multiples of it (1 for US shares; 100 for many Asian markets).
    bounds : (min, max), optional
        Weight bounds, as fractions of **capital** (position value / capital), that hold
        after rounding: no long position above ``max`` (greedy never buys the lot that
        would cross it; the integer program has :math:`p_i x_i \\le \\max \\cdot C`), none
        below ``min`` when it is positive (lifted first by greedy, a penalised constraint
        in the integer program), and with a negative ``min`` no short larger than
        ``-min * C``. A bound that cannot be held is named in ``notes`` with by how much.
    sector_map, sector_bounds : optional
        Ticker -> sector, and sector -> (min, max) as fractions of capital, held on the
        long positions the same way (greedy never buys a lot that crosses a sector's
        maximum; the integer program has it as a constraint, the minimum penalised).

    Returns
    -------
    DiscreteAllocation
    """
    start = time.perf_counter()
    if method not in ("greedy", "integer"):
        raise DataError(f"Unknown method {method!r}: choose 'greedy' or 'integer'.", code="bad_option")
    capital = positive_parameter(capital, "Capital", need="a positive amount", code="bad_capital")
    lo, hi = _weight_bounds(bounds)
    target, w_s = _target_weights(weights)
    tickers = list(w_s.index)
    p = _prices_for(tickers, latest_prices)
    lots = _lots_for(tickers, lot_size)
    lot_p = p * lots
    w = w_s.to_numpy(float)
    notes: list[str] = []
    longs, shorts = w > 0, w < 0
    if shorts.any() and not longs.any():
        raise DataError("Weights are all negative: give at least one long position.", code="bad_weights")
    units = np.zeros(w.size, dtype=np.int64)
    most, least = _lot_limits(hi * capital, lo * capital, lot_p)
    if shorts.any():  # a negative minimum caps the size of each short
        most[shorts], least[shorts] = _lot_limits(-lo * capital if lo < 0 else np.inf, 0.0, lot_p[shorts])
    sectors, groups, limits = _sector_groups(tickers, sector_map, sector_bounds)
    long_groups = groups[longs], limits[:, 1] * capital, np.maximum(limits[:, 0], 0.0) * capital
    x_l, cash_l, solver = _book(w[longs], lot_p[longs], capital, method, most[longs], least[longs], long_groups)
    units[longs] = x_l
    leftover = cash_l
    if shorts.any():
        ratio = float(-w[shorts].sum()) if short_ratio is None else float(short_ratio)
        x_s, cash_s, _ = _book(-w[shorts], lot_p[shorts], capital * ratio, method, most[shorts], least[shorts])
        units[shorts] = -x_s
        leftover += cash_s
        notes.append(f"Short book of {ratio:.0%} of capital allocated separately.")
    shares = units * lots
    notes += _bound_notes(tickers, np.where(longs, w, 0.0), p, lots, shares, capital, lo, hi, most, least)
    notes += _sector_notes(sectors, groups, np.where(longs, w, 0.0), np.where(longs, shares * p / capital, 0.0),
                           limits, capital)
    notes += _unaffordable_notes(tickers, shares, w, most)
    realised = shares * p / capital
    s = pd.Series(shares, index=tickers, name="shares")
    return DiscreteAllocation(
        shares=s[s != 0],
        leftover=float(leftover),
        weights=pd.Series(realised, index=tickers, name="weight"),
        tracking_error=float(np.sqrt(np.mean((realised - w) ** 2))),
        method=method,
        solver=solver,
        solve_seconds=time.perf_counter() - start,
        notes=tuple(notes),
        capital=capital,
        target=target.rename("target_weight"),
    )


def rebalance_trades(
    holdings_shares: Any,
    target_weights: Any,
    latest_prices: Any,
    *,
    capital: float | None = None,
    cash: float = 0.0,
    lot_size: int | Mapping | pd.Series = 1,
    min_trade_value: float = 0.0,
    method: str = "greedy",
    bounds: tuple[float | None, float | None] | None = None,
    sector_map: Mapping | pd.Series | None = None,
    sector_bounds: Mapping[str, tuple[float | None, float | None]] | None = None,
    max_turnover: float | None = None,
) -> RebalanceTrades:
    """Buys and sells that move current holdings to the whole-share target.

    The target is a :class:`DiscreteAllocation` (the whole-share table shown to the
    user), or target weights, which are first rounded by :func:`discrete_allocation`
    for the portfolio value :math:`V` (``capital`` if given, else holdings at
    ``latest_prices`` plus ``cash``) with ``method``, ``lot_size`` and ``bounds``. Either
    way there is one rounding: each trade is the target's shares minus the current
    shares, so holdings plus trades are exactly the whole-share table and
    ``cash_after`` is its leftover cash (for long-only targets). A ticker held but not in
    the target is sold in full; holdings that are not whole lots give an odd-lot trade
    (noted). Trades worth less than ``min_trade_value`` are skipped (noted: those
    positions stay as held). Fractional holdings are traded in whole shares.

    Parameters
    ----------
    holdings_shares : pandas.Series
        Current shares per ticker (may be empty).
    target_weights : DiscreteAllocation, pandas.Series or Allocation
        Whole-share target, or target weights; tickers held but not in the target are sold.
    latest_prices : pandas.Series
    capital : float, optional
        Portfolio value to rebalance to (to add or withdraw money); with a
        DiscreteAllocation, its own capital.
    cash : float
        Cash held besides the shares (used when ``capital`` is None).
    lot_size : int or per-ticker mapping/Series
        Trading lot (1 for US shares; 100 for many Asian markets).
    min_trade_value : float
        Skip trades below this value.
    method, bounds, sector_map, sector_bounds
        As in :func:`discrete_allocation`, when target weights are given.
    max_turnover : float, optional
        The two-way turnover cap the target was built under, :math:`\\sum_i |w_i - w^0_i|`
        with :math:`w^0` the current weights of the holdings' value and :math:`w` the
        weights of :math:`V` after the trades; when whole shares move more, a note says
        by how much.

    Returns
    -------
    RebalanceTrades
        ``trades``: columns ``ticker, side ("buy"/"sell"), shares (positive int), price, value,
        current_weight, target_weight``; sells first, then buys, each by value. With
        ``cash_after`` (portfolio value minus the positions once the trades settle),
        ``portfolio_value`` and ``notes``.
    """
    holdings = (
        _as_series(holdings_shares, "holdings") if holdings_shares is not None else pd.Series(dtype=float)
    )
    holdings = holdings.fillna(0.0)
    whole, target = _rebalance_target(target_weights, capital)
    notes = []
    if np.any(np.abs(holdings.to_numpy() % 1) > 1e-9):
        notes.append("fractional holdings are traded in whole shares")
    tickers = list(dict.fromkeys([*target.index, *holdings.index[holdings != 0]]))
    if not tickers:
        raise DataError("No holdings and no target weights: nothing to trade.", code="no_positions")
    p = _prices_for(tickers, latest_prices)
    cur = holdings.reindex(tickers).fillna(0.0).to_numpy(float)
    tw = target.reindex(tickers).fillna(0.0).to_numpy(float)
    held_value = float(cur @ p)
    cash, value = _portfolio_value(whole, capital, cash, held_value)
    notes += _new_money_notes(held_value, cash, value)
    lots = _lots_for(tickers, lot_size)
    if whole is None and np.any(np.abs(tw) > 1e-12):
        whole = discrete_allocation(target, latest_prices, value, method, lot_size=lot_size, bounds=bounds,
                                    sector_map=sector_map, sector_bounds=sector_bounds)
    target_sh = (whole.shares if whole is not None else pd.Series(dtype=float)).reindex(tickers).fillna(0)
    trade, close_out = _share_trades(target_sh.to_numpy(), cur)
    trade_value = np.abs(trade) * p
    keep = (trade != 0) & ((trade_value >= min_trade_value) | close_out)
    notes += _trade_notes(tickers, trade, trade_value, keep, lots, min_trade_value)
    after = (cur + np.where(keep, trade, 0.0)) * p / value
    notes += _turnover_notes(after, cur * p / held_value if held_value > 0 else 0.0, max_turnover)
    frame = _trade_table(tickers, trade, p, trade_value, cur * p / value, tw)[keep]
    frame = frame.sort_values(["side", "value"], ascending=[False, False], kind="stable").reset_index(
        drop=True
    )
    return RebalanceTrades(
        trades=frame,
        portfolio_value=value,
        cash_after=float(value - (cur + np.where(keep, trade, 0.0)) @ p),
        notes=tuple(notes),
    )
