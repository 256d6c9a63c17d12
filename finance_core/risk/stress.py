"""Stress tests and shocks: historical stress windows replayed on current weights,
their paths, and hypothetical factor shocks propagated through the covariance.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import estimators
from .._types import WeightsLike
from ..errors import DataError
from ._checks import as_weights, cov_frame

__all__ = [
    "Scenario",
    "SCENARIOS",
    "stress_test",
    "scenario_paths",
    "ShockResult",
    "hypothetical_shock",
    "benchmark_shock",
]


@dataclass(frozen=True)
class Scenario:
    """A historical stress window replayed on current weights (closes from ``start`` to ``end``)."""

    name: str
    start: str
    end: str
    description: str = ""


#: Historical stress windows (S&P 500 peak-to-trough dates unless stated). Edit by
#: passing your own list of :class:`Scenario` to :func:`stress_test`.
SCENARIOS: tuple[Scenario, ...] = (
    Scenario("Dot-com bust", "2000-03-24", "2002-10-09", "S&P 500 peak of 24 Mar 2000 to the Oct 2002 low"),
    Scenario("9/11", "2001-09-10", "2001-09-21", "Last close before the attacks to the 21 Sep 2001 low"),
    Scenario(
        "Global financial crisis", "2007-10-09", "2009-03-09", "S&P 500 peak of Oct 2007 to Mar 2009 low"
    ),
    Scenario("2011 US downgrade", "2011-07-22", "2011-10-03", "Debt-ceiling standoff and S&P's downgrade"),
    Scenario("COVID-19 crash", "2020-02-19", "2020-03-23", "S&P 500 peak of 19 Feb 2020 to 23 Mar 2020 low"),
    Scenario(
        "2022 rate shock", "2022-01-03", "2022-10-12", "Fed hiking cycle: Jan 2022 peak to Oct 2022 low"
    ),
)


def _default_prices(
    prices: pd.DataFrame | None, benchmark: pd.Series | None
) -> tuple[pd.DataFrame, pd.Series | None]:
    if prices is None:
        from ..data import load_dataset

        ds = load_dataset("sp500")
        return ds.prices, (ds.benchmark if benchmark is None else benchmark)
    return prices, benchmark


def _as_scenarios(scenarios: Iterable[Scenario | Mapping[str, str] | Sequence[str]] | None) -> list[Scenario]:
    if scenarios is None:
        return list(SCENARIOS)
    out = []
    for s in scenarios:
        if isinstance(s, Scenario):
            out.append(s)
        elif isinstance(s, Mapping):
            if s.get("start") in (None, "") or s.get("end") in (None, ""):
                raise DataError(
                    f"Scenario {s.get('name', 'custom')!r} needs a start and an end date (YYYY-MM-DD).",
                    code="bad_date",
                )
            out.append(
                Scenario(
                    str(s.get("name", "custom")),
                    str(s["start"]),
                    str(s["end"]),
                    str(s.get("description", "")),
                )
            )
        else:
            name, start, end = s[:3]
            out.append(Scenario(str(name), str(start), str(end)))
    for s in out:
        try:
            a, b = pd.Timestamp(s.start), pd.Timestamp(s.end)
            if pd.isna(a) or pd.isna(b):
                raise ValueError("not a date")
        except (ValueError, TypeError, OverflowError):
            raise DataError(
                f"Scenario {s.name!r}: {s.start!r} or {s.end!r} is not a date.", code="bad_date"
            ) from None
        if b <= a:
            raise DataError(
                f"Scenario {s.name!r} ends ({s.end}) before it starts ({s.start}).", code="bad_date"
            )
    return out


def _window(index: pd.DatetimeIndex, start: str, end: str) -> tuple[int, int] | None:
    i0 = int(index.searchsorted(pd.Timestamp(start), side="left"))
    i1 = int(index.searchsorted(pd.Timestamp(end), side="right")) - 1
    if i0 >= len(index) or i1 <= i0:
        return None
    return i0, i1


def _buy_and_hold(prices: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Wealth path (starting at 1) of weights ``w`` bought at the first row and held."""
    rel = prices / prices[0]
    ok = np.isfinite(rel)
    rel = np.where(ok, rel, 1.0)
    return rel @ w + (1.0 - w.sum())


