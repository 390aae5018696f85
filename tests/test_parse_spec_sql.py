"""Table-driven: text → spec (echo) → SQL + parameters, and text → the error a user sees."""

from __future__ import annotations

import pytest

from sts_queries.answer import understand
from sts_queries.errors import StsError, UnknownField, UnknownMetric, UnknownValue, UsageError
from sts_queries.language.parse import parse
from sts_queries.sql.statement import selection_sql

SPECS = [
    # text, metric, echo of the filters, WHERE clause, parameters
    ("orr", "orr", [], "TRUE", []),
    ("orr histology=LPS", "orr", ["histology = LPS"], '"histology" IN (?)', ["LPS"]),
    ("ORR HIST=liposarcoma", "orr", ["histology = LPS"], '"histology" IN (?)', ["LPS"]),
    (
        "orr histology=lps,ups",
        "orr",
        ["histology = LPS, UPS"],
        '"histology" IN (?, ?)',
        ["LPS", "UPS"],
    ),
    ("orr histology=synovial sarcoma", "orr", ["histology = SS"], '"histology" IN (?)', ["SS"]),
    ('orr histology="Synovial Sarcoma"', "orr", ["histology = SS"], '"histology" IN (?)', ["SS"]),
    (
        "count stage=III",
        "count",
        ["stage = III (IIIA, IIIB)"],
        '"stage" IN (?, ?)',
        ["IIIA", "IIIB"],
    ),
    (
        "orr histology!=LPS",
        "orr",
        ["histology ≠ LPS"],
        '("histology" IS NULL OR "histology" NOT IN (?))',
        ["LPS"],
    ),
    ("orr age>=60", "orr", ["age ≥ 60"], '"age" >= ?', [60]),
    ("orr age >= 60", "orr", ["age ≥ 60"], '"age" >= ?', [60]),
    ("orr age≥60", "orr", ["age ≥ 60"], '"age" >= ?', [60]),
    ("orr age<40", "orr", ["age < 40"], '"age" < ?', [40]),
    ("orr age=40..60", "orr", ["age 40–60"], '"age" BETWEEN ? AND ?', [40, 60]),
    ("orr age=60..40", "orr", ["age 40–60"], '"age" BETWEEN ? AND ?', [40, 60]),
    ("orr sex=male", "orr", ["sex = M"], '"sex" IN (?)', ["M"]),
    ("orr gender=Female", "orr", ["sex = F"], '"sex" IN (?)', ["F"]),
    ("dcr resection=no", "dcr", ["resection = no"], '"resection" IN (?)', ["no"]),
    ("dcr resected=n", "dcr", ["resection = no"], '"resection" IN (?)', ["no"]),
    (
        "orr sex=M age>=60",
        "orr",
        ["sex = M", "age ≥ 60"],
        '"sex" IN (?) AND "age" >= ?',
        ["M", 60],
    ),
    (
        "response mets=pulmonary",
        "orr",
        ["metastatic_site = lung"],
        '"metastatic_site" IN (?)',
        ["lung"],
    ),
    ("ae", "tox", [], "TRUE", []),
    ("tox grade>=3", "tox", ["grade ≥ 3"], "TRUE", []),
]


@pytest.mark.parametrize(("text", "metric", "echo", "where", "params"), SPECS)
def test_text_to_spec_and_sql(demo, text, metric, echo, where, params):
    spec = understand(text, demo)
    assert spec.metric == metric
    assert spec.describe_filters() == echo
    sql, bound = selection_sql(spec, demo.catalog)
    assert sql.endswith(f"WHERE {where}")
    assert bound == params


def test_by_and_options(demo):
    spec = understand("pfs by=hist ci=log unit=days share", demo)
    assert (spec.by, spec.ci_type, spec.unit, spec.share) == ("histology", "log", "days", True)
    sql, _ = selection_sql(spec, demo.catalog)
    assert 'CAST("histology" AS VARCHAR) AS group_key' in sql


def test_stage_one_never_matches_two(demo):
    """Hierarchies are declared, never guessed from prefixes: `I` is not `II`/`III`."""
    with pytest.raises(UnknownValue):
        understand("count stage=I", demo)
    with pytest.raises(UnknownValue):
        understand("count stage=II", demo)


ERRORS = [
    # text, error type, words the message must have, words the hint must have
    ("orr histolgy=LPS", UnknownField, ["histolgy"], ["histology"]),
    ("orr hstology=LPS", UnknownField, ["hstology"], ["histology"]),
    ("orr histology=lipo", UnknownValue, ["lipo"], ["= LPS,", "= UPS,"]),
    ("orr stage=V", UnknownValue, ["V"], ["Known values: IIIA, IIIB, IV", "III = IIIA+IIIB"]),
    ("orx", UnknownMetric, ["orx"], ["orr"]),
    ("survival", UnknownMetric, ["survival"], ["pfs"]),
    ("orr age>=old", UsageError, ["age", "numbers"], ["age>=60"]),
    ("orr histology>=LPS", UsageError, ["category"], ["histology=LPS"]),
    ("orr histology=", UsageError, ["no value"], ["histology="]),
    ("orr XYZZY", UsageError, ["XYZZY"], ["field=value"]),
    ("orr by=histolgy", UnknownField, ["histolgy"], ["histology"]),
    ("orr by=age", UsageError, ["category"], ["by=histology"]),
    ("pfs ci=wide", UsageError, ["wide"], ["ci=log-log"]),
    ("orr grade>=3", UsageError, ["grade"], ["tox grade>=3"]),
    ("tox grade>=7", UsageError, ["1 to 5"], ["grade>=3"]),
    ('orr histology="LPS', UsageError, ["Could not read"], ["Usage"]),
    ("histology=LPS", UsageError, ["filter"], ["Usage"]),
    ("patient", UsageError, ["Which patient"], ["patient 8"]),
    ("list by=sex", UsageError, ["does not apply to `list`"], ["sex=..."]),
]


@pytest.mark.parametrize(("text", "error", "message_has", "hint_has"), ERRORS)
def test_mistakes_get_specific_errors(demo, text, error, message_has, hint_has):
    with pytest.raises(error) as caught:
        understand(text, demo)
    for word in message_has:
        assert word in caught.value.message
    for word in hint_has:
        assert word in caught.value.hint


def test_every_error_is_an_sts_error():
    assert all(issubclass(e, StsError) for _, e, _, _ in ERRORS)


def test_parse_keeps_values_verbatim():
    command = parse("list regimen=AIM + Anlotinib share")
    assert command.conditions[0].value == "AIM + Anlotinib"
    assert command.flags == ("share",)
