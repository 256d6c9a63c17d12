"""The desk order model (one parent order with its market) and the comparison of strategies."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from .._checks import check_count, check_positive
from .._types import DateLike, IndexMask, IntervalLike, VectorLike
from ..errors import DataError, InfeasibleError, SolverError
from ._checks import check_shares, check_side, check_vector
from .almgren_chriss import (
    AlmgrenChrissParameters,
    ac_kappa,
    almgren_chriss,
    almgren_chriss_frontier,
    almgren_chriss_parameters,
    annual_volatility,
    recost_almgren_chriss,
)
from .book import OrderBook, estimate_slippage, slice_book, synthetic_order_book
from .clock import SESSION_MINUTES, SESSION_OPEN, session_window
from .costs import COST_ROWS, CostSetup, cost_breakdown
from .impact import ImpactForm, ImpactModel, fit_impact
from .optimal import SOLVERS, Solver, optimal_with
from .schedule import (
    IGNORES_NO_TRADE,
    Schedule,
    no_trade_mask,
    note_ignored_no_trade,
    pov_with,
    twap_with,
    vwap_with,
    with_volumes,
)

#: The single-order strategies :meth:`OrderModel.schedule` runs.
Strategy = Literal["twap", "vwap", "pov", "almgren_chriss", "optimal"]


def compare_strategies(
    total_shares: float,
    n_intervals: int,
    *,
    impact: ImpactModel,
    volumes: VectorLike | None = None,
    side: str = "buy",
    permanent: float = 0.0,
    sigma: float = 0.0,
    risk_aversion: float = 0.0,
    participation: float = 0.1,
    max_participation: float | None = None,
    price: float | None = None,
    profile: VectorLike | None = None,
    start: DateLike | None = None,
    interval: IntervalLike = "1min",
    lot_size: int = 100,
    no_trade: IndexMask | None = None,
) -> pd.DataFrame:
    """All strategies for one order under one cost model: a table for the page.

    Rows ``twap``, ``vwap``, ``pov`` (at ``participation``, needs ``volumes``),
    ``almgren_chriss`` (at ``risk_aversion``, with Almgren-Chriss's linear model fitted to
    ``impact``: ``epsilon`` = mean half spread, ``eta / tau`` = mean linear coefficient,
    ``tau`` = one interval) and ``optimal`` (impact-optimal under ``max_participation``).
    Columns: spread, temporary, permanent, expected_cost, timing_risk, variance,
    risk_adjusted (E + lambda V), cost_bps (when ``price`` is given), saving_vs_twap,
    max_participation, intervals_used. A strategy that cannot run (no volumes for POV,
    caps too tight) gets NaN costs and its reason in ``note``. ``no_trade`` (as in
    :func:`optimal_schedule`) binds the optimal row; the other rows cannot skip intervals
    and their note says how many shares they trade in the no-trade intervals.
    """
    setup = CostSetup(side, impact, permanent, sigma, start, interval, lot_size)
    return compare_with(
        setup,
        total_shares,
        n_intervals,
        volumes=volumes,
        risk_aversion=risk_aversion,
        participation=participation,
        max_participation=max_participation,
        price=price,
        profile=profile,
        no_trade=no_trade,
    )


def compare_with(
    setup: CostSetup,
    total_shares: float,
    n_intervals: int,
    *,
    volumes: VectorLike | None = None,
    risk_aversion: float = 0.0,
    participation: float = 0.1,
    max_participation: float | None = None,
    price: float | None = None,
    profile: VectorLike | None = None,
    no_trade: IndexMask | None = None,
) -> pd.DataFrame:
    """:func:`compare_strategies` under the cost model and clock of ``setup`` (``setup.impact`` required)."""
    total = check_shares(total_shares)
    n = check_count(n_intervals, "The number of intervals")
    mask = no_trade_mask(n, no_trade)
    lam = check_positive(risk_aversion, "The risk aversion", allow_zero=True)
    vol = None if volumes is None else check_vector(volumes, n, "Expected volumes")
    rows = _strategy_rows(setup, total, n, vol, lam, participation, max_participation, profile, mask)
    for k in IGNORES_NO_TRADE:
        row = rows[k]
        if isinstance(row, Schedule):
            rows[k] = note_ignored_no_trade(row, mask)
    return _comparison_table(rows, total, lam, price)


def _strategy_rows(
    setup: CostSetup,
    total: int,
    n: int,
    vol: np.ndarray | None,
    lam: float,
    participation: float,
    max_participation: float | None,
    profile: VectorLike | None,
    mask: np.ndarray | None,
) -> dict[str, Schedule | str]:
    """Each strategy's schedule for :func:`compare_with`, or the reason it cannot run."""
    rows: dict[str, Schedule | str] = {}
    rows["twap"] = twap_with(setup, total, n, volumes=vol)
    prof = profile if profile is not None else (vol if vol is not None and vol.sum() > 0 else None)
    v_sched = vwap_with(setup, total, n, profile=prof)
    if vol is not None:
        v_sched = with_volumes(v_sched, vol)
    rows["vwap"] = v_sched
    if vol is None:
        rows["pov"] = "POV needs expected volumes per interval."
    else:
        try:
            rows["pov"] = pov_with(setup, total, participation, vol)
        except InfeasibleError as err:
            rows["pov"] = str(err)
    try:
        rows["almgren_chriss"] = _fitted_almgren_chriss(setup, total, n, lam, vol)
    except (DataError, InfeasibleError) as err:
        rows["almgren_chriss"] = str(err)
    try:
        rows["optimal"] = optimal_with(
            setup, total, n, max_participation=max_participation, volumes=vol, no_trade=mask
        )
    except (DataError, InfeasibleError, SolverError) as err:
        rows["optimal"] = str(err)
    return rows


