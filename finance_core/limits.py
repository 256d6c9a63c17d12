"""Limits on a portfolio and the breaches they raise, now and over past dates.

A :class:`Limit` is one rule: a kind from :data:`LIMIT_KINDS`, a threshold (decimals: 0.02 is
2%; VaR and CVaR are positive loss fractions, drawdown a positive fraction of the peak, volatility
and tracking error annualised with 252 periods a year; a count for ``number_of_names``), and
for VaR/CVaR a confidence level and horizon in days, for drift an ``absolute`` or ``relative``
band. ``max`` limits are breached above the threshold, ``min`` limits (``min_cash``,
``number_of_names``) below it. :func:`check` returns the current breaches as :class:`Breach`
(what, limit, value, excess, since); :func:`history` evaluates every limit at past dates (the
return-based ones on a trailing window ending at each date, the weight-based ones on that date's
weights from ``Monitored.weights_history``, else today's), :func:`breach_history` turns that into
a dates x limits frame of True where the limit was breached, and ``since`` is the first date of
the current run of breaches.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np
import pandas as pd

from ._checks import check_finite, check_level, check_positive_int
from .errors import DataError
from .risk import conditional_value_at_risk, value_at_risk
from .risk.performance import underwater_curve

__all__ = [
    "BREACH_COLUMNS", "LIMIT_KINDS", "Breach", "Limit", "LimitKind", "Monitored", "breach_history", "check", "check_labels", "history",
    "limit_from_dict",
]

LimitKind = Literal[
    "var", "cvar", "max_drawdown", "volatility", "tracking_error",
    "single_name_weight", "sector_weight", "number_of_names", "drift", "min_cash",
]
LIMIT_KINDS: tuple[str, ...] = get_args(LimitKind)
RETURN_KINDS = ("var", "cvar", "max_drawdown", "volatility", "tracking_error")
MIN_KINDS = ("number_of_names", "min_cash")
WEIGHT_CAPS = ("single_name_weight", "sector_weight", "min_cash", "max_drawdown")
PERIODS_PER_YEAR = 252
#: The columns of :meth:`Breach.row`.
BREACH_COLUMNS = ("what", "limit", "value", "excess", "since")
_LABELS = {
    "var": "VaR", "cvar": "CVaR", "max_drawdown": "Max drawdown", "volatility": "Volatility",
    "tracking_error": "Tracking error", "single_name_weight": "Single-name weight",
    "sector_weight": "Sector weight", "number_of_names": "Number of names",
    "drift": "Drift from target", "min_cash": "Cash",
}


@dataclass(frozen=True)
class Limit:
    """One limit; build it with :func:`limit_from_dict` from a form or stored workspace row."""

    kind: LimitKind
    threshold: float
    level: float = 0.95
    horizon: int = 1
    band: Literal["absolute", "relative"] = "absolute"

    @property
    def bound(self) -> str:
        return "min" if self.kind in MIN_KINDS else "max"

    @property
    def label(self) -> str:
        base = _LABELS[self.kind]
        if self.kind in ("var", "cvar"):
            return f"{base} {self.level:.0%} {self.horizon}d"
        return f"{base} ({self.band})" if self.kind == "drift" else base


@dataclass(frozen=True)
class Monitored:
    """What the limits look at: current weights (cash under ``cash``), asset returns and the optional extras.

    ``weights_history`` (dates x tickers) gives the weights held on past dates for :func:`history`;
    without it today's weights stand for every date.
    """

    weights: pd.Series
    returns: pd.DataFrame
    benchmark_returns: pd.Series | None = None
    sectors: Mapping | None = None
    target: pd.Series | None = None
    cash: str = "CASH"
    window: int = 252
    weights_history: pd.DataFrame | None = None


@dataclass(frozen=True)
class Breach:
    """One breached limit: its label, threshold, current value, excess past the threshold and the date it began."""

    what: str
    limit: float
    value: float
    excess: float
    since: object = field(default=None)
    kind: str = ""

    def shown(self, value: float) -> str:
        """A value of this limit as people read it: a count for the number of names, else a percentage."""
        return f"{value:g}" if self.kind == "number_of_names" else f"{value:.2%}"

    @property
    def since_date(self) -> str:
        return "" if self.since is None else str(pd.Timestamp(self.since).date())

    @property
    def text(self) -> str:
        """One sentence, e.g. ``"Single-name weight 5.00% above the 4.00% limit by 1.00% (since 2022-03-01)"``."""
        side = "below" if self.kind in MIN_KINDS else "above"
        since = f" (since {self.since_date})" if self.since is not None else ""
        return f"{self.what} {self.shown(self.value)} {side} the {self.shown(self.limit)} limit by {self.shown(self.excess)}{since}"

    def row(self) -> dict[str, str]:
        """The breach as :data:`BREACH_COLUMNS` of text, for a table."""
        return {"what": self.what, "limit": self.shown(self.limit), "value": self.shown(self.value),
                "excess": self.shown(self.excess), "since": self.since_date}


def limit_from_dict(row: Mapping) -> Limit:
    """A :class:`Limit` from a mapping (``kind``, ``threshold`` and the optional fields), checked."""
    kind = row.get("kind")
    if kind not in LIMIT_KINDS:
        raise DataError(f"Unknown limit {kind!r}. Choose one of {', '.join(LIMIT_KINDS)}.", code="bad_limit")
    label = _LABELS[str(kind)]
    threshold = check_finite(row.get("threshold"), f"The {label} limit", code="bad_limit")
    if threshold < 0:
        raise DataError(f"The {label} limit must be zero or more; got {threshold:g}. Enter a positive decimal.", code="bad_limit")
    if kind in WEIGHT_CAPS and threshold > 1:
        raise DataError(f"The {label} limit {threshold:g} is above 1 (100%): limits are decimals. "
                        f"Did you mean {threshold / 100:g}?", code="bad_limit")
    if kind == "number_of_names":
        threshold = float(check_positive_int(threshold, "number of names limit"))
    level = check_level(0.95 if row.get("level") in (None, "") else row["level"], f"{label} level")
    horizon = check_positive_int(1 if row.get("horizon") in (None, "") else row["horizon"], f"{label} horizon")
    band = row.get("band") or "absolute"
    if band not in ("absolute", "relative"):
        raise DataError(f"The drift band must be 'absolute' or 'relative'; got {band!r}.", code="bad_limit")
    return Limit(kind, threshold, level, horizon, band)  # type: ignore[arg-type]


def _portfolio_series(monitored: Monitored) -> pd.Series:
    risky = monitored.weights.drop(monitored.cash, errors="ignore")
    missing = risky.index[risky != 0].difference(monitored.returns.columns)
    if len(missing):
        raise DataError(
            f"No returns for {', '.join(map(str, missing[:5]))}; the risk limits need prices for every holding.",
            code="missing_returns",
        )
    return (monitored.returns[risky.index].fillna(0.0) * risky).sum(axis=1)


def _return_value(limit: Limit, series: pd.Series, benchmark: pd.Series | None) -> float:
    if limit.kind == "var":
        return float(value_at_risk(series, limit.level, horizon=limit.horizon))
    if limit.kind == "cvar":
        return float(conditional_value_at_risk(series, limit.level, horizon=limit.horizon))
    if limit.kind == "max_drawdown":
        return float(-underwater_curve(series.to_numpy()).min())
    if limit.kind == "volatility":
        return float(series.std(ddof=1) * math.sqrt(PERIODS_PER_YEAR))
    if benchmark is None:
        raise DataError("A tracking-error limit needs a benchmark. Choose one on the Data page.", code="missing_benchmark")
    active = (series - benchmark.reindex(series.index)).dropna()
    return float(active.std(ddof=1) * math.sqrt(PERIODS_PER_YEAR))


def _weight_value(limit: Limit, monitored: Monitored, weights: pd.Series | None = None) -> float:
    weights = monitored.weights if weights is None else weights
    risky = weights.drop(monitored.cash, errors="ignore")
    if limit.kind == "single_name_weight":
        return float(risky.abs().max())
    if limit.kind == "number_of_names":
        return float((risky.abs() > 1e-9).sum())
    if limit.kind == "min_cash":
        return float(weights.get(monitored.cash, 0.0))
    if limit.kind == "sector_weight":
        if not monitored.sectors:
            raise DataError("A sector-weight limit needs sectors for the holdings. Upload a sector file.", code="missing_sector")
        groups = [monitored.sectors.get(name, "Unclassified") for name in risky.index]
        return float(risky.groupby(groups).sum().abs().max())
    if monitored.target is None:
        raise DataError("A drift limit needs target weights. Save a construction as the target first.", code="missing_target")
    target = monitored.target.reindex(weights.index.union(monitored.target.index)).fillna(0.0)
    drift = (weights.reindex(target.index).fillna(0.0) - target).abs()
    if limit.band == "relative":
        drift = drift[target != 0] / target[target != 0].abs()
    return float(drift.max())


def _value(limit: Limit, monitored: Monitored, series: pd.Series) -> float:
    if limit.kind in RETURN_KINDS:
        return _return_value(limit, series.iloc[-monitored.window:], monitored.benchmark_returns)
    return _weight_value(limit, monitored)


def _excess(limit: Limit, value: float) -> float:
    return value - limit.threshold if limit.bound == "max" else limit.threshold - value


def check_labels(limits: list[Limit]) -> None:
    """Refuse two limits with one label (they would share a column of :func:`history`)."""
    labels = [lim.label for lim in limits]
    twice = sorted({label for label in labels if labels.count(label) > 1})
    if twice:
        raise DataError(f"Two limits are both {twice[0]!r}. Keep one of them (or give the VaR/CVaR another "
                        "level or horizon).", code="bad_limit")


def _weights_on(monitored: Monitored, date) -> pd.Series:
    """The weights held on ``date``: the last row of ``weights_history`` on or before it, else today's."""
    held = monitored.weights_history
    if held is None:
        return monitored.weights
    upto = held.loc[:date]
    return upto.iloc[-1].fillna(0.0) if len(upto) else monitored.weights


