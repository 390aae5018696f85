"""Reply → Block Kit, within Block Kit's limits.

A reply becomes: a header echoing what was understood, its sections, its table in a code
block, its plots as image blocks, a context line (method and caveats) and, when it was shown
only to the asker, a "Share in channel" button. Whatever does not fit (50 blocks, 3,000
characters a section) goes into a text file attached to the reply, so nothing is cut off.
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    ImageBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.blocks.basic_components import SlackFile

from sts_bot.plots.figures import slug
from sts_bot.render.answers import Reply, to_text

__all__ = [
    "MAX_BLOCKS",
    "MAX_SECTION",
    "SHARE_ACTION",
    "Image",
    "Message",
    "TextFile",
    "escape",
    "to_blocks",
]

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_TABLE_WIDTH = 60  # characters: wider tables wrap on a tumor-board screen; they go as CSV
MAX_HEADER = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_BUTTON_VALUE = 2000
MAX_IMAGES = 10  # far more than any answer draws; keeps room for the text
SHARE_ACTION = "sts_share"


@dataclass(frozen=True, kw_only=True)
class TextFile:
    """Text too long for a message, to be uploaded alongside it."""

    filename: str
    title: str
    content: str


@dataclass(frozen=True, kw_only=True)
class Image:
    """A plot already uploaded to Slack, shown through an image block's `slack_file`."""

    file_id: str
    title: str


@dataclass(frozen=True, kw_only=True)
class Message:
    text: str  # the notification and screen-reader fallback
    blocks: tuple[dict, ...]
    attachment: TextFile | None = None


def escape(text: str) -> str:
    """Slack mrkdwn treats &, < and > as control characters; user text must not be links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _chunks(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` characters, split at line ends where possible."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # one line longer than a section: split it hard
            cut = limit
            amp = line.rfind("&", limit - 5, limit)
            if amp != -1 and ";" not in line[amp:limit]:
                cut = amp  # never split an &amp; entity in two
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces


def _code(table: str) -> str:
    return f"```\n{escape(table)}\n```"


def _context(lines: list[str]) -> ContextBlock | None:
    lines = [line for line in lines if line]
    if not lines:
        return None
    # At most ten elements: the last one gathers whatever lines remain.
    head = lines[: MAX_CONTEXT_ELEMENTS - 1]
    rest = "\n".join(lines[MAX_CONTEXT_ELEMENTS - 1 :])
    texts = [*head, rest] if rest else head
    return ContextBlock(
        elements=[MarkdownTextObject(text=t[:MAX_SECTION]) for t in texts],
    )


def to_blocks(
    reply: Reply,
    *,
    share_command: str | None = None,
    shared_by: str | None = None,
    command: str | None = None,
    images: tuple[Image, ...] = (),
    notes: tuple[str, ...] = (),
) -> Message:
    """Block Kit for `reply`.

    `share_command` adds the "Share in channel" button carrying that command; `shared_by` (a
    user ID) and `command` mark a message posted for everyone with who asked what; `notes`
    are delivery notes (a plot that could not be shown); `images` are uploaded plots.
    """
    top: list[Block] = []
    if reply.error:
        top.append(SectionBlock(text=f":warning: *{escape(reply.header)}*"[:MAX_SECTION]))
    elif len(reply.header) <= MAX_HEADER:
        top.append(HeaderBlock(text=reply.header))
    else:
        top.append(SectionBlock(text=f"*{escape(reply.header)}*"[:MAX_SECTION]))

    # Slack rejects a section with no visible text, so blank pieces are dropped.
    body = [c for s in reply.sections for c in _chunks(escape(s), MAX_SECTION) if c.strip()]
    table = reply.table
    wide = table is not None and table.width > MAX_TABLE_WIDTH
    table_fits = table is None or (not wide and len(_code(table.text)) <= MAX_SECTION)
    after: list[Block] = []
    if table is not None and table_fits:
        after.append(SectionBlock(text=_code(table.text)))
    after.extend(
        ImageBlock(
            slack_file=SlackFile(id=i.file_id), alt_text=i.title[:2000], title=i.title[:2000]
        )
        for i in images[:MAX_IMAGES]
    )
    context_lines = [escape(line) for line in reply.context]
    context_lines.extend(notes)
    if shared_by:
        asked = f" · `/sts {escape(command)}`" if command else ""
        context_lines.append(f"Shared by <@{shared_by}>{asked}")
    context = _context(context_lines)
    if context is not None:
        after.append(context)
    if (
        share_command
        and reply.shareable
        and not reply.error
        and len(share_command) <= MAX_BUTTON_VALUE
    ):
        after.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Share in channel",
                        action_id=SHARE_ACTION,
                        value=share_command,
                        style="primary",
                    )
                ]
            )
        )

    attachment = None
    room = MAX_BLOCKS - len(top) - len(after)
    overflow = len(body) > room or not table_fits
    name = f"sts-{slug(reply.header, limit=60, empty='answer')}"
    if overflow and wide and len(body) <= room - 1:
        # Too wide for a tumor-board screen: the table as a CSV file, as `sts ask --csv` writes.
        attachment = TextFile(
            filename=f"{name}.csv", title=reply.header[:MAX_HEADER], content=table.csv()
        )
        body.append(
            f"_The table ({len(table.rows)} rows) is in the attached file `{attachment.filename}`._"
        )
    elif overflow:
        attachment = TextFile(
            filename=f"{name}.txt", title=reply.header[:MAX_HEADER], content=to_text(reply) + "\n"
        )
        what = "table" if len(body) <= room - 1 else "rest of this answer"
        body = body[: room - 1]
        body.append(f"_The {what} is in the attached file `{attachment.filename}`._")
    blocks = [*top, *(SectionBlock(text=s) for s in body), *after]
    return Message(
        text=reply.header[:MAX_SECTION],
        blocks=tuple(b.to_dict() for b in blocks),
        attachment=attachment,
    )
