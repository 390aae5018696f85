"""Spider plot: each measured patient's % change of the target lesions from baseline over time.

The same % changes as the waterfall (`sql/measurements.sql`), every scan rather than the best;
time runs from the start of treatment (from the baseline scan for a patient without a start
date), in the answer's unit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sts_queries.charts import SpiderChart
from sts_queries.cohort.cohort import TIME_UNITS, Cohort
from sts_queries.metrics.metric import Metric
from sts_queries.metrics.patients.waterfall import (
    LINES_WORDS,
    PD_LINE,
    PR_LINE,
    measured_patients,
    recorded_responses,
)
from sts_queries.metrics.shared.groups import group_labels, group_name, is_missing
from sts_queries.metrics.shared.notes import provenance_notes
from sts_queries.metrics.shared.selection import run, selected_n
from sts_queries.query_spec import QuerySpec
from sts_queries.result import Answer, Part
from sts_queries.sql.statement import metric_sql

__all__ = ["SPIDER", "Spider", "spider_answer"]

# Lines a spider plot can show before it is a tangle.
MAX_LINES = 60


@dataclass(frozen=True, kw_only=True)
class Spider(Part):
    """One line per measured patient: every scan's % change from baseline, in time order."""

    patients: Sequence[Mapping]  # {patient_id, best_response, group, points: [{time, …}]}
    measured: int
    unit: str


def _time_origin(cohort: Cohort) -> str:
    """What time 0 is, in words, from how the measurements were dated."""
    dated, undated, starts = cohort.query(
        "SELECT count(*) FILTER (WHERE date IS NOT NULL), count(*) FILTER (WHERE date IS NULL), "
        + (
            "count(*) FILTER (WHERE p.start_date IS NOT NULL) "
            if "start_date" in cohort.catalog.names()
            else "0 "
        )
        + "FROM measurements m LEFT JOIN patients p USING (patient_id)"
    ).iloc[0]
    if undated or starts == dated:
        return "time from the start of treatment"
    if starts == 0:
        return "time from the baseline scan (no start dates)"
    return "time from the start of treatment (from the baseline scan where it is not dated)"


def spider_answer(spec: QuerySpec, cohort: Cohort) -> Answer:
    """% change from baseline at every scan, per measured patient."""
    measured = measured_patients(spec, cohort, shows="a line", limit=MAX_LINES)
    n = selected_n(spec, cohort)
    frame = run(spec, cohort, metric_sql("measurements"), columns={})
    recorded = recorded_responses(spec, cohort)
    per_unit = TIME_UNITS[spec.unit]
    lines: dict[str, dict] = {}
    for r in frame.to_dict("records"):
        pid = str(r["patient_id"])
        line = lines.setdefault(
            pid,
            {
                "patient_id": pid,
                "best_response": recorded.get(pid) if recorded is not None else None,
                "group": group_name(r["group_key"]) if spec.by else None,
                "points": [],
            },
        )
        line["points"].append(
            {
                "time": float(r["day"]) / per_unit,
                "change_pct": float(r["change_pct"]),
                "response": None if r["baseline"] else str(r["response"]),
                "new_lesion": bool(r["new_lesion"]),
            }
        )
    if recorded is None:  # the best the measurements show, as the waterfall colours it
        best = run(spec, cohort, metric_sql("measurements"), then=metric_sql("waterfall"))
        for pid, code in zip(best["patient_id"], best["measured_response"], strict=True):
            lines[str(pid)]["best_response"] = None if is_missing(code) else str(code)
    patients = list(lines.values())
    groups = []
    if spec.by:
        sizes: dict[str, int] = {}
        for line in patients:
            sizes[line["group"]] = sizes.get(line["group"], 0) + 1
        groups = [{"label": g, "n": sizes[g]} for g in group_labels(spec, cohort, set(sizes))]
    return Answer(
        spec=spec,
        metric="spider",
        title="Spider plot",
        n=n,
        groups=tuple(groups),
        method=(
            "% change of the sum of target lesion diameters from baseline (the first "
            f"measurement) at each scan; {_time_origin(cohort)}; {LINES_WORDS}"
        ),
        body=Spider(patients=patients, measured=measured, unit=spec.unit),
        notes=provenance_notes(spec, cohort, ("best_response",), ("measurements",)),
        chart=SpiderChart(
            lines=patients,
            unit=spec.unit,
            by=spec.by,
            pr_line=PR_LINE,
            pd_line=PD_LINE,
            data_as_of=cohort.meta.data_as_of,
        ),
    )


SPIDER = Metric(
    name="spider",
    title="Spider plot",
    summary="% change of the sum of target lesion diameters from baseline at every scan, over "
    "time from the start of treatment, a line per patient (plot; patient-level; needs "
    "measurements.csv).",
    examples=("spider", "spider by=histology", "spider unit=weeks"),
    handler=spider_answer,
    body=Spider,
    patient_level=True,  # a line per patient: each one's own tumour course
    options=frozenset({"unit"}),
)
