"""Every metric is complete: one object declares it, and every surface can show what it answers.

Walks the registry: each metric has help and examples, each example answers on a cohort that
has what it needs (the demo; NCCTG lung for `os`), its answer has the body type the metric
declares, a renderer for text, Block Kit and `--json` (with the keys ../shared/PRODUCT.md
promises), and a drawer for any chart it carries.
"""

from __future__ import annotations

import json

import pytest

from sts_bot.plots.figures import draw, render_chart
from sts_bot.render.answers import compose, sections, to_text
from sts_bot.slack.blocks import to_blocks
from sts_queries.answer import ask, understand
from sts_queries.charts import Chart
from sts_queries.cohort.cohort import load_cohort
from sts_queries.metrics.metric import OPTIONS
from sts_queries.metrics.registry import METRICS, resolve
from sts_queries.result import Part
from tests.conftest import write_cohort

# The --json keys PRODUCT.md lists for each kind of answer, besides metric, n and filters.
CONTRACT = {
    "orr": {"count", "rate", "ci_low", "ci_high", "breakdown", "method"},
    "dcr": {"count", "rate", "ci_low", "ci_high", "breakdown", "method"},
    "pfs": {"events", "median", "ci_low", "ci_high", "unit", "ci_type", "method"}
    | {"followup", "landmarks"},
    "os": {"events", "median", "ci_low", "ci_high", "unit", "ci_type", "method"}
    | {"followup", "landmarks"},
    "dor": {"responders", "events", "median", "ci_low", "ci_high", "unit", "method"},
    "ttr": {"responders", "median", "minimum", "maximum", "unit", "method"},
    "forest": {"outcome", "measure", "overall", "rows", "method"},
    "tox": {"rows", "method"},
    "rmst": {"tau", "rmst", "method"},
    "cif": {"competing", "cif", "events", "competing_events", "method"},
}
EXAMPLES = [(m.name, e) for m in METRICS for e in m.examples]


@pytest.fixture(scope="module")
def lung(tmp_path_factory):
    from lifelines.datasets import load_lung  # not at collection: seconds per worker

    d = load_lung()
    rows = ["patient_id,sex,age,os_time,os_event"]
    for i, r in d.iterrows():
        sex = "male" if r["sex"] == 1 else "female"
        rows.append(f"{i + 1},{sex},{r['age']},{r['time']},{int(r['status'])}")
    folder = write_cohort(
        tmp_path_factory.mktemp("lung"), "\n".join(rows) + "\n", 'name = "l"\ntime_unit = "days"\n'
    )
    return load_cohort(folder)


@pytest.fixture(scope="module")
def mgus2_cohort(tmp_path_factory):
    """R's mgus2, pcm competing with death: where `cif` answers."""
    from tests.test_competing_cohort import mgus2

    return load_cohort(mgus2(tmp_path_factory.mktemp("mgus2") / "m"))


@pytest.mark.parametrize("metric", METRICS, ids=lambda m: m.name)
def test_every_metric_is_declared_whole(metric):
    assert metric.summary and metric.examples and metric.title
    assert all(e.split()[0] == metric.name for e in metric.examples)
    assert issubclass(metric.body, Part)
    assert sections.dispatch(metric.body) is not sections.dispatch(Part), "no renderer"
    assert set(metric.options) <= set(OPTIONS)
    for alias in (metric.name, *metric.aliases):
        assert resolve(alias.upper(), ("pfs", "os")) is metric


def test_names_and_aliases_are_unique():
    names = [n for m in METRICS for n in (m.name, *m.aliases)]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(("name", "example"), EXAMPLES)
def test_every_example_answers_on_every_surface(demo, lung, mgus2_cohort, name, example):
    cohort = lung if name == "os" else mgus2_cohort if name == "cif" else demo
    answer = ask(example, cohort)
    assert answer.metric == name
    assert type(answer.body) is resolve(name, cohort.endpoints).body
    reply = compose(answer)
    assert reply.header and to_text(reply)
    assert to_blocks(reply).blocks
    data = answer.as_json()
    json.dumps(data)  # plain JSON types only
    assert {"metric", "n", "filters"} <= set(data)
    assert CONTRACT.get(name, set()) <= set(data)
    if understand(example, cohort).by:
        assert "groups" in data and all("label" in g for g in data["groups"])
        if answer.chart is not None and name in ("pfs", "os"):  # grouped survival: the HRs
            assert {"reference", "adjusted_for", "hr_test"} <= set(data)
            assert all({"hr", "hr_ci_low", "hr_ci_high"} <= set(g) for g in data["groups"])
        if name == "rmst":  # each group's RMST, and against the reference (null for it)
            keys = {"rmst", "rmst_difference", "rmst_ratio"}
            assert all(keys <= set(g) for g in data["groups"]) and "reference" in data
        if name == "cif":  # grouped competing risks: Gray's test, the Fine–Gray SHRs
            assert {"gray_test", "reference"} <= set(data)
            assert all(
                {"shr", "shr_ci_low", "shr_ci_high", "cif"} <= set(g) for g in data["groups"]
            )
    if answer.chart is not None:
        assert isinstance(answer.chart, Chart)
        assert render_chart.dispatch(type(answer.chart)) is not render_chart.dispatch(Chart)


@pytest.mark.parametrize(
    "example",
    ["pfs by=stage", "tox", "swimmer", "patient 8", "forest orr"],
    ids=lambda e: e.split()[0],
)
def test_each_kind_of_chart_draws_a_png(demo, example):
    (plot,) = draw(ask(example, demo))
    assert plot.png.startswith(b"\x89PNG") and plot.filename.endswith(".png")


def test_tox_rows_follow_the_contract(demo):
    for row in ask("tox", demo).as_json()["rows"]:
        assert {"term", "grades", "any", "grade3plus"} <= set(row)
        assert set(row["grades"]) == {"1", "2", "3", "4", "5"}
