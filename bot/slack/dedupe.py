"""One answer per command: a request Slack sends again is acknowledged, not answered again.

Slack retries a request it thinks was not acknowledged (`X-Slack-Retry-Num`), Socket Mode
redelivers an envelope that was not acked in time, and a signed request can be replayed by
anyone who saw it within the five minutes its signature is valid. All of them carry the
same `trigger_id` (unique per command and button click); anything without one is keyed by a
hash of its body.

The memory is bounded twice: keys are forgotten after `window` (past the signature's five
minutes a replay is refused by the signature check anyway) and the oldest go first beyond
`limit` (10,000 commands in five minutes is far past what a team types). It is one process's
memory. A fleet (STS_DATABASE_URL) shares it instead: commands and clicks are deduped by the
queue itself (bot/slack/queued.py: the write of a question is its duplicate check), anything
else by bot/fleet/shared.py's `SeenRequests`, with the same `first_time`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from slack_bolt import BoltRequest, BoltResponse

__all__ = ["SeenRequests", "request_key", "skip_repeats"]

log = logging.getLogger("sts.dedupe")


class SeenRequests:
    """Keys seen in the last `window` seconds, at most `limit` of them; thread-safe."""

    def __init__(
        self,
        *,
        window: float = 360.0,
        limit: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.window = window
        self.limit = limit
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()  # oldest first
        self._lock = threading.Lock()

    def first_time(self, key: str) -> bool:
        """True the first time `key` is offered within the window, False on any repeat."""
        now = self._clock()
        with self._lock:
            while self._seen and now - next(iter(self._seen.values())) > self.window:
                self._seen.popitem(last=False)
            if key in self._seen:
                return False
            self._seen[key] = now
            while len(self._seen) > self.limit:
                self._seen.popitem(last=False)
            return True

    def __len__(self) -> int:
        return len(self._seen)


def request_key(body: dict, raw_body: str = "") -> str:
    """What makes a request the same request: its team and trigger_id, else its body."""
    team = body.get("team_id") or (body.get("team") or {}).get("id") or ""
    for name in ("trigger_id", "event_id"):
        if isinstance(body.get(name), str) and body[name]:
            return f"{team}:{name}:{body[name]}"
    text = raw_body or json.dumps(body, sort_keys=True, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


def skip_repeats(
    seen: SeenRequests, *, unless: Callable[[dict], bool] | None = None
) -> Callable[..., BoltResponse]:
    """A Bolt middleware (after the signature check): repeats get an empty 200 and no answer.

    `unless(body)`: requests that are deduped elsewhere (a fleet's queue), passed on as they are.
    """

    def skip_repeated_requests(
        req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        if (
            not isinstance(req.body, dict)
            # Slack's URL checks must be answered every time (a retried challenge too).
            or req.body.get("type") == "url_verification"
            or req.body.get("ssl_check")
            or (unless is not None and unless(req.body))
            or seen.first_time(request_key(req.body, req.raw_body))
        ):
            return next()
        retry = (req.headers.get("x-slack-retry-num") or ["-"])[0]
        log.info("a repeated request (retry %s) acknowledged and not answered again", retry)
        return BoltResponse(status=200, body="")

    return skip_repeated_requests
