"""QuerySpec → SQL text + bound parameters.

Identifiers come only from the catalog (and are quoted); values only ever travel as `?`
parameters. The metric definitions themselves are plain SQL files in `queries/sql/`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from .catalog import Catalog
from .spec import Filter, QuerySpec
from .sql_names import quote_identifier

__all__ = ["metric_sql", "quote_identifier", "selection_sql", "statement", "where_clause"]

_SQL_DIR = Path(__file__).resolve().parent / "sql"
_COMPARISONS = {">=", ">", "<=", "<"}


def _column(name: str, catalog: Catalog | None, table: str = "") -> str:
    if catalog is not None and name not in catalog.names():
        raise ValueError(f"{name!r} is not a catalog field")  # a bug, never user input
    prefix = f"{quote_identifier(table)}." if table else ""
    return prefix + quote_identifier(name)


def where_clause(
    filters: tuple[Filter, ...], catalog: Catalog | None, table: str = ""
) -> tuple[str, list]:
    """AND of every filter; `TRUE` when there are none."""
    parts: list[str] = []
    params: list = []
    for f in filters:
        column = _column(f.field, catalog, table)
        if f.op in ("in", "not_in"):
            marks = ", ".join("?" for _ in f.values)
            if f.op == "in":
                parts.append(f"{column} IN ({marks})")
            else:
                # "not LPS" keeps patients whose histology is unknown: they are not LPS.
                parts.append(f"({column} IS NULL OR {column} NOT IN ({marks}))")
            params.extend(f.values)
        elif f.op == "between":
            parts.append(f"{column} BETWEEN ? AND ?")
            params.extend(f.values)
        elif f.op in _COMPARISONS:
            parts.append(f"{column} {f.op} ?")
            params.append(f.values[0])
        else:
            raise ValueError(f"unknown operator {f.op!r}")
    return (" AND ".join(parts) or "TRUE"), params


def selection_sql(spec: QuerySpec, catalog: Catalog) -> tuple[str, list]:
    """The selected patients, each with the group it belongs to (NULL when not grouped)."""
    where, params = where_clause(spec.filters, catalog)
    group = f"CAST({_column(spec.by, catalog)} AS VARCHAR)" if spec.by else "NULL::VARCHAR"
    return f"SELECT *, {group} AS group_key FROM patients WHERE {where}", params


@cache
def metric_sql(name: str) -> str:
    """A metric's definition: SQL over `selected` (the chosen patients, with `group_key`)."""
    return (_SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def statement(spec: QuerySpec, catalog: Catalog, body: str, extra: list | None = None):
    """`WITH selected AS (…) <body>`: the one way every metric query is put together."""
    selection, params = selection_sql(spec, catalog)
    return f"WITH selected AS ({selection})\n{body}", params + list(extra or ())
