"""The cohort as it stood on a date: who had started, what had been seen, what had happened.

Replaying a static cohort week by week is what lets the weekly summary say what changed.
It needs `start_date`; survival times are cut at the date (events after it become censored),
and dated tables (assessments, adverse events) keep only rows dated on or before it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd

from .cohort import TIME_UNITS, Cohort, assemble
from .errors import UsageError
from .sql_names import quote_identifier

__all__ = ["snapshot"]

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


def snapshot(cohort: Cohort, as_of: dt.date) -> Cohort:
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
