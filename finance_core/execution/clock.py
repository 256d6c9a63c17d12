"""Session clock: intraday volume profiles, interval time stamps and the session window of an order."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._checks import check_count, check_positive
from .._types import DateLike, IntervalLike
from ..errors import DataError

#: Share of the day's volume printed in the US closing auction on a normal day. NYSE
#: and Nasdaq closing auctions grew to roughly 8-10% of daily volume by the late 2010s
#: (Bogousslavsky and Muravyev (2023), "Who trades at the close? Implications for price
#: discovery and liquidity", Journal of Financial Markets 66); more on index rebalance days.
CLOSE_AUCTION_SHARE = 0.09


def stylised_u(u: np.ndarray) -> np.ndarray:
    """U-shaped intraday intensity on session fractions ``u`` in (0, 1): ``1 + 2 (2u - 1)^2``.

    Trading volume is highest after the open and before the close and lowest at midday
    (Jain and Joh (1988), "The dependence between hourly prices and trading volume",
    Journal of Financial and Quantitative Analysis 23(3); Admati and Pfleiderer (1988),
    "A theory of intraday patterns", Review of Financial Studies 1(1)). The parabola is
    a stylised shape (edges three times the midday level), not a fit.
    """
    return 1.0 + 2.0 * (2.0 * u - 1.0) ** 2


def _rebin(shares: np.ndarray, n: int) -> np.ndarray:
    """Area-preserving re-binning of fractions onto ``n`` equal buckets."""
    edges = np.linspace(0, 1, len(shares) + 1)
    cum = np.concatenate([[0.0], np.cumsum(shares)])
    new = np.interp(np.linspace(0, 1, n + 1), edges, cum)
    return np.diff(new)


def _volume_table(volumes: pd.Series | pd.DataFrame) -> pd.DataFrame:
    """Intraday volumes as days x intraday buckets: a DataFrame as given, or a Series of bars pivoted by time of day."""
    if isinstance(volumes, pd.Series):
        if not isinstance(volumes.index, pd.DatetimeIndex):
            raise DataError(
                "Intraday volumes as a Series need a DatetimeIndex (one bar per row).", code="bad_input"
            )
        day = volumes.index.normalize()
        tod = volumes.index - day
        table = pd.DataFrame({"day": day, "tod": tod, "v": volumes.to_numpy(dtype=float)}).pivot_table(
            index="day", columns="tod", values="v", aggfunc="sum"
        )
    elif isinstance(volumes, pd.DataFrame):
        table = volumes.astype(float)
    else:
        raise DataError(
            "volumes must be a DataFrame (days x intraday buckets) or a Series of intraday bars.",
            code="bad_input",
        )
    return table


def intraday_volume_profile(
    n_intervals: int = 390,
    *,
    volumes: pd.DataFrame | pd.Series | None = None,
    close_auction: float = CLOSE_AUCTION_SHARE,
) -> pd.Series:
    """Expected fraction of the day's volume in each of ``n_intervals`` equal intervals.

    Default: the stylised U shape ``1 + 2 (2u - 1)^2`` over the continuous session
    (Jain and Joh (1988); Admati and Pfleiderer (1988): volume is highest near the open
    and the close), scaled to ``1 - close_auction``, with ``close_auction`` (default
    :data:`CLOSE_AUCTION_SHARE` = 9%, Bogousslavsky and Muravyev (2023)) added to the
    last interval, which contains the closing auction.

    ``volumes`` estimates the profile instead: a DataFrame of days x intraday buckets
    (in time order), or a Series of intraday bar volumes with a DatetimeIndex. Each day
    is scaled to sum to 1, the days are averaged and the result is re-binned onto
    ``n_intervals`` (area preserving). The fractions sum to 1.
    """
    n = check_count(n_intervals, "The number of intervals")
    if volumes is None:
        ca = float(close_auction)
        if not 0 <= ca < 1:
            raise DataError(
                f"The closing-auction share must be in [0, 1); got {close_auction!r}.", code="bad_value"
            )
        w = stylised_u((np.arange(n) + 0.5) / n)
        w = (1 - ca) * w / w.sum()
        w[-1] += ca
        return pd.Series(w, index=pd.RangeIndex(1, n + 1, name="interval"), name="volume_share")
    table = _volume_table(volumes)
    arr = table.to_numpy(dtype=float)
    if arr.size == 0:
        raise DataError("The intraday volume data is empty.", code="empty")
    if (arr < 0).any():
        i, j = np.argwhere(arr < 0)[0]
        raise DataError(
            f"Intraday volume on {table.index[i]} at {table.columns[j]} is negative. Volumes must be zero or more.",
            code="not_positive",
        )
    arr = np.nan_to_num(arr, nan=0.0)
    tot = arr.sum(axis=1)
    keep = tot > 0
    if not keep.any():
        raise DataError(
            "The intraday volume data has no day with volume. Upload bars with positive volumes.",
            code="empty",
        )
    prof = (arr[keep] / tot[keep, None]).mean(axis=0)
    w = _rebin(prof, n)
    return pd.Series(w / w.sum(), index=pd.RangeIndex(1, n + 1, name="interval"), name="volume_share")


def interval_times(
    n: int, start: DateLike | None, interval: IntervalLike, horizon: float | None = None
) -> pd.Index:
    if start is None:
        if horizon is not None:
            return pd.Index(np.linspace(0.0, horizon, n + 1), name="t")
        return pd.RangeIndex(0, n + 1, name="interval")
    try:
        return pd.date_range(pd.Timestamp(start), periods=n + 1, freq=pd.Timedelta(interval), name="time")
    except (ValueError, TypeError) as err:
        raise DataError(
            f"Start {start!r} / interval {interval!r} are not a time and a duration ({err}). Use e.g. '2024-01-02 09:30' and '1min'.",
            code="bad_time",
        ) from None


#: Minutes in the regular US session (09:30 to 16:00) and its opening time.
SESSION_MINUTES = 390


SESSION_OPEN = "09:30"


def _minute_of_session(start_time: str | None) -> int:
    """Minutes after the 09:30 open of a ``HH:MM`` time; refused outside the session."""
    text = str(start_time or "").strip()
    try:
        t = pd.Timestamp(f"2000-01-01 {text}")
    except (TypeError, ValueError):
        raise DataError(
            f"The start time {start_time!r} is not a time of day. Use HH:MM, for example 09:30.",
            code="bad_time",
        ) from None
    m = int(round((t - pd.Timestamp(f"2000-01-01 {SESSION_OPEN}")).total_seconds() / 60))
    if not 0 <= m < SESSION_MINUTES:
        raise DataError(
            f"The start time {text} is outside the regular session (09:30 to 16:00). Start between 09:30 and 15:59.",
            code="bad_time",
        )
    return m


@dataclass(frozen=True)
class SessionWindow:
    """Where an order sits in the trading day: ``n_intervals`` equal intervals from ``start``.

    ``profile``: the expected share of the whole day's volume traded in each interval
    (sums to the window's share of the day).
    """

    start: pd.Timestamp
    interval: pd.Timedelta
    n_intervals: int
    horizon_minutes: int
    minute: int  # minutes after the open
    profile: pd.Series


def session_window(
    start_time: str = SESSION_OPEN,
    horizon_minutes: float = SESSION_MINUTES,
    n_intervals: int = 13,
    *,
    intraday_volumes: pd.Series | None = None,
    date: str = "2024-01-02",
) -> SessionWindow:
    """The order's window in the 09:30-16:00 session, refused with a reason when it does not fit.

    The profile is :func:`intraday_volume_profile` on 390 one-minute buckets (the default
    U shape with the closing auction, or estimated from ``intraday_volumes``), cut to the
    window and re-binned onto ``n_intervals`` (area preserving).
    """
    horizon = check_positive(horizon_minutes, "The horizon (minutes)")
    if abs(horizon - round(horizon)) > 1e-9:
        raise DataError(f"The horizon must be a whole number of minutes; got {horizon:g}.", code="bad_value")
    horizon = int(round(horizon))
    n = check_count(n_intervals, "The number of intervals")
    m0 = _minute_of_session(start_time)
    if m0 + horizon > SESSION_MINUTES:
        left = SESSION_MINUTES - m0
        raise DataError(
            f"A {horizon}-minute horizon from {start_time} runs past the 16:00 close: {left} minutes are left. "
            f"Shorten the horizon to at most {left} minutes or start earlier.",
            code="past_close",
        )
    if n > horizon:
        raise DataError(
            f"{n} intervals in {horizon} minutes are shorter than one minute each. Use at most {horizon} intervals.",
            code="bad_value",
        )
    day = intraday_volume_profile(SESSION_MINUTES, volumes=intraday_volumes).to_numpy()
    prof = _rebin(day[m0 : m0 + horizon], n)  # area preserving: the window's share of the day
    start = pd.Timestamp(f"{date} {SESSION_OPEN}") + pd.Timedelta(minutes=m0)
    return SessionWindow(
        start,
        pd.Timedelta(minutes=horizon / n),
        n,
        horizon,
        m0,
        pd.Series(prof, index=pd.RangeIndex(1, n + 1, name="interval"), name="volume_share"),
    )
