"""From target weights to whole shares and to a trade list.

* :func:`discrete_allocation` turns weights and a capital amount into whole shares:
  ``"greedy"`` (round down, then buy one share at a time of the most underweight
  asset that is still affordable) or ``"integer"``, the exact integer program

  .. math::

      \\min_{x \\in \\mathbb Z_{\\ge 0}^N}\\; \\sum_i |w_i C - p_i x_i| + r
      \\quad\\text{s.t.}\\quad r = C - p'x \\ge 0,

  solved with HiGHS through cvxpy (the same formulation as PyPortfolioOpt's
  ``lp_portfolio``). Short weights are allocated as a separate short book sized
  ``short_ratio * capital`` (PyPortfolioOpt's convention).
* :func:`rebalance_trades` turns current holdings and target weights into a list of
  buys and sells in whole lots.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import DataError, SolverError

__all__ = ["DiscreteAllocation", "discrete_allocation", "rebalance_trades", "TRADE_COLUMNS"]

#: Columns of the frame :func:`rebalance_trades` returns.
TRADE_COLUMNS = ["ticker", "side", "shares", "price", "value", "current_weight", "target_weight"]


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
        Realised weights ``shares * price / capital``.
    tracking_error : float
        Root-mean-square gap between realised and target weights.
    method : str
        ``"greedy"`` or ``"integer"``.
    solver : str
        ``"greedy"`` or the MILP solver that answered (``"HIGHS"``).
    notes : tuple of str
    """

    shares: pd.Series
    leftover: float
    weights: pd.Series
    tracking_error: float
    method: str
    solver: str
    solve_seconds: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)

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
def _as_series(obj, name: str) -> pd.Series:
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


def _prices_for(tickers: list[str], latest_prices) -> np.ndarray:
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


def _greedy(w: np.ndarray, p: np.ndarray, capital: float) -> tuple[np.ndarray, float]:
    """Round down, then buy one share at a time of the most underweight affordable asset."""
    order = np.argsort(-w, kind="stable")
    w, p = w[order], p[order]
    x = np.floor(w * capital / p + 1e-9).astype(np.int64)
    cash = capital - float(p @ x)
    while True:
        held = p * x
        total = held.sum()
        current = held / total if total > 0 else np.zeros_like(w)
        deficit = w - current
        deficit[p > cash + 1e-9] = -np.inf
        idx = int(np.argmax(deficit))
        if not np.isfinite(deficit[idx]) or deficit[idx] <= 0:
            break
        x[idx] += 1
        cash -= p[idx]
    out = np.empty_like(x)
    out[order] = x
    return out, cash


def _integer(w: np.ndarray, p: np.ndarray, capital: float) -> tuple[np.ndarray, float, str]:
    import cvxpy as cp

    n = len(w)
    x = cp.Variable(n, integer=True)
    u = cp.Variable(n)
    r = capital - p @ x
    eta = w * capital - cp.multiply(x, p)
    problem = cp.Problem(cp.Minimize(cp.sum(u) + r), [eta <= u, eta >= -u, x >= 0, r >= 0])
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


def _book(w: np.ndarray, p: np.ndarray, capital: float, method: str):
    if w.size == 0 or capital <= 0:
        return (
            np.zeros(w.size, dtype=np.int64),
            max(capital, 0.0),
            "greedy" if method == "greedy" else "HIGHS",
        )
    w = w / w.sum()
    if method == "greedy":
        x, cash = _greedy(w, p, capital)
        return x, cash, "greedy"
    return _integer(w, p, capital)


