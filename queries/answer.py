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
from sts_queries.sql.grouping import SEPARATOR

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
    """Groups of a coded field (sex 1/2) named by their declared labels (Male, Female); each
    coded part of a crossed group too (`Male, adeno`)."""
    terms = answer.spec.grouping.terms if answer.spec.grouping else ()
    fields = [None if t.cuts else cohort.catalog.get(t.field) for t in terms]
    coded = [
        f if f is not None and f.value_labels and f.kind != "categorical" else None for f in fields
    ]
    if not any(coded):
        return answer

    def name(label: str) -> str:
        parts = label.split(SEPARATOR) if len(coded) > 1 else [label]
        if len(parts) != len(coded):
            return label
        return SEPARATOR.join(
            f.value_label(p) if f else p for f, p in zip(coded, parts, strict=True)
        )

    named = {g["label"]: name(g["label"]) for g in answer.groups}
    groups = tuple({**g, "label": named[g["label"]], "code": g["label"]} for g in answer.groups)
    body = answer.body
    if getattr(body, "reference", None) in named:
        body = replace(body, reference=named[body.reference])
    chart = answer.chart
    if isinstance(chart, (KaplanMeierChart, CumulativeIncidenceChart)):
        curves = tuple((named.get(label, label), fit) for label, fit in chart.curves)
        hazards = {named.get(label, label): hr for label, hr in chart.hazards.items()}
        chart = replace(
            chart,
            curves=curves,
            hazards=hazards,
            reference=named.get(chart.reference, chart.reference),
        )
    return replace(answer, groups=groups, body=body, chart=chart)


def ask(text: str, cohort: Cohort) -> Answer:
    """Answer one `/sts` command on a cohort."""
    return answer(understand(text, cohort), cohort)
