"""What tests/test_snapshot.py and tests/test_snapshot_synthetic.py share: the synthetic cohort
made to catch a replay out, the reference (tests/snapshot_reference.py, which imports nothing
from the code it checks) computed once per (cohort, day) in each process (`functools.cache`),
whatever order the tests run in, and the comparisons of the code's tables and answers with it.
Two files, so that pytest-xdist (`--dist loadfile`) runs the demo's and the synthetic
cohort's replays side by side.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import random

import duckdb
import numpy as np
import pandas as pd
import pytest

from sts_queries.cohort.cohort import Cohort, adopt
from sts_queries.cohort.loader import AE_WORST
from sts_queries.cohort.snapshot import snapshot
from sts_queries.errors import UsageError
from sts_queries.metrics.summary import summary_answer
from sts_queries.metrics.survival.endpoints import survival_answer
from sts_queries.query_spec import QuerySpec
from sts_queries.sql.identifiers import quote_identifier
from tests import snapshot_reference as ref
from tests.conftest import write_cohort

UNITS = {"months": 365.25 / 12, "weeks": 7.0, "days": 1.0}
FIRST = dt.date(2020, 1, 1)  # the synthetic cohort's first start
LAST = dt.date(2021, 6, 30)  # ... and a date past everything it holds


def _cell(value) -> str:
    return "" if value is None else str(value)


def synthetic(folder, unit: str, seed: int = 7):
    """A cohort made to catch a replay out: start dates shared by several patients, times
    on the very day a cut falls (and halves at the 4th decimal), events after any cut,
    missing times, events, dates and responses, lower-case and unknown response codes,
    surgery before and after, a patient who never starts, ids that are not numbers."""
    rng = random.Random(seed)
    per_unit = UNITS[unit]
    ids = [str(i) for i in range(1, 41)] + ["A7", "B12", "x"]
    starts = [
        FIRST + dt.timedelta(days=rng.choice([0, 0, 3, 10, 10, 45, 90, 120, 200])) for _ in ids
    ]
    patients = [
        "patient_id,age,sex,start_date,surgery_date,resection,best_response,"
        "pfs_time,pfs_event,death_date,last_contact_date,visit_date"
    ]
    ties = []
    for n, (pid, start) in enumerate(zip(ids, starts, strict=True)):
        days = rng.choice([5, 30, 61, 100, 150, 400])
        if n % 5 == 0:  # a time on the very day a cut falls: kept, with its event
            time = repr(days / per_unit)
            ties.append(start + dt.timedelta(days=days))
        elif n % 5 == 1:  # half at the 4th decimal
            time = f"{days / per_unit:.4f}5"
        else:
            time = f"{rng.uniform(0.1, 15) * 30.4375 / per_unit:.6f}"
        event = rng.choice(["0", "1", "1"])
        if n % 11 == 3:
            time, event = "", ""  # missing pfs
        surgery = start + dt.timedelta(days=rng.choice([20, 90, 300])) if n % 3 else None
        death = start + dt.timedelta(days=rng.choice([50, 200, 700])) if n % 4 == 0 else None
        contact = None if death else start + dt.timedelta(days=rng.choice([40, 300, 600]))
        visit = start + dt.timedelta(days=rng.choice([7, 500])) if n % 2 else None
        row = [
            pid,
            None if n % 9 == 4 else rng.randint(20, 80),
            rng.choice("MF"),
            start,
            surgery,
            rng.choice(["yes", "no"]),
            rng.choice(["CR", "PR", "SD", "PD", "NE"]),
            time,
            event,
            death,
            contact,
            visit,
        ]
        patients.append(",".join(_cell(v) for v in row))
    # one who never starts within the data: the replay leaves them out until then
    patients.append(f"late,50,F,{LAST + dt.timedelta(days=30)},,no,PD,1.0,1,,2021-09-01,")
    assessments = ["patient_id,date,response,cycle"]
    codes = ["CR", "pr", "SD", "PD", "NE", "xx", None, "Pd"]
    for pid, start in zip(ids, starts, strict=True):
        for k in range(rng.randint(0, 4)):
            date = (
                None
                if rng.random() < 0.1
                else start + dt.timedelta(days=rng.choice([14, 42, 42, 90, 180]))
            )
            assessments.append(",".join(_cell(v) for v in (pid, date, rng.choice(codes), k + 1)))
    events = ["patient_id,term,grade,onset_date,cycle"]
    for pid, start in zip(ids, starts, strict=True):
        for _ in range(rng.randint(0, 3)):
            date = (
                None
                if rng.random() < 0.1
                else start + dt.timedelta(days=rng.choice([3, 20, 60, 250]))
            )
            term = rng.choice(["Nausea", "Anemia", "Fatigue"])
            events.append(",".join(_cell(v) for v in (pid, term, rng.randint(1, 4), date, 1)))
    toml = (
        f'name = "replay"\ntime_unit = "{unit}"\n'
        '[endpoints.os]\nstart = "start_date"\nevents = ["death_date"]\n'
        'censor = "last_contact_date"\n'
    )
    write_cohort(
        folder,
        "\n".join(patients) + "\n",
        toml,
        assessments="\n".join(assessments) + "\n",
        adverse_events="\n".join(events) + "\n",
    )
    return folder, sorted(set(ties))


# --- the reference, once per (cohort, day) ---
#
# A cohort is known by its folder and the content hash of its files: the in-memory and the
# stored copy of one folder hold the same tables (test_both_copies_hold_the_same_tables), so
# they share one reference. Everything is cached per process, keyed by values, never by test
# order: under pytest-xdist each worker fills its own cache.

_COHORTS: dict[tuple, Cohort] = {}


def reference_key(cohort: Cohort) -> tuple:
    key = (str(cohort.path), cohort.data_version, cohort.meta.time_unit)
    _COHORTS.setdefault(key, cohort)
    return key


def read_tables(cohort: Cohort) -> dict[str, pd.DataFrame]:
    """The cohort's tables as DataFrames, as they come out of it."""
    return {n: cohort.query(f"SELECT * FROM {quote_identifier(n)}") for n in cohort.tables}


