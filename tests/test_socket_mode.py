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

from tests.fault_mix import own_state
from tests.log_guard import assert_clean
from tests.slack_stub import SlackStub, action_body, slash_body
from tests.socket_stub import SocketModeStub
from tests.test_slack_http import STS, server_env, shared_state


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


class Server:
    """One server for the module, started again only if a test has stopped it (the SIGTERM
    test does, and runs last). Pings every 0.5 s: a dropped connection is noticed after 2 s
    instead of 8. No plot workers: these tests are about the socket (test_plot_pool.py). The
    cohort store is shared with the test process's other servers; what was shown is its own."""

    def __init__(self, tmp_path_factory, stub: SlackStub, socket: SocketModeStub) -> None:
        self.tmp_path_factory, self.stub, self.socket = tmp_path_factory, stub, socket
        self.served: Socketed | None = None

    def live(self) -> Socketed:
        if self.served is None or self.served.proc.poll() is not None:
            tmp = self.tmp_path_factory.mktemp("socket")
            store = Path(shared_state(self.tmp_path_factory)) / "cohorts"
            self.served = start(
                self.stub,
                self.socket,
                tmp,
                STS_SOCKET_PING_MS="500",
                STS_PLOT_PROCESSES="0",
                STS_STATE_DIR=own_state(tmp, store),
            )
        return self.served


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with SlackStub() as stub, SocketModeStub() as socket:
        server = Server(tmp_path_factory, stub, socket)
        try:
            yield server
        finally:
            if server.served is not None and server.served.proc.poll() is None:
                server.served.proc.terminate()
                server.served.proc.wait(timeout=30)
                assert_clean(server.served.audit.parent)


@pytest.fixture
def socketed(server) -> Socketed:
    return server.live()


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


def test_redelivery_reconnects_and_sigterm_answer_each_command_once(socketed):
    stub, socket, served = socketed.stub, socketed.socket, socketed
    made = len(socket.connections)  # connections so far, this module's other tests' included
    opened = len(stub.find("apps.connections.open"))
    try:
        first = slash_body("dcr", response_url=stub.response_url("U0RE00001"), user="U0RE00001")
        envelopes = [socket.slash(first), socket.slash(first, retry_attempt=1)]
        for envelope in envelopes:  # both acknowledged: Slack stops redelivering
            socket.wait_ack(envelope)

        socket.refresh()  # Slack asks the app to reconnect
        socket.wait_connected(count=made + 1)
        socket.wait_ack(served.ask("count", "U0RE00002"))

        socket.close()  # the endpoint goes away properly
        socket.wait_connected(count=made + 2)
        socket.wait_ack(served.ask("orr", "U0RE00003"))

        socket.drop()  # the connection breaks without a word: noticed by missed pongs
        socket.wait_connected(count=made + 3, timeout=60)
        socket.wait_ack(served.ask("tox", "U0RE00005"))

        socket.wait_ack(served.ask("pfs by=stage", "U0RE00004"))
    finally:
        served.proc.send_signal(signal.SIGTERM)
        assert served.proc.wait(timeout=60) == 0
    assert_clean(served.audit.parent)
    # Everything acknowledged was answered before the process ended, each exactly once.
    for user in ("U0RE00001", "U0RE00002", "U0RE00003", "U0RE00004", "U0RE00005"):
        assert len(stub.find(f"/respond/{user}")) == 1, user
    assert len(stub.find("apps.connections.open")) >= opened + 3
    assert "Traceback" not in served.log.read_text()
