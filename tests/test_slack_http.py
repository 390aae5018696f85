"""The real `sts serve --http` against a local stand-in for Slack, with requests signed as
Slack signs them: acks, replies through response_url, uploads, sharing, access, the audit log.

One server process serves the whole module (it starts in about two seconds); each test asks as
its own user, so its replies and audit lines are its own.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.log_guard import assert_clean
from tests.slack_stub import (
    BOT_USER,
    SECRET,
    SlackStub,
    action_body,
    sign,
    slash_body,
)

STS = [sys.executable, "-m", "sts_bot.cli"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PATIENT_CHANNEL = "C0PATIENT"
# What `patient 8`'s card shows about the patient: none of it may reach the audit log.
PATIENT_8_FACTS = ("Endostar", "Neutropenia", "2019-09-17", "censored", "Resected")


def server_env(stub: SlackStub, tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STS_"))}
    env.update(
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=stub.api_url,
        STS_AUDIT_LOG=str(tmp / "audit.jsonl"),
        STS_PATIENT_CHANNELS=PATIENT_CHANNEL,
        STS_PATIENT_DMS="true",
        STS_LOG_LEVEL="WARNING",
        # Replies are retried after short waits here (production: 2 s … 5 min).
        STS_DELIVERY_WAITS_MS="20,50",
        MPLBACKEND="Agg",
    )
    env.update(extra)
    return env


def shared_state(factory: pytest.TempPathFactory) -> str:
    """An STS_STATE_DIR for this test process's servers to share: the demo cohort is validated
    and stored there once, then opened read-only by each server after it (as replicas sharing
    a volume do; queries/cohort/store.py), instead of every server building its own."""
    return str(factory.getbasetemp() / "sts-state")


def start_server(env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen, str]:
    """`sts serve --http` on a free port; returns the process and its base URL.

    Its log (stderr) goes to `server.log` in `cwd`; `stop` checks it (tests/log_guard.py).
    """
    proc, address, _ = start_server_saying(env, cwd)
    return proc, address


def start_server_saying(env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen, str, str]:
    """`start_server`, and the line the server printed when it started listening. No --host:
    where it listens by default (this machine only) is what it says."""
    log = (cwd / "server.log").open("a", encoding="utf-8")
    proc = subprocess.Popen(
        [*STS, "serve", "--http", "--port", "0"],
        env=env,
        cwd=cwd,  # no stray .env from the repository
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    log.close()  # the server holds its own copy
    line = proc.stdout.readline()  # the "serving … on http://127.0.0.1:PORT/slack/events" line
    if "http://" not in line:
        proc.kill()
        raise AssertionError(f"server did not start: {line}{(cwd / 'server.log').read_text()}")
    return proc, line.split("http://", 1)[1].split("/", 1)[0], line


def stop(proc: subprocess.Popen, folder: Path) -> None:
    """Stop a server and read its logs: nothing in them may identify a patient."""
    proc.terminate()
    proc.wait(timeout=10)
    assert_clean(folder)


@dataclass
class Served:
    stub: SlackStub
    address: str
    audit: Path
    said: str = ""  # what it printed when it started listening

    def post(self, body: str, headers: dict[str, str]) -> tuple[int, float]:
        """POST to /slack/events; the HTTP status and how long the ack took (seconds)."""
        request = urllib.request.Request(
            f"http://{self.address}/slack/events", data=body.encode(), headers=headers
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        return status, time.perf_counter() - started

    def command(self, text: str, *, user: str, channel: str = "C0PUBLIC1") -> dict:
        """Send a signed `/sts text` and return the JSON that reached its response_url."""
        body = slash_body(
            text, response_url=self.stub.response_url(user), user=user, channel=channel
        )
        status, _ = self.post(body, sign(body))
        assert status == 200, status
        # A deadline, not a measure: a plot drawn on a loaded machine (2 cores, the suite's
        # other worker and its servers) has taken longer than the stand-in's default 10 s.
        return json.loads(self.stub.wait_for(f"/respond/{user}", timeout=30)[0].body)

    def audit_lines(self, user: str) -> list[dict]:
        lines = self.audit.read_text().splitlines() if self.audit.exists() else []
        # The records, not their delivery lines (which carry only the record's id).
        return [r for r in map(json.loads, lines) if r.get("user") == user]


def texts(payload: dict) -> str:
    """Every piece of text in a message's blocks, for assertions."""
    return json.dumps(payload.get("blocks", []), ensure_ascii=False)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    with SlackStub() as stub:
        # Plots drawn in-process (the same PNGs); the SIGTERM test below keeps the workers.
        env = server_env(
            stub, tmp, STS_PLOT_PROCESSES="0", STS_STATE_DIR=shared_state(tmp_path_factory)
        )
        proc, address, said = start_server_saying(env, tmp)
        try:
            yield Served(stub=stub, address=address, audit=tmp / "audit.jsonl", said=said)
        finally:
            stop(proc, tmp)


