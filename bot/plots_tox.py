"""Toxicity plot: patients by worst CTCAE grade per term, as stacked horizontal bars."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from sts_bot.plots_common import (
    FONT_LABEL,
    FONT_SMALL,
    FONT_TICK,
    FONT_TITLE,
    GRADE_COLORS,
    HEIGHT_IN,
    new_figure,
    shorten,
    style_axes,
    text_color_on,
    to_png,
    wrap_title,
)

__all__ = ["tox_plot"]

GRADES = (1, 2, 3, 4, 5)
_TERM_IN = 0.42  # height of one bar row
_MIN_LABEL_PCT = 4.5  # a segment narrower than this (in % of N) gets no count inside


def tox_plot(rows: Sequence[Mapping], *, n: int, title: str) -> bytes:
    """PNG of stacked bars per term, ``{"term", "grades": {"1": k, ...}}``, as % of ``n``."""
    return to_png(_tox_figure(rows, n=n, title=title))


def tox_figure_height(n_terms: int) -> float:
    """8 in wide; short for one or two terms, 5.5 in from six to nine, then a row per term."""
    return max(3.0, min(HEIGHT_IN, 1.9 + 0.6 * n_terms), 1.7 + _TERM_IN * n_terms)


def _counts(row: Mapping) -> dict[int, int]:
    grades = row.get("grades", {})
    return {g: int(grades.get(str(g), grades.get(g, 0)) or 0) for g in GRADES}


def _tox_figure(rows: Sequence[Mapping], *, n: int, title: str) -> Figure:
    if n <= 0:
        raise ValueError("tox_plot needs the number of patients selected, n > 0")
    counted = [(str(row["term"]), _counts(row)) for row in rows]
    # Most frequent at the top; ties by severity, then alphabetically, so the order is stable.
    counted.sort(key=lambda tc: (-sum(tc[1].values()), -sum(tc[1][g] for g in (3, 4, 5)), tc[0]))

    fig = new_figure(tox_figure_height(len(counted)))
    ax = fig.subplots()
    style_axes(ax, grid_axis="x")
    fig.suptitle(wrap_title(title), x=0.01, ha="left", fontsize=FONT_TITLE, fontweight="bold")
    ax.set_xlabel(f"Patients, % of N = {n}", fontsize=FONT_LABEL)
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))

    if not counted:
        ax.text(
            0.5,
            0.5,
            f"No adverse events recorded among N = {n} patients",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=FONT_LABEL,
            bbox={"facecolor": "white", "edgecolor": "none"},
        )
        ax.set_xlim(0, 100)
        ax.set_yticks([])
        return fig

    y = np.arange(len(counted))
    left = np.zeros(len(counted))
    present = []
    for grade in GRADES:
        pct = np.array([100 * counts[grade] / n for _, counts in counted])
        if not pct.any():
            continue
        present.append(grade)
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
        for bar, (_, counts) in zip(bars, counted, strict=True):
            k = counts[grade]
            if k and bar.get_width() >= _MIN_LABEL_PCT:
                ax.text(
                    bar.get_x() + bar.get_width() / 2,
                    bar.get_y() + bar.get_height() / 2,
                    str(k),
                    ha="center",
                    va="center",
                    fontsize=FONT_SMALL,
                    color=text_color_on(color),
                )
        left += pct

    for yi, (_, counts), total_pct in zip(y, counted, left, strict=True):
        any_grade = sum(counts.values())
        ax.text(
            total_pct + 1.2,
            yi,
            f"{any_grade} ({100 * any_grade / n:.1f}%)",
            ha="left",
            va="center",
            fontsize=FONT_TICK,
            gid="tox-any-grade",
        )

    ax.set_yticks(y, [shorten(term, 28) for term, _ in counted], fontsize=FONT_TICK)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(len(counted) - 0.5, -0.6)
    # Room to the right of the longest bar for its "n (%)" label.
    ax.set_xlim(0, max(float(left.max()) * 1.22 + 6, 25))
    ax.set_xticks([t for t in range(0, 101, 10 if left.max() > 40 else 5) if t <= left.max() + 5])
    handles = [
        Patch(facecolor=GRADE_COLORS[g], edgecolor="#999999", linewidth=0.5) for g in present
    ]
    ax.legend(
        handles,
        [f"Grade {g}" for g in present],
        title="Worst CTCAE grade:",
        title_fontsize=FONT_SMALL,
        alignment="left",
        loc="lower left",
        bbox_to_anchor=(0, 1.01),
        borderaxespad=0,
        ncol=len(present),
        fontsize=FONT_SMALL,
        frameon=False,
    )
    return fig
