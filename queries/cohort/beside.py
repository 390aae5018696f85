"""In-memory databases beside a cohort's, in the same DuckDB: where its snapshots are made,
reading the cohort's tables where they are (no copy through files, no new DuckDB each).

An in-memory cohort's own DuckDB holds them. A stored cohort is opened read-only, and
nothing can be attached to that: it gets one in-memory DuckDB of its own, made at its first
snapshot and kept while it lives, with its file attached read-only. Each database is
detached when the Cohort made over it is gone.
"""

from __future__ import annotations

import threading
import uuid
import weakref
from dataclasses import dataclass, field

import duckdb

from sts_queries.cohort.cohort import Cohort
from sts_queries.sql.identifiers import quote_identifier as _q

__all__ = ["Beside", "attach_beside", "detach_with", "once"]

SOURCE = "_sts_source"  # the catalog a stored cohort's file is attached under


@dataclass(frozen=True)
class _Host:
    con: duckdb.DuckDBPyConnection
    source: str  # the catalog the cohort's tables are in ("" when unreachable)
    home: str  # the connection's own catalog
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class Beside:
    """A fresh in-memory database `name`, the default of `con` (a connection of its own).
    `source` is the catalog the cohort's tables are read under in it; "" when its file could
    not be attached (moved or locked): its tables must then be copied through files."""

    con: duckdb.DuckDBPyConnection
    name: str
    source: str
    home: str
    cohort: Cohort  # kept while the database is: its views may read the cohort's (a snapshot's)


_HOSTS: dict[int, _Host] = {}  # by id() of the cohort, while it lives
_HOSTS_LOCK = threading.Lock()
_ONCE: dict[int, dict] = {}  # what was read of a cohort, by id() of it, while it lives


def once(cohort: Cohort, what: str, make):
    """`make(cohort)`, computed once per cohort while it lives: a loaded cohort's tables never
    change (a reload or a snapshot is another Cohort)."""
    with _HOSTS_LOCK:
        known = _ONCE.get(id(cohort))
        if known is not None and what in known:
            return known[what]
    value = make(cohort)
    with _HOSTS_LOCK:
        if (known := _ONCE.get(id(cohort))) is None:
            known = _ONCE[id(cohort)] = {}
            weakref.finalize(cohort, _ONCE.pop, id(cohort), None).atexit = False
        return known.setdefault(what, value)


def attach_beside(cohort: Cohort) -> Beside:
    host = _host(cohort)
    name = f"_sts_snapshot_{uuid.uuid4().hex}"
    with host.lock:
        con = host.con.cursor()
    beside = Beside(con, name, host.source, host.home, cohort)
    try:
        con.execute(f"ATTACH ':memory:' AS {name}")
        con.execute(f"USE {name}")
    except BaseException:
        detach(beside)
        raise
    return beside


def detach_with(owner: object, beside: Beside) -> None:
    """Detach the database when `owner` (the Cohort over it) is gone."""
    weakref.finalize(owner, detach, beside).atexit = False


def detach(beside: Beside) -> None:
    try:
        beside.con.execute(f"USE {_q(beside.home)}")
        beside.con.execute(f"DETACH DATABASE IF EXISTS {beside.name}")
    except duckdb.Error:
        pass  # the DuckDB is closing anyway
    finally:
        beside.con.close()


def _host(cohort: Cohort) -> _Host:
    with _HOSTS_LOCK:
        if (host := _HOSTS.get(id(cohort))) is not None:
            return host
    host = _new_host(cohort)
    with _HOSTS_LOCK:
        if (known := _HOSTS.get(id(cohort))) is not None:
            host.con.close()  # another thread made one first
            return known
        _HOSTS[id(cohort)] = host
    weakref.finalize(cohort, _HOSTS.pop, id(cohort), None).atexit = False
    return host


def _new_host(cohort: Cohort) -> _Host:
    cursor = cohort.cursor()
    found = cursor.execute(
        "SELECT database_name, path, readonly FROM duckdb_databases() "
        "WHERE database_name = current_database()"
    ).fetchone()
    assert found is not None
    here, stored, readonly = found
    if not (readonly and stored):
        return _Host(cursor, here, here)
    cursor.close()
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    (home,) = con.execute("SELECT current_database()").fetchone()
    literal = "'" + str(stored).replace("'", "''") + "'"
    try:
        con.execute(f"ATTACH {literal} AS {SOURCE} (READ_ONLY)")
    except duckdb.Error:
        return _Host(con, "", home)  # moved or locked
    return _Host(con, SOURCE, home)