def _comparison_table(rows: dict[str, Schedule | str], total: int, lam: float, price: float | None) -> pd.DataFrame:
    """The comparison table of :func:`compare_strategies`: one row per strategy, NaN costs and a note when it failed."""
    cols = COST_ROWS + [
        "risk_adjusted",
        "cost_bps",
        "saving_vs_twap",
        "max_participation",
        "intervals_used",
        "note",
    ]
    table = pd.DataFrame(index=pd.Index(list(rows), name="strategy"), columns=cols, dtype=object)
    twap = rows["twap"]
    assert isinstance(twap, Schedule)  # TWAP always runs: its errors are the caller's
    twap_cost = twap.expected_cost
    for k, sch in rows.items():
        if isinstance(sch, str):
            table.loc[k, "note"] = sch
            continue
        for col in COST_ROWS:
            table.loc[k, col] = float(sch.costs[col])
        table.loc[k, "risk_adjusted"] = float(sch.costs["expected_cost"] + lam * sch.costs["variance"])
        table.loc[k, "cost_bps"] = float(sch.expected_cost / (total * price) * 1e4) if price else np.nan
        table.loc[k, "saving_vs_twap"] = float(twap_cost - sch.expected_cost)
        part = sch.participation
        table.loc[k, "max_participation"] = float(part.max()) if part is not None else np.nan
        table.loc[k, "intervals_used"] = int((sch.trades > 0).sum())
        table.loc[k, "note"] = " ".join(sch.notes)
    num = [c for c in cols if c != "note"]
    table[num] = table[num].astype(float)
    return table


def _linear_fit(impact: ImpactModel, n: int) -> tuple[float, float]:
    """Almgren-Chriss's ``epsilon`` and ``eta`` (per interval) fitted to ``impact``: its mean coefficients."""
    c, b, _ = impact.coefficients(n)
    return float(np.mean(c)), float(np.mean(b))


def _fitted_almgren_chriss(
    setup: CostSetup, total: int, n: int, risk_aversion: float, volumes: np.ndarray | None = None
) -> Schedule:
    """Almgren-Chriss's trajectory on the linear model fitted to ``setup.impact`` (one interval per time unit).

    The trajectory uses :func:`_linear_fit`'s ``epsilon`` and ``eta``, ``setup.sigma`` and
    ``setup.permanent``; it is costed under the full model of ``setup``
    (:func:`recost_almgren_chriss`).
    """
    assert setup.impact is not None  # the comparison and the order model always carry an impact model
    eps, eta = _linear_fit(setup.impact, n)
    sigma, gamma = setup.sigma, setup.permanent
    ac = almgren_chriss(total, n, n, sigma, eta, gamma, eps, risk_aversion, side=setup.side, lot_size=setup.lot_size)
    return recost_almgren_chriss(ac, total, setup, volumes=volumes)


#: A no-trade window typed as HH:MM-HH:MM (hyphen, en or em dash between the times).
_CLOCK_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})\s*[-\u2013\u2014]\s*(\d{1,2}):(\d{2})$")


