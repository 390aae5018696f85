"""The Bolt app: a Web API client pointed at SLACK_API_URL, and the listeners."""

from __future__ import annotations

import threading
from concurrent.futures import Executor

from slack_bolt import App

from sts_bot.fleet.questions import Questions
from sts_bot.fleet.shared import SeenRequests as SharedSeen
from sts_bot.gateway.gateway import Gateway
from sts_bot.gateway.health import CallHealth
from sts_bot.settings import Settings
from sts_bot.slack.bolt import new_app, web_client
from sts_bot.slack.dedupe import SeenRequests, skip_repeats
from sts_bot.slack.listeners import register_listeners
from sts_bot.slack.queued import queue_listeners, queued_request
from sts_bot.slack.replies import Retry

__all__ = ["build_app", "delivery_retry", "web_client"]


def build_app(
    settings: Settings,
    gateway: Gateway,
    *,
    socket_mode: bool,
    executor: Executor | None = None,
    stopping: threading.Event | None = None,
    questions: Questions | None = None,
    slack_health: CallHealth | None = None,
    app: App | None = None,
) -> App:
    """The app for one process with its listeners: `app` as `bolt.new_app` made it (the bot
    token checked with auth.test before anything is served), else made here.

    `stopping`, set on SIGTERM, makes replies still being retried finish quickly. `questions`:
    a fleet's shared queue (STS_DATABASE_URL): acks write to it, bot/slack/answering.py answers.
    `slack_health` hears how each attempt at delivering a reply went (for /readyz).
    """
    if app is None:
        app = new_app(settings, socket_mode=socket_mode, executor=executor)
    if questions is not None:  # a fleet: the queue and the database remember repeats
        app.use(skip_repeats(SharedSeen(questions.db), unless=queued_request))
        queue_listeners(
            app, gateway, questions, command=settings.command, per_asker=settings.asker_limit
        )
        return app
    # After Bolt's signature check, before any listener: a repeat is acked, not answered.
    app.use(skip_repeats(SeenRequests()))
    register_listeners(
        app,
        gateway,
        command=settings.command,
        retry=delivery_retry(settings, stopping, health=slack_health),
    )
    return app


def delivery_retry(
    settings: Settings,
    stopping: threading.Event | None = None,
    *,
    health: CallHealth | None = None,
) -> Retry:
    """How replies are retried (STS_DELIVERY_WAITS_MS, STS_SLACK_TIMEOUT_MS); `health` hears
    how each attempt went (for /readyz)."""
    return Retry(
        waits=settings.delivery_waits,
        timeout=settings.slack_timeout,
        stopping=stopping,
        health=health,
    )
