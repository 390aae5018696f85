"""The replay in SQL (queries/cohort/snapshot.py) and the weekly summary over it
(queries/metrics/summary.py) give what an independent pandas definition of them gives
(tests/snapshot_reference.py, which imports nothing from the code it checks): table by table,
on the demo, read in memory (beside it, in its DuckDB) and from a stored file (attached), and
through Parquet when that file cannot be attached. The synthetic
cohort (ties, missing values, events after the cut, assessments and surgery dates):
tests/test_snapshot_synthetic.py. What both use: tests/snapshot_checks.py.
"""

from __future__ import annotations

import datetime as dt
import gc
import shutil

import pandas as pd
import pytest

from sts_queries.cohort.cohort import TIME_UNITS, demo_path, load_cohort
from sts_queries.cohort.snapshot import snapshot
from tests import snapshot_reference as ref
from tests.snapshot_checks import (
    assert_same_snapshot,
    assert_same_summary,
    read_tables,
    reference_cohort,
    reference_key,
    weeks,
)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A store holding the demo, built once for the module."""
    return tmp_path_factory.mktemp("demo-store")


@pytest.fixture(scope="module")
def demos(demo, store):
    """The demo in memory (the session's: loaded as a server loads it) and stored."""
    return demo, load_cohort(demo_path(), store=store)


def test_the_stored_cohort_is_replayed_from_its_file(demos):
    memory, stored = demos
    day = dt.date(2019, 10, 20)
    attached = "SELECT count(*) AS n FROM duckdb_databases() WHERE database_name = '_sts_source'"
    assert snapshot(stored, day).query(attached)["n"].iloc[0] == 1
    assert snapshot(memory, day).query(attached)["n"].iloc[0] == 0


def test_a_snapshot_is_detached_when_it_is_gone(demos):
    memory = demos[0]
    made = "SELECT count(*) AS n FROM duckdb_databases() WHERE database_name LIKE '_sts_snapshot%'"
    gc.collect()  # snapshots other tests left to the collector (the cohort is the session's)
    before = memory.query(made)["n"].iloc[0]
    day = snapshot(memory, dt.date(2019, 10, 20))
    again = snapshot(day, dt.date(2019, 9, 1))  # a snapshot of a snapshot: its tables are views
    assert memory.query(made)["n"].iloc[0] == before + 2
    assert again.rows() == reference_cohort(memory, dt.date(2019, 9, 1)).rows()
    del day, again
    gc.collect()
    assert memory.query(made)["n"].iloc[0] == before


def test_a_stored_file_that_cannot_be_attached_is_read_through_parquet(demos, store, tmp_path):
    for file in store.glob("*.duckdb"):  # the module's stored demo, copied: not built again
        shutil.copyfile(file, tmp_path / file.name)
    stored = load_cohort(demo_path(), store=tmp_path)
    for file in tmp_path.glob("*.duckdb"):
        file.rename(file.with_suffix(".moved"))  # open still, but no longer at its path
    for day in (dt.date(2019, 10, 20), dt.date(2020, 3, 2)):
        assert_same_snapshot(stored, day)
        assert_same_summary(stored, day)


@pytest.mark.parametrize("where", ["memory", "stored"])
def test_demo_snapshots_equal_the_pandas_replay_week_by_week(demos, where):
    cohort = demos[0] if where == "memory" else demos[1]
    for day in [
        dt.date(2019, 7, 8),
        dt.date(2019, 7, 9),
        *weeks(dt.date(2019, 7, 10), dt.date(2021, 7, 7), every=5),
    ]:
        assert_same_snapshot(cohort, day)


@pytest.mark.parametrize("where", ["memory", "stored"])
def test_demo_summaries_equal_the_pandas_replay(demos, where):
    # Every third week while the trial accrued and responded (case lists are computed on the
    # cohort itself, however it is held); a stored cohort every sixth week, and past the cut-off.
    cohort, every = (demos[0], 3) if where == "memory" else (demos[1], 6)
    for day in weeks(dt.date(2019, 7, 1), dt.date(2020, 9, 30), every):
        assert_same_summary(cohort, day)
    for day in (dt.date(2021, 6, 28), dt.date(2021, 6, 30), dt.date(2021, 7, 5)):
        assert_same_summary(cohort, day)


def test_tox_on_a_snapshot(demos):
    from sts_queries.answer import ask

    day = dt.date(2019, 12, 1)
    memory, stored = (snapshot(c, day) for c in demos)
    old = reference_cohort(demos[0], day)
    assert ask("tox", memory).as_json() == ask("tox", old).as_json() == ask("tox", stored).as_json()


def test_both_copies_hold_the_same_tables(demos):
    """Why the in-memory and the stored copy of a folder may share one reference."""
    memory, stored = demos
    assert reference_key(memory) == reference_key(stored)
    a, b = read_tables(memory), read_tables(stored)
    assert list(a) == list(b)
    for table in a:
        pd.testing.assert_frame_equal(a[table], b[table], obj=table)


def test_the_reference_units_are_the_codes(demos):
    # The reference writes its own day counts (365.25 / 12 days a month); the code must agree.
    assert {u: TIME_UNITS[u] for u in ref.DAYS_PER_UNIT} == ref.DAYS_PER_UNIT
    assert ref.DAYS_PER_UNIT["months"] == 30.4375
