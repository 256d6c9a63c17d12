"""Market regimes detected walk-forward (Gaussian mixture on return and volatility
features) with the statistics of each regime.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._checks import check_positive_int
from ..errors import DataError
from .performance import underwater_curve
from .returns import portfolio_returns

if TYPE_CHECKING:
    from sklearn.mixture import GaussianMixture

__all__ = [
    "RegimeResult",
    "detect_regimes",
]


@dataclass(frozen=True)
class RegimeResult:
    """Market regimes detected walk-forward.

    ``states``: by date, the regime number (0 = the lowest mean volatility feature of the
    model in force that day, up to ``n_regimes - 1`` = the highest; -1 before the first
    fit), decided with past data only. ``labels``: the state's name, ``"bull quiet"``,
    ``"bull volatile"``, ``"bear quiet"``, ``"bear volatile"`` (or ``"warm-up"``), given
    from the realised statistics of the days in the state (see :func:`detect_regimes`).
    ``features``: the rolling annualised return and volatility used. ``probabilities``: the
    posterior probability of the assigned state. ``stats``: per label, ``days``, ``share``,
    the realised statistics of the portfolio on those days, ``annual_return`` (mean x P,
    the column bull/bear is judged by), ``volatility`` (the column quiet/volatile is
    judged by), ``sharpe``, ``hit_rate``, ``max_drawdown`` (within the label's days strung
    together) and ``avg_spell`` (mean run length in days), and the mean of the defining
    features over those days, ``feature_return`` and ``feature_volatility``.
    ``fit_dates``: the dates each model was fitted.
    """

    labels: pd.Series
    probabilities: pd.Series
    features: pd.DataFrame
    stats: pd.DataFrame
    fit_dates: tuple[pd.Timestamp, ...]
    states: pd.Series | None = None


def _regime_names(annual_return: np.ndarray, volatility: np.ndarray) -> list[str]:
    """Name regimes from their realised statistics: ``bull`` when the annualised mean
    return is positive, else ``bear``; ``volatile`` when the volatility is above the
    median over regimes (with two regimes: the higher one), else ``quiet``. A name two
    regimes would share gets a number in volatility order (``"bull quiet 1"``)."""
    cut = np.median(volatility)
    top = volatility.max()
    names = []
    for ret, vol in zip(annual_return, volatility, strict=True):
        trend = "bull" if ret > 0 else "bear"
        calm = "volatile" if (vol > cut or (len(volatility) == 2 and vol == top)) else "quiet"
        names.append(f"{trend} {calm}")
    order = np.argsort(volatility, kind="stable")
    for name in set(names):
        same = [i for i in order if names[i] == name]
        if len(same) > 1:
            for rank, i in enumerate(same, start=1):
                names[i] = f"{name} {rank}"
    return names


def _regime_stats(r: np.ndarray, feats: np.ndarray, mask: np.ndarray, warm: int, ppy: int) -> dict[str, float]:
    """Realised statistics of the days in ``mask`` and the mean of their features."""
    rr = r[mask]
    run_starts = np.sum(mask & ~np.concatenate([[False], mask[:-1]]))
    sd_r = float(np.std(rr, ddof=1)) if rr.size > 1 else float("nan")
    return {
        "days": int(mask.sum()),
        "share": float(mask.sum() / warm),
        "annual_return": float(rr.mean() * ppy),
        "volatility": sd_r * math.sqrt(ppy),
        "sharpe": float(rr.mean()) / sd_r * math.sqrt(ppy) if sd_r > 0 else float("nan"),
        "hit_rate": float((rr > 0).mean()),
        "max_drawdown": float(min(underwater_curve(rr).min(), 0.0)),
        "avg_spell": float(mask.sum() / run_starts) if run_starts else float("nan"),
        "feature_return": float(np.nanmean(feats[mask, 0])),
        "feature_volatility": float(np.nanmean(feats[mask, 1])),
    }


def detect_regimes(
    returns: pd.Series | pd.DataFrame,
    *,
    window: int = 21,
    n_regimes: int = 2,
    min_train: int = 504,
    refit_every: int = 252,
    periods_per_year: int = 252,
    weights: pd.Series | Mapping[str, float] | np.ndarray | None = None,
    seed: int = 0,
) -> RegimeResult:
    """Bull/bear and quiet/volatile regimes from a Gaussian mixture, without look-ahead.

    Features at date ``t`` are the trailing ``window``-day annualised mean return and
    volatility (returns up to ``t`` only). A scikit-learn ``GaussianMixture``
    (Dempster, Laird & Rubin 1977 EM; regime view of Hamilton 1989) with ``n_regimes``
    components is fitted on standardised features **up to a refit date** and assigns
    the following ``refit_every`` days; it is then refitted on the expanding history
    (walk forward). The first fit needs ``min_train`` days of features; earlier dates
    are ``"warm-up"``. Each model's components are numbered by their mean volatility
    feature (state 0 the calmest), so a state means the same across refits. The state
    of any date never depends on later data: truncating the history leaves earlier
    states unchanged.

    Each state is then **named from the realised statistics of the days assigned to
    it**, the numbers of ``stats``: ``bull`` if their annualised mean return is
    positive, else ``bear``; ``volatile`` if their volatility is above the median over
    states, else ``quiet``. So a label always agrees with the table (the mixture's own
    component means, on trailing features, can disagree with the days' returns); the
    names describe the analysed period as a whole, and ``feature_return`` /
    ``feature_volatility`` show the trailing features that defined the states.
    """
    series = portfolio_returns(returns, weights)
    window = check_positive_int(window, "feature window", 2)
    n_regimes = check_positive_int(n_regimes, "number of regimes", 2)
    if n_regimes > 4:
        raise DataError("Use at most 4 regimes (bull/bear x quiet/volatile).", code="bad_parameter")
    min_train = check_positive_int(min_train, "training length", 50)
    refit_every = check_positive_int(refit_every, "refit interval", 1)
    ppy = check_positive_int(periods_per_year, "periods per year")
    if window + min_train > len(series):
        raise DataError(
            f"Regime detection needs {window + min_train} days ({window}-day features plus {min_train} "
            f"days of training) but the history has {len(series)}. Load more history or lower min_train.",
            code="window_too_long",
        )
    roll = series.rolling(window)
    feats = pd.DataFrame({"return": roll.mean() * ppy, "volatility": roll.std() * math.sqrt(ppy)}).dropna()
    states, probs, fit_positions = _walk_forward_states(feats.to_numpy(), n_regimes, min_train, refit_every, seed)
    state = pd.Series(states, index=feats.index, name="state").reindex(series.index).fillna(-1).astype(int)
    prob = pd.Series(probs, index=feats.index, name="probability").reindex(series.index)
    lab, table = _named_regimes(series, state, feats, ppy)
    fit_dates = tuple(feats.index[i] for i in fit_positions)
    return RegimeResult(
        labels=lab, probabilities=prob, features=feats, stats=table, fit_dates=fit_dates, states=state
    )


def _walk_forward_states(
    features: np.ndarray, n_regimes: int, min_train: int, refit_every: int, seed: int
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """State (-1 before the first fit) and its probability per feature row, refitting on the
    expanding history every ``refit_every`` rows; also the position of each fit's last training row."""
    from threadpoolctl import threadpool_limits

    n_rows = features.shape[0]
    states = np.full(n_rows, -1, dtype=int)
    probs = np.full(n_rows, np.nan)
    fit_positions = []
    start = min_train
    first = True
    with threadpool_limits(limits=1):  # 2 x 2 matrices: BLAS threads only add overhead
        while start < n_rows:
            train = features[:start]
            mu, sd = train.mean(axis=0), train.std(axis=0)
            sd = np.where(sd > 0, sd, 1.0)
            model, rank = _fit_mixture((train - mu) / sd, n_regimes, seed)
            stop = min(n_rows, start + refit_every)
            # the first model also labels the last training date (its features use no later data)
            lo = start - 1 if first else start
            post = model.predict_proba((features[lo:stop] - mu) / sd)
            states[lo:stop] = rank[post.argmax(axis=1)]
            probs[lo:stop] = post.max(axis=1)
            fit_positions.append(start - 1)
            first = False
            start = stop
    return states, probs, fit_positions


def _fit_mixture(standardised: np.ndarray, n_regimes: int, seed: int) -> tuple[GaussianMixture, np.ndarray]:
    """A fitted Gaussian mixture and the state of each component, numbered by mean volatility feature."""
    from sklearn.mixture import GaussianMixture

    model = GaussianMixture(n_components=n_regimes, covariance_type="full", random_state=seed, reg_covar=1e-6)
    model.fit(standardised)
    rank = np.empty(n_regimes, dtype=int)
    rank[np.argsort(model.means_[:, 1], kind="stable")] = np.arange(n_regimes)
    return model, rank


def _named_regimes(
    series: pd.Series, state: pd.Series, feats: pd.DataFrame, ppy: int
) -> tuple[pd.Series, pd.DataFrame]:
    """Name each state from the realised statistics of its days; the label per date and the stats table."""
    day_returns = series.to_numpy()
    day_states = state.to_numpy()
    day_features = feats.reindex(series.index).to_numpy()
    present = sorted(set(day_states) - {-1})
    n_assigned = int((day_states != -1).sum())
    rows = [_regime_stats(day_returns, day_features, day_states == k, n_assigned, ppy) for k in present]
    names = _regime_names(
        np.array([q["annual_return"] for q in rows]), np.array([q["volatility"] for q in rows])
    )
    label_of = dict(zip(present, names, strict=True)) | {-1: "warm-up"}
    labels = state.map(label_of).rename("regime")
    table = pd.DataFrame(rows, index=pd.Index(names, name="regime")).sort_index()
    return labels, table
