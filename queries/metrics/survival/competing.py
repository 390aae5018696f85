"""Competing risks (`cif pcm`): the Aalen–Johansen cumulative incidence of an endpoint whose
wait other endpoints can end first (cohort.toml's `competing = ["death"]`), at landmark times,
with Gray's test across the groups of `by=` and each group's Fine–Gray subdistribution hazard
ratio against the reference."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from sts_queries.charts import CumulativeIncidenceChart
from sts_queries.cohort.cohort import TIME_UNITS, Cohort
from sts_queries.errors import UsageError
from sts_queries.metrics.metric import Metric
from sts_queries.metrics.shared.groups import MISSING, group_labels, group_names
from sts_queries.metrics.shared.kaplan_meier import landmark_times
from sts_queries.metrics.shared.notes import provenance_notes, why_no_test
from sts_queries.metrics.shared.selection import run, selected_n
from sts_queries.metrics.survival.hazards import declared_order
from sts_queries.metrics.survival.subdistribution import (
    FINE_GRAY_METHOD,
    subdistribution_hazards,
)
from sts_queries.query_spec import QuerySpec
from sts_queries.result import Answer, Part
from sts_queries.sql.statement import metric_sql
from sts_queries.stats.aalen_johansen import CumulativeIncidence, aalen_johansen
from sts_queries.stats.gray import gray_test

__all__ = ["CIF", "Incidence", "cif_answer"]

CIF_METHOD = (
    "Aalen–Johansen cumulative incidence, 95% CI with R's log transform of the "
    "infinitesimal-jackknife SE, as R survival::survfit on a factor status"
)
GRAY_METHOD = "Gray's test as cmprsk::cuminc"


@dataclass(frozen=True, kw_only=True)
class Incidence(Part):
    """A competing-risks answer: the endpoint's cumulative incidence at the landmark times."""

    endpoint: str
    competing: Sequence[str]  # the competing endpoints, in cohort.toml's order
    events: int  # the endpoint's own events, each the patient's first
    competing_events: int  # patients whose first event was a competing one
    n_analysed: int
    cif: Sequence[Mapping]  # time, estimate, ci_low, ci_high, at_risk
    # Each competing endpoint's own cumulative incidence at the same times.
    competing_cif: Mapping[str, Sequence[Mapping]]
    unit: str
    ci_type: str = "log"
    gray_test: Mapping | None = None
    reference: str | None = None


def _points(fit: CumulativeIncidence, at, cause: int) -> list[dict]:
    return [
        {
            "time": p.time,
            "estimate": p.estimate,
            "ci_low": p.ci_low,
            "ci_high": p.ci_high,
            "at_risk": p.at_risk,
        }
        for p in fit.points([t for t, _ in at], cause=cause)
    ]


def _summary(fit: CumulativeIncidence, at, competitors: Sequence[str]) -> dict:
    events = fit.events
    return {
        "n": fit.n,
        "events": events[0],
        "competing_events": int(sum(events[1:])),
        "cif": _points(fit, at, 1),
        "competing_cif": {name: _points(fit, at, i + 2) for i, name in enumerate(competitors)},
    }


def _competitors(endpoint: str, cohort: Cohort) -> tuple[str, ...]:
    declared = [e for e in cohort.endpoints if cohort.meta.competing.get(e)]
    if endpoint not in cohort.endpoints:
        raise UsageError(
            f"This cohort has no `{endpoint}` endpoint.",
            hint=f"Survival endpoints here: {', '.join(cohort.endpoints) or 'none'}; "
            + (
                f"with competing endpoints: {', '.join(declared)}."
                if declared
                else 'none has competing endpoints (cohort.toml: competing = ["death"]).'
            ),
        )
    competitors = tuple(cohort.meta.competing.get(endpoint, ()))
    if not competitors:
        raise UsageError(
            f"`{endpoint}` has no competing endpoints declared, so its cumulative incidence is "
            f"1 − KM: /sts {endpoint}.",
            hint=(f"With competing endpoints here: {', '.join(declared)}. " if declared else "")
            + f'Declare them in cohort.toml: [endpoints.{endpoint}] … competing = ["death"].',
        )
    return competitors


