"""A cohort folder, validated and loaded into DuckDB (in memory, or stored by content hash).

A folder is `cohort.toml` plus tables: `patients.csv` (or a workbook, or a cBioPortal
`data_clinical_patient.txt`), optional `adverse_events.csv` and any other tables.
Nothing is served until the whole folder has passed its checks.
"""

from __future__ import annotations

import functools
import tempfile
import threading
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import pandas as pd

from sts_queries.cohort.catalog import Catalog
from sts_queries.cohort.fields import build_catalog, field_facts, kinds_from_types
from sts_queries.cohort.loader import build_tables, endpoints_of, summarise
from sts_queries.cohort.meta import TIME_UNITS, CohortMeta, read_meta
from sts_queries.cohort.store import CohortStore, content_hash
from sts_queries.cohort.validate import Problems
from sts_queries.errors import CohortDataError
from sts_queries.sql.identifiers import quote_identifier

__all__ = ["TIME_UNITS", "Cohort", "CohortMeta", "adopt", "assemble", "demo_path", "load_cohort"]


def demo_path() -> Path:
    """The demo cohort (the seed paper): data/ in a checkout, sts_queries/demo installed."""
    package = Path(__file__).resolve().parent.parent  # queries/ (sts_queries/ installed)
    checkout = package.parent / "data"
    return checkout if (checkout / "cohort.toml").exists() else package / "demo"


# The selections' counts a cohort keeps (`Cohort.count`), a few bytes each.
_MAX_COUNTS = 4096


