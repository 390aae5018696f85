"""The replay as it was first written, in pandas, row by row, and the weekly summary over it
(new cases as Python sets of every id): the reference that queries/cohort/snapshot.py and
queries/metrics/summary.py (SQL) are compared with in tests/test_snapshot.py.

Kept verbatim but for imports and names; slow (18 s on a 10^6 registry), so tests only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

import pandas as pd

from sts_queries.cohort.cohort import TIME_UNITS, Cohort, assemble
from sts_queries.errors import UsageError
from sts_queries.metrics.common import provenance_notes
from sts_queries.metrics.summary import Summary, _pfs, _rate, period_of
from sts_queries.query_spec import QuerySpec
from sts_queries.result import Answer
from sts_queries.sql.identifiers import quote_identifier

_RANK = {"CR": 0, "PR": 1, "SD": 2, "PD": 3, "NE": 4}
_DATE_COLUMNS = {"assessments": "date", "adverse_events": "onset_date"}


def _as_dates(series: pd.Series) -> list[dt.date | None]:
    return [None if pd.isna(v) else v.date() for v in pd.to_datetime(series)]


def _best_so_far(assessments: pd.DataFrame) -> dict[str, str]:
    best: dict[str, str] = {}
    for pid, code in zip(assessments["patient_id"], assessments["response"], strict=True):
        code = str(code).upper()
        if code in _RANK and (pid not in best or _RANK[code] < _RANK[best[pid]]):
            best[pid] = code
    return best


def reference_snapshot(cohort: Cohort, as_of: dt.date) -> Cohort:
    """The cohort as of `as_of` (itself when that is on or after its data-as-of date)."""
    if cohort.meta.data_as_of is not None and as_of >= cohort.meta.data_as_of:
        return cohort
    if "start_date" not in cohort.catalog.names() and as_of >= dt.date.today():
        return cohort  # nothing to replay: today's cohort is what it is
    if "start_date" not in cohort.catalog.names():
        raise UsageError(
            "This cohort cannot be replayed to an earlier date: it has no `start_date`.",
            hint="Add start_date (YYYY-MM-DD) to patients.csv.",
        )
    patients = cohort.query("SELECT * FROM patients WHERE start_date <= ?", [as_of])
    if patients.empty:
        raise UsageError(
            f"No patient had started by {as_of.isoformat()}.",
            hint="Pick a later date; `/sts fields` shows the start dates' range.",
        )
    start = _as_dates(patients["start_date"])
    elapsed = pd.Series([(as_of - s).days for s in start], index=patients.index, dtype=float)
    days_per_unit = TIME_UNITS[cohort.meta.time_unit]
    for endpoint in cohort.endpoints:
        time, event = patients[f"{endpoint}_time"].astype(float), patients[f"{endpoint}_event"]
        seen_by = elapsed / days_per_unit
        happened = (event == 1) & (time <= seen_by)
        patients[f"{endpoint}_time"] = time.where(happened | (time <= seen_by), seen_by).round(4)
        patients[f"{endpoint}_event"] = happened.astype("Int64").where(event.notna())
    ids = list(patients["patient_id"])
    tables = {"patients": patients}
    for name in cohort.tables:
        if name == "patients":
            continue
        frame = cohort.query(f"SELECT * FROM {quote_identifier(name)}")
        if "patient_id" in frame.columns:
            frame = frame[frame["patient_id"].isin(ids)]
        column = _DATE_COLUMNS.get(name)
        if column and column in frame.columns:
            kept = [d is not None and d <= as_of for d in _as_dates(frame[column])]
            frame = frame[kept]
        tables[name] = frame.reset_index(drop=True)
    if "assessments" in tables and "best_response" in patients.columns:
        best = _best_so_far(tables["assessments"])
        patients["best_response"] = [best.get(pid, "NE") for pid in ids]
    if "surgery_date" in patients.columns:
        dates = _as_dates(patients["surgery_date"])
        patients["surgery_date"] = [d if d is not None and d <= as_of else None for d in dates]
        if "resection" in patients.columns:
            patients["resection"] = ["yes" if d else "no" for d in patients["surgery_date"]]
    for column in patients.columns:
        if column.endswith("_date") and column != "surgery_date":
            patients[column] = _as_dates(patients[column])
    meta = replace(cohort.meta, data_as_of=as_of)
    return assemble(cohort.path, meta, tables)


# --- the weekly summary over it, as it was (queries/metrics/summary.py) ---


def _snapshot_or_none(cohort: Cohort, day: dt.date) -> Cohort | None:
    try:
        return reference_snapshot(cohort, day)
    except UsageError:  # nobody had started yet
        return None


def _ids(frame) -> set[str]:
    return {str(pid) for pid in frame["patient_id"]}


def _new_events(now: Cohort, before: Cohort | None, endpoint: str) -> list[str] | None:
    """Cases whose `endpoint` event is in `now` but was not yet in `before`: its date
    (start_date + time, as the snapshots cut it) falls in the week."""
    if endpoint not in now.endpoints:
        return None
    sql = (
        f"SELECT patient_id FROM patients WHERE {endpoint}_event = 1 "
        "ORDER BY TRY_CAST(patient_id AS BIGINT), patient_id"
    )
    seen = set() if before is None else _ids(before.query(sql))
    return [str(p) for p in now.query(sql)["patient_id"] if str(p) not in seen]


def _new_responses(now: Cohort, before: Cohort | None) -> list[str] | None:
    """Cases whose CR/PR was first documented this week (from the dated assessments)."""
    if not now.has_table("assessments") or "best_response" not in now.catalog.names():
        return None
    sql = (
        "SELECT patient_id FROM patients WHERE upper(best_response) IN ('CR', 'PR') "
        "ORDER BY TRY_CAST(patient_id AS BIGINT), patient_id"
    )
    seen = set() if before is None else _ids(before.query(sql))
    return [str(p) for p in now.query(sql)["patient_id"] if str(p) not in seen]


def _times_of(cohort: Cohort, cases: Sequence[str], unit: str) -> tuple[float, ...]:
    """The PFS times of `cases`, in `unit`: where the weekly image rings them."""
    if not cases:
        return ()
    frame = cohort.query("SELECT CAST(patient_id AS VARCHAR) AS id, pfs_time FROM patients")
    scale = TIME_UNITS[cohort.meta.time_unit] / TIME_UNITS[unit]
    chosen = frame[frame["id"].isin(list(cases))]
    return tuple(sorted(float(t) * scale for t in chosen["pfs_time"]))


def reference_summary_answer(spec: QuerySpec, cohort: Cohort) -> Answer:
    """What the weekly post says for the week holding `spec.as_of` (default: today)."""
    today = dt.date.today()
    period = period_of(spec.as_of or today)
    # The post for a week says what was known at its end (or now, for the week in progress),
    # and never claims a day past the cohort's cut-off: nothing after it is known.
    day = min(period.end, today)
    if cohort.meta.data_as_of is not None:
        day = min(day, cohort.meta.data_as_of)
    now = reference_snapshot(cohort, day)
    before = _snapshot_or_none(cohort, period.start - dt.timedelta(days=1))
    size = now.rows()
    joined: list[str] = []
    if "start_date" in now.catalog.names():
        joined = list(
            now.query(
                "SELECT patient_id FROM patients WHERE start_date BETWEEN ? AND ? "
                "ORDER BY start_date, TRY_CAST(patient_id AS BIGINT), patient_id",
                [period.start, day],
            )["patient_id"]
        )
    severe: list[dict] = []
    if (
        now.has_table("adverse_events")
        and "onset_date" in now.query("SELECT * FROM adverse_events LIMIT 0").columns
    ):
        frame = now.query(
            "SELECT term, count(*) AS events, count(DISTINCT patient_id) AS patients "
            "FROM adverse_events WHERE grade >= 3 AND onset_date BETWEEN ? AND ? "
            "GROUP BY term ORDER BY events DESC, term",
            [period.start, day],
        )
        severe = frame.to_dict("records")
    pfs, pfs_answer = _pfs(now)
    pfs_before, _ = _pfs(before)
    progressed = _new_events(now, before, "pfs")
    km_chart = None
    if pfs_answer is not None and pfs_answer.chart is not None:
        chart = pfs_answer.chart
        km_chart = replace(chart, marked=(_times_of(now, progressed or (), chart.unit),))
    body = Summary(
        period=period.key,
        period_start=period.start,
        period_end=period.end,
        as_of=day,
        data_as_of=cohort.meta.data_as_of,
        size=size,
        size_before=0 if before is None else before.rows(),
        joined=joined,
        orr=_rate("orr", now),
        orr_before=_rate("orr", before),
        dcr=_rate("dcr", now),
        dcr_before=_rate("dcr", before),
        pfs=pfs,
        new_grade3plus=severe,
        responded=_new_responses(now, before),
        progressed=progressed,
        died=_new_events(now, before, "os"),
        pfs_before=pfs_before,
    )
    return Answer(
        spec=spec,
        metric="summary",
        title=f"Weekly summary {period.key}",
        n=size,
        method="rates with exact Clopper–Pearson 95% CI; PFS by Kaplan–Meier (log-log CI)",
        body=body,
        notes=provenance_notes(
            spec, cohort, ("pfs_time", "pfs_event", "start_date"), ("adverse_events", "assessments")
        ),
        chart=km_chart,
    )
