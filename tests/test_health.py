"""/livez and /readyz of the real `sts serve --http`, asked over HTTP while things go wrong:
the audit log cannot be written, Slack answers 500, newer data is refused.

One server per mode serves the module (tests/test_slack_http.py's helpers), against the local
Slack stand-in; each test puts back what it broke, so the next finds the server as it started.
What is awaited is awaited with a deadline, never timed.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sts_bot.gateway.health import CountedPool, Readiness
from sts_queries.cohort.cohort import demo_path
from tests.slack_stub import SlackStub, sign, slash_body
from tests.test_slack_http import server_env, shared_state, start_server, stop

ADMIN = "U0ADMIN01"


def probe(address: str, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://{address}{path}", timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def ready(address: str) -> tuple[int, dict]:
    status, body = probe(address, "/readyz")
    return status, json.loads(body)


def eventually(check, what: str, timeout: float = 60.0):
    """Ask `check()` until it returns something true (a deadline, not a measure)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.1)
    raise AssertionError(f"never: {what}")


@pytest.fixture(scope="module", params=["one process", "fleet"])
def server(request, tmp_path_factory):
    """`sts serve --http` alone, and as a fleet replica (STS_DATABASE_URL: its replies go out
    through the shared queue's workers), on the test process's PostgreSQL (conftest.py).
    No plot is asked for: plots are drawn in-process."""
    extra = {}
    if request.param == "fleet":
        extra["STS_DATABASE_URL"] = request.getfixturevalue("postgres").fresh("h")
    tmp = tmp_path_factory.mktemp("health")
    cohort = shutil.copytree(demo_path(), tmp / "cohort")
    with SlackStub() as stub:
        env = server_env(
            stub,
            tmp,
            STS_DATA=str(cohort),
            STS_ADMINS=ADMIN,
            STS_AUDIT_LOG=str(tmp / "audit" / "audit.jsonl"),
            STS_PLOT_PROCESSES="0",
            STS_STATE_DIR=shared_state(tmp_path_factory),
            **extra,
        )
        proc, address = start_server(env, tmp)
        try:
            yield stub, address, tmp
        finally:
            stop(proc, tmp)


def test_alive_ready_and_healthz_the_same_as_readyz(server):
    _, address, _ = server
    assert probe(address, "/livez") == (200, "alive\n")
    status, report = ready(address)
    assert status == 200 and report["ready"] is True
    fleet = {"database"} if "database" in report["checks"] else set()
    assert set(report["checks"]) == {"cohort", "audit", "backlog", "slack", "new_data"} | fleet
    assert all(check["ok"] for check in report["checks"].values()), report
    assert "Ni et al. 2024" in report["checks"]["cohort"]["detail"]
    assert probe(address, "/healthz")[0] == 200
    assert json.loads(probe(address, "/healthz")[1])["checks"].keys() == report["checks"].keys()


def test_an_audit_log_that_cannot_be_written_makes_it_not_ready_until_it_can(server):
    stub, address, tmp = server
    audit = tmp / "audit" / "audit.jsonl"
    audit.unlink()
    audit.mkdir()  # what a record would be appended to cannot be opened
    status, report = ready(address)
    assert status == 503 and report["ready"] is False
    assert not report["checks"]["audit"]["ok"]
    assert "Is a directory" in report["checks"]["audit"]["detail"]
    assert probe(address, "/livez")[0] == 200  # alive: nothing to restart
    audit.rmdir()
    assert ready(address)[0] == 200
    # A full disk opens fine; the record that fails says so, and readiness with it.
    audit.unlink()
    audit.symlink_to("/dev/full")
    body = slash_body("orr", response_url=stub.response_url("U0FULL001"))
    request = urllib.request.Request(f"http://{address}/slack/events", body.encode(), sign(body))
    try:
        acked = urllib.request.urlopen(request, timeout=10).status == 200
    except urllib.error.HTTPError as exc:  # a fleet records at the ack: refused there
        acked, refused = False, exc.code
        assert refused == 500
    if acked:  # one process records once answered: the answer is withheld
        reply = json.loads(stub.wait_for("/respond/U0FULL001")[0].body)
        assert "withheld" in json.dumps(reply)
    status, report = ready(address)
    assert status == 503 and "No space left" in report["checks"]["audit"]["detail"]
    audit.unlink()
    audit.touch(mode=0o600)  # space again: the next probe writes a newline for real
    assert ready(address)[0] == 200
    # The probe's newline, written for real; in a fleet the question refused at the ack may
    # still be answered from the queue (its line lands beside it, whenever the worker gets to it).
    lines = audit.read_text().split("\n")
    assert "" in lines[:-1] and all(json.loads(line) for line in lines if line)


