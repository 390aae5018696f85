"""Files to Slack: plots uploaded for the asker alone, text files into a DM or a channel.

A private plot is uploaded without a channel, so only the bot holds it, and shown through an
image block's `slack_file` once Slack has finished processing it.
"""

from __future__ import annotations

import logging
import time
from http.client import HTTPException

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sts_bot.plots.figures import Plot
from sts_bot.slack.blocks import Image, TextFile
from sts_bot.slack.delivery import Retry
from sts_bot.slack.refusals import Place, explain, slack_error

__all__ = ["send_file_to_dm", "upload_private", "upload_text"]

log = logging.getLogger("sts.slack")

# Waits between checks that a private upload is ready to be shown (seconds, ~3 s in all).
_READY_WAITS = (0.0, 0.1, 0.2, 0.4, 0.8, 1.6)


def _wait_ready(client: WebClient, file_id: str) -> None:
    # An upload finishes asynchronously; an image block naming it before then is rejected as
    # invalid_blocks. files.info shows a mimetype once the file is ready.
    for wait in _READY_WAITS:
        time.sleep(wait)
        try:
            if client.files_info(file=file_id)["file"].get("mimetype"):
                return
        except SlackApiError as exc:
            log.info(
                "files.info unavailable (%s); showing %s without waiting",
                slack_error(exc)[0],
                file_id,
            )
            return


def upload_private(client: WebClient, plots: tuple[Plot, ...], retry: Retry) -> tuple[Image, ...]:
    """Upload plots without sharing them anywhere: only the bot holds them."""
    uploads = [{"file": p.png, "filename": p.filename, "title": p.title} for p in plots]
    # A repeated private upload only leaves a spare file no one sees: retried as it is.
    done = retry.run("plot upload", lambda: client.files_upload_v2(file_uploads=uploads))
    images = tuple(
        Image(file_id=f["id"], title=p.title) for f, p in zip(done["files"], plots, strict=True)
    )
    for image in images:
        _wait_ready(client, image.file_id)
    return images


def upload_text(client: WebClient, channel: str, file: TextFile) -> None:
    """Upload a text file (a long answer) into `channel`."""
    client.files_upload_v2(
        channel=channel, content=file.content, filename=file.filename, title=file.title
    )


def send_file_to_dm(client: WebClient, place: Place, file: TextFile, retry: Retry) -> str:
    """A long answer as a file in the asker's DM with the bot: the file stays private."""
    try:
        dm = retry.run("opening a DM", lambda: client.conversations_open(users=place.user))
        retry.run("file upload to a DM", lambda: upload_text(client, dm["channel"]["id"], file))
    except SlackApiError as exc:
        error, needed = slack_error(exc)
        log.warning("could not send %s to a DM: %s", file.filename, error)
        return f"I could not send you `{file.filename}`: {explain(error, place, needed=needed)}"
    except (OSError, HTTPException):
        return f"I could not send you `{file.filename}`: Slack did not answer; try again later."
    return f"`{file.filename}` is in your direct messages with me."
