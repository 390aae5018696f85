"""The cohort as it stood on a date: who had started, what had been seen, what had happened.

Replaying a static cohort week by week is what lets the weekly summary say what changed.
It needs `start_date`; survival times are cut at the date (events after it become censored),
and dated tables (assessments, adverse events) keep only rows dated on or before it.

The replay is SQL over the cohort's own tables (`Replay`): a snapshot's tables are made from
them in an in-memory database beside them in the same DuckDB (cohort/beside.py), and the
weekly summary compares two dates with it, so that a registry of 10^6 patients is replayed in
the database, never row by row in Python.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb

from sts_queries.cohort.beside import attach_beside, detach, detach_with, once
from sts_queries.cohort.cohort import TIME_UNITS, Cohort, adopt
from sts_queries.cohort.loader import summary_tables
from sts_queries.errors import UsageError
from sts_queries.sql.identifiers import quote_identifier as _q

__all__ = ["Replay", "replay_of", "replayed", "snapshot"]

_RANKED = ("CR", "PR", "SD", "PD", "NE")  # best first; a patient with none of them is NE
_DATE_COLUMNS = {"assessments": "date", "adverse_events": "onset_date", "measurements": "date"}
_TEMPORAL = ("DATE", "TIMESTAMP")
_SEEN, _ROW = '"_sts seen"', '"_sts row"'  # a started patient's time seen, and row position


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _as_date(column: str, column_type: str) -> str:
    """A `*_date` column as a date (timestamps lose their time, as `.date()` did)."""
    if column_type.upper().startswith(_TEMPORAL):
        return f"CAST({column} AS DATE)"
    if column_type.upper() == "VARCHAR":
        return f"TRY_CAST({column} AS DATE)"
    return column  # not a date at all: left as it is


@dataclass(frozen=True)
class Replay:
    """How the cohort stood on `as_of`, as SQL over its own tables (patients aliased `p`).

    `as_of` None is the cohort as it is: nothing is cut. Semantics (each replayed date):
    - patients: those with start_date on or before the date;
    - each endpoint: time cut at the elapsed time (days from start_date to the date, in the
      cohort's unit), an event after it becomes censored there, times rounded to 4 decimals
      (half to even, as numpy), a missing event stays missing (its missing time becomes
      the elapsed time, as the first, pandas replay had it);
    - best_response: the best (CR < PR < SD < PD < NE) of the assessments dated so far, NE
      when there are none; surgery_date kept when on or before the date, resection from it;
      every other `*_date` column as a date;
    - other tables: rows of started patients; assessments.date and adverse_events.onset_date
      on or before the date (a missing date is not).
    """

    as_of: dt.date | None
    days_per_unit: float
    endpoints: tuple[str, ...] = ()
    columns: dict[str, dict[str, str]] = field(default_factory=dict)  # table -> column -> type
    src: str = ""  # the prefix its tables are read under (`catalog.main.`), none by default
    views: frozenset[str] = frozenset()  # tables that are views (a snapshot's), in their order

    @property
    def day(self) -> str:
        assert self.as_of is not None
        return f"DATE '{self.as_of.isoformat()}'"

    def started(self, p: str = "p") -> str:
        return "TRUE" if self.as_of is None else f"{p}.start_date <= {self.day}"

    def _seen(self, p: str) -> str:
        days = f"date_diff('day', CAST({p}.start_date AS DATE), {self.day})"
        return f"(CAST({days} AS DOUBLE) / CAST('{self.days_per_unit!r}' AS DOUBLE))"

    def time(self, endpoint: str, p: str = "p", seen: str = "") -> str:
        """`seen`: a column that holds `_seen(p)` (computed once a row), if any."""
        column = f"{p}.{_q(f'{endpoint}_time')}"
        if self.as_of is None:
            return column
        time, seen = f"CAST({column} AS DOUBLE)", seen or self._seen(p)
        cut = f"(CASE WHEN {time} <= {seen} THEN {time} ELSE {seen} END)"
        # numpy's round(4): scale, round half to even, unscale (DuckDB's round() differs).
        return f"(round_even({cut} * CAST(10000 AS DOUBLE), 0) / CAST(10000 AS DOUBLE))"

    def event(self, endpoint: str, p: str = "p", seen: str = "") -> str:
        column = f"{p}.{_q(f'{endpoint}_event')}"
        if self.as_of is None:
            return column
        time = f"CAST({p}.{_q(f'{endpoint}_time')} AS DOUBLE)"
        return (
            f"CAST(CASE WHEN {column} IS NULL THEN NULL "
            f"WHEN {column} = 1 AND {time} <= {seen or self._seen(p)} THEN 1 ELSE 0 END AS BIGINT)"
        )

    def kept(self, table: str, alias: str) -> str:
        """Which rows of a table other than patients the date keeps."""
        if self.as_of is None:
            return "TRUE"
        columns = self.columns[table]
        out = []
        if "patient_id" in columns:
            out.append(
                f"{alias}.patient_id IN (SELECT p.patient_id FROM {self.src}patients p "
                f"WHERE {self.started()})"
            )
        if (dated := self._dated(table, alias)) != "TRUE":
            out.append(dated)
        return " AND ".join(out) or "TRUE"

    def _dated(self, table: str, alias: str) -> str:
        """Whether a row of a dated table is dated on or before the date (TRUE: not dated)."""
        columns, dated = self.columns[table], _DATE_COLUMNS.get(table)
        if not (dated and dated in columns):
            return "TRUE"
        return f"{_as_date(f'{alias}.{_q(dated)}', columns[dated])} <= {self.day}"

    @property
    def replays_responses(self) -> bool:
        return (
            self.as_of is not None
            and "assessments" in self.columns
            and "best_response" in self.columns["patients"]
        )

    def best_rank(self, joined: bool = False) -> str:
        """Each started patient's best response so far, as a rank into _RANKED (a subquery).
        `joined`: only ever joined to started patients by patient_id, so it need not itself
        keep the started patients' assessments only (the same ranks for every one of them)."""
        ranks = " ".join(f"WHEN {_literal(c)} THEN {i}" for i, c in enumerate(_RANKED))
        dated = self.kept("assessments", "a") if not joined else self._dated("assessments", "a")
        return (
            f"(SELECT a.patient_id, min(CASE upper(CAST(a.response AS VARCHAR)) {ranks} END) "
            f"AS _rank FROM {self.src}assessments a WHERE {dated} GROUP BY a.patient_id)"
        )

    def responded(self, p: str = "p") -> str:
        """Whether a patient's best response is CR or PR (as the snapshot has it)."""
        if not self.replays_responses:
            return f"upper({p}.best_response) IN ('CR', 'PR')"
        return (
            f"{p}.patient_id IN (SELECT r.patient_id FROM {self.best_rank()} r WHERE r._rank <= 1)"
        )

    def select(self, table: str) -> str:
        """The SELECT that makes the snapshot's `table` from the cohort's, in its row order."""
        if table != "patients":
            order = " ORDER BY t.rowid" if self._has_rowid(table) else ""
            return f"SELECT t.* FROM {self.src}{_q(table)} t WHERE {self.kept(table, 't')}{order}"
        columns = self.columns["patients"]
        exprs = {c: f"p.{_q(c)}" for c in columns}
        for endpoint in self.endpoints:  # the time seen, computed once a row (`rows` below)
            exprs[f"{endpoint}_time"] = self.time(endpoint, seen=f"p.{_SEEN}")
            exprs[f"{endpoint}_event"] = self.event(endpoint, seen=f"p.{_SEEN}")
        join = ""
        if self.replays_responses:
            ranks = " ".join(f"WHEN {i} THEN {_literal(c)}" for i, c in enumerate(_RANKED))
            exprs["best_response"] = f"CASE b._rank {ranks} ELSE 'NE' END"
            join = f" LEFT JOIN {self.best_rank(joined=True)} b ON b.patient_id = p.patient_id"
        if "surgery_date" in columns:
            surgery = _as_date("p.surgery_date", columns["surgery_date"])
            done = f"{surgery} <= {self.day}"
            exprs["surgery_date"] = f"CASE WHEN {done} THEN {surgery} END"
            if "resection" in columns:
                exprs["resection"] = f"CASE WHEN {done} THEN 'yes' ELSE 'no' END"
        for column, column_type in columns.items():
            if column.endswith("_date") and column != "surgery_date":
                exprs[column] = _as_date(f"p.{_q(column)}", column_type)
        chosen = ", ".join(f"{e} AS {_q(c)}" for c, e in exprs.items())
        row, order = "", ""
        if self._has_rowid("patients"):
            row, order = f", p.rowid AS {_ROW}", f" ORDER BY p.{_ROW}"
        rows = f"SELECT p.*{row}, {self._seen('p')} AS {_SEEN} FROM {self.src}patients p"
        return f"SELECT {chosen} FROM ({rows} WHERE {self.started()}) p{join}{order}"

    def _has_rowid(self, table: str) -> bool:
        """Whether `rowid` is the row's position (a table, no column of that name hides it)."""
        return table not in self.views and all(c.lower() != "rowid" for c in self.columns[table])


def _described(cohort: Cohort) -> tuple[dict, frozenset[str]]:
    """Each table's columns with their types, and which tables are views: read once per cohort
    (`once`), as its tables never change."""
    cursor = cohort.cursor()
    try:
        described = cursor.execute(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE database_name = current_database() AND schema_name = current_schema() "
            "ORDER BY column_index"
        ).fetchall()
        views = cursor.execute(
            "SELECT view_name FROM duckdb_views() "
            "WHERE database_name = current_database() AND schema_name = current_schema()"
        ).fetchall()
    finally:
        cursor.close()
    out: dict[str, dict[str, str]] = {name: {} for name in cohort.tables}
    for table, column, column_type in described:
        if table in out:
            out[table][str(column)] = str(column_type)
    return out, frozenset(str(v) for (v,) in views)


def replay_of(cohort: Cohort, as_of: dt.date) -> Replay:
    """How `snapshot(cohort, as_of)` sees the cohort; raises as it does."""
    unit = TIME_UNITS[cohort.meta.time_unit]
    if cohort.meta.data_as_of is not None and as_of >= cohort.meta.data_as_of:
        return Replay(None, unit)
    if "start_date" not in cohort.catalog.names() and as_of >= dt.date.today():
        return Replay(None, unit)  # nothing to replay: today's cohort is what it is
    if "start_date" not in cohort.catalog.names():
        raise UsageError(
            "This cohort cannot be replayed to an earlier date: it has no `start_date`.",
            hint="Add start_date (YYYY-MM-DD) to patients.csv.",
        )
    started = cohort.count("SELECT count(*) AS n FROM patients WHERE start_date <= ?", [as_of])
    if not started:
        raise UsageError(
            f"No patient had started by {as_of.isoformat()}.",
            hint="Pick a later date; `/sts fields` shows the start dates' range.",
        )
    columns, views = once(cohort, "replay", _described)
    return Replay(as_of, unit, cohort.endpoints, columns, views=views)


def snapshot(cohort: Cohort, as_of: dt.date) -> Cohort:
    """The cohort as of `as_of` (itself when that is on or after its data-as-of date)."""
    return replayed(cohort, replay_of(cohort, as_of))


def replayed(cohort: Cohort, replay: Replay, tables: tuple[str, ...] = ()) -> Cohort:
    """The cohort as `replay_of(cohort, as_of)` sees it: a Cohort of its own, in memory.
    `tables`: only these of its tables (patients first), for a caller that reads no other."""
    if replay.as_of is None:
        return cohort
    tables = tables or cohort.tables
    beside = attach_beside(cohort)
    try:
        if beside.source:
            source = replace(replay, src=f"{_q(beside.source)}.main.")
            _select(tables, source, beside.con)
        else:
            _copy(cohort, tables, replay, beside.con)
        meta = replace(cohort.meta, data_as_of=replay.as_of)
        made = adopt(
            cohort.path,
            meta,
            beside.con,
            list(tables),
            database=beside.name,
            columns=list(replay.columns["patients"]),  # the snapshot's patients has the same
            summarised=bool(beside.source),  # _select made its summary tables, as views
        )
    except BaseException:
        detach(beside)
        raise
    detach_with(made, beside)
    return made


def _select(tables: tuple[str, ...], source: Replay, con: duckdb.DuckDBPyConnection) -> None:
    """Make the snapshot's tables in `con`, read from the cohort's in the same DuckDB:
    patients are copied, the other tables (a registry's 2.5x10^6 adverse events) and their
    summary tables are views, read only if asked (the weekly summary never reads most)."""
    for name in tables:
        kind = "TABLE" if name == "patients" else "VIEW"
        con.execute(f"CREATE {kind} {_q(name)} AS {source.select(name)}")
    for name, select in summary_tables(tables).items():
        con.execute(f"CREATE VIEW {_q(name)} AS {select}")


def _copy(cohort: Cohort, tables, replay: Replay, con: duckdb.DuckDBPyConnection) -> None:
    """Make the snapshot's tables in `con` when the cohort's file could not be attached:
    its own connection writes each table to Parquet."""
    cursor = cohort.cursor()
    try:
        (here,) = cursor.execute("SELECT current_database()").fetchone()
        source = replace(replay, src=f"{_q(here)}.main.")
        with tempfile.TemporaryDirectory(prefix="sts-snapshot-") as work:
            for i, name in enumerate(tables):
                file = _literal(str(Path(work) / f"{i}.parquet"))
                cursor.execute(f"COPY ({source.select(name)}) TO {file} (FORMAT parquet)")
                con.execute(f"CREATE TABLE {_q(name)} AS SELECT * FROM read_parquet({file})")
    finally:
        cursor.close()