def _window_minutes(piece: str, clock: Callable[[float], str]) -> tuple[int, int]:
    """The start and end (minutes after midnight) of a no-trade window typed as HH:MM-HH:MM; DataError says why not.

    ``clock(minutes)`` writes a time of day back as HH:MM for the messages.
    """
    found = _CLOCK_WINDOW.match(piece)
    if not found:
        raise DataError(
            f"The no-trade window '{piece}' is not a time range. Write HH:MM-HH:MM ranges separated by "
            "commas, for example 12:00-13:00, 15:50-16:00.",
            code="bad_time",
        )
    h1, m1, h2, m2 = (int(g) for g in found.groups())
    if max(h1, h2) > 23 or max(m1, m2) > 59:
        raise DataError(
            f"The no-trade window '{piece}' has a time that is not a time of day (hours 00-23, minutes "
            "00-59).",
            code="bad_time",
        )
    a, b = h1 * 60 + m1, h2 * 60 + m2
    if b < a:
        raise DataError(
            f"The no-trade window '{piece}' ends at {clock(b)}, before it starts at {clock(a)}. Write the "
            f"earlier time first: {clock(b)}-{clock(a)}.",
            code="bad_time",
        )
    if b == a:
        raise DataError(
            f"The no-trade window '{piece}' is empty: it starts and ends at {clock(a)}. Give an end after the "
            "start.",
            code="bad_time",
        )
    return a, b


