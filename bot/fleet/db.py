"""One PostgreSQL database for the fleet (psycopg 3): a connection a thread, and the schema.

Each thread (a waitress thread acking, a worker answering, the keeper renewing leases) keeps
its own autocommit connection; one that broke is dropped and opened again on next use, so a
restarted database costs the statements in flight, not the process. The schema is created at
start-up under an advisory lock, so replicas starting together do not race on it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sts_bot.settings import SettingsError, redact_url

if TYPE_CHECKING:
    import psycopg

__all__ = ["Database", "open_database"]  # and DatabaseError, by __getattr__


def __getattr__(name: str) -> type[Exception]:
    """`DatabaseError` (psycopg.Error), imported when first asked for: psycopg is ~0.4 CPU-s of
    every start, and a single process (no STS_DATABASE_URL, the default) never opens a
    database. Callers name it `db.DatabaseError` where they catch it, not at import."""
    if name == "DatabaseError":
        import psycopg

        return psycopg.Error
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_SCHEMA_LOCK = 0x575453  # pg_advisory_xact_lock key: one replica creates the tables at a time

SCHEMA = """
CREATE TABLE IF NOT EXISTS sts_questions (
    id           bigserial PRIMARY KEY,
    request_key  text NOT NULL UNIQUE,   -- Slack's retries and replays carry the same key
    record       text NOT NULL,          -- the audit record's id, from the ack on
    kind         text NOT NULL CHECK (kind IN ('slash', 'share')),
    asker        text NOT NULL,
    body         jsonb NOT NULL,         -- what answering needs; emptied once settled
    state        text NOT NULL DEFAULT 'queued'
                 CHECK (state IN ('queued', 'working', 'sending', 'done', 'lost')),
    owner        text,
    lease_until  timestamptz,
    attempts     integer NOT NULL DEFAULT 0,
    verdict      text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    late_told_at timestamptz,
    settled_at   timestamptz
);
CREATE INDEX IF NOT EXISTS sts_questions_open ON sts_questions (id)
    WHERE state IN ('queued', 'working', 'sending');
CREATE INDEX IF NOT EXISTS sts_questions_asker ON sts_questions (asker)
    WHERE state IN ('queued', 'working', 'sending');
CREATE TABLE IF NOT EXISTS sts_replicas (
    name     text PRIMARY KEY,
    slots    integer NOT NULL,
    seen_at  timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS sts_seen (
    key  text PRIMARY KEY,
    at   timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS sts_audit (
    n       bigserial PRIMARY KEY,
    record  text NOT NULL,
    line    jsonb NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS sts_audit_record ON sts_audit (record);
CREATE TABLE IF NOT EXISTS sts_weekly_posts (
    period      text NOT NULL,
    channel     text NOT NULL,
    status      text NOT NULL CHECK (status IN ('claimed', 'posting', 'unknown', 'sent')),
    claimed_by  text NOT NULL,
    claimed_at  timestamptz NOT NULL,
    sent_at     timestamptz,
    ts          text,
    PRIMARY KEY (period, channel)
);
"""


class Database:
    """The fleet's database at `url`; `transaction()` and `run()` on this thread's connection."""

    def __init__(self, url: str, *, connect_timeout: int = 5) -> None:
        self.url = url
        self.connect_timeout = connect_timeout
        self._local = threading.local()
        import psycopg  # here: see __getattr__

        try:
            with self.transaction() as con:
                con.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                con.execute(SCHEMA)
        except psycopg.Error as exc:
            raise SettingsError(
                [
                    f"STS_DATABASE_URL: cannot use {redact_url(url)} "
                    f"({redact_url(str(exc)).strip()}). Check the host, the database, the user "
                    "and its password, and that it may create tables; or leave it unset to run "
                    "a single process."
                ]
            ) from None

    def _connection(self) -> psycopg.Connection:
        con = getattr(self._local, "con", None)
        if con is None or con.closed or con.broken:
            import psycopg

            con = psycopg.connect(self.url, autocommit=True, connect_timeout=self.connect_timeout)
            self._local.con = con
        return con

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection]:
        """This thread's connection inside one transaction (committed on leaving)."""
        import psycopg

        con = self._connection()
        try:
            with con.transaction():
                yield con
        except psycopg.OperationalError:
            con.close()  # a broken connection is opened again on next use
            raise

    def run(self, sql: str, args: tuple = ()) -> list[tuple]:
        """One statement in its own transaction; its rows (none for a statement without)."""
        with self.transaction() as con:
            cur = con.execute(sql, args)
            return cur.fetchall() if cur.description else []

    def count(self, sql: str, args: tuple = ()) -> int:
        """The rows one UPDATE/DELETE/INSERT touched."""
        with self.transaction() as con:
            return con.execute(sql, args).rowcount

    def ping(self) -> bool:
        import psycopg

        try:
            self.run("SELECT 1")
        except psycopg.Error:
            return False
        return True


_OPEN: dict[str, Database] = {}
_OPENING = threading.Lock()


def open_database(url: str) -> Database:
    """The process's one Database for `url` (the schema checked once)."""
    with _OPENING:
        if url not in _OPEN:
            _OPEN[url] = Database(url)
        return _OPEN[url]