def test_the_server_prints_where_it_listens_by_default(served):
    # Started without --host or STS_HOST (server_env drops every STS_ variable it is not given):
    # HTTP mode listens on this machine only (tests/test_safe_defaults.py: the setting itself).
    assert "on http://127.0.0.1:" in served.said


def test_orr_is_acked_within_3s_and_answered_privately(served):
    # In the patient channel: four patients, answered in full (a public channel refuses it).
    reply = served.command("orr histology=LPS", user="U0ORR0001", channel=PATIENT_CHANNEL)
    assert reply["response_type"] == "ephemeral"
    blocks = reply["blocks"]
    assert blocks[0]["type"] == "header"
    assert blocks[0]["text"]["text"] == "ORR · histology = LPS · n = 4"  # what was understood
    assert "25.0% (1/4), 95% CI 0.6%–80.6%" in texts(reply)
    assert "Clopper–Pearson" in texts(reply)  # the method, in the context line
    button = blocks[-1]["elements"][0]
    assert (button["action_id"], button["value"]) == ("sts_share", "orr histology=LPS")
    (line,) = served.audit_lines("U0ORR0001")
    assert (
        line.items()
        >= {
            "surface": "slash",
            "team": "T0TEAM001",
            "channel": PATIENT_CHANNEL,
            "outcome": "answer",
            "metric": "orr",
            "kind": None,
            "shared": False,
        }.items()
    )
    assert line["at"].endswith("+00:00") and isinstance(line["ms"], int)
    assert line["command"].startswith("orr histology=h:") and line["fields"] == ["histology"]
    posted = [json.dumps(c.data) for c in served.stub.find("chat.postMessage")]
    assert not any("U0ORR0001" in p for p in posted)  # nothing public


def test_pfs_uploads_a_png_privately_in_three_steps_and_shows_it(served):
    # A DM (allowed here): the KM plot's at-risk table shows small numbers, so a public
    # channel gets the numbers without it.
    reply = served.command("pfs", user="U0PFS0001", channel="D0PFS0001")
    image = next(b for b in reply["blocks"] if b["type"] == "image")
    file_id = image["slack_file"]["id"]
    stub = served.stub
    asked = next(
        c for c in stub.find("files.getUploadURLExternal") if c.data["filename"].endswith(".png")
    )
    upload = stub.find(f"/upload/{file_id}")[0]
    complete = next(
        c for c in stub.find("files.completeUploadExternal") if c.data["files"][0]["id"] == file_id
    )
    assert upload.body.startswith(PNG_SIGNATURE)
    assert int(asked.data["length"]) == len(upload.body)
    assert asked.at < upload.at < complete.at < stub.find("/respond/U0PFS0001")[0].at
    assert "channel_id" not in complete.data and "channels" not in complete.data  # private
    assert "Median PFS 8.25 months" in texts(reply)


