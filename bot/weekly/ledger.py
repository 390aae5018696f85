"""The weekly post's ledger: a period is claimed before posting and settled after.

Slack has no idempotency key, so exactly-once comes from here. A claim is an atomic row insert
in SQLite (one file, shared by every process on the host or volume); a second process finds
the row and backs off. A row moves through these states, and only forward:

    claimed ──▶ posting ──▶ sent
       │           │
       │           └──▶ unknown   (5xx after sending, a timeout, a failed history check)
       └──▶ (row deleted)         (nothing was posted: the summary cannot be made, or Slack
                                   refused the post outright — the next run starts afresh)

- `claimed`: the owner is preparing the post; nothing has gone out. Stale after `stale_after`
  (the owner died), it may be taken over and posted without looking in the channel.
- `posting`: set (fenced on the owner) just before chat.postMessage. From here the post may
  have gone out, so the row is never deleted; a taker must first read the channel's history
  for the post's metadata (`Claim.verify`).
- `unknown`: the owner finished without knowing whether Slack posted. Any later run takes it
  over at once, but only to read the history first.
- `sent`: done, with the message's ts.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Claim", "Held", "Ledger"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS weekly_posts (
    period      TEXT NOT NULL,
    channel     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('claimed', 'posting', 'unknown', 'sent')),
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
    taken_over: bool  # from another process, dead or unsure
    verify: bool  # a post may already be out: read the channel's history before posting


@dataclass(frozen=True, kw_only=True)
class Held:
    """Why a claim was not granted: the row's state, and when a live claim goes stale."""

    status: str  # sent | claimed | posting
    ts: str | None = None
    stale_at: dt.datetime | None = None


class Ledger:
    def __init__(
        self,
        path: str | Path,
        *,
        stale_after: dt.timedelta = dt.timedelta(minutes=10),
        owner: str | None = None,
    ):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.stale_after = stale_after
        # One owner per Ledger object: two in one process are two claimants.
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            _migrate(con)
            con.execute(_SCHEMA)
            con.execute("COMMIT")
        finally:
            con.close()

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, which takes the write lock
        # up front so two processes cannot both read "free" and both claim.
        return sqlite3.connect(self.path, timeout=30, isolation_level=None)

    def claim(self, period: str, channel: str, *, now: dt.datetime | None = None) -> Claim | Held:
        """Claim a period for posting, or say who holds it (sent, or a live claim)."""
        now = now or _now()
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            row = con.execute(
                "SELECT status, claimed_at, ts FROM weekly_posts WHERE period = ? AND channel = ?",
                (period, channel),
            ).fetchone()
            if row is None:
                con.execute(
                    "INSERT INTO weekly_posts (period, channel, status, claimed_by, claimed_at) "
                    "VALUES (?, ?, 'claimed', ?, ?)",
                    (period, channel, self.owner, now.isoformat()),
                )
                con.execute("COMMIT")
                return Claim(
                    period=period, channel=channel, owner=self.owner, taken_over=False, verify=False
                )
            status, claimed_at, ts = row
            stale_at = dt.datetime.fromisoformat(claimed_at) + self.stale_after
            if status == "sent" or (status in ("claimed", "posting") and now < stale_at):
                con.execute("ROLLBACK")
                return Held(status=status, ts=ts, stale_at=None if status == "sent" else stale_at)
            # A stale claim (its owner died), or an unsure one: ours now. Only a claim that
            # never reached `posting` can be posted without looking in the channel first.
            con.execute(
                "UPDATE weekly_posts SET status = 'claimed', claimed_by = ?, claimed_at = ? "
                "WHERE period = ? AND channel = ?",
                (self.owner, now.isoformat(), period, channel),
            )
            con.execute("COMMIT")
            return Claim(
                period=period,
                channel=channel,
                owner=self.owner,
                taken_over=True,
                verify=status != "claimed",
            )
        finally:
            con.close()

    def _update(self, sql: str, args: tuple) -> int:
        con = self._connect()
        try:
            return con.execute(sql, args).rowcount  # autocommit: one statement, one transaction
        finally:
            con.close()

    def start_posting(self, claim: Claim, *, now: dt.datetime | None = None) -> bool:
        """Record that the post is about to go out; False when the claim is no longer ours."""
        return (
            self._update(
                "UPDATE weekly_posts SET status = 'posting', claimed_at = ? "
                "WHERE period = ? AND channel = ? AND status = 'claimed' AND claimed_by = ?",
                ((now or _now()).isoformat(), claim.period, claim.channel, claim.owner),
            )
            == 1
        )

    def mark_sent(self, claim: Claim, ts: str, *, now: dt.datetime | None = None) -> None:
        # Unfenced: whoever saw the post, the post is the truth.
        self._update(
            "UPDATE weekly_posts SET status = 'sent', ts = ?, sent_at = ? "
            "WHERE period = ? AND channel = ?",
            (ts, (now or _now()).isoformat(), claim.period, claim.channel),
        )

    def mark_unknown(self, claim: Claim) -> None:
        """The post may or may not be out: the next run must read the channel before posting."""
        self._update(
            "UPDATE weekly_posts SET status = 'unknown' "
            "WHERE period = ? AND channel = ? AND status != 'sent' AND claimed_by = ?",
            (claim.period, claim.channel, claim.owner),
        )

    def release(self, claim: Claim) -> None:
        """Give a claim back when nothing was posted, so the next run starts afresh."""
        self._update(
            "DELETE FROM weekly_posts WHERE period = ? AND channel = ? "
            "AND status IN ('claimed', 'posting') AND claimed_by = ?",
            (claim.period, claim.channel, claim.owner),
        )

    def status(self, period: str, channel: str) -> tuple[str, str | None] | None:
        with self._connect() as con:
            row = con.execute(
                "SELECT status, ts FROM weekly_posts WHERE period = ? AND channel = ?",
                (period, channel),
            ).fetchone()
        return None if row is None else (row[0], row[1])


def _migrate(con: sqlite3.Connection) -> None:
    """A ledger from before `posting`/`unknown`: rebuild the table with the wider CHECK."""
    found = con.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'weekly_posts'"
    ).fetchone()
    if found is None or "'posting'" in found[0]:
        return
    con.execute("ALTER TABLE weekly_posts RENAME TO weekly_posts_v1")
    con.execute(_SCHEMA)
    # That version posted straight from `claimed`: such a claim may have posted.
    con.execute(
        "INSERT INTO weekly_posts SELECT period, channel, "
        "CASE status WHEN 'claimed' THEN 'posting' ELSE status END, "
        "claimed_by, claimed_at, sent_at, ts FROM weekly_posts_v1"
    )
    con.execute("DROP TABLE weekly_posts_v1")
