"""The questions a fleet answers, kept in PostgreSQL from the ack to the reply.

A question's row moves only forward:

    queued ──▶ working ──▶ sending ──▶ done | lost
                  ▲           │
                  └───────────┘  (its owner's lease ran out: another replica takes it over)

- **queued**: written, with its audit record, in the transaction that precedes the ack, so an
  acknowledged question is never only in a process's memory. `request_key` is unique: Slack's
  retry of a request already written (on any replica) finds it and is acknowledged only.
- **working**: claimed by one replica (`FOR UPDATE SKIP LOCKED`: two replicas never claim the
  same row) under a lease the owner renews while it lives. A lease that ran out (kill -9, an OOM
  kill, a lost node) lets any replica take the question over; each claim counts an attempt,
  and a question that used up `max_attempts` is lost for good, and its asker told.
- **sending**: set, fenced on the owner, just before the reply goes to Slack. A replica that
  lost its lease meanwhile does not send.
- **done** / **lost**: the reply was sent (or could not be) and that is recorded; the typed
  text and the response_url are dropped from the row then.

The one window for a doubled reply: an owner that dies after Slack took the reply and before
`done` is recorded (a few milliseconds: one UPDATE), or that stalls past its lease while
sending (its keeper could not renew: a frozen process, the database unreachable for longer
than the lease). Its question is taken over as `sending` and answered again (a shared post is
looked for in the channel first, so only a private reply can come twice). Nothing in this
window is lost; at most one reply is doubled.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

from sts_bot.fleet import db as fleet_db
from sts_bot.fleet.db import Database, open_database

__all__ = ["Enqueued", "NewQuestion", "Question", "Questions", "open_questions"]

OPEN = ("queued", "working", "sending")
_OPEN_SQL = "state IN ('queued', 'working', 'sending')"
_COLUMNS = "q.id, q.record, q.kind, q.asker, q.body, q.attempts, q.created_at"


@dataclass(frozen=True, kw_only=True)
class NewQuestion:
    request_key: str
    record: str  # the audit record's id
    kind: str  # slash | share
    asker: str
    body: dict  # text, team, channel, response_url, bot_user


@dataclass(frozen=True, kw_only=True)
class Enqueued:
    status: str  # new | repeat | busy
    id: int | None = None
    ahead: int = 0  # questions that will be answered before this one gets a worker
    waiting: int = 0  # for busy: the asker's questions still open


@dataclass(frozen=True, kw_only=True)
class Question:
    id: int
    record: str
    kind: str
    asker: str
    body: dict
    attempts: int
    was: str = "queued"  # its state before this claim: `sending` may have been sent
    created_at: object = None

    @property
    def text(self) -> str:
        return str(self.body.get("text", ""))


@dataclass
class Questions:
    """The queue on `db`; `arrived` wakes this process's workers when a question is written."""

    db: Database
    arrived: threading.Event = field(default_factory=threading.Event)

    def enqueue(self, question: NewQuestion, *, audit: str, per_asker: int) -> Enqueued:
        """Write `question` and its audit line `audit` in one transaction (before the ack).

        A repeat of a request already written is `repeat`; an asker with `per_asker`
        questions open already is `busy` (nothing written)."""
        with self.db.transaction() as con:
            # One asker's questions are counted and written one at a time.
            con.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (question.asker,))
            if con.execute(
                "SELECT 1 FROM sts_questions WHERE request_key = %s", (question.request_key,)
            ).fetchone():
                return Enqueued(status="repeat")
            (open_,) = con.execute(
                f"SELECT count(*) FROM sts_questions WHERE asker = %s AND {_OPEN_SQL}",
                (question.asker,),
            ).fetchone()
            if open_ >= per_asker:
                return Enqueued(status="busy", waiting=open_)
            row = con.execute(
                "INSERT INTO sts_questions (request_key, record, kind, asker, body) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (request_key) DO NOTHING RETURNING id",
                (
                    question.request_key,
                    question.record,
                    question.kind,
                    question.asker,
                    json.dumps(question.body),
                ),
            ).fetchone()
            if row is None:  # written by another replica a moment ago
                return Enqueued(status="repeat")
            con.execute(
                "INSERT INTO sts_audit (record, line) VALUES (%s, %s)", (question.record, audit)
            )
            ahead = self._ahead(con, row[0])
        self.arrived.set()
        return Enqueued(status="new", id=row[0], ahead=ahead)

    @staticmethod
    def _ahead(con, question: int) -> int:
        """How many questions wait before this one gets a worker: the queued ones before it,
        less the fleet's free slots (live replicas' slots not working on a question)."""
        (queued,) = con.execute(
            "SELECT count(*) FROM sts_questions WHERE state = 'queued' AND id < %s", (question,)
        ).fetchone()
        (free,) = con.execute(
            "SELECT coalesce((SELECT sum(slots) FROM sts_replicas "
            "  WHERE seen_at > now() - interval '15 seconds'), 0)"
            " - (SELECT count(*) FROM sts_questions WHERE state IN ('working', 'sending')"
            "     AND lease_until > now())"
        ).fetchone()
        return max(0, int(queued) + 1 - max(0, int(free)))

    def claim(self, owner: str, lease: float) -> Question | None:
        """The oldest question nobody holds (queued, or its owner's lease ran out), now ours."""
        rows = self.db.run(
            "WITH c AS (SELECT id, state AS was FROM sts_questions "
            "  WHERE state = 'queued' OR (state IN ('working', 'sending') AND lease_until < now())"
            "  ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) "
            "UPDATE sts_questions q SET state = 'working', owner = %s, attempts = q.attempts + 1, "
            "  lease_until = now() + make_interval(secs => %s) FROM c WHERE q.id = c.id "
            f"RETURNING {_COLUMNS}, c.was",
            (owner, lease),
        )
        if not rows:
            return None
        id_, record, kind, asker, body, attempts, created, was = rows[0]
        return Question(
            id=id_,
            record=record,
            kind=kind,
            asker=asker,
            body=body,
            attempts=attempts,
            was=was,
            created_at=created,
        )

    def renew(self, owner: str, lease: float, slots: int) -> int:
        """Extend the leases `owner` holds, and say the replica is alive with `slots`."""
        with self.db.transaction() as con:
            con.execute(
                "INSERT INTO sts_replicas (name, slots, seen_at) VALUES (%s, %s, now()) "
                "ON CONFLICT (name) DO UPDATE SET slots = EXCLUDED.slots, seen_at = now()",
                (owner, slots),
            )
            return con.execute(
                "UPDATE sts_questions SET lease_until = now() + make_interval(secs => %s) "
                "WHERE owner = %s AND state IN ('working', 'sending')",
                (lease, owner),
            ).rowcount

    def leave(self, owner: str) -> None:
        """This replica stops: its slots no longer count as free."""
        self.db.run("DELETE FROM sts_replicas WHERE name = %s", (owner,))

    def sending(self, question: Question, owner: str) -> bool:
        """Mark the reply as going out now; False when the question is no longer ours."""
        return (
            self.db.count(
                "UPDATE sts_questions SET state = 'sending' "
                "WHERE id = %s AND owner = %s AND state = 'working'",
                (question.id, owner),
            )
            == 1
        )

    def settle(self, question: Question, verdict: str) -> bool:
        """Record what became of the reply (delivered or lost); the typed text goes."""
        state = "done" if verdict == "delivered" else "lost"
        return (
            self.db.count(
                "UPDATE sts_questions SET state = %s, verdict = %s, settled_at = now(), "
                "body = jsonb_build_object('channel', body->'channel') "
                f"WHERE id = %s AND {_OPEN_SQL}",
                (state, verdict, question.id),
            )
            == 1
        )

    def late(self, after: float) -> list[tuple[Question, int]]:
        """Open questions older than `after` seconds whose asker was not told yet, each once
        (whichever replica asks first), with how many are ahead of each."""
        rows = self.db.run(
            "UPDATE sts_questions q SET late_told_at = now() "
            f"WHERE {_OPEN_SQL} AND late_told_at IS NULL "
            "AND created_at < now() - make_interval(secs => %s) "
            f"RETURNING {_COLUMNS}, q.state, "
            "(SELECT count(*) FROM sts_questions o WHERE o.state = 'queued' AND o.id < q.id)",
            (after,),
        )
        return [
            (
                Question(
                    id=r[0],
                    record=r[1],
                    kind=r[2],
                    asker=r[3],
                    body=r[4],
                    attempts=r[5],
                    created_at=r[6],
                    was=r[7],
                ),
                int(r[8]),
            )
            for r in rows
        ]

    def expire(self, older_than: float) -> list[Question]:
        """Open questions older than `older_than` seconds (past a response_url's life): lost
        for good, each returned once so that its asker is told another way."""
        rows = self.db.run(  # the body returned as it was, and kept no longer
            "WITH old AS (SELECT id, body FROM sts_questions "
            f"  WHERE {_OPEN_SQL} AND created_at < now() - make_interval(secs => %s) "
            "  AND (state = 'queued' OR lease_until < now()) FOR UPDATE SKIP LOCKED) "
            "UPDATE sts_questions q SET state = 'lost', verdict = 'expired', settled_at = now(), "
            "  body = jsonb_build_object('channel', q.body->'channel') FROM old "
            "WHERE q.id = old.id "
            "RETURNING q.id, q.record, q.kind, q.asker, old.body, q.attempts, q.created_at",
            (older_than,),
        )
        return [
            Question(
                id=r[0], record=r[1], kind=r[2], asker=r[3], body=r[4], attempts=r[5], was="lost"
            )
            for r in rows
        ]

    def forget(self, older_than: float) -> None:
        """Drop settled questions older than `older_than` seconds (their audit lines stay)."""
        self.db.run(
            "DELETE FROM sts_questions WHERE state IN ('done', 'lost') "
            "AND settled_at < now() - make_interval(secs => %s)",
            (older_than,),
        )

    def backlog(self) -> int:
        """Questions written and not yet claimed."""
        return int(self.db.run("SELECT count(*) FROM sts_questions WHERE state = 'queued'")[0][0])

    def database_check(self) -> tuple[bool, str]:
        """For /readyz: whether the fleet's database answers."""
        try:
            self.db.run("SELECT 1")
        except fleet_db.DatabaseError as exc:
            return False, f"the database does not answer ({type(exc).__name__})"
        return True, "reachable"

    def backlog_check(self, bound: int):
        """For /readyz: the fleet's questions waiting for a worker, under `bound`."""

        def check() -> tuple[bool, str]:
            try:
                waiting = self.backlog()
            except fleet_db.DatabaseError as exc:
                return False, f"the queue cannot be read ({type(exc).__name__})"
            return waiting <= bound, f"{waiting} question(s) waiting for a worker (bound {bound})"

        return check

    def states(self) -> dict[str, int]:
        rows = self.db.run("SELECT state, count(*) FROM sts_questions GROUP BY state")
        return {state: int(n) for state, n in rows}


def open_questions(settings) -> Questions | None:
    """The fleet's queue (STS_DATABASE_URL), else None: one process answering in memory."""
    return Questions(open_database(settings.database_url)) if settings.database_url else None
