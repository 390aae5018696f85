"""The measurements table (waterfall and spider plots): one row per patient per scan.

A row holds the patient, when (a `date`, or a `day` counted from the start of treatment) and
the sum of the target lesions' diameters in mm (`sum_mm`, or as exports name it: `sld_mm`,
`Sum of diameters (mm)` …), optionally whether a new lesion was seen (`new_lesion`, yes/no).
The sum column is renamed `sum_mm` as it is read (its header stays the name problems give).

Checked beyond its cells, as a whole: every patient's first measurement is the baseline, so it
must come at or before the start of treatment (a date on or before `start_date`, a day <= 0) and
be more than 0 mm (a % change from 0 is not a number); one patient measured twice on one day is
ambiguous. Loaded, the table always has `patient_id`, `date` (NULL when only days were given),
`day` (days from the start of treatment; from the baseline scan where the patient has no start
date), `sum_mm` and `new_lesion` (NULL when not recorded), and any other column as read.
"""

from __future__ import annotations

from dataclasses import replace

from sts_queries.cohort.files.names import (
    MEASURED_DAY_NAMES,
    MEASURED_ON_NAMES,
    NEW_LESION_NAMES,
    SUM_NAMES,
)
from sts_queries.cohort.files.readers import RawTable
from sts_queries.cohort.validate import Problems
from sts_queries.sql.identifiers import quote_identifier as _q

__all__ = [
    "MEASUREMENTS",
    "canonical",
    "measurement_roles",
    "required_columns",
    "typed_measurements",
]

MEASUREMENTS = "measurements"
_SHOWN = 5  # patients named per problem; the count says how many more


def canonical(raw: RawTable) -> RawTable:
    """The table with its columns named as the plots read them: `sum_mm`, `date` (or `day`)
    and `new_lesion` (`SLD (mm)`, `scan_date`, `study_day` … as exports name them)."""
    renames = {}
    for names, target in (
        (SUM_NAMES, "sum_mm"),
        (NEW_LESION_NAMES, "new_lesion"),
        (MEASURED_ON_NAMES, "date"),
        (MEASURED_DAY_NAMES, "day"),
    ):
        found = next((n for n in names if n in raw.columns), None)
        if found and target not in raw.columns:
            renames[found] = target
    if not renames:
        return raw
    return replace(
        raw,
        columns={renames.get(k, k): v for k, v in raw.columns.items()},
        originals={renames.get(k, k): v for k, v in raw.originals.items()},
    )


def measurement_roles(columns) -> dict[str, str]:
    """The columns the plots rely on and how each is checked (see `columns._role`)."""
    roles = {"sum_mm": "mm", "new_lesion": "flag"}
    roles.update({"date": "date"} if "date" in columns else {"day": "day"})
    return {c: r for c, r in roles.items() if c in columns}


def required_columns(raw: RawTable, problems: Problems) -> None:
    """A sum of diameters, and a date or a day, or the table cannot be plotted."""
    if "sum_mm" not in raw.columns:
        problems.add(
            "no column with the sum of target lesion diameters (mm)",
            file=raw.file,
            hint=f"name it sum_mm (or one of {', '.join(SUM_NAMES[1:6])})",
        )
    if "date" not in raw.columns and "day" not in raw.columns:
        problems.add(
            "no `date` or `day` column: when was each measurement taken?",
            file=raw.file,
            hint="a date (YYYY-MM-DD), or day = days from the start of treatment (0 or less at "
            "baseline)",
        )


def _when(columns) -> str:
    return "date" if "date" in columns else "day"


def _offenders(con, sql: str, raw: RawTable, problems: Problems, message, column: str) -> None:
    """One problem for the patients `sql` finds (rows: _rec, patient_id, what), lines named."""
    rows = con.execute(sql).fetchall()
    if not rows:
        return
    lines = raw.lines([r[0] for r in rows[:_SHOWN]])
    for rec, patient, what in rows[:_SHOWN]:
        problems.add(message(patient, what), file=raw.file, row=lines.get(rec, rec), column=column)
    if len(rows) > _SHOWN:
        problems.add(
            f"… and {len(rows) - _SHOWN} more patient(s) like these", file=raw.file, column=column
        )


def typed_measurements(
    con, table, raw: RawTable, patients: str, problems: Problems, *, has_start: bool
) -> None:
    """Check the typed table (`columns.TypedTable`) as a whole; if it passes, load it.
    `has_start`: the typed patients table has a `start_date` of type DATE."""
    typed = "_typed_measurements"
    con.execute(f"CREATE TEMP TABLE {typed} AS SELECT _rec, {table.select} FROM {table.view}")
    before = len(problems.items)
    _check(con, typed, patients, raw, problems, has_start=has_start)
    if len(problems.items) == before:
        _load(con, typed, list(table.kinds), patients, has_start=has_start)


