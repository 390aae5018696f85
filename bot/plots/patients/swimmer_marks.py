"""The marks of a swimmer plot and the legend that names them: what a first response, an
assessment, a progression, a surgery, a censoring and the data cut look like (the lanes draw
them with these styles), and a legend of only the marks drawn."""

from __future__ import annotations

import datetime as dt

from matplotlib.legend_handler import HandlerPatch, HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, Patch

from sts_bot.plots.common import (
    FONT_SMALL,
    REFERENCE_COLOR,
    RESPONSE_COLORS,
    RESPONSE_NAMES,
    SURGERY_COLOR,
)

__all__ = [
    "ASSESSMENT",
    "CENSORED",
    "DATA_CUT",
    "FIRST_RESPONSE",
    "OFF_TREATMENT_ALPHA",
    "PROGRESSION",
    "SURGERY",
    "draw_legend",
]

OFF_TREATMENT_ALPHA = 0.35

FIRST_RESPONSE = {"marker": "^", "color": "black", "markersize": 8, "linestyle": "none"}
ASSESSMENT = {
    "marker": "o",
    "markerfacecolor": "white",
    "markeredgecolor": "#333333",
    "markersize": 4.5,
    "markeredgewidth": 1,
    "linestyle": "none",
}
PROGRESSION = {
    "marker": "X",
    "color": "black",
    "markeredgecolor": "white",
    "markeredgewidth": 0.7,
    "markersize": 10,
    "linestyle": "none",
}
SURGERY = {
    "marker": "D",
    "markerfacecolor": SURGERY_COLOR,
    "markeredgecolor": "black",
    "markeredgewidth": 0.8,
    "markersize": 7,
    "linestyle": "none",
}
# The same mark as a censoring on the KM plot.
CENSORED = {
    "marker": "+",
    "color": "black",
    "markersize": 10,
    "markeredgewidth": 2,
    "linestyle": "none",
}
DATA_CUT = {"color": REFERENCE_COLOR, "linewidth": 1.4, "linestyle": "-"}


def _arrow_handle(legend, orig_handle, xdescent, ydescent, width, height, fontsize):
    return FancyArrow(
        0,
        height / 2,
        width,
        0,
        width=height * 0.12,
        head_width=height * 0.6,
        head_length=height * 0.55,
        length_includes_head=True,
        color="black",
    )


def _cut_handle() -> Line2D:
    return Line2D(
        [],
        [],
        marker="|",
        markersize=12,
        markeredgewidth=DATA_CUT["linewidth"],
        color=DATA_CUT["color"],
        linestyle="none",
    )


def draw_legend(ax, seen: set, data_as_of: dt.date | None = None) -> None:
    """The response colours seen, the two treatment shades, then each mark in ``seen``."""
    handles, labels = [], []
    codes = [code for code in RESPONSE_COLORS if code in seen]
    for code in codes:
        handles.append(Patch(facecolor=RESPONSE_COLORS[code]))
        labels.append(f"{code}  {RESPONSE_NAMES[code]}")
    # The treatment swatches in the bars' own colours, full and faded.
    handles.append(tuple(Patch(facecolor=RESPONSE_COLORS[c]) for c in codes))
    handles.append(
        tuple(Patch(facecolor=RESPONSE_COLORS[c], alpha=OFF_TREATMENT_ALPHA) for c in codes)
    )
    labels += ["On treatment", "Off treatment, followed"]
    cut = f"Data cut ({data_as_of.isoformat()})" if data_as_of else "Data cut"
    markers = [
        ("first-response", Line2D([], [], **FIRST_RESPONSE), "First response (PR/CR)"),
        ("assessment", Line2D([], [], **ASSESSMENT), "Response assessment"),
        ("progression", Line2D([], [], **PROGRESSION), "Progression"),
        ("surgery", Line2D([], [], **SURGERY), "Surgery"),
        ("ongoing", FancyArrow(0, 0, 1, 0), "Followed at the data cut,\nno progression"),
        ("censored", Line2D([], [], **CENSORED), "Censored: last seen long\nbefore the data cut"),
        ("data-cut", _cut_handle(), cut),
    ]
    for key, handle, label in markers:
        if key in seen:
            handles.append(handle)
            labels.append(label)
    ax.legend(
        handles,
        labels,
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        borderaxespad=0,
        fontsize=FONT_SMALL,
        frameon=False,
        handler_map={
            FancyArrow: HandlerPatch(patch_func=_arrow_handle),
            tuple: HandlerTuple(ndivide=None, pad=0),
        },
    ).set_gid("swimmer-legend")
