"""Almgren-Chriss (2000): parameters, the closed-form trajectory and the efficient frontier."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._checks import check_count, check_positive
from .._types import DateLike, VectorLike
from ..errors import DataError
from ._checks import check_shares, check_side
from .clock import interval_times
from .costs import CostModel, CostSetup
from .schedule import Schedule, finish_schedule


def recost_almgren_chriss(
    ac: Schedule, total: int, setup: CostSetup, *, volumes: np.ndarray | None = None
) -> Schedule:
    """The Almgren-Chriss trajectory ``ac`` costed under the fuller model and clock of ``setup`` (the fitted impact)."""
    n = len(ac.exact_trades)
    return finish_schedule(
        ac.exact_trades.to_numpy(),
        total,
        setup.model(n),
        side=check_side(setup.side),
        strategy="almgren_chriss",
        solver="closed_form",
        times=setup.times(n),
        lot_size=check_count(setup.lot_size, "The lot size"),
        volumes=volumes,
        risk_aversion=ac.risk_aversion,
        notes=ac.notes,
    )


@dataclass(frozen=True)
class AlmgrenChrissParameters:
    """Inputs of the Almgren-Chriss model in the paper's units (time unit: one day).

    ``sigma``: price volatility (currency/share/day^0.5); ``eta``: temporary impact
    (currency/share per share/day); ``gamma``: permanent impact (currency/share per
    share); ``epsilon``: fixed cost per share (half the spread).
    """

    sigma: float
    eta: float
    gamma: float
    epsilon: float


def almgren_chriss_parameters(
    price: float,
    daily_volume: float,
    annual_volatility: float,
    *,
    spread: float | None = None,
    spread_bps: float = 10.0,
    periods_per_year: int = 252,
) -> AlmgrenChrissParameters:
    """Rules of thumb of Almgren and Chriss (2000), section 1.5 (Table 1).

    ``sigma = annual_volatility * price / sqrt(periods_per_year)``; ``epsilon`` = half
    the spread; temporary impact ``eta = spread / (1% of daily volume)`` (trading 1% of
    the day's volume costs one spread); permanent ``gamma = spread / (10% of daily
    volume)`` (10% of the day's volume moves the price by one spread). ``spread`` in
    currency, else ``spread_bps`` of the price. The paper uses 250 trading days.
    """
    p = check_positive(price, "The price")
    v = check_positive(daily_volume, "The daily volume")
    vol = check_positive(annual_volatility, "The annual volatility")
    spr = (
        p * check_positive(spread_bps, "The spread (bps)") / 1e4
        if spread is None
        else check_positive(spread, "The spread")
    )
    return AlmgrenChrissParameters(
        sigma=vol * p / math.sqrt(periods_per_year),
        eta=spr / (0.01 * v),
        gamma=spr / (0.1 * v),
        epsilon=spr / 2,
    )


def ac_kappa(risk_aversion: np.ndarray, sigma: float, eta_tilde: float, tau: float) -> np.ndarray:
    """``kappa`` from ``2 (cosh(kappa tau) - 1) / tau^2 = lambda sigma^2 / eta_tilde`` (AC 2000, eq. in 2.2)."""
    kt2 = risk_aversion * sigma**2 / eta_tilde
    return np.arccosh(1.0 + 0.5 * kt2 * tau**2) / tau


def _ac_holdings(kappa: np.ndarray, t: np.ndarray, horizon: float) -> np.ndarray:
    """``x_j / X = sinh(kappa (T - t_j)) / sinh(kappa T)``, overflow-safe; kappa = 0 gives TWAP."""
    k = np.atleast_1d(kappa)[:, None]
    tt = t[None, :]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        ratio = np.exp(-k * tt) * (-np.expm1(-2 * k * (horizon - tt))) / (-np.expm1(-2 * k * horizon))
    lin = 1 - tt / horizon
    return np.where(k * horizon < 1e-8, np.broadcast_to(lin, ratio.shape), ratio)


def _ac_check(
    shares: float, horizon: float, n_intervals: int, sigma: float, eta: float, gamma: float, epsilon: float
) -> tuple[int, float, int, float, float, float, float, float, float]:
    total = check_shares(shares)
    T = check_positive(horizon, "The horizon")
    n = check_count(n_intervals, "The number of intervals")
    sig = check_positive(sigma, "The volatility sigma", allow_zero=True)
    et = check_positive(eta, "The temporary impact eta")
    ga = check_positive(gamma, "The permanent impact gamma", allow_zero=True)
    ep = check_positive(epsilon, "The fixed cost epsilon", allow_zero=True)
    tau = T / n
    eta_tilde = et - 0.5 * ga * tau
    if eta_tilde <= 0:
        raise DataError(
            f"eta - gamma * tau / 2 = {eta_tilde:.3g} must be positive (Almgren and Chriss's eta-tilde); with "
            f"tau = {tau:g} the permanent impact is too large. Use more intervals or check eta and gamma.",
            code="bad_value",
        )
    return total, T, n, sig, et, ga, ep, tau, eta_tilde


def almgren_chriss(
    shares: float,
    horizon: float,
    n_intervals: int,
    sigma: float,
    eta: float,
    gamma: float,
    epsilon: float,
    risk_aversion: float,
    *,
    side: str = "buy",
    start: DateLike | None = None,
    lot_size: int = 100,
) -> Schedule:
    """Almgren-Chriss (2000) mean-variance optimal trajectory (discrete time, linear impact).

    Minimises ``E(x) + lambda V(x)`` over ``N`` intervals of length ``tau = T / N``:
    ``x_j = X sinh(kappa (T - t_j)) / sinh(kappa T)`` with
    ``2 (cosh(kappa tau) - 1) / tau^2 = lambda sigma^2 / eta_tilde`` and
    ``eta_tilde = eta - gamma tau / 2``; ``E = gamma X^2 / 2 + epsilon X +
    (eta_tilde / tau) sum n_k^2`` and ``V = sigma^2 tau sum x_k^2`` (Almgren and Chriss
    (2000), "Optimal execution of portfolio transactions", Journal of Risk 3(2), 5-39,
    sections 1.5 and 2.2). ``horizon`` is in the time unit of ``sigma`` and ``eta``
    (days in the paper). ``lambda = 0`` gives TWAP. ``start``: a Timestamp to label the
    nodes (one interval = ``horizon / N`` days); otherwise nodes are times in days.
    """
    total, T, n, sig, et, ga, ep, tau, eta_tilde = _ac_check(
        shares, horizon, n_intervals, sigma, eta, gamma, epsilon
    )
    lam = check_positive(risk_aversion, "The risk aversion lambda", allow_zero=True)
    t0 = time.perf_counter()
    kappa = float(ac_kappa(np.array([lam]), sig, eta_tilde, tau)[0])
    t = np.linspace(0.0, T, n + 1)
    hold = _ac_holdings(np.array([kappa]), t, T)[0] * total
    x = -np.diff(hold)
    m = CostModel(np.full(n, ep), np.full(n, et / tau), np.zeros(n), ga, sig**2 * tau)
    times = (
        interval_times(n, start, pd.Timedelta(days=tau), horizon=T)
        if start is not None
        else interval_times(n, None, None, horizon=T)
    )
    half_life = 1 / kappa if kappa > 0 else float("inf")
    notes = [f"kappa = {kappa:.6g} per unit time; half-life 1/kappa = {half_life:.4g}."]
    sched = finish_schedule(
        x,
        total,
        m,
        side=check_side(side),
        strategy="almgren_chriss",
        solver="closed_form",
        times=times,
        lot_size=check_count(lot_size, "The lot size"),
        risk_aversion=lam,
        solve_seconds=time.perf_counter() - t0,
        notes=notes,
    )
    return sched


def almgren_chriss_frontier(
    shares: float,
    horizon: float,
    n_intervals: int,
    sigma: float,
    eta: float,
    gamma: float,
    epsilon: float,
    risk_aversions: VectorLike | None = None,
    *,
    n_points: int = 200,
    holdings: bool = False,
) -> pd.DataFrame:
    """Efficient frontier of optimal execution (Almgren and Chriss (2000), section 2.4, Fig. 1).

    One row per risk aversion ``lambda`` (default ``n_points`` log-spaced values spanning
    half-lives ``1/kappa`` from 100 horizons down to 1/10 of an interval, plus
    ``lambda = 0``): ``kappa``, ``half_life``, ``expected_cost`` E, ``variance`` V,
    ``std`` sqrt(V) and ``utility`` E + lambda V. Every point is the exact discrete
    optimum (vectorised over ``lambda``). ``holdings=True`` adds the trajectories as
    columns ``x_0 .. x_N``.
    """
    total, T, n, sig, et, ga, ep, tau, eta_tilde = _ac_check(
        shares, horizon, n_intervals, sigma, eta, gamma, epsilon
    )
    if risk_aversions is None:
        k_pts = check_count(n_points, "The number of frontier points")
        if sig == 0:
            lams = np.zeros(1)
        else:
            kap = np.geomspace(0.01 / T, 10.0 / tau, max(k_pts - 1, 1))
            lams = np.concatenate([[0.0], 2 * (np.cosh(kap * tau) - 1) / tau**2 * eta_tilde / sig**2])
            lams = lams[:k_pts]
    else:
        lams = np.atleast_1d(np.asarray(risk_aversions, dtype=float))
        if lams.size == 0 or not np.all(np.isfinite(lams)) or (lams < 0).any():
            raise DataError("Risk aversions must be a non-empty list of numbers >= 0.", code="bad_value")
    kappa = ac_kappa(lams, sig, eta_tilde, tau)
    t = np.linspace(0.0, T, n + 1)
    xh = _ac_holdings(kappa, t, T) * total
    nk = -np.diff(xh, axis=1)
    e = 0.5 * ga * total**2 + ep * total + (eta_tilde / tau) * np.sum(nk**2, axis=1)
    v = sig**2 * tau * np.sum(xh[:, 1:] ** 2, axis=1)
    out = pd.DataFrame(
        {
            "kappa": kappa,
            "half_life": np.where(kappa > 0, 1 / np.where(kappa > 0, kappa, 1), np.inf),
            "expected_cost": e,
            "variance": v,
            "std": np.sqrt(v),
            "utility": e + lams * v,
        },
        index=pd.Index(lams, name="risk_aversion"),
    )
    if holdings:
        for j in range(n + 1):
            out[f"x_{j}"] = xh[:, j]
    return out


def annual_volatility(prices: pd.Series, *, window: int = 252, periods_per_year: int = 252) -> float:
    """Annualised volatility of the last ``window`` daily simple returns (ddof=1)."""
    r = prices.astype(float).dropna().pct_change().dropna().iloc[-window:]
    if len(r) < 2:
        raise DataError(f"{prices.name}: too few prices to estimate the volatility.", code="too_short")
    return float(r.std(ddof=1) * math.sqrt(periods_per_year))
