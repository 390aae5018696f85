"""What makes two requests the same request, and how long and how many are remembered."""

from __future__ import annotations

import pytest
from slack_bolt import BoltRequest, BoltResponse

from sts_bot.slack.dedupe import SeenRequests, request_key, skip_repeats

COMMAND = {"team_id": "T1", "trigger_id": "1.2.a", "text": "orr"}
BUTTON = {"team": {"id": "T1"}, "trigger_id": "9.8.b", "actions": [{}]}


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (COMMAND, dict(COMMAND), True),  # a replay
        (COMMAND, COMMAND | {"text": "orr "}, True),  # one trigger, whatever else differs
        (COMMAND, COMMAND | {"trigger_id": "1.2.c"}, False),  # the same text typed again
        (COMMAND, COMMAND | {"team_id": "T2"}, False),  # another workspace
        (BUTTON, dict(BUTTON), True),
        ({"event_id": "Ev1"}, {"event_id": "Ev1", "retry": 1}, True),
        ({"x": 1}, {"x": 1}, True),  # nothing to key on: the body itself
        ({"x": 1}, {"x": 2}, False),
    ],
)
def test_request_key(a, b, same):
    assert (request_key(a) == request_key(b)) == same


def test_keys_are_forgotten_after_the_window():
    now = [0.0]
    seen = SeenRequests(window=300, clock=lambda: now[0])
    assert seen.first_time("k") and not seen.first_time("k")
    now[0] = 299
    assert not seen.first_time("k")
    now[0] = 301  # 301 s after it was first seen
    assert seen.first_time("k")


def test_memory_is_bounded_by_the_limit():
    seen = SeenRequests(limit=3, clock=lambda: 0.0)
    for key in "abcde":
        assert seen.first_time(key)
    assert len(seen) == 3
    assert not seen.first_time("e") and seen.first_time("a")  # the oldest went first


def _dispatch(middleware, body: dict, headers: dict | None = None) -> tuple[int, bool]:
    request = BoltRequest(body=body, mode="socket_mode", headers=headers or {})
    called = []

    def next_() -> BoltResponse:
        called.append(True)
        return BoltResponse(status=200, body="answered")

    response = middleware(req=request, resp=BoltResponse(status=200), next=next_)
    return response.status, bool(called)


def test_a_repeat_is_acked_without_reaching_the_listeners():
    middleware = skip_repeats(SeenRequests())
    assert _dispatch(middleware, COMMAND) == (200, True)
    assert _dispatch(middleware, COMMAND, {"x-slack-retry-num": "1"}) == (200, False)


def test_url_verification_is_answered_every_time():
    middleware = skip_repeats(SeenRequests())
    challenge = {"type": "url_verification", "challenge": "abc", "token": "t"}
    assert _dispatch(middleware, challenge) == (200, True)
    assert _dispatch(middleware, challenge) == (200, True)
