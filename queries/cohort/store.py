"""Validated cohorts kept on disk, keyed by the content hash of the files they came from.

A folder is read and checked once; later processes open the stored DuckDB file read-only and
answer in well under a second. The hash is the cohort's `data_version`.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import duckdb

__all__ = ["READER_VERSION", "CohortStore", "content_hash"]

# Bumped whenever reading or typing rules change, so a stored cohort is never stale code's.
READER_VERSION = "readers-2"  # 2: the _ae_worst summary table
_READ = {".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".toml"}
_INFO_TABLE = "_sts_cohort"


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
        return con, json.loads(info)

    def building(self, version: str) -> Path:
        """A private file to build into; `publish` moves it into place whole."""
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{version}.{os.getpid()}.building"
        tmp.unlink(missing_ok=True)
        return tmp

    def publish(self, con: duckdb.DuckDBPyConnection, tmp: Path, version: str, info: dict):
        con.execute(f"CREATE TABLE {_INFO_TABLE} (info VARCHAR)")
        con.execute(f"INSERT INTO {_INFO_TABLE} VALUES (?)", [json.dumps(info)])
        con.execute("CHECKPOINT")
        con.close()
        os.replace(tmp, self.path(version))
