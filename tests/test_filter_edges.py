"""Every filter operator at its edges, on data: which patients a filter selects.

The expected sets are written from the README's definition of each operator, applied in Python
to the rows below (never from the SQL under test): `a..b` includes both ends, `a..` is "a and
up", `..b` "up to b", `!=` keeps patients whose value is unknown ("they are not `a` either"),
a date compares by calendar day (a time of day on the same day is that day), and a coded field
with labels is chosen by its label. Each row sits on an edge: ages 40 and 60, 60.5 just past an
end, a start on the boundary day, a visit at midnight and at noon, empty values.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

from sts_queries.answer import understand
from sts_queries.cohort.cohort import load_cohort
from sts_queries.sql.statement import selection_sql
from tests.conftest import write_cohort

PATIENTS = """\
patient_id,age,sex,histology,start_date,visit_time
1,39,1,LPS,2019-09-30,2019-09-30 23:59:59
2,40,2,LPS,2019-10-01,2019-10-01 00:00:00
3,41,1,UPS,2019-10-02,2019-10-01 12:00:00
4,59,,UPS,2019-10-01,2019-10-02 00:00:00
5,60,2,,2019-12-31,2019-12-31 00:00:00
6,61,1,SS,2020-01-01,2020-01-01 00:00:00
7,,2,SS,,
8,60.5,1,LPS,2019-10-01,2019-10-01 00:00:00
"""
TOML = 'name = "edges"\ntime_unit = "months"\n[fields.sex]\nlabels = { 1 = "Male", 2 = "Female" }\n'


def _rows() -> list[dict]:
    lines = PATIENTS.splitlines()
    header = lines[0].split(",")
    rows = []
    for line in lines[1:]:
        row = dict(zip(header, line.split(","), strict=True))
        rows.append(
            {
                "id": row["patient_id"],
                "age": float(row["age"]) if row["age"] else math.nan,
                "sex": {"1": "Male", "2": "Female", "": None}[row["sex"]],
                "histology": row["histology"] or None,
                "start": dt.date.fromisoformat(row["start_date"]) if row["start_date"] else None,
                "visit": dt.date.fromisoformat(row["visit_time"][:10])
                if row["visit_time"]
                else None,
            }
        )
    return rows


ROWS = _rows()
D = dt.date.fromisoformat


def ids(keep) -> set[str]:
    return {r["id"] for r in ROWS if keep(r)}


def _ge(x, v):
    return x is not None and not (isinstance(x, float) and math.isnan(x)) and x >= v


def _le(x, v):
    return x is not None and not (isinstance(x, float) and math.isnan(x)) and x <= v


# The README's own words for each operator, as a predicate on a row.
EDGES = [
    ("age=40..60", ids(lambda r: _ge(r["age"], 40) and _le(r["age"], 60))),  # both ends in
    ("age=60..40", ids(lambda r: _ge(r["age"], 40) and _le(r["age"], 60))),  # either order
    ("age=60..", ids(lambda r: _ge(r["age"], 60))),  # 60 and up: 60 itself, 60.5, 61
    ("age=..40", ids(lambda r: _le(r["age"], 40))),  # up to 40, 40 itself
    ("age>=60", ids(lambda r: _ge(r["age"], 60))),
    ("age>60", ids(lambda r: _ge(r["age"], 60) and r["age"] != 60)),
    ("age<=40", ids(lambda r: _le(r["age"], 40))),
    ("age<40", ids(lambda r: _le(r["age"], 40) and r["age"] != 40)),
    ("age!=60", ids(lambda r: r["age"] != 60)),  # the patient without an age stays
    ("histology!=LPS", ids(lambda r: r["histology"] != "LPS")),  # the empty histology stays
    ("histology!=LPS,UPS", ids(lambda r: r["histology"] not in ("LPS", "UPS"))),
    ("histology=LPS,UPS", ids(lambda r: r["histology"] in ("LPS", "UPS"))),
    ("sex=female", ids(lambda r: r["sex"] == "Female")),  # a label picks its code
    ("sex=Male", ids(lambda r: r["sex"] == "Male")),
    ("sex!=male", ids(lambda r: r["sex"] != "Male")),  # the patient without a sex stays
    ("start_date>=2019-10-01", ids(lambda r: _ge(r["start"], D("2019-10-01")))),
    ("start_date<2019-10-01", ids(lambda r: _le(r["start"], D("2019-09-30")))),
    (
        "start_date=2019-10-01..2019-12-31",
        ids(lambda r: _ge(r["start"], D("2019-10-01")) and _le(r["start"], D("2019-12-31"))),
    ),
    ("start_date=2019-12-31..", ids(lambda r: _ge(r["start"], D("2019-12-31")))),
    ("visit_time<=2019-10-01", ids(lambda r: _le(r["visit"], D("2019-10-01")))),  # noon too
    ("visit_time>2019-10-01", ids(lambda r: _ge(r["visit"], D("2019-10-02")))),  # midnight next
    ("visit_time=2019-10-01", ids(lambda r: r["visit"] == D("2019-10-01"))),
]


@pytest.fixture(scope="module")
def edges(tmp_path_factory):
    folder = tmp_path_factory.mktemp("edges")
    return load_cohort(write_cohort(folder / "c", PATIENTS, toml=TOML), store=folder / "store")


def selected(cohort, text: str) -> set[str]:
    spec = understand(f"count {text}", cohort)
    sql, params = selection_sql(spec, cohort.catalog)
    return set(cohort.query(sql, params)["patient_id"].astype(str))


@pytest.mark.parametrize(("text", "expected"), EDGES, ids=[t for t, _ in EDGES])
def test_each_operator_selects_what_the_readme_says(edges, text, expected):
    assert selected(edges, text) == expected


def test_the_edges_are_really_edges():
    # The table would prove little if no row sat on an end: these sets differ from their
    # one-off neighbours only through the edge rows.
    table = dict(EDGES)
    assert table["age=40..60"] == {"2", "3", "4", "5"}
    assert table["age=60.."] == {"5", "6", "8"}
    assert table["histology!=LPS"] == {"3", "4", "5", "6", "7"}
    assert table["sex!=male"] == {"2", "4", "5", "7"}
    assert table["visit_time<=2019-10-01"] == {"1", "2", "3", "8"}
