"""Survival endpoints (pfs, os, any X_time/X_event pair): KM medians, landmarks, log-rank."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from .charts import KaplanMeierChart
from .cohort import TIME_UNITS, Cohort
from .common import (
    SMALL_GROUP,
    group_labels,
    group_name,
    provenance_notes,
    run,
    selected_n,
    why_no_test,
)
from .errors import UsageError
from .median_se import symmetric_median_ci
from .metric import Metric
from .result import Answer, Part
from .spec import QuerySpec
from .sql import metric_sql
from .survival import KMFit, LogRankNotEstimable, kaplan_meier, logrank

__all__ = ["LANDMARK_MONTHS", "OS", "PFS", "Survival", "endpoint_metric", "survival_answer"]

LANDMARK_MONTHS = (6, 12)
_CI_NAMES = {"log-log": "log-log", "log": "log", "plain": "plain (linear)"}


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


def _fit(times, events, ci_type: str) -> KMFit:
    """R's KM fit; for ci=symmetric the median's CI is SPSS's median ± z·SE instead."""
    if ci_type != "symmetric":
        return kaplan_meier(times, events, conf_type=ci_type)
    fit = kaplan_meier(times, events, conf_type="log-log")
    low, high = symmetric_median_ci(fit)
    return replace(fit, median_low=low, median_high=high)


def _summary(fit: KMFit, unit: str) -> dict:
    landmarks = []
    for months in LANDMARK_MONTHS:
        t = months * TIME_UNITS["months"] / TIME_UNITS[unit]
        surv, low, high = fit.at(t)
        reached = fit.time.size > 0 and t <= fit.time[-1]
        landmarks.append(
            {
                "months": months,
                "time": t,
                "surv": surv if reached else None,
                "ci_low": low if reached else None,
                "ci_high": high if reached else None,
                "n_risk": fit.n_at_risk(t),
            }
        )
    return {
        "n": fit.n,
        "events": fit.events,
        "median": fit.median,
        "ci_low": fit.median_low,
        "ci_high": fit.median_high,
        "landmarks": landmarks,
    }


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
    frame = run(spec, cohort, metric_sql("survival"), columns=columns)
    scale = TIME_UNITS[cohort.meta.time_unit] / TIME_UNITS[spec.unit]
    times = frame["time"].to_numpy(dtype=float) * scale
    events = frame["event"].to_numpy(dtype=int)
    notes: list[str] = []
    if len(frame) < n:
        notes.append(f"{n - len(frame)} of {n} selected patients have no {endpoint} recorded.")
    if len(frame) == 0:
        raise UsageError(
            f"None of the {n} selected patients has {endpoint} recorded.",
            hint="Check the filters, or the cohort's survival columns.",
        )
    fit = _fit(times, events, spec.ci_type)
    overall = _summary(fit, spec.unit)
    body = Survival(
        **{k: v for k, v in overall.items() if k != "n"},
        unit=spec.unit,
        ci_type=spec.ci_type,
        n_analysed=overall["n"],
    )
    curves: list[tuple[str, KMFit]] = [("All", fit)]
    groups, test = [], None
    if spec.by:
        keys = frame["group_key"].map(group_name).to_numpy()
        curves = []
        for label in group_labels(spec, cohort, set(keys)):
            mask = keys == label
            group_fit = _fit(times[mask], events[mask], spec.ci_type)
            curves.append((label, group_fit))
            groups.append({"label": label, **_summary(group_fit, spec.unit)})
        test, why = _logrank(times, events, keys, groups)
        notes.extend(why)
    ci = (
        "= median ± 1.96·SE (Collett's SE, as SPSS reports; bands and landmarks log-log)"
        if spec.ci_type == "symmetric"
        else f"({_CI_NAMES[spec.ci_type]} transform, Greenwood variance) as R survival::survfit"
    )
    method = f"Kaplan–Meier; median with 95% CI {ci}" + (
        "; log-rank test as R survdiff" if test else ""
    )
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
        chart=KaplanMeierChart(curves=tuple(curves), unit=spec.unit, test=test),
    )


def _logrank(times, events, keys, groups) -> tuple[dict | None, list[str]]:
    if (why := why_no_test(groups)) is not None:
        return None, [why]
    if int(np.sum(events)) == 0:
        return None, ["No events yet in any group: no log-rank test."]
    try:
        result = logrank(times, events, keys)
    except LogRankNotEstimable:
        return None, ["The log-rank test cannot be computed for these groups (no information)."]
    notes = []
    if min(g["n"] for g in groups) < SMALL_GROUP or min(g["events"] for g in groups) == 0:
        notes.append(
            f"Some groups have fewer than {SMALL_GROUP} patients or no events: the log-rank "
            "test has little power here; read p with care."
        )
    return {"name": "log-rank", "chi2": result.chi2, "df": result.df, "p": result.p}, notes


PFS = Metric(
    name="pfs",
    title="PFS",
    summary=(
        "Progression-free survival: Kaplan–Meier median with 95% CI, events/N, 6- and 12-month "
        "rates, KM plot. Options: ci=log-log|log|plain|spss, unit=days|weeks|months|years."
    ),
    examples=("pfs resection=no", "pfs stage=IV", "pfs by=histology", "pfs ci=log"),
    handler=survival_answer,
    body=Survival,
    options=frozenset({"ci", "unit"}),
    endpoint=True,
)
OS = replace(
    PFS,
    name="os",
    title="OS",
    summary="Overall survival, as pfs. Any X_time/X_event column pair is an endpoint `X` too.",
    examples=("os", "os by=sex"),
)


def endpoint_metric(name: str) -> Metric:
    """The metric of any survival endpoint `name` (an X_time/X_event pair of the cohort)."""
    known = {m.name: m for m in (PFS, OS)}
    if name in known:
        return known[name]
    return replace(PFS, name=name, title=name.upper())
