"""Forest plots: a rate, or the hazard ratio of `by=`, in every subgroup of the baseline fields.

`forest orr` (or `dcr`) gives k/N with the exact CI in each subgroup, against the overall rate;
`forest pfs by=arm` the Cox hazard ratio of the two `by` groups within each subgroup, with a
likelihood-ratio test of the treatment-by-subgroup interaction per field. The subgroups are
those of `over=` or, by default, the categorical fields of the cohort's Table 1.
This module holds the answer, its rate rows and its declaration; the hazard-ratio rows are
`forest_hazards.py`'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from sts_queries.charts import ForestChart
from sts_queries.cohort.catalog import CATEGORICAL
from sts_queries.cohort.cohort import Cohort
from sts_queries.errors import UsageError
from sts_queries.metrics.baseline import baseline_fields
from sts_queries.metrics.metric import Metric
from sts_queries.metrics.rates import DEFINITIONS, RESPONDERS
from sts_queries.metrics.shared.groups import group_labels, group_name
from sts_queries.metrics.shared.notes import provenance_notes
from sts_queries.metrics.shared.selection import run, selected_n
from sts_queries.metrics.survival.forest_hazards import hazard_forest
from sts_queries.query_spec import QuerySpec
from sts_queries.result import Answer, Part
from sts_queries.sql.statement import metric_sql
from sts_queries.stats.exact import clopper_pearson

__all__ = ["FOREST", "Forest", "forest_answer"]

RATES = ("orr", "dcr")


@dataclass(frozen=True, kw_only=True)
class Forest(Part):
    """One row per subgroup: its estimate with 95% CI, and the overall estimate."""

    outcome: str  # orr, dcr, or a survival endpoint
    measure: str  # "rate" or "hazard ratio"
    overall: Mapping  # estimate, ci_low, ci_high, and count/n or events/n
    rows: Sequence[Mapping]  # field, subgroup, n, estimate, ci_low, ci_high, … (HR: arms)
    fields: Sequence[str]  # the fields split, in order
    reference: str | None = None  # hazard ratios: the `by` group they are against
    comparison: str | None = None  # hazard ratios: the other `by` group
    interactions: Sequence[Mapping] = ()  # hazard ratios: per field {field, name, chi2, df, p}


def _fields(spec: QuerySpec, cohort: Cohort) -> list[str]:
    """over=, else the baseline fields that split into subgroups: categories and codes (colon's
    0/1 obstruct, 1-4 extent), each with two values or more."""
    if spec.over:
        return [f for f in spec.over if f != spec.by]
    chosen = [
        f.name
        for f in baseline_fields(cohort)
        if (f.kind == CATEGORICAL or f.is_code) and len(f.values) > 1
    ]
    return [f for f in chosen if f != spec.by]


def _labelled(body: Forest, spec: QuerySpec, cohort: Cohort) -> Forest:
    """A coded value by its label wherever it shows: subgroups (`obstruct` yes, not 1, with
    `code` beside it), the by= arms, the reference and the comparison ("favours test")."""

    def named(field: str | None, value):
        found = cohort.catalog.get(field) if field and value is not None else None
        # codes only: a category keeps its own words, as a grouped answer's groups (answer.py)
        return found.value_label(str(value)) if found is not None and found.is_code else value

    def row(r: Mapping) -> dict:
        out = dict(r)
        label = named(r["field"], r["subgroup"])
        if label != r["subgroup"]:
            out.update(subgroup=label, code=r["subgroup"])
        if "arms" in r:
            out["arms"] = [{**a, "label": named(spec.by, a["label"])} for a in r["arms"]]
        return out

    overall = dict(body.overall)
    if "arms" in overall:
        overall["arms"] = [{**a, "label": named(spec.by, a["label"])} for a in overall["arms"]]
    return replace(
        body,
        overall=overall,
        rows=[row(r) for r in body.rows],
        reference=named(spec.by, body.reference),
        comparison=named(spec.by, body.comparison),
    )


def _rate_row(row, outcome: str) -> dict:
    n = int(row["n"])
    k = int(sum(int(row[c.lower()]) for c in RESPONDERS[outcome]))
    low, high = clopper_pearson(k, n)
    return {"n": n, "count": k, "estimate": k / n, "ci_low": low, "ci_high": high}


def _rate_forest(spec: QuerySpec, cohort: Cohort, fields: list[str]) -> tuple[Forest, list[str]]:
    if spec.by:
        raise UsageError(
            f"`forest {spec.outcome}` splits by every baseline field already; by= is for "
            "`forest pfs by=<field>`.",
            hint=f"Name the fields with over=, e.g. /sts forest {spec.outcome} over=sex,stage",
        )
    if "best_response" not in cohort.catalog.names():
        raise UsageError(
            "This cohort has no `best_response` column, so there is no rate to plot.",
            hint="Add best_response (CR/PR/SD/PD/NE) to patients.csv.",
        )
    columns = {"best_response": "best_response"}
    frame = run(spec, cohort, metric_sql("rates"), columns=columns)
    overall = _rate_row(frame[["n", "cr", "pr", "sd", "pd", "ne"]].sum(), spec.outcome)
    rows = []
    for name in fields:
        split = replace(spec, by=name)
        per = {
            group_name(r["group_key"]): r
            for _, r in run(split, cohort, metric_sql("rates"), columns=columns).iterrows()
        }
        for label in group_labels(split, cohort, set(per)):
            rows.append({"field": name, "subgroup": label, **_rate_row(per[label], spec.outcome)})
    body = Forest(
        outcome=spec.outcome,
        measure="rate",
        overall=overall,
        rows=rows,
        fields=fields,
    )
    return body, []


def forest_answer(spec: QuerySpec, cohort: Cohort) -> Answer:
    """A rate or a hazard ratio in every subgroup, with the chart to draw them."""
    outcome = spec.outcome
    if outcome not in RATES and outcome not in cohort.endpoints:
        known = ", ".join([*RATES, *cohort.endpoints])
        raise UsageError(
            f"`forest {outcome}`: a forest plot shows a rate or a hazard ratio.",
            hint=f"Use one of: {known}, e.g. /sts forest orr, /sts forest pfs by=sex",
        )
    n = selected_n(spec, cohort)
    fields = _fields(spec, cohort)
    if not fields:
        raise UsageError(
            "No field to split into subgroups.", hint="Name them with over=, e.g. over=sex,stage"
        )
    if outcome in RATES:
        body, notes = _rate_forest(spec, cohort, fields)
        body = _labelled(body, spec, cohort)
        method = (
            f"{outcome.upper()} ({DEFINITIONS[outcome]}) per subgroup, exact Clopper–Pearson 95% CI"
        )
        used = ("best_response",)
    else:
        parts, notes = hazard_forest(spec, cohort, fields)
        body = Forest(outcome=outcome, measure="hazard ratio", fields=fields, **parts)
        body = _labelled(body, spec, cohort)
        method = (
            f"Cox PH (Efron ties, Wald CI) as R coxph: HR of {body.comparison} vs {body.reference} "
            "within each subgroup; interaction p from a likelihood-ratio test of the "
            f"{spec.by}-by-subgroup interaction, per field"
        )
        used = (f"{outcome}_time", f"{outcome}_event")
    title = f"Forest {outcome.upper()}"
    return Answer(
        spec=spec,
        metric="forest",
        title=title,
        n=n,
        method=method,
        body=body,
        notes=(*notes, *provenance_notes(spec, cohort, (*used, *fields))),
        chart=ForestChart(
            rows=tuple(body.rows),
            overall=body.overall,
            measure=body.measure,
            outcome=outcome,
            reference=body.reference,
            comparison=body.comparison,
            interactions=tuple(body.interactions),
        ),
    )


FOREST = Metric(
    name="forest",
    title="Forest plot",
    summary=(
        "A forest plot: `forest orr` / `forest dcr` gives the rate with its exact 95% CI in every "
        "subgroup of each baseline field (or over=sex,stage) against the overall rate; "
        "`forest pfs by=<field>` the hazard ratio of the two by= groups in every subgroup, with "
        "the interaction p."
    ),
    examples=("forest orr", "forest dcr over=sex,stage", "forest pfs by=sex"),
    handler=forest_answer,
    body=Forest,
    args="metric",
    options=frozenset({"over", "ref"}),
)
