"""Log lines without patient data: no request or reply body, no response_url, no token.

Bolt logs a rejected request's whole body (its `response_url` can post into the channel; its
text can be `patient 8`) and, at DEBUG, every reply body; slack_sdk logs request and response
bodies at DEBUG. `install_log_filters` puts `PhiFilter` on the root logger's handlers, so every
record that reaches a handler, from any library at any level, is cleaned first:

- anything after a body marker (`body:`, `body_params:`, `Request body:` …) is withheld;
- URLs (response_urls among them) and Slack tokens are replaced by placeholders;
- a slash command's text quoted into a message (`/sts 'patient 8'`) is withheld;
- newlines are escaped, so text a user typed cannot start a forged line of its own, and each
  line is capped in length. A traceback keeps its lines, each indented under its record.
"""

from __future__ import annotations

import logging
import re

__all__ = ["MAX_CHARS", "PhiFilter", "clean", "configure_logging", "install_log_filters"]

MAX_CHARS = 1000

_BODY = re.compile(
    r"(?i)\b(request body|body_params|json_body|body|payload|text|blocks|message)\s*[:=]\s*.*",
    re.DOTALL,
)
# Bolt quotes a whole unhandled request in parentheses: "Unhandled request ({...})".
_QUOTED_REQUEST = re.compile(r"(?i)\b(unhandled request|for the request)\s*\(.*", re.DOTALL)
_URL = re.compile(r"https?://[^\s'\",)}\]]+")
_TOKEN = re.compile(r"\bx(?:ox[a-z]|app)-[A-Za-z0-9-]+")
_COMMAND = re.compile(r"""(/[a-z0-9_-]+\s+)(['"]).*?\2""")


def clean(text: str, limit: int = MAX_CHARS) -> str:
    """One log line's text without bodies, URLs, tokens or typed commands; one line, capped."""
    text = _BODY.sub(lambda m: f"{m[1]}: [withheld]", text)
    text = _QUOTED_REQUEST.sub(lambda m: f"{m[1]} [withheld]", text)
    text = _URL.sub("<url>", text)
    text = _TOKEN.sub("<token>", text)
    text = _COMMAND.sub(r"\1[command withheld]", text)
    text = text.replace("\r", "\\r").replace("\n", "\\n")
    if len(text) > limit:
        text = text[:limit] + f"… [{len(text) - limit} more characters withheld]"
    return text


class PhiFilter(logging.Filter):
    """Rewrites each record's message (and traceback) through `clean` before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: keep its format string only
            message = str(record.msg)
        record.msg, record.args = clean(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            lines = [clean(line, MAX_CHARS) for line in record.exc_text.splitlines()]
            record.exc_text = "\n    | ".join(lines[-40:])  # indented: never a record's start
        record.exc_info = None
        if record.stack_info:
            record.stack_info = None
        return True


def install_log_filters(root: logging.Logger | None = None) -> None:
    """Clean every record on its way to the root logger's handlers (once per handler)."""
    root = root if root is not None else logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, PhiFilter) for f in handler.filters):
            handler.addFilter(PhiFilter())


def configure_logging(level: str) -> None:
    """The server's logging: `level`, one line per record, every line cleaned."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_log_filters()
