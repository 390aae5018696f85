"""Swimmer lanes (the paper's Fig. 1) and one patient's course, as plain data for the plots.

Times are from the start of treatment, in the answer's unit. Treatment lasts `cycles` cycles of
`cycle_days` (21 by default; a cohort may declare another in cohort.toml).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from sts_queries.charts import SwimmerChart
from sts_queries.cohort.cohort import TIME_UNITS, Cohort
from sts_queries.errors import UsageError
from sts_queries.metrics.metric import Metric
from sts_queries.metrics.shared.groups import group_labels, group_name
from sts_queries.metrics.shared.limits import one_per_patient
from sts_queries.metrics.shared.notes import provenance_notes
from sts_queries.metrics.shared.selection import run, selected_n
from sts_queries.query_spec import QuerySpec
from sts_queries.result import Answer, Part
from sts_queries.sql.statement import metric_sql

__all__ = ["SWIMMER", "Swimmer", "patient_course", "swimmer_answer"]


@dataclass(frozen=True, kw_only=True)
class Swimmer(Part):
    """One lane per patient: time on treatment, follow-up, responses, progression, surgery."""

    lanes: Sequence[Mapping]
    unit: str


_LANE_COLUMNS = ("start_date", "cycles", "surgery_date", "pfs_time", "pfs_event", "best_response")


def _present(value) -> bool:
    return (
        value is not None
        and not (isinstance(value, float) and math.isnan(value))
        and value is not pd.NaT
    )


def _date(value) -> dt.date | None:
    if not _present(value):
        return None
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def _since(start: dt.date | None, when, days_per_unit: float) -> float | None:
    when = _date(when)
    if start is None or when is None:
        return None
    return (when - start).days / days_per_unit


# A patient still followed at the data cut has been seen within one scan interval of it; one
# whose last contact is older was lost to follow-up as far as the data know: censored, not
# ongoing. 13 weeks is the usual 3-monthly scan interval of sarcoma follow-up.
FOLLOWED_WITHIN_DAYS = 91
# A swimmer plot is read lane by lane: past this many it is a smear (and a registry's would
# take minutes and gigabytes to draw).
MAX_LANES = 100


def _status(
    end: float, *, progressed: bool, surgery: float | None, cut: float | None, per_unit: float
) -> str:
    """'progressed', 'surgery', 'ongoing' (seen within a scan interval of the data cut) or
    'censored' (last seen long before the cut, or no cut date to judge by)."""
    if progressed:
        return "progressed"
    if surgery is not None:
        return "surgery"
    if cut is not None and (cut - end) * per_unit <= FOLLOWED_WITHIN_DAYS:
        return "ongoing"
    return "censored"


def _cycle_days(cohort: Cohort) -> int:
    return int(cohort.meta.fields.get("cycles", {}).get("cycle_days", 21))


def _assessments(cohort: Cohort, ids: list[str]) -> pd.DataFrame:
    if not cohort.has_table("assessments") or not ids:
        return pd.DataFrame(columns=["patient_id", "date", "response"])
    marks = ", ".join("?" for _ in ids)
    return cohort.query(
        f"SELECT patient_id, date, response FROM assessments WHERE patient_id IN ({marks}) "
        "ORDER BY patient_id, date",
        ids,
    )


def swimmer_answer(spec: QuerySpec, cohort: Cohort) -> Answer:
    """Per patient: on treatment, followed, responses, progression, surgery, and whether a
    patient without progression is still followed at the data cut (`ongoing`) or was last
    seen long before it (`censored`)."""
    if "pfs_time" not in cohort.catalog.names() and "cycles" not in cohort.catalog.names():
        raise UsageError(
            "A swimmer plot needs time on treatment (`cycles`) or follow-up (`pfs_time`).",
            hint="Add cycles, start_date or pfs_time/pfs_event to patients.csv.",
        )
    n = selected_n(spec, cohort)
    one_per_patient(spec, n, shows="a lane", limit=MAX_LANES)
    columns = [c for c in _LANE_COLUMNS if c in cohort.catalog.names()]
    frame = run(spec, cohort, metric_sql("swimmer"), columns={c: c for c in columns})
    per_unit = TIME_UNITS[spec.unit]
    scale = TIME_UNITS[cohort.meta.time_unit] / per_unit
    assessments = _assessments(cohort, list(frame["patient_id"]))
    lanes = []
    for r in frame.to_dict("records"):
        start = _date(r.get("start_date"))
        cycles = r.get("cycles")
        on_treatment = cycles * _cycle_days(cohort) / per_unit if _present(cycles) else 0.0
        followed = r["pfs_time"] * scale if _present(r.get("pfs_time")) else on_treatment
        progressed = _present(r.get("pfs_event")) and int(r["pfs_event"]) == 1
        mine = assessments[assessments["patient_id"] == r["patient_id"]]
        responses = [
            (t, str(code))
            for t, code in zip(
                (_since(start, d, per_unit) for d in mine["date"]), mine["response"], strict=True
            )
            if t is not None
        ]
        surgery = _since(start, r.get("surgery_date"), per_unit)
        cut = _since(start, cohort.meta.data_as_of, per_unit)
        end = max(followed, on_treatment)
        status = _status(end, progressed=progressed, surgery=surgery, cut=cut, per_unit=per_unit)
        lanes.append(
            {
                "label": f"Case {r['patient_id']}",
                "duration": end,
                "on_treatment": min(on_treatment, end),
                "ongoing": status == "ongoing",
                "best_response": r.get("best_response")
                if _present(r.get("best_response"))
                else None,
                "responses": tuple(responses),
                "progression": followed if progressed else None,
                "surgery": surgery,
                "group": group_name(r["group_key"]) if spec.by else None,
                "censored": status == "censored",
                "data_cut": cut,
            }
        )
    groups = []
    if spec.by:
        sizes: dict[str, int] = {}
        for lane in lanes:
            sizes[lane["group"]] = sizes.get(lane["group"], 0) + 1
        groups = [{"label": g, "n": sizes[g]} for g in group_labels(spec, cohort, set(sizes))]
    return Answer(
        spec=spec,
        metric="swimmer",
        groups=tuple(groups),
        title="Swimmer plot",
        n=n,
        method=f"time from start of treatment; a cycle is {_cycle_days(cohort)} days",
        body=Swimmer(lanes=lanes, unit=spec.unit),
        notes=provenance_notes(spec, cohort, tuple(columns), ("assessments",)),
        chart=SwimmerChart(lanes=lanes, unit=spec.unit, data_as_of=cohort.meta.data_as_of),
    )


# Tumour measurements an assessments table may carry (one per scan), and how to name them.
_MEASUREMENTS = {
    "size_cm": "Tumour size (cm)",
    "size_mm": "Tumour size (mm)",
    "sld_mm": "Sum of diameters (mm)",
    "sum_diameters_mm": "Sum of diameters (mm)",
    "tumour_size_cm": "Tumour size (cm)",
    "tumor_size_cm": "Tumour size (cm)",
}
_CONTEXT = ("histology", "stage", "regimen")


def _context(record: dict) -> str:
    """'SS · stage IIIB · AIM + Endostar + Anlotinib': what the case is, for the plot's title."""
    parts = []
    for column in _CONTEXT:
        if _present(record.get(column)):
            value = str(record[column])
            parts.append(f"stage {value}" if column == "stage" else value)
    return " · ".join(parts)


