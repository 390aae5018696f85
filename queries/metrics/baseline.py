"""Descriptive answers: baseline (Table 1), the patient list, fields, and one patient's card."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from sts_queries.charts import TimelineChart
from sts_queries.cohort.catalog import CATEGORICAL, NUMERIC, Field
from sts_queries.cohort.cohort import Cohort
from sts_queries.errors import UnknownValue
from sts_queries.metrics.metric import Metric
from sts_queries.metrics.shared.groups import group_labels, group_name, is_missing
from sts_queries.metrics.shared.limits import one_per_patient
from sts_queries.metrics.shared.notes import provenance_notes
from sts_queries.metrics.shared.selection import run, selected_n
from sts_queries.metrics.swimmer import patient_course
from sts_queries.query_spec import QuerySpec
from sts_queries.result import Answer, Part
from sts_queries.sql.statement import metric_sql

__all__ = [
    "BASELINE",
    "FIELDS",
    "LIST",
    "LIST_COLUMNS",
    "PATIENT",
    "Baseline",
    "Fields",
    "PatientCard",
    "PatientList",
    "baseline_answer",
    "fields_answer",
    "list_answer",
    "patient_answer",
]


@dataclass(frozen=True, kw_only=True)
class Baseline(Part):
    """Table 1: per characteristic, median (range) or n (%) per value."""

    rows: Sequence[Mapping]


@dataclass(frozen=True, kw_only=True)
class PatientList(Part):
    columns: Sequence[str]
    patients: Sequence[Mapping]
    lines: Sequence[str]


@dataclass(frozen=True, kw_only=True)
class Fields(Part):
    fields: Sequence[Mapping]
    lines: Sequence[str]


@dataclass(frozen=True, kw_only=True)
class PatientCard(Part):
    patient: Mapping
    adverse_events: Sequence[Mapping]
    assessments: Sequence[Mapping]
    time_unit: str


LIST_COLUMNS = ("patient_id", "age", "sex", "histology", "stage", "regimen", "best_response")
# Columns that are outcomes or bookkeeping, not characteristics of a patient at baseline.
_NOT_BASELINE = {"patient_id", "best_response", "resection", "cycles"}
_MAX_LEVELS = 15
# `list` is for finding cases, not for exporting a registry: past this many lines it is refused.
MAX_LISTED = 500


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


def list_answer(spec: QuerySpec, cohort: Cohort) -> Answer:
    """The matching patients, one line each, nothing more than the list columns."""
    n = selected_n(spec, cohort)
    one_per_patient(spec, n, shows="a line", limit=MAX_LISTED)
    columns = [c for c in LIST_COLUMNS if c in cohort.catalog.names()]
    frame = run(spec, cohort, metric_sql("list"), columns={c: c for c in columns})
    patients = [
        {c: (None if is_missing(v) else v) for c, v in zip(columns, row, strict=True)}
        for row in frame[columns].itertuples(index=False)
    ]
    lines = tuple(" · ".join(f"{p[c]}" for c in columns if p[c] is not None) for p in patients)
    return Answer(
        spec=spec,
        metric="list",
        title="Patients",
        n=n,
        body=PatientList(columns=columns, patients=patients, lines=lines),
        notes=provenance_notes(spec, cohort, tuple(columns)),
    )


def fields_answer(spec: QuerySpec, cohort: Cohort) -> Answer:
    """Every filterable field with its aliases and its known values with counts (or range)."""
    rows, lines = [], []
    for f in cohort.catalog.fields:
        if f.name == "patient_id":
            continue
        row = {"field": f.name, "label": f.label, "kind": f.kind, "aliases": list(f.aliases)}
        if f.kind == CATEGORICAL or f.is_code:
            row["values"] = [{"value": v, "n": k} for v, k in f.counts]
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


def patient_answer(spec: QuerySpec, cohort: Cohort) -> Answer:
    """One patient's card for a tumor board: characteristics, treatment, response, PFS, AEs."""
    frame = cohort.query(metric_sql("patient"), [spec.patient_id] * 3)
    if frame.empty:
        ids = cohort.query(metric_sql("patient_ids"))
        known = ", ".join(ids["patient_id"].astype(str).head(30))
        raise UnknownValue(
            f"No patient `{spec.patient_id}` in this cohort.", hint=f"Known ids: {known}."
        )
    record = {k: (None if is_missing(v) else v) for k, v in frame.iloc[0].items()}
    pid = record["patient_id"]
    events = []
    if cohort.has_table("adverse_events"):
        aes = cohort.query(
            "SELECT * FROM adverse_events WHERE patient_id = ? ORDER BY grade DESC, term", [pid]
        )
        events = [
            {k: (None if is_missing(v) else v) for k, v in r.items()}
            for r in aes.to_dict("records")
        ]
    assessments = []
    if cohort.has_table("assessments"):
        rows = cohort.query("SELECT * FROM assessments WHERE patient_id = ? ORDER BY date", [pid])
        assessments = [
            {k: (None if is_missing(v) else v) for k, v in r.items()}
            for r in rows.to_dict("records")
        ]
    tables = tuple(t for t in ("adverse_events", "assessments") if cohort.has_table(t))
    return Answer(
        spec=spec,
        metric="patient",
        title=f"Patient {pid}",
        n=1,
        body=PatientCard(
            patient=record,
            adverse_events=events,
            assessments=assessments,
            time_unit=cohort.meta.time_unit,
        ),
        notes=provenance_notes(spec, cohort, tuple(record), tables),
        chart=(
            TimelineChart(course=course, data_as_of=cohort.meta.data_as_of)
            if (course := patient_course(cohort, record, events, assessments))
            else None
        ),
    )


BASELINE = Metric(
    name="baseline",
    title="Baseline characteristics",
    summary="The cohort's characteristics, like a paper's Table 1.",
    examples=("baseline", "baseline by=stage"),
    aliases=("table1", "characteristics"),
    handler=baseline_answer,
    body=Baseline,
)
LIST = Metric(
    name="list",
    title="Patients",
    summary="The matching patients, one line each (patient-level: only where allowed).",
    examples=("list best_response=PR", "list age>=65"),
    aliases=("patients",),
    handler=list_answer,
    body=PatientList,
    patient_level=True,
    groupable=False,
)
PATIENT = Metric(
    name="patient",
    title="Patient",
    summary="One patient's card for a tumor board (patient-level: only where allowed).",
    examples=("patient 8",),
    aliases=("case", "pt"),
    handler=patient_answer,
    body=PatientCard,
    patient_level=True,
    groupable=False,
    filterable=False,
    args="patient",
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
