"""Delivering a handled command to Slack: privately through `response_url`, or in the channel.

A private reply goes to the command's `response_url` (it works in private channels and DMs the
bot is not in); its plots are uploaded without a channel — so only the bot holds them — and
shown through image blocks' `slack_file`. A shared reply is posted with `chat.postMessage` and
its plots are uploaded into the channel. Slack's known refusals become a clear message to the
asker. Outages (5xx, 429, refused or reset connections, timeouts) are retried with bounded
backoff, and a reply that still cannot be delivered is reported to the asker another way:
`bot/slack/delivery.py` has the rules and the order of audit record, delivery and delivery line.
"""

from __future__ import annotations

import logging
from http.client import HTTPException

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from sts_bot.gateway.gateway import Handled
from sts_bot.plots.figures import Plot
from sts_bot.render.answers import Reply
from sts_bot.slack.blocks import Image, Message, to_blocks
from sts_bot.slack.delivery import (
    DEFAULT_RETRY,
    DELIVERED,
    Delivery,
    Retry,
    TransientError,
    describe,
    quiet_sdk,
    transient,
)
from sts_bot.slack.refusals import Place, explain, retry_handlers, slack_error
from sts_bot.slack.uploads import send_file_to_dm, upload_private, upload_text

__all__ = [
    "Retry",
    "deliver",
    "post_private",
    "post_shared",
    "posted_already",
    "tell",
    "tell_lost",
]

log = logging.getLogger("sts.slack")
_SDK_LOG = quiet_sdk(logging.getLogger("sts.slack.webhook"))
# Metadata on shared replies: after an ambiguous failure the channel's history says whether
# the post went out, so it is never posted twice.
REPLY_EVENT = "sts_reply"


def _webhook(url: str, timeout: float) -> WebhookClient:
    return WebhookClient(url, timeout=timeout, retry_handlers=retry_handlers(), logger=_SDK_LOG)


def _send(place: Place, payload: dict, retry: Retry) -> bool:
    """Post `payload` to the response_url, retrying outages; True when Slack took it."""
    if not place.response_url:
        log.warning("no response_url to reply to (channel %s)", place.channel)
        return False

    def attempt():
        response = _webhook(place.response_url, retry.timeout).send_dict(payload)
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientError(f"HTTP {response.status_code}")
        return response

    try:
        response = retry.run("reply through response_url", attempt)
    except Exception as exc:
        if not transient(exc):
            raise
        return False
    if response.status_code != 200:
        log.warning("response_url refused the reply: HTTP %s", response.status_code)
    return response.status_code == 200


# A new message for the asker only. After a button click Slack would otherwise replace the
# message the button was on.
_PRIVATE = {"response_type": "ephemeral", "replace_original": False}


def _payload(message: Message, **extra) -> dict:
    return {"text": message.text, "blocks": list(message.blocks), **extra}


def post_private(
    client: WebClient,
    place: Place,
    reply: Reply,
    *,
    plots: tuple[Plot, ...] = (),
    share_command: str | None = None,
    notes: tuple[str, ...] = (),
    retry: Retry = DEFAULT_RETRY,
) -> bool:
    """Show `reply` to the asker only, with its plots; True when Slack took it."""
    notes = list(notes)
    images: tuple[Image, ...] = ()
    if plots:
        try:
            images = upload_private(client, plots, retry)
        except SlackApiError as exc:
            error, needed = slack_error(exc)
            log.warning("private plot upload failed: %s", error)
            notes.append(f"The plot could not be uploaded: {explain(error, place, needed=needed)}")
        except (OSError, HTTPException):  # each attempt is already in the log
            notes.append("The plot could not be uploaded: Slack did not answer; try again later.")
    message = to_blocks(reply, share_command=share_command, images=images, notes=tuple(notes))
    if message.attachment is not None:
        notes.append(send_file_to_dm(client, place, message.attachment, retry))
        message = to_blocks(reply, share_command=share_command, images=images, notes=tuple(notes))
    if _send(place, _payload(message, **_PRIVATE), retry):
        return True
    if images:  # most likely the image blocks: say so, and keep the numbers
        notes.append("The plot could not be shown here; add `share` to post it in the channel.")
        message = to_blocks(reply, share_command=share_command, notes=tuple(notes))
        return _send(place, _payload(message, **_PRIVATE), retry)
    return False


def posted_already(client: WebClient, channel: str, ref: str) -> bool:
    """Whether a reply tagged `ref` is in the channel's recent history."""
    response = client.conversations_history(channel=channel, limit=50, include_all_metadata=True)
    for message in response.get("messages", []):
        meta = message.get("metadata") or {}
        if (
            meta.get("event_type") == REPLY_EVENT
            and (meta.get("event_payload") or {}).get("ref") == ref
        ):
            return True
    return False


