"""Reloads never serve a half-copied file, and no question waits for one.

A fake clock stands for time passing, so what is tested is the rule (files must have settled,
and must not change while read), not the machine's speed.
"""

from __future__ import annotations

import threading

from sts_bot.service.service import Service
from sts_bot.service.source import CohortSource
from sts_queries.cohort.cohort import load_cohort
from sts_queries.errors import CohortDataError


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def severe(cohort) -> int:
    """Patients with an adverse event of grade 3 or more."""
    return (
        Service.over(cohort).respond("tox grade>=3", with_plots=False).json["patients_with_event"]
    )


def test_a_slow_copy_is_never_served_half_written(demo_copy):
    clock = Clock()
    source = CohortSource(demo_copy, load_cohort, settle=2.0, background=False, clock=clock)
    assert severe(source.current()) == 5
    target = demo_copy / "adverse_events.csv"
    header, *rows = target.read_text().splitlines(keepends=True)
    # The new file lists its rows in reverse, with a grade 3 hypertension for case 1 (who had
    # nothing of grade 3): a prefix of it is a valid CSV that answers something else than 5 or 6.
    new_rows = [*reversed(rows), "1,Hypertension,3,2,2019-08-01,,reconstructed\n"]
    assert not any(r.startswith("1,Hypertension") for r in rows)
    seen = set()
    with target.open("w") as handle:
        handle.write(header)
        for k, row in enumerate(new_rows):
            handle.write(row)
            handle.flush()
            clock.now += 0.5  # a row every half second: never still for 2 s
            seen.add(severe(source.current()))
            if k == len(new_rows) // 2:
                clock.now += 1.0  # a pause, still shorter than the settling time
    assert seen == {5}  # the old version all along the copy
    clock.now += 2.5  # the files have now been still for more than 2 s: loaded, whole
    assert severe(source.current()) == 6 and source.problem is None


def test_no_question_waits_for_a_reload_and_a_failed_one_keeps_the_old(demo_copy):
    release = threading.Event()
    loads = []

    def slow_load(folder):
        loads.append(folder)
        if len(loads) > 1:  # the reload: held until the test lets it go
            assert release.wait(30)
            raise RuntimeError("disk went away")
        return load_cohort(folder)

    source = CohortSource(demo_copy, slow_load, settle=0.0, background=True)
    first = source.current()
    patients = demo_copy / "patients.csv"
    patients.write_text(patients.read_text().replace("\n14,M,41", "\n14,M,42"))
    assert source.current() is first  # the reload started, the question did not wait for it
    assert len(loads) == 2 and source.current() is first
    release.set()
    source.wait_idle()
    assert source.current() is first  # a loader that failed changed nothing
    assert "could not be read" in source.problem


def test_bad_new_data_is_reported_for_admins_and_an_admin_reload_says_why(demo_copy):
    source = CohortSource(demo_copy, load_cohort, settle=0.0, background=False)
    first = source.current()
    patients = demo_copy / "patients.csv"
    good = patients.read_text()
    patients.write_text(good.replace("\n2,M,72,LPS", "\n1,M,72,LPS", 1))  # duplicate id
    assert source.current() is first
    assert "duplicate patient_id" in source.problem
    try:
        source.reload_now()
    except CohortDataError as exc:
        assert "duplicate patient_id" in exc.message
    else:
        raise AssertionError("bad data must not load")
    patients.write_text(good)
    assert source.reload_now().version == first.version and source.problem is None


def test_reload_is_for_admins_and_audited(demo_copy, tmp_path):
    from sts_bot.gateway.access import Asker, Policy
    from sts_bot.gateway.audit import AuditLog
    from sts_bot.gateway.gateway import Gateway

    gateway = Gateway(
        service=Service(demo_copy),
        policy=Policy(admins=frozenset({"U0ADMIN01"})),
        audit=AuditLog(tmp_path / "audit.jsonl"),
    )
    member = Asker(user="U0MEMBER1", team="T0TEAM", channel="C0PUBLIC")
    admin = Asker(user="U0ADMIN01", team="T0TEAM", channel="C0PUBLIC")
    refused = gateway.handle("reload", member, surface="slash")
    assert refused.refused and "admins" in refused.outcome.reply.header
    done = gateway.handle("reload", admin, surface="slash")
    assert not done.outcome.is_error and done.outcome.json["n"] == 14
    assert done.outcome.json["data_version"] == gateway.service.cohort().version
    lines = (tmp_path / "audit.jsonl").read_text().splitlines()
    assert [line.count('"refused"') for line in lines] == [1, 0]