def stress_test(
    weights: WeightsLike,
    scenarios: Iterable[Scenario] | None = None,
    *,
    prices: pd.DataFrame | None = None,
    benchmark: pd.Series | None = None,
    portfolio_value: float = 1.0,
) -> pd.DataFrame:
    """Replay historical windows on the current weights (buy and hold from the first close).

    For each scenario, the portfolio return is ``sum_i w_i (P_i,end / P_i,start - 1)``
    over the trading days from ``start`` to ``end`` (both snapped into the history),
    compared with the benchmark's return over the same days. Assets with no price at
    the window start (listed later) contribute nothing; ``coverage`` is the share of
    absolute weight priced, and ``note`` names the assets left out.

    Returns one row per scenario: ``start``, ``end``, ``days``, ``portfolio_return``,
    ``benchmark_return``, ``relative`` (portfolio minus benchmark), ``portfolio_loss``
    (in money for ``portfolio_value``), ``portfolio_max_drawdown``,
    ``benchmark_max_drawdown``, ``coverage`` and ``note``. Windows outside the price
    history give NaN with a note.
    """
    prices, benchmark = _default_prices(prices, benchmark)
    w = as_weights(weights, list(prices.columns))
    tickers = np.asarray(prices.columns)
    index = pd.DatetimeIndex(prices.index)
    bvals = benchmark.reindex(index).to_numpy(dtype=float) if benchmark is not None else None
    pvals = prices.to_numpy(dtype=float)
    gross = float(np.abs(w).sum())
    rows = {}
    for sc in _as_scenarios(scenarios):
        span = _window(index, sc.start, sc.end)
        row = {
            "start": pd.NaT, "end": pd.NaT, "days": 0, "portfolio_return": np.nan, "benchmark_return": np.nan,
            "relative": np.nan, "portfolio_loss": np.nan, "portfolio_max_drawdown": np.nan,
            "benchmark_max_drawdown": np.nan, "coverage": 0.0, "note": "",
        }  # fmt: skip
        if span is None:
            row["note"] = (
                f"No price history between {sc.start} and {sc.end} "
                f"(data covers {index[0].date()} to {index[-1].date()})."
            )
            rows[sc.name] = row
            continue
        i0, i1 = span
        block = pvals[i0 : i1 + 1]
        priced = np.isfinite(block[0])
        missing = [str(t) for t in tickers[(~priced) & (w != 0)]]
        wp = np.where(priced, w, 0.0)
        path = _buy_and_hold(np.where(priced, block, np.nan), wp)
        ret = float(path[-1] - 1.0)
        row.update(
            start=index[i0], end=index[i1], days=int(i1 - i0), portfolio_return=ret,
            portfolio_loss=-ret * portfolio_value,
            portfolio_max_drawdown=float(np.min(path / np.maximum.accumulate(path) - 1.0)),
            coverage=float(np.abs(wp).sum() / gross) if gross else 0.0,
        )  # fmt: skip
        if missing:
            row["note"] = f"No prices at the start for {', '.join(missing)}: counted as cash."
        if bvals is not None:
            bb = bvals[i0 : i1 + 1]
            if np.isfinite(bb[0]) and np.isfinite(bb[-1]):
                row["benchmark_return"] = float(bb[-1] / bb[0] - 1.0)
                row["relative"] = ret - row["benchmark_return"]
                bpath = pd.Series(bb).ffill().to_numpy()
                row["benchmark_max_drawdown"] = float(np.min(bpath / np.maximum.accumulate(bpath) - 1.0))
        rows[sc.name] = row
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "scenario"
    return frame


