"""A real PostgreSQL 15 for the fleet tests, started by the tests themselves.

The machine's PostgreSQL 15 (`/usr/lib/postgresql/15/bin`): a fresh cluster in a temporary
folder, listening only on a unix socket in that folder (no port to collide with), trust
authentication for its own socket. `initdb` and `pg_ctl` refuse to run as root, so as root
(CI runs as root) they run as the `postgres` user (`runuser`), in a folder it owns.

Durability of PostgreSQL itself is not what the tests test (they kill replicas, not the
database), so fsync is off: a cluster starts in about a second.

One cluster serves a test process (`session_cluster`, the `postgres` fixture of
tests/conftest.py); each module or test takes a database of its own in it (`fresh()`), so
what one test leaves in the tables is never another's starting point.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["BIN", "Postgres", "missing", "session_cluster"]

BIN = Path("/usr/lib/postgresql/15/bin")


def missing() -> str | None:
    """Why no cluster can be started here, or None (the binaries are there)."""
    for tool in ("initdb", "pg_ctl", "postgres"):
        if not (BIN / tool).exists():
            return f"PostgreSQL 15 is not installed ({BIN / tool} is missing)"
    return None


class Postgres:
    """One cluster: `start()`, `url`, `stop()`."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="sts-pg-"))
        self.root.chmod(0o755)  # its socket, for a pod's user too (the data stay 0700)
        self.data = self.root / "data"
        self._as: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        self.user = "postgres"

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [*self._as, *args], capture_output=True, text=True, timeout=60, cwd=self.root
        )
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {result.stdout}{result.stderr}")

    def start(self) -> Postgres:
        self._run(
            str(BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            self.user,
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
        )
        options = (
            f"-c listen_addresses='' -c unix_socket_directories={self.root} "
            "-c fsync=off -c full_page_writes=off -c synchronous_commit=off "
            "-c wal_level=minimal -c max_wal_senders=0 -c shared_buffers=16MB "
            "-c max_connections=200"
        )
        self._run(
            str(BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "postgres.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        self._wait()
        return self

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@/postgres?host={self.root}"

    def _wait(self) -> None:
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(self.url, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def database(self, name: str) -> str:
        """A new, empty database `name` in the cluster; its URL."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://{self.user}@/{name}?host={self.root}"

    def fresh(self, prefix: str = "t") -> str:
        """A new, empty database with a name of its own; its URL."""
        return self.database(f"{prefix}{uuid.uuid4().hex[:10]}")

    def stop(self) -> None:
        try:
            self._run(str(BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def session_cluster() -> Iterator[Postgres]:
    """A cluster for the whole test process, stopped at its end; the test skipped where the
    machine has no PostgreSQL 15 (as a fixture: `yield from session_cluster()`)."""
    if (why := missing()) is not None:
        pytest.skip(why)
    cluster = Postgres().start()
    try:
        yield cluster
    finally:
        cluster.stop()
