"""What an answer asks to have drawn: one frozen type per kind of plot, plain data only.

`bot/plots/figures.py` dispatches on these types to draw PNGs; nothing here imports matplotlib.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Chart",
    "CumulativeIncidenceChart",
    "ForestChart",
    "KaplanMeierChart",
    "SpiderChart",
    "SwimmerChart",
    "TimelineChart",
    "ToxicityChart",
    "WaterfallChart",
]


@dataclass(frozen=True, kw_only=True)
class Chart:
    """Base of every plot an answer can carry.

    `data_as_of` is the cohort's data cut, stamped on the image: plots travel without their
    message.
    """

    data_as_of: dt.date | None = None


@dataclass(frozen=True, kw_only=True)
class KaplanMeierChart(Chart):
    curves: Sequence[tuple[str, Any]]  # (label, survival.KMFit)
    unit: str
    test: Mapping[str, Any] | None = None
    # For the plot to show, if it will: landmark times (dashed lines, in `unit`), the reverse-KM
    # median follow-up ({median, ci_low, ci_high}), and in grouped answers each non-reference
    # group's (hr, ci_low, ci_high) against `reference` with the likelihood-ratio test.
    landmarks: Sequence[float] = ()
    followup: Mapping[str, Any] | None = None
    reference: str | None = None
    hazards: Mapping[str, tuple[float, float, float]] = field(default_factory=dict)
    hr_test: Mapping[str, Any] | None = None
    endpoint: str = ""  # "pfs", "os", …: names the y-axis (the answer's metric when empty)
    # Per curve, event times to ring (the weekly post: this week's progressions or deaths).
    marked: Sequence[Sequence[float]] = ()
    # given=: the curves are conditional on being event-free at `start`, and drawn from it.
    start: float = 0.0
    # rmst: the horizon τ the restricted means are taken to (the area under each curve to it).
    tau: float | None = None
    # Outside patient places: numbers at risk under this are shown as "<k" (curves are cut
    # there and carry no censor ticks: sts_queries.privacy.suppression_plots).
    min_at_risk: int | None = None


@dataclass(frozen=True, kw_only=True)
class CumulativeIncidenceChart(Chart):
    """Competing risks: per group a fit of every cause (aalen_johansen.CumulativeIncidence),
    the cause of interest first; its Gray's test and each group's Fine–Gray (shr, low, high)
    against `reference`."""

    curves: Sequence[tuple[str, Any]]  # (label, CumulativeIncidence)
    causes: Sequence[str]  # the endpoint, then the competing endpoints
    unit: str
    landmarks: Sequence[float] = ()
    test: Mapping[str, Any] | None = None
    reference: str | None = None
    hazards: Mapping[str, tuple[float, float, float]] = field(default_factory=dict)
    min_at_risk: int | None = None  # outside patient places, as KaplanMeierChart's


@dataclass(frozen=True, kw_only=True)
class ToxicityChart(Chart):
    rows: Sequence[Mapping[str, Any]]
    n: int
    # by=: one panel per group, each {label, n, rows}; rows in the table's (declared) order.
    groups: Sequence[Mapping[str, Any]] = ()


@dataclass(frozen=True, kw_only=True)
class SwimmerChart(Chart):
    lanes: Sequence[Mapping[str, Any]]
    unit: str


@dataclass(frozen=True, kw_only=True)
class TimelineChart(Chart):
    """One patient's course; `course` holds the timeline plot's keyword arguments."""

    course: Mapping[str, Any]


@dataclass(frozen=True, kw_only=True)
class ForestChart(Chart):
    """Subgroup estimates with their 95% CIs: a rate (linear axis, the overall rate as the
    reference line) or a hazard ratio (log axis, a line at 1 and one at the overall HR)."""

    rows: Sequence[Mapping[str, Any]]  # field, subgroup, n, estimate, ci_low, ci_high, …
    overall: Mapping[str, Any]  # estimate, ci_low, ci_high, n
    measure: str  # "rate" or "hazard ratio"
    outcome: str  # orr, dcr, pfs …
    reference: str | None = None  # hazard ratios: against this by= group
    comparison: str | None = None  # hazard ratios: of this by= group
    interactions: Sequence[Mapping[str, Any]] = ()  # per field: p of the interaction test
    withheld_note: str = ""  # what was left out of the plot (small cells, in public places)


@dataclass(frozen=True, kw_only=True)
class WaterfallChart(Chart):
    """A bar per patient, its best % change from baseline, in the order drawn (largest increase
    first); each bar {patient_id, best_change_pct, best_response, new_lesion, group}."""

    bars: Sequence[Mapping[str, Any]]
    measured: int  # patients with measurements (some may have no bar: baseline only)
    by: str | None = None  # colour by this field's groups instead of the best response
    pr_line: float = -30.0
    pd_line: float = 20.0


@dataclass(frozen=True, kw_only=True)
class SpiderChart(Chart):
    """A line per patient: % change from baseline over time; each line {patient_id,
    best_response, group, points: [(time, change_pct, new_lesion)]}."""

    lines: Sequence[Mapping[str, Any]]
    unit: str
    by: str | None = None
    pr_line: float = -30.0
    pd_line: float = 20.0
