"""Duration of response and time to response: the rules, case by case, and the demo cohort."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sts_queries.cohort import TIME_UNITS, demo_path
from sts_queries.response_duration import (
    duration_of_response,
    response_times,
    time_to_response,
)

NAN = math.nan


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