def test_unsigned_and_stale_requests_get_401_and_no_reply(served):
    user = "U0BAD0001"
    body = slash_body("orr", response_url=served.stub.response_url(user), user=user)
    unsigned = {"Content-Type": "application/x-www-form-urlencoded"}
    assert served.post(body, unsigned)[0] == 401
    stale = sign(body, timestamp=int(time.time()) - 600)
    assert served.post(body, stale)[0] == 401
    forged = sign(body, secret="f" * 32)
    assert served.post(body, forged)[0] == 401
    # A 401 means Bolt scheduled nothing; a signed command sent after them is answered, and
    # by then nothing has come for the rejected ones.
    served.command("count", user="U0AFTER01")
    assert not served.stub.find(f"/respond/{user}")
    assert served.audit_lines(user) == []


def test_a_typo_gets_a_reply_suggesting_the_field(served):
    reply = served.command("orr histolgy=LPS", user="U0TYPO001")
    assert "Unknown field `histolgy`" in texts(reply)
    assert "Did you mean `histology`?" in texts(reply)
    assert "actions" not in texts(reply)  # nothing to share
    (line,) = served.audit_lines("U0TYPO001")
    assert (line["outcome"], line["kind"], line["metric"]) == ("error", "unknown_field", None)


def test_share_button_posts_in_the_channel_through_a_rate_limit(served):
    user = "U0SHARE01"
    stub = served.stub
    stub.fail("chat.postMessage", "ratelimited", status=429)  # retried by slack_sdk's handler
    body = action_body(
        "orr histology=LPS",
        response_url=stub.response_url(user),
        user=user,
        channel=PATIENT_CHANNEL,
    )
    status, _ = served.post(body, sign(body))
    assert status == 200
    mine = stub.wait_for("chat.postMessage", count=2, where=lambda c: user in c.body.decode())
    assert mine[0].body == mine[1].body  # the same post again after the 429
    posted = mine[-1].data
    assert posted["channel"] == PATIENT_CHANNEL
    assert "25.0% (1/4)" in json.dumps(posted["blocks"], ensure_ascii=False)
    assert f"Shared by <@{user}>" in json.dumps(posted["blocks"])
    cleanup = json.loads(stub.wait_for(f"/respond/{user}")[0].body)
    assert cleanup == {"delete_original": True}  # the private copy makes way
    (line,) = served.audit_lines(user)
    assert (line["surface"], line["shared"], line["metric"]) == ("share", True, "orr")


def test_share_where_the_bot_is_not_a_member_says_how_to_fix_it(served):
    user = "U0NOTIN01"
    served.stub.fail("chat.postMessage", "not_in_channel")
    body = action_body("orr", response_url=served.stub.response_url(user), user=user)
    assert served.post(body, sign(body))[0] == 200
    note = json.loads(served.stub.wait_for(f"/respond/{user}")[0].body)
    assert note["text"].startswith("Not shared: I'm not a member of this channel")
    assert f"/invite <@{BOT_USER}>" in note["text"]


def test_share_option_posts_plots_into_the_channel(served):
    user = "U0SHOPT01"
    body = slash_body(
        "pfs share", response_url=served.stub.response_url(user), user=user, channel=PATIENT_CHANNEL
    )
    assert served.post(body, sign(body))[0] == 200
    stub = served.stub

    (post,) = stub.wait_for("chat.postMessage", where=lambda c: user in c.body.decode())
    assert post.data["channel"] == PATIENT_CHANNEL and "Median PFS" in post.body.decode()
    (upload,) = stub.wait_for(
        "files.completeUploadExternal", where=lambda c: c.at > post.at and "channel_id" in c.data
    )
    assert upload.data["channel_id"] == PATIENT_CHANNEL  # the plot, shared into the channel
    assert not stub.find(f"/respond/{user}")  # shared, so nothing private


