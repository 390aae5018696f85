"""The patient list: the matching patients, one line each (patient-level)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sts_queries.cohort.cohort import Cohort
from sts_queries.metrics.metric import Metric
from sts_queries.metrics.shared.groups import is_missing
from sts_queries.metrics.shared.limits import one_per_patient
from sts_queries.metrics.shared.notes import provenance_notes
from sts_queries.metrics.shared.selection import run, selected_n
from sts_queries.query_spec import QuerySpec
from sts_queries.result import Answer, Part
from sts_queries.sql.statement import metric_sql

__all__ = ["LIST", "LIST_COLUMNS", "MAX_LISTED", "PatientList", "list_answer"]


@dataclass(frozen=True, kw_only=True)
class PatientList(Part):
    columns: Sequence[str]
    patients: Sequence[Mapping]
    lines: Sequence[str]


LIST_COLUMNS = ("patient_id", "age", "sex", "histology", "stage", "regimen", "best_response")
# `list` is for finding cases, not for exporting a registry: past this many lines it is refused.
MAX_LISTED = 500


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
