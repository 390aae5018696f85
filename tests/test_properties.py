"""Whatever a user types: an answer or a clear error, and user values never reach SQL text."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sts_bot.service.service import Service
from sts_queries.answer import understand
from sts_queries.errors import StsError
from sts_queries.language.filters import InValues, NotInValues
from sts_queries.sql.statement import selection_sql, where_clause

respond = Service().respond
SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
nasty = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from(list("'\";--=<>!,.*")),
    min_size=1,
    max_size=40,
)


@SETTINGS
@given(values=st.lists(nasty, min_size=1, max_size=4), op=st.sampled_from(["in", "not_in"]))
def test_values_only_ever_travel_as_parameters(demo, values, op):
    kind = InValues if op == "in" else NotInValues
    f = kind(field="histology", members=tuple(values), label="histology")
    sql, params = where_clause((f,), demo.catalog)
    reference, _ = where_clause(
        (kind(field="histology", members=("x",) * len(values), label="h"),), demo.catalog
    )
    assert sql == reference
    assert params == list(values)


@SETTINGS
@given(number=st.floats(min_value=-1e15, max_value=1e15))
def test_numbers_change_parameters_not_sql(demo, number):
    text = f"count age>={number!r}"
    spec = understand(text, demo)
    sql, params = selection_sql(spec, demo.catalog)
    assert sql == selection_sql(understand("count age>=1", demo), demo.catalog)[0]
    assert params == [spec.filters[0].values[0]]


@SETTINGS
@given(
    metric=st.sampled_from(["orr", "dcr", "count", "pfs", "tox", "baseline", "list", "fields"]),
    field=st.sampled_from(["histology", "hist", "age", "stage", "sex", "grade", "by", "ci", "x"]),
    op=st.sampled_from(["=", "!=", ">=", "<", "=", ".."]),
    value=nasty,
)
def test_any_filter_gets_an_answer_or_a_clear_error(demo, metric, field, op, value):
    outcome = respond(f"{metric} {field}{op}{value}", demo, with_plots=False)
    if outcome.is_error:
        assert outcome.kind != "internal", outcome.json
        assert outcome.json["error"]["message"]
    else:
        assert outcome.json["metric"]


@SETTINGS
@given(text=st.text(alphabet=string.printable + "≥≤≠“”", max_size=60))
def test_any_text_gets_an_answer_or_a_clear_error(demo, text):
    outcome = respond(text, demo, with_plots=False)
    assert outcome.kind != "internal", (text, outcome.json)
    try:
        understand(text, demo)
    except StsError:
        assert outcome.is_error


GROUPABLE = ["sex", "histology", "stage", "metastatic_site", "prior_chemo", "resection"]
# The splits whose plots are drawn too: the most groups (histology: 8, five of one patient)
# and two with a small one (resection: 2 and 12). The others' shapes are drawn by
# tests/test_plot_checks.py (pfs by=sex and by=stage, tox by=sex, swimmer by=histology), and
# prior_chemo's or metastatic_site's groups (2; 3 with one of a single patient) are shapes
# these two draw already.
PLOTTED = {"histology", "resection"}


@pytest.mark.parametrize("metric", ["orr", "dcr", "pfs", "tox", "count", "baseline", "swimmer"])
@pytest.mark.parametrize("field", GROUPABLE)
def test_every_metric_splits_by_every_category(demo, metric, field):
    outcome = respond(f"{metric} by={field}", demo, with_plots=field in PLOTTED)
    assert not outcome.is_error, outcome.json
    groups = outcome.json.get("groups")
    if groups is not None:
        assert sum(g["n"] for g in groups) == outcome.json["n"]


def test_patients_with_an_empty_group_field_form_a_missing_group(tmp_path):
    from sts_queries.cohort.cohort import load_cohort
    from tests.conftest import write_cohort

    patients = (
        "patient_id,arm,best_response,pfs_time,pfs_event\n1,A,PR,3,1\n2,,SD,4,0\n3,B,PD,5,1\n"
    )
    cohort = load_cohort(write_cohort(tmp_path / "c", patients))
    for metric in ("orr", "pfs", "count", "baseline"):
        outcome = respond(f"{metric} by=arm", cohort, with_plots=False)
        assert [g["label"] for g in outcome.json["groups"]] == ["A", "B", "missing"], metric
