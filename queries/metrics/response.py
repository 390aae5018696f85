"""Duration of response (`dor`) and time to response (`ttr`) among the selection's responders.

A responder is a patient with a CR or PR assessment in `assessments.csv`. DOR runs from the
first such assessment to progression or death (`pfs_time`/`pfs_event`), censored at the last
assessment; TTR from the start of treatment (`start_date`) to the first response. The
definitions and their checks are `response_duration.py`'s; this module selects, groups and words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sts_queries.charts import KaplanMeierChart
from sts_queries.cohort.cohort import TIME_UNITS, Cohort
from sts_queries.errors import UsageError
from sts_queries.metrics.metric import Metric
from sts_queries.metrics.shared.groups import group_labels, group_name
from sts_queries.metrics.shared.kaplan_meier import km_fit, km_method, logrank_test
from sts_queries.metrics.shared.notes import provenance_notes
from sts_queries.metrics.shared.selection import run, selected_n
from sts_queries.query_spec import QuerySpec
from sts_queries.result import Answer, Part
from sts_queries.sql.statement import metric_sql
from sts_queries.stats.response_duration import duration_of_response, time_to_response

__all__ = [
    "DOR",
    "TTR",
    "ResponseDuration",
    "TimeToFirstResponse",
    "contradicting_responders",
    "dor_answer",
    "ttr_answer",
]

_COLUMNS = ("start_date", "pfs_time", "pfs_event")


@dataclass(frozen=True, kw_only=True)
class ResponseDuration(Part):
    """Kaplan–Meier duration of response among the responders."""

    responders: int
    events: int
    median: float | None
    ci_low: float | None
    ci_high: float | None
    unit: str
    ci_type: str


@dataclass(frozen=True, kw_only=True)
class TimeToFirstResponse(Part):
    """Time from the start of treatment to the first response: median and range."""

    responders: int
    median: float | None
    minimum: float | None
    maximum: float | None
    unit: str


@dataclass(frozen=True, kw_only=True)
class _Responders:
    """Per selected patient: group, first response and last assessment (unit of the answer),
    PFS time and event; and how many patients reported a response with no dated assessment."""

    table: pd.DataFrame
    undated: int


def _responders(spec: QuerySpec, cohort: Cohort) -> tuple[int, _Responders]:
    names = cohort.catalog.names()
    missing = [c for c in _COLUMNS if c not in names]
    if missing or not cohort.has_table("assessments"):
        what = ", ".join(missing + ([] if cohort.has_table("assessments") else ["assessments.csv"]))
        raise UsageError(
            f"Response duration needs dated tumour assessments; this cohort lacks {what}.",
            hint="Add assessments.csv (patient_id, date, response) and start_date, "
            "pfs_time/pfs_event to patients.csv.",
        )
    n = selected_n(spec, cohort)
    columns = {"start_date": "start_date", "time": "pfs_time", "event": "pfs_event"}
    if "best_response" in names:
        columns["best_response"] = "best_response"
    # One row per patient: DuckDB finds each one's first CR/PR and last assessment.
    patients = run(spec, cohort, metric_sql("response"), columns=columns).set_index("patient_id")
    table = patients[["group_key", "time", "event"]].copy()
    per_unit = TIME_UNITS[spec.unit]
    table["first_response"] = patients["first_response_days"].astype(float) / per_unit
    table["last_assessment"] = patients["last_assessment_days"].astype(float) / per_unit
    table["time"] = table["time"] * TIME_UNITS[cohort.meta.time_unit] / per_unit
    table["group"] = table["group_key"].map(group_name)
    undated = 0
    if "best_response" in names:  # a response the table reports but no assessment dates
        said = patients["best_response"].isin(["CR", "PR"])
        undated = int((said & table["first_response"].isna()).sum())
    return n, _Responders(table=table, undated=undated)


def _rests_on(responders: int, n: int, undated: int) -> list[str]:
    notes = [f"Rests on {responders} responder{'s' * (responders != 1)} (CR/PR) of {n} patients."]
    if undated:
        notes.append(
            f"{undated} patient(s) with a best response of CR/PR have no dated CR/PR assessment "
            "and are left out."
        )
    return notes


def _contradicting(table: pd.DataFrame) -> pd.Series:
    """Responders whose progression or last assessment comes before their first response:
    records that contradict each other (common in a registry)."""
    last = table["last_assessment"]
    end = np.where((table["event"] == 1) | last.isna(), table["time"], last)  # as the DOR's end
    return table["first_response"].notna() & (end < table["first_response"])


def _consistent(table: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The table less the contradicting responders: left out of the duration of response and
    counted for a note, rather than refusing the whole answer."""
    contradicts = _contradicting(table)
    return table[~contradicts], int(contradicts.sum())


def contradicting_responders(cohort: Cohort) -> list[str]:
    """The patients `dor` leaves out because their records contradict a response, for
    `sts check` (empty where the cohort has no dated assessments)."""
    try:
        _, found = _responders(QuerySpec(metric="dor"), cohort)
    except UsageError:  # no dated assessments (or no PFS): dor leaves nobody out
        return []
    return [str(pid) for pid in found.table.index[_contradicting(found.table)]]


