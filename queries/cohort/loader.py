"""Reads, checks and types a whole folder into DuckDB tables; what was learnt comes back as info.

The steps: raw text tables (readers) → identifiers and declared endpoint columns named →
each table typed and checked (columns) → endpoints derived from dates (derive) → cBioPortal
samples joined → catalog facts counted (fields). Problems are collected across all of it and
raised together.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sts_queries.cohort.columns import ReadSettings, type_tables
from sts_queries.cohort.derive import date_roles, derived_columns, map_columns
from sts_queries.cohort.fields import field_facts
from sts_queries.cohort.files.long import widen
from sts_queries.cohort.files.names import identifier_column
from sts_queries.cohort.files.readers import ROW_NAMES, RawTable, read_folder
from sts_queries.cohort.files.roles import assign_roles
from sts_queries.cohort.measurements import (
    MEASUREMENTS,
    canonical,
    required_columns,
    typed_measurements,
)
from sts_queries.cohort.meta import TIME_UNITS, CohortMeta, EndpointSpec
from sts_queries.cohort.validate import Problems
from sts_queries.sql.identifiers import quote_identifier as _q

__all__ = ["AE_WORST", "build_tables", "endpoints_of", "summarise", "summary_tables"]

_REQUIRED = {
    "patients": ("patient_id",),
    "adverse_events": ("patient_id", "term", "grade"),
    MEASUREMENTS: ("patient_id",),
}


def endpoints_of(columns) -> tuple[str, ...]:
    """Survival endpoints: every X with both X_time and X_event columns."""
    cols = set(columns)
    return tuple(
        c[: -len("_time")] for c in columns if c.endswith("_time") and f"{c[:-5]}_event" in cols
    )


def _with_identifier(raw: RawTable, declared: str | None) -> RawTable:
    """`record_id`, `Patient ID`, `subject_id`… become patient_id; the original stays an alias."""
    ident = identifier_column(raw.columns, declared)
    if not ident and ROW_NAMES in raw.columns:
        ident = ROW_NAMES  # R's lung has no id column: its row names are the patients
    if ROW_NAMES in raw.columns and ident != ROW_NAMES:
        raw = replace(
            raw,
            columns={k: v for k, v in raw.columns.items() if k != ROW_NAMES},
            originals={k: v for k, v in raw.originals.items() if k != ROW_NAMES},
        )
    if not ident or ident == "patient_id" or "patient_id" in raw.columns:
        return raw
    columns = {("patient_id" if k == ident else k): v for k, v in raw.columns.items()}
    originals = {("patient_id" if k == ident else k): v for k, v in raw.originals.items()}
    return replace(raw, columns=columns, originals=originals)


def _join_samples(con, problems: Problems, kinds: dict[str, str], sample_kinds: dict, file: str):
    """cBioPortal samples: joined when each patient has one sample, else kept apart (stated)."""
    several = con.execute(
        "SELECT count(*) FROM (SELECT patient_id FROM samples GROUP BY patient_id "
        "HAVING count(*) > 1)"
    ).fetchone()[0]
    extra = [c for c in sample_kinds if c not in kinds and c != "patient_id"]
    if several:
        problems.warn(
            f"{several} patient(s) have several samples, so sample columns "
            f"({', '.join(extra[:6])}{'…' if len(extra) > 6 else ''}) stay in table `samples` "
            "and are not patient fields",
            file=file,
        )
        return
    if not extra:
        return
    chosen = ", ".join(f"s.{_q(c)}" for c in extra)
    con.execute(
        f"CREATE TABLE _joined AS SELECT p.*, {chosen} FROM patients p "
        "LEFT JOIN samples s USING (patient_id)"
    )
    con.execute("DROP TABLE patients")
    con.execute("ALTER TABLE _joined RENAME TO patients")
    kinds.update({c: sample_kinds[c] for c in extra})


def build_tables(
    con,
    folder: Path,
    meta: CohortMeta | None,
    settings: ReadSettings,
    endpoints: tuple[EndpointSpec, ...],
    problems: Problems,
    workdir: Path,
) -> dict:
    """Create the cohort's typed tables in `con`; returns the info a stored cohort keeps."""
    raws = read_folder(con, folder, workdir, problems, settings.missing)
    raws, found = assign_roles(con, raws, settings.tables, settings.identifier, problems)
    for role, why in found.items():
        if not settings.tables:  # a guess, until cohort.toml's [tables] says so
            problems.warn(f"read as the {role} table ({why})", file=raws[role].file)
    if "patients" not in raws and not problems.items:
        problems.add(
            "no patients table: no data file or sheet in the folder",
            file=str(folder),
            hint="put the export (CSV, TSV, Excel or cBioPortal) in the folder; sts init drafts "
            "cohort.toml from it",
        )
    problems.raise_if_any()
    raws = {name: _with_identifier(raw, settings.identifier) for name, raw in raws.items()}
    if MEASUREMENTS in raws:
        raws[MEASUREMENTS] = canonical(raws[MEASUREMENTS])
        required_columns(raws[MEASUREMENTS], problems)
    fields = dict(settings.fields)
    raws["patients"], endpoints, fields = widen(con, raws["patients"], endpoints, fields, problems)
    problems.raise_if_any()
    raws["patients"], fields = map_columns(raws["patients"], endpoints, fields, problems)
    for name, required in _REQUIRED.items():
        if name in raws:
            for column in required:
                if column not in raws[name].columns:
                    problems.add("required column is missing", file=raws[name].file, column=column)
    problems.raise_if_any()
    assert meta is not None
    settings = replace(settings, fields=fields, roles={"patients": date_roles(endpoints)})
    typed = type_tables(
        con,
        [raws["patients"]] + [raw for name, raw in raws.items() if name != "patients"],
        settings,
        problems,
    )
    patients = typed[0]
    problems.raise_if_any()
    con.execute(
        f"CREATE TEMP TABLE _typed_patients AS SELECT {patients.select} FROM {patients.view}"
    )
    for table in typed[1:]:
        if table.name == MEASUREMENTS:  # checked as a whole, then shaped for the plots
            typed_measurements(
                con,
                table,
                raws[MEASUREMENTS],
                "_typed_patients",
                problems,
                has_start=patients.kinds.get("start_date") == "date",  # typed as a DATE
            )
            continue
        con.execute(f"CREATE TABLE {_q(table.name)} AS SELECT {table.select} FROM {table.view}")
    problems.raise_if_any()
    derived, joins, notes = derived_columns(
        con,
        "_typed_patients",
        list(patients.kinds),
        endpoints,
        meta.time_unit,
        patients.file,
        problems,
        tables=tuple(t.name for t in typed),
    )
    problems.raise_if_any()
    con.execute(
        "CREATE TABLE patients AS SELECT p.*"
        + "".join(f", {d}" for d in derived)
        + " FROM _typed_patients AS p "
        + " ".join(joins)
    )
    kinds = dict(patients.kinds)
    for ep in endpoints:
        if ep.from_dates:
            kinds.update({f"{ep.name}_time": "number", f"{ep.name}_event": "event"})
    for ep in endpoints_of(kinds):
        time, event = _q(f"{ep}_time"), _q(f"{ep}_event")
        con.execute(
            f"UPDATE patients SET {time} = NULL, {event} = NULL "
            f"WHERE {time} IS NULL OR {event} IS NULL"
        )
    _implausible_times(con, endpoints_of(kinds), meta.time_unit, problems)
    _known_competitors(endpoints, endpoints_of(kinds), problems)
    samples = next((t for t in typed if t.name == "samples"), None)
    if samples and "patient_id" in samples.kinds:
        _join_samples(con, problems, kinds, samples.kinds, samples.file)
    originals = {
        name: raws["patients"].originals.get(name, "")
        for name in kinds
        if raws["patients"].originals.get(name, "") != name
    }
    summarise(con, [t.name for t in typed])
    return {
        "kinds": kinds,
        "originals": originals,
        "warnings": list(problems.warnings),
        "notes": notes,
        "facts": field_facts(con, kinds),
        "tables": [t.name for t in typed],
        "endpoints": list(endpoints_of(kinds)),
        "files": {t.name: t.file for t in typed},
    }


