"""A long patients file, several rows a patient, read as one row a patient.

R's `colon` has two rows per patient, told apart by `etype` (1 = recurrence, 2 = death), each
with its own `time` and `status`. `cohort.toml` says which rows hold which endpoint:

    [endpoints.rfs]
    time = "time"
    event = "status"
    rows = { etype = 1 }

Each such endpoint takes its time and event from the patient's row that matches; every other
column must hold the same value on all of a patient's rows (age, sex, treatment), and is read
once. A column that differs is an error naming the patient and the rows, as is a patient with
two rows for one endpoint. `sts init` drafts the `rows` (`row_kinds` finds the column).
"""

from __future__ import annotations

from dataclasses import replace

from sts_queries.cohort.files.kinds import sql_text
from sts_queries.cohort.files.readers import RawTable
from sts_queries.cohort.meta import EndpointSpec
from sts_queries.cohort.validate import Problems

__all__ = ["row_kinds", "several_rows", "widen"]

_MAX_KINDS = 10  # a column telling a patient's rows apart takes a few values, not many


def several_rows(con, raw: RawTable) -> tuple[int, int]:
    """(rows, patients) of a long table: one where at least half the patients, and three or
    more, have several rows; (0, 0) for any other (a few repeated ids are mistakes, which
    validation names row by row)."""
    ident = raw.columns.get("patient_id")
    if ident is None:
        return 0, 0
    rows, patients, repeated = con.execute(
        f"SELECT sum(n), count(*), count(*) FILTER (WHERE n > 1) FROM (SELECT count(*) AS n "
        f"FROM {raw.relation} WHERE {ident} IS NOT NULL GROUP BY {ident})"
    ).fetchone()
    if repeated < 3 or 2 * repeated < patients:
        return 0, 0
    return int(rows), int(patients)


def row_kinds(con, raw: RawTable) -> tuple[str, list[str]] | None:
    """The column that tells a patient's rows apart, and its values in order: few values, never
    twice for one patient, and more than one value for some patient."""
    ident = raw.columns["patient_id"]
    for name, column in raw.columns.items():
        if name == "patient_id":
            continue
        distinct, repeated, varied = con.execute(
            f"SELECT count(DISTINCT {column}), "
            f"(SELECT count(*) FROM (SELECT 1 FROM {raw.relation} GROUP BY {ident}, {column} "
            "HAVING count(*) > 1)), "
            f"(SELECT count(*) FROM (SELECT 1 FROM {raw.relation} GROUP BY {ident} "
            f"HAVING count(DISTINCT {column}) > 1)) FROM {raw.relation}"
        ).fetchone()
        if 1 < distinct <= _MAX_KINDS and repeated == 0 and varied > 0:
            values = con.execute(
                f"SELECT DISTINCT {column} FROM {raw.relation} WHERE {column} IS NOT NULL "
                f"ORDER BY TRY_CAST({column} AS DOUBLE), {column}"
            ).fetchall()
            return name, [str(v[0]) for v in values]
    return None


def _matches(raw: RawTable, rows: tuple[tuple[str, str], ...]) -> str:
    """SQL: the row is one of `rows` (`etype = 1` matches "1" and "1.0"; text, any case)."""
    parts = []
    for name, value in rows:
        cell = raw.columns[name]
        try:
            number = float(value)
        except ValueError:
            parts.append(f"lower({cell}) = {sql_text(value.lower())}")
        else:
            parts.append(f"TRY_CAST({cell} AS DOUBLE) = {number!r}")
    return " AND ".join(parts)


