"""A condition (`field op value`, or a bare value) → a Filter, checked against the catalog.

Numbers and dates are read within sane ranges, categories resolved to the catalog's own values
(with a near miss named), and adverse-event grades and terms read for `tox`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from dataclasses import replace

from sts_queries.cohort.catalog import CATEGORICAL, DATE, NUMERIC, Catalog, Field
from sts_queries.errors import UnknownField, UnknownValue, UsageError
from sts_queries.language.filters import Between, Compare, Filter, InValues, NotInValues
from sts_queries.language.parse import USAGE, Condition

__all__ = [
    "FIRST_DATE",
    "LAST_DATE",
    "MAX_NUMBER",
    "bare_value_filter",
    "condition_filter",
    "grade_filter",
    "read_date",
    "term_filter",
]

# Sane ranges for typed values: beyond them DuckDB's integer columns and Python's dates overflow.
MAX_NUMBER = 1e15
FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(2200, 12, 31)


def _number(text: str, field: Field) -> float | int:
    code = field.code_for(text)  # a coded field takes its labels too: sex=female
    if code is not None:
        return code
    try:
        value = float(text)
    except ValueError:
        if field.value_labels:  # a coded field with labels: the labels are its values
            raise UnknownValue(
                f"No patient has {field.name} = `{text}`.",
                hint=f"Known values: {field.known_values_text(counts=False)}.",
            ) from None
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


def read_date(text: str, field: Field) -> dt.date:
    """A date typed for `field`, within FIRST_DATE..LAST_DATE."""
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
        kind = InValues if cond.op == "=" else NotInValues
        if field.value_labels:  # a coded field: `sex = Female (2)`, `sex ≠ Male (1)`
            named = ", ".join(field.value_label(f"{v:g}") for v in values)
            if named != ", ".join(f"{v:g}" for v in values):
                return kind(
                    field=field.name, label=field.name, text=cond.text, members=values, group=named
                )
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
                hint=f"{near}Known values: {field.known_values_text(counts=False)}.",
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


def condition_filter(cond: Condition, catalog: Catalog) -> Filter:
    """A `field op value` condition on one of the catalog's fields."""
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
        return _ordered_filter(cond, field, read_date)
    return _categorical_filter(cond, field)


def grade_filter(cond: Condition) -> Filter:
    """A `grade` condition on each patient's worst CTCAE grade per term."""
    # Grade filters apply to each patient's worst grade per term (see sql/tox.sql).
    grade_field = Field(name="worst_grade", label="grade", kind=NUMERIC)
    spec = replace(_ordered_filter(cond, grade_field, _number), label="grade")
    if any(not (1 <= v <= 5) for v in spec.values):
        raise UsageError(f"`{cond.text}`: CTCAE grades run from 1 to 5.", hint="e.g. grade>=3")
    return spec


def term_filter(text: str, cond_text: str, terms: tuple[str, ...]) -> Filter | None:
    """An adverse-event term (any case), or None when `text` names none."""
    by_lower = {t.lower(): t for t in terms}
    if text.lower() not in by_lower:
        return None
    return InValues(field="term", label="term", text=cond_text, members=(by_lower[text.lower()],))


def bare_value_filter(word: str, catalog: Catalog, terms: tuple[str, ...]) -> Filter:
    """A value typed without its field: read as the one field it belongs to, else say which."""
    matches = [
        (f, resolved)
        for f in catalog.fields
        if f.kind == CATEGORICAL and f.name != "patient_id" and (resolved := f.resolve(word))
    ]
    term = term_filter(word, word, terms)
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