@functools.cache
def _inputs(key: tuple) -> dict:
    cohort = _COHORTS[key]
    return {
        "tables": read_tables(cohort),
        "days_per_unit": ref.DAYS_PER_UNIT[cohort.meta.time_unit],
        "endpoints": tuple(cohort.endpoints),
        "data_as_of": cohort.meta.data_as_of,
    }


@functools.cache
def _snapshot(key: tuple, day: dt.date, today: dt.date):
    """The reference snapshot, or the NotReplayable it raised (kept, raised again by callers)."""
    try:
        return ref.reference_snapshot(as_of=day, today=today, **_inputs(key))
    except ref.NotReplayable as refused:
        return refused


def reference_snapshot(cohort: Cohort, day: dt.date):
    found = _snapshot(reference_key(cohort), day, dt.date.today())
    if isinstance(found, ref.NotReplayable):
        raise found
    return found


@functools.cache
def _summary(key: tuple, day: dt.date, today: dt.date):
    cohort = _COHORTS[key]

    def replay(when):
        return reference_snapshot(cohort, when)

    try:
        return ref.reference_summary(
            as_of=day,
            today=today,
            reconstructed=cohort.meta.reconstructed,
            reconstructed_tables=cohort.meta.reconstructed_tables,
            replay=replay,
            **_inputs(key),
        )
    except ref.NotReplayable as refused:
        return refused


def reference_summary(cohort: Cohort, day: dt.date) -> dict:
    found = _summary(reference_key(cohort), day, dt.date.today())
    if isinstance(found, ref.NotReplayable):
        raise found
    return found


@functools.cache
def _reference_cohort(key: tuple, day: dt.date, today: dt.date) -> Cohort:
    """The reference snapshot's tables as a Cohort: for the catalog, the worst-grade summary
    table and the answers (tox, the KM chart) that the snapshot should give alike. Made as
    `assemble` makes one, but each in a database attached to one DuckDB of the process
    (a DuckDB of its own costs ~30 ms; the reference cohorts live as long as the process)."""
    cohort = _COHORTS[key]
    tables = reference_snapshot(cohort, day)
    name = f"reference_{len(_REFERENCE_DATABASES)}"
    _REFERENCE_DATABASES.append(name)
    con = _reference_duckdb().cursor()
    con.execute(f"ATTACH ':memory:' AS {name}")
    con.execute(f"USE {name}")
    for table, frame in tables.items():
        # read by its name (DuckDB's scan of a local DataFrame): the same table as through
        # register/unregister (the same types and rows), at half the cost
        _incoming = frame
        con.execute(f"CREATE TABLE {quote_identifier(table)} AS SELECT * FROM _incoming")
    meta = dataclasses.replace(cohort.meta, data_as_of=day)
    return adopt(cohort.path, meta, con, list(tables), database=name)


_REFERENCE_DATABASES: list[str] = []


@functools.cache
def _reference_duckdb():
    return duckdb.connect(":memory:")


def reference_cohort(cohort: Cohort, day: dt.date) -> Cohort:
    return _reference_cohort(reference_key(cohort), day, dt.date.today())


# --- comparing plain data ---


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """A table with every date (and timestamp) column as datetime64: the types differ, the
    dates may not."""
    frame = frame.copy()
    for column in frame.columns:
        if column.endswith("date") or _holds_dates(frame[column]):
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    return frame.reset_index(drop=True)


def _holds_dates(series: pd.Series) -> bool:
    """Whether the first value present is a date (or a timestamp): only an object or a
    datetime column can hold one."""
    if series.dtype.kind == "M":
        return bool(series.notna().any())
    if series.dtype.kind != "O":
        return False
    values = series.dropna()
    return bool(len(values)) and isinstance(values.iloc[0], dt.date)