def post_shared(
    client: WebClient,
    place: Place,
    reply: Reply,
    plots: tuple[Plot, ...],
    *,
    command: str,
    ref: str | None = None,
    retry: Retry = DEFAULT_RETRY,
) -> str | None:
    """Post `reply` and its plots for everyone in the channel; None, or why nothing was.

    `ref` tags the post so that a repeat after an ambiguous failure is never a second post.
    """
    message = to_blocks(reply, shared_by=place.user, command=command)
    extra = {"metadata": {"event_type": REPLY_EVENT, "event_payload": {"ref": ref}}} if ref else {}

    def post():
        return client.chat_postMessage(
            channel=place.channel, text=message.text, blocks=list(message.blocks), **extra
        )

    # Without a ref nothing tells whether an ambiguous failure posted: then it is not repeated.
    safe = (lambda: not posted_already(client, place.channel, ref)) if ref else (lambda: False)
    try:
        retry.run(f"posting in {place.channel}", post, safe=safe)
    except SlackApiError as exc:
        error, needed = slack_error(exc)
        if transient(exc):
            return f"Slack did not take the post ({describe(exc)}); try again later."
        log.warning("posting in %s failed: %s", place.channel, error)
        return explain(error, place, needed=needed)
    except (OSError, HTTPException) as exc:
        return f"Slack could not be reached ({describe(exc)}); try again later."
    try:
        uploads = [{"file": p.png, "filename": p.filename, "title": p.title} for p in plots]
        if uploads:
            retry.run(
                f"uploading into {place.channel}",
                lambda: client.files_upload_v2(file_uploads=uploads, channel=place.channel),
                safe=lambda: False,  # a shared upload repeated would show twice
            )
        if message.attachment is not None:
            retry.run(
                f"uploading into {place.channel}",
                lambda: upload_text(client, place.channel, message.attachment),
                safe=lambda: False,
            )
    except SlackApiError as exc:  # the numbers are out; say what is missing, privately
        error, needed = slack_error(exc)
        log.warning("uploading into %s failed: %s", place.channel, error)
        why = describe(exc) if transient(exc) else explain(error, place, needed=needed)
        tell(place, f"Shared, but a file could not follow: {why}", retry=retry)
    except (OSError, HTTPException) as exc:
        tell(place, f"Shared, but a file could not follow: {describe(exc)}", retry=retry)
    return None


def tell_lost(client: WebClient, place: Place, command: str, retry: Retry) -> str | None:
    """Tell the asker that their reply was lost, another way; how they were told, or None."""
    text = (
        f"I could not deliver my reply to `{command or 'your command'}`: Slack did not take it "
        "after several tries. Please ask again."
    )
    try:
        retry.run(
            "telling the asker in the channel",
            lambda: client.chat_postEphemeral(channel=place.channel, user=place.user, text=text),
        )  # repeated even after an ambiguous failure: a note seen twice beats none
        return "ephemeral"
    except (SlackApiError, OSError, HTTPException) as exc:
        log.warning("could not tell %s in the channel: %s", place.user, describe(exc))
    try:
        dm = retry.run("opening a DM", lambda: client.conversations_open(users=place.user))
        retry.run(
            "telling the asker in a DM",
            lambda: client.chat_postMessage(channel=dm["channel"]["id"], text=text),
        )
        return "dm"
    except (SlackApiError, OSError, HTTPException) as exc:
        log.warning("could not tell %s in a DM either: %s", place.user, describe(exc))
    return None


def deliver(
    client: WebClient, place: Place, handled: Handled, *, command: str, retry: Retry = DEFAULT_RETRY
) -> Delivery:
    """Deliver one handled command: shared in the channel when asked, else to the asker only."""
    outcome = handled.outcome
    if handled.shared and not outcome.is_error:
        problem = post_shared(
            client,
            place,
            outcome.reply,
            outcome.plots,
            command=command,
            ref=handled.record,
            retry=retry,
        )
        if problem is None:
            return DELIVERED
        # Not shared, but the asker still gets the answer, and the reason.
        notes = (f"Not shared: {problem}",)
        if post_private(
            client, place, outcome.reply, plots=outcome.plots, notes=notes, retry=retry
        ):
            return DELIVERED
        return _lost(client, place, command, retry)
    share_command = None if outcome.is_error else command
    if post_private(
        client,
        place,
        outcome.reply,
        plots=outcome.plots,
        share_command=share_command,
        retry=retry,
    ):
        return DELIVERED
    return _lost(client, place, command, retry)


def _lost(client: WebClient, place: Place, command: str, retry: Retry) -> Delivery:
    told = tell_lost(client, place, command, retry)
    log.warning("a reply to %s was lost; told: %s", place.user, told or "no way left")
    return Delivery.lost(told)


def tell(
    place: Place, text: str, *, delete_original: bool = False, retry: Retry = DEFAULT_RETRY
) -> bool:
    """A short private note to the asker (or removing the message a button was pressed on)."""
    if delete_original:
        return _send(place, {"delete_original": True}, retry)
    return _send(place, {**_PRIVATE, "text": text}, retry)
