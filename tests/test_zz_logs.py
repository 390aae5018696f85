"""No audit or server log line holds a patient id, a filter value, a response_url or a token.

Named to run last: it greps every audit file and server log the whole suite wrote under
pytest's temporary folder (tests/test_slack_http.py's servers log to `server.log` beside their
audit file), after driving one more server, at DEBUG, through what leaked before: a rejected
request (Bolt logs its body), patient-level commands, the share button, a newline in a command.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from tests.slack_stub import SECRET, SlackStub, action_body, sign, slash_body
from tests.test_slack_http import PATIENT_CHANNEL, Served, server_env, start_server

# What the suite types as filter values and ids, and what those answers show of patient 8.
LEAKS = {
    "a response_url": re.compile(r"/respond/|hooks\.slack\.com"),
    "a token": re.compile(r"xox[abp]-|xapp-|" + SECRET),
    "a patient id": re.compile(
        r"\b(patient|case|id|patient_id)\s*[= ]\s*['\"]?\d|Case \d|cases? \d", re.IGNORECASE
    ),
    "a filter value": re.compile(r"LPS|sex=M|age=40|stage=I|as_of=2019|Endostar|FORGED"),
}
MAX_LINE = 1200  # the filter caps a message at 1,000 characters; a timestamp and names precede


def log_files(root: Path) -> list[Path]:
    return sorted(
        p for p in root.rglob("*") if p.is_file() and p.name.endswith((".log", "audit.jsonl"))
    )


@pytest.fixture(scope="module")
def logged(tmp_path_factory) -> Path:
    """One more server at DEBUG, asked everything that once leaked into a log."""
    tmp = tmp_path_factory.mktemp("logs")
    with SlackStub() as stub:
        env = server_env(stub, tmp, STS_LOG_LEVEL="DEBUG")
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
            time.sleep(0.5)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    return tmp


def test_no_log_line_of_the_suite_holds_phi_a_response_url_or_a_token(logged):
    root = logged.parent  # pytest's temporary folder for the whole session
    files = log_files(root)
    server_logs = [f for f in files if f.name == "server.log"]
    assert logged / "server.log" in server_logs and logged / "audit.jsonl" in files
    assert (logged / "server.log").stat().st_size > 1000  # DEBUG: there is plenty to read
    found = []
    for path in files:
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            for what, pattern in LEAKS.items():
                if pattern.search(line):
                    found.append(f"{path.relative_to(root)}:{number}: {what}: {line[:160]}")
            if len(line) > MAX_LINE:
                found.append(f"{path.relative_to(root)}:{number}: {len(line)} characters")
    assert not found, "\n".join(found[:20])


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