def history(monitored: Monitored, limits: list[Limit], *, step: int = 5) -> pd.DataFrame:
    """Each limit's value at every ``step``-th date (columns by label), the last date included.

    Return-based limits are measured on the trailing ``window`` ending at that date; weight-based ones on
    the weights held then (``Monitored.weights_history``, else today's weights for every date).
    """
    step = check_positive_int(step, "history step")
    check_labels(limits)
    series = _portfolio_series(monitored)
    window = check_positive_int(monitored.window, "limit window", minimum=20)
    ends = list(range(len(series), window - 1, -step))[::-1]
    if not ends:
        raise DataError(f"The {len(series)} dates are fewer than the {window}-date limit window. Choose a shorter window.", code="window_too_short")
    held_fixed = monitored.weights_history is None  # today's weights on every date: weight limits are constant
    fixed = {lim.label: _weight_value(lim, monitored) for lim in limits if held_fixed and lim.kind not in RETURN_KINDS}
    rows = {}
    for end in ends:
        date, past = series.index[end - 1], series.iloc[end - window:end]
        rows[date] = {
            lim.label: (_return_value(lim, past, monitored.benchmark_returns) if lim.kind in RETURN_KINDS
                        else fixed[lim.label] if held_fixed
                        else _weight_value(lim, monitored, _weights_on(monitored, date)))
            for lim in limits
        }
    return pd.DataFrame.from_dict(rows, orient="index", columns=[lim.label for lim in limits])


