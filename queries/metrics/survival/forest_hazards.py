"""The hazard-ratio rows of a forest plot (`forest pfs by=arm`): the Cox hazard ratio of the two
`by` groups overall and within each subgroup, each with the patients and events of both groups
(the cells it rests on), and a likelihood-ratio test of the treatment-by-subgroup interaction
per field."""

from __future__ import annotations

from dataclasses import replace

from sts_queries.cohort.cohort import Cohort
from sts_queries.errors import UsageError
from sts_queries.metrics.shared.groups import group_labels, group_name
from sts_queries.metrics.shared.notes import MIN_GROUP
from sts_queries.metrics.shared.selection import run
from sts_queries.metrics.survival.hazards import declared_order
from sts_queries.query_spec import QuerySpec
from sts_queries.sql.statement import metric_sql
from sts_queries.stats.interaction import interaction_test

__all__ = ["hazard_forest"]


def hazard_forest(spec: QuerySpec, cohort: Cohort, fields: list[str]) -> tuple[dict, list[str]]:
    """The hazard ratio of the two `by=` groups overall and in every subgroup of `fields`, with
    the interaction test per field: the `Forest` fields of a hazard-ratio forest, and notes."""
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
    declared = declared_order(cohort.meta.fields, spec.by, cohort.catalog)
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
    parts = {
        "overall": overall,
        "rows": rows,
        "reference": reference,
        "comparison": other,
        "interactions": interactions,
    }
    return parts, notes


def _patients(rows) -> int:
    return int(rows["patients"].sum())


def _events(rows) -> int:
    return int((rows["patients"] * rows["event"]).sum())


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