@dataclass(frozen=True, kw_only=True)
class Cohort:
    """A validated cohort: its metadata, catalog and a DuckDB holding its tables."""

    path: Path
    meta: CohortMeta
    catalog: Catalog
    tables: tuple[str, ...]
    endpoints: tuple[str, ...]
    con: duckdb.DuckDBPyConnection
    data_version: str = ""  # the content hash of the files it was read from
    warnings: tuple[str, ...] = ()  # what `sts check` reports but does not block
    notes: dict = field(default_factory=dict)  # endpoint -> who was left out of it, and why
    # Names this load of the data: answers cached under one version are never served for
    # another (a reload, a snapshot).
    version: str = field(default_factory=lambda: uuid.uuid4().hex)
    # The catalog its tables are in when it shares a DuckDB with others (a snapshot, attached
    # beside the cohort it replays): each cursor is pointed at it. "" is the connection's own.
    database: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _counts: dict[tuple, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection of the caller's own to the cohort's database (the caller closes it)."""
        with self._lock:
            cursor = self.con.cursor()
        if self.database:
            cursor.execute(f"USE {quote_identifier(self.database)}")
        return cursor

    def query(self, sql: str, params: list | tuple = ()) -> pd.DataFrame:
        """Run one statement; a cursor per call keeps concurrent callers apart."""
        cursor = self.cursor()
        try:
            return cursor.execute(sql, list(params)).df()
        finally:
            cursor.close()

    @functools.cached_property
    def ae_terms(self) -> tuple[str, ...]:
        """The adverse-event terms recorded, in the cohort's declared order then by name."""
        if "adverse_events" not in self.tables:
            return ()
        found = list(self.query("SELECT DISTINCT term FROM adverse_events ORDER BY term")["term"])
        declared = [t for t in self.meta.term_order if t in found]
        return tuple(declared + [t for t in found if t not in declared])

    def has_table(self, name: str) -> bool:
        return name in self.tables

    def rows(self, table: str = "patients") -> int:
        """How many rows a loaded table has (patients by default): counted once, as a loaded
        cohort's tables never change (a reload or a snapshot is another Cohort)."""
        if table not in self.tables:
            raise ValueError(f"no table {table!r}")  # a bug, never user input
        return self.count(f"SELECT count(*) AS n FROM {quote_identifier(table)}")

    def count(self, sql: str, params: list | tuple = ()) -> int:
        """The one number (column `n`) a `SELECT count(*) AS n …` statement gives, counted
        once per statement and parameters: the tables never change, and a public question
        counts the same selections again (its own, each with a filter left out, its answer's)."""
        key = (sql, *((type(p), p) for p in params))  # 1 and True are one key, not one value
        try:
            return self._counts[key]
        except KeyError:
            pass
        except TypeError:  # a parameter that cannot be a key: counted each time
            return int(self.query(sql, params)["n"].iloc[0])
        if len(self._counts) >= _MAX_COUNTS:
            self._counts.clear()
        n = self._counts[key] = int(self.query(sql, params)["n"].iloc[0])
        return n


def _cohort(
    path: Path, meta: CohortMeta, con, info: dict, version: str, database: str = ""
) -> Cohort:
    kinds = info["kinds"]
    meta = replace(meta, column_kinds=kinds)
    return Cohort(
        path=path,
        meta=meta,
        catalog=build_catalog(info["facts"], meta.fields, info.get("originals", {})),
        tables=tuple(info["tables"]),
        endpoints=tuple(info["endpoints"]),
        con=con,
        data_version=version,
        version=version,
        warnings=tuple(info.get("warnings", ())),
        notes=dict(info.get("notes", {})),
        database=database,
    )


def load_cohort(folder: str | Path, *, store: str | Path | None = None) -> Cohort:
    """Validate a cohort folder and load it; raises CohortDataError naming file, line, column.

    With `store` (a folder), the validated cohort is kept there under the content hash of its
    files and reused, read-only, while they are unchanged.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise CohortDataError(
            f"`{folder}` is not a folder", hint="Point --data at a cohort folder."
        )
    problems = Problems()
    meta, settings, endpoints = read_meta(folder, problems)
    version = content_hash(folder)
    if not store:
        con = duckdb.connect(":memory:")
        info = _build(con, folder, meta, settings, endpoints, problems)
        return _cohort(folder, meta, con, info, version)
    stored = CohortStore(Path(store))
    if meta is not None and (opened := stored.open(version)):
        return _cohort(folder, meta, opened[0], opened[1], version)
    with stored.builder():  # one builder at a time; the one before may have built it
        if meta is not None and (opened := stored.open(version)):
            return _cohort(folder, meta, opened[0], opened[1], version)
        building = stored.building(version)
        con = duckdb.connect(str(building))
        try:
            info = _build(con, folder, meta, settings, endpoints, problems)
        except BaseException:
            building.unlink(missing_ok=True)
            raise
        stored.publish(con, building, version, info)
    con = duckdb.connect(str(stored.path(version)), read_only=True)
    con.execute("SET enable_progress_bar = false")
    return _cohort(folder, meta, con, info, version)


def _build(con, folder, meta, settings, endpoints, problems) -> dict:
    """The folder's tables built into `con`; the connection is closed if that fails."""
    con.execute("SET enable_progress_bar = false")
    try:
        with tempfile.TemporaryDirectory(prefix="sts-read-") as work:
            info = build_tables(con, folder, meta, settings, endpoints, problems, Path(work))
    except BaseException:
        con.close()
        raise
    assert meta is not None
    return info


def assemble(path: Path, meta: CohortMeta, typed: dict[str, pd.DataFrame]) -> Cohort:
    """A Cohort over already validated, typed tables (a folder, or a snapshot of one)."""
    con = duckdb.connect(":memory:")
    for name, frame in typed.items():
        con.register("_incoming", frame)
        con.execute(f"CREATE TABLE {quote_identifier(name)} AS SELECT * FROM _incoming")
        con.unregister("_incoming")
    return adopt(path, meta, con, list(typed))


def adopt(
    path: Path,
    meta: CohortMeta,
    con,
    tables: list[str],
    database: str = "",
    *,
    columns: list[str] | None = None,
    summarised: bool = False,
) -> Cohort:
    """A Cohort over a connection that already holds validated, typed tables (a snapshot's,
    made in SQL): their summary tables are made here, kinds read from the column types.
    `database`: the catalog they are in, when not the connection's own (`con` uses it).
    `columns`: the patients table's columns when the caller knows them (a snapshot: the
    cohort's, in its order); when `meta` already gives each a kind, as it does for a loaded
    cohort's, those are its kinds (what the column types would give is overridden by them).
    `summarised`: the caller made the summary tables (a snapshot: views)."""
    if not summarised:
        summarise(con, tables)
    if columns is not None and all(c in meta.column_kinds for c in columns):
        kinds = {c: meta.column_kinds[c] for c in columns}
    else:
        kinds = kinds_from_types(con)
        kinds.update({k: v for k, v in meta.column_kinds.items() if k in kinds})
    info = {
        "kinds": kinds,
        "facts": field_facts(con, kinds),
        "tables": list(tables),
        "endpoints": list(endpoints_of(list(kinds))),
    }
    return _cohort(path, meta, con, info, "", database)
