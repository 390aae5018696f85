"""A local stand-in for Slack: its Web API, the upload URL, response_urls, and request signing.

`SlackStub` is an HTTP server on 127.0.0.1 (a free port, in a thread) that answers the Web API
methods the bot calls the way Slack documents them, and records every request it gets, so a
test can start the real `sts serve --http` with SLACK_API_URL pointing here and read what the
bot sent. `sign` signs a request body exactly as Slack does (v0, HMAC-SHA256 over
`v0:{timestamp}:{body}`), written here independently of slack_sdk's verifier.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode

__all__ = [
    "BOT_USER",
    "SECRET",
    "Call",
    "Failure",
    "SlackStub",
    "action_body",
    "sign",
    "slash_body",
]

SECRET = "0123456789abcdef0123456789abcdef"
BOT_USER = "U0BOT0001"
TEAM = "T0TEAM001"
# Slack gives every command and button click its own trigger_id; the bot keys repeats on it.
_TRIGGERS = itertools.count(1)


def new_trigger_id() -> str:
    return f"{next(_TRIGGERS)}.1700000000.stub"


@dataclass(frozen=True)
class Failure:
    status: int  # 0: drop the connection without answering; -1: reset it (TCP RST)
    error: str
    after: bool = False  # do what was asked first (Slack stored the message), then fail
    delay: float = 0.0  # seconds before answering: past a client's timeout, a hang
    matching: str | None = None  # only calls whose body holds this (a user ID, say)
    hold: threading.Event | None = None  # no answer until the test sets it (then `delay`)


@dataclass(frozen=True)
class Call:
    """One request the stub received."""

    path: str  # "/api/chat.postMessage", "/upload/F…", "/respond/<name>"
    query: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.perf_counter() on arrival
    status: int = 200  # what the stub answered (0: dropped, -1: reset)

    @property
    def method(self) -> str:
        return self.path.removeprefix("/api/")

    @property
    def data(self) -> dict:
        """The body as Slack's server would read it: JSON, or a form with JSON-ish fields."""
        kind = self.headers.get("content-type", "")
        form = {k: v[0] for k, v in parse_qs(self.query).items()}
        if "json" in kind:
            return {**form, **json.loads(self.body or b"{}")}
        if "multipart" in kind or self.path.startswith("/upload/"):
            return form
        form.update({k: v[0] for k, v in parse_qs(self.body.decode("utf-8", "replace")).items()})
        for key in ("files", "blocks"):  # slack_sdk sends these as JSON strings in forms
            if isinstance(form.get(key), str) and form[key].startswith("["):
                form[key] = json.loads(form[key])
        return form