def _dor(table: pd.DataFrame):
    try:
        return duration_of_response(
            table["first_response"], table["time"], table["event"], table["last_assessment"]
        )
    except ValueError as exc:
        raise UsageError(
            f"Duration of response cannot be computed: {exc}.",
            hint="Check the assessments and PFS columns of these patients (`sts check`).",
        ) from None


def dor_answer(spec: QuerySpec, cohort: Cohort) -> Answer:
    """Kaplan–Meier DOR among responders, per group when asked, with a KM chart."""
    n, found = _responders(spec, cohort)
    table, contradicting = _consistent(found.table)
    dor = _dor(table)
    if dor.responders == 0:
        raise UsageError(
            f"None of the {n} selected patients has a documented response (CR/PR), so there is "
            "no duration of response.",
            hint="Widen the filters; /sts orr shows the responders.",
        )
    fit = km_fit(dor.time, dor.event, spec.ci_type)
    curves = [("Responders", fit)]
    groups: list[dict] = []
    test = None
    notes = _rests_on(dor.responders, n, found.undated)
    if contradicting:
        notes.append(
            f"{contradicting} responder(s) progress or are last assessed before their first "
            "documented response (their records contradict each other) and are left out; "
            "check their assessments and PFS."
        )
    if spec.by:
        keys = table["group"].to_numpy()[dor.responder_index]
        curves = []
        for label in group_labels(spec, cohort, set(table["group"])):
            mask = keys == label
            row: dict = {"label": label, "n": int(mask.sum()), "events": 0, "median": None}
            row |= {"ci_low": None, "ci_high": None}
            if mask.any():
                group_fit = km_fit(dor.time[mask], dor.event[mask], spec.ci_type)
                curves.append((label, group_fit))
                row |= {
                    "events": group_fit.events,
                    "median": group_fit.median,
                    "ci_low": group_fit.median_low,
                    "ci_high": group_fit.median_high,
                }
            groups.append(row)
        test, why = logrank_test(dor.time, dor.event, keys, [g for g in groups if g["n"]])
        notes.extend(why)
    method = (
        "duration of response among responders, from the first CR/PR assessment to progression "
        "or death, censored at the last assessment; " + km_method(spec.ci_type)
    ) + ("; log-rank test as R survdiff" if test else "")
    return Answer(
        spec=spec,
        metric="dor",
        title="DOR",
        n=n,
        method=method,
        body=ResponseDuration(
            responders=dor.responders,
            events=dor.events,
            median=fit.median,
            ci_low=fit.median_low,
            ci_high=fit.median_high,
            unit=spec.unit,
            ci_type=spec.ci_type,
        ),
        groups=tuple(groups),
        test=test,
        notes=(*notes, *provenance_notes(spec, cohort, _COLUMNS, ("assessments",))),
        chart=KaplanMeierChart(curves=tuple(curves), unit=spec.unit, test=test),
    )


def _ttr(first) -> Mapping:
    t = time_to_response(np.asarray(first, dtype=float))
    return {"responders": t.responders, "median": t.median, "min": t.minimum, "max": t.maximum}


def ttr_answer(spec: QuerySpec, cohort: Cohort) -> Answer:
    """Time to first response among responders: median and range, per group when asked."""
    n, found = _responders(spec, cohort)
    table = found.table
    overall = _ttr(table["first_response"])
    groups = []
    if spec.by:
        for label in group_labels(spec, cohort, set(table["group"])):
            mine = table[table["group"] == label]
            groups.append({"label": label, "n": len(mine), **_ttr(mine["first_response"])})
    return Answer(
        spec=spec,
        metric="ttr",
        title="TTR",
        n=n,
        method="time from the start of treatment to the first CR/PR assessment, among "
        "responders: median and range",
        body=TimeToFirstResponse(
            responders=overall["responders"],
            median=overall["median"],
            minimum=overall["min"],
            maximum=overall["max"],
            unit=spec.unit,
        ),
        groups=tuple(groups),
        notes=(
            *_rests_on(overall["responders"], n, found.undated),
            *provenance_notes(spec, cohort, ("start_date",), ("assessments",)),
        ),
    )


DOR = Metric(
    name="dor",
    title="DOR",
    summary=(
        "Duration of response: Kaplan–Meier among responders (CR/PR) from the first response to "
        "progression or death, censored at the last assessment; median, 95% CI, events/N "
        "responders, KM plot. Options: ci=, unit=."
    ),
    examples=("dor", "dor by=sex", "dor unit=weeks"),
    aliases=("duration",),
    handler=dor_answer,
    body=ResponseDuration,
    options=frozenset({"ci", "unit"}),
)
TTR = Metric(
    name="ttr",
    title="TTR",
    summary=(
        "Time to response: from the start of treatment to the first CR/PR among responders; "
        "median and range. Option: unit=."
    ),
    examples=("ttr", "ttr by=histology"),
    handler=ttr_answer,
    body=TimeToFirstResponse,
    options=frozenset({"unit"}),
)
