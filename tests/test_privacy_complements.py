"""The complement of every kind of cell is a small cell too.

A count is as revealing as the patients it leaves out: 17 events of 20 tell that 3 patients
were censored, 17 of 20 with an adverse event that 3 had none, 17 responders that 3 did not
respond. For each kind of cell (survival events and the censored, toxicity `any` and none, a
term's grade ≥3 and the rest of that term, the patients with any event and those without,
responders and non-responders) a 20-patient cohort puts 3 patients on one side and 17 on the
other, both ways round, and the public answer must hide the count either way.
"""

from __future__ import annotations

import pytest

from sts_queries.answer import ask
from sts_queries.cohort.cohort import load_cohort
from sts_queries.privacy.cells import is_hidden
from sts_queries.privacy.reveal import shield
from tests.conftest import write_cohort

K = 5
N = 20


def _patients() -> str:
    rows = ["patient_id,arm,best_response,pfs_time,pfs_event"]
    for i in range(1, N + 1):
        # arm "few": 3 events, 3 responders; arm "many": 17 events, 17 responders; by whole
        # cohort the same split is made by the filter `arm=`.
        rows.append(f"{i},A,{'PR' if i <= 3 else 'SD'},{i},{int(i <= 3)}")
    for i in range(N + 1, 2 * N + 1):
        j = i - N
        rows.append(f"{i},B,{'PR' if j <= 17 else 'SD'},{j},{int(j <= 17)}")
    return "\n".join(rows) + "\n"


def _adverse_events() -> str:
    rows = ["patient_id,term,grade"]
    for i in range(1, N + 1):  # arm A
        if i <= 3:
            rows.append(f"{i},Nausea,1")  # 3 of 20 with it: the cell is small
        rows.append(f"{i},Fatigue,{3 if i <= 17 else 1}")  # 17 of 20 grade >=3, 3 below
    for i in range(N + 1, 2 * N + 1):  # arm B
        j = i - N
        if j <= 17:
            rows.append(f"{i},Nausea,1")  # 17 of 20 with it: the 3 without are the small cell
        rows.append(f"{i},Fatigue,{3 if j <= 3 else 1}")  # 3 of 20 grade >=3
    return "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    folder = tmp_path_factory.mktemp("complements")
    source = write_cohort(folder / "c", _patients(), adverse_events=_adverse_events())
    return load_cohort(source, store=folder / "store")


def public(cohort, text: str):
    shown = shield(ask(text, cohort), K)
    assert shown is not None and shown.suppressed, text
    return shown.answer.body


def test_the_cohort_is_what_the_test_says(cohort):
    full = ask("pfs arm=A", cohort).body
    assert (full.n_analysed, full.events) == (N, 3)
    assert ask("pfs arm=B", cohort).body.events == 17
    assert ask("orr arm=A", cohort).body.count == 3 and ask("orr arm=B", cohort).body.count == 17


@pytest.mark.parametrize("arm", ["A", "B"])  # 3 events and 17 censored; 17 events and 3 censored
def test_survival_events_and_the_censored(cohort, arm):
    assert is_hidden(public(cohort, f"pfs arm={arm}").events)


@pytest.mark.parametrize("arm", ["A", "B"])  # 3 responders; 17 responders and 3 others
def test_responders_and_non_responders(cohort, arm):
    body = public(cohort, f"orr arm={arm}")
    assert is_hidden(body.count) and is_hidden(body.rate)


def _row(body, term: str) -> dict:
    (row,) = [r for r in body.rows if r["term"] == term]
    return row


@pytest.mark.parametrize("arm", ["A", "B"])  # Nausea: 3 with any grade; 17 with, 3 without
def test_toxicity_any_and_none(cohort, arm):
    assert is_hidden(_row(public(cohort, f"tox arm={arm}"), "Nausea")["any"])


@pytest.mark.parametrize("arm", ["A", "B"])  # Fatigue in all 20: 17 grade >=3 and 3 below; 3 and 17
def test_toxicity_severe_and_the_rest_of_the_term(cohort, arm):
    row = _row(public(cohort, f"tox arm={arm}"), "Fatigue")
    assert row["any"] == N  # everyone had it: nothing to hide there
    assert is_hidden(row["grade3plus"])


def test_patients_with_any_event_and_without(tmp_path):
    # 17 of 20 patients have an adverse event: the 3 without are the small cell.
    patients = "patient_id,best_response\n" + "".join(f"{i},SD\n" for i in range(1, N + 1))
    events = "patient_id,term,grade\n" + "".join(f"{i},Rash,1\n" for i in range(1, 18))
    folder = write_cohort(tmp_path / "c", patients, adverse_events=events)
    body = public(load_cohort(folder, store=tmp_path / "store"), "tox")
    assert is_hidden(body.patients_with_event) and is_hidden(_row(body, "Rash")["any"])
