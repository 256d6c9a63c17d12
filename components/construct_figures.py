"""Figures of the construction desk: efficient frontier, dendrogram, prior vs posterior."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .figures import base_layout, tick_format
from .safe_text import escaped

__all__ = ["frontier_figure", "dendrogram_figure", "prior_posterior_figure", "declutter_labels", "label_box",
           "frontier_ranges", "LABEL_POSITIONS", "FRONTIER_PLOT_PX"]

#: Where a marker's text label may go, in order of preference (plotly ``textposition`` values).
LABEL_POSITIONS = ("top center", "bottom center", "middle right", "middle left",
                   "top right", "top left", "bottom right", "bottom left")
#: Approximate plot area of the frontier chart (pixels): the 430 px graph less margins, legend and titles.
FRONTIER_PLOT_PX = (520.0, 300.0)


def label_box(x: float, y: float, width: float, height: float, position: str, gap: float) -> tuple:
    """(left, right, bottom, top) of a label of ``width`` x ``height`` at ``position`` around point (x, y).

    Units are pixels; ``gap`` is the distance kept from the point (its marker radius).
    """
    vertical, horizontal = position.split()
    if horizontal == "center":
        left = x - width / 2
    else:
        left = x + gap if horizontal == "right" else x - gap - width
    if vertical == "middle":
        bottom = y - height / 2
    else:
        bottom = y + gap if vertical == "top" else y - gap - height
    return left, left + width, bottom, bottom + height


def _overlapping(boxes: np.ndarray, others: np.ndarray) -> np.ndarray:
    """For each of ``boxes`` (k x 4: left, right, bottom, top), whether it overlaps any of ``others``."""
    if others.size == 0:
        return np.zeros(len(boxes), dtype=bool)
    a, b = boxes[:, None, :], others[None, :, :]
    hit = (a[..., 0] < b[..., 1]) & (b[..., 0] < a[..., 1]) & (a[..., 2] < b[..., 3]) & (b[..., 2] < a[..., 3])
    return hit.any(axis=1)


def declutter_labels(x, y, labels, *, x_range: tuple[float, float], y_range: tuple[float, float],
                     plot_px: tuple[float, float] = FRONTIER_PLOT_PX, font_px: float = 12.0,
                     marker_px: float = 7.0, obstacles=()) -> pd.DataFrame:
    """Place point labels so that none overlaps another label, another point's marker or an obstacle.

    Points are mapped from data to pixels with the axis ranges and the plot size; each
    label (about 0.68 em per character by one line) takes the first position of
    :data:`LABEL_POSITIONS` that collides with nothing placed so far, points taken from
    the most crowded first. A label with no free position is hidden (``position`` None):
    the point keeps its hover text. ``obstacles`` are other marks to keep clear, as
    ``(x, y, half_size_px)`` in data units (the frontier line, the special portfolios).
    Returns one row per label: ``label``, ``position`` and the pixel box
    ``left, right, bottom, top`` (NaN when hidden).
    """
    def to_px(a, b):
        return ((np.asarray(a, float) - x_range[0]) / (x_range[1] - x_range[0]) * plot_px[0],
                (np.asarray(b, float) - y_range[0]) / (y_range[1] - y_range[0]) * plot_px[1])

    xs, ys = to_px(x, y)
    labels = [str(s) for s in labels]
    gap, height = marker_px / 2 + 1, font_px + 2
    markers = np.column_stack([xs - gap, xs + gap, ys - gap, ys + gap]).reshape(-1, 4)
    ox, oy, half = (np.asarray([o[k] for o in obstacles], float) for k in range(3))
    ox, oy = to_px(ox, oy)
    taken = np.column_stack([ox - half, ox + half, oy - half, oy + half]).reshape(-1, 4)  # obstacles, then labels
    crowd = [np.sum(np.abs(xs - a) < 60) + np.sum(np.abs(ys - b) < 20) for a, b in zip(xs, ys, strict=True)]
    rows = [{"label": s, "position": None, "left": np.nan, "right": np.nan, "bottom": np.nan, "top": np.nan}
            for s in labels]
    for i in sorted(range(len(labels)), key=lambda k: -crowd[k]):
        width = 0.68 * font_px * len(labels[i]) + 2
        boxes = np.array([label_box(xs[i], ys[i], width, height, p, gap) for p in LABEL_POSITIONS])
        free = ~_overlapping(boxes, taken) & ~_overlapping(boxes, np.delete(markers, i, axis=0))
        if free.any():
            k = int(np.argmax(free))
            taken = np.vstack([taken, boxes[k]])
            rows[i].update(position=LABEL_POSITIONS[k], left=boxes[k, 0], right=boxes[k, 1], bottom=boxes[k, 2],
                           top=boxes[k, 3])
    out = pd.DataFrame(rows, columns=["label", "position", "left", "right", "bottom", "top"])
    out["position"] = pd.Series([r["position"] for r in rows], dtype=object)
    return out


def _frontier_marks(frontier, current) -> list[tuple[float, float, float]]:
    """Marks asset labels keep clear of: the frontier line (sampled) and the special portfolios' markers."""
    line = [(v, r, 2.0) for v, r in zip(np.asarray(frontier.volatilities, float), np.asarray(frontier.returns, float),
                                        strict=True) if np.isfinite(v) and np.isfinite(r)]  # a point left unsolved
    special = [frontier.min_variance, *([frontier.max_sharpe] if frontier.max_sharpe is not None else [])]
    points = [(a.volatility, a.expected_return, 7.0) for a in special]
    return line + points + ([(current[0], current[1], 7.0)] if current is not None else [])