def scenario_paths(
    weights: WeightsLike,
    scenario: Scenario | str,
    *,
    prices: pd.DataFrame | None = None,
    benchmark: pd.Series | None = None,
) -> pd.DataFrame:
    """Daily wealth (starting at 1) of the portfolio and the benchmark through one scenario.

    ``scenario`` is a :class:`Scenario` or the name of one in :data:`SCENARIOS`.
    Returns a DataFrame indexed by date with columns ``portfolio`` and ``benchmark``.
    """
    if isinstance(scenario, str):
        found = [s for s in SCENARIOS if s.name == scenario]
        if not found:
            raise DataError(
                f"Unknown scenario {scenario!r}: choose one of {', '.join(s.name for s in SCENARIOS)}.",
                code="unknown_scenario",
            )
        scenario = found[0]
    prices, benchmark = _default_prices(prices, benchmark)
    w = as_weights(weights, list(prices.columns))
    index = pd.DatetimeIndex(prices.index)
    span = _window(index, scenario.start, scenario.end)
    if span is None:
        raise DataError(
            f"Scenario {scenario.name!r} ({scenario.start} to {scenario.end}) is outside the price history "
            f"({index[0].date()} to {index[-1].date()}).",
            code="no_history",
        )
    i0, i1 = span
    block = prices.to_numpy(dtype=float)[i0 : i1 + 1]
    priced = np.isfinite(block[0])
    path = _buy_and_hold(np.where(priced, block, np.nan), np.where(priced, w, 0.0))
    out = pd.DataFrame({"portfolio": path}, index=index[i0 : i1 + 1])
    if benchmark is not None:
        b = benchmark.reindex(out.index).ffill()
        out["benchmark"] = (b / b.iloc[0]).to_numpy()
    return out


@dataclass(frozen=True)
class ShockResult:
    """A hypothetical scenario propagated through the covariance.

    ``pnl``: DataFrame by ticker with ``sector``, ``weight``, ``shocked`` (True where the
    move was imposed), ``asset_return`` (imposed or conditional expected return) and
    ``pnl`` (``weight * asset_return * portfolio_value``). ``portfolio_return`` and
    ``portfolio_pnl`` are their totals; ``factor_shocks`` the moves that were imposed.
    """

    pnl: pd.DataFrame
    portfolio_return: float
    portfolio_pnl: float
    factor_shocks: pd.Series
    notes: tuple[str, ...] = field(default_factory=tuple)


def _shock_sectors(sector_map: Mapping | pd.Series | None, columns: pd.Index) -> pd.Series | None:
    """The sector of each covariance column as text, ``"Unclassified"`` where unmapped."""
    if sector_map is None:
        return None
    sectors = pd.Series(sector_map, dtype=object) if not isinstance(sector_map, pd.Series) else sector_map
    return sectors.reindex(columns).fillna("Unclassified").astype(str)


def _shock_value(key: object, value: object) -> float:
    """The shock for ``key`` as a finite return above -100%, or :class:`DataError`."""
    try:
        shock = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DataError(f"The shock for {key!r} is not a number: {value!r}.", code="bad_shock") from None
    if not math.isfinite(shock) or shock <= -1.0:
        raise DataError(
            f"The shock for {key!r} ({shock:g}) must be a finite return above -100%.", code="bad_shock"
        )
    return shock


