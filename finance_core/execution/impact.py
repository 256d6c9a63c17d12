"""The temporary-impact model per interval and its fit to an order book."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize as _sopt

from .._checks import check_count
from ..errors import DataError
from ._checks import check_side, check_vector

#: The impact curves :func:`fit_impact` fits.
ImpactForm = Literal["linear", "quadratic"]


@dataclass(frozen=True)
class ImpactModel:
    """Temporary impact per share ``g_t(n) = c_t + b_t n + a_t n^2`` for each interval ``t``.

    ``half_spread`` (``c_t``, currency per share), ``linear`` (``b_t``, currency per
    share per share) and ``quadratic`` (``a_t``) are Series indexed by interval.
    ``model`` is ``"linear"`` (``a_t = 0``) or ``"quadratic"``. ``fit_quality`` has one
    row per interval (``r2_train``, ``r2_test``, ``rmse_test``, ``n_train``, ``n_test``)
    and ``r2_test``/``rmse_test`` pool the held-out snapshots of all intervals.
    """

    half_spread: pd.Series
    linear: pd.Series
    quadratic: pd.Series
    model: str = "linear"
    side: str = "buy"
    fit_quality: pd.DataFrame | None = None
    r2_train: float = float("nan")
    r2_test: float = float("nan")
    rmse_test: float = float("nan")
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n_intervals(self) -> int:
        return len(self.linear)

    @classmethod
    def from_coefficients(
        cls,
        half_spread: ArrayLike = 0.0,
        linear: ArrayLike | None = None,
        quadratic: ArrayLike = 0.0,
        *,
        n_intervals: int = 1,
    ) -> ImpactModel:
        """An impact model from given coefficients (scalars are repeated over ``n_intervals``).

        Every ``linear`` coefficient must be positive: a free interval would absorb the
        whole order.
        """
        if linear is None:
            raise DataError(
                "Give the linear impact coefficient b (currency per share per share).", code="missing_value"
            )
        n = None
        for v in (half_spread, linear, quadratic):
            if np.ndim(v) == 1:
                n = int(np.shape(v)[0])
        n = n or check_count(n_intervals, "The number of intervals")
        c = check_vector(half_spread, n, "The half spread")
        b = check_vector(linear, n, "The linear impact coefficient", allow_zero=False)
        a = check_vector(quadratic, n, "The quadratic impact coefficient")
        idx = pd.RangeIndex(1, n + 1, name="interval")
        model = "quadratic" if (a > 0).any() else "linear"
        return cls(
            pd.Series(c, idx, name="half_spread"),
            pd.Series(b, idx, name="linear"),
            pd.Series(a, idx, name="quadratic"),
            model=model,
        )

    def coefficients(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        c, b, a = (s.to_numpy(dtype=float) for s in (self.half_spread, self.linear, self.quadratic))
        k = len(b)
        if n == k:
            return c, b, a
        pos = np.minimum((np.arange(n) + 0.5) * k / n, k - 1e-9).astype(
            int
        )  # interval i -> model interval by time
        return c[pos], b[pos], a[pos]

    def per_share(self, sizes: ArrayLike) -> pd.DataFrame:
        """Fitted slippage per share: sizes x intervals (for the fitted-curve chart)."""
        q = np.asarray(sizes, dtype=float)
        c, b, a = (s.to_numpy(dtype=float) for s in (self.half_spread, self.linear, self.quadratic))
        vals = c[None, :] + b[None, :] * q[:, None] + a[None, :] * q[:, None] ** 2
        return pd.DataFrame(vals, index=pd.Index(q, name="shares"), columns=self.linear.index)


def fit_impact(
    slippage: pd.DataFrame,
    model: ImpactForm = "linear",
    *,
    side: str = "buy",
    n_intervals: int | None = 13,
    holdout: float = 0.25,
    seed: int | None = 0,
) -> ImpactModel:
    """Fit ``g_t(n) = c_t + b_t n (+ a_t n^2)`` per interval to book slippage, honestly scored.

    Snapshots (rows of ``slippage``, in time order) are cut into ``n_intervals``
    consecutive intervals of equal count (``None``: one snapshot per interval is not
    allowed, so the default is 13 half-hour intervals of a 390-minute day). In each
    interval a seeded fraction ``holdout`` of the snapshots is held out; the
    coefficients are a non-negative least-squares fit (Lawson and Hanson (1974),
    "Solving Least Squares Problems", ch. 23) on the rest, so the cost ``n g_t(n)`` is
    convex. Out-of-sample quality is ``R^2 = 1 - SSE/SST`` and the RMSE on the held-out
    snapshots only. Sizes the book could not fill (NaN) are skipped. ``side`` is the side
    the slippage was walked for (the ``side=`` given to ``estimate_slippage``); the model
    records it.
    """
    kind = _check_fit_inputs(slippage, model, holdout)
    book_side = check_side(side)
    q = np.asarray(slippage.columns, dtype=float)
    y_all = slippage.to_numpy(dtype=float)
    n_snap = y_all.shape[0]
    k = 13 if n_intervals is None else check_count(n_intervals, "The number of intervals")
    per = n_snap // k
    if per < 2:
        raise DataError(
            f"{n_snap} snapshots are too few for {k} intervals: each interval needs at least 2 snapshots "
            f"(one to fit, one to test). Use at most {max(n_snap // 2, 1)} intervals or more snapshots.",
            code="too_few",
        )
    rng = np.random.default_rng(seed)
    groups = np.array_split(np.arange(n_snap), k)
    coefs = np.zeros((k, 3))
    fits = []
    for t, g in enumerate(groups):
        n_test = max(1, int(round(holdout * len(g))))
        perm = rng.permutation(len(g))
        test, train = g[perm[:n_test]], g[perm[n_test:]]
        if len(train) == 0:
            train, test = test, test
        fit = _fit_interval(t, q, kind, y_all[train], y_all[test])
        coefs[t, : len(fit.beta)] = fit.beta
        fits.append(fit)
    notes = _floor_linear(coefs)
    times = slippage.index
    labels = pd.Index([times[g[0]] for g in groups], name="interval_start")
    quality = pd.DataFrame(
        [f.row for f in fits], index=labels, columns=["r2_train", "r2_test", "rmse_test", "n_train", "n_test"]
    )
    res, yy = np.concatenate([f.res_test for f in fits]), np.concatenate([f.y_test for f in fits])
    rtr, ytr = np.concatenate([f.res_train for f in fits]), np.concatenate([f.y_train for f in fits])
    return ImpactModel(
        half_spread=pd.Series(coefs[:, 0], labels, name="half_spread"),
        linear=pd.Series(coefs[:, 1], labels, name="linear"),
        quadratic=pd.Series(coefs[:, 2], labels, name="quadratic"),
        model=kind,
        side=book_side,
        fit_quality=quality,
        r2_train=_pooled_r2(rtr, ytr),
        r2_test=_pooled_r2(res, yy),
        rmse_test=float(np.sqrt(np.mean(res**2))) if res.size else float("nan"),
        notes=tuple(notes),
    )


def _check_fit_inputs(slippage: pd.DataFrame, model: str, holdout: float) -> str:
    """The model name of :func:`fit_impact` (``linear`` or ``quadratic``) after checking its inputs."""
    if not isinstance(slippage, pd.DataFrame) or slippage.empty:
        raise DataError(
            "fit_impact needs the DataFrame from estimate_slippage (snapshots x sizes).", code="bad_input"
        )
    kind = str(model).lower()
    if kind not in ("linear", "quadratic"):
        raise DataError(
            f"Impact model {model!r} is not known. Use 'linear' or 'quadratic'.", code="bad_option"
        )
    if not 0 < float(holdout) < 1:
        raise DataError(f"The held-out fraction must be between 0 and 1; got {holdout!r}.", code="bad_value")
    return kind


@dataclass(frozen=True)
class _IntervalFit:
    """One interval's fit: coefficients, its quality row and the finite residuals and values it pools."""

    beta: np.ndarray
    row: tuple[float, float, float, int, int]  # r2_train, r2_test, rmse_test, n_train, n_test
    res_test: np.ndarray
    y_test: np.ndarray
    res_train: np.ndarray
    y_train: np.ndarray


