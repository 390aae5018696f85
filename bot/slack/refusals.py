"""Where a reply goes, what Slack's refusals there mean for the asker, and Slack's own retries.

Outages that slack_sdk does not retry by itself are retried by `bot/slack/delivery.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

__all__ = ["Place", "explain", "retry_handlers", "slack_error"]


def retry_handlers(*, connections: bool = True) -> list:
    """slack_sdk's own retries: HTTP 429 (honouring Retry-After) and dropped connections."""
    handlers: list = [RateLimitErrorRetryHandler(max_retry_count=2)]
    if connections:
        handlers.append(ConnectionErrorRetryHandler())
    return handlers


@dataclass(frozen=True, kw_only=True)
class Place:
    """Where a command came from and where its reply goes."""

    channel: str
    user: str
    response_url: str | None
    bot_user: str | None = None  # for "/invite @bot" in messages


def explain(error: str, place: Place, *, needed: str | None = None) -> str:
    """What a Slack error code means for the asker, and what to do about it."""
    invite = f"`/invite <@{place.bot_user}>`" if place.bot_user else "`/invite` the app"
    known = {
        "not_in_channel": f"I'm not a member of this channel, so I can't post here. "
        f"Type {invite} and try again.",
        "channel_not_found": "I can't see this conversation (a private channel or a DM I'm not "
        f"in). Type {invite}, or ask without `share`: the answer then reaches only you.",
        "is_archived": "This channel is archived, so nothing can be posted in it.",
        "restricted_action": "This workspace does not let apps post in this channel.",
        "ratelimited": "Slack is limiting how fast I may post; try again in a minute.",
        "missing_scope": f"The app is missing the `{needed or '?'}` permission; reinstall it "
        "from deploy/manifest.*.yml.",
        "invalid_auth": "Slack no longer accepts the bot's token; the app needs reinstalling.",
        "token_revoked": "Slack no longer accepts the bot's token; the app needs reinstalling.",
    }
    return known.get(error, f"Slack refused the post (`{error}`).")


def slack_error(exc: SlackApiError) -> tuple[str, str | None]:
    """The error code of a refusal, and the permission it names as missing (if any)."""
    data = exc.response.data if isinstance(exc.response.data, dict) else {}
    return str(data.get("error", "unknown_error")), data.get("needed")
