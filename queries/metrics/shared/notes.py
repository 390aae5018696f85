"""The caveats an answer carries: values reconstructed rather than published, and why a test
across groups was not run (or says little)."""

from __future__ import annotations

from sts_queries.cohort.cohort import Cohort
from sts_queries.query_spec import QuerySpec

__all__ = [
    "MIN_GROUP",
    "SMALL_GROUP",
    "after_start_note",
    "competing_note",
    "provenance_notes",
    "why_no_test",
]


def provenance_notes(
    spec: QuerySpec, cohort: Cohort, columns: tuple[str, ...] = (), tables: tuple[str, ...] = ()
) -> tuple[str, ...]:
    """Say so whenever an answer rests on reconstructed rather than published values."""
    used = set(columns) | {f.field for f in spec.filters}
    used.update(spec.by_fields)
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


def competing_note(endpoint: str, competitors: tuple[str, ...]) -> tuple[str, ...]:
    """The line under a Kaplan–Meier of an endpoint other events compete with (none if none)."""
    if not competitors:
        return ()
    names = " or ".join(competitors)
    return (
        f"{names} competes with {endpoint}: 1 − KM overstates the incidence of {endpoint} "
        f"(it treats patients after {names} as if they could still have it); "
        f"`/sts cif {endpoint}` gives the cumulative incidence.",
    )


def after_start_note(by: str, endpoint: str) -> str:
    """Why grouping survival by a field known only after follow-up began (best response,
    resection) favours one group: guarantee-time bias, and the landmark analysis instead."""
    return (
        f"`{by}` is only known after follow-up has begun, and a patient must "
        "stay progression-free long enough to be seen responding: this comparison "
        "favours responders by design (guarantee-time bias), so p overstates the "
        "difference. A landmark analysis is the fair version: from a fixed time (say 3 "
        "months), compare only the patients still followed then, grouped by their "
        f"response by that time; `{endpoint} at=3,6 by={by}` gives each group's "
        "survival at fixed times."
    )
