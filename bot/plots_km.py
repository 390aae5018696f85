"""Kaplan–Meier plot: step curves, censor marks, CI bands, medians and a number-at-risk table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from sts_bot.plots_common import (
    FONT_LABEL,
    FONT_SMALL,
    FONT_TICK,
    FONT_TITLE,
    GROUP_COLORS,
    HEIGHT_IN,
    NOTE_COLOR,
    fmt_number,
    new_figure,
    shorten,
    style_axes,
    time_ticks,
    to_png,
    wrap_title,
)

if TYPE_CHECKING:
    from sts_queries.survival import KMFit

__all__ = ["km_plot"]

AT_RISK_LABEL = "Number at risk"
_ROW_IN = 0.24  # height of one at-risk row
_LEGEND_ROW_IN = 0.2  # one legend line
_MAX_BANDS = 2
_LINESTYLES = ("-", "--", "-.", ":")


def km_plot(
    curves: Sequence[tuple[str, KMFit]],
    *,
    title: str,
    unit: str = "months",
    test_label: str | None = None,
    method_note: str = "",
) -> bytes:
    """PNG of Kaplan–Meier curves ``(label, fit)`` with a number-at-risk table under the axis.

    Confidence bands are drawn for one or two curves; with more they would hide each other.
    """
    return to_png(
        _km_figure(curves, title=title, unit=unit, test_label=test_label, method_note=method_note)
    )


def km_figure_height(n_curves: int) -> float:
    """8 x 5.5 in up to three curves; each further curve adds a legend line and an at-risk row."""
    return HEIGHT_IN + (_ROW_IN + _LEGEND_ROW_IN) * max(0, n_curves - 3)


def _km_figure(
    curves: Sequence[tuple[str, KMFit]],
    *,
    title: str,
    unit: str = "months",
    test_label: str | None = None,
    method_note: str = "",
) -> Figure:
    if not curves:
        raise ValueError("km_plot needs at least one curve")
    fig = new_figure(km_figure_height(len(curves)))
    table_height = 0.45 + _ROW_IN * len(curves)
    ax, ax_risk = fig.subplots(
        2,
        1,
        sharex=True,
        gridspec_kw={"height_ratios": [fig.get_figheight() - table_height, table_height]},
    )
    style_axes(ax)

    tmax = max((float(fit.time[-1]) for _, fit in curves if len(fit.time)), default=1.0)
    ticks = time_ticks(tmax, unit)
    # More than two overlapping bands muddy into each other and hide the curves.
    bands = len(curves) <= _MAX_BANDS
    handles = []
    for i, (label, fit) in enumerate(curves):
        style = {
            "color": GROUP_COLORS[i % len(GROUP_COLORS)],
            "linestyle": _LINESTYLES[(i // len(GROUP_COLORS)) % len(_LINESTYLES)],
        }
        handles.append(_draw_curve(ax, label, fit, unit=unit, band=bands, **style))
    handles.append(
        Line2D(
            [], [], color="#333333", marker="+", linestyle="none", markersize=8, label="Censored"
        )
    )

    ax.set_xlim(0, ticks[-1])
    ax.set_xticks(ticks)
    ax.set_ylim(0, 1.03)
    ax.set_yticks(np.linspace(0, 1, 5))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    ax.set_ylabel("Survival probability", fontsize=FONT_LABEL)
    ax.tick_params(axis="x", labelbottom=True)
    ax.set_xlabel(f"Time ({unit})", fontsize=FONT_LABEL)
    # Above the axes, never over the curves, whatever shape they take.
    legend = ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0, 1.01),
        fontsize=FONT_SMALL,
        frameon=False,
        borderaxespad=0,
        handlelength=2.2,
    )
    legend.set_gid("km-legend")
    fig.suptitle(wrap_title(title), x=0.01, ha="left", fontsize=FONT_TITLE, fontweight="bold")
    if test_label:
        ax.text(
            0.015,
            0.03,
            test_label,
            transform=ax.transAxes,
            fontsize=FONT_TICK,
            ha="left",
            va="bottom",
            bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": "#cccccc"},
            gid="km-test",
        )

    _draw_at_risk(ax_risk, curves, ticks)
    if method_note:
        note = wrap_title(method_note, width=140)
        fig.text(0.01, 0.008, note, fontsize=FONT_SMALL - 1, color=NOTE_COLOR, ha="left")
        reserved = (0.06 + 0.16 * (note.count("\n") + 1)) / fig.get_figheight()
        fig.get_layout_engine().set(rect=(0, reserved, 1, 1 - reserved))
    return fig


def _draw_curve(
    ax, label: str, fit: KMFit, *, color: str, linestyle: str, unit: str, band: bool
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
            alpha=0.15,
            linewidth=0,
            gid="km-band",
        )
    (line,) = ax.plot(
        time, surv, drawstyle="steps-post", color=color, linestyle=linestyle, lw=2, label=label
    )
    line.set_gid("km-curve")

    censored = np.asarray(fit.n_censor) > 0
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
    marks.set_in_layout(False)  # an unclipped empty line would drag the layout to (0, 0)

    if fit.median is not None:
        dash = {"color": color, "linestyle": (0, (4, 3)), "linewidth": 1.1, "alpha": 0.8}
        ax.plot([0, fit.median], [0.5, 0.5], gid="km-median", **dash)
        ax.plot([fit.median, fit.median], [0, 0.5], gid="km-median", **dash)

    median = f"{fmt_number(fit.median)} {unit}" if fit.median is not None else "NR"
    events = "event" if fit.events == 1 else "events"
    return Line2D(
        [],
        [],
        color=color,
        linestyle=linestyle,
        lw=2,
        label=f"{shorten(label, 30)}: n = {fit.n}, {fit.events} {events}, median {median}",
    )


def _draw_at_risk(ax, curves: Sequence[tuple[str, KMFit]], ticks: np.ndarray) -> None:
    """One row per curve, the count at each x tick, labelled by the curve's name and colour."""
    ax.set_label("at-risk")
    rows = range(len(curves))
    ax.set_ylim(len(curves) - 0.5, -0.6)
    ax.set_yticks(list(rows), [shorten(label, 22) for label, _ in curves])
    for row, (_, fit) in enumerate(curves):
        color = GROUP_COLORS[row % len(GROUP_COLORS)]
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
