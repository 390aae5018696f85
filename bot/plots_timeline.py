"""One patient's timeline for a tumor-board card: cycles, assessments, adverse events."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from sts_bot.plots_common import (
    DAYS_PER_UNIT,
    FONT_LABEL,
    FONT_SMALL,
    FONT_TICK,
    FONT_TITLE,
    GRADE_COLORS,
    GROUP_COLORS,
    NOTE_COLOR,
    PROGRESSION_COLOR,
    RESPONSE_COLORS,
    SURGERY_COLOR,
    WIDTH_IN,
    new_figure,
    style_axes,
    text_color_on,
    time_ticks,
    to_png,
    wrap_title,
)

__all__ = ["patient_timeline_plot"]

_ROW_IN = 0.42
_AXES_WIDTH_IN = WIDTH_IN - 1.7  # what is left beside the row labels, for label packing
_CHAR_IN = 0.6 * FONT_SMALL / 72  # average width of one character at FONT_SMALL
TREATMENT_ROW, RESPONSE_ROW, FIRST_AE_ROW = 0, 1, 2


def patient_timeline_plot(
    *,
    label: str,
    start: str,
    cycles: int,
    cycle_days: int = 21,
    assessments: list[tuple[float, str]],
    adverse_events: list[tuple[float, str, int]],
    progression: float | None,
    surgery: float | None,
    unit: str = "months",
) -> bytes:
    """PNG of one patient's course; times are from the start of treatment, in ``unit``."""
    return to_png(
        _timeline_figure(
            label=label,
            start=start,
            cycles=cycles,
            cycle_days=cycle_days,
            assessments=assessments,
            adverse_events=adverse_events,
            progression=progression,
            surgery=surgery,
            unit=unit,
        )
    )


def timeline_figure_height(n_ae_rows: int) -> float:
    return max(3.2, 1.6 + _ROW_IN * (FIRST_AE_ROW + max(n_ae_rows, 1)))


def _pack_rows(spans: list[tuple[float, float]]) -> list[int]:
    """Greedy interval packing, by start: each span goes to the first sub-row that is free."""
    ends: list[float] = []
    rows = [0] * len(spans)
    for i in sorted(range(len(spans)), key=lambda i: spans[i]):
        lo, hi = spans[i]
        row = next((r for r, end in enumerate(ends) if end < lo), len(ends))
        if row == len(ends):
            ends.append(hi)
        else:
            ends[row] = hi
        rows[i] = row
    return rows


def _timeline_figure(
    *,
    label: str,
    start: str,
    cycles: int,
    cycle_days: int = 21,
    assessments: list[tuple[float, str]],
    adverse_events: list[tuple[float, str, int]],
    progression: float | None,
    surgery: float | None,
    unit: str = "months",
) -> Figure:
    if unit not in DAYS_PER_UNIT:
        raise ValueError(f"unknown time unit {unit!r}; use one of {', '.join(DAYS_PER_UNIT)}")
    if cycles < 0:
        raise ValueError("cycles must be >= 0")
    cycle_len = cycle_days / DAYS_PER_UNIT[unit]
    times = [cycles * cycle_len, *(t for t, _ in assessments), *(t for t, _, _ in adverse_events)]
    times += [t for t in (progression, surgery) if t is not None]
    ticks = time_ticks(max(times, default=1.0) * 1.04, unit)
    xmax = float(ticks[-1])
    # Text widths in data units, estimated before drawing so that the height can depend on them.
    per_char = xmax / _AXES_WIDTH_IN * _CHAR_IN

    events = sorted(adverse_events, key=lambda ev: (ev[0], -ev[2], ev[1]))
    texts = [f"{term} G{grade}" for _, term, grade in events]
    spans = []
    for (t, _, _), text in zip(events, texts, strict=True):
        width = (len(text) + 2) * per_char
        spans.append((t, t + width) if t + width <= xmax else (t - width, t))
    rows = _pack_rows(spans)
    n_ae_rows = max(rows, default=0) + 1

    fig = new_figure(timeline_figure_height(n_ae_rows))
    ax = fig.subplots()
    style_axes(ax, grid_axis="x")
    fig.suptitle(wrap_title(label), x=0.01, ha="left", fontsize=FONT_TITLE, fontweight="bold")
    ax.set_title(
        f"Start of treatment {start} · {cycles} cycle{'s' if cycles != 1 else ''} of"
        f" {cycle_days} days",
        loc="left",
        fontsize=FONT_TICK,
        color=NOTE_COLOR,
    )
    _draw_cycles(ax, cycles, cycle_len, label_fits=cycle_len * 0.94 >= 3.2 * per_char)
    _draw_assessments(ax, assessments)
    for (t, _, grade), text, row, (lo, _) in zip(events, texts, rows, spans, strict=True):
        _draw_adverse_event(ax, t, grade, text, FIRST_AE_ROW + row, right=lo >= t, pad=per_char)
    if not events:
        ax.text(
            per_char,
            FIRST_AE_ROW,
            "none recorded",
            color=NOTE_COLOR,
            va="center",
            fontsize=FONT_SMALL,
        )

    bottom = FIRST_AE_ROW + n_ae_rows - 0.4
    _draw_milestone(ax, progression, "Progression", PROGRESSION_COLOR, bottom, xmax)
    _draw_milestone(ax, surgery, "Surgery", SURGERY_COLOR, bottom, xmax)

    for y in (RESPONSE_ROW - 0.5, FIRST_AE_ROW - 0.5):
        ax.axhline(y, color="#dddddd", lw=0.8)
    ax.set_yticks(
        [TREATMENT_ROW, RESPONSE_ROW, FIRST_AE_ROW + (n_ae_rows - 1) / 2],
        ["Treatment", "Response", "Adverse events"],
        fontsize=FONT_TICK,
    )
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(bottom, -0.95)
    ax.set_xlim(0, xmax)
    ax.set_xticks(ticks)
    ax.set_xlabel(f"Time from start of treatment ({unit})", fontsize=FONT_LABEL)
    ax.spines["left"].set_visible(False)
    return fig


