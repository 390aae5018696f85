"""What an answer asks to have drawn: one frozen type per kind of plot, plain data only.

`bot/figures.py` dispatches on these types to draw PNGs; nothing here imports matplotlib.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Chart", "KaplanMeierChart", "SwimmerChart", "TimelineChart", "ToxicityChart"]


@dataclass(frozen=True, kw_only=True)
class Chart:
    """Base of every plot an answer can carry."""


@dataclass(frozen=True, kw_only=True)
class KaplanMeierChart(Chart):
    curves: Sequence[tuple[str, Any]]  # (label, survival.KMFit)
    unit: str
    test: Mapping[str, Any] | None = None


@dataclass(frozen=True, kw_only=True)
class ToxicityChart(Chart):
    rows: Sequence[Mapping[str, Any]]
    n: int


@dataclass(frozen=True, kw_only=True)
class SwimmerChart(Chart):
    lanes: Sequence[Mapping[str, Any]]
    unit: str


@dataclass(frozen=True, kw_only=True)
class TimelineChart(Chart):
    """One patient's course; `course` holds the timeline plot's keyword arguments."""

    course: Mapping[str, Any]
