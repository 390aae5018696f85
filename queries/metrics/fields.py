"""Fields: every filterable field with its aliases and its values with counts (or range)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sts_queries.cohort.catalog import CATEGORICAL
from sts_queries.cohort.cohort import Cohort
from sts_queries.metrics.metric import Metric
from sts_queries.query_spec import QuerySpec
from sts_queries.result import Answer, Part

__all__ = ["FIELDS", "Fields", "fields_answer"]


@dataclass(frozen=True, kw_only=True)
class Fields(Part):
    fields: Sequence[Mapping]
    lines: Sequence[str]


def fields_answer(spec: QuerySpec, cohort: Cohort) -> Answer:
    """Every filterable field with its aliases and its known values with counts (or range)."""
    rows, lines = [], []
    for f in cohort.catalog.fields:
        if f.name == "patient_id":
            continue
        row = {"field": f.name, "label": f.label, "kind": f.kind, "aliases": list(f.aliases)}
        if f.kind == CATEGORICAL or f.is_code:
            row["values"] = [
                {"value": v, "n": k} | ({"label": f.value_labels[v]} if v in f.value_labels else {})
                for v, k in f.counts
            ]
            if f.hierarchy:
                row["groups"] = {g: list(m) for g, m in f.hierarchy.items()}
            shown = f.known_values_text(limit=12)
        elif f.minimum is not None:
            row["min"], row["max"] = f.minimum, f.maximum
            shown = f"{f.minimum:g}–{f.maximum:g}"
        else:
            shown = f.kind
        aliases = f" (also {', '.join(f.aliases)})" if f.aliases else ""
        rows.append(row)
        lines.append(f"{f.name}{aliases}: {shown}")
    n = cohort.rows()
    return Answer(
        spec=spec,
        metric="fields",
        title="Fields",
        n=n,
        body=Fields(fields=rows, lines=tuple(lines)),
    )


FIELDS = Metric(
    name="fields",
    title="Fields",
    summary="Every filterable field with its values and counts.",
    examples=("fields",),
    aliases=("field",),
    handler=fields_answer,
    body=Fields,
    groupable=False,
    filterable=False,
)
