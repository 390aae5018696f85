"""Usage text for every metric, with examples; `/sts help [metric]`.

Each metric's own `summary` and `examples` (its `Metric`) are the help; nothing is kept here
that a metric module does not declare. The `help` metric itself is declared in the registry,
which it lists.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sts_queries.cohort.cohort import Cohort
from sts_queries.language.parse import USAGE
from sts_queries.metrics.metric import Metric
from sts_queries.query_spec import QuerySpec
from sts_queries.result import Answer, Part

__all__ = ["FILTERS", "HAZARDS", "Help", "help_answer"]

FILTERS = (
    "Filters: field=value · field=a,b · field!=value · age>=60 · age<40 · age=40..60 · "
    "stage=III (IIIA+IIIB) · hist=liposarcoma (aliases and synonyms, any case). "
    "by=field splits into groups with a test; by=age>=65 cuts a number (or date) in two, "
    "by=age cuts=50,65 in bins, by=trt,celltype crosses fields; strata=celltype stratifies a "
    "survival comparison. Add `share` to post in the channel."
)


HAZARDS = (
    "hr, cox — hazard ratios: the grouped survival answer (pfs, else os) with Cox HRs, "
    "e.g. /sts hr by=stage ref=IIIA adjust=age. adjust= enters a category or code as "
    "categories (R's factor) and a number linearly; adjust=stage:linear, age:factor overrides."
)


@dataclass(frozen=True, kw_only=True)
class Help(Part):
    lines: Sequence[str]


def help_answer(
    spec: QuerySpec,
    cohort: Cohort | None,
    *,
    resolve: Callable[[str, tuple[str, ...]], Metric],
    names: Callable[[tuple[str, ...]], list[str]],
) -> Answer:
    """Usage, or one metric's details; `resolve` and `names` are the registry's lookups."""
    endpoints = cohort.endpoints if cohort else ()
    if spec.topic:
        metric = resolve(spec.topic, endpoints)
        lines = (
            f"{metric.name}: {metric.summary}",
            *(f"/sts {e}" for e in metric.examples),
            FILTERS,
        )
    else:
        lines = (
            f"Usage: {USAGE}",
            *(f"{m} — {resolve(m, endpoints).summary}" for m in names(endpoints)),
            HAZARDS,
            FILTERS,
            "`/sts help <metric>` shows examples.",
        )
    return Answer(spec=spec, metric="help", title="Help", n=0, body=Help(lines=lines))
