"""Baseline characteristics: the cohort's Table 1, per group when asked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from sts_queries.cohort.catalog import CATEGORICAL, NUMERIC, Field
from sts_queries.cohort.cohort import Cohort
from sts_queries.metrics.metric import Metric
from sts_queries.metrics.shared.groups import group_labels, group_name
from sts_queries.metrics.shared.notes import provenance_notes
from sts_queries.metrics.shared.selection import run, selected_n
from sts_queries.query_spec import QuerySpec
from sts_queries.result import Answer, Part
from sts_queries.sql.statement import metric_sql

__all__ = ["BASELINE", "Baseline", "baseline_answer", "baseline_fields"]


@dataclass(frozen=True, kw_only=True)
class Baseline(Part):
    """Table 1: per characteristic, median (range) or n (%) per value."""

    rows: Sequence[Mapping]


# Columns that are outcomes or bookkeeping, not characteristics of a patient at baseline.
_NOT_BASELINE = {"patient_id", "best_response", "resection", "cycles"}
_MAX_LEVELS = 15


def baseline_fields(cohort: Cohort) -> list[Field]:
    """The declared baseline fields, or every characteristic that reads well in a Table 1."""
    declared = cohort.meta.baseline
    if declared:
        return [cohort.catalog.get(name) for name in declared if cohort.catalog.get(name)]
    chosen = []
    for f in cohort.catalog.fields:
        if f.name in _NOT_BASELINE or f.name.endswith(("_time", "_event", "_date")):
            continue
        if f.kind == NUMERIC or (f.kind == CATEGORICAL and len(f.values) <= _MAX_LEVELS):
            chosen.append(f)
    return chosen


def _rows_for(spec: QuerySpec, cohort: Cohort, fields: list[Field]) -> dict[str, list[dict]]:
    """Baseline rows keyed by group (one key, whatever it is, when ungrouped)."""
    out: dict[str, list[dict]] = {}
    for f in fields:
        columns = {"characteristic": f.name}
        if f.kind == NUMERIC and not f.is_code:  # codes (sex 1/2) are counted like categories
            frame = run(spec, cohort, metric_sql("baseline_numeric"), columns=columns)
            for _, r in frame.iterrows():
                out.setdefault(group_name(r["group_key"]), []).append(
                    {
                        "field": f.name,
                        "label": f.label,
                        "n": int(r["n"]),
                        "median": None if r["n"] == 0 else float(r["median"]),
                        "min": None if r["n"] == 0 else float(r["min"]),
                        "max": None if r["n"] == 0 else float(r["max"]),
                    }
                )
            continue
        frame = run(spec, cohort, metric_sql("baseline_categorical"), columns=columns)
        for key, part in frame.groupby(frame["group_key"].map(group_name), dropna=False):
            counts = {group_name(v): int(n) for v, n in zip(part["value"], part["n"], strict=True)}
            total = sum(counts.values())
            order = [v for v in f.values if v in counts] + sorted(set(counts) - set(f.values))
            values = [
                {"value": v, "label": f.value_label(v), "n": counts[v], "pct": counts[v] / total}
                for v in order
            ]
            out.setdefault(str(key), []).append(
                {"field": f.name, "label": f.label, "values": values}
            )
    return out


def baseline_answer(spec: QuerySpec, cohort: Cohort) -> Answer:
    """The cohort's characteristics like a paper's Table 1, per group when asked."""
    n = selected_n(spec, cohort)
    fields = baseline_fields(cohort)
    rows = _rows_for(spec, cohort, fields)
    overall = _rows_for(replace(spec, by=None), cohort, fields) if spec.by else rows
    ungrouped = next(iter(overall.values()))
    groups = []
    if spec.by:
        sizes = run(spec, cohort, metric_sql("count"), columns={})
        size = {group_name(g): int(k) for g, k in zip(sizes["group_key"], sizes["n"], strict=True)}
        for label in group_labels(spec, cohort, set(rows)):
            groups.append({"label": label, "n": size[label], "rows": rows[label]})
    return Answer(
        spec=spec,
        metric="baseline",
        title="Baseline characteristics",
        n=n,
        method="n (% of patients selected); numbers as median (range)",
        body=Baseline(rows=ungrouped),
        groups=tuple(groups),
        notes=provenance_notes(spec, cohort, tuple(f.name for f in fields)),
    )


BASELINE = Metric(
    name="baseline",
    title="Baseline characteristics",
    summary="The cohort's characteristics, like a paper's Table 1.",
    examples=("baseline", "baseline by=stage", "baseline by=age>=60"),
    aliases=("table1", "characteristics"),
    handler=baseline_answer,
    body=Baseline,
)
