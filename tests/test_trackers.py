"""Trackers: an insider in a public channel subtracting answers to learn one patient's values.

Each attack is played twice against the real gateway (real DuckDB, the real small-cell rules):
once with the tracker check switched off, where it must learn the planted fact — so the test
can fail — and once as served, where every step that would give it away is refused. On the
demo and on 1,000 synthetic patients with a few rare ones planted.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from sts_bot.gateway.access import Asker, Policy
from sts_bot.gateway.audit import AuditLog
from sts_bot.gateway.gateway import Gateway
from sts_bot.gateway.seen import Seen
from sts_bot.service.service import Service
from sts_queries.cohort.cohort import load_cohort
from sts_queries.privacy.trackers import Memory, PatientSet
from tests.conftest import write_cohort

K = 5
INSIDER = Asker(user="U0INSIDER", team="T0TEAM001", channel="C0PUBLIC1")
COLLEAGUE = Asker(user="U0OTHER01", team="T0TEAM001", channel="C0PUBLIC1")
ELSEWHERE = Asker(user="U0OTHER02", team="T0TEAM001", channel="C0PUBLIC2")


class Unwatched(Seen):
    """The gateway as it was before the tracker check: nothing remembered, nothing refused."""

    def check(self, scopes, version, n, sets, min_cell):
        return None


def planted(folder) -> object:
    """1,000 patients; planted: the one EES patient (P1000: the oldest, 89, a partial
    response, progressed at 3.1 months), and the two who started on 2020-08-01 (both CR)."""
    rng = random.Random(20261202)
    rows = ["patient_id,sex,age,histology,stage,best_response,pfs_time,pfs_event,start_date"]
    for i in range(1, 1000):
        histology = rng.choice(["LPS", "UPS", "LMS"])
        response = rng.choices(["CR", "PR", "SD", "PD"], weights=[3, 27, 40, 30])[0]
        start = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(400))
        if start == dt.date(2020, 8, 1):
            start += dt.timedelta(days=1)  # the day is the planted two's alone
        if i in (500, 501):
            start, response = dt.date(2020, 8, 1), "CR"
        rows.append(
            f"P{i:04d},{rng.choice('MF')},{rng.randint(18, 85)},{histology},"
            f"{rng.choice(['II', 'III', 'IV'])},{response},{rng.expovariate(1 / 9):.2f},"
            f"{int(rng.random() < 0.7)},{start}"
        )
    rows.append("P1000,F,89,EES,IV,PR,3.10,1,2020-06-01")
    toml = 'name = "planted"\ntime_unit = "months"\n'
    return load_cohort(write_cohort(folder, "\n".join(rows) + "\n", toml))


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    return planted(tmp_path_factory.mktemp("planted") / "cohort")


def gateways(cohort):
    """(unwatched, as served): the same cohort, policy and rules, without and with the check."""
    service = Service.over(cohort)
    policy = Policy(min_cell=K)
    return (
        Gateway(service=service, policy=policy, audit=AuditLog(None), seen=Unwatched(None)),
        Gateway(service=service, policy=policy, audit=AuditLog(None), seen=Seen(None)),
    )


def ask(gateway, text, asker=INSIDER):
    """The --json of the answer, or None when refused."""
    outcome = gateway.handle(text, asker, surface="slash", with_plots=False).outcome
    if outcome.is_error:
        assert outcome.kind == "not_allowed", outcome.text  # refused, not broken
        return None
    return outcome.json


def responders(gateway, text, asker=INSIDER):
    answer = ask(gateway, text, asker)
    return None if answer is None else answer["count"]


# --- Two answers, one patient apart -----------------------------------------------------------

# (cohort, first, second, how many patients the second adds, the responders among them or
# None where the small-cell rules already hide the count): each pair passes the one-filter
# complement check of `reveals_patients`, so without the tracker check both are answered.
PAIRS = [
    # The demo's oldest (case 6, 81): a range moved by one year.
    ("demo", "pfs age=45..80", "pfs age=45..81", 1, None),
    # The one EES patient (case 10): a value added to a list.
    ("demo", "pfs histology=LPS,UPS", "pfs histology=LPS,UPS,EES", 1, None),
    # Cases 8 and 12 started on 2019-09-17: one day of start_date.
    ("demo", "pfs start_date<=2019-09-16", "pfs start_date<=2019-09-17", 2, None),
    ("synthetic", "orr age=60..88", "orr age=60..89", 1, 1),
    ("synthetic", "orr start_date<2020-08-01", "orr start_date<=2020-08-01", 2, 2),
    # by= splits one patient apart: the patient's group gains them.
    ("synthetic", "orr age=30..88 by=stage", "orr age=30..89 by=stage", 1, 1),
]


@pytest.mark.parametrize(("which", "first", "second", "added", "fact"), PAIRS)
def test_a_two_answer_difference_is_refused(request, which, first, second, added, fact):
    cohort = request.getfixturevalue(which)
    unwatched, served = gateways(cohort)
    a, b = ask(unwatched, first), ask(unwatched, second)
    assert b["n"] - a["n"] == added  # without the check both are answered, `added` apart
    if fact is not None:
        assert b["count"] - a["count"] == fact  # and the planted responses come out
    assert ask(served, first) is not None  # the first is an ordinary answer
    assert ask(served, second) is None  # the step that would give the fact away is refused


def test_a_three_answer_tracker_is_refused(synthetic):
    # EES = (LPS, UPS, EES) − LPS − UPS: no two of the sets are close, the sum gives P1000.
    unwatched, served = gateways(synthetic)
    steps = ["orr histology=LPS", "orr histology=UPS", "orr histology=LPS,UPS,EES"]
    a, b, c = (responders(unwatched, s) for s in steps)
    assert c - a - b == 1  # P1000's partial response
    assert responders(served, steps[0]) is not None
    assert responders(served, steps[1]) is not None
    assert responders(served, steps[2]) is None


def test_events_subtracted_across_survival_answers_are_refused(synthetic):
    unwatched, served = gateways(synthetic)

    def events(gateway, text):
        answer = ask(gateway, text)
        return None if answer is None else answer["events"]

    first, second = "pfs age=60..88", "pfs age=60..89"
    assert events(unwatched, second) - events(unwatched, first) == 1  # P1000 progressed
    assert events(served, first) is not None and events(served, second) is None


def test_consecutive_weekly_summaries_are_not_differenced(demo):
    # Case 7 started on 2019-10-08: the week after, the cohort is one patient larger.
    unwatched, served = gateways(demo)
    first, second = "summary as_of=2019-10-06", "summary as_of=2019-10-13"
    a, b = ask(unwatched, first), ask(unwatched, second)
    assert b["size"] - a["size"] == 1
    assert ask(served, first) is not None and ask(served, second) is None


def test_the_channel_remembers_what_another_asker_was_shown_there(demo):
    _, served = gateways(demo)
    assert ask(served, "orr age=45..80", INSIDER) is not None
    # A colleague in the same channel saw the reply: the channel is a scope of its own.
    assert ask(served, "orr age=45..81", COLLEAGUE) is None
    # Elsewhere, a different asker has seen nothing close to it.
    assert ask(served, "orr age=45..81", ELSEWHERE) is not None


def test_ordinary_questions_keep_their_exact_answers(demo):
    _, served = gateways(demo)
    for text, shown in [
        ("orr", "ORR 35.7% (5/14)"),
        ("pfs stage=IV", "n = 5"),
        ("tox", "Neutropenia"),
        ("baseline", "Age"),
        ("orr by=sex", "ORR"),
        ("pfs", "Median PFS"),
        ("orr", "ORR 35.7% (5/14)"),  # asked again
    ]:
        outcome = served.handle(text, INSIDER, surface="slash", with_plots=False).outcome
        assert shown in outcome.text, (text, outcome.text)


def test_what_was_shown_outlasts_a_restart(demo, tmp_path):
    service, policy = Service.over(demo), Policy(min_cell=K)
    path = tmp_path / "shown.sqlite3"
    before = Gateway(service=service, policy=policy, audit=AuditLog(None), seen=Seen(path))
    assert ask(before, "orr age=45..80") is not None
    after = Gateway(service=service, policy=policy, audit=AuditLog(None), seen=Seen(path))
    assert ask(after, "orr age=45..81") is None


def test_two_processes_share_what_was_shown(demo, tmp_path):
    # Each keeps its own memory and reads the rows the other added since.
    service, policy = Service.over(demo), Policy(min_cell=K)
    path = tmp_path / "shown.sqlite3"
    one = Gateway(service=service, policy=policy, audit=AuditLog(None), seen=Seen(path))
    two = Gateway(service=service, policy=policy, audit=AuditLog(None), seen=Seen(path))
    assert ask(two, "orr") is not None  # two has read its memory once
    assert ask(one, "orr age=45..80") is not None
    assert ask(two, "orr age=45..81") is None


# --- The set arithmetic itself ----------------------------------------------------------------


def test_memory_refuses_a_patient_in_the_span_and_allows_unions():
    n = 30
    memory = Memory(n)

    def s(rows, words):
        return PatientSet.of(list(rows), n, words)

    a, b = s(range(10), "a"), s(range(10, 20), "b")
    for x in (a, b):
        assert memory.refusal([x], K, "here") is None
        memory.remember([x])
    assert memory.refusal([s(range(20), "a or b")], K, "here") is None  # a + b: no one alone
    assert "adding and subtracting" in memory.refusal([s([*range(20), 29], "c")], K, "here")
    assert "differs" in memory.refusal([s(range(12), "d")], K, "here")  # a and two more
    assert memory.refusal([s(range(10), "a")], K, "here") is None  # asked again


def test_memory_above_the_span_limit_still_refuses_close_sets():
    n = 6000  # above SPAN_LIMIT: no basis kept
    memory = Memory(n)
    assert memory.basis is None
    half = PatientSet.of(range(3000), n, "half")
    memory.remember([half])
    assert memory.refusal([PatientSet.of(range(3001), n, "more")], K, "here") is not None
    assert memory.refusal([PatientSet.of(range(3500), n, "wider")], K, "here") is None


def test_a_trackers_refusal_reads_as_any_refused_selection(demo):
    # Which rule refused (a small selection, or one close to an answer already shown) is not
    # told: that would say whether the selection is small.
    _, served = gateways(demo)

    def said(text):
        return served.handle(text, INSIDER, surface="slash", with_plots=False).outcome.text

    assert "n = 7" in said("orr age=45..80")
    assert said("orr age=45..81") == said("orr age>=100") == said("orr histology=SS")


def test_a_group_asked_again_as_a_filter_is_the_same_question(demo):
    # `orr by=sex` showed the M group; `orr sex=M` (or `sex=male`) reaches the same patients by
    # the same condition, whatever label it was typed or shown by, so it is not a difference.
    _, served = gateways(demo)
    for text in ("orr by=sex", "orr sex=M", "pfs sex=male", "pfs by=stage", "orr stage=IV"):
        assert ask(served, text) is not None, text
    _, served = gateways(demo)
    assert ask(served, "orr by=age>=60") is not None and ask(served, "pfs age>=60") is not None
