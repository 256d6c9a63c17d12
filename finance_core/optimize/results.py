"""The result types: the Allocation every method returns and the efficient Frontier."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .defaults import DEFAULT_RISK_FREE_RATE

__all__ = ["Allocation", "Frontier"]


@dataclass(frozen=True)
class Allocation:
    """Portfolio weights with their ex-ante statistics.

    ``weights`` is a Series indexed by ticker (fractions; they sum to 1 unless
    leverage was asked for). ``expected_return`` and ``volatility`` are annualised
    when the inputs were; ``sharpe`` is ``(expected_return - risk_free_rate) /
    volatility``. ``solver`` says which path answered (for example ``"nnls"``,
    ``"cla"``, ``"CLARABEL"``, ``"OSQP"``, ``"closed_form"``). ``notes`` carries
    anything the user should know (a repaired covariance, a fallback solver).
    """

    weights: pd.Series
    expected_return: float = float("nan")
    volatility: float = float("nan")
    sharpe: float = float("nan")
    method: str = ""
    solver: str = ""
    solve_seconds: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_weights(
        cls,
        weights: pd.Series,
        *,
        mu: pd.Series | None = None,
        cov: pd.DataFrame | None = None,
        risk_free_rate: float = DEFAULT_RISK_FREE_RATE,
        method: str = "",
        solver: str = "",
        solve_seconds: float = 0.0,
        notes: tuple[str, ...] | list[str] = (),
    ) -> Allocation:
        """Build an Allocation, computing return, volatility and Sharpe when mu/cov are given."""
        w = weights.astype(float)
        ret = float(w @ mu.reindex(w.index)) if mu is not None else float("nan")
        if cov is not None:
            c = cov.reindex(index=w.index, columns=w.index).to_numpy()
            vol = float(np.sqrt(max(w.to_numpy() @ c @ w.to_numpy(), 0.0)))
        else:
            vol = float("nan")
        sharpe = (ret - risk_free_rate) / vol if vol and np.isfinite(vol) and vol > 0 else float("nan")
        return cls(
            weights=w,
            expected_return=ret,
            volatility=vol,
            sharpe=sharpe,
            method=method,
            solver=solver,
            solve_seconds=float(solve_seconds),
            notes=tuple(notes),
        )


@dataclass(frozen=True)
class Frontier:
    """Efficient frontier points and its landmarks.

    ``returns``, ``volatilities`` and ``sharpes`` are Series indexed by point (0..n-1, increasing
    return); ``weights`` is a DataFrame (points x tickers). ``min_variance`` and ``max_sharpe``
    are Allocations (``max_sharpe`` is None when no portfolio beats the risk-free rate; the
    notes say so). ``asset_returns`` and ``asset_volatilities`` (by ticker) place each asset on
    the same chart; the capital market line is ``risk_free_rate + max_sharpe.sharpe * vol``.
    ``solver`` is ``"cla"`` (exact corner portfolios) or the cvxpy solver of the DPP loop.
    """

    returns: pd.Series
    volatilities: pd.Series
    sharpes: pd.Series
    weights: pd.DataFrame
    min_variance: Allocation
    max_sharpe: Allocation | None
    asset_returns: pd.Series
    asset_volatilities: pd.Series
    risk_free_rate: float = DEFAULT_RISK_FREE_RATE
    solver: str = ""
    solve_seconds: float = 0.0
    notes: tuple[str, ...] = ()

    def capital_market_line(self, volatilities: np.ndarray | Iterable[float]) -> pd.Series:
        """Returns on the capital market line at the given volatilities (NaN without max Sharpe)."""
        vols = np.asarray(list(volatilities), dtype=float)
        slope = self.max_sharpe.sharpe if self.max_sharpe is not None else float("nan")
        return pd.Series(self.risk_free_rate + slope * vols, index=vols, name="cml_return")
