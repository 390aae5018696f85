"""Response rates (ORR, DCR): exact Clopper–Pearson CIs, Fisher's exact test across groups."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sts_queries.cohort.cohort import Cohort
from sts_queries.errors import UsageError
from sts_queries.metrics.metric import Metric
from sts_queries.metrics.shared.groups import group_labels, group_name
from sts_queries.metrics.shared.notes import SMALL_GROUP, provenance_notes, why_no_test
from sts_queries.metrics.shared.selection import run, selected_n
from sts_queries.query_spec import QuerySpec
from sts_queries.result import Answer, Part
from sts_queries.sql.statement import metric_sql
from sts_queries.stats.exact import TooLargeForExact, clopper_pearson, fisher_exact

__all__ = ["DCR", "ORR", "Rate", "rate_answer"]

RESPONDERS = {"orr": ("CR", "PR"), "dcr": ("CR", "PR", "SD")}
TITLES = {"orr": "ORR", "dcr": "DCR"}
DEFINITIONS = {"orr": "CR + PR", "dcr": "CR + PR + SD"}
METHOD = "exact Clopper–Pearson 95% CI"


@dataclass(frozen=True, kw_only=True)
class Rate(Part):
    """k/N with its exact CI and the RECIST breakdown (ORR, DCR)."""

    count: int
    rate: float
    ci_low: float
    ci_high: float
    breakdown: Mapping[str, int]
    definition: str


def _rate(row, metric: str) -> dict:
    breakdown = {code: int(row[code.lower()]) for code in ("CR", "PR", "SD", "PD", "NE")}
    n = int(row["n"])
    k = sum(breakdown[c] for c in RESPONDERS[metric])
    low, high = clopper_pearson(k, n)
    return {
        "count": k,
        "n": n,
        "rate": k / n,
        "ci_low": low,
        "ci_high": high,
        "breakdown": breakdown,
    }


def _fisher(groups: list[dict]) -> tuple[dict | None, list[str]]:
    notes: list[str] = []
    if (why := why_no_test(groups)) is not None:
        return None, [why]
    table = [[g["count"] for g in groups], [g["n"] - g["count"] for g in groups]]
    if 0 in (sum(table[0]), sum(table[1])):
        return None, ["No test: every patient has the same outcome, so groups cannot differ."]
    try:
        p = fisher_exact(table)
    except TooLargeForExact:
        return None, ["Too many patients and groups for an exact test; none is reported."]
    if min(g["n"] for g in groups) < SMALL_GROUP:
        notes.append(
            f"Some groups have fewer than {SMALL_GROUP} patients: the test has little power "
            "and a large p says little."
        )
    return {"name": "Fisher's exact test (two-sided)", "p": p}, notes


def _unrecorded(k: int) -> tuple[str, ...]:
    if not k:
        return ()
    return (
        f"{k} selected patient{'s have' if k > 1 else ' has'} no best response recorded: "
        "counted as NE (not evaluable) in the denominator, as RECIST reports them.",
    )


def rate_answer(spec: QuerySpec, cohort: Cohort) -> Answer:
    """ORR or DCR: k/N, the exact CI and the response breakdown, per group when asked."""
    metric = spec.metric
    if "best_response" not in cohort.catalog.names():
        raise UsageError(
            f"This cohort has no `best_response` column, so {TITLES[metric]} cannot be computed.",
            hint="Add best_response (CR/PR/SD/PD/NE) to patients.csv.",
        )
    n = selected_n(spec, cohort)
    frame = run(spec, cohort, metric_sql("rates"), columns={"best_response": "best_response"})
    total = frame[["n", "cr", "pr", "sd", "pd", "ne", "unrecorded"]].sum()
    overall = _rate(total, metric)
    groups, test, notes = [], None, []
    if spec.by:
        rows = {group_name(r["group_key"]): r for _, r in frame.iterrows()}
        for label in group_labels(spec, cohort, set(rows)):
            groups.append({"label": label, **_rate(rows[label], metric)})
        test, notes = _fisher(groups)
    body = Rate(**{k: v for k, v in overall.items() if k != "n"}, definition=DEFINITIONS[metric])
    return Answer(
        spec=spec,
        metric=metric,
        title=TITLES[metric],
        n=n,
        method=METHOD + ("; Fisher's exact test across groups" if test else ""),
        body=body,
        groups=tuple(groups),
        test=test,
        notes=(
            *notes,
            *_unrecorded(int(total["unrecorded"])),
            *provenance_notes(spec, cohort, ("best_response",)),
        ),
    )


ORR = Metric(
    name="orr",
    title="ORR",
    summary="Objective response rate (CR + PR), k/N with an exact Clopper–Pearson 95% CI.",
    examples=("orr", "orr histology=LPS", "orr by=stage", "orr age>=60", "orr by=sex,prior_chemo"),
    aliases=("response", "rr"),
    handler=rate_answer,
    body=Rate,
)
DCR = Metric(
    name="dcr",
    title="DCR",
    summary="Disease control rate (CR + PR + SD), k/N with an exact 95% CI.",
    examples=("dcr resection=no", "dcr by=histology", "dcr by=age cuts=45,60"),
    aliases=("dc",),
    handler=rate_answer,
    body=Rate,
)
