"""Toxicity plot: patients by worst CTCAE grade per term, as stacked horizontal bars.

Terms keep the order of the table (the cohort's declared order), the axis runs 0–100% of N
with ticks, and the "n (%)" of each bar sits in a column right of the axis. With ``by=`` there
is one panel per group, each in % of its own N, terms in the same rows across panels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from sts_bot.plots.common import (
    FONT_LABEL,
    FONT_SMALL,
    FONT_TICK,
    FONT_TITLE,
    GRADE_COLORS,
    HEIGHT_IN,
    add_footer,
    new_figure,
    png_of,
    settle_layout,
    shorten,
    style_axes,
    text_color_on,
    wrap_title,
)

__all__ = ["tox_plot"]

GRADES = (1, 2, 3, 4, 5)
_TERM_IN = 0.42  # height of one bar row
_MIN_LABEL_PCT = 4.5  # a segment narrower than this (in % of N) gets no count inside
_MAX_COLUMNS = 3
_LEGEND_IN = 0.45  # height of the legend row, in inches


def tox_figure_height(n_terms: int, n_panel_rows: int = 1) -> float:
    """8 in wide; short for one or two terms, 5.5 in from six to nine, then a row per term.

    Faceted: each row of panels gets the bars' height again, plus its panel titles."""
    one = max(3.0, min(HEIGHT_IN, 1.9 + 0.6 * n_terms), 1.7 + _TERM_IN * n_terms)
    if n_panel_rows <= 1:
        return one
    return 1.9 + n_panel_rows * (0.55 + _TERM_IN * max(n_terms, 1))


def _counts(row: Mapping) -> dict[int, int]:
    grades = row.get("grades", {})
    return {g: int(grades.get(str(g), grades.get(g, 0)) or 0) for g in GRADES}


def _columns(n_groups: int) -> int:
    return n_groups if n_groups <= _MAX_COLUMNS else 2 if n_groups == 4 else _MAX_COLUMNS


