"""The real `sts serve` in Socket Mode (the default) end to end, against a local WebSocket
stand-in for Slack's Socket Mode endpoint and the Web API stand-in: slash commands and the
share button arrive as envelopes and are acknowledged on the socket, answers go out through
the Web API; a redelivered envelope is answered once; `disconnect` and a dropped connection
are followed by a new connection; SIGTERM delivers what was acknowledged."""

from __future__ import annotations

import json
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.log_guard import assert_clean
from tests.slack_stub import SlackStub, action_body, slash_body
from tests.socket_stub import SocketModeStub
from tests.test_slack_http import STS, server_env


@dataclass
class Socketed:
    proc: subprocess.Popen
    stub: SlackStub
    socket: SocketModeStub
    audit: Path
    log: Path

    def ask(self, text: str, user: str, **kwargs) -> str:
        body = slash_body(text, response_url=self.stub.response_url(user), user=user)
        return self.socket.slash(body, **kwargs)


def start(stub: SlackStub, socket: SocketModeStub, tmp: Path, **env: str) -> Socketed:
    stub.socket_urls = socket.new_url
    log = tmp / "server.log"
    with log.open("w") as err:
        proc = subprocess.Popen(
            [*STS, "serve"],
            env=server_env(stub, tmp, SLACK_APP_TOKEN="xapp-1-A0APP0001-1-test", **env),
            cwd=tmp,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    line = proc.stdout.readline()
    if "Socket Mode" not in line:
        proc.kill()
        raise AssertionError(f"server did not connect: {line}{log.read_text()}")
    return Socketed(proc=proc, stub=stub, socket=socket, audit=tmp / "audit.jsonl", log=log)


@pytest.fixture(scope="module")
def socketed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("socket")
    with SlackStub() as stub, SocketModeStub() as socket:
        served = start(stub, socket, tmp)
        try:
            yield served
        finally:
            served.proc.terminate()
            served.proc.wait(timeout=30)
            assert_clean(tmp)


def test_a_slash_command_is_acked_on_the_socket_and_answered_privately(socketed):
    user = "U0SOCK001"
    envelope = socketed.ask("orr stage=III", user)
    assert socketed.socket.wait_ack(envelope)["envelope_id"] == envelope
    reply = json.loads(socketed.stub.wait_for(f"/respond/{user}")[0].body)
    assert reply["response_type"] == "ephemeral"
    assert reply["blocks"][0]["text"]["text"] == "ORR · stage = III (IIIA, IIIB) · n = 9"
    assert "95% CI" in json.dumps(reply["blocks"], ensure_ascii=False)
    lines = [json.loads(x) for x in socketed.audit.read_text().splitlines()]
    assert [x["outcome"] for x in lines if x.get("user") == user] == ["answer"]


def test_the_share_button_posts_in_the_channel(socketed):
    user = "U0SOCK002"
    body = action_body("orr stage=III", response_url=socketed.stub.response_url(user), user=user)
    socketed.socket.wait_ack(socketed.socket.action(body))
    (post,) = socketed.stub.wait_for("chat.postMessage", where=lambda c: user in c.body.decode())
    assert post.data["channel"] == "C0PUBLIC1"
    assert "95% CI" in json.dumps(post.data["blocks"], ensure_ascii=False)


def test_a_mistake_gets_its_reply_over_socket_mode_too(socketed):
    user = "U0SOCK003"
    socketed.socket.wait_ack(socketed.ask("orr histolgy=LPS", user))
    reply = json.loads(socketed.stub.wait_for(f"/respond/{user}")[0].body)
    assert "Did you mean `histology`?" in json.dumps(reply["blocks"])


def test_redelivery_reconnects_and_sigterm_answer_each_command_once(tmp_path):
    with SlackStub() as stub, SocketModeStub() as socket:
        # A ping every 0.5 s: the dropped connection is noticed after 2 s instead of 8.
        served = start(stub, socket, tmp_path, STS_SOCKET_PING_MS="500")
        try:
            first = slash_body("dcr", response_url=stub.response_url("U0RE00001"), user="U0RE00001")
            envelopes = [socket.slash(first), socket.slash(first, retry_attempt=1)]
            for envelope in envelopes:  # both acknowledged: Slack stops redelivering
                socket.wait_ack(envelope)

            socket.refresh()  # Slack asks the app to reconnect
            socket.wait_connected(count=2)
            socket.wait_ack(served.ask("count", "U0RE00002"))

            socket.close()  # the endpoint goes away properly
            socket.wait_connected(count=3)
            socket.wait_ack(served.ask("orr", "U0RE00003"))

            socket.drop()  # the connection breaks without a word: noticed by missed pongs
            socket.wait_connected(count=4, timeout=60)
            socket.wait_ack(served.ask("tox", "U0RE00005"))

            socket.wait_ack(served.ask("pfs by=stage", "U0RE00004"))
        finally:
            served.proc.send_signal(signal.SIGTERM)
            assert served.proc.wait(timeout=60) == 0
        assert_clean(tmp_path)
        # Everything acknowledged was answered before the process ended, each exactly once.
        for user in ("U0RE00001", "U0RE00002", "U0RE00003", "U0RE00004", "U0RE00005"):
            assert len(stub.find(f"/respond/{user}")) == 1, user
        assert len(stub.find("apps.connections.open")) >= 4
    assert "Traceback" not in served.log.read_text()
