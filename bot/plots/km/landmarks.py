"""Landmarks on a Kaplan–Meier plot, as cBioPortal's extended survival plot draws them: a dashed
line at each landmark time and each curve's survival there, written beside the curve where the
label covers nothing else (curves, marks, other labels, the legend)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from matplotlib import patheffects
from matplotlib.transforms import Bbox

from sts_bot.plots.common import FONT_TICK, REFERENCE_COLOR, group_style, settle_layout
from sts_queries.stats.landmarks import landmarks

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    from sts_queries.stats.survival import KMFit

__all__ = ["LANDMARK_STYLE", "draw_landmark_lines", "label_landmarks", "obstacles"]

LANDMARK_STYLE = {"color": REFERENCE_COLOR, "linestyle": (0, (5, 3)), "linewidth": 1.1}
SHARED_COLOR = "#333333"  # a value several curves share at a landmark (past _OWN_LABELS)
_OWN_LABELS = 4  # up to this many curves, each has its own label at a landmark
_GAP_PT = 3.0  # label to its point, and between stacked labels
_STACK = 8  # how many label heights a label may move away from its point


@dataclass(frozen=True)
class _Value:
    time: float
    survival: float
    text: str
    color: str


def draw_landmark_lines(ax: Axes, times: Sequence[float], xmax: float) -> list[float]:
    """A dashed vertical line at each landmark time inside the axis; the times drawn."""
    drawn = sorted({float(t) for t in times if 0 < float(t) < xmax})
    for t in drawn:
        ax.axvline(t, zorder=1.5, gid="km-landmark", **LANDMARK_STYLE)
    return drawn


def _values(curves: Sequence[tuple[str, KMFit]], times: Sequence[float]) -> list[_Value]:
    """Each curve's survival at each time, in the curve's colour (none past its last follow-up
    unless it is at 0). Up to `_OWN_LABELS` curves two at the same value get a label each, so
    that every label says by its colour whose it is; past that (colours repeat, and a label a
    curve would bury the plot) curves at the same value share one, in a neutral colour."""
    out = []
    for t in times:
        shown: dict[str, list[tuple[int, float]]] = {}
        for i, (_, fit) in enumerate(curves):
            (mark,) = landmarks(fit, [t]) if len(fit.time) else (None,)
            survival = None if mark is None else mark.survival
            if survival is None and len(fit.surv) and float(fit.surv[-1]) == 0.0:
                survival = 0.0  # past its end a curve that reached 0 stays there (the answer's 0%)
            if survival is None:
                continue
            text = f"{100 * survival:.0f}%"
            key = text if len(curves) > _OWN_LABELS else f"{text} {i}"
            shown.setdefault(key, []).append((i, survival))
        for key, members in shown.items():
            color = group_style(members[0][0])["color"] if len(members) == 1 else SHARED_COLOR
            out.append(_Value(t, members[0][1], key.split(" ")[0], color))
    return out


def obstacles(ax: Axes, renderer) -> np.ndarray:
    """What a label must not cover, in display pixels, as rows (x0, y0, x1, y1): every
    segment of every step curve, the median drops and landmark lines, every marker (censor,
    median, ring), the legend. An array, so that a registry's curves (10^5 steps) cost one
    vectorised sum per candidate place, not a Python loop over every step."""
    parts: list[np.ndarray] = []
    to_px = ax.transData.transform
    for line in ax.lines:
        gid = line.get_gid() or ""
        xy = to_px(np.column_stack(line.get_data()).astype(float))
        width = line.get_linewidth() * renderer.points_to_pixels(1) / 2 + 1
        if line.get_marker() not in (None, "None", "", " ") and line.get_linestyle() == "None":
            half = line.get_markersize() * renderer.points_to_pixels(1) / 2
            parts.append(np.hstack([xy - half, xy + half]))
            continue
        if gid == "km-landmark":  # axvline: its data are in axes coordinates vertically
            x = xy[0, 0]
            box = ax.get_window_extent(renderer)
            parts.append(np.array([[x - width, box.y0, x + width, box.y1]]))
            continue
        if line.get_drawstyle() == "steps-post":
            # (x0, y0) -> (x1, y0) -> (x1, y1): a flat run, then the drop
            corners = np.repeat(xy, 2, axis=0)[1:-1]
            corners[1::2, 1] = corners[0::2, 1]
            xy = np.vstack([corners, xy[-1:]])
        if len(xy) < 2:
            continue
        start, end = xy[:-1], xy[1:]
        parts.append(np.hstack([np.minimum(start, end) - width, np.maximum(start, end) + width]))
    legend = ax.get_legend()
    if legend is not None:
        parts.append(np.array([legend.get_window_extent(renderer).extents]))
    return np.vstack(parts) if parts else np.empty((0, 4))


def _covered(box: Bbox, blocked: np.ndarray) -> float:
    """The area of `box` that the obstacles cover, summed over obstacles."""
    w = np.minimum(box.x1, blocked[:, 2]) - np.maximum(box.x0, blocked[:, 0])
    h = np.minimum(box.y1, blocked[:, 3]) - np.maximum(box.y0, blocked[:, 1])
    return float(np.sum(np.where((w > 0) & (h > 0), w * h, 0.0)))


def _candidates(x: float, y: float, w: float, h: float, gap: float):
    """Label boxes around the point (x, y), nearest first: right of the landmark line above
    and below the curve, then left of it, then moved away a label height at a time."""
    for k in range(_STACK + 1):
        up, down = y + gap + k * (h + gap), y - gap - h - k * (h + gap)
        for x0 in (x + gap, x - gap - w):
            for y0 in (up, down):
                yield Bbox.from_bounds(x0, y0, w, h)


def label_landmarks(
    fig: Figure,
    ax: Axes,
    curves: Sequence[tuple[str, KMFit]],
    times: Sequence[float],
) -> list[Text]:
    """Write each curve's survival at each landmark time beside its point.

    Call it last: it settles the layout first (and keeps it: the figure's draw does not lay
    it out again), then puts each label at the nearest place inside the axis that covers
    nothing (else where it covers least); the labels stay out of the layout so that placing
    them moves nothing.
    """
    values = _values(curves, times)
    if not values:
        return []
    renderer = settle_layout(fig, keep=True)  # the labels stay out of the layout
    blocked = obstacles(ax, renderer)
    frame = ax.get_window_extent(renderer)
    gap = renderer.points_to_pixels(_GAP_PT)
    halo = [patheffects.withStroke(linewidth=3, foreground="white")]
    placed = []
    for value in values:
        text = ax.text(
            value.time,
            value.survival,
            value.text,
            color=value.color,
            fontsize=FONT_TICK,
            fontweight="bold",
            ha="left",
            va="bottom",
            zorder=5,
            gid="km-landmark-value",
            path_effects=halo,
        )
        text.set_in_layout(False)
        size = text.get_window_extent(renderer)
        x, y = ax.transData.transform((value.time, value.survival))
        best, best_cost = None, np.inf
        for box in _candidates(x, y, size.width, size.height, gap):
            inside = (
                box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0
                and box.y1 <= frame.y1
            )  # fmt: skip
            if not inside:
                continue
            cost = _covered(box, blocked)
            if cost < best_cost:
                best, best_cost = box, cost
            if cost == 0:
                break
        if best is None:  # nowhere inside: beside the point, as a last resort
            best = Bbox.from_bounds(x + gap, y + gap, size.width, size.height)
        text.set_position(ax.transData.inverted().transform((best.x0, best.y0)))
        blocked = np.vstack([blocked, [best.extents]])
        placed.append(text)
    return placed