def _tox_figure(
    rows: Sequence[Mapping],
    *,
    n: int,
    title: str,
    groups: Sequence[Mapping] = (),
    method_note: str = "",
    stamp: str = "",
) -> Figure:
    """Figure of stacked bars per term, ``{"term", "grades": {"1": k, ...}}``, as % of ``n``.

    ``groups`` (``{label, n, rows}`` each) draws one panel per group instead of the pooled bars.
    """
    if n <= 0:
        raise ValueError("tox_plot needs the number of patients selected, n > 0")
    # The table's order (declared in cohort.toml, then by frequency), kept as given.
    terms = [str(row["term"]) for row in rows]
    for group in groups:
        terms += [str(r["term"]) for r in group["rows"] if str(r["term"]) not in terms]
    panels = (
        [(f"{g['label']} · n = {g['n']}", int(g["n"]), g["rows"]) for g in groups]
        if groups
        else [(None, n, rows)]
    )
    ncols = _columns(len(panels))
    nrows = -(-len(panels) // ncols)

    fig = new_figure(tox_figure_height(len(terms), nrows if groups else 1))
    # A thin first row holds the legend: under the title and above every panel, placed by the
    # layout engine (a legend anchored to one panel would collide with that panel's title).
    panel_in = max(1.0, fig.get_figheight() - 1.6 - _LEGEND_IN) / nrows
    grid = fig.add_gridspec(nrows + 1, ncols, height_ratios=[_LEGEND_IN, *[panel_in] * nrows])
    axes = []
    for i in range(nrows * ncols):
        share = {"sharey": axes[0]} if axes else {}
        axes.append(fig.add_subplot(grid[1 + i // ncols, i % ncols], **share))
    legend_ax = fig.add_subplot(grid[0, :], label="tox-legend-row")  # after the panels
    legend_ax.set_axis_off()
    fig.suptitle(wrap_title(title), x=0.01, ha="left", fontsize=FONT_TITLE, fontweight="bold")
    present: set[int] = set()
    counts_in = []
    for ax, (label, size, panel_rows) in zip(axes, panels, strict=False):
        drawn, written = _draw_panel(ax, terms, panel_rows, size, facet=bool(groups))
        present |= drawn
        counts_in += written
        if label is not None:
            ax.set_title(shorten(label, 40), loc="left", fontsize=FONT_TICK, fontweight="bold")
            ax.set_gid("tox-panel")
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    for i, ax in enumerate(axes[: len(panels)]):
        if i % ncols:
            ax.tick_params(axis="y", labelleft=False)
        if i + ncols >= len(panels):  # the lowest panel of its column
            ax.set_xlabel(
                "% of the group's N" if groups else f"Patients, % of N = {n}", fontsize=FONT_LABEL
            )

    if not terms:
        axes[0].text(
            0.5,
            0.5,
            f"No adverse events recorded among N = {n} patients",
            transform=axes[0].transAxes,
            ha="center",
            va="center",
            fontsize=FONT_LABEL,
        )
        axes[0].set_yticks([])
    else:
        _legend(legend_ax, sorted(present), facet=bool(groups))
    add_footer(fig, method_note, stamp)
    _drop_overflowing_counts(fig, counts_in)
    return fig


def _drop_overflowing_counts(fig: Figure, counts_in: list) -> None:
    """A count wider than its segment (a registry's 88107 in 9% of the bar) would run over
    its neighbours: in the settled layout, such counts are taken out (the table has them)."""
    if not counts_in:
        return
    renderer = settle_layout(fig)
    pad = renderer.points_to_pixels(2)
    for text, bar in counts_in:
        room = bar.get_window_extent(renderer).width
        if text.get_window_extent(renderer).width + 2 * pad > room:
            text.remove()


def _draw_panel(
    ax, terms: list[str], rows: Sequence[Mapping], n: int, *, facet: bool
) -> tuple[set, list]:
    """Draw one panel; (grades present, [(count text, the segment it is written in)])."""
    style_axes(ax, grid_axis="x")
    by_term = {str(row["term"]): _counts(row) for row in rows}
    counted = [(term, by_term.get(term, dict.fromkeys(GRADES, 0))) for term in terms]
    y = np.arange(len(counted))
    left = np.zeros(len(counted))
    present = set()
    counts_in: list = []
    for grade in GRADES:
        pct = np.array([100 * counts[grade] / n for _, counts in counted]) if n else left * 0
        if not pct.any():
            continue
        present.add(grade)
        color = GRADE_COLORS[grade]
        bars = ax.barh(
            y,
            pct,
            left=left,
            height=0.66,
            color=color,
            edgecolor="white",
            linewidth=0.8,
            label=f"Grade {grade}",
            gid=f"tox-grade-{grade}",
        )
        min_pct = _MIN_LABEL_PCT * (2 if facet else 1)
        for bar, (_, counts) in zip(bars, counted, strict=True):
            k = counts[grade]
            if k and bar.get_width() >= min_pct:
                label = ax.text(
                    bar.get_x() + bar.get_width() / 2,
                    bar.get_y() + bar.get_height() / 2,
                    str(k),
                    ha="center",
                    va="center",
                    fontsize=FONT_SMALL,
                    color=text_color_on(color),
                    gid="tox-count",
                )
                counts_in.append((label, bar))
        left += pct

    # "n (%)" in a column right of the axis (not past the bars, which would stretch the axis
    # beyond 100%). Faceted panels are narrow: there the count alone.
    for yi, (_, counts) in zip(y, counted, strict=True):
        k = sum(counts.values())
        ax.text(
            1.02,
            yi,
            f"{k}" if facet else f"{k} ({100 * k / n:.1f}%)",
            transform=ax.get_yaxis_transform(),
            ha="left",
            va="center",
            fontsize=FONT_TICK,
            clip_on=False,
            gid="tox-any-grade",
        )
    ax.set_yticks(y, [shorten(term, 24 if facet else 28) for term, _ in counted])
    ax.tick_params(axis="y", length=0, labelsize=FONT_TICK)
    ax.set_ylim(len(counted) - 0.5, -0.6)
    ax.set_xlim(0, 100)
    ax.set_xticks(range(0, 101, 50 if facet else 20))
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))
    return present, counts_in


def _legend(ax, present: list[int], *, facet: bool) -> None:
    handles = [
        Patch(facecolor=GRADE_COLORS[g], edgecolor="#333333", linewidth=0.5) for g in present
    ]
    labels = [f"Grade {g}" for g in present]
    title = "Worst CTCAE grade (bar: n per grade; right: patients with the term)"
    if facet:
        title = "Worst CTCAE grade (right of each panel: patients with the term)"
    ax.legend(
        handles,
        labels,
        title=title,
        title_fontsize=FONT_SMALL,
        alignment="left",
        loc="lower left",
        bbox_to_anchor=(0, 0),
        borderaxespad=0,
        ncol=len(present),
        fontsize=FONT_SMALL,
        frameon=False,
    ).set_gid("tox-legend")


# The PNG a reply carries; `_tox_figure` is the same figure, for tests that inspect it.
tox_plot = png_of(_tox_figure)
