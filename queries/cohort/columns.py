"""One raw table → one typed DuckDB table: missing tokens, kinds, and the checks of known columns.

Columns an answer relies on (the identifier, best_response, survival times and events, grades,
the dates endpoints are derived from) get errors; every other column gets warnings and is read
as well as it can be.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sts_queries.cohort.files.kinds import (
    KIND_NAMES,
    Profile,
    date_sql,
    event_sql,
    number_sql,
    sql_text,
)
from sts_queries.cohort.files.profile import Columns, profile_tables
from sts_queries.cohort.files.readers import RawTable
from sts_queries.cohort.measurements import measurement_roles
from sts_queries.cohort.validate import RESPONSES, Problems, TableReport, flush_reports
from sts_queries.sql.identifiers import quote_identifier as _q

__all__ = ["ReadSettings", "TypedTable", "type_tables"]

_NOT_CODES = ("cycles", "age", "year")  # counts and measures, however few values they take
_GRADES = "CTCAE 1–5"


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


def _declared_kind(name: str, raw: RawTable, spec: dict) -> str | None:
    kind = spec.get("kind")
    if isinstance(kind, str):
        return KIND_NAMES.get(kind.lower(), kind.lower())
    if spec.get("labels") and raw.name == "patients":
        return "code"
    cbio = raw.declared_types.get(name)
    return {"STRING": "category", "BOOLEAN": "category"}.get(cbio or "")


def _date_problem(name: str, p: Profile, settings: ReadSettings, spec: dict):
    """(kind, expression) for a date column, or (None, message) when its format is unclear."""
    q = _q(name)
    fmt = spec.get("date_format") or settings.date_format
    if fmt and p.declared_format:
        return "date", date_sql(q, fmt=fmt)
    order = p.date_order()
    if order == "ambiguous":
        return None, (
            "dates like `03/04/2019` could be day/month or month/day",
            f'declare it in cohort.toml: [fields.{name}] date_format = "%d/%m/%Y" (or "%m/%d/%Y")',
        )
    if order:
        return "date", date_sql(q, order)
    if p.all_numbers and p.low is not None and p.low >= 1 and (p.high or 0) <= 2958465:
        return "date", date_sql(q, serial=True)  # Excel serial day numbers
    return "date", date_sql(q, fmt=fmt) if fmt else date_sql(q)


def _generic(name: str, p: Profile, raw: RawTable, spec: dict, rep: TableReport, s):
    """Kind and expression of a column no answer depends on; problems are warnings."""
    q = _q(name)
    declared = _declared_kind(name, raw, spec)
    num = number_sql(q, raw.decimal_comma)
    if p.present == 0:
        rep.whole(name, "column is empty", error=False)
        return "category", q
    if declared == "date" or (declared is None and (p.date_order() or p.declared_format)):
        kind, expr = _date_problem(name, p, s, spec)
        if kind:
            return kind, expr
        rep.whole(name, f"read as text: {expr[0]}", error=False, hint=expr[1])
        return "category", q
    if declared in ("number", "code") or (declared is None and p.all_numbers):
        if p.numbers < p.present:
            rep.by_value(
                name,
                f"{q} IS NOT NULL AND {num} IS NULL",
                lambda v: f"`{v}` is not a number; read as missing",
                error=False,
                hint="list it in missing_values in cohort.toml, or fix it",
            )
        whole = p.whole == p.numbers
        code = declared == "code" or (
            declared is None and p.looks_like_code() and not name.endswith(_NOT_CODES)
        )
        if code and whole:
            return "code", f"CAST({num} AS BIGINT)"
        return "number", f"CAST({num} AS BIGINT)" if whole else num
    if declared is None and "date" in name and p.iso >= max(1, p.present // 2):
        rep.by_value(
            name,
            f"{q} IS NOT NULL AND {date_sql(q)} IS NULL",
            lambda v: f"read as text because of `{v}`, which is not a date",
            error=False,
            hint="fix it or declare it missing, and the column is a date",
        )
        return "category", q
    if declared is None and p.numbers >= max(1, p.present // 2):
        rep.by_value(
            name,
            f"{q} IS NOT NULL AND {num} IS NULL",
            lambda v: f"read as text because of `{v}`",
            error=False,
            hint="declare it missing (missing_values) or fix it, and the column is a number",
        )
    if p.all_numbers and p.whole == p.present:
        return "category", f"regexp_replace({q}, '^([+-]?\\d+)\\.0+$', '\\1')"
    return "category", q


def _role(name: str, role: str, p: Profile, raw: RawTable, rep: TableReport, s, spec):
    """Kind and expression of a column an answer depends on; problems are errors."""
    q = _q(name)
    num = number_sql(q, raw.decimal_comma)
    if role == "id":
        rep.rows(name, f"{q} IS NULL", f"{name} is empty")
        return "identifier", q
    if role == "text":
        rep.rows(name, f"{q} IS NULL", f"{name} is empty")
        return "category", q
    if role == "response":
        rep.by_value(
            name,
            f"{q} IS NOT NULL AND upper({q}) NOT IN ({', '.join(map(sql_text, RESPONSES))})",
            lambda v: f"`{v}` is not a RECIST response ({'/'.join(RESPONSES)})",
        )
        return "category", f"upper({q})"
    if role == "event":
        ev = tuple(str(v) for v in spec.get("event", ()))
        ce = tuple(str(v) for v in spec.get("censored", ()))
        expr = event_sql(q, ev, ce)
        rep.by_value(
            name,
            f"{q} IS NOT NULL AND {expr} IS NULL",
            lambda v: f"`{v}` is not an event code (1 = event, 0 = censored)",
            hint=f"declare the coding: [fields.{raw.originals.get(name) or name}] "
            'event = ["2"], censored = ["1"]',
        )
        return "event", f"CAST({expr} AS INTEGER)"
    if role == "date":
        kind, expr = _date_problem(name, p, s, spec)
        if kind is None:
            rep.whole(name, expr[0], hint=expr[1])
            return "category", q
        rep.by_value(
            name,
            f"{q} IS NOT NULL AND {expr} IS NULL",
            lambda v: f"`{v}` is not a date (use YYYY-MM-DD, or declare date_format)",
        )
        return "date", expr
    if role == "flag":
        expr = event_sql(q)
        rep.by_value(name, f"{q} IS NOT NULL AND {expr} IS NULL", lambda v: f"`{v}` is not yes/no")
        return "category", f"CAST({expr} AS BOOLEAN)"
    # time, count, grade, day, mm: numbers
    whole_only = role in ("count", "grade")
    what = "a whole number" if whole_only else "a number"
    bad = f"{num} IS NULL" if not whole_only else f"({num} IS NULL OR {num} <> floor({num}))"
    if role in ("grade", "mm"):
        what_empty = f"grade is empty ({_GRADES})" if role == "grade" else "the sum (mm) is empty"
        rep.rows(name, f"{q} IS NULL", what_empty)
    rep.by_value(name, f"{q} IS NOT NULL AND {bad}", lambda v: f"`{v}` is not {what}")
    if role == "grade":
        rep.by_value(
            name,
            f"{num} = floor({num}) AND {num} NOT BETWEEN 1 AND 5",
            lambda v: f"`{v}` is outside 1–5",
        )
    elif role != "day":  # a day before the start of treatment is a baseline scan's
        below = "mm: a sum of diameters cannot be below 0" if role == "mm" else "is below 0"
        rep.by_value(name, f"{num} < 0", lambda v: f"`{v}` {below}")
    whole = whole_only or (p.numbers and p.whole == p.numbers)
    return ("number", f"CAST({num} AS BIGINT)" if whole else num)


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
            kind, expr = _role(name, roles[name], profiles[name], raw, rep, settings, spec)
        else:
            kind, expr = _generic(name, profiles[name], raw, spec, rep, settings)
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
