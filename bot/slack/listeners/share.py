"""The "Share in channel" button: re-answer the command it carries and post it for everyone.

The button carries the command, not the answer: any replica can re-answer it (the cohort is
the same), the access rules are checked again for whoever pressed it, and no answer needs to
be kept anywhere between the two.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from sts_bot.gateway.gateway import Gateway
from sts_bot.slack.delivery import DEFAULT_RETRY, DELIVERED, Delivery
from sts_bot.slack.listeners.common import asker, report_failure
from sts_bot.slack.refusals import Place
from sts_bot.slack.replies import Retry, post_private, post_shared, tell, tell_lost

__all__ = ["ack_share", "clicked", "share_answer", "share_handled"]

log = logging.getLogger("sts.slack")


def clicked(body: dict) -> tuple[str, str, str, str]:
    """The command the button carries, and where and by whom it was pressed."""
    text = str(body["actions"][0].get("value", ""))
    channel = (body.get("channel") or {}).get("id") or body["container"]["channel_id"]
    user = body["user"]["id"]
    team = (body.get("team") or {}).get("id") or body["user"].get("team_id", "")
    if not all(isinstance(v, str) and v for v in (channel, user)):
        raise TypeError("channel and user must be IDs")
    return text, channel, user, str(team)


def ack_share(ack: Ack) -> None:
    ack()


def share_answer(gateway: Gateway, retry: Retry = DEFAULT_RETRY) -> Callable[..., None]:
    """The lazy listener that posts a shared answer with `gateway`."""

    def share_sts_answer(body: dict, client: WebClient, context: BoltContext) -> None:
        try:
            text, channel, user, team = clicked(body)
        except (KeyError, IndexError, TypeError, AttributeError):
            # Not a click Slack would send (a signed request was crafted): nothing to answer.
            log.warning("a share click without its action, user or channel was ignored")
            return
        place = Place(
            channel=channel,
            user=user,
            response_url=body.get("response_url"),
            bot_user=context.bot_user_id,
        )
        handled = None
        try:
            handled = gateway.handle(
                text, asker(user=user, team=team, channel=channel), surface="share", share=True
            )
            delivery = share_handled(client, place, handled, text, retry)
        except Exception as exc:
            delivery = report_failure(client, place, exc, f"sharing /sts {text!r}", retry)
        if handled is not None:
            gateway.delivered(handled, delivery)

    return share_sts_answer


def share_handled(client: WebClient, place: Place, handled, text: str, retry: Retry) -> Delivery:
    outcome = handled.outcome
    if outcome.is_error:  # refused for this person or place, or the data changed
        if post_private(client, place, outcome.reply, retry=retry):
            return DELIVERED
        return Delivery.lost(tell_lost(client, place, text, retry))
    problem = post_shared(
        client, place, outcome.reply, outcome.plots, command=text, ref=handled.record, retry=retry
    )
    if problem is None:
        tell(place, "", delete_original=True, retry=retry)  # the shared copy replaces the private
        return DELIVERED
    if tell(place, f"Not shared: {problem}", retry=retry):
        return Delivery.lost("response_url")
    return Delivery.lost(tell_lost(client, place, text, retry))
