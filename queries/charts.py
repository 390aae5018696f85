"""What an answer asks to have drawn: one frozen type per kind of plot, plain data only.

`bot/figures.py` dispatches on these types to draw PNGs; nothing here imports matplotlib.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Chart", "KaplanMeierChart", "SwimmerChart", "TimelineChart", "ToxicityChart"]


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
    endpoint: str = ""  # "pfs", "os", …: names the y-axis (the answer's metric when empty)
    # Per curve, event times to ring (the weekly post: this week's progressions or deaths).
    marked: Sequence[Sequence[float]] = ()


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