class SlackStub:
    """Slack's Web API on a local port; `failures` make a method fail the way Slack fails."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.messages: list[dict] = []  # what chat.postMessage posted, for conversations.history
        # Socket Mode: what apps.connections.open hands out (tests/socket_stub.py's new_url).
        self.socket_urls: Callable[[], str] | None = None
        self._lock = threading.Condition()
        self._in_flight = 0  # requests come in and not yet recorded (see `settled`)
        self._failures: dict[str, list[Failure]] = {}
        self._ids = itertools.count(1)
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                with stub._lock:
                    stub._in_flight += 1
                try:
                    self._post()
                finally:
                    with stub._lock:
                        stub._in_flight -= 1
                        stub._lock.notify_all()

            def _post(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                path, _, query = self.path.partition("?")
                call = Call(
                    path=path,
                    query=query,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length),
                    at=time.perf_counter(),
                )
                status, headers, body = stub._answer(call)
                call = replace(call, status=status)
                if status <= 0:  # the connection drops (0) or is reset (-1) without an answer
                    self.close_connection = True
                    if status < 0:  # close with SO_LINGER 0: the client reads a TCP RST
                        self.connection.setsockopt(
                            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                        )
                    with stub._lock:
                        stub.calls.append(call)
                        stub._lock.notify_all()
                    return
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client gave up waiting (a hang past its timeout)
                    self.close_connection = True
                with stub._lock:  # recorded after answering, as a client sees it done
                    stub.calls.append(call)
                    stub._lock.notify_all()

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output clean

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        self.api_url = self.url + "api/"
        # serve_forever looks for shutdown() every poll_interval (0.5 s by default): every
        # test that used a stand-in would wait that long on leaving it.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def __enter__(self) -> SlackStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- what tests use -------------------------------------------------------------------

    def response_url(self, name: str) -> str:
        return f"{self.url}respond/{name}"

    def fail(
        self,
        method: str,
        error: str,
        *,
        status: int = 200,
        times: int = 1,
        after: bool = False,
        delay: float = 0.0,
        matching: str | None = None,
        hold: threading.Event | None = None,
    ) -> None:
        """The next `times` calls of `method` fail with `error` (status 429: rate limited;
        0: the connection drops; -1: it is reset). `after`: the call takes effect first, then
        fails; `delay`: the answer comes that many seconds late (past a client's timeout: a
        hang). `method` may be a response_url's path (`/respond/<name>`), or end in `*` for
        every method or path that starts with what comes before it. `matching`: only calls
        whose body holds that string fail (and use up the failure). `hold`: no answer until
        the test sets that event (Slack slow for as long as the test needs, not a guess)."""
        failure = Failure(status, error, after=after, delay=delay, matching=matching, hold=hold)
        with self._lock:
            self._failures.setdefault(method, []).extend([failure] * times)

    def clear_failures(self) -> None:
        """Forget the failures not used up yet: every call goes through again."""
        with self._lock:
            self._failures.clear()

    def find(self, prefix: str) -> list[Call]:
        """Calls whose method (or path) starts with `prefix`, in order of arrival."""
        with self._lock:
            return [c for c in self.calls if c.method.startswith(prefix)]

    def settled(self, timeout: float = 20.0) -> None:
        """Wait until every request that has come in is recorded in `calls`: a call is recorded
        after its answer is sent, so a client can be done with it a moment before."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{self._in_flight} call(s) still open after {timeout} s")
                self._lock.wait(left)

    def wait_for(
        self,
        prefix: str,
        *,
        count: int = 1,
        timeout: float = 10.0,
        where: Callable[[Call], bool] = lambda call: True,
    ) -> list[Call]:
        """Block until `count` calls matching `prefix` (and `where`) arrived, else fail."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [c for c in self.calls if c.method.startswith(prefix) and where(c)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = sorted({c.method for c in self.calls})
                    raise AssertionError(f"no {prefix!r} call within {timeout} s; saw {seen}")
                self._lock.wait(left)

    # --- Slack's side -----------------------------------------------------------------------

    def delivered(self, prefix: str) -> list[Call]:
        """Calls matching `prefix` that the stub answered with 200: what took effect."""
        return [c for c in self.find(prefix) if c.status == 200]

    def _failure(self, call: Call) -> Failure | None:
        method = call.method
        body = call.body.decode("utf-8", "replace")
        with self._lock:
            for key, queued in self._failures.items():
                if key == method or (key.endswith("*") and method.startswith(key[:-1])):
                    for i, failure in enumerate(queued):
                        if failure.matching is None or failure.matching in body:
                            return queued.pop(i)
            return None

    def _answer(self, call: Call) -> tuple[int, dict[str, str], bytes]:
        method = call.method
        failure = self._failure(call)
        if call.path.startswith("/respond/") and failure is None:
            return 200, {"content-type": "text/html"}, b"ok"
        if call.path.startswith("/upload/") and failure is None:
            return 200, {"content-type": "text/plain"}, f"OK - {len(call.body)}".encode()
        if failure is not None:
            if failure.after and not call.path.startswith(("/respond/", "/upload/")):
                self._method(method, call.data)
            if failure.hold is not None:
                failure.hold.wait(120)
            time.sleep(failure.delay)
            if failure.status <= 0:
                return failure.status, {}, b""
            headers = {"content-type": "application/json"}
            if failure.status == 429:
                headers["retry-after"] = "0"
            body = json.dumps({"ok": False, "error": failure.error}).encode()
            return failure.status, headers, body
        result = self._method(method, call.data)
        return 200, {"content-type": "application/json"}, json.dumps(result).encode()

    def _method(self, method: str, data: dict) -> dict:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://stub.slack.com/",
                "team": "Stub",
                "user": "sts",
                "team_id": TEAM,
                "user_id": BOT_USER,
                "bot_id": "B0BOT0001",
            }
        if method == "chat.postMessage":
            ts = f"{time.time():.6f}"
            message = {"ts": ts, "channel": data.get("channel"), "text": data.get("text")}
            # What was posted, for tests counting posts by who shared them (not in Slack's API).
            message["posted"] = json.dumps(data)
            if data.get("metadata"):
                message["metadata"] = data["metadata"]
            with self._lock:
                self.messages.append(message)
            return {"ok": True, "channel": data.get("channel"), "ts": ts, "message": {"ts": ts}}
        if method == "conversations.history":
            with self._lock:
                found = [m for m in self.messages if m["channel"] == data.get("channel")]
            return {"ok": True, "messages": list(reversed(found)), "has_more": False}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{time.time():.6f}"}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ids):08d}"
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.url}upload/{file_id}"}
        if method == "files.completeUploadExternal":
            files = data.get("files") or []
            return {
                "ok": True,
                "files": [{"id": f["id"], "title": f.get("title"), "mimetype": ""} for f in files],
            }
        if method == "files.info":
            return {"ok": True, "file": {"id": data.get("file"), "mimetype": "image/png"}}
        if method == "apps.connections.open" and self.socket_urls is not None:
            return {"ok": True, "url": self.socket_urls()}
        if method == "conversations.info":
            # As Slack answers: a DM (D…) is an IM; a channel whose ID holds PUBLIC is public;
            # one holding GONE the bot cannot see; any other channel is private.
            channel = str(data.get("channel", ""))
            if "GONE" in channel:
                return {"ok": False, "error": "channel_not_found"}
            return {
                "ok": True,
                "channel": {
                    "id": channel,
                    "is_im": channel.startswith("D"),
                    "is_private": "PUBLIC" not in channel and not channel.startswith("D"),
                },
            }
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D0DM00001"}}
        return {"ok": False, "error": "unknown_method"}


def sign(body: str, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack sends with `body`: a v0 HMAC-SHA256 signature and its timestamp."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = f"v0:{ts}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def slash_body(
    text: str,
    *,
    response_url: str,
    channel: str = "C0PUBLIC1",
    channel_name: str = "cohort",
    user: str = "U0ASKER01",
    team: str = TEAM,
    trigger_id: str | None = None,
) -> str:
    """A slash command's form body, field for field as Slack posts it."""
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": team,
            "team_domain": "stub",
            "channel_id": channel,
            "channel_name": channel_name,
            "user_id": user,
            "user_name": "asker",
            "command": "/sts",
            "text": text,
            "api_app_id": "A0APP0001",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or new_trigger_id(),
        }
    )


def action_body(
    value: str,
    *,
    response_url: str,
    channel: str = "C0PUBLIC1",
    user: str = "U0ASKER01",
    team: str = TEAM,
    action_id: str = "sts_share",
    trigger_id: str | None = None,
) -> str:
    """A block_actions payload for a button on an ephemeral message, as Slack posts it."""
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": "asker", "name": "asker", "team_id": team},
        "api_app_id": "A0APP0001",
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": "1700000000.000100",
            "channel_id": channel,
            "is_ephemeral": True,
        },
        "trigger_id": trigger_id or new_trigger_id(),
        "team": {"id": team, "domain": "stub"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "cohort"},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "share",
                "text": {"type": "plain_text", "text": "Share in channel", "emoji": True},
                "value": value,
                "style": "primary",
                "type": "button",
                "action_ts": "1700000001.000200",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})
