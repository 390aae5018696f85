"""The Slack listeners, one small module each; `register_listeners` wires them to an app."""

from __future__ import annotations

from slack_bolt import App

from sts_bot.gateway.gateway import Gateway
from sts_bot.slack.blocks import SHARE_ACTION
from sts_bot.slack.delivery import DEFAULT_RETRY
from sts_bot.slack.listeners.command import ack_command, answer_command
from sts_bot.slack.listeners.share import ack_share, share_answer
from sts_bot.slack.replies import Retry

__all__ = ["register_listeners"]


def register_listeners(
    app: App, gateway: Gateway, *, command: str = "/sts", retry: Retry = DEFAULT_RETRY
) -> None:
    """Acknowledge at once (Slack allows 3 s), then answer in a lazy listener."""
    app.command(command)(ack=ack_command, lazy=[answer_command(gateway, retry)])
    app.action(SHARE_ACTION)(ack=ack_share, lazy=[share_answer(gateway, retry)])
