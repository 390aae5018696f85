"""The audit log: one JSON line per command — who, where, when, the shape of what was asked,
what was decided — and never the answer, a filter value or a patient id (the gateway records
the command with its values replaced by keyed hashes, see `redact.py`).

Lines go to the `sts.audit` logger (a deployment's log collector picks them up) and, when
STS_AUDIT_LOG names a file, to that file too. In a fleet (STS_DATABASE_URL) every line also
goes to the shared database (`sts_audit`), and a question's first line, `accepted`, is written
there in the transaction that precedes its ack (bot/fleet/questions.py): the record exists from
the ack on, whichever replica answers, and even if none does.

How a record reaches the file, so that the file cannot be corrupted:

- every command gets a record before anything is sent, and later a delivery line with the
  record's `id` saying whether the reply was `delivered` or `lost` (bot/slack/delivery.py);
- one `os.write` of the whole line (newline included) on a descriptor opened with `O_APPEND`,
  so lines from threads and from other processes on the same file never interleave;
- the file is opened for each record, so a rotated or replaced file is followed at once;
- fsync policy: every record is `fsync`ed before the answer goes out, so a command answered
  is a command recorded even across a power cut (commands come at the pace people type);
- a failed or short write (a full disk) raises `AuditWriteFailed`, and the gateway withholds
  the answer with a message saying why (fail closed). A short write leaves a partial line;
  the next record this process writes starts with a newline, so it is never glued onto it —
  a reader skips lines that do not parse as JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

from sts_bot.settings import SettingsError
from sts_queries.errors import StsError

__all__ = [
    "AnswerWithheld",
    "AuditLog",
    "AuditLogUnavailable",
    "AuditRecord",
    "AuditWriteFailed",
    "withheld",
]

log = logging.getLogger("sts.audit")
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)


def _new_id() -> str:
    return uuid.uuid4().hex[:16]


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
    # Joins the record to its delivery line (bot/slack/delivery.py: the record comes first).
    id: str = field(default_factory=_new_id)


class AuditWriteFailed(OSError):
    """A record did not reach the file whole: no answer may go out for it."""


class AuditLogUnavailable(SettingsError):
    """The audit log cannot be written at start-up: the process must not serve."""


class AnswerWithheld(StsError):
    kind = "audit_unavailable"


def withheld(exc: OSError) -> AnswerWithheld:
    """What the asker is told when their answer could not be recorded (the log gets a ref)."""
    ref = uuid.uuid4().hex[:8]
    log.error("audit record not written ref=%s: %s; answer withheld", ref, exc)
    return AnswerWithheld(
        f"Your answer was withheld because it could not be recorded in the audit log (ref {ref}).",
        hint="Nothing is answered unrecorded. Try again later; the team can find the ref in "
        "the server log.",
    )


# A command is capped long before this (queries/parse.py), but the record is written before
# that check matters, so the record caps it too: a log line stays a log line (log_filters.py
# caps every line at 1,000 characters; the record's other fields take the rest).
_MAX_COMMAND_IN_RECORD = 700


class Trail(Protocol):
    """Where a fleet keeps its audit lines (bot/fleet/shared.py's AuditTrail)."""

    def append(self, record: str, line: str) -> None: ...


class AuditLog:
    """Appends records as whole JSON lines; safe to share between threads and processes."""

    def __init__(self, path: Path | None = None, *, trail: Trail | None = None) -> None:
        self.path = path
        self.trail = trail
        self._lock = threading.Lock()
        self._torn = False  # a short write left a partial line: start the next on a new one
        self._failure: str | None = None  # why the last write failed, until one succeeds
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                # Who asked what is sensitive in itself: only the bot's own user may read it.
                os.close(os.open(path, _FLAGS, 0o600))
            except OSError as exc:
                raise AuditLogUnavailable(
                    [
                        f"STS_AUDIT_LOG: cannot write the audit log `{path}` "
                        f"({exc.strerror or exc}). Point it at a file in a folder this user "
                        "can write, or leave it unset to log to the server log only."
                    ]
                ) from None

    def write(self, record: AuditRecord) -> str:
        """Write one record, stamped with the time (UTC); returns the line written.

        Raises OSError (AuditWriteFailed for a short write) when the record is not on disk.
        """
        at = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        fields = asdict(record)
        if len(record.command) > _MAX_COMMAND_IN_RECORD:
            fields["command"] = record.command[:_MAX_COMMAND_IN_RECORD] + "…"
        line = json.dumps({**fields, "at": at}, ensure_ascii=False, sort_keys=True)
        self._keep(record.id, line)
        return line

    def accepted(self, record: AuditRecord) -> str:
        """The line of a question acknowledged and not yet answered (a fleet's first line):
        who asked where, and the command's shape; the caller stores it with the question."""
        at = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        fields = {
            key: value
            for key, value in asdict(record).items()
            if key in ("id", "surface", "user", "team", "channel", "command", "fields")
        }
        fields["command"] = fields["command"][:_MAX_COMMAND_IN_RECORD]
        return json.dumps(
            {**fields, "accepted": True, "at": at}, ensure_ascii=False, sort_keys=True
        )

    def echo(self, line: str) -> None:
        """A line already in the shared trail, to the server log and the file as well."""
        log.info(line)
        if self.path is not None:
            self._append(line)

    def _keep(self, record: str, line: str) -> None:
        self.echo(line)
        if self.trail is not None:
            try:
                self.trail.append(record, line)
            except Exception as exc:  # the database is unreachable: nothing goes out unrecorded
                raise AuditWriteFailed(f"the shared audit trail: {exc}") from exc

    def delivery(self, record: str, verdict: str, *, told: str | None = None) -> str:
        """The line completing record `record`: its reply `delivered` or `lost` (and, for a
        loss, how the asker was told: ephemeral, dm, or None). Same write rules as records."""
        at = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        entry = {"id": record, "delivery": verdict, "at": at}
        if verdict != "delivered":
            entry["told"] = told
        line = json.dumps(entry, sort_keys=True)
        self._keep(record, line)
        return line

    def _append(self, line: str) -> None:
        data = (line + "\n").encode("utf-8")
        with self._lock:
            if self._torn:
                data = b"\n" + data
            try:
                self._write(data)
            except OSError as exc:
                self._failure = str(exc.strerror or exc)
                raise
            self._failure = None

    def _write(self, data: bytes) -> None:
        fd = os.open(self.path, _FLAGS, 0o600)
        try:
            written = os.write(fd, data)
            if written != len(data):
                self._torn = True
                raise AuditWriteFailed(
                    f"short write to {self.path}: {written} of {len(data)} bytes"
                )
            self._torn = False
            os.fsync(fd)
        finally:
            os.close(fd)

    def problem(self) -> str | None:
        """Why a record cannot be written now, or None (for /readyz).

        The file is opened as a record would open it; after a failed write, a newline is
        written for real (a full disk opens fine), which also ends a torn line."""
        if self.path is None:
            return None
        with self._lock:
            try:
                if self._failure is not None:
                    self._write(b"\n")
                    self._failure = None
                else:
                    os.close(os.open(self.path, _FLAGS, 0o600))
            except OSError as exc:
                self._failure = self._failure or str(exc.strerror or exc)
                return f"cannot write the audit log {self.path}: {exc.strerror or exc}"
        return None
