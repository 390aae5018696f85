"""One patient's timeline for a tumor-board card: cycles, assessments, adverse events, in dates.

The drawing works in days from the start of treatment; the axis is labelled with calendar dates
(a tumor board talks about "the scan in December", not "month 2.8"). Here: the rows, their
height, the date axis and the title; each mark on a row is drawn in `timeline_marks`.
"""

from __future__ import annotations

import datetime as dt

from matplotlib.figure import Figure

from sts_bot.plots.common import (
    DAYS_PER_UNIT,
    FONT_SMALL,
    FONT_TICK,
    FONT_TITLE,
    NOTE_COLOR,
    PROGRESSION_COLOR,
    SURGERY_COLOR,
    WIDTH_IN,
    add_footer,
    new_figure,
    png_of,
    style_axes,
    wrap_title,
)
from sts_bot.plots.patients.timeline_marks import (
    RESPONSE_ROW,
    TREATMENT_ROW,
    draw_adverse_event,
    draw_assessments,
    draw_cycles,
    draw_measurements,
    draw_milestone,
)

__all__ = ["patient_timeline_plot"]

_ROW_IN = 0.42
_AXES_WIDTH_IN = WIDTH_IN - 1.7  # what is left beside the row labels, for label packing
_CHAR_IN = 0.6 * FONT_SMALL / 72  # average width of one character at FONT_SMALL
_MONTH_STEPS = (1, 2, 3, 6, 12)
_MAX_TICKS = 9


def timeline_figure_height(n_ae_rows: int, n_fixed_rows: int = 2) -> float:
    return max(3.2, 2.0 + _ROW_IN * (n_fixed_rows + max(n_ae_rows, 1)))


