"""The listeners themselves, in milliseconds: fake ack and client, the real gateway.

As in Slack's Bolt starter template, a listener is called with stand-ins for what Bolt passes
it; the Slack I/O functions it calls are recorded instead of sent. The end-to-end HTTP tests
(test_slack_http.py) drive the same listeners through signed requests to the real app.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import ClassVar

import pytest

from sts_bot.gateway.access import Policy
from sts_bot.gateway.audit import AuditLog
from sts_bot.gateway.gateway import Gateway
from sts_bot.service.service import Service
from sts_bot.slack.delivery import DEFAULT_RETRY, DELIVERED
from sts_bot.slack.listeners import command, common, share


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple, dict]] = []

    # What the stand-ins answer: delivered, posted (no problem), taken by Slack.
    returns: ClassVar[dict] = {"deliver": DELIVERED, "post_shared": None}

    def __call__(self, name: str):
        def record(*args, **kwargs):
            self.calls.append((name, args, kwargs))
            return self.returns.get(name, True)

        return record

    def named(self, name: str) -> list[tuple[tuple, dict]]:
        return [(a, k) for n, a, k in self.calls if n == name]


@pytest.fixture
def gateway(demo, tmp_path):
    return Gateway(
        service=Service.over(demo),
        policy=Policy(patient_channels=frozenset({"G0BOARD"})),
        audit=AuditLog(tmp_path / "audit.jsonl"),
    )


CONTEXT = SimpleNamespace(bot_user_id="U0BOT")


def slash(text: str, channel: str = "C0PUBLIC") -> dict:
    return {
        "text": text,
        "channel_id": channel,
        "user_id": "U0ASKER",
        "team_id": "T0TEAM",
        "response_url": "http://127.0.0.1:9/respond",
    }


def test_the_command_is_acknowledged_with_nothing_to_say():
    acks = []
    command.ack_command(lambda *a, **k: acks.append((a, k)))
    assert acks == [((), {})]


def test_the_answer_goes_to_the_asker_through_deliver(gateway, monkeypatch):
    sent = Recorder()
    monkeypatch.setattr(command, "deliver", sent("deliver"))
    # (A public channel: `orr histology=LPS`, four patients, would be refused there.)
    command.answer_command(gateway)(body=slash("orr"), client=object(), context=CONTEXT)
    (((_client, place, handled), kwargs),) = sent.named("deliver")
    assert (place.channel, place.user, place.bot_user) == ("C0PUBLIC", "U0ASKER", "U0BOT")
    assert kwargs == {"command": "orr", "retry": DEFAULT_RETRY}
    assert handled.outcome.json["count"] == 5 and not handled.refused


def test_a_patient_level_command_in_a_public_channel_is_refused(gateway, monkeypatch):
    sent = Recorder()
    monkeypatch.setattr(command, "deliver", sent("deliver"))
    # Where it is allowed, the card is not drawn: only that it is not refused is checked here
    # (the card and its plots: test_plot_checks.py, and through the real app test_slack_http.py).
    monkeypatch.setattr(gateway.service, "draw", lambda answer: ())
    command.answer_command(gateway)(body=slash("patient 8"), client=object(), context=CONTEXT)
    (((_, _, handled), _),) = sent.named("deliver")
    assert handled.refused and handled.outcome.kind == "not_allowed"
    command.answer_command(gateway)(
        body=slash("patient 8", "G0BOARD"), client=object(), context=CONTEXT
    )
    assert not sent.named("deliver")[1][0][2].refused


def test_a_failure_after_the_ack_reaches_the_asker_as_a_reference(gateway, monkeypatch):
    sent = Recorder()

    def broken(*args, **kwargs):
        raise ConnectionError("slack down")

    monkeypatch.setattr(command, "deliver", broken)
    monkeypatch.setattr(common, "post_private", sent("post_private"))
    command.answer_command(gateway)(body=slash("count"), client=object(), context=CONTEXT)
    (((_, _, reply), _),) = sent.named("post_private")
    assert reply.error and reply.header.startswith("Something went wrong (ref ")


def button(value: str, channel: str = "C0PUBLIC") -> dict:
    return {
        "actions": [{"value": value}],
        "channel": {"id": channel},
        "user": {"id": "U0PRESSER", "team_id": "T0TEAM"},
        "team": {"id": "T0TEAM"},
        "response_url": "http://127.0.0.1:9/respond",
    }


def test_the_share_button_posts_for_everyone_and_removes_the_private_copy(gateway, monkeypatch):
    sent = Recorder()
    monkeypatch.setattr(share, "post_shared", lambda *a, **k: sent("post_shared")(*a, **k))
    monkeypatch.setattr(share, "tell", sent("tell"))
    share.share_answer(gateway)(body=button("dcr by=stage"), client=object(), context=CONTEXT)
    (((_, place, reply, _plots), kwargs),) = sent.named("post_shared")
    assert (
        place.user == "U0PRESSER" and "DCR" in reply.header and kwargs["command"] == "dcr by=stage"
    )
    assert sent.named("tell") == [((place, ""), {"delete_original": True, "retry": DEFAULT_RETRY})]
    audit = [json.loads(x) for x in gateway.audit.path.read_text().splitlines()]
    audit = [x for x in audit if "surface" in x]  # the records, not their delivery lines
    assert audit[-1]["surface"] == "share" and audit[-1]["shared"] is True


def test_the_share_button_checks_access_again_for_whoever_pressed_it(gateway, monkeypatch):
    sent = Recorder()
    monkeypatch.setattr(share, "post_shared", sent("post_shared"))
    monkeypatch.setattr(share, "post_private", sent("post_private"))
    share.share_answer(gateway)(body=button("list"), client=object(), context=CONTEXT)
    assert not sent.named("post_shared")
    (((_, _, reply), _),) = sent.named("post_private")
    assert reply.error and "patient-level" in reply.header