@dataclass(frozen=True)
class _ShockUniverse:
    """What a shock key can name: the tickers (upper-cased to position), the sectors and the market."""

    columns: pd.Index
    by_ticker: dict[str, int]
    sectors: pd.Series | None
    sector_names: dict[str, str]
    market_weights: object

    def factors(self, shocks: Mapping[str, float]) -> tuple[list[np.ndarray], list[float], list[str]]:
        """The factor loading, checked shock and label of every shock, in the order given."""
        loadings, shock_values, labels = [], [], []
        for key, value in shocks.items():
            shock = _shock_value(key, value)
            loading, label = self.loading(key)
            loadings.append(loading)
            shock_values.append(shock)
            labels.append(label)
        return loadings, shock_values, labels

    def loading(self, key: object) -> tuple[np.ndarray, str]:
        """The factor ``a_k`` that ``key`` names (ticker, then sector, then market) and its label."""
        label = str(key).strip()
        loading = np.zeros(len(self.columns))
        if label.upper() in self.by_ticker:
            loading[self.by_ticker[label.upper()]] = 1.0
        elif label.upper() in self.sector_names and self.sectors is not None:
            members = (self.sectors == self.sector_names[label.upper()]).to_numpy()
            loading[members] = 1.0 / members.sum()
            label = self.sector_names[label.upper()]
        elif label.lower() == "market":
            if self.market_weights is None:
                loading[:] = 1.0 / len(self.columns)
            else:
                market = as_weights(self.market_weights, list(self.columns))
                loading = market / market.sum()
            label = "market"
        else:
            raise self._unknown(key)
        return loading, label

    def _unknown(self, key: object) -> DataError:
        """The error for a key that is neither a ticker, a sector nor the market."""
        sectors = self.sectors
        known = "tickers" + (", sectors" if sectors is not None else "") + " or 'market'"
        return DataError(
            f"Unknown shock {key!r}: it is neither a ticker nor a sector of this portfolio. Use {known}"
            + (f" (sectors: {', '.join(sorted(sectors.unique()))})." if sectors is not None else "."),
            code="unknown_shock",
        )