def breach_history(monitored: Monitored, limits: list[Limit], *, step: int = 5,
                   past: pd.DataFrame | None = None) -> pd.DataFrame:
    """Dates x limits (columns by label): True where the limit was breached then (from :func:`history`)."""
    values = history(monitored, limits, step=step) if past is None else past
    return pd.DataFrame({lim.label: [_excess(lim, v) > 1e-12 for v in values[lim.label]] for lim in limits},
                        index=values.index, columns=[lim.label for lim in limits], dtype=bool)


def _since(limit: Limit, past: pd.DataFrame | None) -> object:
    if past is None or limit.label not in past:
        return None
    breached = np.array([_excess(limit, v) > 1e-12 for v in past[limit.label]])
    if not breached[-1]:
        return None
    start = len(breached) - int(np.argmin(breached[::-1])) if not breached.all() else 0
    return past.index[start]


def check(monitored: Monitored, limits: list[Limit], *, past: pd.DataFrame | None = None) -> list[Breach]:
    """The limits breached now; ``past`` (from :func:`history`) fills in ``since``."""
    check_labels(limits)
    series = _portfolio_series(monitored)
    if len(series) < 20 and any(lim.kind in RETURN_KINDS for lim in limits):
        raise DataError(f"Only {len(series)} dates of returns; the risk limits need at least 20.", code="window_too_short")
    breaches = []
    for lim in limits:
        value = _value(lim, monitored, series)
        excess = _excess(lim, value)
        if excess > 1e-12:
            breaches.append(Breach(lim.label, lim.threshold, value, excess, _since(lim, past), lim.kind))
    return breaches