@pytest.mark.parametrize(
    ("channel", "answered"),
    [("C0PUBLIC1", False), (PATIENT_CHANNEL, True), ("D0ASKER01", True)],
    ids=["public channel: refused", "configured channel", "direct message"],
)
def test_patient_level_commands_only_where_configured(served, channel, answered):
    user = f"U0PT{channel[:5]}"
    reply = served.command("patient 8", user=user, channel=channel)
    shown = texts(reply)
    if answered:
        assert "Case 8" in shown and "Endostar" in shown
    else:
        assert "patient-level answers (`patient`) are not given here" in shown
        assert not any(fact in shown for fact in PATIENT_8_FACTS)
    (line,) = served.audit_lines(user)
    assert line["metric"] == "patient"
    assert line["outcome"] == ("answer" if answered else "refused")
    assert line["channel"] == channel and line["command"].startswith("patient h:")
    audit = served.audit.read_text()
    assert not any(fact in audit for fact in PATIENT_8_FACTS)


def test_healthz_is_readyz(served):
    with urllib.request.urlopen(f"http://{served.address}/healthz", timeout=5) as response:
        assert response.status == 200 and json.loads(response.read())["ready"] is True


@pytest.mark.parametrize(
    ("mode", "extra", "problem"),
    [
        (["--http"], {"SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET: is not set"),
        ([], {}, "SLACK_APP_TOKEN: is not set"),  # Socket Mode needs the app-level token
        (["--http"], {"STS_PATIENT_CHANNELS": "#tumor-board"}, "STS_PATIENT_CHANNELS: `#tumor"),
    ],
    ids=["http without secret", "socket without app token", "channel name, not ID"],
)
def test_settings_errors_stop_start_up_naming_the_setting(tmp_path, mode, extra, problem):
    with SlackStub() as stub:
        done = subprocess.run(
            [*STS, "serve", *mode, "--port", "0"],
            env=server_env(stub, tmp_path, **extra),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        stub.settled()
        assert not stub.calls  # stopped before talking to Slack at all
    assert done.returncode == 2
    assert problem in done.stderr
    assert "Traceback" not in done.stderr


def test_a_rejected_bot_token_stops_start_up(tmp_path, tmp_path_factory):
    with SlackStub() as stub:
        stub.fail("auth.test", "invalid_auth")
        done = subprocess.run(
            [*STS, "serve", "--http", "--port", "0"],
            env=server_env(stub, tmp_path, STS_STATE_DIR=shared_state(tmp_path_factory)),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert "SLACK_BOT_TOKEN: Slack did not accept it" in done.stderr
    assert "invalid_auth" in done.stderr


def test_socket_mode_with_a_rejected_app_token_stops_naming_it(tmp_path, tmp_path_factory):
    with SlackStub() as stub:
        stub.fail("apps.connections.open", "invalid_auth")
        done = subprocess.run(
            [*STS, "serve"],
            env=server_env(
                stub,
                tmp_path,
                SLACK_APP_TOKEN="xapp-1-A0-revoked",
                STS_PLOT_PROCESSES="0",
                STS_STATE_DIR=shared_state(tmp_path_factory),
            ),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        # The token, then that the patient channel is private, then the connection.
        stub.settled()  # the refused connection is recorded just after the server heard it
        methods = [c.method for c in stub.calls]
        assert methods == ["auth.test", "conversations.info", "apps.connections.open"], (
            [(c.path, c.status) for c in stub.calls],
            done.stderr[-2000:],
        )
    assert done.returncode == 2
    assert "SLACK_APP_TOKEN: Slack did not accept it (invalid_auth)" in done.stderr


def test_sigterm_finishes_the_answers_already_acknowledged(tmp_path, tmp_path_factory):
    """A rolling update stops a replica with SIGTERM: what it acknowledged still arrives.
    (With the plot workers, as deployed: the plot is drawn in one while the server stops.)"""
    with SlackStub() as stub:
        env = server_env(stub, tmp_path, STS_STATE_DIR=shared_state(tmp_path_factory))
        proc, address = start_server(env, tmp_path)
        served = Served(stub=stub, address=address, audit=tmp_path / "audit.jsonl")
        body = slash_body("pfs by=stage", response_url=stub.response_url("U0TERM001"))
        assert served.post(body, sign(body))[0] == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert_clean(tmp_path)
        (reply,) = stub.find("/respond/U0TERM001")  # already there when the process ended
        assert json.loads(reply.body)["text"] == "PFS · by stage · n = 14"
