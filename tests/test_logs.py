"""A server at DEBUG, asked everything that once leaked into a log, leaves no patient id,
filter value, response_url or token in its logs (tests/log_guard.py, which every server test
also applies to its own logs when its server stops), and its audit lines still say who asked
what.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.log_guard import leaks, log_files
from tests.slack_stub import SlackStub, action_body, sign, slash_body
from tests.test_slack_http import PATIENT_CHANNEL, Served, server_env, shared_state, start_server


@pytest.fixture(scope="module")
def logged(tmp_path_factory) -> Path:
    """One more server at DEBUG, asked everything that once leaked into a log."""
    tmp = tmp_path_factory.mktemp("logs")
    with SlackStub() as stub:
        env = server_env(
            stub,
            tmp,
            STS_LOG_LEVEL="DEBUG",
            STS_PLOT_PROCESSES="0",
            STS_STATE_DIR=shared_state(tmp_path_factory),
        )
        proc, address = start_server(env, tmp)
        served = Served(stub=stub, address=address, audit=tmp / "audit.jsonl")
        try:
            user = "U0LOGS001"
            url = stub.response_url(user)
            rejected = slash_body("patient 8", response_url=url, user=user)
            assert served.post(rejected, {"Content-Type": "application/x-www-form-urlencoded"})[0]
            served.command("patient 8", user=user)  # refused in public
            served.command("orr histology=LPS sex=M", user="U0LOGS002", channel=PATIENT_CHANNEL)
            served.command("count id=8\nFORGED 2026-01-01 INFO sts.audit: {}", user="U0LOGS003")
            body = action_body(
                "patient 8", response_url=stub.response_url("U0LOGS004"), user="U0LOGS004"
            )
            served.post(body, sign(body))
            stub.wait_for("/respond/U0LOGS004")
        finally:
            proc.terminate()  # SIGTERM: the answers acknowledged, and their lines, finish first
            proc.wait(timeout=10)
    return tmp


def test_no_log_line_holds_phi_a_response_url_or_a_token(logged):
    files = log_files(logged)
    assert logged / "server.log" in files and logged / "audit.jsonl" in files
    assert (logged / "server.log").stat().st_size > 1000  # DEBUG: there is plenty to read
    found = leaks(logged)
    assert not found, "\n".join(found[:20])


@pytest.mark.parametrize(
    "line",
    [
        "INFO sts.audit: patient_id=8 asked",
        "DEBUG slack_bolt: body=...&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands",
        "DEBUG token xoxb-123",
        "INFO answered orr histology=LPS",
        "x" * 1300,
    ],
)
def test_the_guard_finds_each_kind_of_leak(tmp_path, line):
    (tmp_path / "server.log").write_text("INFO serving\n" + line + "\n")
    assert len(leaks(tmp_path)) >= 1


def test_the_audit_lines_still_say_who_asked_what_and_what_was_decided(logged):
    lines = [json.loads(line) for line in (logged / "audit.jsonl").read_text().splitlines()]
    by_user = {line["user"]: line for line in lines if "user" in line}  # not delivery lines
    assert set(by_user) == {"U0LOGS001", "U0LOGS002", "U0LOGS003", "U0LOGS004"}  # not the forgery
    refused = by_user["U0LOGS001"]
    assert (refused["metric"], refused["outcome"], refused["kind"]) == (
        "patient",
        "refused",
        "not_allowed",
    )
    answered = by_user["U0LOGS002"]
    assert answered["fields"] == ["histology", "sex"] and answered["outcome"] == "answer"
    assert re.fullmatch(r"orr histology=h:[0-9a-f]{16} sex=h:[0-9a-f]{16}", answered["command"])
    # The same id typed twice hashes the same: `patient 8` and the button's `patient 8`.
    assert refused["command"] == by_user["U0LOGS004"]["command"]
