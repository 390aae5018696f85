"""The Slack listeners, one small module each; `register_listeners` wires them to an app."""

from __future__ import annotations

from slack_bolt import App

from ..blocks import SHARE_ACTION
from ..delivery import DEFAULT_RETRY
from ..gateway import Gateway
from ..slack_io import Retry
from .command import ack_command, answer_command
from .share import ack_share, share_answer

__all__ = ["register_listeners"]


def register_listeners(
    app: App, gateway: Gateway, *, command: str = "/sts", retry: Retry = DEFAULT_RETRY
) -> None:
    """Acknowledge at once (Slack allows 3 s), then answer in a lazy listener."""
    app.command(command)(ack=ack_command, lazy=[answer_command(gateway, retry)])
    app.action(SHARE_ACTION)(ack=ack_share, lazy=[share_answer(gateway, retry)])
