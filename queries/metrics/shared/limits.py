"""Answers refused before any work: a line or lane per patient past a readable number of
patients, and `by=` with more groups than can be compared."""

from __future__ import annotations

from sts_queries.cohort.cohort import Cohort
from sts_queries.errors import UsageError
from sts_queries.metrics.shared.selection import run
from sts_queries.query_spec import QuerySpec

__all__ = ["MAX_GROUPS", "few_enough_groups", "one_per_patient"]


def one_per_patient(spec: QuerySpec, n: int, *, shows: str, limit: int) -> None:
    """Refuse, before any work, an answer that shows `shows` for each of more than `limit`
    patients: a registry's 10^5 lanes or lines are unreadable in Slack and would take minutes
    and gigabytes to draw; the user is told how to narrow the question instead."""
    if n <= limit:
        return
    what = " and ".join(spec.describe_filters())
    raise UsageError(
        f"`{spec.metric}` shows {shows} for each patient, up to {limit:,}; "
        f"{what + ' selects' if what else 'this cohort has'} {n:,}.",
        hint=f"Narrow it with filters (e.g. /sts {spec.metric} stage=IV histology=LPS), or see "
        "the whole selection with /sts count by=histology or /sts baseline.",
    )


# by= compares groups side by side: a table column, a curve, a panel each. Past this many the
# answer is unreadable and, by=patient_id on a registry, takes minutes.
MAX_GROUPS = 50


def few_enough_groups(spec: QuerySpec, cohort: Cohort) -> None:
    """Refuse a `by=` that makes more than MAX_GROUPS groups in this selection (counted only
    when the catalog does not already say the field has few values)."""
    if not spec.by:
        return
    plain = spec.grouping.plain_field if spec.grouping else None
    field = cohort.catalog.get(plain) if plain else None
    if field is not None and 0 < len(field.counts) < MAX_GROUPS:
        return
    groups = int(
        run(spec, cohort, "SELECT count(DISTINCT group_key) AS k FROM selected", columns={})[
            "k"
        ].iloc[0]
    )
    if groups > MAX_GROUPS:
        raise UsageError(
            f"`by={spec.by}` makes {groups:,} groups here; by= compares up to {MAX_GROUPS}.",
            hint="Group by a field with fewer values (e.g. by=histology, by=stage), or filter "
            f"to the {spec.by} values to compare (e.g. {spec.by}=a,b).",
        )
