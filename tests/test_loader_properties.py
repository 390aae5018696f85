"""Whatever a folder holds, loading gives a cohort or a CohortDataError, never a traceback."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sts_queries.cohort.cohort import load_cohort
from sts_queries.errors import CohortDataError

CELLS = [
    "",
    "NA",
    "N/A",
    ".",
    "unknown",
    "[Not Available]",
    "1",
    "0",
    "2",
    "1.0",
    "2.5",
    "48,5",
    "-3",
    "yes",
    "no",
    "TRUE",
    "1:DECEASED",
    "0:LIVING",
    "DECEASED",
    "2019-07-09",
    "2019-13-01",
    "03/04/2019",
    "17/09/2019",
    "3/16/12",
    "43655",
    "PR",
    "GOOD",
    "M",
    "é",
    " ",
]
HEADERS = [
    "patient_id",
    "Patient ID",
    "record_id",
    "",
    "ph.ecog",
    "sex",
    "best_response",
    "pfs_time",
    "pfs_event",
    "os_months",
    "os_status",
    "start_date",
    "death_date",
    "cycles",
    "#x",
    "a b",
]


@st.composite
def tables(draw):
    columns = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6))
    rows = draw(
        st.lists(
            st.lists(st.sampled_from(CELLS), min_size=len(columns), max_size=len(columns)),
            max_size=8,
        )
    )
    sep = draw(st.sampled_from([",", ";", "\t"]))
    quote = lambda v: f'"{v}"' if (sep in v or '"' in v) else v  # noqa: E731
    lines = [sep.join(quote(c) for c in columns)] + [sep.join(quote(v) for v in r) for r in rows]
    blank_tail = draw(st.sampled_from(["", "\n", sep * (len(columns) - 1) + "\n"]))
    return "\n".join(lines) + "\n" + blank_tail, draw(
        st.sampled_from(["utf-8", "utf-8-sig", "cp1252"])
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.booleans())
def test_any_patients_file_loads_or_is_a_data_error(table, with_endpoint):
    text, encoding = table
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        toml = 'name = "p"\ntime_unit = "days"\n'
        if with_endpoint:
            toml += '[endpoints.os]\nstart = "start_date"\nevents = ["death_date"]\n'
        (folder / "cohort.toml").write_text(toml)
        (folder / "patients.csv").write_bytes(text.encode(encoding, errors="replace"))
        try:
            cohort = load_cohort(folder)
        except CohortDataError as exc:
            assert exc.message
        else:
            assert cohort.rows() >= 0
