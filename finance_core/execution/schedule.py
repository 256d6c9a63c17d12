"""Child-order schedules: the Schedule result, lot rounding, TWAP, VWAP and POV."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._checks import check_count, check_positive
from .._types import DateLike, IndexMask, IntervalLike, VectorLike
from ..errors import DataError, InfeasibleError
from ._checks import check_shares, check_side, check_vector
from .clock import intraday_volume_profile
from .costs import COST_ROWS, CostModel, CostSetup, cost_breakdown
from .impact import ImpactModel

#: The columns of :meth:`Schedule.to_frame`, one row per child order; the last two
#: (``expected_volume``, ``participation``) only when the schedule knows the volumes.
CHILD_ORDER_COLUMNS = [
    "interval",
    "start",
    "end",
    "side",
    "shares",
    "cumulative",
    "remaining",
    "expected_volume",
    "participation",
]


@dataclass(frozen=True)
class Schedule:
    """Child orders of one parent order and their expected cost and risk.

    ``trades``: whole shares per interval (round lots; an odd lot at most once), summing
    exactly to the parent, indexed by the interval's end time (``times[1:]``; Almgren and
    Chriss's ``n_k`` is traded over ``(t_{k-1}, t_k]``). ``holdings``: shares still to
    execute at each of the ``N + 1`` time nodes (``S`` down to 0). ``expected_cost`` and
    ``variance`` are for the whole-share trades (currency and currency^2);
    ``costs`` breaks the cost down (spread, temporary, permanent, expected_cost,
    timing_risk = sqrt(variance), variance). ``exact_trades``/``exact_cost`` are the
    continuous solution before rounding; ``twap_cost`` is TWAP's expected cost under
    the same model. ``volumes`` is the expected market volume per interval, when known.
    """

    trades: pd.Series
    holdings: pd.Series
    expected_cost: float
    variance: float
    solver: str
    side: str
    strategy: str
    costs: pd.Series
    exact_trades: pd.Series
    exact_cost: float
    twap_cost: float
    volumes: pd.Series | None = None
    risk_aversion: float = 0.0
    solve_seconds: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def total_shares(self) -> int:
        return int(self.trades.sum())

    @property
    def start(self) -> pd.Timestamp | int | float:
        return self.holdings.index[0]

    @property
    def end(self) -> pd.Timestamp | int | float:
        return self.holdings.index[-1]

    @property
    def timing_risk(self) -> float:
        return float(np.sqrt(max(self.variance, 0.0)))

    @property
    def saving_vs_twap(self) -> float:
        """TWAP's expected cost minus this schedule's (positive = cheaper than TWAP)."""
        return float(self.twap_cost - self.expected_cost)

    @property
    def participation(self) -> pd.Series | None:
        """Child shares / expected market volume per interval (None without volumes)."""
        if self.volumes is None:
            return None
        v = self.volumes.to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(
                v > 0,
                self.trades.to_numpy(dtype=float) / v,
                np.where(self.trades.to_numpy() > 0, np.inf, 0.0),
            )
        return pd.Series(p, index=self.trades.index, name="participation")

    def to_frame(self) -> pd.DataFrame:
        """Child-order table for display and CSV export, one row per interval."""
        idx = self.holdings.index
        out = pd.DataFrame(
            {
                "interval": np.arange(1, len(self.trades) + 1),
                "start": idx[:-1],
                "end": idx[1:],
                "side": self.side,
                "shares": self.trades.to_numpy(),
                "cumulative": np.cumsum(self.trades.to_numpy()),
                "remaining": self.holdings.to_numpy()[1:],
            }
        )
        participation = self.participation  # None exactly when the schedule has no volumes
        if self.volumes is not None and participation is not None:
            out["expected_volume"] = self.volumes.to_numpy()
            out["participation"] = participation.to_numpy()
        return out[[c for c in CHILD_ORDER_COLUMNS if c in out.columns]]


def _round_lots(x: np.ndarray, total: int, lot: int, caps: np.ndarray | None) -> tuple[np.ndarray, list[str]]:
    """Whole shares in round lots summing exactly to ``total`` (largest-remainder rounding).

    At most one odd lot (``total % lot``): it joins the last child order with room (the
    child that completes the parent), or the last interval with room when that one has none.
    Caps are respected; if round lots cannot fit under the caps, whole shares are used.
    """
    notes: list[str] = []
    n = len(x)
    cap_sh = np.full(n, np.inf) if caps is None else np.floor(caps + 1e-9)
    for lot_try in [lot, 1] if lot > 1 else [1]:
        n_lots, odd = divmod(total, lot_try)
        q = np.maximum(x, 0.0) / lot_try
        cap_l = np.floor(cap_sh / lot_try + 1e-9)
        f = np.minimum(np.floor(q + 1e-9), cap_l)
        deficit = int(n_lots - f.sum())
        if deficit > 0 and np.sum(cap_l - f) < deficit:
            continue
        if deficit > 0:  # largest remainders get one more lot each
            room = f < cap_l
            order = np.argsort(-np.where(room, q - f, -np.inf), kind="stable")[
                : min(deficit, int(room.sum()))
            ]
            f[order] += 1
            deficit -= len(order)
        if deficit > 0:  # caps truncated some intervals: fill the rest where there is room, largest first
            left = cap_l - f
            order = np.argsort(-left, kind="stable")
            cum = np.cumsum(left[order])
            k = int(np.searchsorted(cum, deficit))
            f[order[:k]] += left[order[:k]]
            f[order[k]] += deficit - (cum[k - 1] if k > 0 else 0)
            deficit = 0
        if deficit < 0:  # cannot happen with exact inputs; guard against fp
            order = np.argsort(q - f, kind="stable")
            order = order[f[order] > 0][:-deficit]
            f[order] -= 1
        shares = f * lot_try
        if odd:
            room = cap_sh - shares >= odd
            if not room.any():
                continue
            live = room & (shares > 0)
            j = int(np.flatnonzero(live if live.any() else room)[-1])
            shares[j] += odd
        if lot_try != lot:
            notes.append(
                f"Round lots of {lot} did not fit under the participation caps; child orders use whole shares."
            )
        return shares.astype(np.int64), notes
    raise InfeasibleError(
        "The order cannot be split into whole shares under the caps. Raise the participation cap.",
        code="infeasible",
    )


def finish_schedule(
    exact: np.ndarray,
    total: int,
    m: CostModel,
    *,
    side: str,
    strategy: str,
    solver: str,
    times: pd.Index,
    lot_size: int,
    caps: np.ndarray | None = None,
    volumes: np.ndarray | None = None,
    risk_aversion: float = 0.0,
    solve_seconds: float = 0.0,
    notes: Iterable[str] = (),
) -> Schedule:
    n = len(exact)
    trades, rnotes = _round_lots(exact, total, lot_size, caps)
    twap_x = np.full(n, total / n)
    br = cost_breakdown(np.vstack([trades.astype(float), exact, twap_x]), float(total), m)
    idx = times[1:]
    costs = pd.Series(
        np.append(br[0], br[0, 3] + risk_aversion * br[0, 5]),
        index=COST_ROWS + ["risk_adjusted"],
        name=strategy,
    )
    hold = np.concatenate([[total], total - np.cumsum(trades)])
    return Schedule(
        trades=pd.Series(trades, index=idx, name="shares"),
        holdings=pd.Series(hold, index=times, name="holdings"),
        expected_cost=float(br[0, 3]),
        variance=float(br[0, 5]),
        solver=solver,
        side=side,
        strategy=strategy,
        costs=costs,
        exact_trades=pd.Series(exact, index=idx, name="shares"),
        exact_cost=float(br[1, 3]),
        twap_cost=float(br[2, 3]),
        volumes=None if volumes is None else pd.Series(volumes, index=idx, name="volume"),
        risk_aversion=float(risk_aversion),
        solve_seconds=float(solve_seconds),
        notes=tuple(notes) + tuple(rnotes),
    )


def _closed_form(
    strategy: str,
    exact: np.ndarray,
    total: int,
    m: CostModel,
    setup: CostSetup,
    *,
    caps: np.ndarray | None = None,
    volumes: np.ndarray | None = None,
) -> Schedule:
    """:func:`finish_schedule` for a closed-form schedule, checking the side and lot size of ``setup``."""
    return finish_schedule(
        exact,
        total,
        m,
        side=check_side(setup.side),
        strategy=strategy,
        solver="closed_form",
        times=setup.times(len(exact)),
        lot_size=check_count(setup.lot_size, "The lot size"),
        caps=caps,
        volumes=volumes,
    )


def no_trade_mask(n: int, no_trade: IndexMask | None) -> np.ndarray | None:
    """``no_trade`` (0-based interval indices or a boolean mask of ``n``) as a boolean mask; None for None."""
    if no_trade is None:
        return None
    mask = np.zeros(n, dtype=bool)
    arr = np.asarray(list(no_trade) if not isinstance(no_trade, np.ndarray) else no_trade)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise DataError(
                f"The no-trade mask has {arr.size} values; the schedule has {n} intervals.",
                code="bad_length",
            )
        mask = arr.copy()
    elif arr.size:
        ii = arr.astype(int)
        if (ii < 0).any() or (ii >= n).any():
            raise DataError(
                f"No-trade intervals must be between 0 and {n - 1} (0-based); got {arr.tolist()}.",
                code="bad_value",
            )
        mask[ii] = True
    return mask


#: Display names of the strategies that cannot take no-trade windows.
IGNORES_NO_TRADE = {"twap": "TWAP", "vwap": "VWAP", "pov": "POV", "almgren_chriss": "Almgren-Chriss"}


def _spans(index: pd.Index, mask: np.ndarray) -> list[str]:
    """Contiguous runs of ``mask`` over intervals whose ``N + 1`` nodes are ``index``, as 'HH:MM-HH:MM'."""
    runs, i, n = [], 0, len(mask)
    while i < n:
        if not mask[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and mask[j + 1]:
            j += 1
        a, b = index[i], index[j + 1]
        runs.append(f"{a:%H:%M}-{b:%H:%M}" if hasattr(a, "strftime") else f"intervals {i + 1}-{j + 1}")
        i = j + 1
    return runs


def note_ignored_no_trade(s: Schedule, mask: np.ndarray | None) -> Schedule:
    """``s`` (a strategy that cannot skip intervals) with a note saying what it trades in the no-trade ones."""
    if mask is None or not mask.any():
        return s
    from dataclasses import replace

    inside = int(s.trades.to_numpy()[mask].sum())
    where = ", ".join(_spans(s.holdings.index, mask))
    name = IGNORES_NO_TRADE.get(s.strategy, s.strategy)
    what = f"it trades {inside:,} shares in them" if inside else "it happens to trade nothing in them"
    note = (
        f"{name} does not take no-trade windows: {what} ({where}). Only the impact-optimal schedule "
        "skips them."
    )
    return replace(s, notes=tuple(s.notes) + (note,))


def check_capacity(
    total: int, caps: np.ndarray | None, n: int, max_participation: float | None, lot: int, interval: object
) -> None:
    if caps is None:
        return
    cap_total = float(np.sum(np.floor(caps + 1e-9)))  # whole shares
    if total <= cap_total:
        return
    largest = int(cap_total)
    open_n = int(np.sum(caps > 0))
    per = cap_total / max(open_n, 1)
    need = n + (math.ceil((total - cap_total) / per) if per > 0 else float("inf"))
    how = []
    if max_participation is not None:
        how.append(f"at {float(max_participation):.1%} participation of the expected volume")
    if open_n < n:
        how.append(f"with {n - open_n} no-trade intervals")
    dur = ""
    if per > 0 and interval is not None:
        try:
            dur = f" (about {pd.Timedelta(interval) * need})"
        except (ValueError, TypeError):
            dur = ""
    horizon = (
        f"about {need} intervals{dur} at the same volumes" if per > 0 else "a horizon with tradable intervals"
    )
    raise InfeasibleError(
        f"The order of {total:,} shares is larger than the caps allow: {' and '.join(how) or 'under the caps'} over "
        f"{n} intervals the largest executable size is {largest:,} shares. Reduce the order to {largest:,} shares, "
        f"raise the participation cap, or extend the horizon to {horizon}.",
        code="order_too_large",
        details={"largest_executable": largest, "intervals_needed": need},
    )


def twap(
    total_shares: float,
    n_intervals: int,
    *,
    side: str = "buy",
    impact: ImpactModel | None = None,
    permanent: float = 0.0,
    sigma: float = 0.0,
    volumes: VectorLike | None = None,
    start: DateLike | None = None,
    interval: IntervalLike = "1min",
    lot_size: int = 100,
) -> Schedule:
    """Time-weighted average price: ``n_k = S / N`` in every interval (then round lots).

    The minimum-impact strategy of Almgren and Chriss (2000), section 2.2 (``lambda = 0``
    with constant linear impact). Costs use ``impact``/``permanent``/``sigma`` as in
    :func:`optimal_schedule`.
    """
    setup = CostSetup(side, impact, permanent, sigma, start, interval, lot_size)
    return twap_with(setup, total_shares, n_intervals, volumes=volumes)


def twap_with(setup: CostSetup, total_shares: float, n_intervals: int, *, volumes: VectorLike | None = None) -> Schedule:
    """:func:`twap` under the cost model and clock of ``setup``."""
    total = check_shares(total_shares)
    n = check_count(n_intervals, "The number of intervals")
    m = setup.checked_model(n)
    vol = None if volumes is None else check_vector(volumes, n, "Expected volumes")
    return _closed_form("twap", np.full(n, total / n), total, m, setup, volumes=vol)


def vwap(
    total_shares: float,
    n_intervals: int,
    *,
    profile: VectorLike | None = None,
    daily_volume: float | None = None,
    side: str = "buy",
    impact: ImpactModel | None = None,
    permanent: float = 0.0,
    sigma: float = 0.0,
    start: DateLike | None = None,
    interval: IntervalLike = "1min",
    lot_size: int = 100,
) -> Schedule:
    """Volume-weighted schedule: ``n_k = S * w_k`` for the volume profile ``w``.

    ``profile``: fractions per interval (any positive weights, normalised), for example
    from :func:`intraday_volume_profile` estimated on uploaded bars; default the U
    shape with the closing auction in the last interval. With ``daily_volume`` the
    schedule carries expected volumes ``daily_volume * w`` (for participation).
    """
    setup = CostSetup(side, impact, permanent, sigma, start, interval, lot_size)
    return vwap_with(setup, total_shares, n_intervals, profile=profile, daily_volume=daily_volume)


def vwap_with(
    setup: CostSetup,
    total_shares: float,
    n_intervals: int,
    *,
    profile: VectorLike | None = None,
    daily_volume: float | None = None,
) -> Schedule:
    """:func:`vwap` under the cost model and clock of ``setup``."""
    total = check_shares(total_shares)
    n = check_count(n_intervals, "The number of intervals")
    w = (
        intraday_volume_profile(n).to_numpy()
        if profile is None
        else check_vector(profile, n, "The volume profile")
    )
    if w.sum() <= 0:
        raise DataError(
            "The volume profile has no positive weight. Give positive expected volumes.", code="bad_value"
        )
    w = w / w.sum()
    m = setup.checked_model(n)
    vol = None if daily_volume is None else check_positive(daily_volume, "The daily volume") * w
    return _closed_form("vwap", total * w, total, m, setup, volumes=vol)


def pov(
    total_shares: float,
    participation: float,
    volumes: VectorLike,
    *,
    side: str = "buy",
    impact: ImpactModel | None = None,
    permanent: float = 0.0,
    sigma: float = 0.0,
    start: DateLike | None = None,
    interval: IntervalLike = "1min",
    lot_size: int = 100,
) -> Schedule:
    """Percentage of volume: trade ``rate * V_t`` each interval until the order is done.

    ``volumes``: expected market volume per interval (its length sets the horizon).
    Raises :class:`InfeasibleError` with the largest executable size and the horizon
    needed when ``rate * sum V_t < S``.
    """
    setup = CostSetup(side, impact, permanent, sigma, start, interval, lot_size)
    return pov_with(setup, total_shares, participation, volumes)


def pov_with(setup: CostSetup, total_shares: float, participation: float, volumes: VectorLike) -> Schedule:
    """:func:`pov` under the cost model and clock of ``setup``."""
    total = check_shares(total_shares)
    rate = check_positive(participation, "The participation rate")
    if rate > 1:
        raise DataError(
            f"The participation rate is a fraction of market volume (0-1]; got {rate:g}. For 10% enter 0.1.",
            code="bad_value",
        )
    vol = np.asarray(volumes.to_numpy() if isinstance(volumes, pd.Series) else volumes, dtype=float)
    n = vol.size
    if n == 0:
        raise DataError("POV needs the expected market volume per interval.", code="missing_value")
    vol = check_vector(vol, n, "Expected volumes")
    caps = rate * vol
    check_capacity(total, caps, n, rate, 1, setup.timed_interval)
    cum = np.minimum(np.cumsum(caps), total)
    x = np.diff(np.concatenate([[0.0], cum]))
    m = setup.checked_model(n)
    return _closed_form("pov", x, total, m, setup, caps=caps + 1e-9 * total, volumes=vol)


def with_volumes(s: Schedule, vol: np.ndarray) -> Schedule:
    from dataclasses import replace

    return replace(s, volumes=pd.Series(vol, index=s.trades.index, name="volume"))
