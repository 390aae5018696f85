"""Competing-risks plot: the cumulative incidence of the endpoint (solid, with its CI band for
one or two groups) and of each competing endpoint (dashed, dotted) per group in the group's
colour, rising from 0; landmark lines; the number-at-risk table under it, as the KM plot's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from sts_bot.plots.common import (
    FONT_LABEL,
    FONT_SMALL,
    FONT_TICK,
    FONT_TITLE,
    add_footer,
    group_style,
    new_figure,
    png_of,
    shorten,
    style_axes,
    time_ticks,
    wrap_title,
)
from sts_bot.plots.km.at_risk import at_risk_height, draw_at_risk
from sts_bot.plots.km.curves import BAND_ALPHA
from sts_bot.plots.km.figure import km_figure_height
from sts_bot.plots.km.landmarks import LANDMARK_STYLE, draw_landmark_lines, label_landmarks
from sts_bot.plots.km.words import fmt_hr, listed

if TYPE_CHECKING:
    from sts_queries.stats.aalen_johansen import CumulativeIncidence

__all__ = ["CAUSE_STYLES", "incidence_plot"]

# The endpoint solid, the competing endpoints dashed then dotted: told apart in any colour.
CAUSE_STYLES = ("-", (0, (6, 3)), (0, (1.5, 2)), (0, (6, 2, 1.5, 2)))
_MAX_BANDS = 2


class _OfInterest:
    """The endpoint's incidence in the shape the KM plot's landmark labels read (its time,
    curve, value and limits at a time, number at risk), so they are placed the same way."""

    def __init__(self, fit: CumulativeIncidence) -> None:
        self.fit, self.time, self.surv = fit, fit.time, fit.incidence[:, 0]

    def at(self, t: float) -> tuple[float, float, float]:
        return self.fit.at(t, 1)[:3]

    def n_at_risk(self, t: float) -> int:
        return self.fit.n_at_risk(t)


def _steps(fit: CumulativeIncidence, column: int) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.concatenate([[0.0], np.asarray(fit.time, float)]),
        np.concatenate([[0.0], np.asarray(fit.incidence[:, column], float)]),
    )


def _band(ax, fit: CumulativeIncidence, color: str) -> None:
    time, p = _steps(fit, 0)
    # Where the curve is still 0 the band is the point itself (R's limits are NA there).
    low = np.concatenate([[0.0], np.where(p[1:] > 0, fit.lower[:, 0], 0.0)])
    high = np.concatenate([[0.0], np.where(p[1:] > 0, fit.upper[:, 0], 0.0)])
    xs = np.append(np.repeat(time, 2)[1:], time[-1])
    ax.fill_between(
        xs, np.repeat(low, 2), np.repeat(high, 2), color=color, alpha=BAND_ALPHA, linewidth=0,
        gid="cif-band",
    )  # fmt: skip


def _entry(label: str, fit, causes: Sequence[str], hazard: str) -> str:
    events = ", ".join(f"{k} {c}" for k, c in zip(fit.events, causes, strict=True))
    text = f"{shorten(label, 30)}: n = {fit.n}, {events}"
    return f"{text}; {hazard}" if hazard else text


def _hazard(label: str, reference: str | None, hazards: Mapping) -> str:
    if not hazards or reference is None:
        return ""
    if label == reference:
        return "SHR 1 (reference)"
    if label not in hazards:
        return "no SHR"
    shr, low, high = hazards[label]
    return f"SHR {fmt_hr(shr)} (95% CI {fmt_hr(low)}–{fmt_hr(high)})"


def _incidence_figure(
    curves: Sequence[tuple[str, CumulativeIncidence]],
    *,
    causes: Sequence[str],
    title: str,
    unit: str = "months",
    test_label: str | None = None,
    method_note: str = "",
    stamp: str = "",
    landmarks: Sequence[float] = (),
    reference: str | None = None,
    hazards: Mapping[str, tuple[float, float, float]] | None = None,
    min_at_risk: int | None = None,
) -> Figure:
    """Cumulative incidence curves ``(label, fit)`` of every cause in ``causes`` (the endpoint
    first), with a number-at-risk table under the axis (counts under ``min_at_risk`` as <k)."""
    if not curves:
        raise ValueError("incidence_plot needs at least one curve")
    tmax = max((float(fit.time[-1]) for _, fit in curves if len(fit.time)), default=1.0)
    ticks = time_ticks(tmax, unit)
    shown = sorted({float(t) for t in landmarks if 0 < float(t) < ticks[-1]})
    fig = new_figure(km_figure_height(len(curves), len(causes) + bool(shown)))
    table_height = at_risk_height(len(curves))
    ax, ax_risk = fig.subplots(
        2,
        1,
        sharex=True,
        gridspec_kw={"height_ratios": [fig.get_figheight() - table_height, table_height]},
    )
    style_axes(ax)
    bands = len(curves) <= _MAX_BANDS
    handles, labels = [], []
    for i, (label, fit) in enumerate(curves):
        color = group_style(i)["color"]
        if bands and np.any(fit.incidence[:, 0] > 0):
            _band(ax, fit, color)
        for column in range(len(causes)):
            time, p = _steps(fit, column)
            ax.plot(
                time, p, drawstyle="steps-post", color=color, lw=2 if column == 0 else 1.6,
                linestyle=CAUSE_STYLES[column % len(CAUSE_STYLES)],
                gid="cif-curve" if column == 0 else "cif-competing",
            )  # fmt: skip
        handles.append(Patch(facecolor=color, linewidth=0))
        labels.append(_entry(label, fit, causes, _hazard(label, reference, hazards or {})))
    for column, cause in enumerate(causes):
        style = CAUSE_STYLES[column % len(CAUSE_STYLES)]
        handles.append(Line2D([], [], color="#333333", linestyle=style, lw=2))
        labels.append(cause if column == 0 else f"{cause} (competing)")
    if bands:
        handles.append(Patch(facecolor="#333333", alpha=BAND_ALPHA, linewidth=0))
        labels.append(f"95% CI of {causes[0]} (log)")
    if draw_landmark_lines(ax, shown, ticks[-1]):
        handles.append(Line2D([], [], **LANDMARK_STYLE))
        labels.append(f"{causes[0]} at {listed(shown)} {unit} (the labels)")

    ax.set_xlim(0, ticks[-1])
    ax.set_xticks(ticks)
    ax.set_ylim(0, 1.04)
    ax.set_yticks(np.linspace(0, 1, 5))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    ax.set_ylabel("Cumulative incidence", fontsize=FONT_LABEL)
    ax.tick_params(axis="x", labelbottom=True)
    ax.set_xlabel(f"Time ({unit})", fontsize=FONT_LABEL)
    legend = ax.legend(
        handles=handles,
        labels=labels,
        loc="lower left",
        bbox_to_anchor=(0, 1.01),
        fontsize=FONT_SMALL,
        frameon=False,
        borderaxespad=0,
        handlelength=2.6,
        title=test_label,
        title_fontsize=FONT_TICK,
        alignment="left",
    )
    legend.set_gid("cif-legend")
    if test_label:
        legend.get_title().set_fontweight("bold")
    fig.suptitle(wrap_title(title), x=0.01, ha="left", fontsize=FONT_TITLE, fontweight="bold")
    draw_at_risk(ax_risk, curves, ticks, min_at_risk)
    add_footer(fig, method_note, stamp)
    # Last: the labels are placed around everything else, in the settled layout.
    label_landmarks(fig, ax, [(label, _OfInterest(fit)) for label, fit in curves], shown)
    return fig


# The PNG a reply carries; `_incidence_figure` is the same figure, for tests that inspect it.
incidence_plot = png_of(_incidence_figure)
