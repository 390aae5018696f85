"""One patient's card for a tumor board: characteristics, treatment, response, PFS, AEs
(patient-level)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sts_queries.charts import TimelineChart
from sts_queries.cohort.cohort import Cohort
from sts_queries.errors import UnknownValue
from sts_queries.metrics.metric import Metric
from sts_queries.metrics.patients.swimmer import patient_course
from sts_queries.metrics.shared.groups import is_missing
from sts_queries.metrics.shared.notes import provenance_notes
from sts_queries.query_spec import QuerySpec
from sts_queries.result import Answer, Part
from sts_queries.sql.statement import metric_sql

__all__ = ["PATIENT", "PatientCard", "patient_answer"]


@dataclass(frozen=True, kw_only=True)
class PatientCard(Part):
    patient: Mapping
    adverse_events: Sequence[Mapping]
    assessments: Sequence[Mapping]
    time_unit: str
    # A coded field's value by its cohort.toml label (trt 1 -> "standard"), for the card.
    labels: Mapping[str, str] = field(default_factory=dict)


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
            labels=_labels(record, cohort),
        ),
        notes=provenance_notes(spec, cohort, tuple(record), tables),
        chart=(
            TimelineChart(course=course, data_as_of=cohort.meta.data_as_of)
            if (course := patient_course(cohort, record, events, assessments))
            else None
        ),
    )


def _labels(record: Mapping, cohort: Cohort) -> dict[str, str]:
    out = {}
    for name, value in record.items():
        found = cohort.catalog.get(name) if value is not None else None
        if found is not None and found.is_code and str(value) in found.value_labels:
            out[name] = found.value_labels[str(value)]
    return out


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
