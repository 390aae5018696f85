"""Pieces every metric shares: the selection, its size, and the caveats it carries."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from sts_queries.cohort.cohort import Cohort
from sts_queries.errors import EmptySelection, UsageError
from sts_queries.language.filters import Filter
from sts_queries.query_spec import QuerySpec
from sts_queries.sql.statement import statement

__all__ = [
    "MAX_GROUPS",
    "MIN_GROUP",
    "MISSING",
    "SMALL_GROUP",
    "few_enough_groups",
    "group_labels",
    "group_name",
    "group_names",
    "is_missing",
    "one_per_patient",
    "provenance_notes",
    "run",
    "selected_n",
    "why_no_test",
]


def run(
    spec: QuerySpec,
    cohort: Cohort,
    body: str,
    *,
    columns: Mapping[str, str] | None = None,
    result_filters: tuple[Filter, ...] = (),
    then: str | None = None,
) -> pd.DataFrame:
    """A metric's SQL over the selection; see `sql.statement`."""
    sql, params = statement(
        spec, cohort.catalog, body, columns=columns, result_filters=result_filters, then=then
    )
    return cohort.query(sql, params)


def selected_n(spec: QuerySpec, cohort: Cohort) -> int:
    """How many patients the filters select; an empty selection is an error worth saying."""
    n = int(run(spec, cohort, "SELECT count(*) AS n FROM selected", columns={})["n"].iloc[0])
    if n == 0:
        what = " and ".join(spec.describe_filters()) or "this cohort"
        raise EmptySelection(
            f"No patients match {what}.",
            hint="Loosen a filter; `/sts fields` shows every value with its count.",
        )
    return n


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
    field = cohort.catalog.get(spec.by)
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


def group_labels(spec: QuerySpec, cohort: Cohort, present: set[str]) -> list[str]:
    """Groups in the field's declared order; only groups that have patients."""
    field = cohort.catalog.get(spec.by) if spec.by else None
    order = list(field.values) if field else []
    ordered = [v for v in order if v in present]
    return ordered + sorted(present - set(ordered))


def provenance_notes(
    spec: QuerySpec, cohort: Cohort, columns: tuple[str, ...] = (), tables: tuple[str, ...] = ()
) -> tuple[str, ...]:
    """Say so whenever an answer rests on reconstructed rather than published values."""
    used = set(columns) | {f.field for f in spec.filters}
    if spec.by:
        used.add(spec.by)
    cols = sorted(used & set(cohort.meta.reconstructed))
    tabs = sorted(set(tables) & set(cohort.meta.reconstructed_tables))
    if not cols and not tabs:
        return ()
    what = ", ".join([*cols, *(f"{t} table" for t in tabs)])
    return (f"Uses reconstructed values ({what}); the source publishes them only in aggregate.",)


# Group tests (Fisher, log-rank): withheld when a group has fewer than MIN_GROUP patients (one
# patient says nothing about a rate or a curve), flagged when one has fewer than SMALL_GROUP.
MIN_GROUP = 2
SMALL_GROUP = 5


def why_no_test(groups: list[dict]) -> str | None:
    """The reason a test across `groups` would say nothing, or None when it may be run."""
    if len(groups) < 2:
        return "Only one group has patients, so there is nothing to compare."
    tiny = [g["label"] for g in groups if g["n"] < MIN_GROUP]
    if tiny:
        return (
            f"No test: {', '.join(tiny)} {'has' if len(tiny) == 1 else 'have'} a single patient, "
            "too few to say anything; filter to the larger groups to compare them."
        )
    return None


MISSING = "missing"  # the group of patients whose `by` field is empty


def is_missing(value) -> bool:
    """None, NaN, NA and NaT alike: what pandas hands back for an empty cell."""
    try:
        return value is None or bool(value != value)  # NaN and NA are not equal to themselves
    except (TypeError, ValueError):
        return False


def group_names(keys: pd.Series):
    """`group_name` of every `group_key` at once (a registry's million rows, no Python loop)."""
    return keys.astype(object).where(keys.notna(), MISSING).astype(str).to_numpy()


def group_name(value) -> str:
    """The label of a `group_key` value; empty cells form their own group, `missing`."""
    return MISSING if is_missing(value) else str(value)
