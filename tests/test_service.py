"""The shared handler path: reload on change, bad data never replaces good, no tracebacks."""

from __future__ import annotations

import os

from sts_bot.service import service
from sts_bot.service.service import AnswerCache, Service
from sts_queries.answer import ask
from sts_queries.errors import CohortDataError


def _touch_later(path):
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))


def test_bad_new_data_keeps_the_old_cohort(demo_copy):
    served = Service(demo_copy, settle=0, background=False)
    first = served.cohort()
    assert served.respond("count").json["n"] == 14
    patients = demo_copy / "patients.csv"
    good = patients.read_text()
    patients.write_text(good.replace("\n2,M,72,LPS", "\n1,M,72,LPS", 1))  # duplicate id
    _touch_later(patients)
    assert served.cohort() is first  # still serving what it had
    patients.write_text(good + "15,F,55,LPS,IIIA,none,yes,no,AIM + Anlotinib,SD,no,,,,,,\n")
    _touch_later(patients)
    reloaded = served.cohort()
    assert reloaded is not first
    assert served.respond("count").json["n"] == 15


def test_first_load_of_a_bad_folder_is_a_clear_error(tmp_path):
    (tmp_path / "cohort.toml").write_text('name = "x"\ntime_unit = "days"\n')
    (tmp_path / "patients.csv").write_text("patient_id,age\n1,x1\n1,2\n")
    try:
        Service(tmp_path).cohort()
    except CohortDataError as exc:
        assert "patients.csv, line 3, column `patient_id`" in exc.message
    else:
        raise AssertionError("a bad folder must not load")


def test_a_bug_becomes_a_reference_not_a_traceback(demo, monkeypatch, caplog):
    def broken(answer):
        raise RuntimeError("boom")

    monkeypatch.setattr(service, "draw", broken)
    outcome = Service().respond("pfs", demo)
    assert outcome.is_error and outcome.kind == "internal"
    message = outcome.json["error"]["message"]
    assert message.startswith("Something went wrong (ref ") and "boom" not in message
    ref = message.split("ref ")[1].rstrip(").")
    assert any(ref in r.getMessage() and r.exc_info for r in caplog.records)


def test_a_repeated_question_is_answered_from_the_cache(demo):
    served = Service()
    first = served.respond("pfs by=sex", demo)
    again = served.respond("PFS  BY=SEX", demo)  # the same question, typed differently
    assert again.plots is first.plots and again.answer is first.answer
    assert served.respond("pfs by=stage", demo).answer is not first.answer


def test_the_cache_is_bounded_by_bytes_and_drops_the_least_recent(demo):
    answers = {t: ask(t, demo) for t in ("count", "orr", "dcr", "count by=sex")}
    one = len(repr(answers["orr"].as_json()))
    cache = AnswerCache(max_bytes=int(2.5 * one))
    for text, answer in answers.items():
        cache.put((text,), answer, ())
        assert cache.size_bytes <= cache.max_bytes
    assert cache.get(("count",)) is None  # the oldest went first
    assert cache.get(("count by=sex",)) is not None
    assert 0 < len(cache) < len(answers)


def test_an_answer_of_one_cohort_version_is_never_served_for_another(demo_copy):
    served = Service(demo_copy, settle=0, background=False)
    assert served.respond("orr").json["count"] == 5
    patients = demo_copy / "patients.csv"
    patients.write_text(
        patients.read_text().replace(
            "\n14,M,41,FS,IIIB,none,yes,no,AIM + Anlotinib,SD",
            "\n14,M,41,FS,IIIB,none,yes,no,AIM + Anlotinib,PR",
        )
    )
    _touch_later(patients)
    assert served.respond("orr").json["count"] == 6


def test_a_served_folder_is_reread_when_it_changes(demo_copy, tmp_path):
    from sts_bot.gateway.access import Asker, Policy
    from sts_bot.gateway.audit import AuditLog
    from sts_bot.gateway.gateway import Gateway

    gateway = Gateway(
        service=Service(demo_copy, settle=0, background=False),
        policy=Policy(),
        audit=AuditLog(tmp_path / "audit.jsonl"),
    )
    asker = Asker(user="U0TEST001", team="T0TEST001", channel="C0TEST001")
    assert gateway.handle("count", asker, surface="test").outcome.json["n"] == 14
    patients = demo_copy / "patients.csv"
    patients.write_text(patients.read_text().replace("\n14,M,41,FS", "\n14,M,41,FS,extra", 1))
    _touch_later(patients)
    assert gateway.handle("count", asker, surface="test").outcome.json["n"] == 14  # bad: kept
    assert gateway.handle("orr", asker, surface="test").outcome.json["count"] == 5
    good = patients.read_text().replace(",extra", "")
    patients.write_text(
        good.replace(
            "\n14,M,41,FS,IIIB,none,yes,no,AIM + Anlotinib,SD",
            "\n14,M,41,FS,IIIB,none,yes,no,AIM + Anlotinib,PR",
        )
    )
    _touch_later(patients)
    assert gateway.handle("orr", asker, surface="test").outcome.json["count"] == 6
