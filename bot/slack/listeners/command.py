"""`/sts <command>`: acknowledged at once, answered by a lazy listener through the gateway."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from sts_bot.gateway.gateway import Gateway
from sts_bot.slack.delivery import DEFAULT_RETRY
from sts_bot.slack.listeners.common import asker, report_failure
from sts_bot.slack.refusals import Place
from sts_bot.slack.replies import Retry, deliver

__all__ = ["ack_command", "answer_command"]


def ack_command(ack: Ack) -> None:
    """Nothing to say yet: the answer follows through the response_url."""
    ack()


def answer_command(gateway: Gateway, retry: Retry = DEFAULT_RETRY) -> Callable[..., None]:
    """The lazy listener that answers a slash command with `gateway`, delivers the reply
    (retrying outages with `retry`) and completes the command's audit record with the outcome."""

    def answer_sts_command(body: dict, client: WebClient, context: BoltContext) -> None:
        text = (body.get("text") or "").strip()
        place = Place(
            channel=body.get("channel_id", ""),
            user=body.get("user_id", ""),
            response_url=body.get("response_url"),
            bot_user=context.bot_user_id,
        )
        handled = None
        try:
            handled = gateway.handle(
                text,
                asker(user=place.user, team=body.get("team_id", ""), channel=place.channel),
                surface="slash",
            )
            delivery = deliver(client, place, handled, command=text, retry=retry)
        except Exception as exc:
            delivery = report_failure(client, place, exc, f"answering /sts {text!r}", retry)
        if handled is not None:
            gateway.delivered(handled, delivery)

    return answer_sts_command
