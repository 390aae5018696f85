"""The marks on a patient's timeline, each on its row: treatment cycles, response assessments,
tumour sizes, adverse events by grade, and the progression and surgery lines across them all."""

from __future__ import annotations

from matplotlib.patches import Rectangle

from sts_bot.plots.common import (
    FONT_SMALL,
    GRADE_COLORS,
    GROUP_COLORS,
    REFERENCE_COLOR,
    RESPONSE_COLORS,
    text_color_on,
)

__all__ = [
    "RESPONSE_ROW",
    "TREATMENT_ROW",
    "draw_adverse_event",
    "draw_assessments",
    "draw_cycles",
    "draw_measurements",
    "draw_milestone",
]

TREATMENT_ROW, RESPONSE_ROW = 0, 1


def draw_measurements(ax, measurements: list[tuple[float, float]], y: float) -> None:
    """Tumour size at each scan: the value printed on a small marker, joined by a thin line."""
    points = sorted(measurements)
    ax.plot([t for t, _ in points], [y] * len(points), color=REFERENCE_COLOR, lw=0.8, zorder=1.8)
    for t, value in points:
        ax.plot(
            [t],
            [y],
            marker="s",
            markersize=5,
            color="#333333",
            linestyle="none",
            gid="timeline-measurement",
        )
        ax.text(
            t,
            y - 0.2,
            f"{value:g}",
            ha="center",
            va="bottom",
            fontsize=FONT_SMALL,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5},
            zorder=4,
        )


def draw_cycles(ax, cycles: int, cycle_len: float, *, label_fits: bool) -> None:
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


def draw_assessments(ax, assessments: list[tuple[float, str]]) -> None:
    """Each assessment a circle in its response's colour, its code written above it."""
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


def draw_adverse_event(
    ax, t: float, grade: int, text: str, y: float, *, right: bool, pad: float
) -> None:
    """One adverse event: a circle in its grade's colour, its words beside it (``right`` of the
    point or left of it, ``pad`` away)."""
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


def draw_milestone(
    ax, when: float, name: str, color: str, bottom: float, span: tuple[float, float]
) -> None:
    """A dashed line down every row at ``when``, named above the axes inside ``span``."""
    lo, hi = span
    where = (when - lo) / (hi - lo)
    ax.plot(
        [when, when],
        [-0.55, bottom],
        color=color,
        lw=2,
        linestyle=(0, (5, 3)),
        zorder=1.5,
        gid=f"timeline-{name.split()[0].lower()}",
    )
    # Keep the name inside the axes when the line is close to either end.
    ha = "right" if where > 0.85 else "left" if where < 0.15 else "center"
    ax.text(
        when, -0.58, name, color=color, ha=ha, va="bottom", fontsize=FONT_SMALL, fontweight="bold"
    )