def cif_answer(spec: QuerySpec, cohort: Cohort) -> Answer:
    endpoint = spec.outcome or ""
    competitors = _competitors(endpoint, cohort)
    n = selected_n(spec, cohort)
    columns = {"time": f"{endpoint}_time", "event": f"{endpoint}_event"}
    for i, name in enumerate(competitors, start=1):
        columns |= {f"competing_{i}_time": f"{name}_time", f"competing_{i}_event": f"{name}_event"}
    frame = run(spec, cohort, metric_sql("competing_counts"), columns=columns)
    scale = TIME_UNITS[cohort.meta.time_unit] / TIME_UNITS[spec.unit]
    times = frame["time"].to_numpy(dtype=float) * scale
    causes = frame["cause"].to_numpy(dtype=int)
    weights = frame["patients"].to_numpy(dtype=np.int64)
    recorded = int(weights.sum())
    involved = " or ".join((endpoint, *competitors))
    notes: list[str] = []
    if recorded < n:
        notes.append(f"{n - recorded} of {n} selected patients have {involved} not recorded.")
    if recorded == 0:
        raise UsageError(
            f"None of the {n} selected patients has {involved} recorded.",
            hint="Check the filters, or the cohort's survival columns.",
        )
    k = 1 + len(competitors)
    at = landmark_times(spec)
    fit = aalen_johansen(times, causes, causes=k, weights=weights)
    overall = _summary(fit, at, competitors)
    curves: list[tuple[str, CumulativeIncidence]] = [("All", fit)]
    groups: list[dict] = []
    test = reference = None
    methods = [CIF_METHOD]
    if spec.by:
        keys = group_names(frame["group_key"])
        curves = []
        for label in group_labels(spec, cohort, set(keys)):
            mask = keys == label
            group_fit = aalen_johansen(times[mask], causes[mask], causes=k, weights=weights[mask])
            curves.append((label, group_fit))
            groups.append({"label": label, **_summary(group_fit, at, competitors)})
        for g in groups:  # null unless Fine–Gray gives one (the reference's stays null)
            g.update(dict.fromkeys(("shr", "shr_ci_low", "shr_ci_high", "shr_p")))
        known = keys != MISSING
        compared = [g for g in groups if g["label"] != MISSING]
        why = why_no_test(compared)
        if why is None and not overall["events"]:
            why = f"No {endpoint} events yet: no test and no hazard ratios."
        if why is not None:
            notes.append(why)
        else:
            try:
                gray = gray_test(times[known], causes[known], keys[known], weights=weights[known])
                test = {"name": "Gray's test", "chi2": gray.chi2, "df": gray.df, "p": gray.p}
            except np.linalg.LinAlgError:
                notes.append("Gray's test cannot be computed for these groups (no information).")
            shr = subdistribution_hazards(
                times,
                causes,
                keys,
                weights,
                order=declared_order(cohort.meta.fields, spec.by, cohort.catalog),
                reference=spec.reference,
            )
            reference = shr.reference
            notes.extend(shr.notes)
            methods += [GRAY_METHOD, FINE_GRAY_METHOD]
            for g in groups:
                g.update(shr.per_group.get(g["label"], {}))
    body = Incidence(
        endpoint=endpoint,
        competing=competitors,
        events=overall["events"],
        competing_events=overall["competing_events"],
        n_analysed=overall["n"],
        cif=overall["cif"],
        competing_cif=overall["competing_cif"],
        unit=spec.unit,
        gray_test=test,
        reference=reference,
    )
    used = [f"{name}_{part}" for name in (endpoint, *competitors) for part in ("time", "event")]
    return Answer(
        spec=spec,
        metric="cif",
        title=f"CIF {endpoint.upper()}",
        n=n,
        method="; ".join(methods),
        body=body,
        groups=tuple(groups),
        test=test,
        notes=(*notes, *provenance_notes(spec, cohort, tuple(used))),
        chart=CumulativeIncidenceChart(
            curves=tuple(curves),
            causes=(endpoint, *competitors),
            unit=spec.unit,
            landmarks=tuple(t for t, _ in at),
            test=test,
            reference=reference,
            hazards={
                g["label"]: (g["shr"], g["shr_ci_low"], g["shr_ci_high"])
                for g in groups
                if g.get("shr") is not None
            },
            data_as_of=cohort.meta.data_as_of,
        ),
    )


CIF = Metric(
    name="cif",
    title="CIF",
    summary=(
        "Competing risks: the cumulative incidence of an endpoint (Aalen–Johansen, 95% CI, "
        "number at risk) at 6 and 12 months or at=, beside the endpoints declared to compete "
        "with it (cohort.toml: competing = [\"death\"]); with by=, Gray's test and each group's "
        "Fine–Gray subdistribution hazard ratio against ref=. Plot with an at-risk table. "
        "Option: unit=days|weeks|months|years."
    ),
    examples=("cif pcm", "cif pcm at=240", "cif pcm by=sex", "cif pcm by=sex ref=M at=60,120"),
    handler=cif_answer,
    body=Incidence,
    options=frozenset({"unit", "ref", "at"}),
    args="metric",
)