# --------------------------------------------------------------------------- public
def discrete_allocation(
    weights,
    latest_prices,
    capital: float,
    method: str = "greedy",
    *,
    short_ratio: float | None = None,
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

    Returns
    -------
    DiscreteAllocation
    """
    start = time.perf_counter()
    if method not in ("greedy", "integer"):
        raise DataError(f"Unknown method {method!r}: choose 'greedy' or 'integer'.", code="bad_option")
    try:
        capital = float(capital)
    except (TypeError, ValueError):
        raise DataError(f"Capital must be a number; got {capital!r}.", code="bad_capital") from None
    if not np.isfinite(capital) or capital <= 0:
        raise DataError(f"Capital must be a positive amount; got {capital!r}.", code="bad_capital")
    w_s = _as_series(weights, "weights")
    if not np.isfinite(w_s.to_numpy()).all():
        bad = w_s.index[~np.isfinite(w_s.to_numpy())].tolist()
        raise DataError(f"Weights are missing for {', '.join(bad[:5])}.", code="bad_weights")
    w_s = w_s[w_s.abs() > 1e-12]
    if w_s.empty:
        raise DataError("All target weights are zero: nothing to allocate.", code="bad_weights")
    tickers = list(w_s.index)
    p = _prices_for(tickers, latest_prices)
    w = w_s.to_numpy(float)
    notes: list[str] = []
    longs, shorts = w > 0, w < 0
    if shorts.any() and not longs.any():
        raise DataError("Weights are all negative: give at least one long position.", code="bad_weights")
    shares = np.zeros(w.size, dtype=np.int64)
    x_l, cash_l, solver = _book(w[longs], p[longs], capital, method)
    shares[longs] = x_l
    leftover = cash_l
    if shorts.any():
        ratio = float(-w[shorts].sum()) if short_ratio is None else float(short_ratio)
        x_s, cash_s, _ = _book(-w[shorts], p[shorts], capital * ratio, method)
        shares[shorts] = -x_s
        leftover += cash_s
        notes.append(f"Short book of {ratio:.0%} of capital allocated separately.")
    expensive = [t for t, x, wt in zip(tickers, shares, w, strict=True) if x == 0 and wt != 0]
    if expensive:
        notes.append(
            f"No whole share of {', '.join(expensive[:5])} fits its target: add capital for a closer match."
        )
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
    )


def rebalance_trades(
    holdings_shares,
    target_weights,
    latest_prices,
    *,
    capital: float | None = None,
    cash: float = 0.0,
    lot_size: int | Mapping | pd.Series = 1,
    min_trade_value: float = 0.0,
) -> pd.DataFrame:
    """Buys and sells (whole lots) that move current holdings to target weights.

    With :math:`V` the portfolio value (``capital`` if given, else holdings at
    ``latest_prices`` plus ``cash``), the target position in ticker :math:`i` is
    :math:`w_i V / p_i` shares; the trade is the gap to the current shares, in
    multiples of the ticker's lot size: buys are rounded down (never spend more
    than planned), sells to the nearest lot, and a ticker whose target is zero is
    sold in full (odd lots included). Trades worth less than ``min_trade_value``
    are skipped.

    Parameters
    ----------
    holdings_shares : pandas.Series
        Current shares per ticker (may be empty).
    target_weights : pandas.Series or Allocation
        Target weights; tickers held but not in the target are sold.
    latest_prices : pandas.Series
    capital : float, optional
        Portfolio value to rebalance to (to add or withdraw money).
    cash : float
        Cash held besides the shares (used when ``capital`` is None).
    lot_size : int or per-ticker mapping/Series
        Trading lot (1 for US shares; 100 for many Asian markets).
    min_trade_value : float
        Skip trades below this value.

    Returns
    -------
    pandas.DataFrame
        Columns ``ticker, side ("buy"/"sell"), shares (positive int), price, value,
        current_weight, target_weight``; sells first, then buys, each by value.
        ``frame.attrs`` holds ``cash_after`` (cash once the trades settle) and
        ``portfolio_value``.
    """
    holdings = (
        _as_series(holdings_shares, "holdings") if holdings_shares is not None else pd.Series(dtype=float)
    )
    holdings = holdings.fillna(0.0)
    target = _as_series(target_weights, "target_weights")
    if not np.isfinite(target.to_numpy()).all():
        bad = target.index[~np.isfinite(target.to_numpy())].tolist()
        raise DataError(f"Target weights are missing for {', '.join(bad[:5])}.", code="bad_weights")
    frac = holdings.to_numpy() % 1
    if np.any(np.abs(frac) > 1e-9):
        notes = "fractional holdings are traded in whole shares"
    else:
        notes = ""
    tickers = list(dict.fromkeys([*target.index, *holdings.index[holdings != 0]]))
    if not tickers:
        raise DataError("No holdings and no target weights: nothing to trade.", code="no_positions")
    p = _prices_for(tickers, latest_prices)
    cur = holdings.reindex(tickers).fillna(0.0).to_numpy(float)
    tw = target.reindex(tickers).fillna(0.0).to_numpy(float)
    held_value = float(cur @ p)
    try:
        cash = float(cash)
    except (TypeError, ValueError):
        raise DataError(f"Cash must be a number; got {cash!r}.", code="bad_cash") from None
    value = float(capital) if capital is not None else held_value + cash
    if not np.isfinite(value) or value <= 0:
        raise DataError(
            "The portfolio value is zero: pass the capital to invest or current holdings with prices.",
            code="bad_capital",
        )
    if isinstance(lot_size, Mapping | pd.Series):
        lots_s = _as_series(lot_size, "lot_size")
        lots = lots_s.reindex(tickers).fillna(1.0).to_numpy(float)
    else:
        lots = np.full(len(tickers), float(lot_size))
    if not np.all(np.isfinite(lots)) or np.any(lots < 1) or np.any(lots % 1 != 0):
        raise DataError("Lot sizes must be whole numbers of at least 1.", code="bad_lot_size")
    target_sh = tw * value / p
    delta = target_sh - cur
    trade = np.where(
        delta > 0,
        np.floor(delta / lots + 1e-9) * lots,
        -np.round(-delta / lots) * lots,
    )
    close_out = (tw == 0) & (cur != 0)
    trade[close_out] = -cur[close_out]
    trade = np.rint(trade)
    trade_value = np.abs(trade) * p
    keep = (trade != 0) & ((trade_value >= min_trade_value) | close_out)
    cur_w = cur * p / value
    frame = pd.DataFrame(
        {
            "ticker": tickers,
            "side": np.where(trade > 0, "buy", "sell"),
            "shares": np.abs(trade).astype(np.int64),
            "price": p,
            "value": trade_value,
            "current_weight": cur_w,
            "target_weight": tw,
        }
    )[keep]
    frame = frame.sort_values(["side", "value"], ascending=[False, False], kind="stable").reset_index(
        drop=True
    )
    frame.attrs["portfolio_value"] = value
    frame.attrs["cash_after"] = float(cash - (trade[keep] * p[keep]).sum())
    if notes:
        frame.attrs["notes"] = [notes]
    return frame
