"""The groups of `by=`: their labels, in the field's declared order (a cut's bins from the
lowest, crossed fields as R orders `~ a + b`), and the `missing` group."""

from __future__ import annotations

import pandas as pd

from sts_queries.cohort.cohort import Cohort
from sts_queries.cohort.fields import bin_order
from sts_queries.query_spec import GroupTerm, QuerySpec
from sts_queries.sql.grouping import SEPARATOR

__all__ = [
    "MISSING",
    "group_labels",
    "group_name",
    "group_names",
    "grouping_order",
    "is_missing",
]


def group_labels(spec: QuerySpec, cohort: Cohort, present: set[str]) -> list[str]:
    """Groups in the field's declared order; only groups that have patients."""
    if spec.grouping is not None and spec.grouping.plain_field is None:
        return grouping_order(spec, cohort, present)
    field = cohort.catalog.get(spec.by) if spec.by else None
    order = list(field.values) if field else []
    ordered = [v for v in order if v in present]
    return ordered + sorted(present - set(ordered))


def _levels(term: GroupTerm, cohort: Cohort) -> list[str]:
    """A term's groups in order, the reference first: a cut's bins from the lowest; a field's
    values as cohort.toml orders them, else as R orders a factor of them (bins of numbers on
    the number line, numbers as numbers, text as text)."""
    if term.cuts:
        return list(term.labels)
    field = cohort.catalog.get(term.field)
    values = list(field.values) if field else []
    declared = [str(v) for v in cohort.meta.fields.get(term.field, {}).get("order", ())]
    rest = [v for v in values if v not in declared]
    try:
        ordered = sorted(rest, key=float)
    except ValueError:
        ordered = bin_order(rest) or sorted(rest)
    return [v for v in declared if v in values] + ordered


def grouping_order(spec: QuerySpec, cohort: Cohort, present: set[str]) -> list[str]:
    """The groups present of a cut or of crossed fields, in natural order: the first field's
    levels vary slowest (R's strata of `~ trt + celltype`); the reference group first."""
    terms = spec.grouping.terms if spec.grouping else ()
    ranks = [{v: i for i, v in enumerate(_levels(t, cohort))} for t in terms]

    def key(label: str):
        parts = label.split(SEPARATOR) if len(terms) > 1 else [label]
        if len(parts) != len(terms):  # a value holding the separator: after the rest
            return (1, (), label)
        return (0, tuple(r.get(p, len(r)) for r, p in zip(ranks, parts, strict=True)), label)

    return sorted((p for p in present if p != MISSING), key=key) + (
        [MISSING] if MISSING in present else []
    )


MISSING = "missing"  # the group of patients whose `by` field is empty


def is_missing(value) -> bool:
    """None, NaN, NA and NaT alike: what pandas hands back for an empty cell."""
    try:
        return value is None or bool(value != value)  # NaN and NA are not equal to themselves
    except (TypeError, ValueError):
        return False


def group_names(keys: pd.Series):
    """`group_name` of every `group_key` at once (a registry's million rows, no Python loop)."""
    return keys.astype(object).where(keys.notna(), MISSING).astype(str).to_numpy()


def group_name(value) -> str:
    """The label of a `group_key` value; empty cells form their own group, `missing`."""
    return MISSING if is_missing(value) else str(value)
