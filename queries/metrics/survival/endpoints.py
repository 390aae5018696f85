"""Survival endpoints (pfs, os, any X_time/X_event pair): KM medians, landmarks, median
follow-up, log-rank, and the hazard ratios of groups."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from sts_queries.charts import KaplanMeierChart
from sts_queries.cohort.cohort import TIME_UNITS, Cohort
from sts_queries.errors import UsageError
from sts_queries.metrics.metric import Metric
from sts_queries.metrics.shared.groups import group_labels, group_names, grouping_order, is_missing
from sts_queries.metrics.shared.kaplan_meier import (
    NOT_ESTIMABLE,
    conditional_note,
    conditional_on,
    km_fit,
    km_method,
    km_summary,
    landmark_times,
    logrank_test,
    test_method,
)
from sts_queries.metrics.shared.notes import after_start_note, competing_note, provenance_notes
from sts_queries.metrics.shared.selection import run, selected_n
from sts_queries.metrics.survival.hazards import (
    GroupHazards,
    declared_order,
    factor_order,
    group_hazards,
    hr_of,
    with_hazard,
)
from sts_queries.query_spec import QuerySpec
from sts_queries.result import Answer, Part
from sts_queries.sql.statement import metric_sql
from sts_queries.stats.cox_design import FACTOR, LINEAR, level_text
from sts_queries.stats.followup import median_followup
from sts_queries.stats.survival import KMFit

__all__ = ["AFTER_START_FIELDS", "OS", "PFS", "Survival", "endpoint_metric", "survival_answer"]

# Fields only known after follow-up has begun: grouping survival by them lets the patients who
# lived long enough to have them look better (guarantee-time bias).
AFTER_START_FIELDS = frozenset({"best_response", "resection"})


@dataclass(frozen=True, kw_only=True)
class Survival(Part):
    """A Kaplan–Meier answer: events, the median with its CI, landmark rates."""

    events: int
    median: float | None
    ci_low: float | None
    ci_high: float | None
    landmarks: Sequence[Mapping]
    unit: str
    ci_type: str
    n_analysed: int
    followup: Mapping  # median, ci_low, ci_high: reverse Kaplan–Meier
    # Why a limit has no number ("not reached", "not estimable"; None when it has one), and
    # whether the median rests on fewer than FEW_AT_RISK patients at risk.
    ci_low_status: str | None = None
    ci_high_status: str | None = None
    median_few_at_risk: bool = False
    # Grouped answers only (None / empty otherwise): the Cox model's reference group, its
    # adjustment, the likelihood-ratio test of the groups, the PH test and the method.
    reference: str | None = None
    adjusted_for: Sequence[str] = ()
    # adjust= only: how each covariate entered, [{field, kind: "factor" | "linear", reference}]
    adjustment: Sequence[Mapping] | None = None
    hr_test: Mapping | None = None
    ph_test: Mapping | None = None
    hr_method: str | None = None
    # given=: the time the answer is conditional on (the patients event-free past it), and
    # only then a --json key.
    conditional_on: float | None = None

    def json(self) -> dict:
        out = super().json()
        for key in ("adjustment", "conditional_on"):  # keys of the answers that have them
            if out[key] is None:
                del out[key]
        return out


def survival_answer(spec: QuerySpec, cohort: Cohort) -> Answer:
    endpoint = spec.metric
    if endpoint not in cohort.endpoints:
        known = ", ".join(cohort.endpoints) or "none"
        raise UsageError(
            f"This cohort has no `{endpoint}` endpoint "
            f"(no {endpoint}_time/{endpoint}_event columns).",
            hint=f"Survival endpoints here: {known}.",
        )
    n = selected_n(spec, cohort)
    columns = {"time": f"{endpoint}_time", "event": f"{endpoint}_event"}
    covariates = {f"covariate_{i}": name for i, name in enumerate(spec.adjust)}
    # One row per (group, time, event, covariates) with its number of patients: DuckDB counts a
    # registry down to some thousands of rows, and every statistic below weights by them.
    frame = run(spec, cohort, metric_sql("survival_counts"), columns={**columns, **covariates})
    scale = TIME_UNITS[cohort.meta.time_unit] / TIME_UNITS[spec.unit]
    times = frame["time"].to_numpy(dtype=float) * scale
    events = frame["event"].to_numpy(dtype=int)
    weights = frame["patients"].to_numpy(dtype=np.int64)
    recorded = int(weights.sum())
    notes: list[str] = [*competing_note(endpoint, cohort.meta.competing.get(endpoint, ()))]
    if recorded < n:
        notes.append(f"{n - recorded} of {n} selected patients have no {endpoint} recorded.")
    if recorded == 0:
        raise UsageError(
            f"None of the {n} selected patients has {endpoint} recorded.",
            hint="Check the filters, or the cohort's survival columns.",
        )
    fit = km_fit(times, events, spec.ci_type, weights)
    at = landmark_times(spec, float(times.max(initial=0.0)))
    if (given := conditional_on(spec)) is not None:
        notes.append(conditional_note(spec, given, n, at))
    overall = km_summary(fit, at, spec.ci_type)
    # Reverse KM has no SPSS form: its CI is log-log where the median's is symmetric.
    followup = median_followup(
        times,
        events,
        weights=weights,
        conf_type="log-log" if spec.ci_type == "symmetric" else spec.ci_type,
    )
    curves: list[tuple[str, KMFit]] = [("All", fit)]
    groups, test, hazards = [], None, None
    if spec.by:
        keys = group_names(frame["group_key"])
        labels = group_labels(spec, cohort, set(keys))
        curves = []
        for label in labels:
            mask = keys == label
            group_fit = km_fit(times[mask], events[mask], spec.ci_type, weights[mask])
            curves.append((label, group_fit))
            groups.append({"label": label, **km_summary(group_fit, at, spec.ci_type)})
        strata = group_names(frame["stratum_key"]) if spec.strata else None
        test, why = logrank_test(times, events, keys, groups, weights, strata)
        notes.extend(why)
        hazards = _hazards(spec, cohort, frame, times, events, keys, weights, strata)
        notes.extend(hazards.notes)
        groups = [with_hazard(g, hazards) for g in groups]
        fragile = [str(g["label"]) for g in groups if g["median_few_at_risk"]]
        if fragile:
            notes.append(
                f"The median of {', '.join(fragile)} rests on fewer than three patients "
                "at risk: read it with care."
            )
        if after := AFTER_START_FIELDS.intersection(spec.by_fields):
            notes.append(after_start_note(min(after), endpoint))
    shown = [*([overall] if overall["median"] is not None else []), *groups]  # CIs printed
    if any(NOT_ESTIMABLE in (d["ci_low_status"], d["ci_high_status"]) for d in shown):
        notes.append(
            "NE: not estimable (the limit's curve is undefined where it would cross 50%, as "
            "once survival reaches 0); NR: not reached (it stays above 50%)."
        )
    body = Survival(
        **{k: v for k, v in overall.items() if k != "n"},
        unit=spec.unit,
        ci_type=spec.ci_type,
        n_analysed=overall["n"],
        followup={
            "median": followup.median,
            "ci_low": followup.ci_low,
            "ci_high": followup.ci_high,
        },
        reference=hazards.reference if hazards else None,
        adjusted_for=hazards.adjusted_for if hazards else (),
        adjustment=_adjustment(hazards.model, cohort) if hazards and spec.adjust else None,
        hr_test=hazards.test if hazards else None,
        ph_test=hazards.ph_test if hazards else None,
        hr_method=hazards.method if hazards else None,
        conditional_on=given,
    )
    method = km_method(spec.ci_type) + test_method(test, spec.strata)
    return Answer(
        spec=spec,
        metric=endpoint,
        title=endpoint.upper(),
        n=n,
        method=method,
        body=body,
        groups=tuple(groups),
        test=test,
        notes=(*notes, *provenance_notes(spec, cohort, (f"{endpoint}_time", f"{endpoint}_event"))),
        chart=KaplanMeierChart(
            curves=tuple(curves),
            unit=spec.unit,
            test=test,
            landmarks=tuple(t for t, _ in at),
            followup=body.followup,
            reference=body.reference,
            hazards={g["label"]: hr_of(g) for g in groups if g.get("hr") is not None},
            hr_test=body.hr_test,
            endpoint=endpoint,
            data_as_of=cohort.meta.data_as_of,
            start=given or 0.0,
        ),
    )


def _hazards(spec, cohort, frame, times, events, keys, weights, strata) -> GroupHazards:
    # The counted rows go to the model as they are: it weighs each by its patients (lifelines
    # on the expanded rows for a small selection, the counts fitter for a registry).
    covariates = None
    orders, kinds = {}, dict(spec.adjust_kinds)
    if spec.adjust:
        covariates = pd.DataFrame(index=range(len(frame)))
        for i, name in enumerate(spec.adjust):
            field = cohort.catalog.get(name)
            values = frame[f"covariate_{i}"].reset_index(drop=True)
            # A category or a code (stage 1/2/3, sex 0/1) enters as R's factor; a number
            # linearly; `adjust=x:linear` / `x:factor` says otherwise.
            kinds.setdefault(name, FACTOR if field.groupable else LINEAR)
            if kinds[name] == FACTOR:
                values = values.map(lambda v: None if is_missing(v) else level_text(v))
                orders[name] = factor_order(cohort, field)
            covariates[name] = values
    return group_hazards(
        times,
        events,
        keys,
        order=declared_order(cohort.meta.fields, spec.by, cohort.catalog)
        if spec.grouping.plain_field
        else grouping_order(spec, cohort, set(keys)),
        reference=spec.reference,
        covariates=covariates,
        covariate_orders=orders,
        covariate_kinds=kinds,
        weights=weights,
        strata=strata,
        strata_text=" or ".join(spec.strata.fields) if spec.strata else "",
    )


def _adjustment(model, cohort: Cohort) -> list[dict]:
    """How each covariate entered: {field, kind, reference (a factor's first level, by its
    label; None for a number)}."""
    references = dict(model.adjusted_references)
    out = []
    for name, kind in model.adjusted_kinds:
        reference = references.get(name)
        if reference is not None:
            reference = cohort.catalog.get(name).value_label(reference)
        out.append({"field": name, "kind": kind, "reference": reference})
    return out


PFS = Metric(
    name="pfs",
    title="PFS",
    summary=(
        "Progression-free survival: Kaplan–Meier median with 95% CI, events/N, 6- and 12-month "
        "rates (or at=3,6,12), median follow-up (reverse KM), KM plot; with by=, hazard ratios "
        "(Cox) against ref= (default: the first group), adjust=age, strata=stage; given=3: "
        "conditional on being event-free at 3 (the patients past it, rates S(t)/S(3), plot from 3)."
        " Options: ci=log-log|log|plain|spss, unit=days|weeks|months|years."
    ),
    examples=(
        "pfs resection=no",
        "pfs stage=IV",
        "pfs by=histology",
        "pfs ci=log",
        "pfs at=3,6",
        "pfs by=stage ref=IIIA",
        "pfs by=sex adjust=age",
        "pfs given=6 at=12",
        "pfs by=sex,prior_chemo",
        "pfs by=sex strata=stage",
    ),
    handler=survival_answer,
    body=Survival,
    options=frozenset({"ci", "unit", "ref", "adjust", "at", "given", "strata"}),
    endpoint=True,
)
OS = replace(
    PFS,
    name="os",
    title="OS",
    summary="Overall survival, as pfs. Any X_time/X_event column pair is an endpoint `X` too.",
    examples=("os", "os by=sex", "os by=age>=65", "os by=age cuts=50,65 strata=sex"),
)


def endpoint_metric(name: str) -> Metric:
    """The metric of any survival endpoint `name` (an X_time/X_event pair of the cohort)."""
    known = {m.name: m for m in (PFS, OS)}
    if name in known:
        return known[name]
    return replace(PFS, name=name, title=name.upper())
