"""CTCAE toxicity: patients by worst grade per term, as n (% of all N selected)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sts_queries.charts import ToxicityChart
from sts_queries.cohort.cohort import Cohort
from sts_queries.errors import UsageError
from sts_queries.metrics.metric import Metric
from sts_queries.metrics.shared.groups import group_labels, group_name
from sts_queries.metrics.shared.notes import provenance_notes
from sts_queries.metrics.shared.selection import run, selected_n
from sts_queries.query_spec import QuerySpec
from sts_queries.result import Answer, Part
from sts_queries.sql.statement import metric_sql

__all__ = ["GRADES", "TOX", "Toxicity", "tox_answer"]

GRADES = ("1", "2", "3", "4", "5")


@dataclass(frozen=True, kw_only=True)
class Toxicity(Part):
    """Patients by worst grade per term, and how many had any adverse event."""

    rows: Sequence[Mapping]
    patients_with_event: int
    # Every term the cohort records (whatever was selected): outside patient places each is
    # listed, so that whether a term's row appears tells nothing (privacy/suppression_toxicity).
    terms: Sequence[str] = ()

    def json(self) -> dict:
        out = super().json()
        out.pop("terms", None)  # not part of the answer: the rows are
        return out


def _rows(frame, n: int, term_order: tuple[str, ...]) -> list[dict]:
    """Table rows from patient counts per (term, worst grade)."""
    by_term: dict[str, dict[str, int]] = {}
    for term, grade, k in zip(frame["term"], frame["worst_grade"], frame["patients"], strict=True):
        by_term.setdefault(str(term), dict.fromkeys(GRADES, 0))[str(int(grade))] += int(k)
    rows = []
    for term, grades in by_term.items():
        any_grade = sum(grades.values())
        severe = sum(grades[g] for g in ("3", "4", "5"))
        rows.append(
            {
                "term": term,
                "grades": grades,
                "any": any_grade,
                "grade3plus": severe,
                "any_pct": any_grade / n,
                "grade3plus_pct": severe / n,
            }
        )
    declared = {t.lower(): i for i, t in enumerate(term_order)}
    rows.sort(key=lambda r: (declared.get(r["term"].lower(), len(declared)), -r["any"], r["term"]))
    return rows


def tox_answer(spec: QuerySpec, cohort: Cohort) -> Answer:
    """Worst grade per patient per term; every selected patient is in the denominator."""
    if not cohort.has_table("adverse_events"):
        raise UsageError(
            "This cohort has no adverse events table.",
            hint="Add adverse_events.csv (patient_id, term, grade) to the cohort folder.",
        )
    n = selected_n(spec, cohort)

    counted = run(
        spec,
        cohort,
        metric_sql("tox"),
        columns={},
        result_filters=spec.ae_filters,
        then=metric_sql("tox_counts"),
    )
    frame = counted[~counted["any_term"]]
    with_any = int(counted.loc[counted["any_term"], "patients"].sum())
    order = cohort.meta.term_order
    rows = _rows(frame, n, order)
    groups = []
    if spec.by:
        sizes = run(spec, cohort, metric_sql("count"), columns={})
        size = {group_name(g): int(k) for g, k in zip(sizes["group_key"], sizes["n"], strict=True)}
        keys = frame["group_key"].map(group_name)
        for label in group_labels(spec, cohort, set(size)):
            part = frame[keys == label]
            groups.append(
                {"label": label, "n": size[label], "rows": _rows(part, size[label], order)}
            )
    return Answer(
        spec=spec,
        metric="tox",
        title="Toxicity",
        n=n,
        method="worst CTCAE grade per patient per term; % of all N selected",
        body=Toxicity(rows=rows, patients_with_event=with_any, terms=cohort.ae_terms),
        groups=tuple(groups),
        notes=provenance_notes(spec, cohort, (), ("adverse_events",)),
        chart=ToxicityChart(
            rows=rows, n=n, groups=tuple(groups), data_as_of=cohort.meta.data_as_of
        ),
    )


TOX = Metric(
    name="tox",
    title="Toxicity",
    summary=(
        "Adverse events: patients by worst CTCAE grade per term, any grade and grade ≥3, "
        "n (% of all N selected), with a bar chart."
    ),
    examples=("tox", "tox grade>=3", "tox histology=LPS"),
    aliases=("ae", "aes", "toxicity", "safety"),
    handler=tox_answer,
    body=Toxicity,
    options=frozenset({"grade"}),
)