def _check(
    con, typed: str, patients: str, raw: RawTable, problems: Problems, *, has_start: bool
) -> None:
    """Problems of the table as a whole: `typed` is it typed (with `_rec`), `patients` the
    typed patients table. One statement says which checks find anything; only those are
    looked at again, for the patients and lines to name."""
    when = _when(raw.columns)
    w = _q(when)
    column = raw.originals.get(when) or when
    ranked = (
        f"WITH _m_ranked AS (SELECT *, row_number() OVER "
        f"(PARTITION BY patient_id ORDER BY {w}, _rec) AS _nth FROM {typed} "
        f"WHERE {w} IS NOT NULL AND patient_id IS NOT NULL) "
    )
    if when == "day":
        late = "m.day > 0"
    elif has_start:
        late = "m.date > p.start_date AND p.start_date IS NOT NULL"
    else:
        late = "FALSE"  # without a start, the first measurement is the baseline by definition
    start = "p.start_date" if when == "date" and has_start else "0"
    checks = [
        (
            f"SELECT _rec, patient_id, NULL FROM {typed} WHERE {w} IS NULL ORDER BY _rec LIMIT 50",
            lambda p, _: f"patient `{p}`: the {when} is empty (when was it measured?)",
            column,
        ),
        (
            f"SELECT b._rec, b.patient_id, CAST(b.{w} AS VARCHAR) FROM _m_ranked a "
            f"JOIN _m_ranked b ON a.patient_id = b.patient_id AND a.{w} = b.{w} "
            "AND a._nth < b._nth ORDER BY b._rec LIMIT 50",
            lambda p, at: f"patient `{p}` is measured twice on {when} {at}: which one is meant?",
            column,
        ),
        (
            f"SELECT m._rec, m.patient_id, CAST(m.{w} AS VARCHAR) || '|' || "
            f"CAST({start} AS VARCHAR) FROM _m_ranked m LEFT JOIN {patients} p "
            f"USING (patient_id) WHERE m._nth = 1 AND {late} ORDER BY m._rec LIMIT 50",
            lambda p, what: _no_baseline(p, what, when),
            column,
        ),
        (
            "SELECT _rec, patient_id, NULL FROM _m_ranked WHERE _nth = 1 AND sum_mm = 0 "
            "ORDER BY _rec LIMIT 50",
            lambda p, _: (
                f"patient `{p}`: the baseline sum is 0 mm, so no % change can be taken from it"
            ),
            raw.originals.get("sum_mm") or "sum_mm",
        ),
    ]
    found = con.execute(
        ranked + "SELECT " + ", ".join(f"EXISTS ({sql})" for sql, _, _ in checks)
    ).fetchone()
    for (sql, message, named), any_found in zip(checks, found, strict=True):
        if any_found:
            _offenders(con, ranked + sql, raw, problems, message, named)


def _no_baseline(patient, what: str, when: str) -> str:
    first, start = what.split("|")
    at = f"day {float(first):g}" if when == "day" else first
    began = "day 0" if when == "day" else start
    return (
        f"patient `{patient}` has no baseline: the first measurement ({at}) is after the start "
        f"of treatment ({began}); the baseline is measured at or before it"
    )


def _load(con, typed: str, columns, patients: str, *, has_start: bool) -> None:
    """CREATE TABLE measurements from `typed` in the shape the plots read (see the module)."""
    others = [c for c in columns if c not in ("patient_id", "date", "day", "sum_mm", "new_lesion")]
    if "date" in columns:
        first = "min(m.date) OVER (PARTITION BY m.patient_id)"
        since = (
            f"coalesce(m.date - p.start_date, m.date - {first})"
            if has_start
            else (f"m.date - {first}")
        )
        when = f"m.date AS date, CAST({since} AS DOUBLE) AS day"
    else:
        when = "NULL::DATE AS date, CAST(m.day AS DOUBLE) AS day"
    flag = "m.new_lesion" if "new_lesion" in columns else "NULL::BOOLEAN"
    extra = "".join(f", m.{_q(c)}" for c in others)
    con.execute(
        f"CREATE TABLE {MEASUREMENTS} AS SELECT m.patient_id, {when}, "
        f"CAST(m.sum_mm AS DOUBLE) AS sum_mm, CAST({flag} AS BOOLEAN) AS new_lesion{extra} "
        f"FROM {typed} m LEFT JOIN {patients} p USING (patient_id) ORDER BY m._rec"
    )
