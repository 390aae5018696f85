"""The replay in SQL and the weekly summary over it against the pandas reference
(tests/snapshot_reference.py) on a synthetic cohort made to catch a replay out: ties, missing
values, events after the cut, assessments and surgery dates, in months, weeks and days; read in
memory (beside it, in its DuckDB) and from a stored file (attached). The demo:
tests/test_snapshot.py.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sts_queries.cohort.cohort import load_cohort
from tests.snapshot_checks import (
    FIRST,
    LAST,
    assert_same_snapshot,
    assert_same_summary,
    read_tables,
    reference_key,
    synthetic,
    weeks,
)


@pytest.fixture(scope="module", params=["months", "weeks", "days"])
def cohorts(request, tmp_path_factory):
    """The synthetic cohort in memory and stored (opened read-only), and its tie dates."""
    root = tmp_path_factory.mktemp(f"replay-{request.param}")
    folder, ties = synthetic(root / "cohort", request.param)
    memory = load_cohort(folder)
    stored = load_cohort(folder, store=root / "store")
    return memory, stored, ties


def test_synthetic_snapshots_on_the_days_cuts_fall_on_times(cohorts):
    memory, stored, ties = cohorts
    assert ties
    for day in ties:
        for cohort in (memory, stored):
            assert_same_snapshot(cohort, day)
            assert_same_snapshot(cohort, day - dt.timedelta(days=1))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    day=st.dates(FIRST - dt.timedelta(days=10), LAST + dt.timedelta(days=60)), stored=st.booleans()
)
def test_synthetic_snapshots_equal_the_pandas_replay(cohorts, day, stored):
    assert_same_snapshot(cohorts[1] if stored else cohorts[0], day)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    day=st.dates(FIRST - dt.timedelta(days=10), LAST + dt.timedelta(days=30)), stored=st.booleans()
)
def test_synthetic_summaries_equal_the_pandas_replay(cohorts, day, stored):
    assert_same_summary(cohorts[1] if stored else cohorts[0], day)


def test_synthetic_summaries_week_by_week(cohorts):
    memory, stored, _ = cohorts
    every = 2 if memory.meta.time_unit == "months" else 12  # the cut itself: tests above
    news = {"joined": 0, "responded": 0, "progressed": 0, "died": 0}
    for day in weeks(FIRST - dt.timedelta(days=7), dt.date(2020, 11, 1), every):
        answer = assert_same_summary(memory, day)
        if day >= FIRST:
            body = answer.as_json()
            news = {k: n + len(body[k] or ()) for k, n in news.items()}
    for day in weeks(FIRST, dt.date(2020, 11, 1), 12):
        assert_same_summary(stored, day)
    if every == 2:  # the weeks do hold news of every kind to compare
        assert all(news.values()), news


def test_both_copies_hold_the_same_tables(cohorts):
    """Why the in-memory and the stored copy of a folder may share one reference."""
    memory, stored, _ = cohorts
    assert reference_key(memory) == reference_key(stored)
    a, b = read_tables(memory), read_tables(stored)
    assert list(a) == list(b)
    for table in a:
        pd.testing.assert_frame_equal(a[table], b[table], obj=table)
