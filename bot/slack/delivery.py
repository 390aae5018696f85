"""Getting a reply to Slack when Slack misbehaves: bounded retries, another route, a verdict.

The order for every command, and why (fail closed: nothing is sent that the audit log lacks):

1. The gateway writes the command's audit record — what was asked and decided, with an `id` —
   before anything is sent. If that write fails, only the "withheld" message goes out.
2. Delivery sends the reply. A transient failure — HTTP 5xx, 429 once slack_sdk's own
   Retry-After retries are spent, a refused or reset connection, a client timeout — is retried
   after each of `Retry.waits` (by default 2, 10, 60 and 300 s: five attempts within about six
   minutes, well inside the 30 minutes a response_url lives). Each failed attempt is one
   WARNING line, never a traceback. A refusal (`ok: false`, a 4xx) is not retried.
3. When every attempt failed, the asker is told by another route where one exists: a
   `chat.postEphemeral` in the channel when the response_url failed, the response_url when the
   channel post failed, else a direct message.
   While the process drains after SIGTERM (`Retry.stopping` set), waits shrink to at most
   DRAIN_WAIT and a reply gets at most one more attempt, so the drain fits a container's grace
   period (30 s in deploy/k8s) instead of waiting minutes for an outage to pass.
4. Then a second, small audit line with the same `id` says `delivered` or `lost` (and how the
   asker was told of a loss).

Why a record and a delivery line rather than one record written after delivery: a record
written only after the send could be missing for a reply that went out (a crash or a full disk
between the two), which is exactly what fail closed forbids. So the record of the decision
comes first, and the delivery line completes it; a record with no delivery line is a process
that died while delivering. Each command has exactly one record and one delivery line.

A `chat.postMessage` (a shared answer) is retried only after failures that prove nothing was
posted (a refusal, a 429, a refused connection); after a 5xx, a reset or a timeout the message
may be in the channel, so the channel's history is read for the reply's metadata first.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.client import HTTPException
from typing import TypeVar

from slack_sdk.errors import SlackApiError

from sts_bot.gateway.health import CallHealth

__all__ = [
    "DEFAULT_RETRY",
    "DEFAULT_WAITS",
    "DELIVERED",
    "Delivery",
    "Retry",
    "TransientError",
    "describe",
    "quiet_sdk",
    "transient",
]

log = logging.getLogger("sts.slack")
T = TypeVar("T")

# Seconds between attempts: 5 attempts, about 6 minutes in all (a response_url lives 30).
DEFAULT_WAITS: tuple[float, ...] = (2.0, 10.0, 60.0, 300.0)
DRAIN_WAIT = 1.0  # seconds: the longest wait between attempts once the process is stopping


class TransientError(Exception):
    """A failure worth another attempt (a 5xx or 429 answer without an exception of its own)."""

    def __init__(self, description: str, *, maybe_done: bool = True) -> None:
        super().__init__(description)
        self.maybe_done = maybe_done


def transient(exc: BaseException) -> bool:
    """True for what another attempt may cure: 5xx, 429, connection errors, timeouts."""
    if isinstance(exc, TransientError):
        return True
    if isinstance(exc, SlackApiError):
        status = getattr(exc.response, "status_code", 200)
        return status >= 500 or status == 429
    return isinstance(exc, OSError | HTTPException)


def maybe_done(exc: BaseException) -> bool:
    """False when the failure proves the request had no effect (refused, 429, a refusal)."""
    if isinstance(exc, TransientError):
        return exc.maybe_done
    if isinstance(exc, SlackApiError):
        return exc.response.status_code >= 500
    reason = getattr(exc, "reason", None)  # urllib wraps the socket error in URLError
    return not (
        isinstance(exc, ConnectionRefusedError) or isinstance(reason, ConnectionRefusedError)
    )


def describe(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError):
        status = getattr(exc.response, "status_code", "?")
        return f"HTTP {status} {exc.response.get('error', '')}".strip()
    if isinstance(exc, TransientError):
        return str(exc)
    reason = getattr(exc, "reason", None) or exc
    return f"{type(exc).__name__}: {reason}"


@dataclass(frozen=True, kw_only=True)
class Retry:
    """How often and after what waits a reply is tried again; `sleep` for tests' clocks."""

    waits: tuple[float, ...] = DEFAULT_WAITS
    timeout: float = 10.0  # seconds a client waits for Slack to answer one attempt
    sleep: Callable[[float], None] = time.sleep
    stopping: threading.Event | None = None  # set on SIGTERM: drain quickly
    health: CallHealth | None = None  # what /readyz reports of Slack: told of each attempt

    def _pause(self, wait: float) -> None:
        if self.stopping is None:
            self.sleep(wait)
            return
        started = time.monotonic()
        if self.stopping.wait(wait):  # stopping: what is left of the wait is cut short
            self.sleep(min(DRAIN_WAIT, max(0.0, wait - (time.monotonic() - started))))

    def _draining(self) -> bool:
        return self.stopping is not None and self.stopping.is_set()

    def run(self, what: str, attempt: Callable[[], T], *, safe: Callable[[], bool] | None = None):
        """`attempt()`'s result, trying again after transient failures; re-raises the last.

        `safe()`, asked before a repeat after a failure that may have taken effect, says
        whether repeating is safe (False: it took effect, stop and count it done: returns
        None). Without it, such failures are retried as they are (idempotent requests).
        """
        tries = len(self.waits) + 1
        since_stop = 0  # attempts failed while stopping: after one, give up
        for number in range(1, tries + 1):
            try:
                result = attempt()
            except Exception as exc:
                if not transient(exc):
                    raise
                if self.health is not None:
                    self.health.failed(describe(exc))
                log.warning("%s failed (attempt %d of %d): %s", what, number, tries, describe(exc))
                since_stop += self._draining()
                if number == tries or since_stop > 1:
                    raise
                self._pause(self.waits[number - 1])
                if safe is not None and maybe_done(exc) and not safe():
                    log.warning("%s had gone through after all; not repeated", what)
                    return None
            else:
                if self.health is not None:
                    self.health.ok()
                return result
        raise AssertionError("unreachable")


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """What became of one command's reply: `delivered`, or `lost` and how the asker was told."""

    delivered: bool
    told: str | None = None  # for a loss: ephemeral | dm | response_url | None (not told)

    @classmethod
    def lost(cls, told: str | None) -> Delivery:
        return cls(delivered=False, told=told)

    @property
    def verdict(self) -> str:
        return "delivered" if self.delivered else "lost"


DELIVERED = Delivery(delivered=True)
DEFAULT_RETRY = Retry()  # what a caller that does not say gets: the production waits


class _OneLineFailures(logging.Filter):
    # slack_sdk logs each failed request at ERROR; the retry loop logs one WARNING per attempt
    # with what it means, so the sdk's line is only noise (and a second line per fault).
    def filter(self, record: logging.LogRecord) -> bool:
        return "Failed to send a request to Slack API server" not in record.getMessage()


def quiet_sdk(logger: logging.Logger) -> logging.Logger:
    """`logger` for a slack_sdk client, without its per-request failure lines."""
    if not any(isinstance(f, _OneLineFailures) for f in logger.filters):
        logger.addFilter(_OneLineFailures())
    return logger
