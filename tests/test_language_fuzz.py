"""The whole command language, fuzzed: metrics × filters × options × by=, with plots.

Built from the registry and the demo's catalog, so a new metric, option or field is covered
without touching this file. Fixed seed (derandomized): CI runs the same commands every time.
Whatever is asked, the answer is an answer or a clear error — never an internal one.
"""

from __future__ import annotations

import logging

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sts_bot.service.service import Service
from sts_queries.cohort.catalog import CATEGORICAL, DATE, NUMERIC
from sts_queries.cohort.cohort import demo_path, load_cohort
from sts_queries.metrics.metric import OPTIONS
from sts_queries.metrics.registry import METRICS

DEMO = load_cohort(demo_path())
FIELDS = [f for f in DEMO.catalog.fields if f.name != "patient_id"]
OPERATORS = ["=", "!=", ">=", ">", "<=", "<"]
ODD = ["", "x", "-1", "0", "1e9", "1e99", "nan", "..", "3..", "..3", "a,b", "2019-13-45",
       "9999-12-31", "1900-01-01", "'", "\"", "😀", "I", "III", "yes", "NE"]  # fmt: skip
OPTION_VALUES = {
    "ci": ["log", "log-log", "plain", "spss", "arcsine"],
    "unit": ["days", "weeks", "months", "years", "fortnights"],
    "grade": ["3", ">=3", "1..2", "6", "x"],
    "as_of": ["2019-10-14", "2021-06-30", "2030-01-01", "1800-01-01", "soon"],
}


def value_for(field) -> st.SearchStrategy[str]:
    known: list[str] = list(field.values[:6])
    if field.kind == NUMERIC and field.minimum is not None:
        known += [
            f"{field.minimum:g}",
            f"{field.maximum:g}",
            f"{field.minimum:g}..{field.maximum:g}",
        ]
    if field.kind == DATE:
        known += ["2019-09-17", "2019-01-01..2020-01-01"]
    if field.kind == CATEGORICAL and len(field.values) > 1:
        known.append(",".join(field.values[:2]))
    return st.sampled_from(known + ODD) if known else st.sampled_from(ODD)


def valid_value(field) -> st.SearchStrategy[str]:
    if field.kind == CATEGORICAL:
        return st.sampled_from(list(field.values[:6]) or ["x"])
    if field.kind == DATE:
        return st.sampled_from(["2019-09-17", "2019-01-01..2020-01-01"])
    low, high = field.minimum or 0, field.maximum or 1
    return st.sampled_from([f"{low:g}", f"{high:g}", f"{low:g}..{high:g}", f"{(low + high) / 2:g}"])


@st.composite
def commands(draw) -> str:
    """Mostly well-formed commands (they reach SQL, statistics and plots), some malformed."""
    metric = draw(st.sampled_from(METRICS))
    sane = draw(st.integers(0, 3)) > 0  # three in four: the kind of command people type
    words = [draw(st.sampled_from([metric.name, *metric.aliases]))]
    if metric.args == "patient":
        words.append(draw(st.sampled_from(["8", "08", "case 8", "99", "x"])))
    if metric.args == "topic":
        words.append(draw(st.sampled_from([m.name for m in METRICS] + ["nope"])))
    used: set[str] = set()
    for _ in range(draw(st.integers(0, 2 if sane else 3))):
        field = draw(st.sampled_from(FIELDS))
        if sane and (field.name in used or not metric.filterable):
            continue
        used.add(field.name)
        if sane:
            op = "=" if field.kind == CATEGORICAL else draw(st.sampled_from(["=", ">=", "<"]))
            value = draw(valid_value(field))
            if op != "=" and ".." in value:
                value = value.split("..")[0]
        else:
            op, value = draw(st.sampled_from(OPERATORS)), draw(value_for(field))
        name = draw(st.sampled_from([field.name, *field.aliases]))
        words.append(f"{name}{op}{value}")
    groupable = [f.name for f in FIELDS if f.groupable]
    if (metric.groupable or not sane) and draw(st.booleans()):
        words.append(f"by={draw(st.sampled_from(groupable if sane else [*groupable, 'nope']))}")
    options = sorted(metric.options) if sane else list(OPTIONS)
    for option in (
        draw(st.lists(st.sampled_from(options), max_size=2, unique=True)) if options else []
    ):
        values = OPTION_VALUES.get(option, ["1"])
        words.append(f"{option}={draw(st.sampled_from(values[:3] if sane else values))}")
    if not sane and draw(st.booleans()):
        words.append(draw(st.sampled_from(["share", "LPS", "female", "neutropenia", "zzz"])))
    return " ".join(words)


SERVICE = Service.over(DEMO)


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(command=commands(), plots=st.booleans())
def test_any_command_gets_an_answer_or_a_clear_error(command, plots, caplog):
    with caplog.at_level(logging.ERROR, logger="sts"):
        outcome = SERVICE.respond(command, with_plots=plots)
    assert outcome.kind != "internal", (command, [r.getMessage() for r in caplog.records])
    if outcome.is_error:
        assert outcome.json["error"]["message"]
    else:
        assert outcome.reply.header and outcome.json["metric"]
        assert all(p.png.startswith(b"\x89PNG") for p in outcome.plots)
