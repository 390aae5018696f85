"""The retry rules of bot/slack/delivery.py, table by table, with a recorded clock: what is retried,
how often, after which waits, when a repeat is checked first, and how SIGTERM shortens it."""

from __future__ import annotations

import threading
import urllib.error

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from sts_bot.slack.delivery import DRAIN_WAIT, Retry, TransientError, maybe_done, transient


def api_error(status: int, error: str = "boom") -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.test/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": error},
        headers={},
        status_code=status,
    )
    return SlackApiError(error, response)


REFUSED = urllib.error.URLError(ConnectionRefusedError(111, "Connection refused"))


@pytest.mark.parametrize(
    ("failure", "is_transient", "may_have_happened"),
    [
        (api_error(500), True, True),
        (api_error(503), True, True),
        (api_error(429, "ratelimited"), True, False),
        (api_error(200, "channel_not_found"), False, False),
        (api_error(404, "not_found"), False, False),
        (TimeoutError("timed out"), True, True),
        (ConnectionResetError(104, "reset"), True, True),
        (REFUSED, True, False),
        (TransientError("HTTP 500"), True, True),
        (ValueError("a bug"), False, True),
    ],
)
def test_what_is_worth_another_attempt(failure, is_transient, may_have_happened):
    assert transient(failure) is is_transient
    if is_transient:
        assert maybe_done(failure) is may_have_happened


class Script:
    """An attempt that fails with the given exceptions, then answers "ok"."""

    def __init__(self, *failures: BaseException) -> None:
        self.failures = list(failures)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "ok"


def recorded(**kwargs) -> tuple[Retry, list[float]]:
    waits: list[float] = []
    return Retry(waits=(1.0, 5.0, 30.0), sleep=waits.append, **kwargs), waits


def test_transient_failures_are_retried_after_growing_waits(caplog):
    retry, waits = recorded()
    attempt = Script(api_error(500), TimeoutError("timed out"), REFUSED)
    assert retry.run("a reply", attempt) == "ok"
    assert attempt.calls == 4 and waits == [1.0, 5.0, 30.0]
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "a reply failed (attempt 1 of 4): HTTP 500 boom",
        "a reply failed (attempt 2 of 4): TimeoutError: timed out",
        "a reply failed (attempt 3 of 4): URLError: [Errno 111] Connection refused",
    ]
    assert all(r.levelname == "WARNING" and r.exc_info is None for r in caplog.records)


def test_attempts_are_bounded_and_the_last_failure_is_raised():
    retry, waits = recorded()
    attempt = Script(*[api_error(502)] * 10)
    with pytest.raises(SlackApiError):
        retry.run("a reply", attempt)
    assert attempt.calls == 4 and sum(waits) == 36.0  # well inside a response_url's 30 minutes


def test_a_refusal_is_not_retried():
    retry, waits = recorded()
    attempt = Script(api_error(200, "not_in_channel"))
    with pytest.raises(SlackApiError):
        retry.run("a post", attempt)
    assert attempt.calls == 1 and waits == []


@pytest.mark.parametrize(
    ("failure", "posted", "calls", "checked"),
    [
        (api_error(500), True, 1, 1),  # stored before the 500: not posted again
        (api_error(500), False, 2, 1),  # not stored: posted again
        (ConnectionResetError(104, "reset"), True, 1, 1),
        (api_error(429, "ratelimited"), True, 2, 0),  # a 429 proves nothing was posted
        (REFUSED, True, 2, 0),
    ],
)
def test_a_post_is_repeated_only_when_the_history_says_it_did_not_go_out(
    failure, posted, calls, checked
):
    retry, _ = recorded()
    attempt = Script(failure)
    asked = []

    def safe() -> bool:
        asked.append(1)
        return not posted

    result = retry.run("a post", attempt, safe=safe)
    assert (attempt.calls, len(asked)) == (calls, checked)
    assert result == ("ok" if calls == 2 else None)


def test_stopping_cuts_the_waits_and_allows_one_more_attempt():
    stopping = threading.Event()
    stopping.set()
    retry, waits = recorded(stopping=stopping)
    attempt = Script(*[api_error(500)] * 10)
    with pytest.raises(SlackApiError):
        retry.run("a reply", attempt)
    assert attempt.calls == 2 and waits == [pytest.approx(DRAIN_WAIT, abs=0.01)]
    retry, waits = recorded(stopping=stopping)
    assert retry.run("a reply", Script(api_error(500))) == "ok"
