"""A refusal in public says nothing about how many patients it refused for.

Issue 19's oracle: "fewer than 5 patients match" for 1-4, an answer or "… are left out by X" for
0, so that each extra filter was a yes/no question answered from the data (a patient's day of
death found by bisecting `os_time`). Now none, a few, and a few left out read alike, word for
word, and the ordinary aggregate answers stay.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from sts_bot.gateway.access import Asker, Policy
from sts_bot.gateway.audit import AuditLog
from sts_bot.gateway.gateway import Gateway
from sts_bot.gateway.seen import Seen
from sts_bot.service.service import Service

PUBLIC = Asker(user="U0REFUSE1", team="T0TEAM001", channel="C0PUBLIC1")


@pytest.fixture(scope="module")
def _gateway(demo):
    return Gateway(service=Service.over(demo), policy=Policy(min_cell=5), audit=AuditLog(None))


@pytest.fixture
def gateway(_gateway):
    """A fresh memory of what was shown: each test's questions are judged on their own (the
    tracker check, which remembers across questions, has tests/test_trackers.py)."""
    return replace(_gateway, seen=Seen(None))


def said(gateway, text: str) -> str:
    return gateway.handle(text, PUBLIC, surface="slash", with_plots=False).outcome.text


# On the demo: nobody is 100 or over; two patients have synovial sarcoma (SS); twelve do not,
# so `histology!=SS` differs from `count` by two.
@pytest.mark.parametrize(
    "bisection",
    [
        ("count age>=100", "count histology=SS"),  # none / two
        ("count age>=100", "count histology!=SS"),  # none / two left out
        ("pfs age>=100", "pfs histology=SS"),
        ("orr histology=SS age>=80", "orr histology=SS age>=40"),  # 0 / 2: a bisection step
    ],
)
def test_none_a_few_and_a_few_left_out_are_refused_alike(gateway, bisection):
    first, second = (said(gateway, text) for text in bisection)
    assert "not given here" in first
    assert first.replace(bisection[0].split()[0], "") == second.replace(bisection[1].split()[0], "")
    for text in (first, second):
        assert not any(w in text for w in ("match", "left out", "No patients"))


@pytest.mark.parametrize(
    ("text", "shown"),
    [("orr", "ORR 35.7% (5/14)"), ("pfs stage=IV", "n = 5"), ("count sex=M", "9 of 14")],
)
def test_ordinary_questions_are_still_answered(gateway, text, shown):
    assert shown in said(gateway, text)


def test_an_error_hint_gives_back_no_count_that_fields_hides(gateway):
    # `fields` shows SS (2 patients) as <5; the hint of a mistyped value once listed "SS (2)"
    # (and, beside a hidden †, a large count that gave it back by subtraction).
    hint = said(gateway, "count histology=zzz")
    assert "Known values:" in hint and "= SS" in hint
    assert not any(ch.isdigit() for ch in hint.split("Known values:")[1].split("\n")[0])
