"""What fixing a warning of `sts check` would change in the answers.

A warning is a problem the cohort loads despite: a value read as missing, a patient left out of
an endpoint, an empty column. Each says, in one line, which answers it touches now.
"""

from __future__ import annotations

import re

from sts_queries.cohort.cohort import Cohort
from sts_queries.sql.identifiers import quote_identifier

__all__ = ["impact"]

_COLUMN = re.compile(r"column `([^`]+)`")
_LEFT_OUT = re.compile(r"^(?:.*: )?(\w+): (\d+) patient\(s\) left out of this endpoint")
_ROWS = re.compile(r"(\d+) rows: ")


def _endpoint_size(cohort: Cohort, endpoint: str) -> int:
    column = quote_identifier(f"{endpoint}_time")
    return int(cohort.query(f"SELECT count({column}) AS n FROM patients")["n"].iloc[0])


def _field_of(cohort: Cohort, column: str) -> str | None:
    """The catalog field a column of the file became (its name or an alias)."""
    field = cohort.catalog.get(column) or cohort.catalog.get(column.lower())
    return field.name if field else None


def impact(warning: str, cohort: Cohort) -> str | None:
    """One line on what would change if `warning` were fixed, or None when nothing would."""
    n = cohort.rows()
    left = _LEFT_OUT.search(warning)
    endpoint = left[1] if left else None
    if endpoint is None and "left out of this endpoint" in warning:
        endpoint = next((e for e in cohort.endpoints if f"{e}_" in warning.lower()), None)
    if endpoint in cohort.endpoints:
        how_many = f"up to {left[2]} patient(s)" if left else "the patient(s)"
        now = _endpoint_size(cohort, endpoint)
        return f"fixing it adds {how_many} to every `{endpoint}` answer (now {now} of {n})"
    column = _COLUMN.search(warning)
    if column is None:
        return None
    field = _field_of(cohort, column[1])
    if "column is empty" in warning:
        return f"no answer can use `{column[1]}` until it holds values"
    rows = _ROWS.search(warning)
    count = f"{rows[1]} patients'" if rows else "the"
    if field is None:
        return f"`{column[1]}` is not loaded as a field: fixing it makes it a filter and by= field"
    return (
        f"fixing it counts {count} `{field}` values in baseline, fields, filters and by={field}, "
        "which now treat them as missing"
    )
