"""Waterfall plot: a bar per patient, the best % change of the target lesions from baseline,
largest increase on the left, deepest shrinkage on the right, with RECIST's −30% and +20%
lines (the marks and legend they share with the spider plot: `recist`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure

from sts_bot.plots.common import (
    FONT_LABEL,
    FONT_SMALL,
    FONT_TICK,
    FONT_TITLE,
    NOTE_COLOR,
    add_footer,
    new_figure,
    png_of,
    style_axes,
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
from sts_bot.render.measurements import change

__all__ = ["waterfall_plot"]

# Bars up to this many are named and carry their value; past it the axis would be a smear.
_LABELLED = 30
_NAMED = 60


def _waterfall_figure(
    bars: Sequence[Mapping],
    *,
    title: str,
    measured: int,
    by: str | None = None,
    pr_line: float = -30.0,
    pd_line: float = 20.0,
    method_note: str = "",
    stamp: str = "",
) -> Figure:
    """Bars in the order given (the answer sorts them), coloured by best response or group."""
    if not bars:
        raise ValueError("waterfall_plot needs at least one patient")
    fig = new_figure()
    ax = fig.subplots()
    style_axes(ax, grid_axis="y")
    fig.suptitle(wrap_title(title), x=0.01, ha="left", fontsize=FONT_TITLE, fontweight="bold")
    shown = f"{len(bars)} patient{'s' if len(bars) != 1 else ''} with a scan after baseline"
    ax.set_title(
        f"{shown}, of {measured} measured", loc="left", fontsize=FONT_SMALL, color=NOTE_COLOR
    )
    values = [float(b["best_change_pct"]) for b in bars]
    low, high = capped_limits(values)
    colours = Colours(list(bars), by)
    xs = range(len(bars))
    width = 0.8 if len(bars) > 1 else 0.5
    for x, bar, value in zip(xs, bars, values, strict=True):
        shown_value = min(value, high)
        ax.bar(
            x, shown_value, width=width, color=colours.of(bar), lw=0, zorder=4, gid="waterfall-bar"
        )
        clipped = value > high
        if len(bars) <= _LABELLED or clipped:
            ax.annotate(
                change(value) + (" ↑" if clipped else ""),
                xy=(x, shown_value),
                xytext=(0, 3 if shown_value >= 0 else -3),
                textcoords="offset points",
                ha="center",
                va="bottom" if shown_value >= 0 else "top",
                fontsize=FONT_SMALL if len(bars) <= 15 else 7,
                rotation=0 if len(bars) <= 15 else 90,
                zorder=6,
                gid="waterfall-value",
            )
    new = [(x, v) for x, b, v in zip(xs, bars, values, strict=True) if b.get("new_lesion")]
    if new:  # the star sits on the zero line's far side from the bar, out of the value's way
        ax.plot(
            [x for x, _ in new],
            [4.0 if v < 0 else -4.0 for _, v in new],
            zorder=7,
            gid="waterfall-new-lesion",
            **NEW_LESION,
        )
    draw_recist_lines(ax, pr_line, pd_line)
    pct_axis(ax, low, high)
    ax.set_xlim(-0.7, len(bars) - 0.3)
    ax.set_ylabel("Best change from baseline (%)", fontsize=FONT_LABEL)
    ax.set_xlabel("Patients", fontsize=FONT_LABEL)
    if len(bars) <= _NAMED:
        ax.set_xticks(list(xs), [str(b["patient_id"]) for b in bars])
        ax.tick_params(
            axis="x",
            length=0,
            labelsize=FONT_TICK if len(bars) <= 20 else 7,
            rotation=0 if len(bars) <= 20 else 90,
        )
    else:
        ax.set_xticks([])
    ax.spines["bottom"].set_visible(False)
    recist_legend(ax, colours, new_lesion=bool(new), loc="lower left", gid="waterfall-legend")
    add_footer(fig, method_note, stamp)
    return fig


# The PNG a reply carries; `_waterfall_figure` is the same figure, for tests that inspect it.
waterfall_plot = png_of(_waterfall_figure)
