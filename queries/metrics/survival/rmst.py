"""Restricted mean survival time: `rmst os tau=12 [filters] [by=]`.

Per group the RMST to τ with its SE and 95% CI (R's `print(survfit(...), rmean = τ)`), and each
group against the reference: the difference and the ratio of RMSTs with CI and p (survRM2's
unadjusted `rmst2`). τ defaults to survRM2's, the largest time every group's curve is known
to, and the answer says so; a τ past a group's follow-up is refused, as survRM2 refuses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sts_queries.charts import KaplanMeierChart
from sts_queries.cohort.cohort import TIME_UNITS, Cohort
from sts_queries.errors import UnknownValue, UsageError
from sts_queries.metrics.metric import Metric
from sts_queries.metrics.shared.groups import MISSING, group_labels, group_names
from sts_queries.metrics.shared.notes import provenance_notes
from sts_queries.metrics.shared.selection import run, selected_n
from sts_queries.query_spec import QuerySpec
from sts_queries.result import Answer, Part
from sts_queries.sql.statement import metric_sql
from sts_queries.stats.rmst import (
    Contrast,
    RestrictedMean,
    largest_tau,
    restricted_mean,
    rmst_contrasts,
)
from sts_queries.stats.survival import kaplan_meier

__all__ = ["RMST", "RestrictedMeanSurvival", "rmst_answer"]

METHOD = (
    "RMST: the area under the Kaplan–Meier curve up to τ, SE as R's print(survfit, rmean = τ) "
    "(the survRM2 formula), 95% CI ± 1.96·SE; against the reference as survRM2's unadjusted "
    "rmst2: the difference (normal approximation) and the ratio (delta method on log RMST)"
)


@dataclass(frozen=True, kw_only=True)
class RestrictedMeanSurvival(Part):
    """The RMST of everyone selected to `tau` (in `unit`), and whether τ was asked or the
    default; per group (Answer.groups) `rmst`, and `rmst_difference` and `rmst_ratio` against
    `reference`."""

    endpoint: str
    tau: float
    tau_default: bool  # not asked: survRM2's default, the largest τ the groups allow
    # The group whose last patient, censored, sets the largest τ (None: the longest follow-up).
    tau_from: str | None
    unit: str
    events: int
    n_analysed: int
    rmst: Mapping  # estimate, se, ci_low, ci_high
    reference: str | None = None


def _rmst(r: RestrictedMean) -> dict:
    return {"estimate": r.estimate, "se": r.se, "ci_low": r.ci_low, "ci_high": r.ci_high}


def _contrast(c: Contrast) -> dict:
    return {"estimate": c.estimate, "ci_low": c.ci_low, "ci_high": c.ci_high, "p": c.p}


def _endpoint(spec: QuerySpec, cohort: Cohort) -> str:
    if spec.outcome not in cohort.endpoints:
        known = ", ".join(cohort.endpoints) or "none"
        raise UsageError(
            f"`rmst {spec.outcome}`: the restricted mean is of a survival endpoint.",
            hint=f"Survival endpoints here: {known}, e.g. /sts rmst "
            f"{(cohort.endpoints or ('os',))[0]} tau=12",
        )
    return spec.outcome


def _tau(spec: QuerySpec, curves, which: int | None, largest: float) -> tuple[float, str]:
    """τ (asked or the default) and the words saying where the largest allowed one comes from."""
    unit = spec.unit
    if which is None:
        where = f"the longest follow-up, {largest:g} {unit}"
    else:
        where = (
            f"the follow-up of {curves[which][0]}, whose last patient is censored at "
            f"{largest:g} {unit}: its curve is unknown after that"
        )
    if spec.tau is None:
        return largest, where
    if spec.tau > largest:
        raise UsageError(
            f"`tau={spec.tau:g}` is past {where}.",
            hint=f"Ask for tau={largest:g} or less (survRM2's limit), or leave tau out: "
            "the largest every group allows is the default.",
        )
    return spec.tau, where


def rmst_answer(spec: QuerySpec, cohort: Cohort) -> Answer:
    endpoint = _endpoint(spec, cohort)
    n = selected_n(spec, cohort)
    columns = {"time": f"{endpoint}_time", "event": f"{endpoint}_event"}
    frame = run(spec, cohort, metric_sql("survival_counts"), columns=columns)
    scale = TIME_UNITS[cohort.meta.time_unit] / TIME_UNITS[spec.unit]
    times = frame["time"].to_numpy(dtype=float) * scale
    events = frame["event"].to_numpy(dtype=int)
    weights = frame["patients"].to_numpy(dtype=np.int64)
    notes: list[str] = []
    if int(weights.sum()) == 0:
        raise UsageError(
            f"None of the {n} selected patients has {endpoint} recorded.",
            hint="Check the filters, or the cohort's survival columns.",
        )
    if int(weights.sum()) < n:
        notes.append(
            f"{n - int(weights.sum())} of {n} selected patients have no {endpoint} recorded."
        )
    whole = kaplan_meier(times, events, weights=weights)
    curves = [("All", whole)]
    reference = None
    if spec.by:
        keys = group_names(frame["group_key"])
        labels = [g for g in group_labels(spec, cohort, set(keys)) if g != MISSING]
        if MISSING in keys:
            left = int(weights[keys == MISSING].sum())
            notes.append(f"{left} patients with no {spec.by} are left out of the groups.")
        if not labels:
            raise UsageError(
                f"No selected patient with {endpoint} recorded has a value of `{spec.by}`.",
                hint=f"Check the filters, or ask without by=: /sts rmst {endpoint}",
            )
        if spec.reference is not None and spec.reference not in labels:
            raise UnknownValue(
                f"`ref={spec.reference}`: no selected patient has {spec.by} = {spec.reference}.",
                hint=f"Groups here: {', '.join(labels)}.",
            )
        reference = spec.reference or (labels[0] if labels else None)
        curves = [
            (g, kaplan_meier(times[keys == g], events[keys == g], weights=weights[keys == g]))
            for g in labels
        ]
    largest, which = largest_tau([fit for _, fit in curves])
    tau, where = _tau(spec, curves, which, largest)
    if spec.tau is None:
        notes.append(
            f"τ = {tau:g} {spec.unit}, not given: the largest τ every group allows ({where}; "
            "survRM2's default). Ask with tau= for another."
        )
    overall = restricted_mean(whole, tau)
    groups = []
    if spec.by:
        means = {label: restricted_mean(fit, tau) for label, fit in curves}
        for label, fit in curves:
            row = {"label": label, "n": fit.n, "events": fit.events, "rmst": _rmst(means[label])}
            if label == reference:
                row |= {"rmst_difference": None, "rmst_ratio": None}
            else:
                difference, ratio = rmst_contrasts(means[label], means[reference])
                row |= {"rmst_difference": _contrast(difference), "rmst_ratio": _contrast(ratio)}
            groups.append(row)
    body = RestrictedMeanSurvival(
        endpoint=endpoint,
        tau=tau,
        tau_default=spec.tau is None,
        tau_from=None if which is None else curves[which][0],
        unit=spec.unit,
        events=whole.events,
        n_analysed=whole.n,
        rmst=_rmst(overall),
        reference=reference,
    )
    return Answer(
        spec=spec,
        metric="rmst",
        title=f"RMST {endpoint.upper()}",
        n=n,
        method=METHOD,
        body=body,
        groups=tuple(groups),
        notes=(*notes, *provenance_notes(spec, cohort, tuple(columns.values()))),
        chart=KaplanMeierChart(
            curves=tuple(curves),
            unit=spec.unit,
            endpoint=endpoint,
            data_as_of=cohort.meta.data_as_of,
            tau=tau,
        ),
    )


RMST = Metric(
    name="rmst",
    title="RMST",
    summary=(
        "Restricted mean survival time of an endpoint up to tau= (the answer's unit): the mean "
        "time event-free within tau, with its SE and 95% CI (R's print(survfit, rmean = tau)); "
        "with by=, each group's difference and ratio against ref= with CI and p (survRM2's "
        "unadjusted rmst2). Without tau=, the largest every group's follow-up allows (survRM2's "
        "default), said in the answer. Options: unit=days|weeks|months|years."
    ),
    examples=("rmst pfs tau=12", "rmst pfs", "rmst pfs by=sex tau=12", "rmst pfs by=stage ref=IV"),
    handler=rmst_answer,
    body=RestrictedMeanSurvival,
    options=frozenset({"unit", "ref", "tau"}),
    args="metric",
)
