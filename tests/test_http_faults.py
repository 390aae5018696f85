"""Hostile and faulty HTTP input against the real `sts serve --http`: oversized bodies get 413,
malformed requests 400 (never 500), repeats are acknowledged but answered once, and the
server log holds neither request bodies nor tracebacks (at DEBUG, the chattiest level)."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.log_guard import assert_clean
from tests.slack_stub import SlackStub, action_body, sign, slash_body
from tests.test_slack_http import STS, server_env, shared_state

# Every hostile body carries this, so the log can be searched for any trace of one.
MARK = "BODYMARK7f3a"


@dataclass
class Server:
    proc: subprocess.Popen
    address: str
    log: Path
    audit: Path
    stub: SlackStub

    def post(self, body: bytes | str, headers: dict[str, str], *, chunked: bool = False) -> int:
        data = body.encode() if isinstance(body, str) else body
        host, port = self.address.split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=20)
        try:
            if chunked:
                connection.request(
                    "POST", "/slack/events", body=iter([data]), headers=headers, encode_chunked=True
                )
            else:
                connection.request("POST", "/slack/events", body=data, headers=headers)
            return connection.getresponse().status
        finally:
            connection.close()

    def post_headers_only(self, size: int, headers: dict[str, str]) -> int:
        """Send only the headers of a `size`-byte POST and read the status the server answers
        with. A server that means to read the body waits for it: the read times out."""
        host, port = self.address.split(":")
        lines = [
            "POST /slack/events HTTP/1.1",
            f"Host: {self.address}",
            f"Content-Length: {size}",
            *(f"{k}: {v}" for k, v in headers.items()),
        ]
        with socket.create_connection((host, int(port)), timeout=20) as sock:
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            return _status(sock)

    def stop(self) -> int:
        """SIGTERM, which lets every acknowledged answer finish first."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)


def _status(sock: socket.socket) -> int:
    """Read one response's status line and headers (and nothing more) from `sock`."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1])


def _wait_for_line(log: Path, text: str, timeout: float = 10.0) -> str:
    """The log once `text` is in it (a lazy listener writes after the ack)."""
    deadline = time.monotonic() + timeout
    while text not in (content := log.read_text()):
        assert time.monotonic() < deadline, f"{text!r} not logged"
        time.sleep(0.05)
    return content


def start(stub: SlackStub, tmp: Path, state: str, **extra: str) -> Server:
    """A server at DEBUG; `state`: the STS_STATE_DIR it shares (a stored cohort). No plot here is
    about the plot workers: plots are drawn in-process."""
    log = tmp / "server.log"
    env = server_env(
        stub, tmp, STS_LOG_LEVEL="DEBUG", STS_PLOT_PROCESSES="0", STS_STATE_DIR=state, **extra
    )
    with log.open("w") as err:
        proc = subprocess.Popen(
            [*STS, "serve", "--http", "--port", "0"],
            env=env,
            cwd=tmp,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    line = proc.stdout.readline()
    if "http://" not in line:
        proc.kill()
        raise AssertionError(f"server did not start: {line}{log.read_text()}")
    address = line.split("http://", 1)[1].split("/", 1)[0]
    return Server(proc=proc, address=address, log=log, audit=tmp / "audit.jsonl", stub=stub)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for the module; the last test stops it with SIGTERM (its drain is the point)."""
    tmp = tmp_path_factory.mktemp("faults")
    with SlackStub() as stub:
        served = start(stub, tmp, shared_state(tmp_path_factory))
        try:
            yield served
        finally:
            if served.proc.poll() is None:
                served.proc.terminate()
            served.proc.wait(timeout=30)
            assert_clean(tmp)


def _signed(body: str, **override: str) -> dict[str, str]:
    return sign(body) | override


def _command(text: str) -> str:
    return slash_body(text, response_url="http://127.0.0.1:9/respond/none")


FORM = _command(f"orr {MARK}")
MALFORMED = [
    # name, body, headers, status
    ("timestamp not a number", FORM, _signed(FORM, **{"X-Slack-Request-Timestamp": "abc"}), 400),
    ("timestamp absent", FORM, {"Content-Type": "application/x-www-form-urlencoded"}, 401),
    ("retry number not a number", FORM, _signed(FORM, **{"X-Slack-Retry-Num": "x"}), 400),
    (
        "bad JSON",
        f'{{"type": "{MARK}", ',
        _signed(f'{{"type": "{MARK}", ', **{"Content-Type": "application/json"}),
        400,
    ),
    ("form sent as JSON", FORM, _signed(FORM, **{"Content-Type": "application/json"}), 400),
    ("payload=notjson", f"payload={MARK}", _signed(f"payload={MARK}"), 400),
    ("payload a JSON list", "payload=%5B1%5D", _signed("payload=%5B1%5D"), 400),
    (
        "JSON list",
        f'["{MARK}"]',
        _signed(f'["{MARK}"]', **{"Content-Type": "application/json"}),
        400,
    ),
    ("body starting with {", "{" + MARK, _signed("{" + MARK), 400),
    ("unsigned form", FORM, {"Content-Type": "application/x-www-form-urlencoded"}, 401),
    ("forged signature", FORM, sign(FORM, secret="f" * 32), 401),
]


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [row[1:] for row in MALFORMED],
    ids=[row[0] for row in MALFORMED],
)
def test_malformed_requests_get_4xx_never_500(server, body, headers, status):
    assert server.post(body, headers) == status


