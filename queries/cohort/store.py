"""Validated cohorts kept on disk, keyed by the content hash of the files they came from.

A folder is read and checked once; later processes open the stored DuckDB file read-only and
answer in well under a second. The hash is the cohort's `data_version`.

Several processes may share the store (replicas on one volume, first started together):

- one builder at a time: a build holds an exclusive `flock` on `.build.lock` in the store, and
  looks again for the stored file once it has the lock (the process before it may have built
  it). The kernel drops the lock when its holder dies, kill -9 included; on NFS, Linux maps
  flock onto the server's byte-range locks;
- a build writes into a file of its own (`.<hash>.<host>.<pid>.<random>.building`: the PID alone
  is 1 in every container) and publishes it with one `os.replace`, so a reader sees the whole
  file or none;
- a `.building` file (and its DuckDB `.wal`) left by a builder that died is deleted by the next
  process that takes the lock, at start-up included: while the lock is held no other build
  runs, so every such file is stale.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb

__all__ = ["READER_VERSION", "CohortStore", "content_hash"]

# Bumped whenever reading or typing rules change, so a stored cohort is never stale code's.
READER_VERSION = "readers-2"  # 2: the _ae_worst summary table
_READ = {".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".toml"}
_INFO_TABLE = "_sts_cohort"
_LOCK = ".build.lock"
_BUILDING = ".building"


def content_hash(folder: Path) -> str:
    """A hash of every file the reader would read, with its name; hidden and lock files aside."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(READER_VERSION.encode())
    for path in sorted(folder.iterdir()):
        if path.name.startswith(("~$", ".")) or not path.is_file():
            continue
        if path.suffix.lower() not in _READ:
            continue
        digest.update(path.name.encode() + b"\0")
        with path.open("rb") as fh:
            digest.update(hashlib.file_digest(fh, "blake2b").digest())
    return digest.hexdigest()


def _host() -> str:
    """This host's name, as a file name may hold it."""
    name = socket.gethostname() or "host"
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:64]


class CohortStore:
    """A folder of `<hash>.duckdb` files, each one validated cohort and what was learnt on load."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, version: str) -> Path:
        return self.root / f"{version}.duckdb"

    def open(self, version: str) -> tuple[duckdb.DuckDBPyConnection, dict] | None:
        """The stored cohort (read-only connection, load info), or None when not stored."""
        path = self.path(version)
        if not path.exists():
            return None
        try:
            con = duckdb.connect(str(path), read_only=True)
            con.execute("SET enable_progress_bar = false")
            (info,) = con.execute(f"SELECT info FROM {_INFO_TABLE}").fetchone()
        except duckdb.Error:
            return None  # a damaged or foreign file: read the folder again
        self.clean_if_idle()
        return con, json.loads(info)

    @contextlib.contextmanager
    def builder(self) -> Iterator[None]:
        """Hold the store's build lock (waiting for another builder); stale builds go first."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / _LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._clean()
            yield
        finally:
            os.close(fd)  # and with it the lock

    def clean_if_idle(self) -> None:
        """Delete stale builds when no build runs now (the lock is free); else leave them."""
        try:
            fd = os.open(self.root / _LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError:
            return  # a read-only store: nothing can be built or cleaned here anyway
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return  # someone is building: their file is not stale
        try:
            self._clean()
        finally:
            os.close(fd)

    def _clean(self) -> None:
        """Delete every build in progress: only called with the lock held, so all are stale."""
        for path in self.root.glob(f".*{_BUILDING}*"):
            path.unlink(missing_ok=True)

    def building(self, version: str) -> Path:
        """A private file to build into (called with the lock held); `publish` moves it."""
        unique = f"{_host()}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
        return self.root / f".{version}.{unique}{_BUILDING}"

    def publish(self, con: duckdb.DuckDBPyConnection, tmp: Path, version: str, info: dict):
        con.execute(f"CREATE TABLE {_INFO_TABLE} (info VARCHAR)")
        con.execute(f"INSERT INTO {_INFO_TABLE} VALUES (?)", [json.dumps(info)])
        con.execute("CHECKPOINT")
        con.close()
        os.replace(tmp, self.path(version))