@dataclass(frozen=True)
class OrderModel:
    """One parent order with the market it meets: what the execution page schedules and costs.

    Time unit: one schedule interval. ``volumes``: expected market volume per interval
    (``daily_volume`` times the intraday profile over the order's window); ``impact``:
    temporary impact fitted to ``slippage`` from walking ``book`` over the window;
    ``permanent``: Almgren-Chriss's ``gamma`` (``parameters``, per day, from the price,
    the daily volume, the volatility and the book's mean spread); ``sigma``: price
    volatility per interval (currency per share).
    """

    ticker: str
    side: str
    shares: int
    price: float
    daily_volume: float
    annual_volatility: float
    start: pd.Timestamp
    interval: pd.Timedelta
    n_intervals: int
    volumes: pd.Series
    book: OrderBook
    book_label: str
    slippage: pd.DataFrame
    impact: ImpactModel
    permanent: float
    sigma: float
    parameters: AlmgrenChrissParameters
    notes: tuple[str, ...] = field(default_factory=tuple)

    def no_trade_windows(self, text: str | None) -> tuple[np.ndarray | None, list[str]]:
        """The intervals of this order in the no-trade windows typed as ``"12:00-13:00, 15:50-16:00"``, and notes.

        An interval that overlaps a window is skipped whole (a child order covers its whole
        interval). DataError names the range that is not HH:MM-HH:MM, ends before it starts,
        lies outside the order's window, or, with the others, leaves no interval open.
        The mask goes to :meth:`schedule`'s ``no_trade``.
        """
        pieces = [p.strip() for p in re.split(r"[,;]", str(text or "")) if p.strip()]
        if not pieces:
            return None, []
        n = self.n_intervals
        step = self.interval / pd.Timedelta(minutes=1)
        midnight = self.start.normalize()
        t0 = (self.start - midnight) / pd.Timedelta(minutes=1)  # minutes after midnight
        starts = t0 + step * np.arange(n)
        ends = starts + step

        def clock(minutes: float) -> str:
            return f"{midnight + pd.Timedelta(minutes=float(minutes)):%H:%M}"

        window = f"{clock(t0)}-{clock(ends[-1])}"
        mask, notes = np.zeros(n, dtype=bool), []
        for piece in pieces:
            a, b = _window_minutes(piece, clock)
            if a < t0 - 1e-9 or b > ends[-1] + 1e-9:
                where = "is outside" if b <= t0 or a >= ends[-1] else "reaches outside"
                raise DataError(
                    f"The no-trade window '{piece}' {where} the order's window {window} (the start time and the "
                    f"horizon). Give windows between {clock(t0)} and {clock(ends[-1])}.",
                    code="bad_time",
                )
            hit = (starts < b - 1e-9) & (ends > a + 1e-9)
            mask |= hit
            first, last = starts[hit][0], ends[hit][-1]
            if abs(first - a) > 1e-6 or abs(last - b) > 1e-6:
                notes.append(
                    f"The no-trade window {clock(a)}-{clock(b)} does not line up with the {step:.3g}-minute "
                    f"intervals: no child orders from {clock(first)} to {clock(last)}."
                )
        if mask.all():
            raise DataError(
                f"The no-trade window{'s' if len(pieces) > 1 else ''} {', '.join(pieces)} cover"
                f"{'' if len(pieces) > 1 else 's'} every interval of the order ({window} in {n} "
                f"intervals of {step:.3g} minutes). Leave at least one interval open.",
                code="no_open_interval",
            )
        return mask, notes

    @property
    def fit_quality(self) -> pd.DataFrame:
        """The impact fit's quality per interval (as :class:`ImpactModel`), with ``rmse_test_bps``.

        ``rmse_test_bps``: the held-out RMSE of the slippage per share in basis points of the
        book's mean mid price (the price the slippage is measured from).
        """
        q = self.impact.fit_quality
        if q is None:
            raise DataError(
                "This order's impact model was not fitted to book slippage, so it has no fit quality: "
                "build the order with order_model(...) to fit one.",
                code="no_fit_quality",
            )
        return q.assign(rmse_test_bps=q["rmse_test"] / self.book_mid * 1e4)

    @property
    def book_mid(self) -> float:
        """The book's mean mid price over the order's window."""
        return float(self.book.mid.mean())

    @property
    def rmse_test_bps(self) -> float:
        """The pooled held-out RMSE of the impact fit in basis points of the book's mean mid price."""
        return self.impact.rmse_test / self.book_mid * 1e4

    @property
    def _ac(self) -> tuple[float, float]:
        """Almgren-Chriss's epsilon and eta (per interval) fitted to the impact model: mean coefficients."""
        return _linear_fit(self.impact, self.n_intervals)

    def schedule(
        self,
        strategy: Strategy,
        *,
        risk_aversion: float = 0.0,
        participation: float | None = None,
        solver: Solver = "analytical",
        no_trade: IndexMask | None = None,
    ) -> Schedule:
        """The child orders of ``strategy`` (twap, vwap, pov, almgren_chriss, optimal) under this model.

        ``participation``: POV's rate and the impact-optimal schedule's cap (None: no cap).
        ``no_trade``: intervals with no child orders (0-based indices or a boolean mask of
        ``n_intervals``), honoured by the impact-optimal schedule; the other strategies
        cannot skip intervals, and their notes say what they trade in them.
        An order the cap cannot fill raises :class:`InfeasibleError` naming the largest
        executable size, the horizon needed (in minutes and 390-minute sessions) and the
        cap needed.
        """
        mask = no_trade_mask(self.n_intervals, no_trade)
        if mask is not None and mask.all():
            raise DataError(
                f"The no-trade intervals cover all {self.n_intervals} intervals of the order: leave at least one "
                "interval open.",
                code="no_open_interval",
            )
        try:
            sched = self._schedule(strategy, risk_aversion, participation, solver, mask)
            return sched if sched.strategy == "optimal" else note_ignored_no_trade(sched, mask)
        except InfeasibleError as err:
            if err.code != "order_too_large" or not err.details or participation is None:
                raise  # only a participation cap makes an order too large
            largest, need = err.details["largest_executable"], err.details["intervals_needed"]
            minutes = need * self.interval / pd.Timedelta(minutes=1)
            horizon = self.n_intervals * self.interval / pd.Timedelta(minutes=1)
            open_volume = float(
                self.volumes.to_numpy()[~mask].sum() if mask is not None else self.volumes.sum()
            )
            cap_needed = self.shares / open_volume
            outside = (
                f" outside the {int(mask.sum())} no-trade intervals"
                if mask is not None and mask.any()
                else ""
            )
            raise InfeasibleError(
                f"The order of {self.shares:,} shares is larger than a {float(participation):.0%} participation "
                f"cap allows: over {horizon:,.0f} minutes the expected volume{outside} is {open_volume:,.0f} shares, "
                f"so the largest executable size is {largest:,} shares. Reduce the order to {largest:,} shares, "
                f"extend the horizon to about {minutes:,.0f} minutes ({minutes / SESSION_MINUTES:.1f} sessions of "
                f"{SESSION_MINUTES} minutes) at the same volumes, or raise the cap to at least {cap_needed:.0%}.",
                code="order_too_large",
                details={**err.details, "minutes_needed": minutes, "cap_needed": cap_needed},
            ) from None

    @property
    def cost_setup(self) -> CostSetup:
        """The order's cost model and clock (side, impact, permanent, sigma, start, interval; round lots of 100)."""
        return CostSetup(self.side, self.impact, self.permanent, self.sigma, self.start, self.interval)

    def _schedule(
        self,
        strategy: str,
        risk_aversion: float,
        participation: float | None,
        solver: Solver,
        no_trade: np.ndarray | None = None,
    ) -> Schedule:
        strat = str(strategy).lower()
        n, vol = self.n_intervals, self.volumes.to_numpy()
        setup = self.cost_setup
        if strat == "twap":
            return twap_with(setup, self.shares, n, volumes=vol)
        if strat == "vwap":
            return with_volumes(vwap_with(setup, self.shares, n, profile=vol), vol)
        if strat == "pov":
            if participation is None:
                raise DataError(
                    "POV needs a participation rate: set the participation cap.", code="missing_value"
                )
            return pov_with(setup, self.shares, participation, vol)
        if strat == "optimal":
            return optimal_with(
                setup,
                self.shares,
                n,
                solver=solver,
                max_participation=participation,
                volumes=vol,
                no_trade=no_trade,
            )
        if strat == "almgren_chriss":
            return _fitted_almgren_chriss(setup, self.shares, n, risk_aversion, vol)
        raise DataError(
            f"Strategy {strategy!r} is not known. Use twap, vwap, pov, almgren_chriss or optimal.",
            code="bad_option",
        )

    def compare(
        self, *, risk_aversion: float = 0.0, participation: float = 0.1, no_trade: IndexMask | None = None
    ) -> pd.DataFrame:
        """:func:`compare_strategies` for this order (POV at ``participation``, optimal capped by it).

        ``no_trade`` as in :meth:`schedule`.
        """
        return compare_with(
            self.cost_setup,
            self.shares,
            self.n_intervals,
            volumes=self.volumes.to_numpy(),
            risk_aversion=risk_aversion,
            participation=participation,
            max_participation=participation,
            price=self.price,
            no_trade=no_trade,
        )

    def frontier(self, risk_aversion: float | None = None, n_points: int = 120) -> pd.DataFrame:
        """Almgren-Chriss frontier for this order, costed like its schedules.

        The trajectories are Almgren-Chriss's (linear model with the mean fitted coefficients,
        one interval per time unit), exactly those :meth:`schedule` gives for
        ``"almgren_chriss"`` before rounding to lots; ``expected_cost``, ``variance``, ``std``
        and ``utility`` are costed under this order's model (the fitted impact per interval,
        ``permanent``, ``sigma``), as the schedule, the cost breakdown and the comparison are.
        With ``risk_aversion``, only that point (a one-row frame).
        """
        eps, eta = self._ac
        n = self.n_intervals
        lams = None if risk_aversion is None else [risk_aversion]
        ac = almgren_chriss_frontier(
            self.shares, n, n, self.sigma, eta, self.permanent, eps, lams, n_points=n_points, holdings=True
        )
        hold = ac[[f"x_{j}" for j in range(n + 1)]].to_numpy()
        model = self.cost_setup.model(n)
        br = cost_breakdown(-np.diff(hold, axis=1), float(self.shares), model)
        e, v = br[:, 3], br[:, 5]
        return ac[["kappa", "half_life"]].assign(
            expected_cost=e, variance=v, std=np.sqrt(v), utility=e + ac.index.to_numpy() * v
        )

    def summary(self, schedule: Schedule) -> pd.Series:
        """Headline numbers of a schedule of this order: costs in currency and basis points of notional.

        ``saving_vs_twap`` compares whole-share schedules (TWAP in round lots), as
        :func:`compare_strategies` does.
        """
        notional = self.shares * self.price
        part = schedule.participation
        saving = self.schedule("twap").expected_cost - schedule.expected_cost
        return pd.Series(
            {
                "notional": notional,
                "expected_cost": schedule.expected_cost,
                "cost_bps": schedule.expected_cost / notional * 1e4,
                "timing_risk": schedule.timing_risk,
                "saving_vs_twap": saving,
                "saving_bps": saving / notional * 1e4,
                "max_participation": float(part.max()) if part is not None else float("nan"),
                "order_share_of_volume": self.shares / float(self.volumes.sum()),
                "child_orders": int((schedule.trades > 0).sum()),
            },
            name=schedule.strategy,
        )

    def compare_solvers(
        self,
        participation: float | None = None,
        progress: Callable[[int, int, str], object] | None = None,
        no_trade: IndexMask | None = None,
    ) -> pd.DataFrame:
        """The impact-optimal schedule by each of :data:`SOLVERS`: exact cost, gap to the analytical one, time.

        ``progress(done, total, solver)`` is called after each solver; ``no_trade`` as in :meth:`schedule`.
        """
        rows = []
        for i, name in enumerate(SOLVERS):
            s = self.schedule("optimal", participation=participation, solver=name, no_trade=no_trade)
            rows.append(
                {
                    "solver": name,
                    "answered_by": s.solver,
                    "exact_cost": s.exact_cost,
                    "expected_cost": s.expected_cost,
                    "seconds": s.solve_seconds,
                }
            )
            if progress is not None:
                progress(i + 1, len(SOLVERS), name)
        out = pd.DataFrame(rows).set_index("solver")
        ref = out.loc["analytical", "exact_cost"]
        out["relative_gap"] = (out["exact_cost"] - ref).abs() / abs(ref) if ref else 0.0
        return out

    def risk_aversion_for_urgency(self, urgency: float) -> float:
        """The ``lambda`` whose Almgren-Chriss trajectory has ``kappa T = urgency`` (horizon / half-life)."""
        u = check_positive(urgency, "The urgency", allow_zero=True)
        _eps, eta = self._ac
        eta_tilde = eta - 0.5 * self.permanent
        if self.sigma <= 0 or eta_tilde <= 0:
            return 0.0
        kappa = u / self.n_intervals
        return float(2 * (math.cosh(kappa) - 1) * eta_tilde / self.sigma**2)

    def urgency(self, risk_aversion: float) -> float:
        """``kappa T`` of the Almgren-Chriss trajectory at ``risk_aversion`` (0 = TWAP)."""
        _eps, eta = self._ac
        eta_tilde = eta - 0.5 * self.permanent
        if eta_tilde <= 0:
            return float("nan")
        lam = check_positive(risk_aversion, "The risk aversion", allow_zero=True)
        return float(ac_kappa(np.array([lam]), self.sigma, eta_tilde, 1.0)[0] * self.n_intervals)


