"""A fleet's acks (STS_DATABASE_URL): a question is written to the shared queue, with its audit
line, before Slack hears the ack; any replica answers it (bot/slack/answering.py).

- A retry or replay of a request already written — on any replica — is acknowledged only
  (`request_key` is unique in the queue: the duplicate filter and the write are one statement).
- Backpressure: when the fleet's free slots are taken, the ack itself says so at once
  ("Queued, N ahead of yours") and the answer follows when a slot frees; an asker with
  `per_asker` questions open is asked to wait for them instead (the refusal is audited).
- When the database cannot be written, nothing is taken: the ack says to ask again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace

from slack_bolt import Ack, App, BoltContext

from sts_bot.fleet import db
from sts_bot.fleet.questions import NewQuestion, Questions
from sts_bot.gateway.audit import AuditWriteFailed
from sts_bot.gateway.gateway import Gateway
from sts_bot.slack.blocks import SHARE_ACTION
from sts_bot.slack.dedupe import request_key
from sts_bot.slack.listeners.common import asker
from sts_bot.slack.listeners.share import clicked
from sts_bot.slack.refusals import Place
from sts_bot.slack.replies import Retry, tell

__all__ = ["queue_listeners", "queued_request"]

log = logging.getLogger("sts.queue")

_ONCE = Retry(waits=(), timeout=5.0)  # a note on the queue: one attempt
UNREACHABLE = (
    "I cannot take questions right now: my database does not answer. Please ask again in a minute."
)


def queued_request(body: dict) -> bool:
    """Requests the queue dedupes itself (a slash command, a button click)."""
    return bool(body.get("command")) or body.get("type") == "block_actions"


def _take(
    gateway: Gateway,
    questions: Questions,
    per_asker: int,
    *,
    kind: str,
    key: str,
    body: dict,
) -> str | None:
    """Write one question; what the ack says (None: nothing, the answer follows)."""
    who = asker(user=body["user"], team=body["team"], channel=body["channel"])
    record = gateway.accepted(body["text"], who, surface=kind)
    line = gateway.audit.accepted(record)
    question = NewQuestion(
        request_key=key, record=record.id, kind=kind, asker=body["user"], body=body
    )
    try:
        taken = questions.enqueue(question, audit=line, per_asker=per_asker)
    except db.DatabaseError as exc:
        log.error("a question could not be written to the queue: %s", type(exc).__name__)
        return UNREACHABLE
    if taken.status == "repeat":
        log.info("a repeated request acknowledged and not answered again")
        return None
    if taken.status == "busy":
        try:
            gateway.audit.write(replace(record, outcome="refused", kind="busy"))
        except (OSError, AuditWriteFailed):
            return UNREACHABLE
        return (
            f"You have {taken.waiting} questions waiting already; ask again once they are answered."
        )
    gateway.audit.echo(line)  # in the database already; now the server log and file too
    if taken.ahead:
        return f"Queued, {taken.ahead} ahead of yours: the answer will follow here."
    return None


def _command(gateway: Gateway, questions: Questions, per_asker: int) -> Callable[..., None]:
    def enqueue_sts_command(ack: Ack, body: dict, context: BoltContext) -> None:
        question = {
            "text": (body.get("text") or "").strip(),
            "user": body.get("user_id", ""),
            "team": body.get("team_id", ""),
            "channel": body.get("channel_id", ""),
            "response_url": body.get("response_url"),
            "bot_user": context.bot_user_id,
        }
        said = _take(
            gateway, questions, per_asker, kind="slash", key=request_key(body), body=question
        )
        ack(text=said) if said else ack()

    return enqueue_sts_command


def _share(gateway: Gateway, questions: Questions, per_asker: int) -> Callable[..., None]:
    def enqueue_sts_share(ack: Ack, body: dict, context: BoltContext) -> None:
        try:
            text, channel, user, team = clicked(body)
        except (KeyError, IndexError, TypeError, AttributeError):
            log.warning("a share click without its action, user or channel was ignored")
            ack()
            return
        question = {
            "text": text,
            "user": user,
            "team": team,
            "channel": channel,
            "response_url": body.get("response_url"),
            "bot_user": context.bot_user_id,
        }
        said = _take(
            gateway, questions, per_asker, kind="share", key=request_key(body), body=question
        )
        ack()  # a click's ack cannot carry text: what there is to say goes privately
        if said:  # after the ack, in the background: the ack never waits for Slack
            place = Place(channel=channel, user=user, response_url=body.get("response_url"))
            threading.Thread(
                target=tell, args=(place, said), kwargs={"retry": _ONCE}, daemon=True
            ).start()

    return enqueue_sts_share


def queue_listeners(
    app: App, gateway: Gateway, questions: Questions, *, command: str, per_asker: int
) -> None:
    """The slash command and the share button, written to the queue before the ack."""
    app.command(command)(_command(gateway, questions, per_asker))
    app.action(SHARE_ACTION)(_share(gateway, questions, per_asker))