def _known_competitors(declared: tuple[EndpointSpec, ...], known, problems: Problems) -> None:
    """Every endpoint named in `competing = [...]` is an endpoint of this cohort."""
    for ep in declared:
        unknown = [name for name in ep.competing if name not in known]
        if unknown:
            problems.add(
                f"[endpoints.{ep.name}] competing names {', '.join(f'`{n}`' for n in unknown)}, "
                "which is not an endpoint here",
                file="cohort.toml",
                hint=f"Endpoints here: {', '.join(known) or 'none'}; declare the competing one "
                'too, e.g. [endpoints.death] time = "futime", event = "death".',
            )
    problems.raise_if_any()


# Longer than any cohort's follow-up: a time past it says the unit is wrong (days read as
# months make a 1,000-day trial run 83 years).
_PLAUSIBLE_YEARS = 40


def _implausible_times(con, endpoints, unit: str, problems: Problems) -> None:
    """Warn when the declared time unit makes an endpoint's longest time implausible."""
    for ep in endpoints:
        longest = con.execute(f"SELECT max({_q(f'{ep}_time')}) FROM patients").fetchone()[0]
        if longest is None:
            continue
        years = float(longest) * TIME_UNITS[unit] / 365.25
        if years > _PLAUSIBLE_YEARS:
            problems.warn(
                f"`{ep}` runs to {float(longest):g} {unit}, {years:.0f} years: is time_unit "
                f"`{unit}` right? As days that is {float(longest) / 365.25:.1f} years",
                file="cohort.toml",
            )


# What the metrics read instead of recomputing it per question, kept with the cohort (and its
# stored copy): a registry's 2.5x10^6 adverse events reduced to each patient's worst grade per
# term once, so that `tox` is a join and a count (0.1 s) instead of a GROUP BY over every event
# on every question (0.9 s at 10^6 patients).
AE_WORST = "_ae_worst"


def summary_tables(tables) -> dict[str, str]:
    """The summary tables of the cohort's tables: name -> the SELECT that makes it."""
    out = {}
    if "adverse_events" in tables:
        out[AE_WORST] = (
            "SELECT patient_id, term, max(grade) AS worst_grade "
            "FROM adverse_events GROUP BY patient_id, term ORDER BY patient_id"
        )
    return out


def summarise(con, tables) -> None:
    """Create the summary tables of the cohort's tables in `con` (see AE_WORST); one already
    there (a snapshot's view, computed when read) is kept."""
    for name, select in summary_tables(tables).items():
        con.execute(f"CREATE TABLE IF NOT EXISTS {name} AS {select}")
