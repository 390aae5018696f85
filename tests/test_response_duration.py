"""Duration of response and time to response: the rules, case by case, and the demo cohort."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sts_queries.cohort.cohort import TIME_UNITS, demo_path
from sts_queries.stats.response_duration import RESPONSES, duration_of_response, time_to_response

NAN = math.nan


# The definition in pandas, one assessment at a time: queries/sql/response.sql computes the
# same per patient in DuckDB, and test_the_sql_finds_what_the_definition_finds checks it.
def response_times(
    assessments: pd.DataFrame, start: pd.Series, *, days_per_unit: float
) -> pd.DataFrame:
    """Per patient of `start` (index patient_id, values the start dates): `first_response`
    (the first CR/PR assessment; NaN for a non-responder) and `last_assessment` (NaN without
    assessments), in units of `days_per_unit` days from the start.

    `assessments` has one row per assessment: `patient_id`, `date`, `response`.
    """
    if days_per_unit <= 0:
        raise ValueError("days_per_unit must be positive")
    rows = assessments[["patient_id", "date", "response"]].copy()
    rows["patient_id"] = rows["patient_id"].map(str)
    starts = pd.to_datetime(pd.Series(start.to_numpy(), index=start.index.map(str)))
    rows = rows[rows["patient_id"].isin(starts.index)]
    days = (pd.to_datetime(rows["date"]) - starts.reindex(rows["patient_id"]).to_numpy()).dt.days
    rows["time"] = days.to_numpy(dtype=float) / days_per_unit
    responded = rows["response"].map(lambda r: str(r).strip().upper() in RESPONSES)
    table = pd.DataFrame(index=starts.index)
    table["first_response"] = rows[responded].groupby("patient_id")["time"].min()
    table["last_assessment"] = rows.groupby("patient_id")["time"].max()
    return table


@pytest.mark.parametrize(
    ("case", "first", "event_time", "event", "last", "time", "dor_event"),
    [
        ("progression ends the response", [2.0], [9.0], [1], [8.0], [7.0], [1]),
        ("death without progression ends it too", [2.0], [5.5], [1], [4.0], [3.5], [1]),
        ("censored at the last assessment", [2.0], [9.0], [0], [6.0], [4.0], [0]),
        ("no last assessment: censored with PFS", [2.0], [9.0], [0], [NAN], [7.0], [0]),
        ("progression at the response visit", [3.0], [3.0], [1], [3.0], [0.0], [1]),
        (
            "non-responders are left out",
            [NAN, 1.0, NAN],
            [4, 5, 6],
            [1, 0, 1],
            [4, 5, 6],
            [4.0],
            [0],
        ),
    ],
)
def test_duration_of_response(case, first, event_time, event, last, time, dor_event):
    dor = duration_of_response(first, event_time, event, last)
    assert dor.time.tolist() == pytest.approx(time)
    assert dor.event.tolist() == dor_event
    assert dor.responders == len(time) and dor.events == sum(dor_event)


def test_responders_keep_their_position():
    dor = duration_of_response([NAN, 1.0, NAN, 2.0], [4, 5, 6, 7], [1, 0, 1, 1], [4, 5, 6, 7])
    assert dor.responder_index.tolist() == [1, 3]
    assert dor.time.tolist() == [4.0, 5.0]


@pytest.mark.parametrize(
    ("first", "event_time", "event", "last", "message"),
    [
        ([5.0], [3.0], [1], [6.0], "position 0 progress"),
        ([NAN, 5.0], [3.0, 7.0], [1, 0], [NAN, 4.0], "position 1"),
        ([5.0], [NAN], [0], [NAN], "neither"),
        ([5.0], [6.0], [2], [6.0], "event"),
        ([5.0, 1.0], [6.0], [1], [6.0], "one value per patient"),
    ],
)
def test_inconsistent_courses_are_refused(first, event_time, event, last, message):
    with pytest.raises(ValueError, match=message):
        duration_of_response(first, event_time, event, last)


def test_time_to_response_median_and_range():
    ttr = time_to_response([NAN, 1.5, 3.0, NAN, 2.0, 6.0])
    assert (ttr.responders, ttr.median, ttr.minimum, ttr.maximum) == (4, 2.5, 1.5, 6.0)
    none = time_to_response([NAN, NAN])
    assert (none.responders, none.median, none.minimum, none.maximum) == (0, None, None, None)


def test_response_times_from_assessment_dates():
    assessments = pd.DataFrame(
        {
            "patient_id": [1, 1, 1, 2, 2],
            "date": ["2020-01-29", "2020-03-11", "2020-04-22", "2020-02-05", "2020-03-18"],
            "response": ["SD", "pr", "PD", "SD", "SD"],
        }
    )
    start = pd.Series(["2020-01-01", "2020-01-08", "2020-01-15"], index=[1, 2, 3])
    table = response_times(assessments, start, days_per_unit=7.0)
    assert table.index.tolist() == ["1", "2", "3"]
    assert table.loc["1"].tolist() == [10.0, 16.0]  # PR on day 70, last seen on day 112
    assert math.isnan(table.at["2", "first_response"]) and table.at["2", "last_assessment"] == 10
    assert table.loc["3"].isna().all()  # no assessment at all


def test_demo_cohort_responders():
    # The paper: 5 of 14 patients responded (all PR); every responder is still responding at
    # the data cut (reconstructed follow-up), so the DOR median is not reached.
    folder = demo_path()
    patients = pd.read_csv(folder / "patients.csv")
    assessments = pd.read_csv(folder / "assessments.csv")
    table = response_times(
        assessments,
        patients.set_index("patient_id")["start_date"],
        days_per_unit=TIME_UNITS["months"],
    )
    responders = table.index[table.first_response.notna()].tolist()
    expected = patients.loc[patients.best_response.isin(["CR", "PR"]), "patient_id"]
    assert responders == expected.astype(str).tolist() == ["4", "6", "8", "11", "12"]
    dor = duration_of_response(
        table.first_response, patients.pfs_time, patients.pfs_event, table.last_assessment
    )
    assert (dor.responders, dor.events) == (5, 0)
    assert np.all(dor.time > 0)
    ttr = time_to_response(table.first_response)
    assert ttr.responders == 5 and 1 < ttr.minimum <= ttr.median <= ttr.maximum < 3


def test_a_responder_whose_records_contradict_is_left_out_of_dor_with_a_note(demo_copy):
    # Case 4 responded (PR) from its fourth month; a progression recorded at one month
    # contradicts that. A registry has such records: the answer leaves them out and says so
    # (it once refused outright, listing 30,000 positions on a registry).
    from sts_queries.answer import ask
    from sts_queries.cohort.cohort import load_cohort

    patients = pd.read_csv(demo_copy / "patients.csv", dtype=str, keep_default_na=False)
    case = patients["patient_id"] == "4"
    patients.loc[case, ["pfs_time", "pfs_event"]] = ["1.0", "1"]
    patients.to_csv(demo_copy / "patients.csv", index=False)
    answer = ask("dor", load_cohort(demo_copy)).as_json()
    assert answer["responders"] == 4 and answer["events"] == 0
    assert (
        "1 responder(s) progress or are last assessed before their first documented response "
        "(their records contradict each other) and are left out; check their assessments and PFS."
    ) in answer["notes"]
    assert not any("contradict" in note for note in ask("dor", load_cohort(demo_path())).notes)


def test_the_sql_finds_what_the_definition_finds(tmp_path):
    from sts_queries.cohort.cohort import load_cohort
    from sts_queries.metrics.response import _responders
    from sts_queries.query_spec import QuerySpec
    from tests.conftest import write_cohort

    rng = np.random.default_rng(3)
    n = 300
    starts = pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D")
    patients = pd.DataFrame(
        {
            "patient_id": [f"P{i}" for i in range(n)],
            "start_date": [d.date().isoformat() for d in starts],
            "pfs_time": rng.integers(1, 40, n) / 2,
            "pfs_event": rng.integers(0, 2, n),
        }
    )
    patients.loc[rng.choice(n, 10, replace=False), "start_date"] = ""  # no start: no times
    visits = []
    for i, start in enumerate(starts):
        for _ in range(int(rng.integers(0, 5))):
            day = start + pd.Timedelta(days=int(rng.integers(-5, 500)))
            code = str(rng.choice(["CR", "PR", "SD", "PD", "NE", " pr ", "cr", ""]))
            visits.append((f"P{i}", "" if rng.random() < 0.05 else day.date().isoformat(), code))
    assessments = pd.DataFrame(visits, columns=["patient_id", "date", "response"])
    folder = write_cohort(
        tmp_path / "c",
        patients.to_csv(index=False),
        assessments=assessments.to_csv(index=False),
    )
    cohort = load_cohort(folder)
    for unit in ("months", "weeks", "days"):
        _, found = _responders(QuerySpec(metric="dor", unit=unit), cohort)
        expected = response_times(
            assessments.replace("", NAN).dropna(subset=["date"]),
            patients.set_index("patient_id")["start_date"].replace("", NAN).dropna(),
            days_per_unit=TIME_UNITS[unit],
        ).reindex(patients["patient_id"])
        got = found.table.reindex(patients["patient_id"])
        for column in ("first_response", "last_assessment"):
            np.testing.assert_array_equal(got[column].to_numpy(), expected[column].to_numpy())
    assert found.table["first_response"].notna().sum() > 50  # responders to compare
