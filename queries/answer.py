"""The one place the stages meet: text → Command → QuerySpec → Answer.

The CLI, the console, the Slack listener and the weekly summary all call `ask` (or
`understand` then `answer`), so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import replace

from sts_queries.charts import CumulativeIncidenceChart, KaplanMeierChart
from sts_queries.cohort.cohort import Cohort
from sts_queries.language.parse import parse
from sts_queries.language.resolve import build_spec
from sts_queries.metrics.metric import Metric
from sts_queries.metrics.registry import resolve
from sts_queries.query_spec import QuerySpec
from sts_queries.result import Answer

__all__ = ["answer", "ask", "metric_of", "understand"]


def understand(text: str, cohort: Cohort) -> QuerySpec:
    """Text → a validated spec, or a StsError saying what was wrong."""
    command = parse(text)
    metric = resolve(command.metric, cohort.endpoints)
    terms = cohort.ae_terms if "grade" in metric.options else ()
    return build_spec(command, metric, cohort.catalog, terms, time_unit=cohort.meta.time_unit)


def metric_of(spec: QuerySpec, cohort: Cohort) -> Metric:
    """The metric a spec asks for (a spec only ever names a metric `resolve` gave)."""
    return resolve(spec.metric, cohort.endpoints)


def answer(spec: QuerySpec, cohort: Cohort) -> Answer:
    return _labelled(metric_of(spec, cohort).answer(spec, cohort), cohort)


def _labelled(answer: Answer, cohort: Cohort) -> Answer:
    """Groups of a coded field (sex 1/2) named by their declared labels (Male, Female)."""
    field = cohort.catalog.get(answer.spec.by) if answer.spec.by else None
    if field is None or not field.value_labels or field.kind == "categorical":
        return answer
    named = {g["label"]: field.value_label(g["label"]) for g in answer.groups}
    groups = tuple({**g, "label": named[g["label"]], "code": g["label"]} for g in answer.groups)
    body = answer.body
    if getattr(body, "reference", None) in named:
        body = replace(body, reference=named[body.reference])
    chart = answer.chart
    if isinstance(chart, (KaplanMeierChart, CumulativeIncidenceChart)):
        curves = tuple((named.get(label, label), fit) for label, fit in chart.curves)
        chart = replace(chart, curves=curves)
    return replace(answer, groups=groups, body=body, chart=chart)


def ask(text: str, cohort: Cohort) -> Answer:
    """Answer one `/sts` command on a cohort."""
    return answer(understand(text, cohort), cohort)