def frontier_ranges(frontier, current: tuple[float, float] | None = None) -> tuple[tuple, tuple]:
    """The (x, y) axis ranges the frontier chart spans: volatility from 0, returns padded by 5%. A point the
    solver left unsolved (NaN, with a note) is skipped: a NaN range placed every asset label, all overlapping."""
    top = float(np.nanmax([frontier.volatilities.max(), frontier.asset_volatilities.max()]))
    ys = [np.asarray(frontier.returns, float), frontier.asset_returns.to_numpy(float)]
    if frontier.max_sharpe is not None:  # the capital market line's ends widen the y axis too
        ys.append(frontier.capital_market_line(np.array([0.0, top])).to_numpy(float))
    if current is not None:
        ys.append(np.array([current[1]]))
        top = max(top, float(current[0]))
    lo, hi = float(np.nanmin(np.concatenate(ys))), float(np.nanmax(np.concatenate(ys)))
    span = (hi - lo) or 1.0
    return (0.0, top * 1.05), (lo - 0.05 * span, hi + 0.05 * span)


@escaped
def frontier_figure(frontier, theme: str | None, *, current: tuple[float, float] | None = None,
                    current_label: str = "current portfolio") -> go.Figure:
    """Frontier line, assets, capital market line, min-variance and max-Sharpe points, current portfolio.

    Trace 0 is an empty "chosen" marker that the page fills in the browser as sliders move.
    """
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[], y=[], mode="markers", name="chosen", marker={"size": 16, "symbol": "star",
                                                                                 "color": "#fd7e14"}))
    fig.add_trace(go.Scatter(x=frontier.volatilities, y=frontier.returns, mode="lines", name="efficient frontier",
                             line={"width": 3, "color": "#0d6efd"},
                             customdata=frontier.sharpes, hovertemplate="vol %{x:.2%}, return %{y:.2%}, "
                                                                         "Sharpe %{customdata:.2f}<extra></extra>"))
    top = float(np.nanmax([frontier.volatilities.max(), frontier.asset_volatilities.max()]))
    names = list(frontier.asset_returns.index)
    x_range, y_range = frontier_ranges(frontier, current)
    placed = declutter_labels(frontier.asset_volatilities.to_numpy(), frontier.asset_returns.to_numpy(), names,
                              x_range=x_range, y_range=y_range, obstacles=_frontier_marks(frontier, current))
    shown = placed["position"].notna()
    fig.add_trace(go.Scatter(x=frontier.asset_volatilities, y=frontier.asset_returns, mode="markers+text",
                             text=placed["label"].where(shown, "").tolist(),
                             textposition=placed["position"].where(shown, "top center").tolist(), name="assets",
                             hovertext=names, marker={"size": 7, "color": "#6c757d"},
                             hovertemplate="%{hovertext}: vol %{x:.2%}, return %{y:.2%}<extra></extra>"))
    if frontier.max_sharpe is not None:
        vols = np.linspace(0, top, 20)
        fig.add_trace(go.Scatter(x=vols, y=frontier.capital_market_line(vols).to_numpy(), mode="lines",
                                 name="capital market line", line={"dash": "dash", "color": "#198754"}))
        ms = frontier.max_sharpe
        fig.add_trace(go.Scatter(x=[ms.volatility], y=[ms.expected_return], mode="markers", name="max Sharpe",
                                 marker={"size": 12, "color": "#198754", "symbol": "diamond"}))
    mv = frontier.min_variance
    fig.add_trace(go.Scatter(x=[mv.volatility], y=[mv.expected_return], mode="markers", name="min variance",
                             marker={"size": 12, "color": "#6f42c1", "symbol": "square"}))
    if current is not None:
        fig.add_trace(go.Scatter(x=[current[0]], y=[current[1]], mode="markers", name=current_label,
                                 marker={"size": 12, "color": "#dc3545", "symbol": "x"}))
    base_layout(fig, theme, xtitle="Volatility (annual)", ytitle="Expected return (annual)")
    fig.update_xaxes(tickformat=tick_format(".0%"), rangemode="tozero")
    fig.update_yaxes(tickformat=tick_format(".0%"))
    fig.update_layout(hovermode="closest")
    return fig


@escaped
def dendrogram_figure(tree, theme: str | None) -> go.Figure:
    """The HRP cluster tree: one line per merge, leaves labelled by ticker."""
    segments = tree.dendrogram()
    fig = go.Figure()
    for _, seg in segments.groupby("link"):
        fig.add_trace(go.Scatter(x=seg["x"], y=seg["y"], mode="lines", line={"color": "#0d6efd", "width": 1.5},
                                 hoverinfo="skip", showlegend=False))
    leaves = tree.leaf_positions()
    base_layout(fig, theme, ytitle="Distance")
    fig.update_xaxes(tickvals=leaves.to_numpy(), ticktext=list(leaves.index), tickangle=-60)
    fig.update_layout(hovermode=False)
    return fig


@escaped
def prior_posterior_figure(prior: pd.Series, posterior: pd.Series, theme: str | None) -> go.Figure:
    """Black-Litterman equilibrium (prior) against posterior expected returns."""
    fig = go.Figure()
    fig.add_trace(go.Bar(x=list(prior.index), y=prior.to_numpy(), name="prior (equilibrium)",
                         marker_color="#6c757d"))
    fig.add_trace(go.Bar(x=list(posterior.index), y=posterior.reindex(prior.index).to_numpy(), name="posterior",
                         marker_color="#0d6efd"))
    base_layout(fig, theme, yformat=".1%", ytitle="Expected return (annual)")
    fig.update_layout(barmode="group", hovermode="x unified")
    return fig