def order_model(
    prices: pd.Series,
    shares: float,
    *,
    side: str = "buy",
    horizon_minutes: float = SESSION_MINUTES,
    n_intervals: int = 13,
    start_time: str = SESSION_OPEN,
    daily_volume: float = 5_000_000,
    book: OrderBook | None = None,
    book_label: str | None = None,
    intraday_volumes: pd.Series | None = None,
    impact_model: ImpactForm = "linear",
    spread_bps: float = 5.0,
    n_levels: int = 20,
    seed: int | None = 0,
    date: str = "2024-01-02",
) -> OrderModel:
    """Build the :class:`OrderModel` of a parent order on one trading day.

    ``prices``: the stock's daily closes (its last close is the price, the last 252
    returns give the annual volatility). The order runs from ``start_time`` (HH:MM) for
    ``horizon_minutes`` in ``n_intervals`` equal intervals, within the 09:30-16:00 session.
    Expected volumes: ``daily_volume`` times the intraday profile (the default U shape
    with the closing auction, or estimated from ``intraday_volumes`` bars) over the
    window. The book: ``book`` (e.g. an uploaded snapshot file; snapshots whose time of
    day falls in the window are used when there are enough) or a seeded synthetic book
    with one snapshot per minute, mid at the last price, a ``spread_bps`` spread and
    level-1 depth of ``daily_volume / 2,500`` shares. Slippage is estimated for 25 sizes
    up to 80% of the thinnest snapshot's depth and ``impact_model`` fitted with 25% of
    the snapshots of each model interval held out.
    """
    total = check_shares(shares)
    s = check_side(side)
    w = session_window(start_time, horizon_minutes, n_intervals, intraday_volumes=intraday_volumes, date=date)
    n, horizon, m0 = w.n_intervals, w.horizon_minutes, w.minute
    adv = check_positive(daily_volume, "The daily volume")
    price, vol = _close_and_volatility(prices)
    volumes = adv * w.profile.to_numpy()
    start, interval = w.start, w.interval
    notes: list[str] = []
    if book is None:
        book, label = _synthetic_window_book(price, vol, adv, spread_bps, n_levels, seed, date, m0, horizon)
        label = book_label or label
    else:
        label = book_label or "uploaded book"
        book, notes = _uploaded_window_book(book, label, start, horizon, date, prices.name, price)
    if book.n_snapshots < 2:
        raise DataError(
            f"The {label} has {book.n_snapshots} snapshot; at least 2 are needed to fit and test.",
            code="too_few",
        )
    slip, impact = _fit_to_book(book, s, n, impact_model)
    notes.extend(impact.notes)
    params = almgren_chriss_parameters(price, adv, vol, spread=max(float(book.spread.mean()), 1e-9))
    return OrderModel(
        ticker=str(prices.name),
        side=s,
        shares=total,
        price=price,
        daily_volume=adv,
        annual_volatility=vol,
        start=start,
        interval=interval,
        n_intervals=n,
        volumes=pd.Series(volumes, index=pd.RangeIndex(1, n + 1, name="interval"), name="volume"),
        book=book,
        book_label=label,
        slippage=slip,
        impact=impact,
        permanent=params.gamma,
        sigma=params.sigma * math.sqrt(horizon / n / SESSION_MINUTES),
        parameters=params,
        notes=tuple(notes),
    )


