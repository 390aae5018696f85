"""Spider plot: a line per patient, the % change of the target lesions from baseline at each
scan over time, with RECIST's −30% and +20% lines (shared with the waterfall: `recist`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure

from sts_bot.plots.common import (
    FONT_LABEL,
    FONT_SMALL,
    FONT_TITLE,
    NOTE_COLOR,
    add_footer,
    new_figure,
    png_of,
    style_axes,
    time_ticks,
    wrap_title,
)
from sts_bot.plots.patients.recist import (
    NEW_LESION,
    Colours,
    capped_limits,
    draw_recist_lines,
    pct_axis,
    recist_legend,
)

__all__ = ["spider_plot"]

# Lines up to this many are named at their last scan; past it the names would overlap.
_NAMED = 20


def _spider_figure(
    lines: Sequence[Mapping],
    *,
    title: str,
    unit: str,
    by: str | None = None,
    pr_line: float = -30.0,
    pd_line: float = 20.0,
    method_note: str = "",
    stamp: str = "",
) -> Figure:
    """Each patient's % change over time from its baseline (0% at its first scan)."""
    if not lines:
        raise ValueError("spider_plot needs at least one patient")
    fig = new_figure()
    ax = fig.subplots()
    style_axes(ax, grid_axis="y")
    fig.suptitle(wrap_title(title), x=0.01, ha="left", fontsize=FONT_TITLE, fontweight="bold")
    ax.set_title(
        f"{len(lines)} measured patient{'s' if len(lines) != 1 else ''}",
        loc="left",
        fontsize=FONT_SMALL,
        color=NOTE_COLOR,
    )
    values = [float(p["change_pct"]) for line in lines for p in line["points"]]
    low, high = capped_limits(values)
    times = [float(p["time"]) for line in lines for p in line["points"]]
    start = min(0.0, *times)
    ticks = time_ticks(max(times) * 1.08 or 1.0, unit)
    colours = Colours(list(lines), by)
    new_lesion = False
    for line in lines:
        colour = colours.of(line)
        xs = [float(p["time"]) for p in line["points"]]
        ys = [min(float(p["change_pct"]), high) for p in line["points"]]
        ax.plot(
            xs,
            ys,
            color=colour,
            linewidth=1.8,
            marker="o",
            markersize=4.5,
            zorder=4,
            gid="spider-line",
        )
        new = [(x, y) for x, y, p in zip(xs, ys, line["points"], strict=True) if p["new_lesion"]]
        if new:
            new_lesion = True
            ax.plot(*zip(*new, strict=True), zorder=6, gid="spider-new-lesion", **NEW_LESION)
        if len(lines) <= _NAMED:
            ax.annotate(
                str(line["patient_id"]),
                xy=(xs[-1], ys[-1]),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=FONT_SMALL,
                color=colour,
                gid="spider-name",
            )
    draw_recist_lines(ax, pr_line, pd_line)
    pct_axis(ax, low, high)
    ax.set_xlim(start, ticks[-1])
    ax.set_xticks([t for t in ticks if t >= start])
    ax.set_ylabel("Change from baseline (%)", fontsize=FONT_LABEL)
    ax.set_xlabel(f"Time from start of treatment ({unit})", fontsize=FONT_LABEL)
    recist_legend(ax, colours, new_lesion=new_lesion, loc="best", gid="spider-legend", outside=True)
    add_footer(fig, method_note, stamp)
    return fig


# The PNG a reply carries; `_spider_figure` is the same figure, for tests that inspect it.
spider_plot = png_of(_spider_figure)
