"""Hierarchical risk parity (HRP) and the cluster tree behind it.

HRP (López de Prado, 2016) allocates in three steps:

1. **Tree clustering.** The correlation matrix :math:`\\rho` is turned into the
   distance :math:`d_{ij} = \\sqrt{(1 - \\rho_{ij}) / 2}` and the assets are merged
   bottom-up by agglomerative clustering (``single``, ``average``, ``complete`` or
   ``ward`` linkage, :func:`scipy.cluster.hierarchy.linkage`).
2. **Quasi-diagonalisation.** Assets are reordered as the leaves of the tree,
   left to right, so that similar assets sit next to each other.
3. **Recursive bisection.** Starting with all assets at weight 1, each ordered
   list is split in two halves :math:`L` and :math:`R`; each half gets the
   inverse-variance portfolio :math:`\\tilde w_i \\propto 1/\\sigma_i^2` and its
   variance :math:`V = \\tilde w' \\Sigma \\tilde w`; the split factor is
   :math:`\\alpha = 1 - V_L / (V_L + V_R)`; weights in :math:`L` are multiplied by
   :math:`\\alpha` and those in :math:`R` by :math:`1 - \\alpha`; repeat on each half.

The bisection here evaluates every cluster variance in constant time from a 2-D
prefix sum of :math:`v_i v_j \\Sigma_{ij}` (:math:`v_i = 1/\\sigma_i^2`) over the
quasi-diagonal order, one vectorised pass per tree level, so the whole allocation
costs :math:`O(N^2)` after the clustering.

References
----------
.. [1] López de Prado, M. (2016). "Building Diversified Portfolios that Outperform
   Out of Sample". The Journal of Portfolio Management, 42(4), 59-69.
.. [2] López de Prado, M. (2018). *Advances in Financial Machine Learning*,
   chapter 16. Wiley.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.cluster import hierarchy as sch
from scipy.spatial.distance import squareform

from ..errors import DataError, InfeasibleError
from ._checks import covariance_values
from .constraints import Constraints, checked_constraints, weight_bounds
from .defaults import DEFAULT_LINKAGE, DEFAULT_RISK_FREE_RATE, LINKAGE_METHODS, Linkage
from .results import Allocation

__all__ = ["LINKAGE_METHODS", "Linkage", "HierarchicalTree", "hrp_tree", "hrp"]


@dataclass(frozen=True)
class HierarchicalTree:
    """The cluster tree HRP allocates along, with what a dendrogram needs.

    Attributes
    ----------
    linkage : numpy.ndarray
        The scipy linkage matrix, shape ``(n - 1, 4)``: the two merged clusters,
        their distance and the size of the new cluster (rows in merge order).
    tickers : tuple of str
        Tickers in input order: leaf ``i`` of ``linkage`` is ``tickers[i]``.
    order : tuple of str
        Tickers in quasi-diagonal (dendrogram leaf) order, left to right.
    distance : pandas.DataFrame
        The correlation distance :math:`\\sqrt{(1-\\rho)/2}`, tickers x tickers.
    method : str
        The linkage method.
    """

    linkage: np.ndarray
    tickers: tuple[str, ...]
    order: tuple[str, ...]
    distance: pd.DataFrame
    method: str

    def dendrogram(self) -> pd.DataFrame:
        """Line segments of the dendrogram, ready to draw.

        Returns
        -------
        pandas.DataFrame
            One row per point with columns ``link`` (merge number), ``x``, ``y``
            (merge height in distance units): each link is a "U" of four points
            in the order scipy draws them. Leaves sit at ``x = 5, 15, 25, ...``
            in the order of :attr:`order` (see :meth:`leaf_positions`).
        """
        dend = sch.dendrogram(self.linkage, no_plot=True, labels=list(self.tickers))
        xs = np.asarray(dend["icoord"], dtype=float)
        ys = np.asarray(dend["dcoord"], dtype=float)
        n_links = xs.shape[0]
        return pd.DataFrame(
            {
                "link": np.repeat(np.arange(n_links), 4),
                "x": xs.ravel(),
                "y": ys.ravel(),
            }
        )

    def leaf_positions(self) -> pd.Series:
        """x position of each leaf in :meth:`dendrogram` coordinates, in leaf order."""
        return pd.Series(5.0 + 10.0 * np.arange(len(self.order)), index=list(self.order), name="x")


# --------------------------------------------------------------------------- helpers
def _check_linkage(linkage: str) -> Linkage:
    for method in LINKAGE_METHODS:
        if str(linkage).strip().lower() == method:
            return method
    raise DataError(
        f"Unknown linkage {linkage!r}: choose one of {', '.join(LINKAGE_METHODS)}.",
        code="unknown_linkage",
    )


def _moments(
    returns: pd.DataFrame | None, cov: pd.DataFrame | None
) -> tuple[list[str], np.ndarray, np.ndarray, pd.Series | None]:
    """Tickers, correlation and covariance (sample, per period) from the inputs."""
    if cov is not None:
        tickers, c = covariance_values(cov)
        mu = returns.mean() if returns is not None else None
    else:
        if returns is None:
            raise DataError("Pass daily returns (dates x tickers) or a covariance matrix.", code="no_input")
        if not isinstance(returns, pd.DataFrame):
            raise DataError("Returns must be a DataFrame of dates x tickers.", code="bad_returns")
        tickers = [str(t) for t in returns.columns]
        values = returns.to_numpy(dtype=float)
        bad_cols = [tickers[j] for j in np.flatnonzero(~np.isfinite(values).all(axis=0))]
        if bad_cols:
            raise DataError(
                f"Returns have missing or infinite values for {', '.join(bad_cols[:5])}"
                f"{' and others' if len(bad_cols) > 5 else ''}: drop those tickers or choose dates "
                "where every ticker has prices.",
                code="missing_returns",
            )
        if values.shape[0] < 3:
            raise DataError(
                f"HRP needs at least 3 dates of returns to estimate correlations; got {values.shape[0]}.",
                code="too_few_observations",
            )
        c = np.cov(values, rowvar=False, ddof=1)
        mu = returns.mean()
    n = len(tickers)
    if n < 2:
        raise DataError("HRP needs at least two tickers.", code="too_few_assets")
    if len(set(tickers)) != n:
        raise DataError("Tickers must be unique for HRP.", code="duplicate_tickers")
    if not np.isfinite(c).all():
        raise DataError("The covariance has missing or infinite entries.", code="bad_covariance")
    var = np.diag(c).copy()
    flat = [tickers[i] for i in np.flatnonzero(var <= 0)]
    if flat:
        raise DataError(
            f"{', '.join(flat[:5])} {'has' if len(flat) == 1 else 'have'} zero variance over the window "
            "(constant price): HRP needs every asset to move. Remove them or widen the window.",
            code="zero_variance",
        )
    sd = np.sqrt(var)
    corr = np.clip(c / np.outer(sd, sd), -1.0, 1.0)
    np.fill_diagonal(corr, 1.0)
    return tickers, corr, c, mu


def _tree(tickers: list[str], corr: np.ndarray, method: str, optimal_ordering: bool) -> HierarchicalTree:
    dist = np.sqrt(np.clip((1.0 - corr) / 2.0, 0.0, 1.0))
    np.fill_diagonal(dist, 0.0)
    condensed = squareform(dist, checks=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ClusterWarning for near-duplicate rows is harmless here
        link = sch.linkage(condensed, method=method, optimal_ordering=optimal_ordering)
    order = sch.leaves_list(link)
    return HierarchicalTree(
        linkage=link,
        tickers=tuple(tickers),
        order=tuple(tickers[i] for i in order),
        distance=pd.DataFrame(dist, index=tickers, columns=tickers),
        method=method,
    )


def _weight_bounds(
    constraints: Constraints | None, tickers: list[str]
) -> tuple[tuple[np.ndarray, np.ndarray] | None, list[str]]:
    """HRP's per-asset (lower, upper) arrays from ``constraints`` (None when (0, 1)), and notes.

    Recursive bisection can hold weight bounds only: sector limits, a turnover cap and
    costs are left out, with a note that says so.
    """
    if constraints is None:
        return None, []
    cons = checked_constraints(constraints)
    lo, hi, notes = weight_bounds(cons, tickers)
    ignored = [
        name
        for name, on in (
            ("sector limits", bool(cons.sector_bounds)),
            ("the turnover cap", cons.max_turnover is not None),
            ("transaction costs", bool(cons.transaction_cost)),
        )
        if on
    ]
    if ignored:
        notes.append(
            f"HRP keeps the weight bounds but not {' or '.join(ignored)}: recursive bisection has no "
            "place for them; use an optimiser for those."
        )
    if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        raise DataError("The HRP weight bounds must be finite numbers.", code="bad_bounds")
    if (lo < 0).any():
        raise DataError("HRP is long-only: the minimum weight cannot be negative.", code="bad_bounds")
    crossed = [t for t, a, b in zip(tickers, lo, hi, strict=True) if a > b + 1e-12]
    if crossed:
        raise DataError(f"The minimum weight is above the maximum for {', '.join(crossed[:5])}.", code="bad_bounds")
    if lo.sum() > 1 + 1e-9 or hi.sum() < 1 - 1e-9:
        raise InfeasibleError(
            f"The weight bounds cannot add up to 100%: the minimums sum to {lo.sum():.2%} and the maximums to "
            f"{hi.sum():.2%}. Lower the minimum or raise the maximum weight.",
            code="infeasible_bounds",
        )
    if not lo.any() and (hi >= 1).all():
        return None, notes
    return (lo, hi), notes


def _bisection_weights(cov: np.ndarray, order: np.ndarray, bounds: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Recursive bisection along ``order``; returns weights in input order.

    ``bounds``: (lower, upper) arrays in input order. Each split factor is then
    clipped so both halves can still meet their members' bounds (the rule of
    skfolio's and Riskfolio-Lib's constrained HRP): the left half's weight is kept
    in [sum of its minimums, sum of its maximums], then the right half's.
    """
    n = len(order)
    c = cov[np.ix_(order, order)]
    if bounds is not None:
        clo = np.concatenate(([0.0], np.cumsum(bounds[0][order])))
        chi = np.concatenate(([0.0], np.cumsum(bounds[1][order])))
    v = 1.0 / np.diag(c)
    m = c * v[:, None] * v[None, :]
    prefix = np.zeros((n + 1, n + 1))
    prefix[1:, 1:] = m.cumsum(axis=0).cumsum(axis=1)
    cv = np.concatenate(([0.0], np.cumsum(v)))

    def cluster_var(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        total = prefix[b, b] - prefix[a, b] - prefix[b, a] + prefix[a, a]
        return total / (cv[b] - cv[a]) ** 2

    w = np.ones(n)
    starts = np.array([0])
    ends = np.array([n])
    while starts.size:
        mids = starts + (ends - starts) // 2
        var_l = cluster_var(starts, mids)
        var_r = cluster_var(mids, ends)
        alpha = 1.0 - var_l / (var_l + var_r)
        if bounds is not None:
            cluster = w[starts]
            safe = np.where(cluster > 0, cluster, 1.0)
            left_lo, left_hi = (clo[mids] - clo[starts]) / safe, (chi[mids] - chi[starts]) / safe
            right_lo, right_hi = (clo[ends] - clo[mids]) / safe, (chi[ends] - chi[mids]) / safe
            alpha = np.minimum(left_hi, np.maximum(left_lo, alpha))
            alpha = 1.0 - np.minimum(right_hi, np.maximum(right_lo, 1.0 - alpha))
        # per-leaf multipliers: alpha on [start, mid), 1 - alpha on [mid, end), 1 elsewhere
        pos = np.concatenate(([0], starts, mids, ends))
        val = np.concatenate(([1.0], alpha, 1.0 - alpha, np.ones(ends.size)))
        prio = np.concatenate(([1], np.zeros(2 * starts.size, dtype=int), np.ones(ends.size, dtype=int)))
        srt = np.lexsort((prio, pos))
        pos, val = pos[srt], val[srt]
        first = np.ones(pos.size, dtype=bool)
        first[1:] = pos[1:] != pos[:-1]
        pos, val = pos[first], val[first]
        inside = pos < n
        pos, val = pos[inside], val[inside]
        factor = np.repeat(val, np.diff(np.append(pos, n)))
        w *= factor
        # next level: clusters with more than one member
        new_starts = np.concatenate((starts, mids))
        new_ends = np.concatenate((mids, ends))
        keep = (new_ends - new_starts) > 1
        starts, ends = new_starts[keep], new_ends[keep]
    out = np.empty(n)
    out[order] = w
    return out


# --------------------------------------------------------------------------- public
def hrp_tree(
    returns: pd.DataFrame | None = None,
    *,
    linkage: Linkage = DEFAULT_LINKAGE,
    cov: pd.DataFrame | None = None,
    optimal_ordering: bool = False,
) -> HierarchicalTree:
    """Cluster tree of the assets by correlation distance (step 1-2 of HRP).

    Parameters
    ----------
    returns : pandas.DataFrame, optional
        Simple daily returns, dates x tickers. Correlations are the sample ones.
    linkage : {"single", "average", "complete", "ward"}
        Agglomeration method of :func:`scipy.cluster.hierarchy.linkage`.
    cov : pandas.DataFrame, optional
        A covariance to derive correlations from instead of ``returns``.
    optimal_ordering : bool, default False
        Reorder leaves to minimise the distance between neighbours (Bar-Joseph et
        al., 2001). López de Prado's HRP uses the plain order (False).

    Returns
    -------
    HierarchicalTree
        Linkage matrix, leaf order and the distance matrix; ``dendrogram()`` gives
        drawable segments.
    """
    method = _check_linkage(linkage)
    tickers, corr, _, _ = _moments(returns, cov)
    return _tree(tickers, corr, method, optimal_ordering)


def hrp(
    returns: pd.DataFrame | None = None,
    *,
    linkage: Linkage = DEFAULT_LINKAGE,
    cov: pd.DataFrame | None = None,
    constraints: Constraints | None = None,
    optimal_ordering: bool = False,
    risk_free_rate: float = DEFAULT_RISK_FREE_RATE,
    periods_per_year: int = 252,
) -> Allocation:
    """Hierarchical risk parity weights (López de Prado, 2016).

    Distances :math:`d_{ij} = \\sqrt{(1-\\rho_{ij})/2}`, agglomerative clustering
    with ``linkage``, leaves in dendrogram order, then recursive bisection with
    split factor :math:`\\alpha = 1 - V_L/(V_L+V_R)` where :math:`V` is the variance
    of each half's inverse-variance portfolio. Weights are long-only and sum to 1.

    Parameters
    ----------
    returns : pandas.DataFrame, optional
        Simple daily returns, dates x tickers (sample correlation and covariance).
    linkage : {"single", "average", "complete", "ward"}, default "single"
        Linkage of the tree; the original paper uses single linkage.
    cov : pandas.DataFrame, optional
        Use this covariance (for example a shrunk one, in per-period or annual
        units) instead of the sample covariance of ``returns``.
    optimal_ordering : bool, default False
        Optimal leaf ordering of the tree before bisection.
    constraints : Constraints, optional
        HRP reads the weight bounds (``bounds``, every form :class:`Constraints`
        takes). Each split factor is clipped so that both halves can meet their
        members' bounds, as in skfolio's and Riskfolio-Lib's constrained HRP; bounds
        that cannot sum to 100% raise :class:`~finance_core.errors.InfeasibleError`.
        Sector limits, a turnover cap or costs cannot be held by recursive bisection:
        they are left out and the notes say so.
    risk_free_rate : float
        Annual rate for the reported Sharpe ratio.
    periods_per_year : int, default 252
        Annualisation of the reported return and volatility (when ``returns`` is
        given; a given ``cov`` is reported as is).

    Returns
    -------
    Allocation
        ``method="hrp"``, ``solver="recursive_bisection"``; the tree is available
        from :func:`hrp_tree` with the same arguments.

    References
    ----------
    López de Prado, M. (2016). "Building Diversified Portfolios that Outperform Out
    of Sample". The Journal of Portfolio Management, 42(4), 59-69.
    """
    start = time.perf_counter()
    method = _check_linkage(linkage)
    tickers, corr, c, mu = _moments(returns, cov)
    tree = _tree(tickers, corr, method, optimal_ordering)
    order = sch.leaves_list(tree.linkage)
    bounds, notes = _weight_bounds(constraints, tickers)
    w = _bisection_weights(c, order, bounds)
    weights = pd.Series(w, index=tickers, name="weight")
    elapsed = time.perf_counter() - start
    scale = periods_per_year if cov is None else 1.0
    cov_frame = pd.DataFrame(c * scale, index=tickers, columns=tickers)
    mu_ann = mu * periods_per_year if mu is not None else None
    return Allocation.from_weights(
        weights,
        mu=mu_ann,
        cov=cov_frame,
        risk_free_rate=risk_free_rate,
        method=f"hrp_{method}",
        solver="recursive_bisection",
        solve_seconds=elapsed,
        notes=notes,
    )
