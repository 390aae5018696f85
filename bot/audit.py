"""The audit log: one JSON line per command — who, where, when, the shape of what was asked,
what was decided — and never the answer, a filter value or a patient id (the gateway records
the command with its values replaced by keyed hashes, see `redact.py`).

Lines go to the `sts.audit` logger (a deployment's log collector picks them up) and, when
STS_AUDIT_LOG names a file, to that file too.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["AuditLog", "AuditRecord"]

log = logging.getLogger("sts.audit")


@dataclass(frozen=True, kw_only=True)
class AuditRecord:
    surface: str  # slash | share | console
    user: str
    team: str
    channel: str
    command: str  # the command's shape: metric, field names, values as keyed hashes
    outcome: str  # answer | error | refused
    fields: tuple[str, ...] = ()  # the fields the command filtered or grouped on
    suppressed: bool = False  # small cells were shown as <5
    metric: str | None = None
    kind: str | None = None  # the error kind for errors and refusals
    shared: bool = False
    ms: int = 0  # time to answer, for spotting slow commands


class AuditLog:
    """Appends records as JSON lines; safe to share between threads."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Who asked what is sensitive in itself: only the bot's own user may read the file.
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))

    def write(self, record: AuditRecord) -> str:
        """Write one record, stamped with the time (UTC); returns the line written."""
        at = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        line = json.dumps({**asdict(record), "at": at}, ensure_ascii=False, sort_keys=True)
        log.info(line)
        if self.path is not None:
            with self._lock, self.path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")
        return line