def date_ticks(start: dt.date, lo: float, hi: float) -> tuple[list[float], list[str]]:
    """Ticks (days from ``start``) and labels for an axis from day ``lo`` to day ``hi``: the
    first of every 1, 2, 3, 6 or 12 months, or every 1 or 2 weeks when the span is short."""
    first, last = start + dt.timedelta(days=lo), start + dt.timedelta(days=hi)
    if hi - lo < 75:
        step = 7 if hi - lo <= 7 * _MAX_TICKS else 14
        day = first + dt.timedelta(days=(7 - first.weekday()) % 7)  # Mondays
        days = []
        while day <= last:
            days.append(day)
            day += dt.timedelta(days=step)
        labels = [f"{d.day} {d:%b}" + (f"\n{d:%Y}" if i == 0 else "") for i, d in enumerate(days)]
        return [(d - start).days for d in days], labels
    months = (last.year - first.year) * 12 + last.month - first.month
    step = next((m for m in _MONTH_STEPS if months / m <= _MAX_TICKS), _MONTH_STEPS[-1])
    index = first.year * 12 + first.month  # the month after `first` (its 1st is past `first`)
    index += (-index) % step
    days, labels, previous_year = [], [], None
    while (day := dt.date(index // 12, index % 12 + 1, 1)) <= last:
        days.append(day)
        labels.append(f"{day:%b}" + (f"\n{day:%Y}" if day.year != previous_year else ""))
        previous_year = day.year
        index += step
    return [(d - start).days for d in days], labels


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
    context: str = "",
    best_response: str | None = None,
    measurements: list[tuple[float, float]] = (),
    measure_label: str = "",
    data_as_of: str | None = None,
    stamp: str = "",
) -> Figure:
    """Figure of one patient's course; times are from the start of treatment, in ``unit``.

    ``measurements`` are tumour sizes per scan ``(time, value)``, drawn in their own row;
    ``context`` (histology, stage, regimen) joins the case in the title.
    """
    if unit not in DAYS_PER_UNIT:
        raise ValueError(f"unknown time unit {unit!r}; use one of {', '.join(DAYS_PER_UNIT)}")
    if cycles < 0:
        raise ValueError("cycles must be >= 0")
    # Everything in days from the start from here on; the axis shows dates.
    per = DAYS_PER_UNIT[unit]
    begin = dt.date.fromisoformat(start)
    assessments = [(t * per, code) for t, code in assessments]
    adverse_events = [(t * per, term, grade) for t, term, grade in adverse_events]
    measurements = [(t * per, value) for t, value in measurements]
    progression = progression * per if progression is not None else None
    surgery = surgery * per if surgery is not None else None
    cycle_len = float(cycle_days)

    times = [cycles * cycle_len, *(t for t, _ in assessments), *(t for t, _, _ in adverse_events)]
    times += [t for t in (progression, surgery) if t is not None]
    last = max(times, default=30.0)
    # Room either side, so that a marker on the first or last day is drawn whole.
    xmin, xmax = -0.03 * last - 2, last * 1.04 + 4
    # Text widths in data units, estimated before drawing so that the height can depend on them.
    per_char = (xmax - xmin) / _AXES_WIDTH_IN * _CHAR_IN

    events = sorted(adverse_events, key=lambda ev: (ev[0], -ev[2], ev[1]))
    texts = [f"{term} G{grade}" for _, term, grade in events]
    spans = []
    for (t, _, _), text in zip(events, texts, strict=True):
        width = (len(text) + 2) * per_char
        spans.append((t, t + width) if t + width <= xmax else (t - width, t))
    rows = _pack_rows(spans)
    n_ae_rows = max(rows, default=0) + 1
    measure_row = RESPONSE_ROW + 1 if measurements else None
    first_ae_row = RESPONSE_ROW + (2 if measurements else 1)

    fig = new_figure(timeline_figure_height(n_ae_rows, first_ae_row))
    ax = fig.subplots()
    style_axes(ax, grid_axis="x")
    title = " · ".join(part for part in (label, context) if part)
    fig.suptitle(wrap_title(title), x=0.01, ha="left", fontsize=FONT_TITLE, fontweight="bold")
    facts = [
        f"started {begin.day} {begin:%b %Y}",
        f"{cycles} cycle{'s' if cycles != 1 else ''} of {cycle_days} days",
    ]
    if best_response:
        facts.append(f"best response {best_response}")
    if data_as_of:
        facts.append(f"data as of {data_as_of}")
    subtitle = " · ".join(facts)
    ax.set_title(
        subtitle[:1].upper() + subtitle[1:], loc="left", fontsize=FONT_TICK, color=NOTE_COLOR
    )
    draw_cycles(ax, cycles, cycle_len, label_fits=cycle_len * 0.94 >= 3.2 * per_char)
    draw_assessments(ax, assessments)
    if measure_row is not None:
        draw_measurements(ax, measurements, measure_row)
    for (t, _, grade), text, row, (lo, _) in zip(events, texts, rows, spans, strict=True):
        draw_adverse_event(ax, t, grade, text, first_ae_row + row, right=lo >= t, pad=per_char)
    if not events:
        ax.text(
            per_char,
            first_ae_row,
            "none recorded",
            color=NOTE_COLOR,
            va="center",
            fontsize=FONT_SMALL,
        )

    bottom = first_ae_row + n_ae_rows - 0.4
    for when, name, color in (
        (progression, "Progression", PROGRESSION_COLOR),
        (surgery, "Surgery", SURGERY_COLOR),
    ):
        if when is not None:
            day = begin + dt.timedelta(days=round(when))
            draw_milestone(ax, when, f"{name} {day.day} {day:%b}", color, bottom, (xmin, xmax))

    for y in range(RESPONSE_ROW, first_ae_row + 1):
        ax.axhline(y - 0.5, color="#dddddd", lw=0.8)
    rows_y = [TREATMENT_ROW, RESPONSE_ROW, first_ae_row + (n_ae_rows - 1) / 2]
    names = ["Treatment", "Response", "Adverse events"]
    if measure_row is not None:
        rows_y.insert(2, measure_row)
        names.insert(2, measure_label or "Tumour size")
    ax.set_yticks(rows_y, names, fontsize=FONT_TICK)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(bottom, -0.95)
    ax.set_xlim(xmin, xmax)
    ticks, labels = date_ticks(begin, xmin, xmax)
    ax.set_xticks(ticks, labels)
    ax.spines["left"].set_visible(False)
    add_footer(fig, "", stamp)
    return fig


# The PNG a reply carries; `_timeline_figure` is the same figure, for tests that inspect it.
patient_timeline_plot = png_of(_timeline_figure)
