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

__all__ = ["QuerySpec"]


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

    def describe_filters(self) -> list[str]:
        return [f.describe() for f in (*self.filters, *self.ae_filters)]
