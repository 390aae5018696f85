"""Every column of a folder's tables profiled (files/kinds.Profile) in two SQL statements.

One statement counts, for every column of every table, its cells that read as numbers, whole
numbers and ISO dates; a second counts the date and event shapes of the distinct values of the
columns that are neither. Each measure is written once, over the cells unpivoted into rows:
DuckDB plans a statement in time that grows with the expressions in it, so a measure per column
(or a statement per column) costs more than the counting itself on all but large tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from sts_queries.cohort.files.kinds import (
    DAY_MONTH,
    Profile,
    date_sql,
    event_sql,
    number_sql,
    sql_text,
)
from sts_queries.sql.identifiers import quote_identifier as _q

__all__ = ["Columns", "profile_columns", "profile_tables"]

# What the counts of a column with no cell are (no row of its own comes back for it).
_EMPTY = (0, 0, 0, 0, None, None, 0)
_NO_SHAPES = (0,) * 6


@dataclass(frozen=True, kw_only=True)
class Columns:
    """The columns of one table to profile: in `view` (text columns), read with or without
    decimal commas, dates perhaps in a declared format."""

    view: str
    names: list[str]
    decimal_comma: bool
    date_format: str | None


def _unpivoted(view: str, columns: list[str]) -> str:
    """The cells of `columns` in `view` that are not missing, as rows: (k: the column's index,
    t: its text)."""
    cells = ", ".join(f'{_q(name)} AS "{i}"' for i, name in enumerate(columns))
    return (
        f"(SELECT CAST(k AS INTEGER) AS k, t FROM "
        f"(UNPIVOT (SELECT {cells} FROM {view}) ON COLUMNS(*) INTO NAME k VALUE t))"
    )


def profile_columns(
    con, view: str, columns: list[str], *, decimal_comma: bool, date_format: str | None
) -> dict[str, Profile]:
    """Profile every column of `view` (see profile_tables)."""
    table = Columns(view=view, names=columns, decimal_comma=decimal_comma, date_format=date_format)
    return profile_tables(con, [table])[0]


def profile_tables(con, tables: list[Columns]) -> list[dict[str, Profile]]:
    """Profile every column of each table: one vectorised pass over the tables for numbers and
    ISO dates, then the pattern counts over the distinct values of the columns that are neither."""
    # Every aggregate counts the cells that are not missing (NULL), the ones UNPIVOT keeps: a
    # column with none has no row, and gets what the aggregates give an empty column.
    branches = [
        f"SELECT {j} AS j, k, t, {number_sql('t', table.decimal_comma)} AS x "
        f"FROM {_unpivoted(table.view, table.names)}"
        for j, table in enumerate(tables)
        if table.names
    ]
    found = {}
    if branches:
        rows = con.execute(
            "SELECT j, k, count(t), count(x), count(*) FILTER (WHERE x = floor(x)), "
            "approx_count_distinct(t), min(x), max(x), "
            "count(*) FILTER (WHERE x IS NULL AND TRY_CAST(t AS DATE) IS NOT NULL) "
            f"FROM ({' UNION ALL '.join(branches)}) GROUP BY j, k"
        ).fetchall()
        found = {(j, k): tuple(r) for j, k, *r in rows}
    counted = [
        [found.get((j, i), _EMPTY) for i in range(len(t.names))] for j, t in enumerate(tables)
    ]
    wanted = []  # per table: the columns with cells that are neither numbers nor ISO dates
    for table, counts in zip(tables, counted, strict=True):
        pairs = zip(table.names, counts, strict=True)
        names = [name for name, (p, n, *_, iso) in pairs if p and n < p and iso < p]
        wanted.append((table.view, names, table.date_format))
    shapes = _patterns(con, wanted)
    out = []
    for table, counts, shaped in zip(tables, counted, shapes, strict=True):
        profiles = {}
        for name, (p, n, w, d, lo, hi, iso) in zip(table.names, counts, strict=True):
            shape = shaped.get(name, (iso, 0, 0, 0, 0, 0))
            profiles[name] = Profile(
                present=p,
                numbers=n,
                whole=w,
                distinct=d,
                low=lo,
                high=hi,
                iso=max(iso, shape[0]),
                day_month=shape[1],
                first_over_12=shape[2],
                second_over_12=shape[3],
                events=shape[4],
                declared_format=shape[5],
            )
        out.append(profiles)
    return out


def _patterns(con, tables: list[tuple[str, list[str], str | None]]) -> list[dict[str, tuple]]:
    """Counts of date and event shapes of the columns of each (view, columns, date format),
    computed once per distinct value; every table's in one statement."""
    branches = []
    for j, (view, columns, date_format) in enumerate(tables):
        if not columns:
            continue
        fmt = f"TRY_STRPTIME(v, {sql_text(date_format)}) IS NOT NULL" if date_format else "FALSE"
        branches.append(
            f"SELECT {j} AS j, k, v, n, {fmt} AS fmt FROM (SELECT k, t AS v, count(*) AS n "
            f"FROM {_unpivoted(view, columns)} GROUP BY k, t)"
        )
    if not branches:
        return [{} for _ in tables]
    v = "v"
    first = "TRY_CAST(regexp_extract(v, '^(\\d{1,2})[/.-]', 1) AS INTEGER)"
    second = "TRY_CAST(regexp_extract(v, '^\\d{1,2}[/.-](\\d{1,2})[/.-]', 1) AS INTEGER)"
    rows = con.execute(
        f"SELECT j, k, sum(n) FILTER (WHERE {date_sql(v)} IS NOT NULL), "
        f"sum(n) FILTER (WHERE regexp_full_match(v, '{DAY_MONTH[1:-1]}')), "
        f"sum(n) FILTER (WHERE {first} > 12), sum(n) FILTER (WHERE {second} > 12), "
        f"sum(n) FILTER (WHERE {event_sql(v)} IS NOT NULL), sum(n) FILTER (WHERE fmt) "
        f"FROM ({' UNION ALL '.join(branches)}) GROUP BY j, k"
    ).fetchall()
    found = {(j, k): tuple(int(x or 0) for x in r) for j, k, *r in rows}
    return [
        {name: found.get((j, i), _NO_SHAPES) for i, name in enumerate(columns)}
        for j, (_, columns, _) in enumerate(tables)
    ]