def _draw_cycles(ax, cycles: int, cycle_len: float, *, label_fits: bool) -> None:
    """One block per cycle, alternating shade so that neighbours stay apart."""
    color = GROUP_COLORS[0]
    for i in range(cycles):
        ax.add_patch(
            Rectangle(
                (i * cycle_len, TREATMENT_ROW - 0.32),
                cycle_len * 0.94,
                0.64,
                facecolor=color,
                alpha=1.0 if i % 2 == 0 else 0.75,
                lw=0,
                gid="timeline-cycle",
            )
        )
        if label_fits:
            ax.text(
                (i + 0.47) * cycle_len,
                TREATMENT_ROW,
                f"C{i + 1}",
                ha="center",
                va="center",
                fontsize=FONT_SMALL,
                color=text_color_on(color),
            )


def _draw_assessments(ax, assessments: list[tuple[float, str]]) -> None:
    for t, code in assessments:
        color = RESPONSE_COLORS.get(code.upper(), RESPONSE_COLORS["NE"])
        ax.plot(
            [t],
            [RESPONSE_ROW],
            marker="o",
            markersize=11,
            color=color,
            markeredgecolor="black",
            linestyle="none",
            gid="timeline-assessment",
        )
        # White behind the code, so a progression line through it does not cross it out.
        ax.text(
            t,
            RESPONSE_ROW - 0.27,
            code.upper(),
            ha="center",
            va="bottom",
            fontsize=FONT_SMALL,
            zorder=4,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5},
        )


def _draw_adverse_event(
    ax, t: float, grade: int, text: str, y: float, *, right: bool, pad: float
) -> None:
    color = GRADE_COLORS.get(int(grade), "#999999")
    ax.plot(
        [t],
        [y],
        marker="o",
        markersize=9,
        color=color,
        markeredgecolor="#333333",
        linestyle="none",
        gid="timeline-ae",
    )
    ax.text(
        t + pad if right else t - pad,
        y,
        text,
        ha="left" if right else "right",
        va="center",
        fontsize=FONT_SMALL,
    )


def _draw_milestone(ax, when: float | None, name: str, color: str, bottom: float, xmax: float):
    if when is None:
        return
    ax.plot(
        [when, when],
        [-0.55, bottom],
        color=color,
        lw=2,
        linestyle=(0, (5, 3)),
        zorder=1.5,
        gid=f"timeline-{name.lower()}",
    )
    # Keep the name inside the axes when the line is close to either end.
    ha = "right" if when > 0.85 * xmax else "left" if when < 0.15 * xmax else "center"
    ax.text(
        when, -0.58, name, color=color, ha=ha, va="bottom", fontsize=FONT_SMALL, fontweight="bold"
    )
