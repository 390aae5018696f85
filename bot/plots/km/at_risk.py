"""The number-at-risk table under a Kaplan–Meier plot: one row per curve, the count of patients
still followed at each time tick, in the curve's colour."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sts_bot.plots.common import FONT_TICK, group_style, shorten

if TYPE_CHECKING:
    import numpy as np

    from sts_queries.stats.survival import KMFit

__all__ = ["AT_RISK_LABEL", "ROW_IN", "at_risk_height", "draw_at_risk"]

AT_RISK_LABEL = "Number at risk"
ROW_IN = 0.24  # height of one at-risk row


def at_risk_height(n_curves: int) -> float:
    """The table's height in inches: its title and a row per curve."""
    return 0.45 + ROW_IN * n_curves


def draw_at_risk(
    ax, curves: Sequence[tuple[str, KMFit]], ticks: np.ndarray, min_at_risk: int | None = None
) -> None:
    """One row per curve, the count at each x tick, labelled by the curve's name and colour;
    with `min_at_risk` (outside patient places) a count under it as `<k`."""
    ax.set_label("at-risk")
    rows = range(len(curves))
    ax.set_ylim(len(curves) - 0.5, -0.6)
    ax.set_yticks(list(rows), [shorten(label, 22) for label, _ in curves])
    for row, (_, fit) in enumerate(curves):
        color = group_style(row)["color"]
        ax.get_yticklabels()[row].set_color(color)
        for t in ticks:
            ax.text(
                t,
                row,
                _count(fit.n_at_risk(float(t)), min_at_risk),
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


def _count(n: int, min_at_risk: int | None) -> str:
    return f"<{min_at_risk}" if min_at_risk is not None and n < min_at_risk else str(n)
