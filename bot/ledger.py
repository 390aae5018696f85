"""The weekly post's ledger: a period is claimed before posting and marked sent after.

Slack has no idempotency key, so exactly-once comes from here. A claim is an atomic row insert
in SQLite (one file, shared by every process on the host or volume); a second process finds
the row and backs off. A claim that never completed (the process died mid-post) may be taken
over after `stale_after`, and the taker first looks in the channel for a post already carrying
the period's metadata before posting again.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import sqlite3
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Claim", "Ledger"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS weekly_posts (
    period      TEXT NOT NULL,
    channel     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('claimed', 'sent')),
    claimed_by  TEXT NOT NULL,
    claimed_at  TEXT NOT NULL,
    sent_at     TEXT,
    ts          TEXT,
    PRIMARY KEY (period, channel)
)
"""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, kw_only=True)
class Claim:
    period: str
    channel: str
    owner: str
    taken_over: bool  # a stale claim of another process: check the channel before posting


class Ledger:
    def __init__(self, path: str | Path, *, stale_after: dt.timedelta = dt.timedelta(minutes=10)):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.stale_after = stale_after
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        with self._connect() as con:
            con.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, which takes the write lock
        # up front so two processes cannot both read "free" and both claim.
        return sqlite3.connect(self.path, timeout=30, isolation_level=None)

    def claim(self, period: str, channel: str, *, now: dt.datetime | None = None) -> Claim | None:
        """Claim a period for posting, or None when it is sent or claimed by a live process."""
        now = now or _now()
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            row = con.execute(
                "SELECT status, claimed_at FROM weekly_posts WHERE period = ? AND channel = ?",
                (period, channel),
            ).fetchone()
            taken_over = False
            if row is None:
                con.execute(
                    "INSERT INTO weekly_posts (period, channel, status, claimed_by, claimed_at) "
                    "VALUES (?, ?, 'claimed', ?, ?)",
                    (period, channel, self.owner, now.isoformat()),
                )
            elif row[0] == "claimed" and now - dt.datetime.fromisoformat(row[1]) > self.stale_after:
                con.execute(
                    "UPDATE weekly_posts SET claimed_by = ?, claimed_at = ? "
                    "WHERE period = ? AND channel = ?",
                    (self.owner, now.isoformat(), period, channel),
                )
                taken_over = True
            else:
                con.execute("ROLLBACK")
                return None
            con.execute("COMMIT")
            return Claim(period=period, channel=channel, owner=self.owner, taken_over=taken_over)
        finally:
            con.close()

    def mark_sent(self, claim: Claim, ts: str, *, now: dt.datetime | None = None) -> None:
        with self._connect() as con:
            con.execute(
                "UPDATE weekly_posts SET status = 'sent', ts = ?, sent_at = ? "
                "WHERE period = ? AND channel = ?",
                (ts, (now or _now()).isoformat(), claim.period, claim.channel),
            )

    def release(self, claim: Claim) -> None:
        """Give a claim back after a failed post, so the next run may try again at once."""
        with self._connect() as con:
            con.execute(
                "DELETE FROM weekly_posts WHERE period = ? AND channel = ? AND status = 'claimed' "
                "AND claimed_by = ?",
                (claim.period, claim.channel, claim.owner),
            )

    def status(self, period: str, channel: str) -> tuple[str, str | None] | None:
        with self._connect() as con:
            row = con.execute(
                "SELECT status, ts FROM weekly_posts WHERE period = ? AND channel = ?",
                (period, channel),
            ).fetchone()
        return None if row is None else (row[0], row[1])
