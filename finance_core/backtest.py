"""Walk-forward backtests of allocation strategies with transaction costs.

At each rebalance date :math:`t` (the last trading day of each period, from the
first date with ``lookback`` returns of history), the strategy sees only the
``lookback`` daily returns up to and including :math:`t` and returns target
weights :math:`w_t`. The trade happens at the close of :math:`t`; the new weights
earn returns from :math:`t+1` on (no look-ahead). Between rebalances the positions
drift with prices (buy and hold).

With :math:`\\tilde w_t` the drifted weights just before the trade, the turnover is
:math:`\\mathrm{TO}_t = \\sum_i |w_{t,i} - \\tilde w_{t,i}|` (the first trade, from
cash, has turnover :math:`\\sum_i |w_{t,i}|`) and the cost, a fraction of equity
paid at :math:`t`, is :math:`\\kappa\\,\\mathrm{TO}_t` with
:math:`\\kappa = \\text{cost\\_bps}/10^4` (proportional costs on traded value).
Equity follows

.. math::

    E_t = E_{t-1}\\,(1 + \\textstyle\\sum_i \\tilde w_{t-1,i} r_{t,i})\\,(1 - \\kappa\\,\\mathrm{TO}_t\\,[t\\text{ is a rebalance}]).

Cash (any weight not invested, :math:`1 - \\sum_i w_i`) earns nothing.

References
----------
Bailey, D. H., López de Prado, M. (2014) on backtest hygiene; DeMiguel, V.,
Garlappi, L., Uppal, R. (2009). "Optimal Versus Naive Diversification: How
Inefficient is the 1/N Portfolio Strategy?". Review of Financial Studies, 22(5),
1915-1953 (the rolling-window out-of-sample protocol and turnover definition).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ._types import DateLike
from .errors import DataError, FinanceError
from .overfitting import (
    OverfittingCheck,
    check_overfitting,
    deflated_sharpe_ratio,
    probability_of_backtest_overfitting,
)

__all__ = [
    "REBALANCE_FREQUENCIES",
    "BacktestResult",
    "Comparison",
    "compare",
    "OverfittingCheck",
    "deflated_sharpe_ratio",
    "deflated_sharpes",
    "overfitting_check",
    "probability_of_backtest_overfitting",
    "rebalance_dates",
    "run",
]

#: Rebalance codes accepted by :func:`run`.
REBALANCE_FREQUENCIES = {
    "D": "every day",
    "W": "weekly",
    "M": "monthly",
    "Q": "quarterly",
    "S": "semi-annually",
    "A": "annually",
}
_PERIOD = {"W": "W", "M": "M", "Q": "Q", "S": "Q", "A": "Y", "Y": "Y"}

Strategy = Callable[[pd.DataFrame], object]


@dataclass(frozen=True)
class BacktestResult:
    """One strategy's walk-forward path.

    Attributes
    ----------
    equity : pandas.Series
        Portfolio value by date, starting at ``initial_capital`` the day before the
        first rebalance (the day the strategy first trades).
    returns : pandas.Series
        Daily net returns (after costs), aligned with ``equity.index[1:]``.
    weights : pandas.DataFrame
        Target weights chosen at each rebalance date (rows) by ticker (columns).
    turnover : pandas.Series
        :math:`\\sum_i|w_i - \\tilde w_i|` at each rebalance date.
    costs : pandas.Series
        Cost paid at each rebalance date, in currency.
    name : str
    completed : bool
        False when stopped early through ``should_stop``; the series end there.
    notes : tuple of str
        Dates where the strategy failed and the previous weights were kept.
    """

    equity: pd.Series
    returns: pd.Series
    weights: pd.DataFrame
    turnover: pd.Series
    costs: pd.Series
    name: str = "strategy"
    completed: bool = True
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def annual_turnover(self) -> float:
        """Average one-way turnover per year (sum of turnover / years covered)."""
        years = max(len(self.returns), 1) / 252.0
        return float(self.turnover.sum() / years)


@dataclass(frozen=True)
class Comparison:
    """Several strategies on the same dates.

    Attributes
    ----------
    equity : pandas.DataFrame
        Equity curves, one column per strategy (and ``benchmark`` when given),
        all starting at the same value on the same date.
    drawdowns : pandas.DataFrame
        :math:`E_t / \\max_{s\\le t} E_s - 1` for each column of ``equity``.
    turnover : pandas.DataFrame
        Turnover at each rebalance date, one column per strategy.
    metrics : pandas.DataFrame
        One row per column of ``equity``: ``total_return``, ``cagr``,
        ``volatility``, ``sharpe``, ``sortino``, ``max_drawdown`` (negative),
        ``calmar``, ``annual_turnover``, ``total_costs``; with two or more strategies also
        ``deflated_sharpe`` right after ``sharpe`` (see :func:`deflated_sharpes`; NaN for the
        benchmark).
    results : dict of str to BacktestResult
    completed : bool
    overfitting : OverfittingCheck or None
        The probability of backtest overfitting of the strategies compared (CSCV on their daily
        net excess returns, see :func:`overfitting_check`); it says why when there is no number.
    """

    equity: pd.DataFrame
    drawdowns: pd.DataFrame
    turnover: pd.DataFrame
    metrics: pd.DataFrame
    results: dict[str, BacktestResult]
    completed: bool = True
    overfitting: OverfittingCheck | None = None


# --------------------------------------------------------------------------- helpers
def _check_prices(prices: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(prices, pd.DataFrame) or prices.empty:
        raise DataError("Prices must be a non-empty DataFrame of dates x tickers.", code="bad_prices")
    if not isinstance(prices.index, pd.DatetimeIndex):
        try:
            prices = prices.set_axis(pd.DatetimeIndex(prices.index), axis=0)
        except (TypeError, ValueError) as exc:
            raise DataError("The price index must be dates.", code="bad_prices") from exc
    if not prices.index.is_monotonic_increasing:
        prices = prices.sort_index()
    if prices.index.has_duplicates:
        dup = prices.index[prices.index.duplicated()][0]
        raise DataError(f"The date {dup:%Y-%m-%d} appears twice in the prices.", code="duplicate_dates")
    values = prices.to_numpy(dtype=float)
    if (values[np.isfinite(values)] <= 0).any():
        bad = prices.columns[(prices <= 0).any()].tolist()
        raise DataError(f"Prices must be positive; check {', '.join(map(str, bad[:5]))}.", code="bad_prices")
    return prices.astype(float)


def rebalance_dates(index: pd.DatetimeIndex, rebalance: str) -> pd.DatetimeIndex:
    """Last trading day of each period of ``index`` (``"D"``: every day)."""
    code = str(rebalance).upper()
    if code == "D":
        return index
    if code not in _PERIOD:
        raise DataError(
            f"Unknown rebalance frequency {rebalance!r}: choose one of {', '.join(REBALANCE_FREQUENCIES)}.",
            code="bad_rebalance",
        )
    periods = index.to_period(_PERIOD[code])
    last = ~pd.Series(periods).duplicated(keep="last").to_numpy()
    dates = index[last]
    if code == "S":
        dates = dates[dates.month.isin([6, 12]) | (dates == index[-1])]
    return dates


def _to_weights(out: object, columns: list[str], date: pd.Timestamp, name: str) -> np.ndarray:
    w = out.weights if hasattr(out, "weights") and isinstance(out.weights, pd.Series) else out
    if isinstance(w, Mapping):
        w = pd.Series(w, dtype=float)
    if not isinstance(w, pd.Series):
        raise DataError(
            f"Strategy {name!r} returned {type(out).__name__} on {date:%Y-%m-%d}; it must return a Series "
            "of weights indexed by ticker (or an Allocation).",
            code="bad_strategy_output",
        )
    w = w.astype(float)
    w.index = w.index.map(str)
    unknown = [t for t in w.index if t not in columns]
    if unknown:
        raise DataError(
            f"Strategy {name!r} gave weights for {', '.join(unknown[:5])} on {date:%Y-%m-%d}, which are not "
            "in the price data.",
            code="bad_strategy_output",
        )
    if not np.isfinite(w.to_numpy()).all():
        raise DataError(
            f"Strategy {name!r} returned missing weights on {date:%Y-%m-%d}.", code="bad_strategy_output"
        )
    return w.reindex(columns).fillna(0.0).to_numpy(float)


def _drawdowns(equity: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    return equity / equity.cummax() - 1.0


def _metrics(equity: pd.Series, risk_free_rate: float, periods_per_year: int = 252) -> dict[str, float]:
    """Standard ratios from an equity curve (conventions of empyrical)."""
    r = equity.pct_change().dropna()
    n = len(r)
    if n == 0:
        return dict.fromkeys(
            ("total_return", "cagr", "volatility", "sharpe", "sortino", "max_drawdown", "calmar"), np.nan
        )
    total = float(equity.iloc[-1] / equity.iloc[0] - 1.0)
    years = n / periods_per_year
    cagr = float((1.0 + total) ** (1.0 / years) - 1.0) if total > -1 else -1.0
    vol = float(r.std(ddof=1) * np.sqrt(periods_per_year)) if n > 1 else np.nan
    rf = (1.0 + risk_free_rate) ** (1.0 / periods_per_year) - 1.0
    ex = r - rf
    sd = float(ex.std(ddof=1)) if n > 1 else np.nan
    sharpe = (
        float(ex.mean() / sd * np.sqrt(periods_per_year)) if sd and np.isfinite(sd) and sd > 0 else np.nan
    )
    downside = float(np.sqrt(np.mean(np.minimum(ex.to_numpy(), 0.0) ** 2)))
    sortino = float(ex.mean() / downside * np.sqrt(periods_per_year)) if downside > 0 else np.nan
    mdd = float(_drawdowns(equity).min())  # a negative fraction, as on every page (README, Conventions)
    calmar = cagr / -mdd if mdd < 0 else np.nan
    return {
        "total_return": total,
        "cagr": cagr,
        "volatility": vol,
        "sharpe": sharpe,
        "sortino": sortino,
        "max_drawdown": mdd,
        "calmar": calmar,
    }


# --------------------------------------------------------------------------- public
def run(
    prices: pd.DataFrame,
    strategy: Strategy,
    *,
    rebalance: str = "M",
    lookback: int = 252,
    cost_bps: float = 10.0,
    start: DateLike | None = None,
    end: DateLike | None = None,
    benchmark: pd.Series | None = None,
    initial_capital: float = 1.0,
    name: str = "strategy",
    progress: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> BacktestResult:
    """Walk-forward backtest of one strategy (see the module docstring for the equations).

    Parameters
    ----------
    prices : pandas.DataFrame
        Daily closes, dates x tickers. Tickers may start late (leading gaps): the
        strategy only sees tickers with complete returns in its window.
    strategy : callable
        ``strategy(returns_window) -> weights`` where ``returns_window`` holds the
        last ``lookback`` simple daily returns up to the rebalance date and weights
        is a Series by ticker (or an ``Allocation``). Raising a
        :class:`~finance_core.errors.FinanceError` (say, an infeasible problem)
        keeps the previous weights and adds a note.
    rebalance : {"D", "W", "M", "Q", "S", "A"}
        Rebalance at the last trading day of each day/week/month/quarter/half/year.
    lookback : int, default 252
        Days of returns the strategy sees.
    cost_bps : float, default 10
        Proportional cost on traded value, in basis points.
    start, end : date-like, optional
        First and last date of the evaluation (history before ``start`` is still
        used for the first lookback window).
    benchmark : pandas.Series, optional
        Not used by :func:`run` itself (see :func:`compare`); accepted for a
        uniform call signature.
    initial_capital : float
    name : str
    progress : callable, optional
        Called with the completed fraction (0 to 1) after each rebalance.
    should_stop : callable, optional
        Polled before each rebalance; returning True stops and returns the path
        so far with ``completed=False``.

    Returns
    -------
    BacktestResult
    """
    if not callable(strategy):
        raise DataError("The strategy must be a function of a returns window.", code="bad_strategy")
    prices = _check_prices(prices)
    lookback, cost, capital = _run_options(lookback, cost_bps, initial_capital)
    columns = [str(c) for c in prices.columns]
    returns = prices.pct_change(fill_method=None).iloc[1:]
    returns.columns = columns
    r_all = returns.to_numpy(dtype=float)
    index = returns.index
    rebal, pos, end_pos = _schedule(index, lookback, rebalance, start, end)
    walk = _Walk(dates=[index[pos[0] - 1]], equity=[capital])
    notes: list[str] = []
    drifted = np.zeros(len(columns))
    completed = True
    n_reb = len(pos)
    for k, p0 in enumerate(pos):
        if should_stop is not None and should_stop():
            completed = False
            break
        date = index[p0]
        target = _target(strategy, returns.iloc[p0 - lookback + 1 : p0 + 1], columns, date, name, drifted, notes)
        walk.trade(date, target, drifted, cost)
        # hold (and drift) until the next rebalance or the end
        nxt = int(pos[k + 1]) if k + 1 < n_reb else end_pos
        drifted = walk.hold(target, r_all[p0 + 1 : nxt + 1], index[p0 + 1 : nxt + 1])
        if progress is not None:
            progress((k + 1) / n_reb)
    return walk.result(rebal, columns, name, completed, notes)


@dataclass
class _Walk:
    """The path :func:`run` builds: equity by date, and the weights, turnover and cost of each rebalance."""

    dates: list
    equity: list[float]
    weights: list[np.ndarray] = field(default_factory=list)
    turnover: list[float] = field(default_factory=list)
    costs: list[float] = field(default_factory=list)

    def trade(self, date: pd.Timestamp, target: np.ndarray, drifted: np.ndarray, cost: float) -> None:
        """Trade to ``target`` at the close of ``date``, paying the cost out of the equity of that close."""
        value = self.equity[-1]
        turnover = float(np.abs(target - drifted).sum())
        paid = cost * turnover * value
        value -= paid
        if not self.weights:  # the first rebalance opens the path on its date
            self.dates.append(date)
            self.equity.append(value)
        else:
            self.equity[-1] = value
        self.weights.append(target)
        self.turnover.append(turnover)
        self.costs.append(paid)

    def hold(self, target: np.ndarray, returns: np.ndarray, dates: pd.Index) -> np.ndarray:
        """Hold ``target`` through ``returns`` (the days ``dates``); the weights it has drifted to."""
        path, drifted = _hold(self.equity[-1], target, returns)
        if len(path):
            self.equity.extend(path.tolist())
            self.dates.extend(dates)
        return drifted

    def result(
        self, rebal: pd.DatetimeIndex, columns: list[str], name: str, completed: bool, notes: list[str]
    ) -> BacktestResult:
        """The :class:`BacktestResult` of the path so far (``rebal``: the scheduled rebalance dates)."""
        equity = pd.Series(self.equity, index=pd.DatetimeIndex(self.dates), name=name)
        reb_index = rebal[: len(self.weights)]
        return BacktestResult(
            equity=equity,
            returns=equity.pct_change().iloc[1:].rename(name),
            weights=pd.DataFrame(self.weights, index=reb_index, columns=columns),
            turnover=pd.Series(self.turnover, index=reb_index, name="turnover"),
            costs=pd.Series(self.costs, index=reb_index, name="cost"),
            name=name,
            completed=completed,
            notes=tuple(notes),
        )


def _run_options(lookback: int, cost_bps: float, initial_capital: float) -> tuple[int, float, float]:
    """The lookback in days, the cost as a fraction of traded value and the capital, checked."""
    try:
        lookback = int(lookback)
        cost = float(cost_bps) / 1e4
        capital = float(initial_capital)
    except (TypeError, ValueError) as exc:
        raise DataError("lookback, cost_bps and initial_capital must be numbers.", code="bad_option") from exc
    if lookback < 2:
        raise DataError("The lookback window needs at least 2 days of returns.", code="bad_lookback")
    if cost < 0 or not np.isfinite(cost):
        raise DataError("Transaction costs cannot be negative.", code="bad_cost")
    if capital <= 0:
        raise DataError("The initial capital must be positive.", code="bad_capital")
    return lookback, cost, capital


def _schedule(
    index: pd.DatetimeIndex, lookback: int, rebalance: str, start: DateLike | None, end: DateLike | None
) -> tuple[pd.DatetimeIndex, np.ndarray, int]:
    """Rebalance dates (once the lookback is filled, before the last day), their positions in
    ``index`` and the position of the last evaluated day."""
    if len(index) <= lookback:
        raise DataError(
            f"The prices give {len(index)} days of returns, not more than the lookback of {lookback} days: "
            "shorten the lookback or load a longer history.",
            code="too_short",
        )
    first_ok = index[lookback - 1]
    lo = max(first_ok, pd.Timestamp(start)) if start is not None else first_ok
    hi = pd.Timestamp(end) if end is not None else index[-1]
    candidates = rebalance_dates(index[index <= hi], rebalance)
    last_day = index[index <= hi][-1]
    # a rebalance on the final date would only pay costs: the last trade is the one before it
    rebal = candidates[(candidates >= lo) & (candidates < last_day)]
    if len(rebal) == 0:
        raise DataError(
            f"No rebalance date between {lo:%Y-%m-%d} and {hi:%Y-%m-%d} once the {lookback}-day lookback is "
            "filled: choose earlier start dates or a shorter lookback.",
            code="too_short",
        )
    pos = index.get_indexer(rebal)
    end_pos = int(index.get_indexer([index[index <= hi][-1]])[0])
    return rebal, pos, end_pos


def _target(
    strategy: Strategy, window: pd.DataFrame, columns: list[str], date: pd.Timestamp, name: str, drifted: np.ndarray,
    notes: list[str],
) -> np.ndarray:
    """The strategy's weights on the window's complete columns; the drifted weights (and a note) when it
    raises a FinanceError other than a DataError."""
    window = window.loc[:, np.isfinite(window.to_numpy()).all(axis=0)]
    try:
        return _to_weights(strategy(window), columns, date, name)
    except DataError:
        raise
    except FinanceError as exc:
        notes.append(f"{date:%Y-%m-%d}: {exc.message} Kept the previous weights.")
        return drifted.copy()
    except Exception as exc:  # a bug in the strategy code: say where it happened
        raise DataError(
            f"Strategy {name!r} failed on {date:%Y-%m-%d}: {type(exc).__name__}: {exc}",
            code="strategy_failed",
        ) from exc


def _hold(value: float, target: np.ndarray, seg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Equity on each day of ``seg`` (returns after the trade) holding ``target`` plus cash, and the
    weights the holdings have drifted to at its end (``target`` itself when ``seg`` is empty)."""
    if not seg.shape[0]:
        return np.empty(0), target.copy()
    growth = np.cumprod(1.0 + np.nan_to_num(seg, nan=0.0), axis=0)
    cash_w = 1.0 - target.sum()
    path = value * (growth @ target + cash_w)
    held = target * growth[-1]
    total = held.sum() + cash_w
    return path, held / total if total != 0 else np.zeros(len(target))


