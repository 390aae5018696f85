"""Kaplan–Meier plot: the figure around the curves (`curves`) and the number-at-risk table
under them (`at_risk`): its size, axes, legend (with, when the answer has them, landmark lines,
hazard ratios and the median follow-up, worded in `words`), title and footer."""

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
    style_axes,
    time_ticks,
    wrap_title,
)
from sts_bot.plots.km.at_risk import ROW_IN, at_risk_height, draw_at_risk
from sts_bot.plots.km.curves import BAND_ALPHA, RING, draw_curve, has_band, ring_events
from sts_bot.plots.km.landmarks import LANDMARK_STYLE, draw_landmark_lines, label_landmarks
from sts_bot.plots.km.words import (
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

_LEGEND_ROW_IN = 0.2  # one legend line
_MAX_BANDS = 2
# Censor marks are read one by one; past this many (over all curves) they merge into a thick
# band over the curves (a registry's thousands of censoring times) and are left out, saying so.
MAX_CENSOR_MARKS = 400
_CI_NAMES = {"log-log": "log-log", "log": "log", "plain": "plain", "symmetric": "log-log"}


def km_figure_height(n_curves: int, extra_lines: int = 0) -> float:
    """8 x 5.5 in up to three curves; each further curve adds a legend line and an at-risk row,
    each extra legend or footer line (landmarks, follow-up, a wrapped entry) a line."""
    return (
        HEIGHT_IN + (ROW_IN + _LEGEND_ROW_IN) * max(0, n_curves - 3) + _LEGEND_ROW_IN * extra_lines
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
    start: float = 0.0,
    tau: float | None = None,
    min_at_risk: int | None = None,
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
    ``start`` > 0 draws curves conditional on being event-free then (given=) from that time:
    the axis and the at-risk table begin there. ``tau`` (rmst) is drawn as a line: the
    restricted mean is the area under each curve up to it, which is shaded for one curve.
    ``min_at_risk`` (outside patient places) shows smaller numbers at risk as ``<k``.
    """
    if not curves:
        raise ValueError("km_plot needs at least one curve")
    tmax = max((float(fit.time[-1]) for _, fit in curves if len(fit.time)), default=1.0)
    ticks = _ticks_from(start, time_ticks(tmax, unit))
    entries = [
        legend_text(label, fit, unit, hazard_text(label, reference, hazards or {}))
        for label, fit in curves
    ]
    shown = sorted({float(t) for t in landmarks if start < float(t) < ticks[-1]})
    lead = followup_text(followup, unit) if followup else ""
    extra = sum(e.count("\n") for e in entries) + bool(shown) + bool(lead) + bool(tau)
    fig = new_figure(km_figure_height(len(curves), extra))
    table_height = at_risk_height(len(curves))
    ax, ax_risk = fig.subplots(
        2,
        1,
        sharex=True,
        gridspec_kw={"height_ratios": [fig.get_figheight() - table_height, table_height]},
    )
    style_axes(ax)
    # More than two overlapping bands muddy into each other and hide the curves; a curve that
    # never drops (no events) has no band to show, nor to name in the legend.
    bands = len(curves) <= _MAX_BANDS and any(has_band(fit) for _, fit in curves)
    censorings = sum(int(np.count_nonzero(fit.n_censor)) for _, fit in curves)
    marks = censorings <= MAX_CENSOR_MARKS
    handles = []
    for i, ((label, fit), entry) in enumerate(zip(curves, entries, strict=True)):
        handles.append(draw_curve(ax, label, fit, entry, band=bands, marks=marks, **group_style(i)))
    labels = [h.get_label() for h in handles]
    if bands:
        conf = _CI_NAMES.get(curves[0][1].conf_type, curves[0][1].conf_type)
        level = round(100 * curves[0][1].conf_level)
        # The swatch in the bands' own colours (one per curve), as light as the bands.
        swatch = tuple(
            Patch(facecolor=group_style(i)["color"], alpha=BAND_ALPHA, linewidth=0)
            for i in range(len(curves))
        )
        handles.append(swatch)
        labels.append(f"{level}% CI ({conf})")
    if draw_landmark_lines(ax, shown, ticks[-1]):
        handles.append(Line2D([], [], **LANDMARK_STYLE))
        labels.append(f"Landmark survival at {listed(shown)} {unit}")
    if tau is not None:
        handles.append(_draw_tau(ax, tau, curves))
        labels.append(f"τ = {tau:g} {unit}: each RMST is the area under its curve up to τ")
    rings = sum(
        ring_events(ax, fit, times, group_style(i)["color"])
        for i, ((_, fit), times) in enumerate(zip(curves, marked, strict=False))
    )
    if rings:
        handles.append(Line2D([], [], **{**RING, "markersize": 9}, color="#333333"))
        labels.append(f"{marked_label} ({rings})")
    if censorings and marks:
        handles.append(Line2D([], [], color="#333333", marker="+", linestyle="none", markersize=8))
        labels.append("Censored")
    elif censorings:
        censored = sum(int(np.sum(fit.n_censor)) for _, fit in curves)
        handles.append(Line2D([], [], linestyle="none"))
        labels.append(f"Censored: {censored:,} patients, not marked (too many to show)")

    ax.set_xlim(start, ticks[-1])
    ax.set_xticks(ticks)
    ax.set_ylim(0, 1.04)
    ax.set_yticks(np.linspace(0, 1, 5))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    name = endpoint_name(endpoint) if endpoint else "Survival"
    given = f"\ngiven event-free at {start:g} {unit}" if start > 0 else ""
    ax.set_ylabel(name + given, fontsize=FONT_LABEL)
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

    draw_at_risk(ax_risk, curves, ticks, min_at_risk)
    add_footer(fig, method_note, stamp, lead=lead)
    # Last: the labels are placed around everything else, in the settled layout.
    label_landmarks(fig, ax, curves, shown)
    return fig


def _draw_tau(ax, tau: float, curves: Sequence[tuple[str, KMFit]]) -> Line2D:
    """The RMST's horizon as a vertical line; with one curve, the area it measures shaded."""
    style = {"color": "#333333", "linestyle": ":", "linewidth": 1.6}
    ax.axvline(tau, gid="km-tau", zorder=1, **style)
    if len(curves) == 1:
        fit = curves[0][1]
        keep = fit.time <= tau
        x = np.concatenate(([0.0], fit.time[keep], [tau]))
        y = np.concatenate(([1.0], fit.surv[keep], [fit.surv[keep][-1] if keep.any() else 1.0]))
        ax.fill_between(x, y, step="post", color="#999999", alpha=0.18, lw=0, gid="km-rmst")
    return Line2D([], [], **style)


def _ticks_from(start: float, ticks: np.ndarray) -> np.ndarray:
    """The ticks of an axis that begins at `start`: it, then the usual ticks after it, leaving
    out one too close to it to be read apart."""
    if start <= 0:
        return ticks
    step = float(ticks[1] - ticks[0]) if ticks.size > 1 else 1.0
    later = ticks[ticks > start + 0.4 * step]
    if later.size == 0:
        later = np.array([start + step])
    return np.concatenate(([start], later))


# The PNG a reply carries; `_km_figure` is the same figure, for tests that inspect it.
km_plot = png_of(_km_figure)
