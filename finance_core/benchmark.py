"""Benchmarks: a total-return index built from a price index, and blends of several series.

A price index (such as the S&P 500 itself) leaves dividends out, while adjusted closes
of stocks and ETFs put them back in: comparing one with the other flatters the assets
by about the dividend yield. :func:`total_return_index` adds each calendar year's
dividend income to a price index, spread evenly (geometrically) over that year's
trading days, so its calendar-year returns are the published total returns.

:func:`blend` combines benchmark series with fixed weights (e.g. 60/40), rebalanced
daily or at each month end. :class:`BlendSpec` is a blend as plain data: parsed from
what a person types (``60 SP500TR, 40 KO``), written to and read from a short value
that travels in the workspace and in links (``blend:M:SP500TR=60,KO=40``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import DataError

__all__ = ["income_returns", "total_return_index", "blend", "REBALANCE", "BlendSpec"]

#: Rebalancing frequencies of a blend: every day, or at each month's last trading day.
REBALANCE = {"D": "daily", "M": "monthly"}
_PREFIX = "blend:"
_WEIGHT_FIRST = re.compile(r"^\s*(?P<w>-?\d+(?:\.\d+)?)\s*%?\s*(?P<name>[A-Za-z^].*?)\s*$")
_NAME_FIRST = re.compile(r"^\s*(?P<name>.*?\S)\s+(?P<w>-?\d+(?:\.\d+)?)\s*%?\s*$")


def income_returns(annual: pd.DataFrame) -> pd.Series:
    """The dividend income of each year from published annual ``price_return`` and ``total_return``.

    ``(1 + total) / (1 + price) - 1``: the growth a total-return index earns on top of
    the price index over the year. Indexed by year.
    """
    out = (1.0 + annual["total_return"]) / (1.0 + annual["price_return"]) - 1.0
    return out.rename("income")


def total_return_index(price: pd.Series, income: pd.Series, *, periods_per_year: int = 252) -> pd.Series:
    """The total-return version of a price index, starting at the same level.

    ``income`` holds each calendar year's income return (see :func:`income_returns`),
    indexed by year. Each trading day of year Y earns ``d = (1 + income_Y)^(1/n_Y) - 1``
    on top of its price return, ``TR_t = TR_{t-1} (1 + r_t)(1 + d)``, where ``n_Y`` is
    the number of trading days of Y in the series (``periods_per_year`` at least for the
    first and last year, which the series may cover only in part). A full year then
    returns ``(1 + price return)(1 + income) - 1``, the published total return.
    """
    price = price.dropna()
    years = price.index.year
    missing = sorted(set(years) - set(income.index))
    if missing:
        raise DataError(
            f"No dividend income for {', '.join(map(str, missing[:5]))}: the total-return index needs each "
            "year's income return. Add those years to the annual returns table.",
            code="missing_income",
        )
    counts = pd.Series(years).value_counts()
    for edge in (years[0], years[-1]):
        counts[edge] = max(counts[edge], periods_per_year)
    n = counts.reindex(years).to_numpy(dtype=float)
    daily = (1.0 + income.reindex(years).to_numpy(dtype=float)) ** (1.0 / n) - 1.0
    growth = (price / price.shift(1)).to_numpy() * (1.0 + daily)
    growth[0] = 1.0
    return pd.Series(price.iloc[0] * np.cumprod(growth), index=price.index, name=price.name)


def blend(series_by_name: Mapping[str, pd.Series], weights: Mapping[str, float], rebalance: str = "M",
          *, initial: float = 100.0) -> pd.Series:
    """A fixed-weight blend of closes (index levels or prices), as a level starting at ``initial``.

    ``weights`` (fractions summing to 1) are restored every day (``rebalance="D"``: the
    blend's daily return is the weighted sum of the daily returns) or at the close of
    each month's last trading day (``"M"``: between those dates each part drifts with
    its own price). Uses the dates where every part has a close.
    """
    if rebalance not in REBALANCE:
        raise DataError(f"Unknown rebalancing {rebalance!r}: choose D (daily) or M (monthly).", code="bad_rebalance")
    names = list(weights)
    closes = pd.concat({n: series_by_name[n] for n in names}, axis=1).dropna()
    if len(closes) < 2:
        raise DataError(f"The blend's parts ({', '.join(names)}) share fewer than two dates.", code="too_short")
    w = pd.Series(weights, dtype=float)[names].to_numpy()
    gross = (closes / closes.shift(1)).iloc[1:]
    if rebalance == "D":
        step = gross.to_numpy() @ w
    else:
        # Growth of each part since the last month-end close, then of the blend since it.
        month = gross.index.to_period("M")
        since = gross.groupby(month).cumprod().to_numpy() @ w
        start = pd.Series(since, index=gross.index).groupby(month).shift(1).fillna(1.0).to_numpy()
        step = since / start
    level = initial * np.concatenate([[1.0], np.cumprod(step)])
    return pd.Series(level, index=closes.index, name="Blend")


@dataclass(frozen=True)
class BlendSpec:
    """A blend: ``weights`` in percent by component name (summing to 100) and its ``rebalance``."""

    weights: Mapping[str, float]
    rebalance: str = "M"

    @classmethod
    def parse(cls, text: str | None, known: list[str], rebalance: str = "M") -> BlendSpec:
        """Read what a person typed: ``60 SP500TR, 40 KO`` (also ``60% SP500TR + 40% KO`` or ``KO 40``).

        ``known`` lists the component names that may be used (case does not matter).
        """
        by_upper = {k.upper(): k for k in known}
        parts = [p.strip() for p in re.split(r"[,;+/]", text or "") if p.strip()]
        if len(parts) < 2:
            raise DataError(
                f"Type a blend of at least two parts with their weights in percent, e.g. '60 {known[0]}, 40 "
                f"{known[-1]}' (got {text or 'nothing'!r}).", code="bad_blend")
        weights: dict[str, float] = {}
        for part in parts:
            match = _WEIGHT_FIRST.match(part) or _NAME_FIRST.match(part)
            if match is None:
                raise DataError(f"Blend part {part!r} needs a weight in percent and a name, e.g. '40 {known[-1]}'.",
                                code="bad_blend")
            number, name = match.group("w"), match.group("name").strip().upper()
            if name not in by_upper:
                raise DataError(f"Blend part {part!r}: {name} is not a benchmark or ticker of this data. Use one of "
                                f"{', '.join(known[:8])}{' ...' if len(known) > 8 else ''}.", code="bad_blend")
            weights[by_upper[name]] = weights.get(by_upper[name], 0.0) + float(number)
        return cls(weights, rebalance).validated()

    def validated(self) -> BlendSpec:
        """This blend, or a DataError saying what is wrong with its weights or rebalancing."""
        if self.rebalance not in REBALANCE:
            raise DataError(f"Unknown rebalancing {self.rebalance!r}: choose D (daily) or M (monthly).",
                            code="bad_rebalance")
        bad = [n for n, w in self.weights.items() if not (np.isfinite(w) and w > 0)]
        if bad:
            raise DataError(f"Blend weights must be above 0%: check {', '.join(bad)}.", code="bad_blend")
        total = sum(self.weights.values())
        if abs(total - 100.0) > 0.01:
            raise DataError(f"The blend's weights add up to {total:g}%, not 100%. Change them so they add up to "
                            "100%.", code="bad_blend")
        return self

    @property
    def fractions(self) -> dict[str, float]:
        return {n: w / 100.0 for n, w in self.weights.items()}

    def to_value(self) -> str:
        """The short text that stands for this blend in the workspace and in links."""
        return _PREFIX + self.rebalance + ":" + ",".join(f"{n}={w:g}" for n, w in self.weights.items())

    @staticmethod
    def is_value(value: str | None) -> bool:
        return isinstance(value, str) and value.startswith(_PREFIX)

    @classmethod
    def from_value(cls, value: str) -> BlendSpec:
        """Read :meth:`to_value`'s text back (from a workspace or a link)."""
        try:
            rebalance, body = value.removeprefix(_PREFIX).split(":", 1)
            weights = {n: float(w) for n, w in (item.split("=") for item in body.split(","))}
        except ValueError:
            raise DataError(f"The benchmark blend {value!r} is not readable: type it again on the Data page, "
                            "e.g. '60 SP500TR, 40 KO'.", code="bad_blend") from None
        return cls(weights, rebalance).validated()

    def label(self, names: Mapping[str, str] | None = None) -> str:
        """``Blend: 60% S&P 500 total return + 40% KO (rebalanced monthly)``."""
        names = names or {}
        parts = " + ".join(f"{w:g}% {names.get(n, n)}" for n, w in self.weights.items())
        return f"Blend: {parts} (rebalanced {REBALANCE[self.rebalance]})"
