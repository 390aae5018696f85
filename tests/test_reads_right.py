"""What an answer says around its numbers (issue: answers that read right at a tumor board).

One row per command: fragments the reply must have, and fragments it must not.
"""

from __future__ import annotations

import pytest

from sts_bot.service.service import Service

ROWS = [
    # bare values belonging to one field are read as that filter, and the reply says so
    ("orr LPS", ["ORR · histology = LPS · n = 4", "Read `LPS` as histology = LPS."], []),
    ("orr liposarcoma", ["histology = LPS", "25.0% (1/4)"], ["neither"]),
    ("count female", ["5 of 14 patients"], []),
    ("tox neutropenia", ["term = Neutropenia", "14 of 14 patients had Neutropenia"], []),
    ("tox term=Neutropenia", ["14 of 14 patients had Neutropenia"], ["Unknown field"]),
    # a word that fits several fields is answered with the choices
    ("count yes", ["could mean", "`prior_surgery=yes`", "`resection=yes`"], []),
    ("orr LPX", ["neither a filter", "Did you mean `histology=LPS`?"], []),
    # repeats are errors that say which
    ("orr by=histology by=stage", ["`by=` is given twice", "by=histology", "by=stage"], []),
    ("orr " + "histology=LPS " * 200, ["`histology` is given twice"], []),
    ("count age>=40 age<60", ["6 of 14 patients"], ["twice"]),
    # tox under a grade filter says what it counts, without a meaningless any-grade column
    ("tox grade>=3", ["5 of 14 patients had an adverse event of grade ≥ 3"], ["Any grade"]),
    # patient ids as people type them; open-ended ranges
    ("patient case 8", ["Case 8"], []),
    ("patient 08", ["Case 8"], []),
    ("patient #8", ["Case 8"], []),
    ("orr age=60..", ["age ≥ 60 · n = 5"], ["takes numbers"]),
    ("orr age=..40", ["age ≤ 40"], []),
    ("help summary", ["as_of"], []),
]


@pytest.mark.parametrize(("command", "has", "has_not"), ROWS, ids=[r[0][:30] for r in ROWS])
def test_the_reply_reads_right(demo, command, has, has_not):
    text = Service.over(demo).respond(command, with_plots=False).text
    for fragment in has:
        assert fragment in text, text
    for fragment in has_not:
        assert fragment not in text, text
    assert len(text.splitlines()[0]) < 300  # the echo never balloons


def test_a_blank_best_response_is_counted_as_ne_with_a_note(tmp_path):
    from sts_queries.answer import ask
    from sts_queries.cohort.cohort import load_cohort
    from tests.conftest import write_cohort

    folder = write_cohort(tmp_path / "c", "patient_id,best_response\n1,PR\n2,SD\n3,\n4,PD\n")
    answer = ask("orr", load_cohort(folder)).as_json()
    assert (answer["count"], answer["n"], answer["breakdown"]["NE"]) == (1, 4, 1)
    assert any("1 selected patient has no best response recorded" in n for n in answer["notes"])


def test_groups_and_filters_of_a_coded_field_read_by_their_labels(tmp_path):
    """lifelines' lung data as R writes it: sex is 1/2, declared with its labels."""
    from lifelines.datasets import load_lung

    from sts_queries.answer import ask
    from sts_queries.cohort.cohort import load_cohort

    folder = tmp_path / "lung"
    folder.mkdir()
    load_lung().to_csv(folder / "patients.csv", index_label="patient_id")
    (folder / "cohort.toml").write_text(
        'name = "lung"\ntime_unit = "days"\n[endpoints.os]\ntime = "time"\nevent = "status"\n'
        '[fields.sex]\nlabels = {1 = "Male", 2 = "Female"}\n'
    )
    cohort = load_cohort(folder)
    grouped = ask("os by=sex", cohort).as_json()
    assert [(g["label"], g["n"]) for g in grouped["groups"]] == [("Male", 138), ("Female", 90)]
    assert grouped["reference"] == "Male" and grouped["groups"][1]["hr"] is not None
    female = ask("count sex=female", cohort)
    assert female.n == 90 and female.filters == ("sex = Female (2)",)
