"""Survival endpoints declared in cohort.toml, derived from dates or mapped from columns.

`[endpoints.os] start = "diagnosis_date", events = ["death_date"], censor = "last_contact_date"`
gives os_time (from start to the first event date, else to the censor date) and os_event.
A row without a start date, or with an event before its start, is left out of that endpoint
only, and a note counts it.
"""

from __future__ import annotations

from dataclasses import replace

from sts_queries.cohort.files.readers import RawTable
from sts_queries.cohort.meta import TIME_UNITS, EndpointSpec
from sts_queries.cohort.validate import Problems
from sts_queries.sql.identifiers import quote_identifier as _q

__all__ = ["LAST_ASSESSMENT", "date_roles", "derived_columns", "map_columns"]

# `censor = "last_assessment"`: censored at the patient's latest assessment date.
LAST_ASSESSMENT = "last_assessment"


def map_columns(
    raw: RawTable, endpoints: tuple[EndpointSpec, ...], fields: dict, problems: Problems
) -> tuple[RawTable, dict]:
    """Endpoints given as existing columns (`time = "time", event = "status"`) renamed to
    X_time / X_event; the original names stay aliases and keep their declarations."""
    columns, originals, fields = dict(raw.columns), dict(raw.originals), dict(fields)
    for ep in endpoints:
        if ep.from_dates:
            continue
        for source, target in ((ep.time, f"{ep.name}_time"), (ep.event, f"{ep.name}_event")):
            if source not in columns:
                problems.add(
                    f"[endpoints.{ep.name}] names column `{source}`, which {raw.file} lacks",
                    file="cohort.toml",
                )
                continue
            if target in columns and target != source:
                problems.add(f"`{target}` exists already", file=raw.file, column=target)
                continue
            columns = {(target if k == source else k): v for k, v in columns.items()}
            originals = {(target if k == source else k): v for k, v in originals.items()}
            originals.setdefault(target, source)
            if source in fields:
                fields[target] = fields[source]
            fields.setdefault(target, {})
            if isinstance(fields[target], dict):
                aliases = list(fields[target].get("aliases", ()))
                fields[target] = {**fields[target], "aliases": [*aliases, source]}
    return replace(raw, columns=columns, originals=originals), fields


def date_roles(endpoints: tuple[EndpointSpec, ...]) -> dict[str, str]:
    """Every column a date endpoint reads is a date an answer depends on."""
    out: dict[str, str] = {}
    for ep in endpoints:
        if ep.from_dates:
            for column in (ep.start, *ep.events, ep.censor):
                if column and column != LAST_ASSESSMENT:
                    out[column] = "date"
    return out


def _assessed(ep: EndpointSpec, tables: tuple[str, ...]) -> tuple[str, str]:
    """(join, its columns' prefix) for the assessments an endpoint reads, or ("", "")."""
    uses = ep.assessments or ep.censor == LAST_ASSESSMENT
    if not uses or "assessments" not in tables:
        return "", ""
    alias = f"_a_{ep.name}"
    codes = ", ".join("'" + c.replace("'", "''") + "'" for c in ep.assessments) or "NULL"
    join = (
        f"LEFT JOIN (SELECT patient_id, min(date) FILTER (WHERE upper(response) IN ({codes})) "
        f"AS {alias}_event, max(date) AS {alias}_last FROM assessments GROUP BY patient_id) "
        f"AS {alias} USING (patient_id)"
    )
    return join, alias


def derived_columns(
    con,
    table: str,
    columns: list[str],
    endpoints: tuple[EndpointSpec, ...],
    time_unit: str,
    file: str,
    problems: Problems,
    tables: tuple[str, ...] = (),
) -> tuple[list[str], list[str], dict[str, str]]:
    """SELECT expressions adding X_time and X_event for each date endpoint, the joins they
    need (assessments), and the notes counting who was left out."""
    selects: list[str] = []
    joins: list[str] = []
    notes: dict[str, str] = {}
    per_unit = TIME_UNITS[time_unit]
    for ep in endpoints:
        if not ep.from_dates:
            continue
        needed = [c for c in (ep.start, *ep.events, ep.censor) if c and c != LAST_ASSESSMENT]
        lacking = [c for c in needed if c not in columns]
        join, alias = _assessed(ep, tables)
        if (ep.assessments or ep.censor == LAST_ASSESSMENT) and not join:
            lacking.append("assessments.csv (patient_id, date, response)")
        if lacking:
            problems.add(
                f"[endpoints.{ep.name}] names {', '.join(f'`{c}`' for c in lacking)}, "
                f"which {file} lacks",
                file="cohort.toml",
            )
            continue
        if f"{ep.name}_time" in columns or f"{ep.name}_event" in columns:
            problems.add(
                f"[endpoints.{ep.name}] would replace columns {ep.name}_time/{ep.name}_event "
                "the file already has",
                file="cohort.toml",
            )
            continue
        joins.append(join)
        start = _q(ep.start)
        event_dates = [_q(e) for e in ep.events] + ([f"{alias}_event"] if ep.assessments else [])
        first = f"least({', '.join(event_dates)})" if event_dates else "NULL::DATE"
        censor = (
            f"{alias}_last"
            if ep.censor == LAST_ASSESSMENT
            else (_q(ep.censor) if ep.censor else "NULL::DATE")
        )
        usable = (
            f"({start} IS NOT NULL AND ({first} >= {start} OR ({first} IS NULL AND "
            f"{censor} >= {start})))"
        )
        end = f"coalesce({first}, {censor})"
        time = _q(f"{ep.name}_time")
        selects.append(f"CASE WHEN {usable} THEN ({end} - {start}) / {per_unit!r} END AS {time}")
        selects.append(
            f"CASE WHEN {usable} THEN CAST({first} IS NOT NULL AS INTEGER) END "
            f"AS {_q(ep.name + '_event')}"
        )
        no_start, early, no_end, early_censor = con.execute(
            f"SELECT count(*) FILTER (WHERE {start} IS NULL), "
            f"count(*) FILTER (WHERE {start} IS NOT NULL AND {first} < {start}), "
            f"count(*) FILTER (WHERE {start} IS NOT NULL AND {first} IS NULL "
            f"AND {censor} IS NULL), "
            f"count(*) FILTER (WHERE {start} IS NOT NULL AND {first} IS NULL "
            f"AND {censor} < {start}) FROM {table} {join}"
        ).fetchone()
        reasons = [
            f"{n} {why}"
            for n, why in (
                (no_start, f"without {ep.start}"),
                (early, f"with an event before {ep.start}"),
                (no_end, "with neither an event nor a censoring date"),
                (early_censor, f"censored before {ep.start}"),
            )
            if n
        ]
        if reasons:
            left = no_start + early + no_end + early_censor
            notes[ep.name] = (
                f"{ep.name}: {left} patient(s) left out of this endpoint ({'; '.join(reasons)})"
            )
            problems.warn(notes[ep.name], file=file)
    return selects, [j for j in joins if j], notes
