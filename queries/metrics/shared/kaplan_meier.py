"""What a survival answer says of a Kaplan–Meier curve: the fit (R's, or SPSS's symmetric
median CI), the median with why a CI limit has no number, the landmarks, the method in words,
and the log-rank test across groups with its caveats. Shared by the endpoints (pfs, os, …) and
the duration of response."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sts_queries.cohort.cohort import TIME_UNITS
from sts_queries.language.filters import EventFreePast
from sts_queries.metrics.shared.groups import MISSING
from sts_queries.metrics.shared.notes import SMALL_GROUP, why_no_test
from sts_queries.query_spec import QuerySpec
from sts_queries.stats.landmarks import landmarks
from sts_queries.stats.median_se import symmetric_median_ci
from sts_queries.stats.survival import KMFit, LogRankNotEstimable, kaplan_meier, logrank

__all__ = [
    "CI_NAMES",
    "FEW_AT_RISK",
    "LANDMARK_MONTHS",
    "NOT_ESTIMABLE",
    "NOT_REACHED",
    "conditional_note",
    "conditional_on",
    "km_fit",
    "km_method",
    "km_summary",
    "landmark_times",
    "logrank_test",
    "test_method",
]

LANDMARK_MONTHS = (6, 12)
CI_NAMES = {"log-log": "log-log", "log": "log", "plain": "plain (linear)"}
# A median resting on fewer patients at risk than this is flagged in words.
FEW_AT_RISK = 3
NOT_REACHED, NOT_ESTIMABLE = "not reached", "not estimable"


def km_fit(times, events, ci_type: str, weights=None) -> KMFit:
    """R's KM fit; for ci=symmetric the median's CI is the symmetric median ± z·SE instead."""
    if ci_type != "symmetric":
        return kaplan_meier(times, events, weights=weights, conf_type=ci_type)
    fit = kaplan_meier(times, events, weights=weights, conf_type="log-log")
    low, high = symmetric_median_ci(fit)
    return replace(fit, median_low=low, median_high=high)


def conditional_on(spec: QuerySpec) -> float | None:
    """The time `given=` conditions on (the answer's unit), None for an unconditional answer."""
    given = [f.after for f in spec.filters if isinstance(f, EventFreePast)]
    return given[0] if given else None


def conditional_note(spec: QuerySpec, given: float, n: int, at) -> str:
    """What a conditional answer is: whom it counts, and from when its times run."""
    note = (
        f"Conditional on being event-free at {given:g} {spec.unit}: the {n} selected patients "
        f"followed past it without an event, times still from the start (R's survfit(..., "
        f"subset = time > {given:g})); each rate is survival to its time given survival to "
        f"{given:g}, S(t)/S({given:g})."
    )
    if not at:
        note += f" No default landmark (6, 12 months) is after {given:g}: ask with at=."
    return note


def landmark_times(spec: QuerySpec, longest: float | None = None) -> list[tuple[float, float]]:
    """(time in the answer's unit, the same in months; a default's nominal months): at=, or by
    default 6 and 12 months, scaled to the follow-up: where the longest time (`longest`, in
    the answer's unit) reaches 5 years, 1 and 5 years, and 10 years too from 10 years on (a
    registry followed for 20 years is not read at 6 and 12 months). A default is a whole
    number of days or weeks (183 days, 26 weeks: the time the answer computes is the time it
    says, not 182.625). given=: the default times after the time it conditions on (at= is
    after it already)."""
    to_months = TIME_UNITS[spec.unit] / TIME_UNITS["months"]
    if spec.at:
        return [(t, t * to_months) for t in spec.at]
    reach = 0.0 if longest is None else longest * to_months
    months = LANDMARK_MONTHS if reach < 60 else (12, 60, *((120,) if reach >= 120 else ()))
    whole = spec.unit in ("days", "weeks")  # the 6-month landmark of days is read at day 183
    after = conditional_on(spec) or 0.0
    times = [(float(round(m / to_months)) if whole else m / to_months, m) for m in months]
    return [(t, m) for t, m in times if t > after]


def _limit_status(fit: KMFit, which: str, ci_type: str) -> str | None:
    """Why a limit of the median's CI has no number: None (it has one), "not reached" (its
    curve stays above 0.5 to the last follow-up) or "not estimable" (it cannot be computed:
    the limit curve is undefined where it would cross, e.g. log-log once the curve is at 0)."""
    value = fit.median_low if which == "low" else fit.median_high
    if value is not None:
        return None
    if fit.median is None and which == "high":
        return NOT_REACHED  # the upper limit is never below the median
    if ci_type == "symmetric":
        return NOT_REACHED if fit.median is None else NOT_ESTIMABLE
    band = fit.lower if which == "low" else fit.upper
    return NOT_REACHED if band.size and not np.isnan(band[-1]) else NOT_ESTIMABLE


def _few_at_risk(fit: KMFit) -> bool:
    """Does the median rest on fewer than FEW_AT_RISK patients at risk?"""
    return fit.median is not None and fit.n_at_risk(fit.median) < FEW_AT_RISK


def km_summary(fit: KMFit, times: list[tuple[float, float]], ci_type: str) -> dict:
    points = landmarks(fit, [t for t, _ in times])
    # Past the last time R's summary() has no row; a curve that has reached 0 stays there, so
    # that landmark is 0 (its CI not estimable), not "beyond follow-up".
    at_zero = bool(fit.surv.size) and float(fit.surv[-1]) == 0.0
    points = [replace(p, survival=0.0) if p.survival is None and at_zero else p for p in points]
    # `months`, `surv` and `n_risk` are the keys of the first contract, kept beside the
    # names of R's summary(survfit, times=): `survival` and `at_risk`.
    rows = [
        {
            "months": months,
            "time": p.time,
            "surv": p.survival,
            "ci_low": p.ci_low,
            "ci_high": p.ci_high,
            "survival": p.survival,
            "at_risk": p.at_risk,
            "n_risk": p.at_risk,
        }
        for p, (_, months) in zip(points, times, strict=True)
    ]
    return {
        "n": fit.n,
        "events": fit.events,
        "median": fit.median,
        "ci_low": fit.median_low,
        "ci_high": fit.median_high,
        "ci_low_status": _limit_status(fit, "low", ci_type),
        "ci_high_status": _limit_status(fit, "high", ci_type),
        "median_few_at_risk": _few_at_risk(fit),
        "landmarks": rows,
    }


def km_method(ci_type: str) -> str:
    ci = (
        "symmetric, median ± 1.96·SE with Collett's SE (the form of interval the seed paper "
        "reports; bands and landmarks log-log)"
        if ci_type == "symmetric"
        else f"({CI_NAMES[ci_type]} transform, Greenwood variance) as R survival::survfit"
    )
    return f"Kaplan–Meier; median with 95% CI {ci}"


def logrank_test(
    times, events, keys, groups, weights=None, strata=None
) -> tuple[dict | None, list[str]]:
    """survdiff over the groups of `keys` (within `strata`, a stratum per row, when given); the
    `missing` group and the patients of no recorded stratum are left out, as R drops NA."""
    known = np.asarray(keys) != MISSING
    if strata is not None:
        known &= np.asarray(strata) != MISSING
    groups = [g for g in groups if g["label"] != MISSING]
    if (why := why_no_test(groups)) is not None:
        return None, [why]
    times, events, keys = np.asarray(times)[known], np.asarray(events)[known], keys[known]
    weights = None if weights is None else np.asarray(weights)[known]
    if int(np.sum(events)) == 0:
        return None, ["No events yet in any group: no log-rank test."]
    try:
        result = logrank(
            times,
            events,
            keys,
            weights=weights,
            strata=None if strata is None else np.asarray(strata)[known],
        )
    except LogRankNotEstimable:
        return None, ["The log-rank test cannot be computed for these groups (no information)."]
    notes = []
    if min(g["n"] for g in groups) < SMALL_GROUP or min(g["events"] for g in groups) == 0:
        notes.append(
            f"Some groups have fewer than {SMALL_GROUP} patients or no events: the log-rank "
            "test has little power here; read p with care."
        )
    name = "stratified log-rank" if strata is not None else "log-rank"
    return {"name": name, "chi2": result.chi2, "df": result.df, "p": result.p}, notes


def test_method(test: dict | None, strata) -> str:
    """The log-rank test's part of the method line: `; log-rank test as R survdiff`."""
    if test is None:
        return ""
    within = f"(… + strata({', '.join(strata.fields)}))" if strata else ""
    return f"; {test['name']} test as R survdiff{within}"
