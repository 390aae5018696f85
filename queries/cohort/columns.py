"""Raw tables → typed DuckDB tables: missing tokens, kinds, and the checks of known columns.

Columns an answer relies on (the identifier, best_response, survival times and events, grades,
the dates endpoints are derived from) get errors; every other column gets warnings and is read
as well as it can be (column_rules.py). A folder's tables are profiled together, and their
checks counted together: a few statements for the folder, not a few per table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sts_queries.cohort.column_rules import generic_kind, role_kind
from sts_queries.cohort.files.kinds import Profile
from sts_queries.cohort.files.profile import Columns, profile_tables
from sts_queries.cohort.files.readers import RawTable
from sts_queries.cohort.measurements import measurement_roles
from sts_queries.cohort.validate import Problems, TableReport, flush_reports
from sts_queries.sql.identifiers import quote_identifier as _q

__all__ = ["ReadSettings", "TypedTable", "type_tables"]


@dataclass(frozen=True, kw_only=True)
class ReadSettings:
    """What cohort.toml says about reading: missing tokens, date format, declared columns."""

    missing: tuple[str, ...]
    date_format: str | None = None
    identifier: str | None = None
    fields: dict = field(default_factory=dict)
    roles: dict = field(default_factory=dict)  # table -> {column: role}, from endpoints
    tables: dict = field(default_factory=dict)  # role -> TableRef, from [tables]


@dataclass(frozen=True, kw_only=True)
class TypedTable:
    name: str
    select: str  # SELECT list over the cleaned view
    view: str
    kinds: dict[str, str]
    file: str


def clean_view(con, raw: RawTable) -> str:
    """The raw table (already cleaned as read) with its columns named and blank rows dropped."""
    cells = [f"{c} AS {_q(n)}" for n, c in raw.columns.items()]
    view = f"{raw.relation}_clean"
    any_cell = " OR ".join(f"{c} IS NOT NULL" for c in raw.columns.values()) or "TRUE"
    con.execute(
        f"CREATE TEMP VIEW {view} AS SELECT rowid AS _rec, {', '.join(cells)} "
        f"FROM {raw.relation} WHERE {any_cell}"
    )
    return view


def _roles(raw: RawTable, settings: ReadSettings) -> dict[str, str]:
    cols = raw.columns
    roles: dict[str, str] = {"patient_id": "id"} if "patient_id" in cols else {}
    if raw.name == "patients":
        if "best_response" in cols:
            roles["best_response"] = "response"
        for c in cols:
            if c.endswith("_time") and f"{c[:-5]}_event" in cols:
                roles[c], roles[f"{c[:-5]}_event"] = "time", "event"
        for c in ("cycles",):
            if c in cols:
                roles[c] = "count"
        for c in ("start_date", "surgery_date"):
            if c in cols:
                roles[c] = "date"
    elif raw.name == "adverse_events":
        roles.update(term="text", grade="grade", cycle="count", onset_date="date")
    elif raw.name == "assessments":
        roles.update(date="date")
    elif raw.name == "measurements":
        roles.update(measurement_roles(cols))
    roles.update(settings.roles.get(raw.name, {}))
    return {c: r for c, r in roles.items() if c in cols}


def type_tables(
    con, raws: list[RawTable], settings: ReadSettings, problems: Problems
) -> list[TypedTable]:
    """Profile, check and type the tables, patients first (the others' patient_ids are checked
    against it); problems go to `problems`, table by table, grouped by value."""
    views = [clean_view(con, raw) for raw in raws]
    fields = [settings.fields if raw.name == "patients" else {} for raw in raws]
    profiles = profile_tables(
        con,
        [
            Columns(
                view=view,
                names=list(raw.columns),
                decimal_comma=raw.decimal_comma,
                date_format=settings.date_format
                or next((f.get("date_format") for f in mine.values() if isinstance(f, dict)), None),
            )
            for raw, view, mine in zip(raws, views, fields, strict=True)
        ],
    )
    reports, typed = [], []
    for raw, view, mine, profile in zip(raws, views, fields, profiles, strict=True):
        rep = TableReport(
            con=con, view=view, file=raw.file, lines=raw.lines, originals=dict(raw.originals)
        )
        patients_view = views[0] if raw is not raws[0] else ""
        typed.append(_type_table(raw, view, mine, profile, settings, rep, patients_view))
        reports.append(rep)
    flush_reports(reports, problems)
    return typed


def _type_table(
    raw: RawTable,
    view: str,
    fields: dict,
    profiles: dict[str, Profile],
    settings: ReadSettings,
    rep: TableReport,
    patients_view: str,
) -> TypedTable:
    """The kinds and SELECT of one profiled table; its checks go to `rep`."""
    roles = _roles(raw, settings)
    selects, kinds = [], {}
    for name in raw.columns:
        spec = fields.get(name, {}) if isinstance(fields.get(name, {}), dict) else {}
        if name in roles:
            kind, expr = role_kind(name, roles[name], profiles[name], raw, rep, settings, spec)
        else:
            kind, expr = generic_kind(name, profiles[name], raw, spec, rep, settings)
        kinds[name] = kind
        selects.append(f"{expr} AS {_q(name)}")
    for time, role in roles.items():
        if role == "time":
            event = f"{time[:-5]}_event"
            rep.rows(
                time,
                f"({_q(time)} IS NULL) <> ({_q(event)} IS NULL)",
                f"{time} and {event} must both be given or both empty"
                + ("; left out of this endpoint" if raw.source == "cbioportal" else ""),
                error=raw.source != "cbioportal",
            )
    if raw.name == "patients" and "patient_id" in raw.columns:
        rep.by_value(
            "patient_id",
            "patient_id IS NOT NULL AND _nth > 1",
            lambda v: f"duplicate patient_id `{v}`",
            source=f"(SELECT *, row_number() OVER (PARTITION BY patient_id ORDER BY _rec) "
            f"AS _nth FROM {view})",
            counted="count(patient_id) - count(DISTINCT patient_id)",  # the rows with _nth > 1
        )
    elif (
        patients_view
        and raw.name in ("adverse_events", "measurements")
        and "patient_id" in (raw.columns)
    ):
        rep.by_value(
            "patient_id",
            f"patient_id IS NOT NULL AND patient_id NOT IN "
            f"(SELECT patient_id FROM {patients_view} WHERE patient_id IS NOT NULL)",
            lambda v: f"patient `{v}` is not in patients",
        )
    return TypedTable(
        name=raw.name, select=", ".join(selects), view=view, kinds=kinds, file=raw.file
    )
