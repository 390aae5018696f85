"""The words on a Kaplan–Meier plot: each curve's legend entry (n, events, median with its CI,
hazard ratio against the reference), the median follow-up line, landmark times in a sentence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

from sts_bot.plots.common import FONT_SMALL, WIDTH_IN, fmt_hr, fmt_number, shorten
from sts_bot.render.survival import time_text

if TYPE_CHECKING:
    from sts_queries.stats.survival import KMFit

__all__ = ["fmt_hr", "followup_text", "hazard_text", "legend_text", "listed", "median_text"]

# A legend line may be this wide: the canvas less the y-axis labels left of the legend and
# the legend's line sample.
_LEGEND_WIDTH_PT = (WIDTH_IN - 1.6) * 72


def median_text(fit: KMFit, unit: str) -> str:
    """'7.65 months (95% CI 1.41–NR)', or 'not reached' when the curve stays above 0.5.

    A missing limit is NR (not reached) when its band stays above 0.5, NE (not estimable)
    when the band itself is undefined at the end (log-log where S reaches 0 or 1).
    """
    if fit.median is None:
        return "not reached"

    def limit(value: float | None, band) -> str:
        if value is not None and np.isfinite(value):
            return time_text(value, unit)
        band = np.asarray(band, float)
        return "NE" if band.size == 0 or not np.isfinite(band[-1]) else "NR"

    level = round(100 * fit.conf_level)
    low, high = limit(fit.median_low, fit.lower), limit(fit.median_high, fit.upper)
    return f"{time_text(fit.median, unit)} {unit} ({level}% CI {low}–{high})"


def followup_text(followup: Mapping, unit: str) -> str:
    """'Median follow-up 18.63 months (95% CI 3.19–NR), reverse Kaplan–Meier'."""

    def value(v) -> str:
        return "NR" if v is None else time_text(v, unit)

    if followup.get("median") is None:
        return "Median follow-up not reached (reverse Kaplan–Meier)"
    if "ci_low" not in followup:  # outside patient places: each limit is one patient's time
        return f"Median follow-up {value(followup['median'])} {unit}, reverse Kaplan–Meier"
    return (
        f"Median follow-up {value(followup['median'])} {unit} (95% CI "
        f"{value(followup.get('ci_low'))}–{value(followup.get('ci_high'))}), "
        "reverse Kaplan–Meier"
    )


def hazard_text(label: str, reference: str | None, hazards: Mapping) -> str:
    """'HR 2.24 (95% CI 0.14–37.1)', 'HR 1 (reference)', '' where the answer has no HRs."""
    if not hazards or reference is None:
        return ""
    if label == reference:
        return "HR 1 (reference)"
    if label not in hazards:
        return "no HR"
    hr, low, high = hazards[label]
    return f"HR {fmt_hr(hr)} (95% CI {fmt_hr(low)}–{fmt_hr(high)})"


def legend_text(label: str, fit: KMFit, unit: str, hazard: str) -> str:
    """'IV: n = 5, 5 events, median 5.78 months (95% CI 1.45–NE); HR 16.0 (…)', the HR on a
    line of its own when the whole would not fit the width."""
    events = "event" if fit.events == 1 else "events"
    text = (
        f"{shorten(label, 30)}: n = {fit.n}, {fit.events} {events}, median {median_text(fit, unit)}"
    )
    if not hazard:
        return text
    joined = f"{text}; {hazard}"
    return joined if _width_pt(joined) <= _LEGEND_WIDTH_PT else f"{text};\n{hazard}"


def _width_pt(text: str) -> float:
    """The width of one legend line as drawn (its font's own metrics, no renderer needed)."""
    width, _, _ = TextToPath().get_text_width_height_descent(
        text, FontProperties(size=FONT_SMALL), ismath=False
    )
    return width


def listed(times: Sequence[float]) -> str:
    words = [fmt_number(t) for t in times]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
