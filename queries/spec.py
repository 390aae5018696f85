"""Tokens + catalog → a typed, immutable QuerySpec; every name and value is resolved here.

A spec holds only catalog identifiers and canonical values, so the SQL built from it never
contains user text.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, replace

from .catalog import DATE, NUMERIC, Catalog, Field
from .errors import UnknownField, UnknownValue, UsageError
from .metrics import resolve_metric
from .parse import USAGE, Command, Condition

__all__ = [
    "CI_TYPES",
    "UNITS",
    "Filter",
    "QuerySpec",
    "build_spec",
]

# "symmetric" is SPSS's median ± z·SE, which the seed paper reports; see median_se.py.
CI_TYPES = ("log-log", "log", "plain", "symmetric")
_CI_ALIASES = {"loglog": "log-log", "log_log": "log-log", "linear": "plain", "spss": "symmetric"}
UNITS = ("days", "weeks", "months", "years")
_OPTIONS = ("by", "ci", "unit", "grade", "as_of")
_UNGROUPED = ("list", "patient", "fields", "help", "summary")
# Fields of the adverse_events table that `tox` may filter on, besides patient fields.
_AE_FIELDS = ("grade",)


@dataclass(frozen=True, kw_only=True)
class Filter:
    """A resolved condition: a catalog column, an operator, canonical values."""

    field: str
    op: str  # in | not_in | >= | > | <= | < | between
    values: tuple
    label: str
    text: str = ""
    group: str = ""  # the hierarchy group or synonym the user typed, for the echo

    def describe(self) -> str:
        shown = ", ".join(str(v) for v in self.values)
        if self.op == "in":
            return (
                f"{self.label} = {self.group} ({shown})"
                if self.group
                else f"{self.label} = {shown}"
            )
        if self.op == "not_in":
            return f"{self.label} ≠ {shown}"
        if self.op == "between":
            return f"{self.label} {self.values[0]}–{self.values[1]}"
        symbol = {">=": "≥", "<=": "≤"}.get(self.op, self.op)
        return f"{self.label} {symbol} {self.values[0]}"


@dataclass(frozen=True, kw_only=True)
class QuerySpec:
    metric: str
    filters: tuple[Filter, ...] = ()
    ae_filters: tuple[Filter, ...] = ()
    by: str | None = None
    ci_type: str = "log-log"
    unit: str = "months"
    share: bool = False
    patient_id: str | None = None
    topic: str | None = None
    as_of: dt.date | None = None  # summary: the week to replay

    def describe_filters(self) -> list[str]:
        return [f.describe() for f in (*self.filters, *self.ae_filters)]


def _number(text: str, field: Field) -> float | int:
    code = field.code_for(text)  # a coded field takes its labels too: sex=female
    if code is not None:
        return code
    try:
        value = float(text)
    except ValueError:
        raise UsageError(
            f"`{field.name}` takes numbers, not `{text}`.",
            hint=f"e.g. {field.name}>=60, {field.name}<40, {field.name}=40..60",
        ) from None
    return int(value) if value.is_integer() else value


def _date(text: str, field: Field) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"`{field.name}` takes dates (YYYY-MM-DD), not `{text}`.",
            hint=f"e.g. {field.name}>=2019-10-01",
        ) from None


def _ordered_filter(cond: Condition, field: Field, read) -> Filter:
    if cond.op == "=" and ".." in cond.value:
        low, _, high = cond.value.partition("..")
        lo, hi = read(low.strip(), field), read(high.strip(), field)
        if lo > hi:
            lo, hi = hi, lo
        return Filter(
            field=field.name, op="between", values=(lo, hi), label=field.name, text=cond.text
        )
    if cond.op in ("=", "!="):
        values = tuple(read(v.strip(), field) for v in cond.value.split(",") if v.strip())
        op = "in" if cond.op == "=" else "not_in"
        return Filter(field=field.name, op=op, values=values, label=field.name, text=cond.text)
    return Filter(
        field=field.name,
        op=cond.op,
        values=(read(cond.value, field),),
        label=field.name,
        text=cond.text,
    )


def _categorical_filter(cond: Condition, field: Field) -> Filter:
    if cond.op not in ("=", "!="):
        raise UsageError(
            f"`{cond.text}`: `{field.name}` is a category, so it takes = or != only.",
            hint=f"e.g. {field.name}={field.values[0] if field.values else 'value'}"
            f" or {field.name}=a,b",
        )
    values: list[str] = []
    group = ""
    typed = [v.strip() for v in cond.value.split(",") if v.strip()]
    for text in typed:
        resolved = field.resolve(text)
        if resolved is None:
            by_lower = {v.lower(): v for v in field.values}
            close = difflib.get_close_matches(text.lower(), list(by_lower), n=1, cutoff=0.6)
            near = f"Did you mean `{by_lower[close[0]]}`? " if close else ""
            raise UnknownValue(
                f"No patient has {field.name} = `{text}`.",
                hint=f"{near}Known values: {field.known_values_text()}.",
            )
        values.extend(v for v in resolved if v not in values)
        if len(typed) == 1 and (len(resolved) > 1 or resolved[0].lower() != text.lower()):
            group = text if len(resolved) > 1 else ""
    op = "in" if cond.op == "=" else "not_in"
    return Filter(
        field=field.name, op=op, values=tuple(values), label=field.name, text=cond.text, group=group
    )


def _filter(cond: Condition, catalog: Catalog) -> Filter:
    field = catalog.get(cond.field)
    if field is None:
        near = catalog.nearest(cond.field)
        hint = f"Did you mean {' or '.join(f'`{n}`' for n in near)}? " if near else ""
        raise UnknownField(
            f"Unknown field `{cond.field}`.",
            hint=hint + "`/sts fields` lists every field with its values.",
        )
    if field.kind == NUMERIC:
        return _ordered_filter(cond, field, _number)
    if field.kind == DATE:
        return _ordered_filter(cond, field, _date)
    return _categorical_filter(cond, field)


def _grade_filter(cond: Condition) -> Filter:
    # Grade filters apply to each patient's worst grade per term (see sql/tox.sql).
    grade_field = Field(name="worst_grade", label="grade", kind=NUMERIC)
    spec = replace(_ordered_filter(cond, grade_field, _number), label="grade")
    if any(not (1 <= v <= 5) for v in spec.values):
        raise UsageError(f"`{cond.text}`: CTCAE grades run from 1 to 5.", hint="e.g. grade>=3")
    return spec


def build_spec(command: Command, catalog: Catalog, endpoints: tuple[str, ...] = ()) -> QuerySpec:
    """Resolve a parsed command against the cohort's catalog."""
    metric = resolve_metric(command.metric, endpoints)
    options: dict[str, object] = {}
    filters: list[Filter] = []
    ae_filters: list[Filter] = []
    for cond in command.conditions:
        key = cond.field.lower()
        if key in _OPTIONS and key not in catalog:
            if key == "grade":
                if metric != "tox":
                    raise UsageError(
                        "`grade` filters adverse events; it works with `tox`.",
                        hint="e.g. /sts tox grade>=3",
                    )
                ae_filters.append(_grade_filter(cond))
            elif key == "by":
                field = catalog.get(cond.value)
                if field is None:
                    _filter(Condition(field=cond.value, op="=", value="x", text=cond.text), catalog)
                if not field.groupable:
                    some = [
                        f.name for f in catalog.fields if f.groupable and f.name != "patient_id"
                    ][:3]
                    raise UsageError(
                        f"`by={cond.value}`: groups need a category field, not a {field.kind} one.",
                        hint=f"e.g. {', '.join(f'by={n}' for n in some) or 'by=<category>'}; "
                        f"filter numbers with {field.name}>=….",
                    )
                options["by"] = field.name
            elif key == "ci":
                ci = _CI_ALIASES.get(cond.value.lower(), cond.value.lower())
                if ci not in CI_TYPES:
                    raise UsageError(
                        f"Unknown confidence interval type `{cond.value}`.",
                        hint="ci=log-log (default), ci=log (R's default), ci=plain, "
                        "ci=spss (median ± 1.96·SE).",
                    )
                options["ci"] = ci
            elif key == "as_of":
                if metric != "summary":
                    raise UsageError(
                        "`as_of` replays the weekly summary.",
                        hint="/sts summary as_of=2019-10-14",
                    )
                options["as_of"] = _date(cond.value, Field(name="as_of", label="as_of", kind=DATE))
            elif key == "unit":
                unit = cond.value.lower().rstrip("s") + "s"
                if unit not in UNITS:
                    raise UsageError(
                        f"Unknown time unit `{cond.value}`.", hint=f"unit={'|'.join(UNITS)}"
                    )
                options["unit"] = unit
            continue
        filters.append(_filter(cond, catalog))
    if options.get("by") and metric in _UNGROUPED:
        raise UsageError(
            f"`by=` does not apply to `{metric}`.",
            hint="by= splits orr, dcr, survival, tox, count, baseline and swimmer; "
            f"filter instead, e.g. /sts {metric} {options['by']}=...",
        )
    patient_id = topic = None
    if metric == "patient":
        if len(command.args) != 1:
            raise UsageError("Which patient?", hint="e.g. /sts patient 8")
        patient_id = command.args[0]
    elif metric == "help":
        topic = command.args[0].lower() if command.args else None
    elif command.args:
        raise UsageError(
            f"`{command.args[0]}` is neither a filter nor an option.",
            hint=f"Filters look like field=value (histology=LPS, age>=60). Usage: {USAGE}",
        )
    return QuerySpec(
        metric=metric,
        filters=tuple(filters),
        ae_filters=tuple(ae_filters),
        by=options.get("by"),
        ci_type=options.get("ci", "log-log"),
        unit=options.get("unit", "months"),
        share="share" in command.flags,
        patient_id=patient_id,
        topic=topic,
        as_of=options.get("as_of"),
    )
