"""Waterfall plot: each measured patient's best % change of the target lesions from baseline.

The % changes come from the measurements table (`cohort/measurements.py`) through
`sql/measurements.sql` (every scan against the patient's first, the baseline) and
`sql/waterfall.sql` (the best: the smallest change after baseline, as RECIST reads it). A bar is
coloured by the patient's recorded best response where the cohort has `best_response`, else by
the best response the measurements show, or by the `by=` group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from sts_queries.charts import WaterfallChart
from sts_queries.cohort.cohort import Cohort
from sts_queries.errors import UsageError
from sts_queries.metrics.metric import Metric
from sts_queries.metrics.shared.groups import group_labels, group_name, is_missing
from sts_queries.metrics.shared.limits import one_per_patient
from sts_queries.metrics.shared.notes import provenance_notes
from sts_queries.metrics.shared.selection import run, selected_n
from sts_queries.query_spec import QuerySpec
from sts_queries.result import Answer, Part
from sts_queries.sql.statement import metric_sql

__all__ = [
    "LINES_WORDS",
    "PD_LINE",
    "PR_LINE",
    "WATERFALL",
    "Waterfall",
    "measured_patients",
    "recorded_responses",
    "waterfall_answer",
]

# RECIST 1.1's thresholds for the sum of target lesion diameters: a partial response is a 30%
# decrease from baseline, progression a 20% increase (from the nadir; from baseline on the plot).
PR_LINE = -30.0
PD_LINE = 20.0
# Bars a plot can show side by side and still be read one by one.
MAX_BARS = 200
# "RECIST 1.1 lines at −30% and +20%", with a true minus sign, for the method line.
LINES_WORDS = f"RECIST 1.1 lines at {PR_LINE:g}% and +{PD_LINE:g}%".replace("-", "−")


@dataclass(frozen=True, kw_only=True)
class Waterfall(Part):
    """One bar per measured patient with a scan after baseline, best change first."""

    patients: Sequence[Mapping]  # {patient_id, best_change_pct, best_response, …}, sorted
    measured: int  # selected patients with any measurement
    baseline_only: int  # of them, those with no scan after baseline (no bar)
    response_from: str  # "best_response" (as recorded) or "measurements" (RECIST 1.1)


def measured_patients(spec: QuerySpec, cohort: Cohort, *, shows: str, limit: int) -> int:
    """How many selected patients have measurements; refuses, before any work, a cohort without
    the table, a selection without measurements, and more patients than `limit`."""
    if not cohort.has_table("measurements"):
        raise UsageError(
            f"`{spec.metric}` needs tumour measurements; this cohort has no measurements table.",
            hint="Add measurements.csv (patient_id, date or day, sum_mm; optional new_lesion) "
            "to the cohort folder; `help waterfall` says more.",
        )
    n = selected_n(spec, cohort)
    measured = int(
        run(
            spec,
            cohort,
            "SELECT count(DISTINCT patient_id) AS k FROM selected "
            "WHERE patient_id IN (SELECT patient_id FROM measurements)",
            columns={},
        )["k"].iloc[0]
    )
    if measured == 0:
        what = " and ".join(spec.describe_filters()) or "this cohort"
        raise UsageError(
            f"None of the {n} patients of {what} has tumour measurements.",
            hint=f"`count` and `list` show who is selected; `{spec.metric}` without filters "
            "shows every measured patient.",
        )
    one_per_patient(spec, measured, shows=shows, limit=limit)
    return measured


def recorded_responses(spec: QuerySpec, cohort: Cohort) -> dict[str, str | None] | None:
    """Each selected patient's recorded best response, or None when the cohort has none."""
    if "best_response" not in cohort.catalog.names():
        return None
    frame = run(
        spec,
        cohort,
        "SELECT patient_id, best_response FROM selected",
        columns={"best_response": "best_response"},
    )
    return {
        str(p): (None if is_missing(r) else str(r))
        for p, r in zip(frame["patient_id"], frame["best_response"], strict=True)
    }


def _number(value) -> float | None:
    return None if is_missing(value) else float(value)


def waterfall_answer(spec: QuerySpec, cohort: Cohort) -> Answer:
    """Best % change from baseline per measured patient, sorted from the largest increase."""
    measured = measured_patients(spec, cohort, shows="a bar", limit=MAX_BARS)
    n = selected_n(spec, cohort)
    frame = run(spec, cohort, metric_sql("measurements"), then=metric_sql("waterfall"), columns={})
    recorded = recorded_responses(spec, cohort)
    rows = []
    for r in frame.to_dict("records"):
        measured_response = None if is_missing(r["measured_response"]) else r["measured_response"]
        rows.append(
            {
                "patient_id": str(r["patient_id"]),
                "best_change_pct": _number(r["best_change_pct"]),
                "best_response": recorded.get(str(r["patient_id"]))
                if recorded is not None
                else measured_response,
                "measured_response": measured_response,
                "new_lesion": bool(r["new_lesion"]) if not is_missing(r["new_lesion"]) else False,
                "scans": int(r["scans"]),
                "group": group_name(r["group_key"]) if spec.by else None,
            }
        )
    bars = [r for r in rows if r["best_change_pct"] is not None]
    if not bars:
        raise UsageError(
            f"The {measured} measured patient(s) have a baseline but no later measurement, so "
            "there is no change to show.",
            hint="Each patient needs a scan after the baseline.",
        )
    # Sorted as the figure shows it: the largest increase on the left, the deepest shrinkage
    # on the right.
    bars.sort(key=lambda r: (-r["best_change_pct"], r["patient_id"]))
    groups = []
    if spec.by:
        sizes = pd.Series([r["group"] for r in bars]).value_counts().to_dict()
        groups = [{"label": g, "n": int(sizes[g])} for g in group_labels(spec, cohort, set(sizes))]
    response_from = "best_response" if recorded is not None else "measurements"
    coloured = (
        f"by {spec.by}"
        if spec.by
        else "by best response as recorded"
        if recorded is not None
        else "by the best response the measurements show (RECIST 1.1 target lesions and new "
        "lesions, unconfirmed)"
    )
    body = Waterfall(
        patients=bars,
        measured=measured,
        baseline_only=len(rows) - len(bars),
        response_from=response_from,
    )
    return Answer(
        spec=spec,
        metric="waterfall",
        title="Waterfall plot",
        n=n,
        groups=tuple(groups),
        method=(
            "best % change of the sum of target lesion diameters from baseline (the first "
            f"measurement): the smallest change after it; {LINES_WORDS}; bars coloured {coloured}"
        ),
        body=body,
        notes=provenance_notes(spec, cohort, ("best_response",), ("measurements",)),
        chart=WaterfallChart(
            bars=bars,
            measured=measured,
            by=spec.by,
            pr_line=PR_LINE,
            pd_line=PD_LINE,
            data_as_of=cohort.meta.data_as_of,
        ),
    )


WATERFALL = Metric(
    name="waterfall",
    title="Waterfall plot",
    summary="Best % change of the sum of target lesion diameters from baseline (the first "
    "measurement) per patient, sorted, coloured by best response or by=, with RECIST's −30% and "
    "+20% lines; says how many patients were measured (plot; patient-level; needs "
    "measurements.csv: patient_id, date or day, sum_mm, optional new_lesion).",
    examples=("waterfall", "waterfall by=histology"),
    aliases=("best_change",),
    handler=waterfall_answer,
    body=Waterfall,
    patient_level=True,  # a bar per patient: each one's own tumour shrinkage
)
