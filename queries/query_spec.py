"""The query spec: a typed, immutable question, every name and value resolved.

A spec holds only catalog identifiers and canonical values (`sts_queries.language.resolve`
builds it from the words typed), so the SQL built from it never sees user text. It is the
value every stage after the language reads: SQL, the metrics, privacy, the audit log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sts_queries.language.filters import Filter

__all__ = ["GroupTerm", "Grouping", "QuerySpec"]

Cut = float | int | dt.date


@dataclass(frozen=True, kw_only=True)
class GroupTerm:
    """One field of a grouping: its own values, or its numbers (dates) cut into bins.

    Bins are left-closed, `[c_i, c_i+1)` as R's `cut(…, right = FALSE)`, or right-closed
    (`right`: `(c_i, c_i+1]`, for `by=age>65` and `by=age<=65`); `labels` name them lowest
    first, and the lowest is the reference."""

    field: str
    cuts: tuple[Cut, ...] = ()  # ascending; empty: the field's values are the groups
    right: bool = False
    labels: tuple[str, ...] = ()  # one a bin: len(cuts) + 1


@dataclass(frozen=True, kw_only=True)
class Grouping:
    """What `by=` (or `strata=`) splits patients on: one field, a field cut at numbers, or
    several of those crossed (one group per combination present, R's `~ a + b`). `text` is
    how answers name it: `stage`, `age≥65`, `age (cuts 50, 65)`, `trt, celltype`."""

    terms: tuple[GroupTerm, ...]
    text: str

    @classmethod
    def of_field(cls, name: str) -> Grouping:
        return cls(terms=(GroupTerm(field=name),), text=name)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(t.field for t in self.terms)

    @property
    def plain_field(self) -> str | None:
        """The field, when the grouping is one field's own values (the `by=stage` of old)."""
        only = self.terms[0] if len(self.terms) == 1 else None
        return only.field if only is not None and not only.cuts else None


@dataclass(frozen=True, kw_only=True)
class QuerySpec:
    metric: str
    filters: tuple[Filter, ...] = ()
    ae_filters: tuple[Filter, ...] = ()
    by: str | None = None
    ci_type: str = "log-log"
    unit: str = "months"
    share: bool = False
    patient_id: str | None = None
    topic: str | None = None
    as_of: dt.date | None = None  # summary: the week to replay
    reference: str | None = None  # ref=: the group hazard ratios are against (a `by` value)
    adjust: tuple[str, ...] = ()  # adjust=: catalog fields the Cox model adjusts for
    # adjust=age:linear, stage:factor: how a covariate was asked to enter (field, kind)
    adjust_kinds: tuple[tuple[str, str], ...] = ()
    at: tuple[float, ...] = ()  # at=: landmark times in `unit` (empty: the default times)
    tau: float | None = None  # tau=: the RMST's horizon in `unit` (None: the default)
    over: tuple[str, ...] = ()  # over=: the fields a forest plot splits into subgroups
    outcome: str | None = None  # forest: the metric shown in every subgroup
    readings: tuple[str, ...] = ()  # how bare words were read: "`LPS` → histology = LPS"
    # by=: `by` names the grouping (a field's name, or `age≥65`, `trt, celltype`) and
    # `grouping` is what it is; a spec made with `by` alone (or `replace(spec, by=…)`) groups
    # by that field's values. strata=: the strata of a stratified Cox model and log-rank test.
    grouping: Grouping | None = None
    strata: Grouping | None = None

    def __post_init__(self) -> None:
        if self.by is None:
            grouping = None
        elif self.grouping is not None and self.grouping.text == self.by:
            grouping = self.grouping
        else:
            grouping = Grouping.of_field(self.by)
        object.__setattr__(self, "grouping", grouping)

    @property
    def by_fields(self) -> tuple[str, ...]:
        """The catalog fields the groups are made of (none when not grouped)."""
        return self.grouping.fields if self.grouping else ()

    def describe_filters(self) -> list[str]:
        return [f.describe() for f in (*self.filters, *self.ae_filters)]
