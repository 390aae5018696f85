"""Telling the bot's admins (STS_ADMINS) what they must act on, in a direct message each.

Used for newer cohort data that was refused: the old version keeps answering, so nothing else
would show that the files published last are not the ones served. Each refused version is
told once by each process that refused it (a fleet of N replicas: up to N messages).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

__all__ = ["refusal_teller"]

log = logging.getLogger("sts.slack")

_MAX_PROBLEM = 2500  # a section holds 3,000 characters


def refusal_teller(
    client: WebClient, admins: Iterable[str], *, folder: str, command: str
) -> Callable[[str], None]:
    """`tell(problem)`: a DM to each admin saying that newer data in `folder` was refused."""
    admins = sorted(admins)

    def tell(problem: str) -> None:
        if not admins:
            log.warning("newer data refused and STS_ADMINS is empty: nobody to tell in Slack")
            return
        text = (
            f":warning: Newer cohort data in `{folder}` was refused; the version before it "
            f"still answers.\n{problem[:_MAX_PROBLEM]}\n"
            f"Fix the files and publish them again, then `{command} reload` to check."
        )
        for admin in admins:
            try:  # a user ID as the channel: the app's DM with that user
                client.chat_postMessage(channel=admin, text=text)
            except (SlackApiError, OSError) as exc:
                log.error("could not tell admin %s that new data was refused: %s", admin, exc)

    return tell
