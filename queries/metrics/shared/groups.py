"""The groups of `by=`: their labels, in the field's declared order, and the `missing` group."""

from __future__ import annotations

import pandas as pd

from sts_queries.cohort.cohort import Cohort
from sts_queries.query_spec import QuerySpec

__all__ = ["MISSING", "group_labels", "group_name", "group_names", "is_missing"]


def group_labels(spec: QuerySpec, cohort: Cohort, present: set[str]) -> list[str]:
    """Groups in the field's declared order; only groups that have patients."""
    field = cohort.catalog.get(spec.by) if spec.by else None
    order = list(field.values) if field else []
    ordered = [v for v in order if v in present]
    return ordered + sorted(present - set(ordered))


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
