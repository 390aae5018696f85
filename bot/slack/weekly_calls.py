"""The weekly post's calls to Slack's Web API, and how their failures read.

`sts_bot.weekly.post` decides what is posted and when; this says what a failed call means
(posted or not) and asks the channel whether a period already went out.
"""

from __future__ import annotations

from http.client import HTTPException

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sts_bot.slack.bolt import web_client

__all__ = [
    "FAILURES",
    "METADATA_EVENT",
    "WebClient",
    "already_posted",
    "describe",
    "not_posted",
    "weekly_client",
]

# Every weekly post carries this metadata, so a process that takes over a stale claim can see
# whether the post went out before the previous owner died.
METADATA_EVENT = "sts_weekly_summary"

# Everything a Web API call can end in besides an answer: Slack's refusal (SlackApiError), and
# the connection failing on the way there or back (OSError: refused, reset, timed out).
FAILURES = (SlackApiError, OSError, HTTPException)


def not_posted(exc: BaseException) -> bool:
    """True when the failure proves chat.postMessage posted nothing; False when it may have."""
    if isinstance(exc, SlackApiError):
        # Slack answered with a refusal (ok: false, 4xx, 429): nothing was posted. A 5xx may
        # come after the message was stored.
        return exc.response.status_code < 500
    reason = getattr(exc, "reason", None)  # urllib wraps the socket error in URLError
    return isinstance(exc, ConnectionRefusedError) or isinstance(reason, ConnectionRefusedError)


def describe(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError):
        return f"HTTP {exc.response.status_code}, {exc.response.get('error', 'no error code')}"
    return f"{type(exc).__name__}: {getattr(exc, 'reason', None) or exc}"


def already_posted(client: WebClient, channel: str, period: str) -> str | None:
    """The ts of a post of ours for `period` in the channel's recent history, if any."""
    response = client.conversations_history(channel=channel, limit=100, include_all_metadata=True)
    for message in response.get("messages", []):
        meta = message.get("metadata") or {}
        if meta.get("event_type") == METADATA_EVENT and (
            (meta.get("event_payload") or {}).get("period") == period
        ):
            return message.get("ts")
    return None


def weekly_client(settings) -> WebClient:
    """A client that retries 429s (nothing was posted) but never a dropped connection."""
    return web_client(settings, retry_connections=False)
