"""One look for every plot: palettes, fonts, endpoint names, time ticks, the footer and stamp.

Plain values and small helpers only; the drawing modules (``plots_*``) take every colour, size
and word from here so that a KM curve, a swimmer lane and a toxicity bar read the same way.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

__all__ = [
    "DAYS_PER_UNIT",
    "GRADE_COLORS",
    "GROUP_COLORS",
    "RESPONSE_COLORS",
    "RESPONSE_NAMES",
    "endpoint_name",
    "group_style",
    "provenance_stamp",
    "tick_step",
    "time_ticks",
]

FONT_TITLE = 13
FONT_LABEL = 11
FONT_TICK = 10
FONT_SMALL = 9
# The method footer and the provenance stamp: dark and 11 pt, so that a 400 px thumbnail
# (a third of the 1200 px image) still shows legible words, not a grey smear.
FONT_FOOTER = 11
FOOTER_COLOR = "#333333"
STAMP_COLOR = "#8a3b00"
NOTE_COLOR = "#555555"
GRID_COLOR = "#e3e3e3"
REFERENCE_COLOR = "#7a7a7a"  # the 50% line, the data-cut marks

# Okabe & Ito (2008), the colour-blind-safe qualitative palette, without its yellow (#F0E442),
# which cannot be read as a line or as text on white. Past seven groups the colours repeat
# with another line style (see `group_style`).
GROUP_COLORS = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
)
LINESTYLES = ("-", "--", "-.", ":")

# RECIST 1.1 best response, fixed so that a colour means the same thing on every plot.
RESPONSE_COLORS = {
    "CR": "#0072B2",
    "PR": "#56B4E9",
    "SD": "#E69F00",
    "PD": "#D55E00",
    "NE": "#9a9a9a",
}
RESPONSE_NAMES = {
    "CR": "Complete response",
    "PR": "Partial response",
    "SD": "Stable disease",
    "PD": "Progressive disease",
    "NE": "Not evaluable",
}

# CTCAE grade 1-5: one hue, light to dark (ColorBrewer RdBu's red half), so that severity reads
# as darkness also without colour vision. Grade 1 is a mid salmon, not a pale yellow: it stands
# out from the white background and from its white separators.
GRADE_COLORS = {
    1: "#F4A582",
    2: "#D6604D",
    3: "#B2182B",
    4: "#67001F",
    5: "#1A1A1A",
}

SURGERY_COLOR = "#CC79A7"
PROGRESSION_COLOR = "#D55E00"

DAYS_PER_UNIT = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12, "years": 365.25}

# The tick step a clinician expects for each unit, smallest first: 3-monthly scans, 4-weekly
# cycles. The smallest step that gives at most `MAX_INTERVALS` intervals is used, so that every
# plot of a cohort (whose follow-up is the same order of magnitude) gets the same step.
TICK_STEPS = {
    "days": (7, 14, 28, 30, 60, 90, 180, 365, 730),
    "weeks": (4, 8, 12, 13, 26, 52, 104),
    "months": (3, 6, 12, 24, 60),
    "years": (1, 2, 5, 10, 20),
}
MAX_INTERVALS = 10

_ENDPOINT_NAMES = {
    "pfs": "Progression-free survival",
    "os": "Overall survival",
    "dfs": "Disease-free survival",
    "efs": "Event-free survival",
    "rfs": "Relapse-free survival",
    "dor": "Duration of response",
    "ttr": "Time to response",
    "ttp": "Time to progression",
}


def endpoint_name(endpoint: str) -> str:
    """The y-axis of a KM plot: 'Progression-free survival' for pfs, else the endpoint's name."""
    key = endpoint.strip().lower()
    return _ENDPOINT_NAMES.get(key, key.upper() if len(key) <= 4 else endpoint.strip())


def group_style(i: int) -> dict[str, str]:
    """Colour and line style of the i-th group: seven colours, then the next line style."""
    return {
        "color": GROUP_COLORS[i % len(GROUP_COLORS)],
        "linestyle": LINESTYLES[(i // len(GROUP_COLORS)) % len(LINESTYLES)],
    }


def tick_step(tmax: float, unit: str) -> float:
    """The natural step for an axis from 0 to ``tmax``: the smallest with <= 10 intervals."""
    steps = TICK_STEPS.get(unit)
    tmax = float(tmax) if tmax and tmax > 0 else 1.0
    if not steps:
        raw = tmax / MAX_INTERVALS
        magnitude = 10 ** math.floor(math.log10(raw))
        return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return float(next((s for s in steps if tmax / s <= MAX_INTERVALS), steps[-1]))


def time_ticks(tmax: float, unit: str) -> np.ndarray:
    """Ticks from 0 past ``tmax`` at the unit's natural step; the last tick lies beyond tmax,
    so that a mark at the last time (a censoring, an arrow) has room inside the axis."""
    step = tick_step(tmax, unit)
    tmax = float(tmax) if tmax and tmax > 0 else 1.0
    count = max(1, math.floor(tmax / step + 1e-9) + 1)
    return np.arange(count + 1) * step


def provenance_stamp(*, reconstructed: bool, data_as_of: dt.date | str | None) -> str:
    """The stamp a plot carries when it travels without its message: '' when nothing to say."""
    parts = []
    if reconstructed:
        parts.append("Reconstructed demo data")
    if data_as_of:
        when = data_as_of.isoformat() if hasattr(data_as_of, "isoformat") else str(data_as_of)
        parts.append(f"data as of {when}")
    text = " · ".join(parts)
    return text[:1].upper() + text[1:]