def widen(
    con,
    raw: RawTable,
    endpoints: tuple[EndpointSpec, ...],
    fields: dict,
    problems: Problems,
) -> tuple[RawTable, tuple[EndpointSpec, ...], dict]:
    """One row a patient from a long patients table; endpoints with `rows` read their row.

    Returns the table, the endpoints (those with `rows` now naming the columns made for them)
    and the fields (a declaration of `status` carried to each endpoint's event column)."""
    rows, patients = several_rows(con, raw)
    if rows == patients:
        return raw, endpoints, fields
    chosen = [ep for ep in endpoints if ep.rows]
    if not chosen:
        problems.add(
            f"{rows} rows for {patients} patients: some patients have several rows (a long "
            "file), and no endpoint says which rows it reads",
            file=raw.file,
            hint='sts init drafts it: [endpoints.os] time = "time", event = "status", '
            "rows = { etype = 2 }",
        )
        return raw, endpoints, fields
    for ep in chosen:
        missing = [c for c in (ep.time, ep.event, *dict(ep.rows)) if c not in raw.columns]
        for column in missing:
            problems.add(
                f"[endpoints.{ep.name}] names column `{column}`, which {raw.file} lacks",
                file="cohort.toml",
            )
    if problems.items:
        return raw, endpoints, fields
    ident = raw.columns["patient_id"]
    per_row = {c for ep in chosen for c in (ep.time, ep.event, *dict(ep.rows))}
    kept = [n for n in raw.columns if n != "patient_id" and n not in per_row]
    _differing(con, raw, kept, problems)
    _doubled(con, raw, chosen, problems)
    if problems.items:
        return raw, endpoints, fields
    select = [f"{ident} AS c0"]
    columns, originals = {"patient_id": "c0"}, {"patient_id": raw.originals.get("patient_id", "")}
    for name in kept:
        columns[name] = f"c{len(select)}"
        originals[name] = raw.originals.get(name, name)
        select.append(f"any_value({raw.columns[name]}) AS {columns[name]}")
    fields = dict(fields)
    widened = []
    for ep in chosen:
        where = _matches(raw, ep.rows)
        for source, target in ((ep.time, f"{ep.name}_time"), (ep.event, f"{ep.name}_event")):
            columns[target] = f"c{len(select)}"
            originals[target] = raw.originals.get(source, source)
            select.append(
                f"max(CASE WHEN {where} THEN {raw.columns[source]} END) AS c{len(select)}"
            )
            if source in fields:
                fields[target] = fields[source]
        widened.append(replace(ep, time=f"{ep.name}_time", event=f"{ep.name}_event", rows=()))
    relation = f"{raw.relation}_wide"
    con.execute(
        f"CREATE TEMP TABLE {relation} AS SELECT {', '.join(select)} FROM {raw.relation} "
        f"WHERE {ident} IS NOT NULL GROUP BY {ident} ORDER BY min(rowid)"
    )
    firsts = [
        r[0]
        for r in con.execute(
            f"SELECT min(rowid) FROM {raw.relation} WHERE {ident} IS NOT NULL "
            f"GROUP BY {ident} ORDER BY min(rowid)"
        ).fetchall()
    ]

    def lines(records: list[int]) -> dict[int, int]:  # a patient's line: its first row's
        found = raw.lines([firsts[r] for r in records])
        return {r: found[firsts[r]] for r in records if firsts[r] in found}

    table = replace(
        raw,
        relation=relation,
        columns=columns,
        originals=originals,
        how=f"{raw.how}; {rows} rows read as {patients} patients",
        lines=lines,
    )
    by_name = {ep.name: ep for ep in widened}
    return table, tuple(by_name.get(ep.name, ep) for ep in endpoints), fields


def _differing(con, raw: RawTable, kept: list[str], problems: Problems) -> None:
    """A column that should be the patient's own but differs between the patient's rows."""
    ident = raw.columns["patient_id"]
    for name in kept:
        column = raw.columns[name]
        found = con.execute(
            f"SELECT {ident}, list(rowid ORDER BY rowid) FROM {raw.relation} "
            f"WHERE {ident} IS NOT NULL GROUP BY {ident} "
            f"HAVING count(DISTINCT {column}) > 1 OR count({column}) NOT IN (0, count(*)) "
            "ORDER BY min(rowid) LIMIT 1"
        ).fetchone()
        if found:
            patient, rowids = found
            lines = raw.lines(list(rowids))
            where = ", ".join(str(lines.get(r, r + 2)) for r in rowids)
            problems.add(
                f"`{name}` differs between the rows of patient {patient} (lines {where}): a "
                "patient's own value must be the same on every row",
                file=raw.file,
                column=name,
                hint="if it belongs to the rows, it cannot be a patient field; fix the file",
            )


def _doubled(con, raw: RawTable, chosen: tuple[EndpointSpec, ...], problems: Problems) -> None:
    """A patient with two rows for one endpoint: which one is meant cannot be known."""
    ident = raw.columns["patient_id"]
    for ep in chosen:
        found = con.execute(
            f"SELECT {ident}, count(*) FROM {raw.relation} WHERE {_matches(raw, ep.rows)} "
            f"GROUP BY {ident} HAVING count(*) > 1 LIMIT 1"
        ).fetchone()
        if found:
            shown = ", ".join(f"{k} = {v}" for k, v in ep.rows)
            problems.add(
                f"patient {found[0]} has {found[1]} rows where {shown}: [endpoints.{ep.name}] "
                "needs one",
                file=raw.file,
            )
