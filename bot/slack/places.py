"""Is a Slack conversation private? Asked of Slack (`conversations.info`), not assumed.

A channel in STS_PATIENT_CHANNELS gets answers that show individual patients, so it must be a
private channel (or a DM): checked for every one at start-up, and again, at most every few
minutes per channel, before a patient-level answer goes to it — a channel can be made public
after the bot started. Anything Slack will not confirm counts as public (fail closed).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sts_bot.settings import Settings
from sts_bot.slack.bolt import web_client

__all__ = ["ChannelPrivacy", "slack_places"]

log = logging.getLogger("sts.places")


class ChannelPrivacy:
    """`is_private(channel)` from conversations.info, remembered for `ttl` seconds."""

    def __init__(self, client: WebClient, *, ttl: float = 300.0) -> None:
        self.client = client
        self.ttl = ttl
        self._seen: dict[str, tuple[float, bool, str | None]] = {}
        self._home: str | None = None
        self._lock = threading.Lock()

    def _ask(self, channel: str) -> tuple[bool, str | None]:
        try:
            info = self.client.conversations_info(channel=channel)["channel"]
        except SlackApiError as exc:
            data = exc.response.data if isinstance(exc.response.data, dict) else {}
            return False, str(data.get("error", "unknown_error"))
        private = bool(info.get("is_private") or info.get("is_im") or info.get("is_mpim"))
        return private, None

    def status(self, channel: str) -> tuple[bool, str | None]:
        """(private, Slack's error when it would not say)."""
        now = time.monotonic()
        with self._lock:
            seen = self._seen.get(channel)
        if seen is not None and now - seen[0] < self.ttl:
            return seen[1], seen[2]
        private, error = self._ask(channel)
        with self._lock:
            self._seen[channel] = (now, private, error)
        if not private:
            log.warning("channel %s is not confirmed private (%s)", channel, error or "public")
        return private, error

    def is_private(self, channel: str) -> bool:
        return self.status(channel)[0]

    def home_team(self) -> str | None:
        """The workspace the bot is installed in (auth.test), remembered once known."""
        if self._home is None:
            try:
                self._home = str(self.client.auth_test()["team_id"])
            except SlackApiError as exc:  # asked again next time; meanwhile nobody is answered
                log.warning("auth.test failed: %s", exc.response.get("error"))
                return None
        return self._home

    def problems(self, channels: Iterable[str]) -> list[str]:
        """What is wrong with channels configured for patient-level answers, for start-up."""
        problems = []
        for channel in sorted(channels):
            private, error = self.status(channel)
            if private:
                continue
            if error is None:
                problems.append(
                    f"STS_PATIENT_CHANNELS: {channel} is a public channel; patient-level answers "
                    "go only to private channels. Make it private, or take it out of the list."
                )
            else:
                problems.append(
                    f"STS_PATIENT_CHANNELS: Slack will not say whether {channel} is private "
                    f"({error}). Invite the bot to it (/invite), and check the app has the "
                    "channels:read and groups:read scopes."
                )
        return problems


def slack_places(settings: Settings) -> ChannelPrivacy | None:
    """What the gateway asks about channels when serving Slack: Slack itself (a bot token)."""
    return ChannelPrivacy(web_client(settings)) if settings.bot_token is not None else None
