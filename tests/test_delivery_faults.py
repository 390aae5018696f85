"""The fault-injection suite: the real `sts serve`, in HTTP and in Socket Mode, against a Slack
stand-in that answers 500, 429 past the retries, hangs, resets, drops and refuses connections,
with replays, Slack's retries, malformed and oversized requests, and a SIGTERM at once while
replies are still being retried (tests/fault_mix.py). Every command is delivered exactly once
or recorded lost with the asker told; no HTTP 500, no traceback, one audit record each."""

from __future__ import annotations

import json
import signal

import pytest

from tests.fault_mix import FAULTS, post, run_mix, start
from tests.log_guard import assert_clean
from tests.slack_stub import SlackStub, sign, slash_body
from tests.socket_stub import SocketModeStub


@pytest.mark.parametrize("socket_mode", [False, True], ids=["http", "socket"])
def test_every_reply_is_delivered_once_or_reported_lost(tmp_path, socket_mode):
    report = run_mix(tmp_path, socket_mode=socket_mode, commands=20, concurrency=6, seed=11)
    assert report.exit_code == 0  # SIGTERM drained: every delivery below finished before exit
    assert report.duplicates == []
    assert report.silent == []
    assert report.wrong == []
    assert set(report.records.values()) == {1}, report.records
    assert report.verdicts["lost"] >= sum(1 for k in FAULTS if FAULTS[k][1] == "lost")
    assert report.http_500 == 0 and report.tracebacks == 0
    if not socket_mode:  # malformed: 400, unsigned: 401, oversized: 413
        assert set(report.statuses) <= {"400", "401", "413"}, report.statuses


@pytest.mark.parametrize("socket_mode", [False, True], ids=["http", "socket"])
def test_sigterm_delivers_a_reply_being_retried_without_waiting_out_the_backoff(
    tmp_path, socket_mode
):
    """Production waits would outlast a container's grace period: on SIGTERM the wait is cut
    short and the reply still goes out before the process exits. The wait here is ten minutes,
    so a process that waited it out would fail `proc.wait` rather than a clock reading."""
    user = "U0F900001"
    with SlackStub() as stub, SocketModeStub() as socket:
        stub.fail(f"/respond/{user}", "boom", status=500)
        proc, address, _log = start(
            stub,
            tmp_path,
            socket if socket_mode else None,
            2,
            STS_DELIVERY_WAITS_MS="600000,600000",
        )
        body = slash_body("orr", response_url=stub.response_url(user), user=user)
        if socket_mode:
            socket.wait_ack(socket.slash(body))
        else:
            assert post(address, body.encode(), sign(body)) == 200
        stub.wait_for(f"/respond/{user}")  # the first attempt failed; the next waits 10 min
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        assert_clean(tmp_path)
        assert [c.status for c in stub.find(f"/respond/{user}")] == [500, 200]
    lines = [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text().splitlines()]
    (record,) = [x for x in lines if x.get("user") == user]
    assert [x["delivery"] for x in lines if x.get("id") == record["id"] and "delivery" in x] == [
        "delivered"
    ]
    assert "Traceback" not in (tmp_path / "server.log").read_text()
