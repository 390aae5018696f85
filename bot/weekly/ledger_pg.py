"""The weekly ledger in the fleet's PostgreSQL (STS_DATABASE_URL): the same states and rules as
the SQLite ledger (bot/weekly/ledger.py), shared by every replica and every CronJob pod, so
two schedulers — or a doubled CronJob on separate volumes — post a week once.

A claim locks the period's row (`SELECT … FOR UPDATE` after an `INSERT … ON CONFLICT DO
NOTHING`), so two claimants never both read it free.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid

from sts_bot.fleet.db import Database, open_database
from sts_bot.weekly.ledger import Claim, Held, Ledger

__all__ = ["SharedLedger", "open_ledger"]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SharedLedger:
    """`Ledger`'s methods on the fleet's database."""

    def __init__(
        self,
        db: Database,
        *,
        stale_after: dt.timedelta = dt.timedelta(minutes=10),
        owner: str | None = None,
    ) -> None:
        self.db = db
        self.stale_after = stale_after
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"

    def claim(self, period: str, channel: str, *, now: dt.datetime | None = None) -> Claim | Held:
        now = now or _now()
        with self.db.transaction() as con:
            fresh = con.execute(
                "INSERT INTO sts_weekly_posts (period, channel, status, claimed_by, claimed_at) "
                "VALUES (%s, %s, 'claimed', %s, %s) ON CONFLICT DO NOTHING RETURNING 1",
                (period, channel, self.owner, now),
            ).fetchone()
            if fresh:
                return Claim(
                    period=period, channel=channel, owner=self.owner, taken_over=False, verify=False
                )
            status, claimed_at, ts = con.execute(
                "SELECT status, claimed_at, ts FROM sts_weekly_posts "
                "WHERE period = %s AND channel = %s FOR UPDATE",
                (period, channel),
            ).fetchone()
            stale_at = claimed_at + self.stale_after
            if status == "sent" or (status in ("claimed", "posting") and now < stale_at):
                return Held(status=status, ts=ts, stale_at=None if status == "sent" else stale_at)
            con.execute(
                "UPDATE sts_weekly_posts SET status = 'claimed', claimed_by = %s, "
                "claimed_at = %s WHERE period = %s AND channel = %s",
                (self.owner, now, period, channel),
            )
        return Claim(
            period=period,
            channel=channel,
            owner=self.owner,
            taken_over=True,
            verify=status != "claimed",
        )

    def start_posting(self, claim: Claim, *, now: dt.datetime | None = None) -> bool:
        return (
            self.db.count(
                "UPDATE sts_weekly_posts SET status = 'posting', claimed_at = %s "
                "WHERE period = %s AND channel = %s AND status = 'claimed' AND claimed_by = %s",
                (now or _now(), claim.period, claim.channel, claim.owner),
            )
            == 1
        )

    def mark_sent(self, claim: Claim, ts: str, *, now: dt.datetime | None = None) -> None:
        self.db.run(
            "UPDATE sts_weekly_posts SET status = 'sent', ts = %s, sent_at = %s "
            "WHERE period = %s AND channel = %s",
            (ts, now or _now(), claim.period, claim.channel),
        )

    def mark_unknown(self, claim: Claim) -> None:
        self.db.run(
            "UPDATE sts_weekly_posts SET status = 'unknown' "
            "WHERE period = %s AND channel = %s AND status != 'sent' AND claimed_by = %s",
            (claim.period, claim.channel, claim.owner),
        )

    def release(self, claim: Claim) -> None:
        self.db.run(
            "DELETE FROM sts_weekly_posts WHERE period = %s AND channel = %s "
            "AND status IN ('claimed', 'posting') AND claimed_by = %s",
            (claim.period, claim.channel, claim.owner),
        )

    def status(self, period: str, channel: str) -> tuple[str, str | None] | None:
        rows = self.db.run(
            "SELECT status, ts FROM sts_weekly_posts WHERE period = %s AND channel = %s",
            (period, channel),
        )
        return None if not rows else (rows[0][0], rows[0][1])


def open_ledger(settings) -> Ledger | SharedLedger:
    """The fleet's ledger with STS_DATABASE_URL, else the SQLite file in STS_STATE_DIR."""
    if settings.database_url:
        return SharedLedger(open_database(settings.database_url))
    return Ledger(settings.state_dir / "weekly.sqlite3")
