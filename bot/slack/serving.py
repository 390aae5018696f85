"""Serving Slack: the WSGI app on waitress (HTTP mode) or a Socket Mode connection.

`sts serve` (`sts_bot/server.py`) chooses the mode and owns start-up and shutdown; this is the
part that speaks to Slack.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterable

import waitress
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError

from sts_bot.gateway.health import Readiness
from sts_bot.settings import Settings, SettingsError
from sts_bot.slack.http_edge import EVENTS_PATH, MAX_BODY, slack_wsgi

__all__ = ["serve_http", "serve_socket", "wsgi_app"]


def wsgi_app(
    app: App, readiness: Readiness | None = None
) -> Callable[[dict, Callable], Iterable[bytes]]:
    """/slack/events (bounded and checked before Bolt sees it), plus /livez and /readyz."""
    return slack_wsgi(app, readiness)


def serve_http(
    app: App, settings: Settings, host: str, port: int, readiness: Readiness | None = None
) -> None:
    server = waitress.create_server(
        wsgi_app(app, readiness),
        host=host,
        port=port,
        threads=settings.http_threads,
        ident="sts",
        # waitress answers 413 itself while reading, so a huge body never reaches memory
        # (it refuses a body of max_request_body_size bytes or more, hence the + 1).
        max_request_body_size=MAX_BODY + 1,
    )
    # The real port (for --port 0) on stdout, for whoever started us: a test, a bench, a person.
    print(
        f"sts: serving {settings.command} on http://{host}:{server.effective_port}{EVENTS_PATH}"
        f" (probes: /livez, /readyz)",
        flush=True,
    )
    server.run()  # returns after SIGTERM/SIGINT, once requests in progress are done


def serve_socket(app: App, settings: Settings) -> None:
    # A ping every 2 s (STS_SOCKET_PING_MS): a connection that broke without a close frame (a
    # proxy, a network blip) is noticed after four unanswered pings, 8 s, instead of
    # slack_sdk's default 40 s deaf.
    handler = SocketModeHandler(app, settings.app_token, ping_interval=settings.socket_ping)
    _close_promptly(handler.client)
    try:
        handler.connect()
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown_error")
        raise SettingsError(
            [
                f"SLACK_APP_TOKEN: Slack did not accept it ({error}). Create an app-level token "
                "with the connections:write scope under Basic Information → App-Level Tokens."
            ]
        ) from exc
    print(f"sts: connected to Slack over Socket Mode; answering {settings.command}", flush=True)
    try:
        threading.Event().wait()
    except (SystemExit, KeyboardInterrupt):
        pass
    finally:
        handler.client.closed = True  # what close() sets first: the message loop's last turn
        handler.client.message_queue.put(None)  # wakes that loop now, not after its 1 s wait
        handler.close()


def _close_promptly(client: object) -> None:
    """slack_sdk reads a connection in `recv` with a 3 s timeout, holding the lock that closing
    the connection takes: after Slack's `disconnect` (a refresh, every few hours) the new
    connection went unread for up to 3 s, Slack's whole ack deadline, and SIGTERM or a stale
    connection waited as long. Each connection now shuts its reading side first (sending
    still works), which wakes the reader at once; then slack_sdk closes it as before."""
    connect = client.connect

    def connect_and_arm() -> None:
        connect()
        session = client.current_session
        disconnect = session.disconnect

        def shut_then_disconnect() -> None:
            sock = session.sock
            if sock is not None:
                with contextlib.suppress(OSError):  # closed meanwhile: nothing to wake
                    sock.shutdown(socket.SHUT_RD)
            disconnect()

        session.disconnect = shut_then_disconnect

    client.connect = connect_and_arm
