"""The Bolt app itself and the Web API client it speaks through, before any listener.

Made before the cohort and the answering modules are loaded (pandas, DuckDB: some two
CPU-seconds), so that a token Slack refuses, or a SLACK_API_URL nothing answers at, stops
start-up at once; bot/slack/app.py adds the listeners once the gateway is open.
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk import WebClient

from sts_bot.settings import Settings, SettingsError, redact_url
from sts_bot.slack.delivery import quiet_sdk
from sts_bot.slack.refusals import retry_handlers

__all__ = ["new_app", "web_client"]

log = logging.getLogger("sts.bolt")


class _SameToken(logging.Filter):
    # Bolt warns that `token` (read from SLACK_BOT_TOKEN) is unused when a client is given;
    # our client carries that very token, so the warning only confuses whoever reads the log.
    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


log.addFilter(_SameToken())


def web_client(settings: Settings, *, retry_connections: bool = True) -> WebClient:
    """The Web API client every Slack call uses: SLACK_API_URL, slack_sdk's retry handlers.

    `retry_connections=False` for calls that must not be repeated blindly (the weekly post:
    a dropped connection may come after Slack stored the message).
    """
    return WebClient(
        token=settings.bot_token,
        base_url=settings.api_url,
        timeout=settings.slack_timeout,
        retry_handlers=retry_handlers(connections=retry_connections),
        logger=quiet_sdk(logging.getLogger("sts.slack.web")),
    )


def new_app(settings: Settings, *, socket_mode: bool, executor: Executor | None = None) -> App:
    """The app for one process, without listeners; checks the bot token with auth.test."""
    # No blind retries of dropped connections: a chat.postMessage may have been stored before
    # its connection broke. Delivery retries every call itself, reading the channel's history
    # before repeating a post (bot/slack/delivery.py).
    client = web_client(settings, retry_connections=False)
    try:
        return App(
            client=client,
            signing_secret=settings.signing_secret or "",
            # Socket Mode requests come over the app token's WebSocket, not as signed HTTP.
            request_verification_enabled=not socket_mode,
            # The ack listener only acks, so running it before the HTTP response costs nothing,
            # and keeps acks off the worker pool the lazy listeners keep busy.
            process_before_response=True,
            listener_executor=executor,
            logger=log,
            # Named, else Bolt names it after its caller's file by reading the whole call stack
            # with source context (inspect.stack(): ~0.2 CPU-s at every start-up).
            name="sts",
        )
    except BoltError as exc:
        raise SettingsError(
            [
                f"SLACK_BOT_TOKEN: Slack did not accept it ({exc}). Copy the Bot User OAuth "
                "Token again from OAuth & Permissions, or reinstall the app."
            ]
        ) from exc
    except OSError as exc:  # nothing answers at SLACK_API_URL (network, proxy, a typo)
        raise SettingsError(
            [
                f"SLACK_API_URL: could not reach {redact_url(settings.api_url)} "
                f"({redact_url(str(exc))}). Check the URL, "
                "the network and any proxy."
            ]
        ) from exc
