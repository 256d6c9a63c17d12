"""Linking single-period attribution effects over time so they add to the arithmetic excess.

Given per-period effects (segment x effect frames from :func:`~.brinson.brinson`) and the
per-period portfolio and benchmark returns ``R_t`` and ``B_t``, the linked effects add up to
``R - B`` with ``R = prod(1 + R_t) - 1`` and ``B = prod(1 + B_t) - 1``.

* Carino (1999, "Combining attribution effects over time", *Journal of Performance
  Measurement* 3(4)): each period's effects are scaled by ``k_t / k`` with
  ``k_t = (ln(1 + R_t) - ln(1 + B_t)) / (R_t - B_t)`` and
  ``k = (ln(1 + R) - ln(1 + B)) / (R - B)`` (``1 / (1 + R_t)`` when ``R_t == B_t``).
* Menchero (2000, "An optimized approach to linking attribution effects over time",
  *Journal of Performance Measurement* 5(1)): scaled by ``M + a_t`` with
  ``M = ((R - B) / T) / ((1 + R)^(1/T) - (1 + B)^(1/T))`` (``(1 + R)^((T-1)/T)`` when
  ``R == B``) and ``a_t = (R - B - M * sum(R_t - B_t)) / sum((R_t - B_t)^2) * (R_t - B_t)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, get_args

import numpy as np
import pandas as pd

from ..errors import DataError
from .brinson import TOTAL_ROW

__all__ = ["Linking", "carino_factors", "link", "menchero_factors"]

Linking = Literal["carino", "menchero"]
LINKINGS: tuple[str, ...] = get_args(Linking)
_EQUAL = 1e-12


def _log_ratio(r: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(ln(1 + r) - ln(1 + b)) / (r - b)``, its limit ``1 / (1 + r)`` where ``r == b``."""
    diff = r - b
    close = np.abs(diff) < _EQUAL
    safe = np.where(close, 1.0, diff)
    return np.where(close, 1.0 / (1.0 + r), (np.log1p(r) - np.log1p(b)) / safe)


def _check_returns(portfolio, benchmark) -> tuple[np.ndarray, np.ndarray]:
    r = np.asarray(portfolio, dtype=float)
    b = np.asarray(benchmark, dtype=float)
    if r.shape != b.shape or r.ndim != 1 or r.size == 0:
        raise DataError(
            "Linking needs one portfolio and one benchmark return per period, as many of each; "
            f"got {r.size} and {b.size}.",
            code="bad_periods",
        )
    if not (np.all(np.isfinite(r)) and np.all(np.isfinite(b))) or np.any(r <= -1) or np.any(b <= -1):
        raise DataError(
            "Every period's return must be a finite decimal above -1 (-100%). Check for blanks or percentages.",
            code="bad_returns",
        )
    return r, b


def carino_factors(portfolio_returns, benchmark_returns) -> np.ndarray:
    """Carino's per-period scale ``k_t / k``."""
    r, b = _check_returns(portfolio_returns, benchmark_returns)
    total_r, total_b = np.prod(1 + r) - 1, np.prod(1 + b) - 1
    k = _log_ratio(np.array([total_r]), np.array([total_b]))[0]
    return _log_ratio(r, b) / k


def menchero_factors(portfolio_returns, benchmark_returns) -> np.ndarray:
    """Menchero's per-period scale ``M + a_t``."""
    r, b = _check_returns(portfolio_returns, benchmark_returns)
    periods = r.size
    total_r, total_b = np.prod(1 + r) - 1, np.prod(1 + b) - 1
    excess = total_r - total_b
    if abs(excess) < _EQUAL:
        m = (1 + total_r) ** ((periods - 1) / periods)
    else:
        m = (excess / periods) / ((1 + total_r) ** (1 / periods) - (1 + total_b) ** (1 / periods))
    diff = r - b
    squares = float(np.sum(diff**2))
    alpha = (excess - m * diff.sum()) / squares * diff if squares > _EQUAL else np.zeros(periods)
    return m + alpha


def _scaled_sum(frames: list[pd.DataFrame], scale: np.ndarray) -> pd.DataFrame:
    """Sum over periods of each frame (its Total row dropped) times its factor; at once when the frames share
    their rows and columns (a portfolio with the same segments every period), else aligned by segment."""
    first = frames[0]
    if all(f.index.equals(first.index) and f.columns.equals(first.columns) for f in frames):
        keep = first.index != TOTAL_ROW
        values = np.tensordot(scale, np.stack([f.to_numpy(dtype=float) for f in frames]), axes=1)
        return pd.DataFrame(values[keep], index=first.index[keep], columns=first.columns)
    parts = [frame.drop(index=TOTAL_ROW, errors="ignore") * factor for frame, factor in zip(frames, scale, strict=True)]
    return pd.concat(parts).groupby(level=0, sort=False).sum()


def link(
    effects: Sequence[pd.DataFrame] | Mapping[object, pd.DataFrame],
    portfolio_returns,
    benchmark_returns,
    method: Linking = "carino",
) -> pd.DataFrame:
    """Linked effects: sum over periods of each period's effects times its factor.

    ``effects`` is one frame per period (a list, or a mapping date -> frame, in period order),
    each indexed by segment with numeric effect columns; a :data:`TOTAL_ROW` row is dropped and
    recomputed. Segments missing from a period count as zero. The linked ``total`` row adds
    to ``prod(1 + R_t) - prod(1 + B_t)``.
    """
    if method not in LINKINGS:
        raise DataError(f"Unknown linking method {method!r}. Choose one of {', '.join(LINKINGS)}.", code="bad_method")
    frames = list(effects.values()) if isinstance(effects, Mapping) else list(effects)
    scale = carino_factors(portfolio_returns, benchmark_returns) if method == "carino" else menchero_factors(
        portfolio_returns, benchmark_returns
    )
    if len(frames) != scale.size:
        raise DataError(
            f"There are {len(frames)} periods of effects but {scale.size} periods of returns; give one of each per period.",
            code="bad_periods",
        )
    linked = _scaled_sum(frames, scale)
    linked.loc[TOTAL_ROW] = linked.sum()
    linked.index.name = frames[0].index.name
    return linked
