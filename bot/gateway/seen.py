"""What each asker and each channel has been shown, kept for the tracker check.

The patient sets of every answer shown outside patient places (`sts_queries.privacy.released`),
one row a set, scope and cohort version, in SQLite in the state folder: they outlast a restart
and every process on the host or volume shares them. Each process keeps the sets it has read
as a `Memory` and reads only the rows added since. A check and the rows it adds are one
transaction (`BEGIN IMMEDIATE`), so two answers given at once cannot each pass against a
memory that lacks the other.

A new cohort version starts every scope afresh: its rows are other patients' rows.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from sts_bot.gateway.access import Asker, NotAllowed, Policy
from sts_queries.cohort.cohort import Cohort
from sts_queries.privacy.reveal import small_selection
from sts_queries.privacy.trackers import Memory, PatientSet, tracker_refusal

__all__ = ["Seen", "scopes_of", "tracked_refusal"]

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


class Seen:
    """The shown patient sets, in `path` (SQLite; None: in memory, for one process)."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._memories: dict[tuple[str, str], tuple[Memory, int]] = {}
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            ":memory:" if path is None else str(path),
            timeout=30,
            isolation_level=None,
            check_same_thread=False,
        )
        self._db.execute(_SCHEMA)

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
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                memories = [(self._memory(key, version, n), place) for key, place in scopes]
                reason = tracker_refusal(memories, sets, min_cell)
                if reason is None:
                    for (key, _), (memory, _) in zip(scopes, memories, strict=True):
                        self._store(key, version, sets)
                        memory.remember(sets)
                        self._memories[key, version] = (memory, self._last_id())
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return reason

    def _memory(self, key: str, version: str, n: int) -> Memory:
        memory, seen = self._memories.get((key, version), (None, 0))
        if memory is None or memory.n != n:
            memory, seen = Memory(n), 0
        rows = self._db.execute(
            "SELECT id, size, bits, definition FROM shown_sets "
            "WHERE scope = ? AND version = ? AND id > ? ORDER BY id",
            (key, version, seen),
        ).fetchall()
        memory.remember([PatientSet(bytes(b), size, words) for _, size, b, words in rows])
        self._memories[key, version] = (memory, rows[-1][0] if rows else seen)
        return memory

    def _store(self, key: str, version: str, sets: Sequence[PatientSet]) -> None:
        self._db.executemany(
            "INSERT OR IGNORE INTO shown_sets (scope, version, digest, definition, size, bits) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(key, version, s.digest(), s.definition, s.size, s.bits) for s in sets],
        )

    def _last_id(self) -> int:
        return int(self._db.execute("SELECT coalesce(max(id), 0) FROM shown_sets").fetchone()[0])


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
