"""Kaplan–Meier plot: step curves, censor marks, CI bands, medians, a number-at-risk table and,
when the answer has them, landmark lines with their values, hazard ratios and the median
follow-up."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from sts_bot.plots.common import (
    FONT_LABEL,
    FONT_SMALL,
    FONT_TICK,
    FONT_TITLE,
    HEIGHT_IN,
    add_footer,
    group_style,
    new_figure,
    png_of,
    shorten,
    style_axes,
    time_ticks,
    wrap_title,
)
from sts_bot.plots.km_landmarks import LANDMARK_STYLE, draw_landmark_lines, label_landmarks
from sts_bot.plots.km_words import (
    fmt_hr,
    followup_text,
    hazard_text,
    legend_text,
    listed,
    median_text,
)
from sts_bot.plots.style import endpoint_name

if TYPE_CHECKING:
    from sts_queries.stats.survival import KMFit

__all__ = ["fmt_hr", "km_plot", "median_text"]

AT_RISK_LABEL = "Number at risk"
_ROW_IN = 0.24  # height of one at-risk row
_LEGEND_ROW_IN = 0.2  # one legend line
_MAX_BANDS = 2
# Censor marks are read one by one; past this many (over all curves) they merge into a thick
# band over the curves (a registry's thousands of censoring times) and are left out, saying so.
MAX_CENSOR_MARKS = 400
_BAND_ALPHA = 0.15
_CI_NAMES = {"log-log": "log-log", "log": "log", "plain": "plain", "symmetric": "log-log"}


def km_figure_height(n_curves: int, extra_lines: int = 0) -> float:
    """8 x 5.5 in up to three curves; each further curve adds a legend line and an at-risk row,
    each extra legend or footer line (landmarks, follow-up, a wrapped entry) a line."""
    return (
        HEIGHT_IN + (_ROW_IN + _LEGEND_ROW_IN) * max(0, n_curves - 3) + _LEGEND_ROW_IN * extra_lines
    )


def _km_figure(
    curves: Sequence[tuple[str, KMFit]],
    *,
    title: str,
    unit: str = "months",
    endpoint: str = "",
    test_label: str | None = None,
    method_note: str = "",
    stamp: str = "",
    marked: Sequence[Sequence[float]] = (),
    marked_label: str = "New this week",
    landmarks: Sequence[float] = (),
    followup: Mapping | None = None,
    reference: str | None = None,
    hazards: Mapping[str, tuple[float, float, float]] | None = None,
    hr_test_label: str | None = None,
) -> Figure:
    """Figure of Kaplan–Meier curves ``(label, fit)`` with a number-at-risk table under the axis.

    Confidence bands are drawn for one or two curves; with more they would hide each other.
    ``endpoint`` ("pfs", "os", …) names the y-axis; ``stamp`` says what the data are (e.g.
    reconstructed, as of a date) under the method line. ``marked`` holds, per curve, the
    times of events to ring (the weekly post's new progressions), named ``marked_label``.
    ``landmarks`` are times (in ``unit``) drawn as dashed lines with each curve's survival
    there; ``hazards`` maps each non-reference group to (HR, low, high) against
    ``reference`` (its test in ``hr_test_label``, beside ``test_label``); ``followup`` is the
    reverse-KM median follow-up ({median, ci_low, ci_high}), written in the footer.
    """
    if not curves:
        raise ValueError("km_plot needs at least one curve")
    tmax = max((float(fit.time[-1]) for _, fit in curves if len(fit.time)), default=1.0)
    ticks = time_ticks(tmax, unit)
    entries = [
        legend_text(label, fit, unit, hazard_text(label, reference, hazards or {}))
        for label, fit in curves
    ]
    shown = sorted({float(t) for t in landmarks if 0 < float(t) < ticks[-1]})
    lead = followup_text(followup, unit) if followup else ""
    extra = sum(e.count("\n") for e in entries) + bool(shown) + bool(lead)
    fig = new_figure(km_figure_height(len(curves), extra))
    table_height = 0.45 + _ROW_IN * len(curves)
    ax, ax_risk = fig.subplots(
        2,
        1,
        sharex=True,
        gridspec_kw={"height_ratios": [fig.get_figheight() - table_height, table_height]},
    )
    style_axes(ax)
    # More than two overlapping bands muddy into each other and hide the curves; a curve that
    # never drops (no events) has no band to show, nor to name in the legend.
    bands = len(curves) <= _MAX_BANDS and any(_has_band(fit) for _, fit in curves)
    censorings = sum(int(np.count_nonzero(fit.n_censor)) for _, fit in curves)
    marks = censorings <= MAX_CENSOR_MARKS
    handles = []
    for i, ((label, fit), entry) in enumerate(zip(curves, entries, strict=True)):
        handles.append(
            _draw_curve(ax, label, fit, entry, band=bands, marks=marks, **group_style(i))
        )
    labels = [h.get_label() for h in handles]
    if bands:
        conf = _CI_NAMES.get(curves[0][1].conf_type, curves[0][1].conf_type)
        level = round(100 * curves[0][1].conf_level)
        # The swatch in the bands' own colours (one per curve), as light as the bands.
        swatch = tuple(
            Patch(facecolor=group_style(i)["color"], alpha=_BAND_ALPHA, linewidth=0)
            for i in range(len(curves))
        )
        handles.append(swatch)
        labels.append(f"{level}% CI ({conf})")
    if draw_landmark_lines(ax, shown, ticks[-1]):
        handles.append(Line2D([], [], **LANDMARK_STYLE))
        labels.append(f"Landmark survival at {listed(shown)} {unit}")
    rings = sum(
        _ring_events(ax, fit, times, group_style(i)["color"])
        for i, ((_, fit), times) in enumerate(zip(curves, marked, strict=False))
    )
    if rings:
        handles.append(Line2D([], [], **{**_RING, "markersize": 9}, color="#333333"))
        labels.append(f"{marked_label} ({rings})")
    if censorings and marks:
        handles.append(Line2D([], [], color="#333333", marker="+", linestyle="none", markersize=8))
        labels.append("Censored")
    elif censorings:
        censored = sum(int(np.sum(fit.n_censor)) for _, fit in curves)
        handles.append(Line2D([], [], linestyle="none"))
        labels.append(f"Censored: {censored:,} patients, not marked (too many to show)")

    ax.set_xlim(0, ticks[-1])
    ax.set_xticks(ticks)
    ax.set_ylim(0, 1.04)
    ax.set_yticks(np.linspace(0, 1, 5))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    ax.set_ylabel(endpoint_name(endpoint) if endpoint else "Survival", fontsize=FONT_LABEL)
    ax.tick_params(axis="x", labelbottom=True)
    ax.set_xlabel(f"Time ({unit})", fontsize=FONT_LABEL)
    # Above the axes, never over the curves, whatever shape they take; the test heads it.
    legend = ax.legend(
        handles=handles,
        labels=labels,
        handler_map={tuple: HandlerTuple(ndivide=None, pad=0)},
        loc="lower left",
        bbox_to_anchor=(0, 1.01),
        fontsize=FONT_SMALL,
        frameon=False,
        borderaxespad=0,
        handlelength=2.2,
        title=" · ".join(t for t in (test_label, hr_test_label) if t) or None,
        title_fontsize=FONT_TICK,
        alignment="left",
    )
    legend.set_gid("km-legend")
    if test_label or hr_test_label:
        legend.get_title().set_gid("km-test")
        legend.get_title().set_fontweight("bold")
    fig.suptitle(wrap_title(title), x=0.01, ha="left", fontsize=FONT_TITLE, fontweight="bold")

    _draw_at_risk(ax_risk, curves, ticks)
    add_footer(fig, method_note, stamp, lead=lead)
    # Last: the labels are placed around everything else, in the settled layout.
    label_landmarks(fig, ax, curves, shown)
    return fig


def _has_band(fit: KMFit) -> bool:
    """True when the CI band has a width somewhere (it is the point itself while S = 1)."""
    surv, low, high = (np.asarray(a, float) for a in (fit.surv, fit.lower, fit.upper))
    with np.errstate(invalid="ignore"):
        return bool(np.any((surv < 1) & (high > low)))


_RING = {
    "marker": "o",
    "markersize": 13,
    "markerfacecolor": "none",
    "markeredgewidth": 2,
    "linestyle": "none",
}


def _ring_events(ax, fit: KMFit, times: Sequence[float], color: str) -> int:
    """Ring the curve's drops at ``times`` (only times where the curve has an event)."""
    event_times = np.asarray(fit.time, float)[np.asarray(fit.n_event) > 0]
    at = [t for t in times if np.isclose(event_times, t).any()]
    if not at:
        return 0
    index = [int(np.flatnonzero(np.isclose(fit.time, t))[0]) for t in at]
    before = [float(fit.surv[i - 1]) if i else 1.0 for i in index]
    after = [float(fit.surv[i]) for i in index]
    # At the middle of the drop: the step is what happened.
    ax.plot(
        at,
        [(b + a) / 2 for b, a in zip(before, after, strict=True)],
        color=color,
        clip_on=False,
        zorder=4,
        gid="km-marked",
        **_RING,
    )
    return len(at)


def _steps_through_median(fit: KMFit) -> bool:
    """True when the curve drops across 0.5 at the median (R's midpoint rule gives a median
    inside a flat stretch at exactly 0.5, where a vertical line would show a step that is not
    there)."""
    if fit.median is None:
        return False
    at = np.flatnonzero(np.isclose(np.asarray(fit.time, float), fit.median))
    return at.size > 0 and float(fit.surv[at[0]]) < 0.5


def _draw_curve(
    ax,
    label: str,
    fit: KMFit,
    entry: str,
    *,
    color: str,
    linestyle: str,
    band: bool,
    marks: bool = True,
) -> Line2D:
    time = np.concatenate([[0.0], np.asarray(fit.time, float)])
    surv = np.concatenate([[1.0], np.asarray(fit.surv, float)])
    # Before the first event the band is the point itself (R reports 1 .. 1 there).
    lower = np.concatenate([[1.0], np.where(surv[1:] >= 1, 1.0, fit.lower)])
    upper = np.concatenate([[1.0], np.where(surv[1:] >= 1, 1.0, fit.upper)])

    if band:
        # Explicit steps rather than step="post": an undefined limit (NaN, e.g. log-log where
        # S reaches 0) then blanks only its own interval, not the one before it as well.
        xs = np.repeat(time, 2)[1:]
        xs = np.append(xs, time[-1])
        ax.fill_between(
            xs,
            np.repeat(lower, 2),
            np.repeat(upper, 2),
            color=color,
            alpha=_BAND_ALPHA,
            linewidth=0,
            gid="km-band",
        )
    (line,) = ax.plot(
        time, surv, drawstyle="steps-post", color=color, linestyle=linestyle, lw=2, label=label
    )
    line.set_gid("km-curve")

    censored = np.asarray(fit.n_censor) > 0
    if marks and censored.any():
        # Unclipped: a censoring at the last time or at 100% sits on the axis edge.
        (marks,) = ax.plot(
            np.asarray(fit.time, float)[censored],
            np.asarray(fit.surv, float)[censored],
            linestyle="none",
            marker="+",
            markersize=9,
            markeredgewidth=1.5,
            color=color,
            label="_nolegend_",
            clip_on=False,
        )
        marks.set_gid("km-censor")

    if fit.median is not None:
        # The 50% gridline is the horizontal guide (one for all curves, so none overlap); each
        # curve marks its median on it and, where it steps across 0.5, drops to the axis.
        ax.plot(
            [fit.median],
            [0.5],
            marker="o",
            markersize=5,
            markerfacecolor="white",
            markeredgecolor=color,
            markeredgewidth=1.5,
            linestyle="none",
            zorder=3,
            gid="km-median-point",
        )
        if _steps_through_median(fit):
            below = float(np.asarray(fit.surv)[np.isclose(fit.time, fit.median)][0])
            ax.plot(
                [fit.median, fit.median],
                [0, below],
                color=color,
                linestyle=(0, (4, 3)),
                linewidth=1.1,
                alpha=0.8,
                gid="km-median",
            )

    return Line2D([], [], color=color, linestyle=linestyle, lw=2, label=entry)


def _draw_at_risk(ax, curves: Sequence[tuple[str, KMFit]], ticks: np.ndarray) -> None:
    """One row per curve, the count at each x tick, labelled by the curve's name and colour."""
    ax.set_label("at-risk")
    rows = range(len(curves))
    ax.set_ylim(len(curves) - 0.5, -0.6)
    ax.set_yticks(list(rows), [shorten(label, 22) for label, _ in curves])
    for row, (_, fit) in enumerate(curves):
        color = group_style(row)["color"]
        ax.get_yticklabels()[row].set_color(color)
        for t in ticks:
            ax.text(
                t,
                row,
                str(fit.n_at_risk(float(t))),
                ha="center",
                va="center",
                fontsize=FONT_TICK,
                color=color,
                gid="at-risk-count",
            )
    ax.set_title(AT_RISK_LABEL, loc="left", fontsize=FONT_TICK, fontweight="bold", pad=2)
    # Leave room for the first column of counts, centred on x = 0.
    widest = max(len(str(fit.n)) for _, fit in curves)
    ax.tick_params(axis="y", length=0, labelsize=FONT_TICK, pad=4 + 0.32 * FONT_TICK * widest)
    ax.tick_params(axis="x", length=0, labelbottom=False)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)


# The PNG a reply carries; `_km_figure` is the same figure, for tests that inspect it.
km_plot = png_of(_km_figure)
