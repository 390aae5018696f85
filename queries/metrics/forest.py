"""Forest plots: a rate, or the hazard ratio of `by=`, in every subgroup of the baseline fields.

`forest orr` (or `dcr`) gives k/N with the exact CI in each subgroup, against the overall rate;
`forest pfs by=arm` the Cox hazard ratio of the two `by` groups within each subgroup, with a
likelihood-ratio test of the treatment-by-subgroup interaction per field. The subgroups are
those of `over=` or, by default, the categorical fields of the cohort's Table 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from sts_queries.charts import ForestChart
from sts_queries.cohort.catalog import CATEGORICAL
from sts_queries.cohort.cohort import Cohort
from sts_queries.errors import UsageError
from sts_queries.metrics.baseline import baseline_fields
from sts_queries.metrics.hazards import declared_order
from sts_queries.metrics.metric import Metric
from sts_queries.metrics.rates import DEFINITIONS, RESPONDERS
from sts_queries.metrics.shared.groups import group_labels, group_name
from sts_queries.metrics.shared.notes import MIN_GROUP, provenance_notes
from sts_queries.metrics.shared.selection import run, selected_n
from sts_queries.query_spec import QuerySpec
from sts_queries.result import Answer, Part
from sts_queries.sql.statement import metric_sql
from sts_queries.stats.exact import clopper_pearson
from sts_queries.stats.interaction import interaction_test

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
    if spec.over:
        return [f for f in spec.over if f != spec.by]
    chosen = [f.name for f in baseline_fields(cohort) if f.kind == CATEGORICAL]
    return [f for f in chosen if f != spec.by]


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


def _hazard_forest(spec: QuerySpec, cohort: Cohort, fields: list[str]) -> tuple[Forest, list[str]]:
    from sts_queries.stats.cox import (
        hazard_ratios,  # lifelines loads only when a hazard ratio is asked for
    )

    endpoint = spec.outcome
    if not spec.by:
        raise UsageError(
            f"`forest {endpoint}` shows the hazard ratio of two groups: name them with by=.",
            hint=f"e.g. /sts forest {endpoint} by=sex, /sts forest {endpoint} by=prior_chemo",
        )
    columns = {"time": f"{endpoint}_time", "event": f"{endpoint}_event", "arm": spec.by}
    # Counts, not patients: a row per distinct (time, event, arm, subgroup) with `patients`;
    # hazard_ratios fits them as the patients they stand for (any registry size).
    frame = run(spec, cohort, metric_sql("survival_counts"), columns=columns)
    frame = frame[frame["arm"].map(lambda v: group_name(v) != "missing")]
    frame = frame.assign(arm=frame["arm"].map(str))
    declared = declared_order(cohort.meta.fields, spec.by)
    arms = [a for a in declared if a in set(frame["arm"])]
    arms += sorted(set(frame["arm"]) - set(arms))  # R's factor levels after the declared ones
    if len(arms) != 2:
        raise UsageError(
            f"`forest {endpoint} by={spec.by}` compares two groups; this selection has "
            f"{len(arms)} ({', '.join(arms) or 'none'}).",
            hint=f"Filter to two, e.g. /sts forest {endpoint} by={spec.by} "
            f"{spec.by}={','.join(arms[:2]) or '…'}",
        )
    reference = spec.reference or arms[0]
    other = next(a for a in arms if a != reference)

    def _arms(part) -> list[dict]:
        # Each by= group's patients and events in this subgroup: the cells the HR rests on
        # (the small-cell rule reads them, as it reads a grouped answer's groups).
        return [
            {
                "label": arm,
                "n": _patients(part[part["arm"] == arm]),
                "events": _events(part[part["arm"] == arm]),
            }
            for arm in (reference, other)
        ]

    def hr(part) -> dict:
        result = hazard_ratios(
            part["time"],
            part["event"],
            part["arm"],
            reference=reference,
            order=arms,
            weights=part["patients"],
        )
        counts = {"n": _patients(part), "events": _events(part)}
        if not result.estimable:
            return {
                **counts,
                "estimate": None,
                "ci_low": None,
                "ci_high": None,
                "reason": result.reason,
                "arms": _arms(part),
            }
        g = next(x for x in result.groups if x.label == other)
        return {
            **counts,
            "estimate": g.hr,
            "ci_low": g.ci_low,
            "ci_high": g.ci_high,
            "reason": None,
            "arms": _arms(part),
        }

    overall = hr(frame)
    rows, interactions, notes = [], [], []
    for name in fields:
        split = replace(spec, by=name)
        part = run(split, cohort, metric_sql("survival_counts"), columns=columns)
        part = part[part["arm"].map(lambda v: group_name(v) != "missing")]
        part = part.assign(arm=part["arm"].map(str), sub=part["group_key"].map(group_name))
        for label in group_labels(split, cohort, set(part["sub"])):
            mine = part[part["sub"] == label]
            if mine["arm"].nunique() < 2 or _patients(mine) < MIN_GROUP:
                row = {
                    "n": _patients(mine),
                    "events": _events(mine),
                    "estimate": None,
                    "ci_low": None,
                    "ci_high": None,
                    "reason": f"only {', '.join(sorted(set(mine['arm'])))} in this subgroup",
                    "arms": _arms(mine),
                }
            else:
                row = hr(mine)
            rows.append({"field": name, "subgroup": label, **row})
        test, why = interaction_test(
            part["time"].to_numpy(float),
            part["event"].to_numpy(int),
            (part["arm"] == other).to_numpy(float),
            part["sub"].to_numpy(object),
            weights=part["patients"].to_numpy(),
        )
        interactions.append({"field": name, **(test or {"name": None, "p": None}), "reason": why})
    missing = [f"{r['field']} {r['subgroup']}" for r in rows if r["estimate"] is None]
    if missing:
        notes.append(
            f"No hazard ratio in {len(missing)} subgroup(s) ({', '.join(missing)}): one group is "
            "absent or has no events there (the --json rows say which)."
        )
    for i in interactions:
        if i["reason"]:
            notes.append(f"No interaction test over {i['field']}: {_lower_first(i['reason'])}")
    body = Forest(
        outcome=endpoint,
        measure="hazard ratio",
        overall=overall,
        rows=rows,
        fields=fields,
        reference=reference,
        comparison=other,
        interactions=interactions,
    )
    return body, notes


def _patients(rows) -> int:
    return int(rows["patients"].sum())


def _events(rows) -> int:
    return int((rows["patients"] * rows["event"]).sum())


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


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
        method = (
            f"{outcome.upper()} ({DEFINITIONS[outcome]}) per subgroup, exact Clopper–Pearson 95% CI"
        )
        used = ("best_response",)
    else:
        body, notes = _hazard_forest(spec, cohort, fields)
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