def assert_same_tables(new: pd.DataFrame, old: pd.DataFrame, table: str) -> None:
    assert_same_plain(plain(new), plain(old), table)


def assert_same_plain(a: pd.DataFrame, b: pd.DataFrame, table: str) -> None:
    """assert_same_tables of tables already made `plain`."""
    assert list(a.columns) == list(b.columns), table
    assert len(a) == len(b), table
    for column in a.columns:
        pd.testing.assert_series_equal(
            a[column], b[column], check_dtype=False, obj=f"{table}.{column}", rtol=1e-12
        )


def assert_same_snapshot(cohort: Cohort, day: dt.date) -> None:
    try:
        old = reference_snapshot(cohort, day)
    except ref.NotReplayable as error:
        with pytest.raises(UsageError) as raised:
            snapshot(cohort, day)
        assert (raised.value.message, raised.value.hint) == (error.message, error.hint)
        return
    new = snapshot(cohort, day)
    if old is _inputs(reference_key(cohort))["tables"]:  # nothing to cut: the cohort itself
        assert new is cohort
        return
    assert (new.tables, new.endpoints) == (cohort.tables, cohort.endpoints)
    assert new.meta == dataclasses.replace(cohort.meta, data_as_of=day)
    assert list(new.tables) == list(old)
    expected = _plain_reference(reference_key(cohort), day, dt.date.today())
    for table in new.tables:  # the plain comparison: the code's tables against the reference's
        found = plain(new.query(f"SELECT * FROM {quote_identifier(table)}"))
        assert_same_plain(found, expected[table], table)
    # ... and what a Cohort makes of them: the catalog (kinds, values, ranges) and the worst
    # grade per patient and term, made from the snapshot's adverse events
    made = reference_cohort(cohort, day)
    assert new.catalog == made.catalog
    if new.has_table("adverse_events"):
        assert_same_plain(plain(new.query(_WORST)), expected[AE_WORST], AE_WORST)


_WORST = f"SELECT * FROM {quote_identifier(AE_WORST)} ORDER BY ALL"  # by patient only


@functools.cache
def _plain_reference(key: tuple, day: dt.date, today: dt.date) -> dict[str, pd.DataFrame]:
    """The reference snapshot's tables as `plain` makes them, and the worst grades a Cohort
    makes of its adverse events: once per (cohort, day), for every comparison with them."""
    old = _snapshot(key, day, today)
    out = {table: plain(frame) for table, frame in old.items()}
    made = _reference_cohort(key, day, today)
    if made.has_table("adverse_events"):
        out[AE_WORST] = plain(made.query(_WORST))
    return out


def assert_close(a, b, where: str = "") -> None:
    """Equal, floats to 1e-9 relative (the reference computes them its own way), the rest
    exactly: same keys in the same order, same types of container, same lengths."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), (where, a, b)
        for k in a:
            assert_close(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list | tuple):
        assert type(a) is type(b) and len(a) == len(b), (where, a, b)
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_close(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and not isinstance(b, bool) and isinstance(b, int | float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), (where, a, b)
    else:
        assert type(a) is type(b) and a == b, (where, a, b)


def assert_same_summary(cohort: Cohort, day: dt.date):
    """The code's weekly summary against the reference's; returns the code's answer."""
    spec = QuerySpec(metric="summary", as_of=day)
    try:
        old = reference_summary(cohort, day)
    except ref.NotReplayable as error:
        with pytest.raises(UsageError) as raised:
            summary_answer(spec, cohort)
        assert (raised.value.message, raised.value.hint) == (error.message, error.hint)
        return None
    new = summary_answer(spec, cohort)
    as_json = new.as_json()
    shown = {k: v for k, v in old.items() if k not in ("title", "marked")}
    assert_close({k: as_json[k] for k in shown}, shown)
    assert set(as_json) == set(shown)  # nothing the reference does not know of
    assert list(new.notes) == old["notes"] and (new.title, new.n) == (old["title"], old["n"])
    # The image: the KM curve of PFS over the week's snapshot, the week's progressions ringed.
    if old["pfs"] is None:
        assert new.chart is None
        return new
    assert_close(new.chart.marked, (old["marked"],), "marked")
    expected = _reference_chart(reference_key(cohort), old["as_of"], dt.date.today())
    assert_same(dataclasses.replace(new.chart, marked=()), dataclasses.replace(expected, marked=()))
    return new


@functools.cache
def _reference_chart(key: tuple, as_of: str, today: dt.date):
    """The KM chart of PFS over the reference snapshot of `as_of` (a week's end)."""
    made = _reference_cohort(key, dt.date.fromisoformat(as_of), today)
    return survival_answer(QuerySpec(metric="pfs"), made).chart


def assert_same(a, b) -> None:
    """Equal, field by field, arrays with NaN where NaN is."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b)
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name))
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, tuple | list):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert_same(x, y)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            assert_same(a[key], b[key])
    else:
        assert a == b or (a != a and b != b), (a, b)


def weeks(first: dt.date, last: dt.date, every: int = 1):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=7 * every)
