"""What the listeners share: who asked from where, and a last resort for failures."""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from sts_bot.gateway.access import Asker
from sts_bot.service import service
from sts_bot.slack.delivery import Delivery
from sts_bot.slack.refusals import Place
from sts_bot.slack.replies import Retry, post_private

__all__ = ["asker", "report_failure"]

log = logging.getLogger("sts.slack")


def asker(*, user: str, team: str, channel: str) -> Asker:
    # 1:1 direct messages have IDs starting with D; group DMs and channels do not.
    return Asker(user=user, team=team, channel=channel, is_dm=channel.startswith("D"))


def report_failure(
    client: WebClient, place: Place, exc: Exception, doing: str, retry: Retry
) -> Delivery:
    """A bug after the ack: the asker gets a ref, the log the traceback; the reply is lost."""
    outcome = service.unexpected(exc, doing)
    try:
        told = post_private(client, place, outcome.reply, retry=retry)
    except Exception:  # Slack itself unreachable: the log already has the ref and traceback
        log.exception("could not tell the asker about the failure either")
        told = False
    return Delivery.lost("response_url" if told else None)
