"""Count: how many patients match the filters, and per group when asked."""

from __future__ import annotations

from dataclasses import dataclass

from sts_queries.cohort.cohort import Cohort
from sts_queries.metrics.metric import Metric
from sts_queries.metrics.shared.groups import group_labels, group_name
from sts_queries.metrics.shared.notes import provenance_notes
from sts_queries.metrics.shared.selection import run, selected_n
from sts_queries.query_spec import QuerySpec
from sts_queries.result import Answer, Part
from sts_queries.sql.statement import metric_sql

__all__ = ["COUNT", "Count", "count_answer"]


@dataclass(frozen=True, kw_only=True)
class Count(Part):
    count: int
    of: int


def count_answer(spec: QuerySpec, cohort: Cohort) -> Answer:
    """How many patients match, and per group when asked."""
    n = selected_n(spec, cohort)
    groups = []
    if spec.by:
        frame = run(spec, cohort, metric_sql("count"), columns={})
        counts = {group_name(r["group_key"]): int(r["n"]) for _, r in frame.iterrows()}
        groups = [{"label": g, "n": counts[g]} for g in group_labels(spec, cohort, set(counts))]
    total = cohort.rows()
    return Answer(
        spec=spec,
        metric="count",
        title="Count",
        n=n,
        body=Count(count=n, of=total),
        groups=tuple(groups),
        notes=provenance_notes(spec, cohort),
    )


COUNT = Metric(
    name="count",
    title="Count",
    summary="How many patients match the filters.",
    examples=("count stage=III", "count by=sex"),
    aliases=("n",),
    handler=count_answer,
    body=Count,
)
