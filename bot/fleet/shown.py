"""A fleet's shown patient sets (the tracker check, bot/gateway/seen.py) in its PostgreSQL.

The same rows as the single process keeps in SQLite, shared by every replica so that an
insider's questions landing on different replicas are checked against one memory. A check
and the rows it adds hold one transaction-level advisory lock: checks run one at a time across
the fleet (each takes milliseconds), as SQLite's `BEGIN IMMEDIATE` makes them on one host.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sts_bot.fleet.db import Database

__all__ = ["PostgresRows"]

_LOCK = 0x5354534E  # pg_advisory_xact_lock key of the tracker check

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sts_shown_sets (
    id          bigserial PRIMARY KEY,
    scope       text NOT NULL,
    version     text NOT NULL,
    digest      text NOT NULL,
    definition  text NOT NULL,
    size        integer NOT NULL,
    bits        bytea NOT NULL,
    UNIQUE (scope, version, digest, definition)
);
CREATE INDEX IF NOT EXISTS sts_shown_sets_scope ON sts_shown_sets (scope, version, id);
"""


class PostgresRows:
    """`Rows` for `seen.Seen`, in the fleet's database."""

    def __init__(self, db: Database) -> None:
        self._db = db
        with db.transaction() as con:
            con.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
            con.execute(_SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        with self._db.transaction() as con:
            con.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
            yield con

    def rows_after(self, tx, key: str, version: str, after: int) -> list[tuple]:
        return tx.execute(
            "SELECT id, size, bits, definition FROM sts_shown_sets "
            "WHERE scope = %s AND version = %s AND id > %s ORDER BY id",
            (key, version, after),
        ).fetchall()

    def add(self, tx, key: str, version: str, sets: Sequence) -> None:
        with tx.cursor() as cur:
            cur.executemany(
                "INSERT INTO sts_shown_sets (scope, version, digest, definition, size, bits) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                [(key, version, s.digest(), s.definition, s.size, s.bits) for s in sets],
            )

    def last_id(self, tx) -> int:
        return int(tx.execute("SELECT coalesce(max(id), 0) FROM sts_shown_sets").fetchone()[0])
