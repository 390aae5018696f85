"""QuerySpec → SQL text + bound parameters.

Identifiers come only from the catalog (and are quoted); values only ever travel as `?`
parameters. The metric definitions themselves are plain SQL files in `queries/sql/`, each over
`selected`: the chosen patients with `patient_id`, `group_key` and the columns the metric asked
for under fixed names (`time`, `event`, `value` …). Nothing is ever pasted into those files.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sts_queries.query_spec import QuerySpec
from sts_queries.sql.grouping import grouping_sql
from sts_queries.sql.identifiers import quote_identifier

if TYPE_CHECKING:
    from sts_queries.cohort.catalog import Catalog
    from sts_queries.language.filters import Filter

__all__ = [
    "conjunction",
    "metric_sql",
    "quote_identifier",
    "selection_sql",
    "statement",
    "where_clause",
]

_SQL_DIR = Path(__file__).resolve().parent


def _column(name: str, catalog: Catalog | None, table: str = "") -> str:
    if catalog is not None and name not in catalog.names():
        raise ValueError(f"{name!r} is not a catalog field")  # a bug, never user input
    prefix = f"{quote_identifier(table)}." if table else ""
    return prefix + quote_identifier(name)


def conjunction(parts: list[tuple[str, list]]) -> tuple[str, list]:
    """AND of conditions; `TRUE` when there are none."""
    params: list = []
    for _, p in parts:
        params.extend(p)
    return (" AND ".join(sql for sql, _ in parts) or "TRUE"), params


def where_clause(
    filters: tuple[Filter, ...], catalog: Catalog | None, table: str = ""
) -> tuple[str, list]:
    """AND of every filter, each saying its own SQL; `TRUE` when there are none."""
    return conjunction([f.sql(_column(f.field, catalog, table)) for f in filters])


def selection_sql(
    spec: QuerySpec, catalog: Catalog, columns: Mapping[str, str] | None = None
) -> tuple[str, list]:
    """The selected patients, each with the group it belongs to (NULL when not grouped) and,
    for `strata=`, its stratum (`stratum_key`).

    `columns` maps the names a metric's SQL uses to catalog columns (`{"time": "pfs_time"}`);
    without it every column is kept under its own name.
    """
    where, where_params = where_clause(spec.filters, catalog)
    group, params = (
        grouping_sql(spec.grouping, lambda name: _column(name, catalog))
        if spec.grouping
        else ("NULL::VARCHAR", [])
    )
    group += " AS group_key"
    if spec.grouping and spec.strata:
        stratum, more = grouping_sql(spec.strata, lambda name: _column(name, catalog))
        group += f", {stratum} AS stratum_key"
        params = [*params, *more]
    if columns is None:
        projected = "*"
    else:
        wanted = {"patient_id": "patient_id", **columns}
        projected = ", ".join(
            f"{_column(column, catalog)} AS {quote_identifier(alias)}"
            for alias, column in wanted.items()
        )
    return f"SELECT {projected}, {group} FROM patients WHERE {where}", params + where_params


@cache
def metric_sql(name: str) -> str:
    """A metric's definition: SQL over `selected` (the chosen patients, with `group_key`)."""
    return (_SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def statement(
    spec: QuerySpec,
    catalog: Catalog,
    body: str,
    *,
    columns: Mapping[str, str] | None = None,
    result_filters: tuple[Filter, ...] = (),
    then: str | None = None,
) -> tuple[str, list]:
    """`WITH selected AS (…) <body>`: the one way every metric query is put together.

    `result_filters` apply to the rows the metric's SQL returns (a grade filter applies to each
    patient's worst grade, which only the metric computes); `then` is SQL over those rows,
    `kept`, that summarises them in the database rather than in Python.
    """
    selection, params = selection_sql(spec, catalog, columns)
    if not result_filters and then is None:
        return f"WITH selected AS ({selection})\n{body}", params
    where, extra = where_clause(result_filters, None)
    return (
        f"WITH selected AS ({selection}),\nresult AS (\n{body}\n),\n"
        f"kept AS (SELECT * FROM result WHERE {where})\n{then or 'SELECT * FROM kept'}",
        params + extra,
    )
