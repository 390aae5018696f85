"""The HTTP edge in front of Bolt: bounded, well-formed requests in; 413/400, never a 500, out.

Bolt's own WSGI adapter reads whatever body it is sent and turns a malformed one (a timestamp
that is not a number, JSON that does not parse, `payload=notjson`, a form sent as JSON) into
an exception, a 500 and a traceback. Here the body is read up to `MAX_BODY` and checked
before Bolt sees it; the signature is then checked by Bolt as before (401).

Nothing of a request's body is ever logged: it holds what people typed.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterable
from http import HTTPStatus

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse

from sts_bot.gateway.health import Readiness

__all__ = ["EVENTS_PATH", "MAX_BODY", "slack_wsgi"]

log = logging.getLogger("sts.http")

EVENTS_PATH = "/slack/events"
# Slack's largest request to this app is a button click on a reply (its payload carries the
# message's blocks, at most 50 of them): well under 64 KiB. waitress enforces the same limit
# while reading (bot/server.py), this check is for any other WSGI server.
MAX_BODY = 64 * 1024


class _Refused(Exception):
    def __init__(self, status: HTTPStatus, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _respond(start_response: Callable, status: int, text: str) -> Iterable[bytes]:
    response = WsgiHttpResponse(
        status=status, headers={"content-type": ["text/plain; charset=utf-8"]}, body=text + "\n"
    )
    start_response(response.status, response.get_headers())
    return response.get_body()


def _read_body(environ: dict) -> str:
    length = environ.get("CONTENT_LENGTH") or ""
    if length and not (length.isascii() and length.isdigit()):
        raise _Refused(HTTPStatus.BAD_REQUEST, "Content-Length is not a number.")
    if length and int(length) > MAX_BODY:
        raise _Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"Bodies are limited to {MAX_BODY}.")
    stream = environ.get("wsgi.input")
    # Without a length (chunked), read one byte past the limit to know it was passed.
    raw = stream.read(int(length) if length else MAX_BODY + 1) if stream is not None else b""
    if len(raw) > MAX_BODY:
        raise _Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"Bodies are limited to {MAX_BODY}.")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _Refused(HTTPStatus.BAD_REQUEST, "The body is not UTF-8.") from None


def _bolt_request(environ: dict) -> BoltRequest:
    body = _read_body(environ)
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
    if timestamp is not None and not (timestamp.isascii() and timestamp.isdigit()):
        raise _Refused(HTTPStatus.BAD_REQUEST, "X-Slack-Request-Timestamp is not a number.")
    retry = environ.get("HTTP_X_SLACK_RETRY_NUM")
    if retry is not None and not (retry.isascii() and retry.isdigit()):
        raise _Refused(HTTPStatus.BAD_REQUEST, "X-Slack-Retry-Num is not a number.")
    http = WsgiHttpRequest(environ)
    try:
        # Parses the body as Bolt does: JSON, a form, or a form whose `payload` is JSON.
        request = BoltRequest(body=body, query=http.query_string, headers=http.get_headers())
    except Exception:  # any parse failure: the exception text may quote the body, so not logged
        raise _Refused(HTTPStatus.BAD_REQUEST, "The body is not a Slack request.") from None
    if not isinstance(request.body, dict):
        raise _Refused(HTTPStatus.BAD_REQUEST, "The body is not a Slack request.")
    return request


def _ready(start_response: Callable, readiness: Readiness) -> Iterable[bytes]:
    report = readiness.report()
    response = WsgiHttpResponse(
        status=200 if report["ready"] else 503,
        headers={"content-type": ["application/json"], "cache-control": ["no-store"]},
        body=json.dumps(report, indent=1) + "\n",
    )
    start_response(response.status, response.get_headers())
    return response.get_body()


def slack_wsgi(
    app: App, readiness: Readiness | None = None
) -> Callable[[dict, Callable], Iterable[bytes]]:
    """A WSGI application serving `app` on /slack/events, with probes: /livez (the process
    answers), /readyz (it can answer Slack now: gateway/health.py) and /healthz, which was
    the readiness probe before and is now the same as /readyz."""
    readiness = readiness if readiness is not None else Readiness()

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path == "/livez":
            return _respond(start_response, 200, "alive")
        if path in ("/readyz", "/healthz"):
            return _ready(start_response, readiness)
        if path != EVENTS_PATH:
            return _respond(start_response, 404, "Not Found")
        if environ.get("REQUEST_METHOD") != "POST":
            return _respond(start_response, 405, "Use POST.")
        try:
            request = _bolt_request(environ)
        except _Refused as refused:
            log.info("refused a request: %d %s", refused.status, refused.reason)
            return _respond(start_response, refused.status, refused.reason)
        try:
            response = app.dispatch(request)  # verifies the signature (401), acks, answers
        except Exception as exc:  # a bug (the request was well-formed): its traceback, no body
            ref = uuid.uuid4().hex[:8]
            log.error("request failed ref=%s", ref, exc_info=exc)
            return _respond(start_response, 500, f"Internal error (ref {ref}).")
        out = WsgiHttpResponse(status=response.status, headers=response.headers, body=response.body)
        start_response(out.status, out.get_headers())
        return out.get_body()

    return application
