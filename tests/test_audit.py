"""The audit log cannot be corrupted: whole lines only, a failed write withholds the answer
with a message saying why, and a log that cannot be written stops start-up with a message."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from pathlib import Path

import pytest

from sts_bot.gateway import audit as audit_module
from sts_bot.gateway.access import Asker, Policy
from sts_bot.gateway.audit import AuditLog, AuditRecord, AuditWriteFailed
from sts_bot.gateway.gateway import Gateway
from sts_bot.service.service import Service
from tests.slack_stub import SlackStub
from tests.test_slack_http import STS, server_env

ASKER = Asker(user="U0AUDIT01", team="T0TEAM001", channel="C0PUBLIC1")


def record(command: str, user: str = "U0AUDIT01") -> AuditRecord:
    return AuditRecord(
        surface="slash", user=user, team="T0", channel="C0", command=command, outcome="answer"
    )


def test_threads_writing_at_once_leave_only_whole_lines(tmp_path):
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    # Long lines (about 2.8 KB of 4-byte characters, within the record's 700-character cap):
    # a buffered writer's flushes would cut some of them between threads.
    command = "list regimen=" + "😀" * 680
    assert len(command.encode()) > 2700

    def write_many(user: str) -> None:
        for _ in range(50):
            log.write(record(command, user=user))

    threads = [threading.Thread(target=write_many, args=(f"U{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 400
    assert {line["user"] for line in lines} == {f"U{i}" for i in range(8)}
    assert all(line["command"] == command for line in lines)


def test_a_short_write_raises_and_the_next_record_starts_on_its_own_line(tmp_path, monkeypatch):
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    real_write = os.write

    def half(fd: int, data: bytes) -> int:  # what a write on a nearly full disk does
        return real_write(fd, data[: len(data) // 2])

    monkeypatch.setattr(audit_module.os, "write", half)
    with pytest.raises(AuditWriteFailed, match="short write"):
        log.write(record("orr first"))
    monkeypatch.setattr(audit_module.os, "write", real_write)
    log.write(record("orr second"))
    lines = path.read_text().splitlines()
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    assert len(lines) == 2  # the partial line, then the whole record on a line of its own
    assert [p["command"] for p in parsed] == ["orr second"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_withholds_the_answer_and_says_why(demo):
    gateway = Gateway(
        service=Service.over(demo), policy=Policy(), audit=AuditLog(Path("/dev/full"))
    )
    handled = gateway.handle("orr histology=LPS", ASKER, surface="slash")
    outcome = handled.outcome
    assert outcome.is_error and outcome.answer is None and not outcome.plots
    assert outcome.kind == "audit_unavailable"
    assert "withheld because it could not be recorded in the audit log" in outcome.text
    assert "25.0%" not in outcome.text


def test_a_long_command_is_capped_in_its_record(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    line = json.loads(log.write(record("x" * 100_000)))
    assert len(line["command"]) == 701 and line["command"].endswith("…")


def test_an_unwritable_audit_log_stops_start_up_with_a_message(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with SlackStub() as stub:
        done = subprocess.run(
            [*STS, "serve", "--http", "--port", "0"],
            env=server_env(stub, tmp_path, STS_AUDIT_LOG=str(blocker / "audit.jsonl")),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert "sts cannot start" in done.stderr
    assert f"STS_AUDIT_LOG: cannot write the audit log `{blocker / 'audit.jsonl'}`" in done.stderr
    assert "Traceback" not in done.stderr