def _close_and_volatility(prices: pd.Series) -> tuple[float, float]:
    """The last close and the annual volatility of the last 252 daily returns."""
    px = prices.astype(float).dropna()
    if px.empty:
        raise DataError(f"{prices.name}: no prices.", code="empty")
    return float(px.iloc[-1]), annual_volatility(px)


def _synthetic_window_book(
    price: float,
    vol: float,
    adv: float,
    spread_bps: float,
    n_levels: int,
    seed: int | None,
    date: str,
    m0: int,
    horizon: int,
) -> tuple[OrderBook, str]:
    """The seeded synthetic book of the session around ``price``, cut to the order's minutes; its label."""
    spread = max(0.01, round(price * check_positive(spread_bps, "The spread (bps)") / 1e4, 2))
    full = synthetic_order_book(
        SESSION_MINUTES,
        n_levels,
        base_price=price,
        spread=spread,
        depth=adv / 2_500,
        volatility=vol / math.sqrt(252 * SESSION_MINUTES),
        start=pd.Timestamp(f"{date} {SESSION_OPEN}"),
        seed=seed,
    )
    label = f"synthetic book (seed {seed}, {spread_bps:g} bps spread, {n_levels} levels)"
    return slice_book(full, np.arange(m0, m0 + horizon)), label


