"""The server's log: levels and format, and no request body in it at any level.

Bolt and slack_sdk put whole request bodies into some of their messages (a rejected
signature at INFO, an unhandled request at WARNING, every Socket Mode message at DEBUG).
A body holds what people typed — patient numbers, sometimes — and an attacker's 20 MiB, so
those messages are cut where the body starts, on every handler, whatever the level; and a
password in a URL (SLACK_API_URL) is replaced by ***.
"""

from __future__ import annotations

import logging

from .settings import redact_url

__all__ = ["NoRequestBodies", "configure_logging"]

# Where the framework messages that carry a body start quoting it.
_MARKERS = ("body:", "body=", "Unhandled request (", "for the request (", "payload:", "message:")
_FRAMEWORKS = ("slack_bolt", "slack_sdk", "sts.bolt", "sts.slack.web", "waitress")


class NoRequestBodies(logging.Filter):
    """Cuts framework log messages before the request body they would quote; hides passwords
    in URLs in every message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = redact_url(record.getMessage())  # a password in SLACK_API_URL
        if not record.name.startswith(_FRAMEWORKS):
            cut = -1
        else:
            cut = min((i for m in _MARKERS if (i := message.find(m)) >= 0), default=-1)
        record.msg = message[:cut] + "[request body not logged]" if cut >= 0 else message
        record.args = ()
        return True


def configure_logging(level: str) -> None:
    """The server's logging: `level`, one line per record, framework bodies cut."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(NoRequestBodies())
