"""Forest plot: one row per subgroup, its estimate as a square sized by the subgroup's N and its
95% CI as a line; a rate on a linear axis against the overall rate, or a hazard ratio on a log
axis against 1 and the overall HR, with the numbers written in a column beside the axis (what
the rows and columns say, and how wide they are: `forest_columns`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.ticker import FixedLocator, NullLocator, PercentFormatter

from sts_bot.plots.common import (
    DPI,
    FONT_LABEL,
    FONT_SMALL,
    FONT_TITLE,
    GRID_COLOR,
    GROUP_COLORS,
    WIDTH_IN,
    add_footer,
    footer_height,
    new_figure,
    style_axes,
    to_png,
    wrap_title,
)
from sts_bot.plots.forest_columns import FONT, columns, layout, width_pt

__all__ = ["forest_plot"]

_ROW_IN = 0.27  # height of one row
_FRAME_IN = 1.75  # title, column heads, axis and its two-line label (the footer is added)
_TICK_LABEL_IN = 0.34  # room one HR tick label ('1/64') needs
_HR_LIMITS = (1 / 64, 64)  # beyond this a CI is drawn as an arrow to the edge
_MARKER = "#0072B2"
_OVERALL = GROUP_COLORS[1]


def forest_plot(
    rows: Sequence[Mapping],
    *,
    overall: Mapping,
    measure: str,
    outcome: str,
    title: str,
    reference: str | None = None,
    comparison: str | None = None,
    interactions: Sequence[Mapping] = (),
    method_note: str = "",
    stamp: str = "",
) -> bytes:
    """PNG of a forest plot of `rows` (field, subgroup, n, estimate, ci_low, ci_high, and count
    or events); `measure` is "rate" or "hazard ratio". Under it the method and ``stamp``
    (what the data are), as on every plot."""
    lines = layout(rows, interactions)
    hazard = measure != "rate"
    heads = ("events/N" if hazard else "k/N", f"{'HR' if hazard else outcome.upper()} (95% CI)")
    cells = columns(lines, overall, hazard, heads)
    height = _FRAME_IN + _ROW_IN * (len(lines) + 1) + footer_height(method_note, stamp)
    fig = new_figure(math.ceil(height * DPI) / DPI)  # a whole number of pixels
    # The number panel as wide as its widest line, the axis the rest of what the row labels
    # leave (a fixed ratio cut long intervals off at the canvas edge).
    labels_in = (max(width_pt(line["label"], bold=True) for line in lines) + 8) / 72
    numbers_in = cells["width_pt"] / 72 + 0.15
    axis_in = max(WIDTH_IN - 0.35 - labels_in - numbers_in, 1.5)
    ax, ax_text = fig.subplots(
        1, 2, sharey=True, gridspec_kw={"width_ratios": [axis_in, numbers_in]}
    )
    style_axes(ax, grid_axis="x")
    y_of = {}
    labels = []
    for y, line in enumerate(lines):
        labels.append(line["label"])
        if line["row"] is not None:
            y_of[id(line["row"])] = y
    n_max = max((r["n"] for r in rows), default=1) or 1
    for r in rows:
        y = y_of[id(r)]
        if r.get("estimate") is None:
            continue
        low, high = r["ci_low"], r["ci_high"]
        if hazard:
            low, high = max(low, _HR_LIMITS[0]), min(high, _HR_LIMITS[1])
            if r["ci_low"] < _HR_LIMITS[0] or r["ci_high"] > _HR_LIMITS[1]:
                _arrows(ax, y, r)
        ax.plot([low, high], [y, y], color=_MARKER, lw=1.4, solid_capstyle="butt", gid="ci")
        size = 4 + 8 * math.sqrt(r["n"] / n_max)
        ax.plot(
            [r["estimate"]],
            [y],
            marker="s",
            ms=size,
            color=_MARKER,
            ls="none",
            gid="estimate",
            clip_on=False,
        )

    y_overall = len(lines)
    labels.append("Overall")
    if overall.get("estimate") is not None:
        _diamond(ax, y_overall, overall)
        ax.axvline(overall["estimate"], color=_OVERALL, ls=(0, (4, 3)), lw=1.1, gid="overall")
        # Named where it starts, above the first heading (a heading line has no marker).
        ax.text(
            overall["estimate"],
            -0.45,
            " overall",
            color=_OVERALL,
            fontsize=FONT_SMALL,
            ha="left",
            va="center",
            gid="overall-label",
        )
    if hazard:
        ax.axvline(1.0, color="#333333", lw=1.0, gid="null-line")
        _hazard_axis(ax, rows, overall, reference, comparison, width_in=axis_in)
    else:
        ax.set_xlim(-0.02, 1.02)
        ax.xaxis.set_major_locator(FixedLocator(np.linspace(0, 1, 6)))
        ax.xaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
        ax.set_xlabel(f"{outcome.upper()} (95% CI, exact)", fontsize=FONT_LABEL)

    ax.set_ylim(len(lines) + 0.8, -0.8)
    _row_labels(ax, labels, [*lines, {"row": None, "header": True}])
    ax.axhline(len(lines) - 0.5, color=GRID_COLOR, lw=0.8)

    _numbers(ax_text, cells)
    fig.suptitle(wrap_title(title), x=0.01, ha="left", fontsize=FONT_TITLE, fontweight="bold")
    add_footer(fig, method_note, stamp)
    return to_png(fig)


def _row_labels(ax, labels: list[str], lines: list[dict]) -> None:
    """Headings flush left in bold, subgroups indented under them, all in one left-aligned
    column (right-aligned tick labels would set a heading and its subgroups side by side)."""
    ax.yaxis.set_major_locator(FixedLocator(range(len(labels))))
    ax.set_yticklabels(labels, fontsize=FONT)
    widest = max(
        width_pt(label, bold=bool(line.get("header")))
        for label, line in zip(labels, lines, strict=True)
    )
    for tick, line in zip(ax.get_yticklabels(), lines, strict=True):
        tick.set_horizontalalignment("left")
        if line.get("header"):
            tick.set_fontweight("bold")
    ax.tick_params(axis="y", length=0, pad=widest + 8)


def _numbers(ax, cells: dict) -> None:
    ax.axis("off")
    at = ax.get_yaxis_transform()
    for column, head in enumerate(cells["heads"]):
        ax.annotate(
            head,
            xy=(0.0, 1.0),
            xycoords=ax.transAxes,
            xytext=(cells["shift"] * column, 0),
            textcoords="offset points",
            va="bottom",
            fontsize=FONT,
            fontweight="bold",
            gid="forest-head",
        )
    for y, column, text, style, kind in cells["lines"]:
        ax.annotate(
            text,
            xy=(0.0, y),
            xycoords=at,
            xytext=(cells["shift"] * column, 0),
            textcoords="offset points",
            va="center",
            fontsize=FONT,
            gid=f"forest-{kind}",
            **style,
        )


def _diamond(ax, y: float, overall: Mapping) -> None:
    low, mid, high = overall["ci_low"], overall["estimate"], overall["ci_high"]
    ax.fill([low, mid, high, mid], [y, y - 0.3, y, y + 0.3], color=_OVERALL, gid="overall-diamond")


def _arrows(ax, y: float, r: Mapping) -> None:
    if r["ci_low"] < _HR_LIMITS[0]:
        ax.annotate(
            "",
            xy=(_HR_LIMITS[0], y),
            xytext=(_HR_LIMITS[0] * 1.8, y),
            arrowprops={"arrowstyle": "->", "color": _MARKER},
        )
    if r["ci_high"] > _HR_LIMITS[1]:
        ax.annotate(
            "",
            xy=(_HR_LIMITS[1], y),
            xytext=(_HR_LIMITS[1] / 1.8, y),
            arrowprops={"arrowstyle": "->", "color": _MARKER},
        )


def _hazard_axis(ax, rows, overall, reference, comparison, *, width_in: float) -> None:
    values = [
        v
        for r in [*rows, overall]
        if r.get("estimate") is not None
        for v in (r["ci_low"], r["ci_high"])
    ]
    low = max(min(values, default=0.5), _HR_LIMITS[0])
    high = min(max(values, default=2.0), _HR_LIMITS[1])
    exp_low = math.floor(math.log2(min(low, 0.5)))
    exp_high = math.ceil(math.log2(max(high, 2.0)))
    ax.set_xscale("log", base=2)
    ax.set_xlim(2.0**exp_low / 1.15, 2.0**exp_high * 1.15)
    # Powers of 2 that are multiples of the step (so 1 is always one), as many as fit the
    # axis's width with room between them.
    fit = max(3, int(width_in / _TICK_LABEL_IN))
    step = next((s for s in (1, 2, 4, 8) if exp_high // s - math.ceil(exp_low / s) + 1 <= fit), 16)
    ticks = [2.0**k for k in range(exp_low - exp_low % step, exp_high + 1, step)]
    ticks = [t for t in ticks if 2.0**exp_low <= t] + ([1.0] if 1.0 not in ticks else [])
    ax.xaxis.set_major_locator(FixedLocator(sorted(ticks)))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([f"{t:g}" if t >= 1 else f"1/{1 / t:g}" for t in sorted(ticks)])
    ax.set_xlabel(
        f"HR (95% CI, log scale)\n← favours {comparison}     favours {reference} →",
        fontsize=FONT_LABEL,
    )
