"""Swimmer plot (the paper's Fig. 1): one lane per patient, time on treatment and follow-up
(the marks on the lanes and their legend: `swimmer_marks`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure
from matplotlib.transforms import offset_copy

from sts_bot.plots.common import (
    FONT_LABEL,
    FONT_SMALL,
    FONT_TICK,
    FONT_TITLE,
    HEIGHT_IN,
    RESPONSE_COLORS,
    add_footer,
    new_figure,
    png_of,
    shorten,
    style_axes,
    time_ticks,
    wrap_title,
)
from sts_bot.plots.patients.swimmer_marks import (
    ASSESSMENT,
    CENSORED,
    DATA_CUT,
    FIRST_RESPONSE,
    OFF_TREATMENT_ALPHA,
    PROGRESSION,
    SURGERY,
    draw_legend,
)

__all__ = ["SwimmerLane", "swimmer_plot"]

_LANE_IN = 0.3  # height of one lane
_ONGOING_ARROW = 0.035  # arrow length, as a share of the x axis
# Just right of the lane's end (follow-up stops at surgery): centred on the day it would hide
# the pre-op assessment, which comes a few days before.
_SURGERY_OFFSET_PT = 5.5  # about half the diamond's width


@dataclass(frozen=True)
class SwimmerLane:
    """One patient's lane; times are from the start of treatment, in the plot's unit.

    ``responses`` are the RECIST assessments as ``(time, code)``; ``ongoing`` means still
    followed without progression at the data cut (drawn as an arrow), ``censored`` last seen
    without progression long before it (a "+" at the lane's end); ``data_cut`` is the cut's
    time from this patient's start; ``best_response`` None is drawn as NE.
    """

    label: str
    duration: float
    on_treatment: float
    ongoing: bool
    best_response: str | None
    responses: tuple[tuple[float, str], ...] = ()
    progression: float | None = None
    surgery: float | None = None
    group: str | None = None
    censored: bool = False
    data_cut: float | None = None

    def __post_init__(self) -> None:
        if self.duration < 0 or self.on_treatment < 0:
            raise ValueError(f"{self.label}: duration and on_treatment must be >= 0")


def swimmer_figure_height(n_rows: int) -> float:
    """8 x 5.5 in up to about twelve lanes, then one lane's height more per lane."""
    return max(HEIGHT_IN, 1.9 + _LANE_IN * n_rows)


def _ordered(lanes: Sequence[SwimmerLane]) -> list[tuple[str | None, list[SwimmerLane]]]:
    """Groups in order of first appearance; longest duration first within each."""
    groups: dict[str | None, list[SwimmerLane]] = {}
    for lane in lanes:
        groups.setdefault(lane.group, []).append(lane)
    return [
        (group, sorted(members, key=lambda ln: (-ln.duration, ln.label)))
        for group, members in groups.items()
    ]


def _response_code(code: str | None) -> str:
    code = (code or "NE").upper()
    return code if code in RESPONSE_COLORS else "NE"


def _swimmer_figure(
    lanes: Sequence[SwimmerLane],
    *,
    title: str,
    unit: str = "months",
    data_as_of: dt.date | None = None,
    method_note: str = "",
    stamp: str = "",
) -> Figure:
    """Figure of one bar per patient, coloured by best response, longest follow-up on top."""
    if not lanes:
        raise ValueError("swimmer_plot needs at least one patient")
    grouped = _ordered(lanes)
    show_groups = len(grouped) > 1 or grouped[0][0] is not None
    n_rows = len(lanes) + (len(grouped) if show_groups else 0)

    fig = new_figure(swimmer_figure_height(n_rows))
    ax = fig.subplots()
    style_axes(ax, grid_axis="x")
    fig.suptitle(wrap_title(title), x=0.01, ha="left", fontsize=FONT_TITLE, fontweight="bold")

    xmax = max(lane.duration for lane in lanes) or 1.0
    cut_max = max((lane.data_cut for lane in lanes if lane.data_cut is not None), default=0.0)
    ticks = time_ticks(max(xmax * (1 + 2 * _ONGOING_ARROW), cut_max), unit)
    arrow_len = _ONGOING_ARROW * ticks[-1]

    ypos, labels, seen = [], [], set()
    y = 0.0
    for group, members in grouped:
        if show_groups:
            ax.text(0, y + 0.15, group or "Other", fontsize=FONT_TICK, fontweight="bold", va="top")
            y += 1
        for lane in members:
            code = _response_code(lane.best_response)
            seen.add(code)
            _draw_lane(ax, lane, y, RESPONSE_COLORS[code], arrow_len, seen)
            ypos.append(y)
            labels.append(shorten(lane.label, 18))
            y += 1

    ax.set_yticks(ypos, labels)
    ax.tick_params(axis="y", length=0, labelsize=FONT_TICK if len(lanes) <= 30 else FONT_SMALL)
    ax.set_ylim(y - 0.4, -0.7)
    ax.set_xlim(0, ticks[-1])
    ax.set_xticks(ticks)
    ax.set_xlabel(f"Time from start of treatment ({unit})", fontsize=FONT_LABEL)
    ax.spines["left"].set_visible(False)
    draw_legend(ax, seen, data_as_of)
    add_footer(fig, method_note, stamp)
    return fig


def _draw_lane(ax, lane: SwimmerLane, y: float, color: str, arrow_len: float, seen: set) -> None:
    on = min(lane.on_treatment, lane.duration)
    ax.barh(
        y,
        lane.duration,
        height=0.62,
        color=color,
        alpha=OFF_TREATMENT_ALPHA,
        lw=0,
        gid="swimmer-lane",
    )
    ax.barh(y, on, height=0.62, color=color, lw=0, gid="swimmer-treatment")

    first_response = next(
        (t for t, code in sorted(lane.responses) if code.upper() in ("CR", "PR")), None
    )
    others = [
        t
        for t, code in lane.responses
        if t != first_response and not (code.upper() == "PD" and t == lane.progression)
    ]
    if others:
        ax.plot(others, [y] * len(others), gid="swimmer-assessment", **ASSESSMENT)
        seen.add("assessment")
    if first_response is not None:
        ax.plot([first_response], [y], gid="swimmer-first-response", **FIRST_RESPONSE)
        seen.add("first-response")
    if lane.surgery is not None:
        shifted = offset_copy(ax.transData, fig=ax.figure, x=_SURGERY_OFFSET_PT, units="points")
        ax.plot([lane.surgery], [y], gid="swimmer-surgery", transform=shifted, **SURGERY)
        seen.add("surgery")
    if lane.censored:
        ax.plot([lane.duration], [y], gid="swimmer-censored", clip_on=False, **CENSORED)
        seen.add("censored")
    if lane.data_cut is not None:
        ax.plot([lane.data_cut] * 2, [y - 0.36, y + 0.36], gid="swimmer-data-cut", **DATA_CUT)
        seen.add("data-cut")
    if lane.progression is not None:
        ax.plot([lane.progression], [y], gid="swimmer-progression", **PROGRESSION)
        seen.add("progression")
    if lane.ongoing:
        start = lane.duration + 0.15 * arrow_len
        ax.annotate(
            "",
            xy=(start + arrow_len, y),
            xytext=(start, y),
            arrowprops={
                "arrowstyle": "-|>",
                "color": "black",
                "lw": 1.3,
                "shrinkA": 0,
                "shrinkB": 0,
                "mutation_scale": 11,
            },
            gid="swimmer-ongoing",
        )
        seen.add("ongoing")


# The PNG a reply carries; `_swimmer_figure` is the same figure, for tests that inspect it.
swimmer_plot = png_of(_swimmer_figure)
