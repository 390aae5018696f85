"""A local stand-in for Slack's Socket Mode endpoint: a WebSocket server on 127.0.0.1.

`apps.connections.open` on the Web API stand-in (`SlackStub.socket_url`) hands the bot this
server's `ws://` URL; the bot connects, gets `hello`, and then receives envelopes the way
Slack sends them (`slash_commands`, `interactive`, `disconnect`) and acknowledges each one by
its `envelope_id`. Pings are answered with pongs, as Slack does. Written from RFC 6455 here,
independently of slack_sdk's client.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import socket
import struct
import threading
import time
import uuid
from urllib.parse import parse_qsl

__all__ = ["SocketModeStub"]

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def _frame(opcode: int, payload: bytes) -> bytes:
    """A server-to-client frame: final, unmasked."""
    head = bytes([0x80 | opcode])
    n = len(payload)
    if n < 126:
        return head + bytes([n]) + payload
    if n < 1 << 16:
        return head + bytes([126]) + struct.pack("!H", n) + payload
    return head + bytes([127]) + struct.pack("!Q", n) + payload


def _read_exactly(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def _read_frame(sock: socket.socket) -> tuple[int, bytes]:
    first, second = _read_exactly(sock, 2)
    n = second & 0x7F
    if n == 126:
        n = struct.unpack("!H", _read_exactly(sock, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", _read_exactly(sock, 8))[0]
    mask = _read_exactly(sock, 4) if second & 0x80 else b"\0\0\0\0"
    data = _read_exactly(sock, n)
    return first & 0x0F, bytes(b ^ mask[i % 4] for i, b in enumerate(data))


class _Connection:
    def __init__(self, sock: socket.socket, stub: SocketModeStub) -> None:
        self.sock = sock
        self.stub = stub
        self.lock = threading.Lock()
        self.open = True
        self.silent = False  # dropped: reads on, answers nothing, never closes

    def send(self, opcode: int, payload: bytes) -> None:
        with self.lock:
            self.sock.sendall(_frame(opcode, payload))

    def send_json(self, message: dict) -> None:
        self.send(0x1, json.dumps(message).encode())

    def serve(self) -> None:
        try:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = self.sock.recv(4096)
                if not chunk:
                    return
                request += chunk
            headers = dict(
                line.split(": ", 1) for line in request.decode().split("\r\n")[1:] if ": " in line
            )
            key = {k.lower(): v for k, v in headers.items()}["sec-websocket-key"].strip()
            accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
            self.sock.sendall(
                (
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
                ).encode()
            )
            self.send_json(
                {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0APP0001"}}
            )
            self.stub._connected(self)
            while True:
                opcode, data = _read_frame(self.sock)
                if self.silent:
                    continue
                if opcode == 0x9:  # ping: pong with the same payload
                    self.send(0xA, data)
                elif opcode == 0x8:  # close
                    self.send(0x8, data[:2])
                    return
                elif opcode == 0x1:
                    self.stub._received(json.loads(data))
        except (OSError, ConnectionError, ValueError):
            return
        finally:
            self.open = False
            self.sock.close()


class SocketModeStub:
    """Slack's Socket Mode WebSocket endpoint on a free local port."""

    def __init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._tickets = itertools.count(1)
        self._cond = threading.Condition()
        self.connections: list[_Connection] = []
        self.acks: dict[str, dict] = {}  # envelope_id → what the app acknowledged with
        self.acked_at: dict[str, float] = {}  # envelope_id → time.perf_counter() of its ack
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> SocketModeStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.close()
        for connection in list(self.connections):
            connection.sock.close()

    def new_url(self) -> str:
        """What apps.connections.open answers: a fresh URL per connection, as Slack's are."""
        return f"ws://127.0.0.1:{self.port}/link/?ticket={next(self._tickets)}"

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._server.accept()
            except OSError:
                return
            connection = _Connection(sock, self)
            threading.Thread(target=connection.serve, daemon=True).start()

    def _connected(self, connection: _Connection) -> None:
        with self._cond:
            self.connections.append(connection)
            self._cond.notify_all()

    def _received(self, message: dict) -> None:
        with self._cond:
            if "envelope_id" in message:
                self.acks[message["envelope_id"]] = message
                self.acked_at[message["envelope_id"]] = time.perf_counter()
            self._cond.notify_all()

    def _wait(self, ready, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        with self._cond:
            while not (found := ready()):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {what} within {timeout} s")
                self._cond.wait(left)
            return found

    def wait_connected(self, count: int = 1, timeout: float = 30.0) -> _Connection:
        """The newest live connection, once `count` connections have been made in all."""
        return self._wait(
            lambda: len(self.connections) >= count and self.live(), timeout, f"connection {count}"
        )

    def live(self) -> _Connection | None:
        return next((c for c in reversed(self.connections) if c.open), None)

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> dict:
        return self._wait(lambda: self.acks.get(envelope_id), timeout, f"ack of {envelope_id}")

    def send(self, kind: str, payload: dict, *, retry_attempt: int = 0) -> str:
        """Deliver one envelope to the live connection; returns its envelope_id."""
        envelope_id = str(uuid.uuid4())
        self.wait_connected().send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": retry_attempt,
                "retry_reason": "timeout" if retry_attempt else "",
            }
        )
        return envelope_id

    def slash(self, form_body: str, **kwargs) -> str:
        """A slash command, from the same form fields Slack would POST over HTTP."""
        return self.send("slash_commands", dict(parse_qsl(form_body)), **kwargs)

    def action(self, form_body: str, **kwargs) -> str:
        """A button click, from the `payload=` form field Slack would POST over HTTP."""
        return self.send("interactive", json.loads(dict(parse_qsl(form_body))["payload"]), **kwargs)

    def refresh(self) -> None:
        """Slack's `disconnect` message: the app must open a new connection."""
        self.wait_connected().send_json({"type": "disconnect", "reason": "refresh_requested"})

    def close(self) -> None:
        """The endpoint closes the connection properly (a close frame), as on a deploy."""
        connection = self.wait_connected()
        connection.send(0x8, struct.pack("!H", 1001))
        with contextlib.suppress(OSError):  # the app may answer the close frame and be gone
            connection.sock.shutdown(socket.SHUT_RDWR)

    def drop(self) -> None:
        """The connection breaks without a word (a proxy, a network blip): nothing more comes
        back on it, not a pong, not a close, not even the TCP end of the stream, so only the
        missed pongs tell. (A FIN instead would set slack_sdk's reader spinning on empty reads
        until the pongs are missed: CPU spent, nothing more checked.)"""
        connection = self.wait_connected()
        with self._cond:
            connection.silent = True
            connection.open = False
