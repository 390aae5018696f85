"""Loading and validating cohort folders: bad data is named precisely and never served."""

from __future__ import annotations

import pandas as pd
import pytest

from sts_queries.answer import ask
from sts_queries.cohort.cohort import load_cohort
from sts_queries.errors import CohortDataError
from tests.conftest import write_cohort

GOOD = "patient_id,sex,age,best_response,pfs_time,pfs_event\n1,M,50,PR,3.5,1\n2,F,61,SD,8,0\n"

BAD = [
    # patients.csv text, what the error must say
    ("sex,age\nM,50\n", "patients.csv, column `patient_id`: required column is missing"),
    ("patient_id,age\n1,50\n1,51\n", "patients.csv, line 3, column `patient_id`: duplicate"),
    (
        "patient_id,age\n1,50\n,51\n",
        "patients.csv, line 3, column `patient_id`: patient_id is empty",
    ),
    (
        "patient_id,best_response\n1,PR\n2,GOOD\n",
        "line 3, column `best_response`: `GOOD` is not a RECIST",
    ),
    (
        "patient_id,pfs_time,pfs_event\n1,abc,1\n",
        "line 2, column `pfs_time`: `abc` is not a number",
    ),
    ("patient_id,pfs_time,pfs_event\n1,-3,1\n", "line 2, column `pfs_time`: `-3` is below 0"),
    (
        "patient_id,pfs_time,pfs_event\n1,3,2\n",
        "line 2, column `pfs_event`: `2` is not an event code",
    ),
    ("patient_id,pfs_time,pfs_event\n1,3,\n", "line 2, column `pfs_time`: pfs_time and pfs_event"),
    ("patient_id,cycles\n1,2.5\n", "line 2, column `cycles`: `2.5` is not a whole number"),
    (
        "patient_id,start_date\n1,2019-13-01\n",
        "line 2, column `start_date`: `2019-13-01` is not a date",
    ),
    ('patient_id,age\n1,"50\n', "patients.csv: cannot be read as CSV"),
    # Names are normalised (`Age Years` is age_years), so two that normalise alike clash.
    ("patient_id,Age Years,age.years\n1,50,51\n", "column `age_years`: column appears twice"),
    ("", "patients.csv: is empty"),
]


@pytest.mark.parametrize(("patients", "says"), BAD)
def test_bad_patients_file_is_named_precisely(tmp_path, patients, says):
    folder = write_cohort(tmp_path / "c", patients)
    with pytest.raises(CohortDataError) as caught:
        load_cohort(folder)
    assert says in caught.value.message


@pytest.mark.parametrize(
    ("events", "says"),
    [
        ("patient_id,term,grade\n1,Anemia,6\n", "line 2, column `grade`: `6` is outside 1–5"),
        ("patient_id,term,grade\n9,Anemia,2\n", "line 2, column `patient_id`: patient `9` is not"),
        ("patient_id,term,grade\n1,,2\n", "line 2, column `term`: term is empty"),
        ("patient_id,term\n1,Anemia\n", "adverse_events.csv, column `grade`: required column"),
        ("patient_id,term,grade\n1,Anemia,G2\n", "`G2` is not a whole number"),
    ],
)
def test_bad_adverse_events_are_named_precisely(tmp_path, events, says):
    folder = write_cohort(tmp_path / "c", GOOD, adverse_events=events)
    with pytest.raises(CohortDataError) as caught:
        load_cohort(folder)
    assert says in caught.value.message


@pytest.mark.parametrize(
    ("toml", "says"),
    [
        ('name = "x"\n', "`time_unit` is required"),
        ('name = "x"\ntime_unit = "fortnights"\n', "time_unit `fortnights` is not one of"),
        ('name = "x\ntime_unit = "days"\n', "cohort.toml: is not valid TOML"),
        ('name = "x"\ntime_unit = "days"\ndata_as_of = "soon"\n', "data_as_of `soon`"),
    ],
)
def test_bad_cohort_toml(tmp_path, toml, says):
    folder = write_cohort(tmp_path / "c", GOOD, toml=toml)
    with pytest.raises(CohortDataError) as caught:
        load_cohort(folder)
    assert says in caught.value.message


def test_every_problem_is_listed(tmp_path):
    folder = write_cohort(tmp_path / "c", "patient_id,best_response\n1,XX\n1,YY\n")
    with pytest.raises(CohortDataError) as caught:
        load_cohort(folder)
    assert len(caught.value.problems) == 3
    assert "more problem" in caught.value.hint


def test_smallest_valid_folder(tmp_path):
    cohort = load_cohort(write_cohort(tmp_path / "c", "patient_id\nA\nB\n"))
    assert ask("count", cohort).n == 2
    assert cohort.endpoints == ()


def test_any_time_event_pair_is_an_endpoint(tmp_path):
    patients = "patient_id,dfs_time,dfs_event\n1,2,1\n2,3,1\n3,4,0\n"
    cohort = load_cohort(write_cohort(tmp_path / "c", patients))
    assert cohort.endpoints == ("dfs",)
    assert ask("dfs", cohort).as_json()["events"] == 2


def test_cbioportal_clinical_file(tmp_path):
    folder = tmp_path / "cbio"
    folder.mkdir()
    (folder / "data_clinical_patient.txt").write_text(
        "#Patient Identifier\tOverall Survival Status\tOverall Survival (Months)\tSex\n"
        "#Identifier\tStatus\tMonths\tSex\n"
        "#STRING\tSTRING\tNUMBER\tSTRING\n"
        "#1\t1\t1\t1\n"
        "PATIENT_ID\tOS_STATUS\tOS_MONTHS\tSEX\n"
        "P1\t1:DECEASED\t10.5\tMale\n"
        "P2\t0:LIVING\t20.1\tFemale\n"
        "P3\t1:DECEASED\t4.2\tFemale\n"
    )
    cohort = load_cohort(folder)
    assert cohort.endpoints == ("os",)
    a = ask("os sex=female", cohort).as_json()
    assert (a["n"], a["events"]) == (2, 1)


def test_excel_workbook(tmp_path):
    folder = tmp_path / "xl"
    folder.mkdir()
    (folder / "cohort.toml").write_text('name = "xl"\ntime_unit = "days"\n')
    with pd.ExcelWriter(folder / "cohort.xlsx") as book:
        pd.DataFrame({"patient_id": ["1", "2"], "best_response": ["PR", "PD"]}).to_excel(
            book, sheet_name="patients", index=False
        )
        pd.DataFrame({"patient_id": ["1"], "term": ["Anemia"], "grade": [2]}).to_excel(
            book, sheet_name="adverse_events", index=False
        )
    cohort = load_cohort(folder)
    assert ask("orr", cohort).as_json()["count"] == 1
    assert ask("tox", cohort).as_json()["rows"][0]["grades"]["2"] == 1