def test_a_body_that_is_not_utf8_is_400(server):
    body = b"text=\xff\xfe" + MARK.encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert server.post(body, headers) == 400


@pytest.mark.parametrize("size", [64 * 1024 + 1, 20 * 1024 * 1024])
def test_an_oversized_body_is_refused_with_413_before_it_is_read(server, size):
    # The server refuses on the declared length alone: it never waits for (reads) the body.
    assert server.post_headers_only(size, sign("x")) == 413


def test_an_oversized_chunked_body_is_413(server):
    # No length to refuse on: the limit is found while reading. (Just past the limit, so the
    # whole body is sent before the server answers and closes.)
    body = (f"text={MARK}&" + "x" * 64 * 1024)[: 64 * 1024 + 1]
    assert server.post(body, sign(body), chunked=True) == 413


def test_a_body_at_the_limit_reaches_bolt(server):
    body = _command("orr")
    body += "&pad=" + "x" * (64 * 1024 - len(body) - 5)
    assert len(body) == 64 * 1024
    assert server.post(body, sign(body)) == 200


def test_a_command_past_the_limit_gets_a_clear_reply(server):
    user = "U0LONG001"
    body = slash_body(
        "orr histology=" + "L" * 5000, response_url=server.stub.response_url(user), user=user
    )
    assert server.post(body, sign(body)) == 200
    reply = json.loads(server.stub.wait_for(f"/respond/{user}", timeout=30)[0].body)
    assert "5,014 characters long" in json.dumps(reply) and "3,000" in json.dumps(reply)


def test_the_log_holds_no_request_body_and_no_traceback(server):
    # One of each kind Bolt would log with its body: a bad signature, and a request no listener
    # handles (an event type the app does not subscribe to).
    unsigned = _command(f"pfs {MARK}")
    assert server.post(unsigned, sign(unsigned, secret="e" * 32)) == 401
    event = json.dumps({"type": "event_callback", "event": {"type": "app_mention", "t": MARK}})
    assert server.post(event, _signed(event, **{"Content-Type": "application/json"})) in (
        200,
        404,
    )
    # A signed click that lacks what Slack always sends (who clicked, where): ignored.
    crafted = "payload=" + json.dumps(
        {"type": "block_actions", "actions": [{"action_id": "sts_share", "value": MARK}]}
    )
    assert server.post(crafted, sign(crafted)) == 200
    log = _wait_for_line(server.log, "share click without")
    assert "DEBUG" in log  # the chattiest level was on
    assert MARK not in log
    assert "Traceback" not in log


def test_replays_and_retries_are_acknowledged_and_answered_once(server):
    """Last in the module: it stops the module's server (SIGTERM) to see every acknowledged
    answer delivered before the process exits. Its askers are its own (U0ONCE…)."""
    stub = server.stub
    try:
        command = slash_body("orr", response_url=stub.response_url("U0ONCE001"), user="U0ONCE001")
        share = "dcr by=stage"
        button = action_body(share, response_url=stub.response_url("U0ONCE002"), user="U0ONCE002")
        statuses = [
            server.post(command, sign(command)),
            server.post(command, sign(command)),  # a replay, re-signed: same trigger_id
            server.post(command, sign(command) | {"X-Slack-Retry-Num": "1"}),
            server.post(command, sign(command) | {"X-Slack-Retry-Num": "2"}),
            server.post(button, sign(button)),
            server.post(button, sign(button) | {"X-Slack-Retry-Num": "1"}),
        ]
        # The same text typed again is a new command (a new trigger_id): answered again.
        again = slash_body("orr", response_url=stub.response_url("U0ONCE003"), user="U0ONCE003")
        statuses.append(server.post(again, sign(again)))
    finally:
        assert server.stop() == 0  # every acknowledged answer is delivered before exit
    assert statuses == [200] * 7
    assert len(stub.find("/respond/U0ONCE001")) == 1
    shared = [c for c in stub.find("chat.postMessage") if "U0ONCE002" in c.body.decode()]
    assert len(shared) == 1
    assert len(stub.find("/respond/U0ONCE003")) == 1
    lines = [json.loads(line) for line in server.audit.read_text().splitlines()]
    # Records, not delivery lines; this test's askers' only (the module's others asked before).
    users = [line["user"] for line in lines if line.get("user", "").startswith("U0ONCE")]
    assert sorted(users) == ["U0ONCE001", "U0ONCE002", "U0ONCE003"]
    assert "Traceback" not in server.log.read_text()
