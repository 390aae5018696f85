"""A Grouping → the SQL of its `group_key`: a field's values as text, a CASE that names a cut's
bins, or the values of several fields joined, one key a combination.

Names come from the catalog (through the caller's `column`), and the cut-points and the bins'
labels travel as bound parameters: no text typed by anyone reaches the SQL.
"""

from __future__ import annotations

from collections.abc import Callable

from sts_queries.query_spec import Grouping, GroupTerm

__all__ = ["SEPARATOR", "grouping_sql"]

SEPARATOR = ", "  # between the values of crossed fields: `1, squamous` (R: `trt=1, celltype=…`)


def _term_sql(term: GroupTerm, column: Callable[[str], str]) -> tuple[str, list]:
    col = column(term.field)
    if not term.cuts:
        return f"CAST({col} AS VARCHAR)", []
    below = "<=" if term.right else "<"  # right-closed bins keep the cut in the lower one
    params: list = []
    whens = []
    for cut, label in zip(term.cuts, term.labels, strict=False):
        whens.append(f"WHEN {col} {below} ? THEN ?")
        params += [cut, label]
    sql = f"CASE WHEN {col} IS NULL THEN NULL {' '.join(whens)} ELSE ? END"
    return sql, [*params, term.labels[-1]]


def grouping_sql(grouping: Grouping, column: Callable[[str], str]) -> tuple[str, list]:
    """(SQL of the group key, its parameters); NULL where any of its fields is empty (`||`
    with NULL is NULL), which the answers count as the group `missing`."""
    parts = [_term_sql(t, column) for t in grouping.terms]
    if len(parts) == 1:
        return parts[0]
    sql = f" || '{SEPARATOR}' || ".join(f"({p})" for p, _ in parts)
    return sql, [param for _, ps in parts for param in ps]