def compare(
    prices: pd.DataFrame,
    strategies: Mapping[str, Strategy],
    *,
    rebalance: str = "M",
    lookback: int = 252,
    cost_bps: float = 10.0,
    start: datetime.date | str | None = None,
    end: datetime.date | str | None = None,
    benchmark: pd.Series | None = None,
    initial_capital: float = 1.0,
    risk_free_rate: float = 0.0,
    progress: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Comparison:
    """Run several strategies on the same dates and tabulate them side by side.

    Each strategy is run with :func:`run` and the same settings; ``progress``
    receives the overall fraction done across all strategies. The benchmark
    (closes, for example the S&P 500 index) is rebased to ``initial_capital`` on
    the first date of the equity curves. Metrics per curve: ``total_return``,
    ``cagr`` :math:`(E_T/E_0)^{252/n} - 1`, ``volatility`` (annualised standard
    deviation of daily returns), ``sharpe`` and ``sortino`` (annualised, excess of
    the daily-compounded ``risk_free_rate``, the conventions of empyrical),
    ``max_drawdown`` (negative fraction), ``calmar`` (cagr / |max drawdown|),
    ``annual_turnover`` and ``total_costs`` (currency).
    """
    if not isinstance(strategies, Mapping) or not strategies:
        raise DataError("Pick at least one strategy to compare.", code="no_strategies")
    run_one = functools.partial(
        run,
        prices,
        rebalance=rebalance,
        lookback=lookback,
        cost_bps=cost_bps,
        start=start,
        end=end,
        initial_capital=initial_capital,
        should_stop=should_stop,
    )
    results, completed = _run_strategies(run_one, strategies, progress, should_stop)
    if not results:
        empty = pd.DataFrame()
        return Comparison(empty, empty, empty, empty, {}, completed=False)
    equity = pd.concat([r.equity for r in results.values()], axis=1)
    if benchmark is not None:
        equity["benchmark"] = _rebased_benchmark(benchmark, equity.index, initial_capital)
    turnover = pd.concat({k: r.turnover for k, r in results.items()}, axis=1)
    return Comparison(
        equity=equity,
        drawdowns=_drawdowns(equity),
        turnover=turnover,
        metrics=_metrics_table(equity, results, risk_free_rate),
        results=results,
        completed=completed,
        overfitting=overfitting_check(results, risk_free_rate),
    )


def _run_strategies(
    run_one: Callable[..., BacktestResult],
    strategies: Mapping[str, Strategy],
    progress: Callable[[float], None] | None,
    should_stop: Callable[[], bool] | None,
) -> tuple[dict[str, BacktestResult], bool]:
    """Run each strategy in turn, reporting overall progress; stop at the first that is cancelled.

    Returns the finished results by name and whether every strategy ran to the end.
    """
    names = list(strategies)
    n_strategies = len(names)
    results: dict[str, BacktestResult] = {}
    for j, nm in enumerate(names):
        if should_stop is not None and should_stop():
            return results, False

        def _sub(frac: float, _j: int = j) -> None:
            if progress is not None:
                progress((_j + frac) / n_strategies)

        res = run_one(strategies[nm], name=str(nm), progress=_sub)
        results[str(nm)] = res
        if not res.completed:
            return results, False
    return results, True


def _rebased_benchmark(
    benchmark: pd.Series | pd.DataFrame, dates: pd.DatetimeIndex, initial_capital: float
) -> pd.Series:
    """Benchmark closes on the backtest ``dates``, rebased to ``initial_capital`` on the first date."""
    if isinstance(benchmark, pd.DataFrame):
        benchmark = benchmark.iloc[:, 0]
    bench = pd.Series(benchmark, dtype=float).copy()
    bench.index = pd.DatetimeIndex(bench.index)
    bench = bench.reindex(dates).ffill()
    if bench.notna().any() and np.isfinite(bench.iloc[0]) and bench.iloc[0] > 0:
        return bench / bench.iloc[0] * float(initial_capital)
    raise DataError(
        "The benchmark has no price on the first backtest date: align its dates with the prices.",
        code="bad_benchmark",
    )


def _metrics_table(
    equity: pd.DataFrame, results: Mapping[str, BacktestResult], risk_free_rate: float
) -> pd.DataFrame:
    """One row of metrics per equity curve; turnover and costs are NaN for the benchmark."""
    rows = {}
    for col in equity.columns:
        m = _metrics(equity[col].dropna(), risk_free_rate)
        strategy = results.get(col)  # None for the benchmark column
        m["annual_turnover"] = strategy.annual_turnover if strategy is not None else np.nan
        m["total_costs"] = float(strategy.costs.sum()) if strategy is not None else np.nan
        rows[col] = m
    metrics = pd.DataFrame.from_dict(rows, orient="index")
    metrics.index.name = "strategy"
    if len(results) >= 2:
        deflated = deflated_sharpes(equity[list(results)], risk_free_rate).reindex(metrics.index)
        metrics.insert(int(metrics.columns.get_loc("sharpe")) + 1, "deflated_sharpe", deflated)
    return metrics


def overfitting_check(
    results: Mapping[str, BacktestResult], risk_free_rate: float = 0.0, periods_per_year: int = 252
) -> OverfittingCheck:
    """The probability of backtest overfitting of the strategies, by CSCV on their daily net excess returns.

    The strategies are the variants and the Sharpe ratio the ranking, on the days every strategy
    has a return (Bailey et al. 2017, :func:`finance_core.overfitting.check_overfitting`: 16
    blocks, fewer for a short backtest; fewer than two strategies or too few days give a reason).
    """
    rf = (1.0 + risk_free_rate) ** (1.0 / periods_per_year) - 1.0
    returns = pd.DataFrame({name: r.returns - rf for name, r in results.items()})
    return check_overfitting(returns)


def deflated_sharpes(equity: pd.DataFrame, risk_free_rate: float = 0.0, periods_per_year: int = 252) -> pd.Series:
    """The deflated Sharpe ratio of each equity curve, the curves counted as the trials.

    Per curve: the daily excess returns' per-period Sharpe ratio (``mean / std``, ddof 1), their
    count, skewness and Pearson kurtosis (sample moments); the trials are the curves compared and
    their Sharpe variance is the variance (ddof 1) of the curves' per-period Sharpe ratios
    (Bailey and Lopez de Prado 2014, :func:`deflated_sharpe_ratio`). The value is the probability
    that the curve's true Sharpe ratio beats the best that as many skill-less trials would show;
    NaN when it cannot be computed (fewer than two curves, equal Sharpe ratios, flat returns).
    """
    rf = (1.0 + risk_free_rate) ** (1.0 / periods_per_year) - 1.0
    excess = {col: equity[col].dropna().pct_change().dropna() - rf for col in equity.columns}
    sharpe = pd.Series({c: float(x.mean() / x.std(ddof=1)) if x.std(ddof=1) > 0 else np.nan
                        for c, x in excess.items()})
    out = pd.Series(np.nan, index=equity.columns, name="deflated_sharpe")
    variance = float(sharpe.var(ddof=1)) if sharpe.notna().sum() >= 2 else np.nan
    if not (np.isfinite(variance) and variance > 0):
        return out
    for col, x in excess.items():
        if not np.isfinite(sharpe[col]):
            continue
        try:
            out[col] = deflated_sharpe_ratio(
                float(sharpe[col]), len(x), float(stats.skew(x)), float(stats.kurtosis(x, fisher=False)),
                trials=len(equity.columns), trials_sharpe_variance=variance,
            )
        except FinanceError:  # moments that give no Sharpe-ratio variance: leave the cell blank
            continue
    return out