def _uploaded_window_book(
    book: OrderBook, label: str, start: pd.Timestamp, horizon: int, date: str, ticker: object, price: float
) -> tuple[OrderBook, list[str]]:
    """An uploaded book cut to the snapshots in the order's window when there are enough; the notes."""
    notes = []
    if isinstance(book.times, pd.DatetimeIndex):
        open_ts = pd.Timestamp(f"{date} {SESSION_OPEN}")
        tod = (book.times - book.times.normalize()) / pd.Timedelta(minutes=1)
        lo = (start - open_ts).total_seconds() / 60 + 570
        inside = np.flatnonzero((tod >= lo) & (tod < lo + horizon))
        if len(inside) >= 4:
            book = slice_book(book, inside)
        else:
            notes.append(
                f"The {label} has {len(inside)} snapshots between {start:%H:%M} and the end of the "
                f"order; all {book.n_snapshots} snapshots are used."
            )
    mid = float(book.mid.mean())
    if abs(mid / price - 1) > 0.05:
        notes.append(
            f"The {label}'s mid price ({mid:,.2f}) differs from {ticker}'s last close "
            f"({price:,.2f}) by {mid / price - 1:+.1%}; impact comes from the book, notional from the close."
        )
    return book, notes


def _fit_to_book(book: OrderBook, side: str, n: int, impact_model: ImpactForm) -> tuple[pd.DataFrame, ImpactModel]:
    """Slippage for 25 sizes up to 80% of the thinnest snapshot's depth and the impact model fitted to it."""
    side_size = book.ask_size if side == "buy" else book.bid_size
    depth = float(side_size.sum(axis=1).min())
    sizes = np.unique(np.round(np.linspace(depth * 0.8 / 25, depth * 0.8, 25)))
    sizes = sizes[sizes > 0]
    slip = estimate_slippage(book, sizes, side=side)
    k = max(1, min(n, book.n_snapshots // 4))
    return slip, fit_impact(slip, impact_model, side=side, n_intervals=k)