def test_slack_answering_500_is_reported_without_taking_the_replica_out(server):
    stub, address, _ = server
    stub.fail("*", "internal_error", status=500, times=1000)  # every call, response_urls too
    body = slash_body("orr", response_url=stub.response_url("U0DOWN001"))
    request = urllib.request.Request(f"http://{address}/slack/events", body.encode(), sign(body))
    assert urllib.request.urlopen(request, timeout=10).status == 200  # the ack needs no Slack

    def reported():
        status, report = ready(address)
        return (status, report) if not report["checks"]["slack"]["ok"] else None

    try:
        status, report = eventually(reported, "Slack's 500s in /readyz")
        assert status == 200 and report["ready"] is True  # reported, not blocking (health.py)
        assert "HTTP 500" in report["checks"]["slack"]["detail"]
    finally:  # Slack answers again; the next reply that goes through clears the report
        stub.clear_failures()
        body = slash_body("count", response_url=stub.response_url("U0BACK001"))
        urllib.request.urlopen(
            urllib.request.Request(f"http://{address}/slack/events", body.encode(), sign(body)),
            timeout=10,
        )
        stub.wait_for("/respond/U0BACK001", timeout=30)
        eventually(lambda: ready(address)[1]["checks"]["slack"]["ok"], "Slack back in /readyz")


def test_newer_data_refused_shows_in_the_body_and_is_told_to_the_admins_once(server):
    stub, address, tmp = server
    patients = Path(tmp / "cohort" / "patients.csv")
    marker = patients.parent / "_SUCCESS"
    served = patients.read_text()
    patients.write_text(served.replace("\n2,M,72,LPS", "\n1,M,72,LPS", 1))
    # Published whole (the marker, created last): taken up at once, not after the two seconds
    # a hand-edited folder must stay unchanged (that rule: tests/test_reload.py, test_publish.py).
    marker.touch()

    def refused():
        status, report = ready(address)  # asking also notices the new files
        return (status, report) if not report["checks"]["new_data"]["ok"] else None

    try:
        status, report = eventually(refused, "the refused data in /readyz")
        assert status == 200  # the version before still answers
        detail = report["checks"]["new_data"]["detail"]
        assert "newer data refused" in detail and "duplicate patient_id" in detail
        told = eventually(
            lambda: [c for c in stub.find("chat.postMessage") if c.data.get("channel") == ADMIN],
            "the admin's DM",
        )
        for _ in range(5):
            ready(address)
        assert len([c for c in stub.find("chat.postMessage") if c.data["channel"] == ADMIN]) == 1
        assert "duplicate patient_id" in told[0].data["text"]
    finally:  # the files as served, published whole (the marker, gone while they are copied)
        marker.unlink(missing_ok=True)
        patients.write_text(served)
        marker.touch()
        eventually(lambda: ready(address)[1]["checks"]["new_data"]["ok"], "the data served")


def test_a_backlog_past_its_bound_is_not_ready():
    pool = CountedPool(1)
    release = threading.Event()
    readiness = Readiness()
    readiness.add("backlog", pool.backlog_check(1))
    try:
        futures = [pool.submit(release.wait, 30)]
        assert readiness.report()["ready"]  # one running, none waiting
        futures += [pool.submit(release.wait, 30) for _ in range(2)]
        report = readiness.report()
        assert not report["ready"]
        assert report["checks"]["backlog"]["detail"].startswith("2 question(s) waiting")
        release.set()
        for future in futures:
            future.result(timeout=30)
        assert readiness.report()["ready"]
    finally:
        release.set()
        pool.shutdown()


def test_a_check_that_breaks_is_not_ready_and_says_so():
    readiness = Readiness()
    readiness.add("reported", lambda: (False, "down"), blocks=False)
    assert readiness.report()["ready"]
    readiness.add("database", lambda: 1 / 0)
    report = readiness.report()
    assert not report["ready"]
    assert report["checks"]["database"]["detail"] == "the check failed: ZeroDivisionError"