def _fit_interval(t: int, q: np.ndarray, kind: str, y_tr: np.ndarray, y_test: np.ndarray) -> _IntervalFit:
    """Non-negative least squares of the slippage of sizes ``q`` on the training snapshots, scored on the test ones."""
    design = [np.ones_like(q), q] + ([q**2] if kind == "quadratic" else [])
    scale = np.array([1.0, q.max(), q.max() ** 2][: len(design)])
    X1 = np.column_stack(design) / scale
    X_tr = np.tile(X1, (len(y_tr), 1))
    ok = np.isfinite(y_tr.ravel())
    if ok.sum() < X1.shape[1]:
        raise DataError(
            f"Interval {t + 1}: too few fillable sizes to fit ({int(ok.sum())}). Use smaller trade sizes "
            "or a deeper book.",
            code="too_few",
        )
    beta, _ = _sopt.nnls(X_tr[ok], y_tr.ravel()[ok])
    beta = beta / scale
    fit = beta[0] + beta[1] * q + (beta[2] * q**2 if kind == "quadratic" else 0.0)
    res_te = (y_test - fit[None, :]).ravel()
    y_te = y_test.ravel()
    res_tr = (y_tr - fit[None, :]).ravel()
    okt = np.isfinite(y_te)
    r2_te = (
        1 - np.sum(res_te[okt] ** 2) / max(np.sum((y_te[okt] - y_te[okt].mean()) ** 2), 1e-300)
        if okt.sum() > 1
        else np.nan
    )
    r2_tr = 1 - np.sum(res_tr[ok] ** 2) / max(np.sum((y_tr.ravel()[ok] - y_tr.ravel()[ok].mean()) ** 2), 1e-300)
    rmse = float(np.sqrt(np.mean(res_te[okt] ** 2))) if okt.any() else np.nan
    row = (r2_tr, r2_te, rmse, int(ok.sum()), int(okt.sum()))
    return _IntervalFit(beta, row, res_te[okt], y_te[okt], res_tr[ok], y_tr.ravel()[ok])


def _floor_linear(coefs: np.ndarray) -> list[str]:
    """Raise linear coefficients (column 1 of ``coefs``, in place) that fitted to zero to a small floor; the note."""
    floor = 1e-9 * max(float(np.nanmax(coefs[:, 1])), 1e-12)
    if not (coefs[:, 1] <= 0).any():
        return []
    coefs[:, 1] = np.maximum(coefs[:, 1], floor)
    return ["Some intervals fitted no linear impact; a small positive floor was used so no interval is free."]


def _pooled_r2(res: np.ndarray, y: np.ndarray) -> float:
    """``1 - SSE / SST`` over the pooled residuals ``res`` of values ``y`` (NaN with fewer than 2)."""
    return float(1 - np.sum(res**2) / np.sum((y - y.mean()) ** 2)) if y.size > 1 else float("nan")