def _conditional_moves(
    sigma: np.ndarray,
    loadings: list[np.ndarray],
    shock_values: list[float],
    labels: list[str],
    by_ticker: Mapping[str, int],
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Conditional expected return of every asset given the shocks, which assets were shocked
    directly, and notes; contradictory shocks raise :class:`DataError`."""
    n_assets = sigma.shape[0]
    if not loadings:
        return np.zeros(n_assets), np.zeros(n_assets, dtype=bool), []
    factor_matrix = np.vstack(loadings)
    shock_vector = np.asarray(shock_values)
    factor_cov = factor_matrix @ sigma @ factor_matrix.T
    multipliers, *_ = np.linalg.lstsq(factor_cov, shock_vector, rcond=None)
    residual = factor_cov @ multipliers - shock_vector
    if np.max(np.abs(residual)) > 1e-9 * max(1.0, np.max(np.abs(shock_vector))):
        raise DataError(
            "These shocks contradict each other: "
            + ", ".join(f"{lab} {val:+.1%}" for lab, val in zip(labels, shock_values, strict=True))
            + " cannot all hold (for example the market is the average of its sectors, or an asset is "
            "shocked alone and through its sector). Remove one of them.",
            code="conflicting_shocks",
        )
    expected = sigma @ factor_matrix.T @ multipliers
    shocked = np.zeros(n_assets, dtype=bool)
    for loading, lab in zip(loadings, labels, strict=True):
        if lab.upper() in by_ticker and np.count_nonzero(loading) == 1:
            shocked |= loading != 0
    notes = []
    if np.linalg.matrix_rank(factor_cov) < factor_cov.shape[0]:
        notes.append("Some shocks were implied by others; they were kept consistent.")
    return expected, shocked, notes


def hypothetical_shock(
    weights: pd.Series | Mapping[str, float] | np.ndarray,
    cov: pd.DataFrame | np.ndarray,
    shocks: Mapping[str, float],
    sector_map: Mapping | pd.Series | None = None,
    *,
    market_weights: pd.Series | Mapping[str, float] | np.ndarray | None = None,
    portfolio_value: float = 1.0,
) -> ShockResult:
    r"""Propagate shocks on assets, sectors or the market to every asset.

    Each shock fixes the return of a factor ``f_k = a_k' r``: a ticker (``a_k`` a unit
    vector), a sector (equal weights over its members in ``sector_map``) or
    ``"market"`` (``market_weights``, default equal weights). With ``A`` stacking the
    ``a_k`` and ``r ~ N(0, \Sigma)`` over the shock horizon, the other assets move by the
    conditional expectation of the multivariate normal (Meucci 2005, *Risk and Asset
    Allocation*, sec. 2.6; Kupiec 1998, "Stress testing in a value at risk framework"):

    .. math:: E[r \mid A r = s] = \Sigma A' (A \Sigma A')^{-1} s

    so a ticker shocked directly gets exactly its shock. Keys are matched to tickers
    first, then sectors, then ``"market"`` (case-insensitive). Shocks that the
    covariance makes contradictory (for example the market and every sector at once
    with different averages) raise :class:`DataError`.
    """
    cov = cov_frame(cov, list(weights.index) if isinstance(weights, pd.Series) else None)
    tickers = [str(t) for t in cov.columns]
    w = as_weights(weights, list(cov.columns))
    sectors = _shock_sectors(sector_map, cov.columns)
    universe = _ShockUniverse(
        columns=cov.columns,
        by_ticker={t.upper(): i for i, t in enumerate(tickers)},
        sectors=sectors,
        sector_names={s.upper(): s for s in sectors.unique()} if sectors is not None else {},
        market_weights=market_weights,
    )
    loadings, shock_values, labels = universe.factors(shocks)
    expected, shocked, notes = _conditional_moves(
        cov.to_numpy(dtype=float), loadings, shock_values, labels, universe.by_ticker
    )
    pnl = w * expected * portfolio_value
    frame = pd.DataFrame(
        {
            "sector": sectors.to_numpy() if sectors is not None else "",
            "weight": w,
            "shocked": shocked,
            "asset_return": expected,
            "pnl": pnl,
        },
        index=pd.Index(tickers, name="ticker"),
    )
    return ShockResult(
        pnl=frame,
        portfolio_return=float(w @ expected),
        portfolio_pnl=float(pnl.sum()),
        factor_shocks=pd.Series(shock_values, index=labels, dtype=float, name="shock"),
        notes=tuple(notes),
    )


def benchmark_shock(
    returns: pd.DataFrame,
    benchmark: pd.Series,
    weights: pd.Series,
    *,
    market: float = 0.0,
    sector_shocks: Mapping[str, float] | None = None,
    sector_map: pd.Series | None = None,
    portfolio_value: float = 1.0,
) -> ShockResult:
    """Shock the benchmark by ``market`` and sectors by ``sector_shocks``, propagated to every asset.

    The benchmark's periodic returns (``benchmark``, named) join the assets' ``returns`` as one
    more column of the sample covariance, in sector ``"Index"``, and :func:`hypothetical_shock`
    fixes its return; its row is left out of the result. A benchmark that is one of the assets
    (a stock of the universe chosen as benchmark) is that asset itself: the market shock fixes
    that stock's return, and the same series is not added twice.
    """
    name = str(benchmark.name or "Benchmark")
    shocks = dict(sector_shocks or {})
    if market:
        shocks[name] = market
    sectors = pd.Series(sector_map if sector_map is not None else {}, dtype=object)
    if name in returns.columns:
        _check_same_series(returns[name], benchmark)
        frame = returns
    else:
        frame = returns.join(benchmark.rename(name))
        sectors = pd.concat([sectors, pd.Series({name: "Index"}, dtype=object)])
    cov = estimators.covariance(frame)
    result = hypothetical_shock(weights.reindex(frame.columns).fillna(0.0), cov, shocks, sectors,
                                portfolio_value=portfolio_value)
    if name in returns.columns:
        return result
    return ShockResult(pnl=result.pnl.drop(index=name), portfolio_return=result.portfolio_return,
                       portfolio_pnl=result.portfolio_pnl, factor_shocks=result.factor_shocks, notes=result.notes)


def _check_same_series(asset: pd.Series, benchmark: pd.Series) -> None:
    """A benchmark named like an asset must be that asset's returns; anything else is refused."""
    both = pd.concat([asset, benchmark], axis=1, join="inner").dropna()
    if both.empty or not np.allclose(both.iloc[:, 0], both.iloc[:, 1], rtol=1e-9, atol=1e-12):
        raise DataError(
            f"The benchmark is named {asset.name!r} like an asset of the portfolio but its returns differ "
            "from that asset's: rename the benchmark series or pick another benchmark.",
            code="benchmark_clash",
        )
