"""How one column is typed, and what is checked of it.

A column an answer relies on (its role: the identifier, best_response, survival times and
events, grades, the dates endpoints are derived from) gets errors (`role_kind`); any other is
typed by its profile and gets warnings, read as well as it can be (`generic_kind`). Each gives
the column's kind and the SQL expression of its typed value; the checks go to a TableReport.
"""

from __future__ import annotations

from sts_queries.cohort.files.kinds import (
    KIND_NAMES,
    Profile,
    date_sql,
    event_sql,
    number_sql,
    sql_text,
)
from sts_queries.cohort.files.readers import RawTable
from sts_queries.cohort.validate import RESPONSES, TableReport
from sts_queries.sql.identifiers import quote_identifier as _q

__all__ = ["generic_kind", "role_kind"]

_NOT_CODES = ("cycles", "age", "year")  # counts and measures, however few values they take
_GRADES = "CTCAE 1–5"


def declared_kind(name: str, raw: RawTable, spec: dict) -> str | None:
    kind = spec.get("kind")
    if isinstance(kind, str):
        return KIND_NAMES.get(kind.lower(), kind.lower())
    if spec.get("labels") and raw.name == "patients":
        return "code"
    cbio = raw.declared_types.get(name)
    return {"STRING": "category", "BOOLEAN": "category"}.get(cbio or "")


def date_problem(name: str, p: Profile, settings, spec: dict):
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


def generic_kind(name: str, p: Profile, raw: RawTable, spec: dict, rep: TableReport, s):
    """Kind and expression of a column no answer depends on; problems are warnings."""
    q = _q(name)
    declared = declared_kind(name, raw, spec)
    num = number_sql(q, raw.decimal_comma)
    if p.present == 0:
        rep.whole(name, "column is empty", error=False)
        return "category", q
    if declared == "date" or (declared is None and (p.date_order() or p.declared_format)):
        kind, expr = date_problem(name, p, s, spec)
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
                known=True,  # some cells are not numbers
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
            known=p.numbers < p.present,
        )
    if p.all_numbers and p.whole == p.present:
        return "category", f"regexp_replace({q}, '^([+-]?\\d+)\\.0+$', '\\1')"
    return "category", q


def role_kind(name: str, role: str, p: Profile, raw: RawTable, rep: TableReport, s, spec):
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
        kind, expr = date_problem(name, p, s, spec)
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
    # What the profile counted of the column's numbers (the same `num` of the same cells)
    # says whether these checks find anything; only the grades' range can need counting.
    fine = p.whole if whole_only else p.numbers
    rep.by_value(
        name,
        f"{q} IS NOT NULL AND {bad}",
        lambda v: f"`{v}` is not {what}",
        known=fine < p.present,
    )
    if role == "grade":
        within = p.low is not None and p.low >= 1 and p.high is not None and p.high <= 5
        rep.by_value(
            name,
            f"{num} = floor({num}) AND {num} NOT BETWEEN 1 AND 5",
            lambda v: f"`{v}` is outside 1–5",
            known=False if p.whole == 0 or within else None,
        )
    elif role != "day":  # a day before the start of treatment is a baseline scan's
        below = "mm: a sum of diameters cannot be below 0" if role == "mm" else "is below 0"
        negative = p.low is not None and p.low < 0
        rep.by_value(name, f"{num} < 0", lambda v: f"`{v}` {below}", known=negative)
    whole = whole_only or (p.numbers and p.whole == p.numbers)
    return ("number", f"CAST({num} AS BIGINT)" if whole else num)