def _measurements(record: dict, assessments: list[dict], start: dt.date) -> tuple[str, list]:
    """Tumour sizes per scan as (days from start, value), the baseline first when recorded."""
    for column, name in _MEASUREMENTS.items():
        values = [
            ((d - start).days, float(a[column]))
            for a in assessments
            if _present(a.get(column)) and (d := _date(a.get("date"))) is not None
        ]
        if values:
            baseline = record.get(f"baseline_{column}")
            if _present(baseline):
                values.insert(0, (0, float(baseline)))
            return name, values
    return "", []


def patient_course(cohort: Cohort, record: dict, events: list[dict], assessments: list[dict]):
    """The arguments of one patient's timeline plot, or None without a start date.

    Times are in days from the start of treatment (the plot shows them as dates); the data cut
    and the patient's status at it come along, so the image says how current it is.
    """
    start = _date(record.get("start_date"))
    if start is None:
        return None
    per_unit = TIME_UNITS["days"]
    time_col = record.get("pfs_time")
    progression = None
    if _present(record.get("pfs_event")) and int(record["pfs_event"]) == 1 and _present(time_col):
        progression = time_col * TIME_UNITS[cohort.meta.time_unit] / per_unit
    measure_label, measurements = _measurements(record, assessments, start)
    best = record.get("best_response")
    return {
        "label": f"Case {record['patient_id']}",
        "context": _context(record),
        "best_response": str(best) if _present(best) else None,
        "start": start.isoformat(),
        "cycles": int(record["cycles"]) if _present(record.get("cycles")) else 0,
        "cycle_days": _cycle_days(cohort),
        "assessments": [
            (t, str(a["response"]))
            for a in assessments
            if (t := _since(start, a.get("date"), per_unit)) is not None
        ],
        "adverse_events": [
            (t, str(e["term"]), int(e["grade"]))
            for e in events
            if (t := _since(start, e.get("onset_date"), per_unit)) is not None
        ],
        "progression": progression,
        "surgery": _since(start, record.get("surgery_date"), per_unit),
        "measurements": measurements,
        "measure_label": measure_label,
        "data_as_of": cohort.meta.data_as_of.isoformat() if cohort.meta.data_as_of else None,
        "unit": "days",
    }


SWIMMER = Metric(
    name="swimmer",
    title="Swimmer plot",
    summary="Time on treatment per patient with response and progression markers (plot).",
    examples=("swimmer", "swimmer histology=SS"),
    aliases=("swim",),
    handler=swimmer_answer,
    body=Swimmer,
    patient_level=True,  # a lane per patient: response, progression and surgery timing
    options=frozenset({"unit"}),
)
