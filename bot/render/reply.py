"""The reply every surface shows, before it is Slack blocks or terminal text.

A Reply is surface-neutral: a header echoing what was understood, sections in Slack mrkdwn,
an optional table (monospace text, or CSV when too wide), and context lines with the method
and caveats. `sections` is where each kind of answer body registers how it is worded
(`render.py`, `render/survival.py`); `to_text` and `bot.blocks.to_blocks` show a Reply.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import singledispatch

from sts_queries.privacy.reveal import is_hidden
from sts_queries.result import Answer, Part

__all__ = [
    "Reply",
    "Table",
    "error_reply",
    "fmt_p",
    "more_methods",
    "num",
    "pct",
    "plural",
    "sections",
    "table",
    "to_text",
]


@dataclass(frozen=True, kw_only=True)
class Reply:
    header: str
    sections: tuple[str, ...] = ()
    table: Table | None = None  # monospace; a file in Slack when too wide or too long
    shareable: bool = True  # offer "Share in channel" (never for a patient's card)
    context: tuple[str, ...] = ()
    error: bool = False


def pct(value: float | None, digits: int = 1) -> str:
    if is_hidden(value):  # a suppressed cell (queries/privacy/reveal.py)
        return "–"
    return "–" if value is None else f"{100 * value:.{digits}f}%"


def num(value: float | None, digits: int = 2, none: str = "NR") -> str:
    if is_hidden(value):
        return "–"
    return none if value is None else f"{value:.{digits}f}"


def plural(k: int, word: str) -> str:
    return f"{k} {word}{'' if k == 1 else 's'}"


def fmt_p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


@dataclass(frozen=True, kw_only=True)
class Table:
    """A table as monospace text and as CSV (what Slack attaches when it is too wide)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    @property
    def text(self) -> str:
        cells = [self.header, *self.rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(self.header))]
        lines = [
            "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells
        ]
        return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])

    @property
    def width(self) -> int:
        return max(len(line) for line in self.text.splitlines())

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.header)
        writer.writerows(self.rows)
        return out.getvalue()


def table(header: list[str], rows: list[list[str]]) -> Table:
    return Table(
        header=tuple(str(c) for c in header), rows=tuple(tuple(str(c) for c in r) for r in rows)
    )


@singledispatch
def sections(body: Part, a: Answer) -> tuple[list[str], str | None]:
    """The sections and table of an answer, by the type of its body (one renderer a type)."""
    raise TypeError(f"no renderer for {type(body).__name__}")  # a registry test prevents it


@singledispatch
def more_methods(body: Part) -> tuple[str, ...]:
    """Methods a body adds to its answer's method line (the Cox model of a grouped answer)."""
    return ()


def error_reply(kind: str, message: str, hint: str = "") -> Reply:
    return Reply(header=message, sections=(hint,) if hint else (), error=True)


_BOLD = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])")


def to_text(reply: Reply) -> str:
    """Plain text for a terminal: the same words, Slack's *bold* markers removed."""
    parts = [reply.header]
    parts.extend(_BOLD.sub(r"\1", s) for s in reply.sections if s)
    if reply.table:
        parts.append(reply.table.text)
    parts.extend(reply.context)
    return "\n".join(parts)
