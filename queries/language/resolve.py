"""Tokens + catalog → a typed, immutable QuerySpec; every name and value is resolved here.

A spec holds only catalog identifiers and canonical values, so the SQL built from it never
contains user text.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from dataclasses import replace
from typing import TYPE_CHECKING

from sts_queries.cohort.catalog import CATEGORICAL, DATE, NUMERIC, Catalog, Field
from sts_queries.errors import UnknownField, UnknownValue, UsageError
from sts_queries.language.effect_options import (
    EFFECT_OPTIONS,
    HAZARD_WORDS,
    OPTION_HINTS,
    fields_option,
    reference_option,
    times_option,
)
from sts_queries.language.filters import Between, Compare, Filter, InValues, NotInValues
from sts_queries.language.parse import USAGE, Command, Condition
from sts_queries.query_spec import QuerySpec

if TYPE_CHECKING:
    from sts_queries.metrics.metric import Metric

__all__ = [
    "CI_TYPES",
    "UNITS",
    "build_spec",
]

# "symmetric" is SPSS's median ± z·SE, which the seed paper reports; see median_se.py.
CI_TYPES = ("log-log", "log", "plain", "symmetric")
_CI_ALIASES = {"loglog": "log-log", "log_log": "log-log", "linear": "plain", "spss": "symmetric"}
UNITS = ("days", "weeks", "months", "years")
_OPTIONS = ("by", "ci", "unit", "grade", "as_of", *EFFECT_OPTIONS)
# Sane ranges for typed values: beyond them DuckDB's integer columns and Python's dates overflow.
MAX_NUMBER = 1e15
FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(2200, 12, 31)
_PATIENT_WORDS = {"case", "patient", "pt", "id", "no", "no."}


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
    if not math.isfinite(value) or abs(value) > MAX_NUMBER:
        raise UsageError(
            f"`{text}` is out of range for `{field.name}`.",
            hint=f"Numbers up to ±{MAX_NUMBER:.0e}; e.g. {field.name}>=60.",
        )
    return int(value) if value.is_integer() else value


def _date(text: str, field: Field) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"`{field.name}` takes dates (YYYY-MM-DD), not `{text}`.",
            hint=f"e.g. {field.name}>=2019-10-01",
        ) from None
    if not FIRST_DATE <= day <= LAST_DATE:
        raise UsageError(
            f"`{text}` is out of range for `{field.name}`.",
            hint=f"Dates from {FIRST_DATE} to {LAST_DATE}.",
        )
    return day


def _ordered_filter(cond: Condition, field: Field, read) -> Filter:
    if cond.op == "=" and ".." in cond.value:
        low, _, high = (part.strip() for part in cond.value.partition(".."))
        if not low and not high:
            raise UsageError(
                f"`{cond.text}` has no ends.", hint=f"e.g. {field.name}=40..60, {field.name}=60.."
            )
        if not high:  # `age=60..`: from 60 up
            return Compare(
                field=field.name, label=field.name, text=cond.text, op=">=", value=read(low, field)
            )
        if not low:  # `age=..40`: up to 40
            return Compare(
                field=field.name, label=field.name, text=cond.text, op="<=", value=read(high, field)
            )
        lo, hi = read(low, field), read(high, field)
        if lo > hi:
            lo, hi = hi, lo
        return Between(field=field.name, label=field.name, text=cond.text, low=lo, high=hi)
    if cond.op in ("=", "!="):
        values = tuple(read(v.strip(), field) for v in cond.value.split(",") if v.strip())
        if cond.op == "=" and field.value_labels:  # a coded field: `sex = Female (2)`
            named = ", ".join(field.value_label(f"{v:g}") for v in values)
            if named != ", ".join(f"{v:g}" for v in values):
                return InValues(
                    field=field.name, label=field.name, text=cond.text, members=values, group=named
                )
        kind = InValues if cond.op == "=" else NotInValues
        return kind(field=field.name, label=field.name, text=cond.text, members=values)
    return Compare(
        field=field.name,
        label=field.name,
        text=cond.text,
        op=cond.op,
        value=read(cond.value, field),
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
    if cond.op == "!=":
        return NotInValues(
            field=field.name, label=field.name, text=cond.text, members=tuple(values)
        )
    return InValues(
        field=field.name, label=field.name, text=cond.text, members=tuple(values), group=group
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


def _term_filter(text: str, cond_text: str, terms: tuple[str, ...]) -> Filter | None:
    """An adverse-event term (any case), or None when `text` names none."""
    by_lower = {t.lower(): t for t in terms}
    if text.lower() not in by_lower:
        return None
    return InValues(field="term", label="term", text=cond_text, members=(by_lower[text.lower()],))


def _bare_value(word: str, catalog: Catalog, terms: tuple[str, ...]) -> Filter:
    """A value typed without its field: read as the one field it belongs to, else say which."""
    matches = [
        (f, resolved)
        for f in catalog.fields
        if f.kind == CATEGORICAL and f.name != "patient_id" and (resolved := f.resolve(word))
    ]
    term = _term_filter(word, word, terms)
    choices = [f"{f.name}={word}" for f, _ in matches] + ([f"term={word}"] if term else [])
    if len(choices) > 1:
        raise UsageError(
            f"`{word}` could mean {' or '.join(f'`{c}`' for c in choices)}.",
            hint="Say which, e.g. /sts orr " + choices[0],
        )
    if term is not None:
        return term
    if matches:
        ((field, _),) = matches
        return _categorical_filter(
            Condition(field=field.name, op="=", value=word, text=word), field
        )
    values = {
        v.lower(): (f.name, v)
        for f in catalog.fields
        if f.kind == CATEGORICAL and f.name != "patient_id"
        for v in f.values
    }
    close = difflib.get_close_matches(word.lower(), list(values), n=1, cutoff=0.6)
    near = f"Did you mean `{values[close[0]][0]}={values[close[0]][1]}`? " if close else ""
    raise UsageError(
        f"`{word}` is neither a filter nor an option, nor a value of any field.",
        hint=f"{near}Filters look like field=value (histology=LPS, age>=60). Usage: {USAGE}",
    )


def _no_repeats(conditions: tuple[Condition, ...]) -> None:
    """`by=` once; a field once per kind of condition (`age>=40 age<60` is a range, fine)."""
    seen: dict[tuple[str, str], str] = {}
    for cond in conditions:
        kind = cond.op if cond.op in ("=", "!=") else cond.op[0]  # >= and > are one kind
        key = (cond.field.lower(), kind)
        if key in seen:
            what = "`by=`" if key[0] == "by" else f"`{cond.field}`"
            raise UsageError(
                f"{what} is given twice (`{seen[key]}` and `{cond.text}`).",
                hint="Give it once; several values go in one filter, e.g. histology=LPS,UPS.",
            )
        seen[key] = cond.text


def build_spec(
    command: Command, metric: Metric, catalog: Catalog, terms: tuple[str, ...] = ()
) -> QuerySpec:
    """Resolve a parsed command, whose metric is `metric`, against the cohort's catalog.

    `terms` are the cohort's adverse-event terms, which `tox` may filter on.
    """
    options: dict[str, object] = {}
    filters: list[Filter] = []
    ae_filters: list[Filter] = []
    readings: list[str] = []
    _no_repeats(command.conditions)
    for cond in command.conditions:
        key = cond.field.lower()
        if key == "term" and "term" not in catalog and "grade" in metric.options:
            found = _term_filter(cond.value, cond.text, terms)
            if found is None or cond.op != "=":
                raise UnknownValue(
                    f"No adverse event is recorded as `{cond.value}`.",
                    hint=f"Known terms: {', '.join(terms) or 'none'}.",
                )
            ae_filters.append(found)
            continue
        if key in _OPTIONS and key not in catalog:
            if key == "grade":
                if "grade" not in metric.options:
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
                if "as_of" not in metric.options:
                    raise UsageError(
                        "`as_of` replays the weekly summary.",
                        hint="/sts summary as_of=2019-10-14",
                    )
                options["as_of"] = _date(cond.value, Field(name="as_of", label="as_of", kind=DATE))
            elif key in EFFECT_OPTIONS:
                if key not in metric.options:
                    raise UsageError(
                        f"`{key}=` does not apply to `{metric.name}`.", hint=OPTION_HINTS[key]
                    )
                options[key] = cond.value
            elif key == "unit":
                unit = cond.value.lower().rstrip("s") + "s"
                if unit not in UNITS:
                    raise UsageError(
                        f"Unknown time unit `{cond.value}`.", hint=f"unit={'|'.join(UNITS)}"
                    )
                options["unit"] = unit
            continue
        filters.append(_filter(cond, catalog))
    if options.get("by") and not metric.groupable:
        raise UsageError(
            f"`by=` does not apply to `{metric.name}`.",
            hint="by= splits orr, dcr, survival, tox, count, baseline and swimmer; "
            f"filter instead, e.g. /sts {metric.name} {options['by']}=...",
        )
    if command.metric in HAZARD_WORDS and not options.get("by"):
        raise UsageError(
            f"`{command.metric}` compares groups: name them with by=<field>.",
            hint=f"e.g. /sts {command.metric} by=stage, /sts {command.metric} by=sex adjust=age",
        )
    if (options.get("adjust") or options.get("ref")) and not options.get("by"):
        raise UsageError(
            "`ref=` and `adjust=` shape the hazard ratios of groups, so they need by=<field>.",
            hint="e.g. /sts pfs by=stage ref=IIIA adjust=age",
        )
    patient_id = topic = outcome = None
    if metric.args == "patient":
        # `patient 8`, `patient case 8`, `patient #8`: the id is the one word that is not a label.
        words = [a.lstrip("#") for a in command.args if a.lower() not in _PATIENT_WORDS]
        if len(words) != 1 or not words[0]:
            raise UsageError("Which patient?", hint="e.g. /sts patient 8")
        patient_id = words[0]
    elif metric.args == "topic":
        topic = command.args[0].lower() if command.args else None
    elif metric.args == "metric":
        if len(command.args) != 1:
            raise UsageError(
                f"`{metric.name}` needs the metric to show, e.g. /sts {metric.examples[0]}.",
                hint=f"Examples: {', '.join('/sts ' + e for e in metric.examples)}",
            )
        outcome = command.args[0].lower()
    elif command.args:
        named = {f.field for f in (*filters, *ae_filters) if isinstance(f, InValues)}
        for word in command.args:
            found = _bare_value(word, catalog, terms if "grade" in metric.options else ())
            if found.field in named:
                raise UsageError(
                    f"`{word}` names {found.field} again; give it once.",
                    hint=f"Several values go in one filter, e.g. {found.field}=a,b.",
                )
            named.add(found.field)
            (ae_filters if found.field == "term" else filters).append(found)
            readings.append(f"Read `{word}` as {found.describe()}.")
    if filters and not metric.filterable:
        raise UsageError(
            f"`{metric.name}` takes no filters.", hint=f"e.g. /sts {metric.examples[0]}"
        )
    return QuerySpec(
        metric=metric.name,
        filters=tuple(filters),
        ae_filters=tuple(ae_filters),
        by=options.get("by"),
        ci_type=options.get("ci", "log-log"),
        unit=options.get("unit", "months"),
        share="share" in command.flags,
        patient_id=patient_id,
        topic=topic,
        as_of=options.get("as_of"),
        reference=reference_option(options.get("ref"), options.get("by"), catalog),
        adjust=fields_option(options.get("adjust"), "adjust", catalog, exclude=options.get("by")),
        at=times_option(options.get("at")),
        over=fields_option(options.get("over"), "over", catalog, categorical=True),
        outcome=outcome,
        readings=tuple(readings),
    )
