"""The small things a fleet shares beside its questions: requests seen, and the audit trail.

`SeenRequests` is the shared twin of bot/slack/dedupe.py's in-process memory (same
`first_time`): a key inserted once, by whichever replica sees it first. `AuditTrail` keeps
every audit line (records, acks, delivery lines) in the database, beside the server log.
"""

from __future__ import annotations

import time

from sts_bot.fleet.db import Database

__all__ = ["AuditTrail", "SeenRequests"]


class SeenRequests:
    """Keys seen by any replica in the last `window` seconds."""

    def __init__(self, db: Database, *, window: float = 360.0) -> None:
        self.db = db
        self.window = window
        self._swept = 0.0

    def first_time(self, key: str) -> bool:
        now = time.monotonic()
        if now - self._swept > self.window / 4:  # old keys go now and then, not every call
            self._swept = now
            self.db.run(
                "DELETE FROM sts_seen WHERE at < now() - make_interval(secs => %s)",
                (self.window,),
            )
        return (
            self.db.count(
                "INSERT INTO sts_seen (key) VALUES (%s) ON CONFLICT (key) DO NOTHING", (key,)
            )
            == 1
        )


class AuditTrail:
    """The audit lines in the database; `lines(record)` reads one command's back."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def append(self, record: str, line: str) -> None:
        self.db.run("INSERT INTO sts_audit (record, line) VALUES (%s, %s)", (record, line))

    def lines(self, record: str) -> list[dict]:
        rows = self.db.run("SELECT line FROM sts_audit WHERE record = %s ORDER BY n", (record,))
        return [row[0] for row in rows]
