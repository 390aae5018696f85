"""What each asker and each channel has been shown, kept for the tracker check.

The patient sets of every answer shown outside patient places (`sts_queries.privacy.released`),
one row a set, scope and cohort version, in SQLite in the state folder — or, in a fleet, in its
PostgreSQL (bot/fleet/shown.py): they outlast a restart and every process sharing the folder
or the database shares them. Each process keeps the sets it has read
as a `Memory` and reads only the rows added since. A check and the rows it adds are one
transaction (SQLite's `BEGIN IMMEDIATE`, PostgreSQL's advisory lock), so two answers given at
once cannot each pass against a memory that lacks the other.

A new cohort version starts every scope afresh: its rows are other patients' rows.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

from sts_bot.gateway.access import Asker, NotAllowed, Policy
from sts_queries.cohort.cohort import Cohort
from sts_queries.privacy.reveal import small_selection
from sts_queries.privacy.trackers import Memory, PatientSet, tracker_refusal

__all__ = ["Rows", "Seen", "SqliteRows", "scopes_of", "seen_of", "tracked_refusal"]

log = logging.getLogger("sts.privacy")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS shown_sets (
    id      INTEGER PRIMARY KEY,
    scope   TEXT NOT NULL,
    version TEXT NOT NULL,
    digest  TEXT NOT NULL,
    definition TEXT NOT NULL,
    size    INTEGER NOT NULL,
    bits    BLOB NOT NULL,
    UNIQUE (scope, version, digest, definition)
)
"""


def scopes_of(user: str, team: str, channel: str, is_dm: bool) -> list[tuple[str, str]]:
    """(scope key, how to name it in a refusal): the asker, and the channel they asked in."""
    scopes = [(f"user:{team}:{user}", "to you")]
    if not is_dm:
        scopes.append((f"channel:{channel}", "in this channel"))  # the weekly post's too
    return scopes


class Rows(Protocol):
    """Where the shown sets are kept: rows of (id, size, bits, definition) by scope and version,
    read and added inside one transaction that no other check runs beside."""

    def transaction(self) -> AbstractContextManager[Any]: ...

    def rows_after(self, tx: Any, key: str, version: str, after: int) -> list[tuple]: ...

    def add(self, tx: Any, key: str, version: str, sets: Sequence[PatientSet]) -> None: ...

    def last_id(self, tx: Any) -> int: ...


class SqliteRows:
    """The shown sets in SQLite (`path`; None: in memory, for one process)."""

    def __init__(self, path: Path | None) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            ":memory:" if path is None else str(path),
            timeout=30,
            isolation_level=None,
            check_same_thread=False,
        )
        self._db.execute(_SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")  # one writer: the check and its rows together
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def rows_after(self, tx, key: str, version: str, after: int) -> list[tuple]:
        return tx.execute(
            "SELECT id, size, bits, definition FROM shown_sets "
            "WHERE scope = ? AND version = ? AND id > ? ORDER BY id",
            (key, version, after),
        ).fetchall()

    def add(self, tx, key: str, version: str, sets: Sequence[PatientSet]) -> None:
        tx.executemany(
            "INSERT OR IGNORE INTO shown_sets (scope, version, digest, definition, size, bits) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(key, version, s.digest(), s.definition, s.size, s.bits) for s in sets],
        )

    def last_id(self, tx) -> int:
        return int(tx.execute("SELECT coalesce(max(id), 0) FROM shown_sets").fetchone()[0])


class Seen:
    """The shown patient sets: SQLite at `path` (None: in memory), or the `rows` given (a
    fleet's PostgreSQL, bot/fleet/shown.py)."""

    def __init__(self, path: Path | None = None, *, rows: Rows | None = None) -> None:
        self._rows = rows if rows is not None else SqliteRows(path)
        self._lock = threading.Lock()
        self._memories: dict[tuple[str, str], tuple[Memory, int]] = {}

    def check(
        self,
        scopes: Sequence[tuple[str, str]],
        version: str,
        n: int,
        sets: Sequence[PatientSet],
        min_cell: int,
    ) -> str | None:
        """Why `sets` may not be shown to `scopes`, or None, having remembered them."""
        if not sets:
            return None
        with self._lock, self._rows.transaction() as tx:
            memories = [(self._memory(tx, key, version, n), place) for key, place in scopes]
            reason = tracker_refusal(memories, sets, min_cell)
            if reason is None:
                for (key, _), (memory, _) in zip(scopes, memories, strict=True):
                    self._rows.add(tx, key, version, sets)
                    memory.remember(sets)
                    self._memories[key, version] = (memory, self._rows.last_id(tx))
        return reason

    def _memory(self, tx, key: str, version: str, n: int) -> Memory:
        memory, seen = self._memories.get((key, version), (None, 0))
        if memory is None or memory.n != n:
            memory, seen = Memory(n), 0
        rows = self._rows.rows_after(tx, key, version, seen)
        memory.remember([PatientSet(bytes(b), size, words) for _, size, b, words in rows])
        self._memories[key, version] = (memory, rows[-1][0] if rows else seen)
        return memory


def tracked_refusal(
    seen: Seen, policy: Policy, asker: Asker, metric, cohort: Cohort, sets: Sequence[PatientSet]
) -> NotAllowed | None:
    """The refusal of an answer showing `sets` to `asker`, or None (then they are remembered).

    Worded as every refusal of a selection is (`small_selection`): which rule refused it, and
    so whether the selection is small or only close to one already shown, is not told."""
    scopes = scopes_of(asker.user, asker.team, asker.channel, asker.is_dm)
    reason = seen.check(scopes, cohort.data_version, cohort.rows(), sets, policy.min_cell)
    if reason is None:
        return None
    log.info("tracker check: %s", reason)
    return policy.refusal(
        asker,
        metric,
        reveals=small_selection(policy.min_cell),
        private=not policy.allows_patient_level(asker),
    )


def seen_of(settings) -> Seen:
    """What the process checks answers against: the fleet's database (STS_DATABASE_URL), else
    SQLite in the state folder."""
    if getattr(settings, "database_url", None):
        from sts_bot.fleet.db import open_database
        from sts_bot.fleet.shown import PostgresRows

        return Seen(rows=PostgresRows(open_database(settings.database_url)))
    return Seen(settings.state_dir / "shown.sqlite3")
